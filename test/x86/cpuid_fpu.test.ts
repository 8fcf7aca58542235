// CPUID.1:EDX.FPU (bit 0): the x87 FPU is on chip (SDM Vol 2A Table 3-11). We implement the x87
// (src/x86/fpu), and Linux 6.1 halts in fpu__init_system ("no FPU found and no math emulation
// present") when a Xen PV guest's CPUID lacks the bit.
import { describe, it, expect } from 'vitest';
import { FlatMachine } from './support/flat_machine.ts';
import { Exit } from '../../src/x86/cpu.ts';

describe('CPUID leaf 1', () => {
  it('reports the on-chip x87 FPU (EDX bit 0), which FNINIT/FNSTSW then show working', () => {
    const m = new FlatMachine([[0, 0x10000]]);
    m.cpu.setFlatMode(64);
    // cpuid; mov esi, edx; fninit; fnstsw ax; hlt
    m.load(0x1000, new Uint8Array([0x0f, 0xa2, 0x89, 0xd6, 0xdb, 0xe3, 0xdf, 0xe0, 0xf4]));
    m.cpu.s32[0] = 1; m.cpu.s32[2] = 0;
    m.cpu.rip = 0x1000;
    expect(m.cpu.run(10)).toBe(Exit.HLT);
    expect(m.cpu.reg32(6) & 1).toBe(1);
    expect(m.cpu.reg32(0) & 0xffff).toBe(0); // FSW after FNINIT: the probe Linux uses without CPUID
  });
});
