// CPUID (SDM Vol 2 CPUID, Table 3-8): one coherent model that advertises only what is
// implemented and verified. The hypervisor range 0x40000000–0x400001FF goes to the bus
// (the Xen layer answers it). Part 2 and the x87/SIMD helpers extend FEATURES_* as they land.

import type { Cpu } from '../cpu.ts';
import { Feature } from '../opcodes/table_types.ts';

/**
 * Leaf 1 EDX: FPU (0, the x87 of src/x86/fpu; Linux halts at boot without it), DE (2), PSE (3), TSC (4), MSR (5), PAE (6), CX8 (8), APIC (9), SEP (11), PGE (13),
 * CMOV (15), PAT (16), PSE-36 (17), CLFSH (19), MMX (23), FXSR (24), SSE (25), SSE2 (26).
 * (PGE: global TLB entries survive CR3 writes, cpu.ts newAddressSpace.)
 */
export let FEATURES_1_EDX = (1 << 0) | (1 << 2) | (1 << 3) | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 8) | (1 << 9) | (1 << 11) |
  (1 << 13) | (1 << 15) | (1 << 16) | (1 << 17) | (1 << 19) | (1 << 23) | (1 << 24) | (1 << 25) | (1 << 26);
/** Leaf 1 ECX: SSE3 (0), SSSE3 (9), CX16 (13), SSE4.1 (19), SSE4.2 (20), MOVBE (22), POPCNT (23), RDRAND (30), hypervisor (31). */
export let FEATURES_1_ECX = (1 << 0) | (1 << 9) | (1 << 13) | (1 << 19) | (1 << 20) | (1 << 22) | (1 << 23) | (1 << 30) | (1 << 31);
/** Leaf 7.0 EBX: BMI1 (3), BMI2 (8), RDSEED (18), ADX (19). */
export let FEATURES_7_EBX = (1 << 3) | (1 << 8) | (1 << 18) | (1 << 19);
/**
 * Leaf 7.0 EDX: ARCH_CAPABILITIES (29): IA32_ARCH_CAPABILITIES exists (exec/system.ts) and says the
 * CPU is not affected by the speculative-execution attacks it lists — true of an interpreter, and
 * what lets Xen leave out XPTI and its flushes on every guest transition (spec_ctrl.c).
 */
export const FEATURES_7_EDX = 1 << 29;
/** 0x80000001 ECX: LAHF-SAHF in 64-bit (0), ABM/LZCNT (5). */
export let FEATURES_81_ECX = (1 << 0) | (1 << 5);
/** 0x80000001 EDX: SYSCALL (11), NX (20), RDTSCP (27), LM (29). */
export let FEATURES_81_EDX = (1 << 11) | (1 << 20) | (1 << 27) | (1 << 29);

/** The full model: what `configureCpuidModel` starts from. */
const MODEL = { edx1: FEATURES_1_EDX, ecx1: FEATURES_1_ECX, ebx7: FEATURES_7_EBX, ecx81: FEATURES_81_ECX, edx81: FEATURES_81_EDX };
/**
 * Leaf 1 ECX features implemented (by src/machine/lapic.ts) but off unless asked for, as in
 * QEMU's qemu64: x2APIC (21) and the TSC-deadline timer (24). The machine checks these bits
 * (IA32_APIC_BASE.EXTD, IA32_TSC_DEADLINE, LVT timer mode 10b), so CPUID and behaviour agree.
 */
const OPT_IN_1_ECX = (1 << 21) | (1 << 24);

/**
 * Per table-row Feature: 1 when CPUID advertises it. The decoder raises #UD for a row whose
 * feature is 0 here (decode time, so cached instructions pay nothing), exactly as CPUID says.
 * Decoded instructions are cached: change features before running, not while a CPU runs.
 */
export const FEATURE_ON = new Uint8Array(32);

function refreshFeatureGates(): void {
  const on = (w: number, b: number): number => (w >>> b) & 1;
  FEATURE_ON.fill(0);
  FEATURE_ON[Feature.NONE] = 1;
  FEATURE_ON[Feature.CX8] = on(FEATURES_1_EDX, 8);
  FEATURE_ON[Feature.CMOV] = on(FEATURES_1_EDX, 15);
  FEATURE_ON[Feature.CLFLUSH] = on(FEATURES_1_EDX, 19);
  FEATURE_ON[Feature.MMX] = on(FEATURES_1_EDX, 23);
  FEATURE_ON[Feature.SSE] = on(FEATURES_1_EDX, 25);
  FEATURE_ON[Feature.SSE2] = on(FEATURES_1_EDX, 26);
  FEATURE_ON[Feature.SSE3] = on(FEATURES_1_ECX, 0);
  FEATURE_ON[Feature.SSSE3] = on(FEATURES_1_ECX, 9);
  FEATURE_ON[Feature.CX16] = on(FEATURES_1_ECX, 13);
  FEATURE_ON[Feature.SSE41] = on(FEATURES_1_ECX, 19);
  FEATURE_ON[Feature.SSE42] = on(FEATURES_1_ECX, 20);
  FEATURE_ON[Feature.MOVBE] = on(FEATURES_1_ECX, 22);
  FEATURE_ON[Feature.POPCNT] = on(FEATURES_1_ECX, 23);
  FEATURE_ON[Feature.RDRAND] = on(FEATURES_1_ECX, 30);
  FEATURE_ON[Feature.BMI1] = on(FEATURES_7_EBX, 3);
  FEATURE_ON[Feature.BMI2] = on(FEATURES_7_EBX, 8);
  FEATURE_ON[Feature.RDSEED] = on(FEATURES_7_EBX, 18);
  FEATURE_ON[Feature.ADX] = on(FEATURES_7_EBX, 19);
  FEATURE_ON[Feature.LAHF64] = on(FEATURES_81_ECX, 0);
  FEATURE_ON[Feature.LZCNT] = on(FEATURES_81_ECX, 5);
}
refreshFeatureGates();

/** Let part 2 / other helpers advertise what they implemented. */
export function setCpuidFeatures(f: { edx1?: number; ecx1?: number; ebx7?: number; ecx81?: number; edx81?: number }): void {
  if (f.edx1 !== undefined) FEATURES_1_EDX = f.edx1;
  if (f.ecx1 !== undefined) FEATURES_1_ECX = f.ecx1;
  if (f.ebx7 !== undefined) FEATURES_7_EBX = f.ebx7;
  if (f.ecx81 !== undefined) FEATURES_81_ECX = f.ecx81;
  if (f.edx81 !== undefined) FEATURES_81_EDX = f.edx81;
  refreshFeatureGates();
}

/**
 * QEMU `-cpu` feature names (target/i386/cpu.c feature_word_info, with its aliases) of the
 * instruction-set features this model can turn off, and the opt-in ones it can turn on: name → [word, bit]; words 0 = leaf 1 EDX,
 * 1 = leaf 1 ECX, 2 = leaf 7 EBX, 3 = 80000001h ECX.
 */
const QEMU_FEATURE_BITS: Readonly<Record<string, readonly [number, number]>> = {
  cx8: [0, 8], cmov: [0, 15], clflush: [0, 19], mmx: [0, 23], sse: [0, 25], sse2: [0, 26],
  pni: [1, 0], sse3: [1, 0], ssse3: [1, 9], cx16: [1, 13], 'sse4-1': [1, 19], 'sse4-2': [1, 20],
  movbe: [1, 22], popcnt: [1, 23], rdrand: [1, 30], x2apic: [1, 21], 'tsc-deadline': [1, 24],
  bmi1: [2, 3], bmi2: [2, 8], rdseed: [2, 18], adx: [2, 19],
  'lahf-lm': [3, 0], abm: [3, 5],
};

/**
 * Set CPUID to the model with QEMU-style feature flags applied (`-cpu qemu64,-sse4.2,+popcnt`;
 * names as QEMU spells them, `_`/`.` accepted for `-`). Only features the model implements can be
 * on (`+x2apic`, `+tsc-deadline` turn on OPT_IN_1_ECX): `+f` of anything else is ignored. Returns the names it did not know (left to other layers).
 */
export function configureCpuidModel(flags: Readonly<Record<string, boolean>>): string[] {
  const w = [MODEL.edx1, MODEL.ecx1, MODEL.ebx7, MODEL.ecx81];
  const full = [MODEL.edx1, MODEL.ecx1 | OPT_IN_1_ECX, MODEL.ebx7, MODEL.ecx81];
  const unknown: string[] = [];
  for (const [name, value] of Object.entries(flags)) {
    const fb = QEMU_FEATURE_BITS[name.toLowerCase().replace(/[_.]/g, '-')];
    if (fb === undefined) { unknown.push(name); continue; }
    const [i, b] = fb;
    w[i] = value ? w[i]! | (full[i]! & (1 << b)) : w[i]! & ~(1 << b);
  }
  setCpuidFeatures({ edx1: w[0]!, ecx1: w[1]!, ebx7: w[2]!, ecx81: w[3]!, edx81: MODEL.edx81 });
  return unknown;
}

function str4(s: string, i: number): number {
  return s.charCodeAt(i) | (s.charCodeAt(i + 1) << 8) | (s.charCodeAt(i + 2) << 16) | (s.charCodeAt(i + 3) << 24);
}
/** Physical-address width reported in 0x80000008 EAX[7:0]; the page walk's reserved-bit masks derive from it. */
export const MAXPHYADDR = 40;
/** Linear-address width reported in 0x80000008 EAX[15:8]. */
const LINEAR_ADDRESS_BITS = 48;

/**
 * 0x80000007 EDX bit 8, invariant TSC: the TSC is the virtual clock (system/tsc.ts), one constant
 * rate that idle skips keep running. Xen trusts a TSC only with it (intel.c: ITSC sets
 * TSC_RELIABLE); without it the shim emulates every RDTSC of its PV guest (CR4.TSD, time.c vtsc).
 */
const INVARIANT_TSC = 1 << 8;

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
        // CLFLUSH line size 8*8 = 64, 1 logical processor, the initial APIC ID (bits 31:24)
        b = (8 << 8) | (1 << 16) | (((c.bus.apicId?.() ?? 0) & 0xff) << 24);
        cc = FEATURES_1_ECX; dd = FEATURES_1_EDX;
        // APIC (bit 9) reads 0 while IA32_APIC_BASE.EN is clear (SDM Vol 3A §11.4.3).
        if (c.bus.rdmsr(0x1b, out) && (out[0]! & 0x800) === 0) dd &= ~(1 << 9);
        break;
      case 7: if (sub === 0) { a = 0; b = FEATURES_7_EBX; dd = FEATURES_7_EDX; } break;
      case 0x80000000: a = 0x80000008; break;
      case 0x80000001: cc = FEATURES_81_ECX; dd = FEATURES_81_EDX; break;
      case 0x80000002: case 0x80000003: case 0x80000004: {
        const o = ((leaf >>> 0) - 0x80000002) * 16;
        a = str4(BRAND, o); b = str4(BRAND, o + 4); cc = str4(BRAND, o + 8); dd = str4(BRAND, o + 12);
        break;
      }
      case 0x80000007: dd = INVARIANT_TSC; break;
      case 0x80000008: a = (LINEAR_ADDRESS_BITS << 8) | MAXPHYADDR; break;
      default: break; // unknown leaves read as zero
    }
  }
  c.setReg(2, 0, a, 0); c.setReg(2, 3, b, 0); c.setReg(2, 1, cc, 0); c.setReg(2, 2, dd, 0);
}
