// INTEGRATION TEST: runs the real `npm run images` pipeline against Debian's packages (downloading them
// when .cache/images is empty, ≈30 MB), then checks what it made with tools nobody here wrote: apt's
// index, GNU cpio, sfdisk, debugfs, and QEMU TCG booting Debian's kernel with our initramfs.
// Set XENTAB_SKIP_IMAGES=1 to skip it (e.g. with no network and no cache).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { DEFAULT_CACHE_DIR, REPO_ROOT } from '../../../tools/images/cache_layout.ts';
import { findTool } from '../../../tools/images/host_tools.ts';
import { readModinfo } from '../../../tools/images/kernel_modules.ts';
import { parseManifest, type Manifest } from '../../../tools/images/manifest.ts';
import { readNewc } from './newc_reader.ts';

const SKIP = process.env.XENTAB_SKIP_IMAGES === '1';
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function runImages(args: string[] = []): { status: number | null; stdout: string; stderr: string; seconds: number } {
  const t0 = Date.now();
  const r = spawnSync('npm', ['run', '--silent', 'images', '--', ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 240_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, seconds: (Date.now() - t0) / 1000 };
}

describe.skipIf(SKIP)('npm run images (INTEGRATION: real Debian packages; XENTAB_SKIP_IMAGES=1 skips)', () => {
  let first: ReturnType<typeof runImages>;
  let manifest: Manifest;
  const file = (rel: string) => readFileSync(join(DEFAULT_CACHE_DIR, rel));
  const artifact = (name: string) => manifest.artifacts.find((a) => a.name === name)!;
  const image = (name: string) => manifest.images.find((a) => a.name === name)!;

  beforeAll(() => {
    first = runImages();
    if (first.status !== 0) throw new Error(`npm run images failed (${first.status}):\n${first.stderr}`);
    manifest = parseManifest(readFileSync(join(DEFAULT_CACHE_DIR, 'manifest.json'), 'utf8'));
  });

  it('resolves the four packages and the cloud kernel behind linux-image-cloud-amd64 (oracle: apt-cache)', () => {
    const names = manifest.packages.map((p) => p.name);
    expect(names.slice(0, 3)).toEqual(['xen-utils-4.17', 'grub-xen-host', 'busybox-static']);
    const deps = spawnSync('apt-cache', ['depends', 'linux-image-cloud-amd64'], { encoding: 'utf8' }).stdout;
    expect(deps).toContain(`Depends: ${names[3]}`);
    for (const p of manifest.packages) {
      const show = spawnSync('apt-cache', ['show', `${p.name}=${p.version}`], { encoding: 'utf8' }).stdout;
      expect(show, p.name).toContain(`SHA256: ${p.sha256}`);
      expect(sha256(file(p.deb)), p.deb).toBe(p.sha256);
      expect(file(p.deb).length).toBe(p.size);
    }
  });

  it('records every extracted file with the sha256 and size it has on disk', () => {
    expect(manifest.artifacts.map((a) => a.name)).toEqual([
      'xen-shim',
      'grub-i386-xen_pvh',
      'grub-x86_64-xen',
      'busybox',
      'vmlinuz',
      'xen-blkfront.ko',
      'xen-netfront.ko',
    ]);
    for (const a of [...manifest.artifacts, ...manifest.images]) {
      const bytes = file(a.path);
      expect(sha256(bytes), a.name).toBe(a.sha256);
      expect(bytes.length, a.name).toBe(a.size);
    }
    expect(artifact('xen-shim').source).toBe('usr/lib/xen-4.17/boot/xen-shim');
    expect(artifact('vmlinuz').source).toMatch(/^boot\/vmlinuz-6\.1\.0-\d+-cloud-amd64$/);
    for (const n of ['xen-shim', 'grub-i386-xen_pvh', 'grub-x86_64-xen', 'busybox']) {
      expect(file(artifact(n).path).subarray(0, 4).toString('latin1'), n).toBe('\x7fELF');
    }
    expect(file(artifact('vmlinuz').path).subarray(0x202, 0x206).toString('latin1')).toBe('HdrS'); // bzImage header
  });

  it('takes the modules built for that very kernel (vermagic matches the kernel ABI)', () => {
    const abi = manifest.packages[3]!.name.replace(/^linux-image-/, '');
    for (const m of ['xen-blkfront.ko', 'xen-netfront.ko']) {
      const info = readModinfo(file(artifact(m).path));
      expect(info.find((s) => s.startsWith('vermagic='))).toMatch(new RegExp(`^vermagic=${abi.replace(/\./g, '\\.')} `));
      expect(info).toContain(`name=${m.replace('.ko', '').replace('-', '_')}`);
    }
  });

  it('builds an initramfs holding /init, busybox with its applets, and the modules', () => {
    const cpio = file(image('initramfs').path);
    expect(image('initramfs').path).toBe('initramfs.cpio');
    expect(sha256(cpio)).toBe(image('initramfs').inputs);
    expect(gunzipSync(file(image('initramfs.gz').path)).equals(cpio)).toBe(true);
    const members = readNewc(cpio);
    const get = (n: string) => members.find((m) => m.name === n);
    expect(get('init')?.mode).toBe(0o100755);
    expect(sha256(get('bin/busybox')!.data)).toBe(artifact('busybox').sha256);
    expect(sha256(get('lib/modules/xen-blkfront.ko')!.data)).toBe(artifact('xen-blkfront.ko').sha256);
    expect(members.filter((m) => (m.mode & 0o170000) === 0o120000).length).toBeGreaterThan(200);
    expect(get('bin/sh')).toBeDefined();
    if (findTool('cpio')) {
      const r = spawnSync('cpio', ['-it', '--quiet'], { input: cpio, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout.trim().split('\n')).toEqual(members.map((m) => m.name));
    }
  });

  it('builds a demo disk whose partition table and ext2 filesystem tools read (sfdisk, debugfs)', () => {
    const disk = file(image('demo-disk').path);
    expect(disk.readUInt16LE(2048 * 512 + 1024 + 56)).toBe(0xef53);
    const path = join(DEFAULT_CACHE_DIR, image('demo-disk').path);
    const pt = JSON.parse(spawnSync('sfdisk', ['--json', path], { encoding: 'utf8' }).stdout).partitiontable;
    expect(pt.partitions).toEqual([expect.objectContaining({ start: 2048, type: '83' })]);
    const ls = spawnSync(findTool('debugfs')!, ['-R', 'ls -p /', `${path}?offset=${2048 * 512}`], { encoding: 'utf8' });
    expect(ls.status).toBe(0);
    for (const f of ['README', 'hello', 'grubenv', 'etc', 'lost+found']) expect(ls.stdout).toContain(`/${f}/`);
  });

  it('reuses the cache on a second run: no download, nothing rebuilt', () => {
    const again = runImages();
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).not.toMatch(/downloading|unpacking|building/);
    expect(again.stderr.match(/: cached$/gm)).toHaveLength(4);
    expect(again.stderr.match(/: up to date$/gm)).toHaveLength(2);
    expect(readFileSync(join(DEFAULT_CACHE_DIR, 'manifest.json'), 'utf8')).toBe(`${JSON.stringify(manifest, null, 2)}\n`);
    console.log(`npm run images: first run in this test ${first.seconds.toFixed(1)} s, cached run ${again.seconds.toFixed(1)} s`);
  });

  describe('on a copy of the cache', () => {
    let copy = '';
    beforeAll(() => {
      copy = mkdtempSync(join(tmpdir(), 'xentab-images-'));
      cpSync(DEFAULT_CACHE_DIR, copy, { recursive: true });
    });
    afterAll(() => rmSync(copy, { recursive: true, force: true }));

    it('--offline rebuilds only what is missing, to the same bytes', () => {
      rmSync(join(copy, 'demo-disk.img'));
      const r = runImages(['--offline', '--cache', copy]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/demo-disk\.img: building/);
      expect(r.stderr).toMatch(/initramfs\.cpio\(\.gz\): up to date/);
      expect(sha256(readFileSync(join(copy, 'demo-disk.img')))).toBe(image('demo-disk').sha256);
    });

    it('--offline re-extracts a damaged file from the cached .deb', () => {
      rmSync(join(copy, 'modules', 'xen-blkfront.ko'));
      const r = runImages(['--offline', '--cache', copy]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/linux-image-.*: unpacking/);
      expect(sha256(readFileSync(join(copy, 'modules', 'xen-blkfront.ko')))).toBe(artifact('xen-blkfront.ko').sha256);
    });

    it('--offline fails naming what is missing when a .deb is gone', () => {
      rmSync(join(copy, manifest.packages[2]!.deb));
      const r = runImages(['--offline', '--cache', copy]);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`--offline: ${manifest.packages[2]!.deb} is missing or damaged`);
    });

    it('--list prints every file', () => {
      const r = runImages(['--list', '--cache', copy]);
      expect(r.status, r.stderr).toBe(0);
      for (const n of ['xen-shim', 'vmlinuz', 'initramfs', 'initramfs.gz', 'demo-disk']) expect(r.stdout).toMatch(new RegExp(`^${n} `, 'm'));
    });
  });

  // The strongest check of the initramfs: Debian's own kernel boots it to a shell under QEMU TCG. The
  // console is ttyS0 (xentab.tty=ttyS0 makes /init open it exactly as it opens hvc0 under Xen); ^C reaching
  // a foreground `sleep` proves the shell owns its controlling terminal (job control). The Xen modules
  // refuse with ENODEV, which proves the kernel accepted their format, vermagic and symbols.
  it.skipIf(!findTool('qemu-system-x86_64'))('boots Debian\'s cloud kernel to a busybox shell under QEMU TCG (oracle: QEMU)', async () => {
    const qemu = spawn(
      'qemu-system-x86_64',
      ['-accel', 'tcg', '-m', '256', '-display', 'none', '-serial', 'stdio', '-no-reboot',
        '-kernel', join(DEFAULT_CACHE_DIR, 'vmlinuz'), '-initrd', join(DEFAULT_CACHE_DIR, 'initramfs.cpio'),
        '-append', 'console=ttyS0 panic=-1 quiet xentab.tty=ttyS0'],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let out = '';
    qemu.stdout.on('data', (d: Buffer) => (out += d.toString('latin1')));
    const waitFor = (re: RegExp, ms: number) =>
      new Promise<void>((resolve, reject) => {
        const t0 = Date.now();
        const poll = setInterval(() => {
          if (re.test(out)) {
            clearInterval(poll);
            resolve();
          } else if (Date.now() - t0 > ms || qemu.exitCode !== null) {
            clearInterval(poll);
            reject(new Error(`waiting for ${re}; console so far:\n${out}`));
          }
        }, 100);
      });
    try {
      await waitFor(/root@xentab:~\$ /, 90_000);
      qemu.stdin.write('echo RESULT=$((6*7)); tty; ls /lib/modules\n');
      await waitFor(/RESULT=42[\s\S]*xen-netfront\.ko/, 30_000);
      expect(out).toContain("insmod: can't insert '/lib/modules/xen-blkfront.ko': No such device");
      expect(out).toContain('xentab: Linux 6.1.0-');
      expect(out).toMatch(/\/dev\/ttyS0/);
      expect(out).not.toMatch(/job control turned off|Kernel panic/);
      qemu.stdin.write('sleep 600\n');
      await new Promise((r) => setTimeout(r, 1000));
      qemu.stdin.write('\x03');
      qemu.stdin.write('echo AFTER=$((1+1))\n');
      await waitFor(/AFTER=2/, 20_000); // long before the sleep would have ended on its own
      qemu.stdin.write('poweroff -f\n');
      await waitFor(/reboot: Power down/, 30_000);
    } finally {
      qemu.kill();
    }
  }, 180_000);
});
