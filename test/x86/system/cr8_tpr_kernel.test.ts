// CR8 ↔ local APIC TPR in 64-bit mode (test/guests/system/cr8_tpr.S) under xentab and under
// QEMU TCG: the serial lines must match.
import { describe, it, expect } from 'vitest';
import { buildGuest, haveGcc32, type GuestSpec } from '../../guests/build_guest.ts';
import { haveQemu } from '../../machine/loader/qemu_run.ts';
import { bootXentab, qemuLines } from './kernel_runner.ts';

export const CR8_TPR: GuestSpec = { name: 'cr8_tpr', sources: ['start32.S', 'system/cr8_tpr.S', 'serial64.S'], defines: ['MULTIBOOT'] };

describe.skipIf(!haveGcc32() || !haveQemu())('CR8/TPR test kernel: xentab vs QEMU TCG', () => {
  it('MOV CR8 reaches the APIC TPR and PPR, TPR writes show in CR8, CR8 holds a self-IPI back', () => {
    const path = buildGuest(CR8_TPR);
    const r = bootXentab(path);
    const q = qemuLines(path);
    expect(q.status).toBe(1);
    expect(r.lines).toEqual(q.lines);
    expect(r.reason).toBe('exit');
    expect(q.lines.at(-1)).toBe('done');
  });
});
