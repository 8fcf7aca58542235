// public/demos.json against oracles nobody here wrote: GNU as/ld rebuild the serial echo guest
// from its source byte for byte; the images' sizes and sha256 are those the image builder
// recorded (.cache/images/manifest.json) and node:crypto computes; and each demo's config is
// exactly what the CLI prints for the demo's own command line.
import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkMachineConfig, type MachineConfig } from '../../src/machine/config.ts';
import type { DemoManifest } from '../../src/worker/protocol.ts';

const ROOT = join(import.meta.dirname, '../..');
const manifest = JSON.parse(readFileSync(join(ROOT, 'public/demos.json'), 'utf8')) as DemoManifest;
const IMAGES = join(ROOT, '.cache/images');
const imagesManifest = existsSync(join(IMAGES, 'manifest.json'))
  ? (JSON.parse(readFileSync(join(IMAGES, 'manifest.json'), 'utf8')) as { artifacts: Array<{ name: string; path: string; sha256: string; size: number }>; images: Array<{ name: string; path: string; sha256: string; size: number }> })
  : null;

function haveBinutils(): boolean {
  try {
    execFileSync('as', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** File references differ between the page (image names) and the CLI (paths): compare without them. */
function withoutFiles(c: MachineConfig): unknown {
  const x = structuredClone(c) as MachineConfig & Record<string, unknown>;
  x.name = null;
  if (x.boot.kernel) x.boot.kernel = { path: '', resolved: '' };
  x.boot.initrd = x.boot.initrd === null ? null : '';
  for (const m of x.boot.modules) m.file = { path: '', resolved: '' };
  // The page keeps a writable disk's writes in an IndexedDB overlay (the image is never written);
  // the command line says snapshot=on so that running it does not write into .cache/images.
  for (const d of x.drives) {
    if (d.file) d.file = { path: '', resolved: '' };
    d.snapshot = false;
  }
  return x;
}

describe('public/demos.json', () => {
  it('has unique ids, valid configs, and lists every image its config names', () => {
    expect(manifest.format).toBe('xentab-demos/1');
    expect(new Set(manifest.demos.map((d) => d.id)).size).toBe(manifest.demos.length);
    for (const d of manifest.demos) {
      expect(checkMachineConfig(d.config), d.id).toEqual([]);
      const names = [d.config.boot.kernel?.resolved, ...d.config.boot.modules.map((m) => m.file.resolved), ...d.config.drives.map((x) => x.file?.resolved)].filter((n) => n !== undefined);
      for (const n of names) expect(d.images.map((i) => i.name), `${d.id}: ${n}`).toContain(n);
      for (const i of d.images) expect(i.sha256).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  for (const guest of ['serial_echo', 'serial_clock']) {
    it.skipIf(!haveBinutils())(`${guest}.bin is exactly what GNU as/ld make of ${guest}.s`, () => {
      const dir = mkdtempSync(join(tmpdir(), 'xentab-guest-'));
      execFileSync('as', ['--32', '-o', join(dir, 'e.o'), join(ROOT, `public/guests/${guest}.s`)]);
      execFileSync('ld', ['-m', 'elf_i386', '-Ttext=0x100000', '--oformat=binary', '-e', 'entry', '-o', join(dir, 'e.bin'), join(dir, 'e.o')]);
      expect(readFileSync(join(dir, 'e.bin')).equals(readFileSync(join(ROOT, `public/guests/${guest}.bin`)))).toBe(true);
    });
  }

  it('committed guests have the size and sha256 the manifest promises', () => {
    for (const d of manifest.demos) {
      for (const i of d.images.filter((x) => x.url.startsWith('guests/'))) {
        const bytes = readFileSync(join(ROOT, 'public', i.url));
        expect([bytes.length, createHash('sha256').update(bytes).digest('hex')]).toEqual([i.size, i.sha256]);
      }
    }
  });

  it.skipIf(imagesManifest === null)("Debian-derived images match what `npm run images` recorded", () => {
    const all = [...imagesManifest!.artifacts, ...imagesManifest!.images];
    for (const d of manifest.demos) {
      for (const i of d.images.filter((x) => x.url.startsWith('images/'))) {
        const rec = all.find((a) => a.name === i.name);
        expect(rec, i.name).toBeDefined();
        expect([`images/${rec!.path}`, rec!.size, rec!.sha256]).toEqual([i.url, i.size, i.sha256]);
      }
    }
  });

  it.skipIf(imagesManifest === null)("each demo's config is what the CLI prints for the demo's command line", () => {
    for (const d of manifest.demos) {
      const cmd = d.cli.replace(/^npx xentab /, `node ${join(ROOT, 'bin/xentab.js')} `) + ' --print-config';
      const printed = JSON.parse(execFileSync('sh', ['-c', cmd], { cwd: ROOT, encoding: 'utf8' })) as MachineConfig;
      expect(withoutFiles(d.config), d.id).toEqual(withoutFiles(printed));
    }
  });
});
