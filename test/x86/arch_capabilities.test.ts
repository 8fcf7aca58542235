// IA32_ARCH_CAPABILITIES (SDM Vol 4 Table 2-2): advertised by CPUID.(7,0):EDX[29], read-only,
// and saying "not affected" (RDCL_NO, MDS_NO, BHI_NO, …) — true of an interpreter. Xen 4.17's
// spec_ctrl.c then leaves out XPTI and the branch-history clearing on every PV guest transition
// (the shim's log: "XPTI (64-bit PV only): Dom0 disabled, DomU disabled").
import { describe, it, expect } from 'vitest';
import { FlatMachine } from './support/flat_machine.ts';
import { Exit } from '../../src/x86/cpu.ts';

const RDCL_NO = 1 << 0, MDS_NO = 1 << 5, TAA_NO = 1 << 8, BHI_NO = 1 << 20, GDS_NO = 1 << 26;
/** Bits that would promise MSRs or behaviour this CPU lacks: IBRS_ALL, RSBA, TSX_CTRL, FB_CLEAR, RRSBA. */
const CLAIMS = (1 << 1) | (1 << 2) | (1 << 7) | (1 << 17) | (1 << 19);

describe('IA32_ARCH_CAPABILITIES', () => {
  it('is advertised by CPUID.(7,0):EDX[29], reads the not-affected bits, and WRMSR of it is #GP', () => {
    const m = new FlatMachine([[0, 0x10000]]);
    m.cpu.setFlatMode(64);
    // cpuid (leaf 7, subleaf 0); mov esi, edx; mov ecx, 0x10a; rdmsr; hlt
    m.load(0x1000, new Uint8Array([0x0f, 0xa2, 0x89, 0xd6, 0xb9, 0x0a, 0x01, 0x00, 0x00, 0x0f, 0x32, 0xf4]));
    m.cpu.s32[0] = 7; m.cpu.s32[2] = 0;
    m.cpu.rip = 0x1000;
    expect(m.cpu.run(10)).toBe(Exit.HLT);
    expect((m.cpu.reg32(6) >>> 29) & 1).toBe(1);
    const caps = m.cpu.reg32(0);
    expect(caps & (RDCL_NO | MDS_NO | TAA_NO | BHI_NO | GDS_NO)).toBe(RDCL_NO | MDS_NO | TAA_NO | BHI_NO | GDS_NO);
    expect(caps & CLAIMS).toBe(0);
    expect(m.cpu.reg32(2)).toBe(0); // EDX: bits 63:32 clear
    // wrmsr (ecx still 0x10a): read-only, #GP(0)
    m.load(0x1100, new Uint8Array([0x0f, 0x30, 0xf4]));
    m.cpu.rip = 0x1100;
    m.cpu.run(10);
    expect(m.cpu.pendingVector).toBe(13);
  });
});
