// CPUID (SDM Vol 2 CPUID, Table 3-8): one coherent model that advertises only what is
// implemented and verified. The hypervisor range 0x40000000–0x400001FF goes to the bus
// (the Xen layer answers it). Part 2 and the x87/SIMD helpers extend FEATURES_* as they land.

import type { Cpu } from '../cpu.ts';

/**
 * Leaf 1 EDX: DE (2), PSE (3), TSC (4), MSR (5), PAE (6), CX8 (8), APIC (9), SEP (11), PGE (13),
 * CMOV (15), PAT (16), PSE-36 (17), CLFSH (19), MMX (23), FXSR (24), SSE (25), SSE2 (26).
 * (PGE: CR4.PGE is accepted; global entries are flushed like the others, which is allowed.)
 */
export let FEATURES_1_EDX = (1 << 2) | (1 << 3) | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 8) | (1 << 9) | (1 << 11) |
  (1 << 13) | (1 << 15) | (1 << 16) | (1 << 17) | (1 << 19) | (1 << 23) | (1 << 24) | (1 << 25) | (1 << 26);
/** Leaf 1 ECX: SSE3 (0), SSSE3 (9), CX16 (13), SSE4.1 (19), SSE4.2 (20), MOVBE (22), POPCNT (23), RDRAND (30), hypervisor (31). */
export let FEATURES_1_ECX = (1 << 0) | (1 << 9) | (1 << 13) | (1 << 19) | (1 << 20) | (1 << 22) | (1 << 23) | (1 << 30) | (1 << 31);
/** Leaf 7.0 EBX: BMI1 (3), BMI2 (8), RDSEED (18), ADX (19). */
export let FEATURES_7_EBX = (1 << 3) | (1 << 8) | (1 << 18) | (1 << 19);
/** 0x80000001 ECX: LAHF-SAHF in 64-bit (0), ABM/LZCNT (5). */
export let FEATURES_81_ECX = (1 << 0) | (1 << 5);
/** 0x80000001 EDX: SYSCALL (11), NX (20), RDTSCP (27), LM (29). */
export let FEATURES_81_EDX = (1 << 11) | (1 << 20) | (1 << 27) | (1 << 29);

/** Let part 2 / other helpers advertise what they implemented. */
export function setCpuidFeatures(f: { edx1?: number; ecx1?: number; ebx7?: number; ecx81?: number; edx81?: number }): void {
  if (f.edx1 !== undefined) FEATURES_1_EDX = f.edx1;
  if (f.ecx1 !== undefined) FEATURES_1_ECX = f.ecx1;
  if (f.ebx7 !== undefined) FEATURES_7_EBX = f.ebx7;
  if (f.ecx81 !== undefined) FEATURES_81_ECX = f.ecx81;
  if (f.edx81 !== undefined) FEATURES_81_EDX = f.edx81;
}

function str4(s: string, i: number): number {
  return s.charCodeAt(i) | (s.charCodeAt(i + 1) << 8) | (s.charCodeAt(i + 2) << 16) | (s.charCodeAt(i + 3) << 24);
}
/** Physical-address width reported in 0x80000008 EAX[7:0]; the page walk's reserved-bit masks derive from it. */
export const MAXPHYADDR = 40;
/** Linear-address width reported in 0x80000008 EAX[15:8]. */
const LINEAR_ADDRESS_BITS = 48;

const VENDOR = 'GenuineIntel';
const BRAND = 'xentab x86-64 interpreter\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0';

export function CPUID(c: Cpu): void {
  const s = c.s32;
  const leaf = s[0]!, sub = s[2]!;
  let a = 0, b = 0, cc = 0, dd = 0;
  const out = c.scratch;
  if ((leaf >>> 0) >= 0x40000000 && (leaf >>> 0) <= 0x400001ff) {
    if (c.bus.cpuid(leaf, sub, out)) { a = out[0]!; b = out[1]!; cc = out[2]!; dd = out[3]!; }
  } else {
    switch (leaf >>> 0) {
      case 0: a = 7; b = str4(VENDOR, 0); dd = str4(VENDOR, 4); cc = str4(VENDOR, 8); break;
      case 1:
        a = 0x000906a0 | 0x3; // family 6, model 0x9A-ish signature (stepping 3)
        b = (8 << 8) | (1 << 16); // CLFLUSH line size 8*8 = 64, 1 logical processor
        cc = FEATURES_1_ECX; dd = FEATURES_1_EDX;
        break;
      case 7: if (sub === 0) { a = 0; b = FEATURES_7_EBX; } break;
      case 0x80000000: a = 0x80000008; break;
      case 0x80000001: cc = FEATURES_81_ECX; dd = FEATURES_81_EDX; break;
      case 0x80000002: case 0x80000003: case 0x80000004: {
        const o = ((leaf >>> 0) - 0x80000002) * 16;
        a = str4(BRAND, o); b = str4(BRAND, o + 4); cc = str4(BRAND, o + 8); dd = str4(BRAND, o + 12);
        break;
      }
      case 0x80000008: a = (LINEAR_ADDRESS_BITS << 8) | MAXPHYADDR; break;
      default: break; // unknown leaves read as zero
    }
  }
  c.setReg(2, 0, a, 0); c.setReg(2, 3, b, 0); c.setReg(2, 1, cc, 0); c.setReg(2, 2, dd, 0);
}
