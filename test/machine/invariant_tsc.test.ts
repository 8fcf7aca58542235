// CPUID 80000007h EDX bit 8 (invariant TSC, SDM Vol 3B §18.17.1): the TSC runs at one constant
// rate in every state, halted included. Our TSC is the virtual clock, and an idle HLT skips
// virtual time to the next timer, so the TSC must come out of the HLT advanced by exactly the
// skipped time. (The Xen shim trusts the TSC only with this bit; without it it traps and
// emulates every RDTSC of its PV guest.)
import { describe, it, expect } from 'vitest';
import { Machine } from '../../src/machine/machine.ts';
import * as L from '../../src/x86/state_layout.ts';

const SPEC = {
  ramBytes: 1 << 20, cpus: 1, tscKHz: 2_000_000, icountShift: 0, rtcEpochSeconds: 0,
  serials: [], debugcon: null, debugExit: null, pcTestdev: false,
};
const host = { serialOut: () => {}, debugconOut: () => {}, debugExit: () => {}, resetRequest: () => {} };

// 16-bit real-mode code: CPUID 80000007h → [0x500]; RDTSC → [0x504..0x50b]; HLT with IF = 0.
const MAIN = [
  0x66, 0xb8, 0x07, 0x00, 0x00, 0x80, // mov eax, 0x80000007
  0x0f, 0xa2, // cpuid
  0x66, 0x89, 0x16, 0x00, 0x05, // mov [0x500], edx
  0x0f, 0x31, // rdtsc
  0x66, 0xa3, 0x04, 0x05, // mov [0x504], eax
  0x66, 0x89, 0x16, 0x08, 0x05, // mov [0x508], edx
  0xf4, 0xeb, 0xfd, // hlt; jmp hlt
];
// NMI handler: RDTSC → [0x510..0x517]; HLT.
const NMI = [0x0f, 0x31, 0x66, 0xa3, 0x10, 0x05, 0x66, 0x89, 0x16, 0x14, 0x05, 0xf4, 0xeb, 0xfd];

describe('invariant TSC', () => {
  it('is advertised, and the TSC keeps its rate through an idle HLT that skips virtual time', () => {
    const m = new Machine(SPEC, host);
    const mem = m.platform.mem;
    mem.writeBytes(0x7c00, Uint8Array.from(MAIN));
    mem.writeBytes(0x7d00, Uint8Array.from(NMI));
    mem.write32(2 * 4, 0x7d00); // IVT vector 2 → 0000:7D00
    const cpu = m.cpus[0]!;
    cpu.setFlatMode(16);
    const s = cpu.s32;
    s[L.IDTR >> 2] = 0;
    s[(L.IDTR >> 2) + 1] = 0;
    s[(L.IDTR >> 2) + 2] = 0x3ff;
    s[L.RIP >> 2] = 0x7c00;
    s[(L.RIP >> 2) + 1] = 0;
    s[L.RSP * 2] = 0x7000;
    // 1 ms of virtual time after start, an NMI wakes the halted vCPU.
    m.clock.createTimer(() => { m.platform.lapics[0]!.nmiPending = true; }, 'test-nmi').arm(1_000_000);
    m.run(10_000);
    expect(mem.read32(0x500) & (1 << 8)).not.toBe(0);
    const before = mem.read64(0x504);
    const after = mem.read64(0x510);
    expect(after).toBeGreaterThan(0);
    // 1 ms at 2 GHz is 2,000,000 ticks; the few instructions around it add a handful of ns.
    expect(after - before).toBeGreaterThanOrEqual(2_000_000 - 2 * 20);
    expect(after - before).toBeLessThanOrEqual(2_000_000 + 2 * 20);
    expect(m.totalInstructions()).toBeLessThan(50); // the millisecond was skipped, not executed
  });
});
