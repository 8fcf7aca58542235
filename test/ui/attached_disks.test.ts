// Attaching a dropped image to a demo's machine must give the config QEMU's command line gives
// for one more `-drive file=…,if=xen`: the oracle is xentab's CLI (`--print-config`), whose
// drive ids and vdev names follow QEMU's (xen0, xen1; xvda, xvdb).
import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkMachineConfig, type MachineConfig } from '../../src/machine/config.ts';
import { imageNameFor, loadAttached, saveAttached, withAttachedDisks } from '../../src/ui/attached_disks.ts';
import type { DemoManifest } from '../../src/worker/protocol.ts';

const ROOT = join(import.meta.dirname, '../..');
const manifest = JSON.parse(readFileSync(join(ROOT, 'public/demos.json'), 'utf8')) as DemoManifest;
const H = (c: string) => c.repeat(64);

function printConfig(args: string[]): MachineConfig {
  return JSON.parse(execFileSync('node', [join(ROOT, 'bin/xentab.js'), ...args, '--print-config'], { cwd: ROOT, encoding: 'utf8' })) as MachineConfig;
}

describe('attached disks', () => {
  it('become the next if=xen drive and xen-disk, as the CLI makes them for one more -drive', () => {
    const dir = mkdtempSync(join(tmpdir(), 'xentab-attach-'));
    for (const f of ['kernel', 'a.img', 'b.img']) writeFileSync(join(dir, f), new Uint8Array(512));
    const base = ['-accel', 'kvm,xen-version=0x40011,kernel-irqchip=split', '-display', 'none', '-kernel', join(dir, 'kernel'), '-drive', `file=${join(dir, 'a.img')},if=xen`];
    const one = printConfig(base);
    const two = printConfig([...base, '-drive', `file=${join(dir, 'b.img')},if=xen`]);
    const spec = withAttachedDisks({ config: one, images: [] }, [{ name: 'b.img', sha256: H('b'), size: 512 }]);
    expect(checkMachineConfig(spec.config)).toEqual([]);
    const cliDrive = two.drives[1]!;
    expect(spec.config.drives[1]).toEqual({ ...cliDrive, file: { path: 'b.img', resolved: 'b.img' } });
    expect(spec.config.devices.filter((d) => d.driver === 'xen-disk')).toEqual(two.devices.filter((d) => d.driver === 'xen-disk'));
    expect(spec.images).toEqual([{ role: 'drive', name: 'b.img', size: 512, sha256: H('b'), url: '' }]);
  });

  it('on a demo without disks the first one is xvda; on the PV-disk demo it is xvdb; names never clash', () => {
    const grub = manifest.demos.find((d) => d.id === 'grub-pvh')!;
    const a = withAttachedDisks(grub, [{ name: 'x.img', sha256: H('1'), size: 1024 }]);
    expect(a.config.devices.at(-1)).toEqual({ driver: 'xen-disk', id: null, drive: 'xen0', vdev: 'xvda' });
    const disk = manifest.demos.find((d) => d.id === 'grub-pvh-disk')!;
    const b = withAttachedDisks(disk, [
      { name: 'demo-disk', sha256: H('2'), size: 1024 },
      { name: 'demo-disk', sha256: H('3'), size: 2048 },
    ]);
    expect(checkMachineConfig(b.config)).toEqual([]);
    expect(b.config.devices.filter((d) => d.driver === 'xen-disk').map((d) => [d.drive, d.vdev])).toEqual([
      ['xen0', 'xvda'],
      ['xen1', 'xvdb'],
      ['xen2', 'xvdc'],
    ]);
    expect(b.images.map((i) => i.name)).toEqual(['grub-i386-xen_pvh', 'demo-disk', '2-demo-disk', '3-demo-disk']);
    expect(b.config.drives.slice(1).map((d) => d.file!.resolved)).toEqual(['2-demo-disk', '3-demo-disk']);
    // The demo itself is not changed.
    expect(disk.config.drives.length).toBe(1);
  });

  it('makes safe image names from file names', () => {
    expect(imageNameFor('my disk (1).img')).toBe('my_disk__1_.img');
    expect(imageNameFor('../../etc/passwd')).toBe('etc_passwd');
    expect(imageNameFor('...')).toBe('disk.img');
  });

  it('remembers the list per demo and drops malformed entries', () => {
    const m = new Map<string, string>();
    const storage = { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v), removeItem: (k: string) => void m.delete(k) };
    saveAttached(storage, 'demo:x', [{ name: 'a.img', sha256: H('a'), size: 1 }]);
    expect(loadAttached(storage, 'demo:x')).toEqual([{ name: 'a.img', sha256: H('a'), size: 1 }]);
    expect(loadAttached(storage, 'demo:y')).toEqual([]);
    m.set('xentab.attached.demo:y', JSON.stringify([{ name: '../x', sha256: H('a'), size: 1 }, { name: 'ok', sha256: 'nothex', size: 1 }, { name: 'ok', sha256: H('c'), size: 5 }]));
    expect(loadAttached(storage, 'demo:y')).toEqual([{ name: 'ok', sha256: H('c'), size: 5 }]);
    m.set('xentab.attached.demo:z', '{not json');
    expect(loadAttached(storage, 'demo:z')).toEqual([]);
    saveAttached(storage, 'demo:x', []);
    expect(m.has('xentab.attached.demo:x')).toBe(false);
  });
});
