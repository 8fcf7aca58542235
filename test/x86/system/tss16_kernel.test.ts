// Task switches with a 16-bit TSS (test/guests/system/tss16.c) under xentab and under QEMU TCG.
import { describe, it, expect } from 'vitest';
import { buildGuest, haveGcc32, type GuestSpec } from '../../guests/build_guest.ts';
import { haveQemu } from '../../machine/loader/qemu_run.ts';
import { bootXentab, qemuLines } from './kernel_runner.ts';

export const TSS16: GuestSpec = { name: 'tss16', sources: ['start32.S', 'system/tss16.c'], defines: ['MULTIBOOT'] };

describe.skipIf(!haveGcc32() || !haveQemu())('16-bit TSS test kernel: xentab vs QEMU TCG', () => {
  it('JMP, CALL/IRET and INT through a task gate to a 16-bit task, and 16-bit interrupt, trap and call gates', () => {
    const path = buildGuest(TSS16);
    const r = bootXentab(path);
    // The task switch loads FLAGS from the TSS, arithmetic flags included (SDM Vol 3 §8.3, task
    // switch step 10): the 16-bit task starts with FLAGS 0002h. QEMU 7.2 TCG keeps the old task's
    // lazily evaluated ZF/PF after the JMP (its task-switch helper does not reset the lazy
    // condition-code state), so it reports 0046h.
    const q = qemuLines(path);
    const sdmLines = q.lines.map((l) => (l.startsWith('jmp16: ') ? l.replace(/ flags=[0-9a-f]{8}/, ' flags=00000002') : l));
    expect(q.status).toBe(1);
    expect(r.lines).toEqual(sdmLines);
    expect(r.reason).toBe('exit');
    expect(q.lines.at(-1)).toBe('done');
  });
});
