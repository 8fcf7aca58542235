// Memory Type Range Registers (SDM Vol 3A §12.11): one register file per vCPU. They only hold
// values here (every access is uncached-correct already), but guests read and write them: Xen
// treats MTRRs as always present (asm/cpufeature.h `cpu_has_mtrr 1`) and reads IA32_MTRRCAP in
// mtrr_bp_init whatever CPUID says. Reset values are the power-up ones (all zero: MTRRs
// disabled, SDM Vol 3A Table 10-1); IA32_MTRRCAP is what KVM reports to QEMU guests.
import { MAXPHYADDR } from '../x86/exec/cpuid.ts';
import type { PlainRecord } from './snapshot.ts';

export const MSR_MTRRcap = 0xfe;
export const MSR_MTRRdefType = 0x2ff;
/** IA32_MTRR_PHYSBASE0; PHYSMASKn = BASE + 2n + 1. */
export const MSR_MTRRphysBase0 = 0x200;
export const MSR_MTRRfix64K_00000 = 0x250;
export const MSR_MTRRfix16K_80000 = 0x258;
export const MSR_MTRRfix16K_A0000 = 0x259;
export const MSR_MTRRfix4K_C0000 = 0x268;
export const MSR_MTRRfix4K_F8000 = 0x26f;

/** Variable ranges (IA32_MTRRCAP.VCNT). */
export const MTRR_VCNT = 8;
/** VCNT, FIX (bit 8: fixed ranges), WC (bit 10): as KVM reports it. */
export const MTRRCAP_VALUE = MTRR_VCNT | (1 << 8) | (1 << 10);

/** Slot of each MSR in a vCPU's register file: defType, 2×VCNT variable, 11 fixed. */
const FIXED = [MSR_MTRRfix64K_00000, MSR_MTRRfix16K_80000, MSR_MTRRfix16K_A0000];
for (let m = MSR_MTRRfix4K_C0000; m <= MSR_MTRRfix4K_F8000; m++) FIXED.push(m);
const SLOTS = 1 + 2 * MTRR_VCNT + FIXED.length;

/** Memory types a range may hold (SDM Table 12-8): UC, WC, WT, WP, WB; 2, 3 and 7+ reserved. */
function validType(t: number): boolean {
  return t === 0 || t === 1 || t === 4 || t === 5 || t === 6;
}
/** Bits of the high dword at or above MAXPHYADDR are reserved in PHYSBASE/PHYSMASK. */
const HI_RESERVED = ~((1 << (MAXPHYADDR - 32)) - 1);

function slotOf(msr: number): number {
  if (msr === MSR_MTRRdefType) return 0;
  if (msr >= MSR_MTRRphysBase0 && msr < MSR_MTRRphysBase0 + 2 * MTRR_VCNT) return 1 + (msr - MSR_MTRRphysBase0);
  const f = FIXED.indexOf(msr);
  return f < 0 ? -1 : 1 + 2 * MTRR_VCNT + f;
}

export class MtrrFile {
  /** lo/hi dword pairs, SLOTS per vCPU. */
  regs: Uint32Array;

  constructor(readonly cpus: number) {
    this.regs = new Uint32Array(cpus * SLOTS * 2);
  }

  /** Does this MSR belong to the MTRRs? (then rdmsr/wrmsr below decide). */
  static owns(msr: number): boolean {
    return msr === MSR_MTRRcap || slotOf(msr) >= 0;
  }

  rdmsr(cpu: number, msr: number, out: Int32Array): boolean {
    if (msr === MSR_MTRRcap) {
      out[0] = MTRRCAP_VALUE;
      out[1] = 0;
      return true;
    }
    const s = slotOf(msr);
    if (s < 0) return false;
    const o = (cpu * SLOTS + s) * 2;
    out[0] = this.regs[o]! | 0;
    out[1] = this.regs[o + 1]! | 0;
    return true;
  }

  /** false = #GP (read-only MTRRCAP, reserved bits or an invalid memory type). */
  wrmsr(cpu: number, msr: number, lo: number, hi: number): boolean {
    const s = slotOf(msr);
    if (s < 0 || !this.valid(msr, s, lo >>> 0, hi >>> 0)) return false;
    const o = (cpu * SLOTS + s) * 2;
    this.regs[o] = lo;
    this.regs[o + 1] = hi;
    return true;
  }

  private valid(msr: number, slot: number, lo: number, hi: number): boolean {
    if (slot === 0) return hi === 0 && (lo & ~0xcff) === 0 && validType(lo & 0xff); // type, FE (10), E (11)
    if (slot <= 2 * MTRR_VCNT) {
      if ((hi & HI_RESERVED) !== 0) return false;
      const isMask = ((msr - MSR_MTRRphysBase0) & 1) === 1;
      return isMask ? (lo & 0x7ff) === 0 : (lo & 0xf00) === 0 && validType(lo & 0xff); // mask: V (11); base: type
    }
    for (let b = 0; b < 4; b++) if (!validType((lo >>> (8 * b)) & 0xff) || !validType((hi >>> (8 * b)) & 0xff)) return false;
    return true;
  }

  saveState(): PlainRecord {
    return { regs: Array.from(this.regs) };
  }

  loadState(s: PlainRecord): void {
    const r = s.regs;
    if (!Array.isArray(r) || r.length !== this.regs.length) throw new Error('snapshot: mtrr regs have the wrong length');
    this.regs.set(r as number[]);
  }
}
