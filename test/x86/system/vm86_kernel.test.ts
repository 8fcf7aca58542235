// Virtual-8086 mode (test/guests/system/vm86.c) under xentab and under QEMU TCG: the serial lines
// must match, except that fault-class exceptions push EFLAGS with RF = 1 (SDM Vol 3 §18.3.1.1),
// which QEMU TCG does not do: in QEMU's frame lines for #DE (v=00) and #GP (v=0d), RF is set.
import { describe, it, expect } from 'vitest';
import { buildGuest, haveGcc32, type GuestSpec } from '../../guests/build_guest.ts';
import { haveQemu } from '../../machine/loader/qemu_run.ts';
import { bootXentab, qemuLines } from './kernel_runner.ts';

export const VM86: GuestSpec = { name: 'vm86', sources: ['start32.S', 'system/vm86.c'], defines: ['MULTIBOOT'] };

/** A frame line of a fault-class vector gets RF (bit 16) in its pushed EFLAGS. */
function faultRf(line: string): string {
  const m = /^ {2}v=(00|0d) .* fl=([0-9a-f]{8})/.exec(line);
  if (!m) return line;
  const fl = (parseInt(m[2]!, 16) | 0x10000).toString(16).padStart(8, '0');
  return line.replace(`fl=${m[2]}`, `fl=${fl}`);
}

describe.skipIf(!haveGcc32() || !haveQemu())('virtual-8086 test kernel: xentab vs QEMU TCG', () => {
  it('IRETD into VM86, real-mode segments, INT n to ring 0 with the 9-dword frame, IOPL-sensitive instructions, I/O bitmap, VM86 task', () => {
    const path = buildGuest(VM86);
    const r = bootXentab(path);
    const q = qemuLines(path);
    expect(q.status).toBe(1);
    expect(r.lines).toEqual(q.lines.map(faultRf));
    expect(r.reason).toBe('exit');
    expect(q.lines.at(-1)).toBe('done');
    expect(q.lines.filter((l) => l.startsWith('  v=')).length).toBe(16);
  });
});
