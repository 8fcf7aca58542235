// Issue 5's acceptance line, as a user runs it: `npx xentab --accel kvm,xen-version=0x40011,
// kernel-irqchip=split -chardev stdio,id=char0 -device xen-console,chardev=char0 -display none
// -m 256M -kernel grub-i386-xen_pvh.bin`, scripted with --expect/--send: grub> appears on stdout,
// echo works, and halt ends the process with status 0 through SCHEDOP_shutdown (shown by the
// xen_shutdown trace event on stderr, the hypervisor side channel).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const IMAGE = join(ROOT, '.cache/images/grub-i386-xen_pvh.bin');

describe.skipIf(!existsSync(IMAGE))('npx xentab with GRUB PVH', () => {
  it('reaches grub>, echoes, and halt exits 0', () => {
    const r = spawnSync(
      process.execPath,
      [
        join(ROOT, 'bin/xentab.js'),
        '--accel', 'kvm,xen-version=0x40011,kernel-irqchip=split',
        '-chardev', 'stdio,id=char0', '-device', 'xen-console,chardev=char0',
        '-display', 'none', '-m', '256M', '-kernel', IMAGE,
        '-trace', 'xen_shutdown',
        '--expect', 'grub>', '--send', 'echo hello\\r', '--expect', 'hello', '--expect', 'grub>', '--send', 'halt\\r',
      ],
      { encoding: 'utf8', input: '', timeout: 120_000 },
    );
    expect(r.stdout).toContain('GNU GRUB  version 2.06');
    expect(r.stdout).toMatch(/\n\rhello\n\r/);
    expect(r.stderr).toMatch(/^xen_shutdown icount=\d+ vcpu=0 layer=xen flow=\d+ reason=0x0 code=0x0$/m);
    expect(r.status).toBe(0);
  }, 150_000);
});
