// M5 acceptance, first half, as a user runs it: Debian's Xen 4.17 PV shim (`xen-shim`) boots
// through PVH on our Xen HVM interface and starts its PV guest, Debian's PV GRUB
// (grub-x86_64-xen.bin, the shim's module 0); GRUB's prompt appears on the console and a typed
// command is answered (input goes L0 console ring → the shim's pv_console → GRUB's ring).
// About 150 M guest instructions (10-15 s); gated only on the cached images (`npm run images`).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const SHIM = join(ROOT, '.cache/images/xen-shim');
const GRUB = join(ROOT, '.cache/images/grub-x86_64-xen.bin');

describe.skipIf(!existsSync(SHIM) || !existsSync(GRUB))('npx xentab with the Xen PV shim and PV GRUB', () => {
  it('the shim boots, builds Dom1, and PV GRUB reaches grub> and echoes', () => {
    const r = spawnSync(
      process.execPath,
      [
        join(ROOT, 'bin/xentab.js'),
        '--accel', 'kvm,xen-version=0x40011,kernel-irqchip=split',
        '-chardev', 'stdio,id=char0', '-device', 'xen-console,chardev=char0',
        '-display', 'none', '-m', '256M', '-kernel', SHIM, '-initrd', GRUB,
        '-append', 'pv-shim console=xen,pv -- ',
        '--expect', 'grub>', '--send', 'echo hello\\r', '--expect', 'hello', '--expect', 'grub>',
      ],
      { encoding: 'utf8', input: '', timeout: 290_000 },
    );
    // The shim's own log goes to the console ring (console=xen,pv) and, through console_io, to stderr.
    expect(r.stderr).toContain('Xen version 4.17');
    expect(r.stdout).toContain('Dom1 has maximum 1 VCPUs');
    expect(r.stdout).toContain('GNU GRUB  version 2.06');
    expect(r.stdout).toMatch(/\n\r\r?hello\n\r/);
    expect(r.status).toBe(0);
  }, 300_000);
});
