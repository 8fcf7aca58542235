// PAUSE as a pause-loop exit (machine.ts `pause`): a delay loop on the only runnable vCPU lets
// virtual time pass instead of retiring millions of instructions (Xen's __udelay and mdelay, the
// shim's five-second crash countdown), without ever stepping over a timer deadline; with another
// vCPU runnable it only yields.
import { describe, it, expect } from 'vitest';
import { Machine, PAUSE_SKIP_NS } from '../../src/machine/machine.ts';
import * as L from '../../src/x86/state_layout.ts';

const SPEC = {
  ramBytes: 1 << 20, cpus: 1, tscKHz: 2_000_000, icountShift: 0, rtcEpochSeconds: 0,
  serials: [], debugcon: null, debugExit: null, pcTestdev: false,
};
const host = { serialOut: () => {}, debugconOut: () => {}, debugExit: () => {}, resetRequest: () => {} };

/** 16-bit: wait until the TSC has advanced by 2,000,000 ticks (1 ms at 2 GHz), as __udelay does. */
function udelayLoop(withPause: boolean): number[] {
  return [
    0x0f, 0x31, // rdtsc
    0x66, 0x89, 0xc3, // mov ebx, eax
    ...(withPause ? [0xf3, 0x90] : [0x90, 0x90]), // loop: pause (or two NOPs)
    0x0f, 0x31, // rdtsc
    0x66, 0x29, 0xd8, // sub eax, ebx
    0x66, 0x3d, 0x80, 0x84, 0x1e, 0x00, // cmp eax, 2000000
    0x72, 0xf1, // jb loop
    0xf4, 0xeb, 0xfd, // hlt; jmp hlt
  ];
}

function make(code: number[], cpus = 1): Machine {
  const m = new Machine({ ...SPEC, cpus }, host);
  m.platform.mem.writeBytes(0x7c00, Uint8Array.from(code));
  for (let i = 0; i < cpus; i++) {
    const cpu = m.cpus[i]!;
    cpu.setFlatMode(16);
    cpu.s32[L.RIP >> 2] = 0x7c00;
    cpu.s32[(L.RIP >> 2) + 1] = 0;
    cpu.s32[L.HALTED >> 2] = 0;
  }
  return m;
}

describe('PAUSE', () => {
  it('lets a 1 ms delay loop finish in a few hundred instructions, not a million', () => {
    const m = make(udelayLoop(true));
    m.run(100_000, { idle: 'return' });
    expect(m.cpus[0]!.s32[L.HALTED >> 2]).toBe(1);
    const n = m.totalInstructions();
    expect(n).toBeLessThan(10 * (1_000_000 / PAUSE_SKIP_NS) + 50);
    expect(m.clock.nowNs()).toBeGreaterThanOrEqual(1_000_000);
    expect(m.clock.nowNs()).toBeLessThan(1_000_000 + PAUSE_SKIP_NS + 100);
  });

  it('is a plain instruction in the same loop built from NOPs (no skipping without the hint)', () => {
    const m = make(udelayLoop(false));
    m.run(2_000_000, { idle: 'return' });
    expect(m.cpus[0]!.s32[L.HALTED >> 2]).toBe(1);
    expect(m.totalInstructions()).toBeGreaterThan(1_000_000 / 2);
  });

  it('never skips over a timer deadline: the timer fires at its own time', () => {
    const m = make(udelayLoop(true));
    let firedAt = -1;
    m.clock.createTimer(() => { firedAt = m.clock.nowNs(); }, 'test').arm(333_333);
    m.run(100_000, { idle: 'return' });
    expect(firedAt).toBeGreaterThanOrEqual(333_333);
    expect(firedAt).toBeLessThan(333_333 + 100); // within the few instructions of one loop turn
  });

  it('only yields when another vCPU is runnable: time then advances by instructions alone', () => {
    const m = make(udelayLoop(true), 2);
    m.run(20_000, { idle: 'return' });
    expect(m.clock.nowNs()).toBe(m.totalInstructions()); // shift 0: 1 ns per instruction, nothing skipped
    expect(m.cpus[0]!.s32[L.HALTED >> 2]).toBe(0);
  });

  it('gives the same instruction count and time on every run (deterministic)', () => {
    const a = make(udelayLoop(true)), b = make(udelayLoop(true));
    a.run(100_000, { idle: 'return' });
    b.run(100_000, { idle: 'return' });
    expect(a.totalInstructions()).toBe(b.totalInstructions());
    expect(a.clock.nowNs()).toBe(b.clock.nowNs());
  });
});
