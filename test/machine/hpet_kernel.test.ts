// The hpet test kernel (test/guests/hpet.c) on xentab and under QEMU 7.2 TCG with the same
// command line: the ACPI HPET table, capability and reset values, writable bits, the counter
// halted and running, one-shot/periodic/32-bit/wrap/level/legacy interrupts through the
// I/O APIC. The serial output must match line for line.
import { describe, it, expect } from 'vitest';
import { buildGuest, haveGcc32, type GuestSpec } from '../guests/build_guest.ts';
import { bootXentab, qemuLines } from '../x86/system/kernel_runner.ts';
import { haveQemu } from './loader/qemu_run.ts';

export const HPET_KERNEL: GuestSpec = { name: 'hpet', sources: ['start32.S', 'idt32.S', 'hpet.c'], defines: ['MULTIBOOT'] };

/**
 * Two lines depend on host timing under QEMU: the one-shot test must route timer 2 to GSI 2 (the
 * only route QEMU's HPET offers, Tn_INT_ROUTE_CAP = 4), which the PIT's OUT shares, and QEMU's PIT
 * runs on the host clock: on an idle host it raised an edge there before the HPET fired
 * (at_or_after_cmp=0) and then the HPET's own (once=02); on a loaded one it did not. xentab must
 * give the HPET spec's answer (one interrupt, at or after the comparator) there.
 */
const HOST_TIMED = { oneshot_at_or_after_cmp: 'oneshot_at_or_after_cmp=1', oneshot_once: 'oneshot_once=01' };

describe.skipIf(!haveGcc32() || !haveQemu())('hpet test kernel: xentab vs QEMU TCG', () => {
  it('prints the same lines (table, registers, counter, one-shot, periodic, 32-bit wrap, level, legacy replacement)', () => {
    const path = buildGuest(HPET_KERNEL);
    const r = bootXentab(path, 500_000_000);
    const q = qemuLines(path, HOST_TIMED);
    expect(q.status).toBe(1);
    expect(r.reason).toBe('exit');
    expect(r.status).toBe(1);
    expect(r.lines.length).toBeGreaterThan(80);
    expect(r.lines).toEqual(q.lines);
  }, 60_000);
});
