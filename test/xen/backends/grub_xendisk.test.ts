// The real GRUB 2.06 PVH image (Debian grub-xen-host) finds, reads and writes a PV disk served by
// blkback, driven through the CLI exactly as a user would (`--expect`/`--send`):
// - the demo disk (npm run images) shows up as (xen/xvda) with its partition, and `cat` reads files;
// - `save_env` writes through the ring into an ext2 file on a file-backed disk, and a second boot
//   reads the value back with `load_env` (GRUB's xendisk driver writes with BLKIF_OP_WRITE);
// - the instruction count of every request and completion is the same over a plain file and over
//   a copy-on-write overlay (different async paths and latencies): invariant 1.
// Skipped when the images (or mke2fs, for the write test) are missing. About 8 s per boot.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const GRUB = '.cache/images/grub-i386-xen_pvh.bin';
const DEMO = '.cache/images/demo-disk.img';
const XEN = ['-accel', 'kvm,xen-version=0x40011,kernel-irqchip=split', '-chardev', 'stdio,id=char0', '-device', 'xen-console,chardev=char0', '-display', 'none', '-m', '256M'];
const haveMke2fs = spawnSync('mke2fs', ['-V'], { stdio: 'ignore' }).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'xentab-grub-xendisk-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the CLI with a script of --expect/--send pairs; resolves with the exit status and the console text. */
function xentab(args: string[]): Promise<{ status: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['bin/xentab.js', ...XEN, '-kernel', GRUB, ...args, '--timeout', '90'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (b: Buffer) => (out += b.toString('latin1')));
    p.stderr.on('data', (b: Buffer) => (out += b.toString('latin1')));
    p.on('close', (status) => resolve({ status, out }));
  });
}

/** GRUB echoes typed characters with cursor moves in between: keep only printable text per line. */
const plain = (s: string): string => s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');

describe.skipIf(!existsSync(GRUB) || !existsSync(DEMO))('GRUB PVH on a PV disk', () => {
  it('lists (xen/xvda) and its partition, lists the ext2 root and cats files from it', async () => {
    const r = await xentab([
      '-drive', `file=${DEMO},if=xen,format=raw,readonly=on`,
      '--expect', 'grub>', '--send', 'ls\\n',
      '--expect', 'msdos1)', '--send', 'ls (xen/xvda,msdos1)/\\n',
      '--expect', 'hello', '--send', 'cat (xen/xvda,msdos1)/README\\n',
      '--expect', 'Try:', '--send', 'cat (xen/xvda,msdos1)/etc/motd\\n',
      '--expect', 'Xen in a browser tab.',
    ]);
    const text = plain(r.out);
    expect(r.status, text).toBe(0);
    expect(text).toContain('(xen/xvda) (xen/xvda,msdos1)');
    expect(text).toMatch(/lost\+found\/ README etc\/ grubenv hello/);
    expect(text).toContain('This is the xentab demo disk.');
    expect(text).toContain('Welcome to xentab: Xen in a browser tab.');
  }, 120_000);

  it('completes disk I/O at the same instruction counts whatever the storage stack (file, or copy-on-write overlay)', async () => {
    const blockEvents = async (drive: string): Promise<string[]> => {
      const r = await xentab(['-drive', drive, '-trace', 'xen_block_*', '--expect', 'grub>']);
      expect(r.status).toBe(0);
      return r.out.split('\n').filter((l) => l.startsWith('xen_block_'));
    };
    const direct = await blockEvents(`file=${DEMO},if=xen,format=raw,readonly=on`);
    const overlay = await blockEvents(`file=${DEMO},if=xen,format=raw,snapshot=on`);
    expect(direct.length).toBeGreaterThan(300); // GRUB's probing reads
    expect(overlay).toEqual(direct);
  }, 200_000);

  it.skipIf(!haveMke2fs)('save_env writes through blkback into the file, and the next boot load_envs it', async () => {
    const files = join(dir, 'files');
    mkdirSync(files);
    const header = '# GRUB Environment Block\n';
    writeFileSync(join(files, 'grubenv'), header + '#'.repeat(1024 - header.length));
    const img = join(dir, 'env.img');
    expect(spawnSync('mke2fs', ['-q', '-t', 'ext2', '-b', '1024', '-d', files, '-F', img, '2M']).status).toBe(0);
    const first = await xentab([
      '-drive', `file=${img},if=xen,format=raw`,
      '--expect', 'grub>', '--send', 'set foo=persisted\\n',
      '--expect', 'grub>', '--send', 'save_env -f (xen/xvda)/grubenv foo\\n',
      '--expect', 'grub>', '--send', 'echo saved\\n',
      '--expect', 'saved',
    ]);
    expect(first.status, plain(first.out)).toBe(0);
    // (The boot's own search for /boot/grub/grub.cfg prints errors before this.)
    expect(plain(first.out).split('save_env')[1]).not.toContain('error:');
    expect(readFileSync(img).includes(Buffer.from('foo=persisted\n'))).toBe(true);
    const second = await xentab([
      '-drive', `file=${img},if=xen,format=raw`,
      '--expect', 'grub>', '--send', 'load_env -f (xen/xvda)/grubenv\\n',
      '--expect', 'grub>', '--send', 'echo value=$foo\\n',
      '--expect', 'value=persisted',
    ]);
    expect(second.status, plain(second.out)).toBe(0);
  }, 200_000);
});
