// Machine-check architecture registers (SDM Vol 3B §16.3), one file per vCPU. Nothing ever
// signals a machine check here; the registers only hold what software writes, with the write
// rules KVM applies (arch/x86/kvm/x86.c set_msr_mce), because kvm-unit-tests' msr test reads
// IA32_MCG_CAP unconditionally and checks every bank. Like QEMU's CPU models: 10 banks,
// MCG_CTL_P and MCG_SER_P in IA32_MCG_CAP, MCG_CTL and every MCi_CTL all-ones at reset.
import type { PlainRecord } from './snapshot.ts';

export const MSR_IA32_MCG_CAP = 0x179;
export const MSR_IA32_MCG_STATUS = 0x17a;
export const MSR_IA32_MCG_CTL = 0x17b;
export const MSR_IA32_MC0_CTL = 0x400;
export const MCE_BANKS = 10;
const MCG_CTL_P = 1 << 8, MCG_SER_P = 1 << 24;
export const MCG_CAP_VALUE = MCG_SER_P | MCG_CTL_P | MCE_BANKS;

/** Per vCPU: MCG_STATUS, MCG_CTL, then CTL/STATUS/ADDR/MISC of each bank, as lo/hi pairs. */
const SLOTS = 2 + 4 * MCE_BANKS;

export class McaFile {
  regs: Uint32Array;

  constructor(readonly cpus: number) {
    this.regs = new Uint32Array(cpus * SLOTS * 2);
    for (let c = 0; c < cpus; c++) {
      this.set(c, 1, -1, -1); // MCG_CTL: all banks enabled
      for (let b = 0; b < MCE_BANKS; b++) this.set(c, 2 + 4 * b, -1, -1); // MCi_CTL
    }
  }

  static owns(msr: number): boolean {
    return (msr >= MSR_IA32_MCG_CAP && msr <= MSR_IA32_MCG_CTL) || (msr >= MSR_IA32_MC0_CTL && msr < MSR_IA32_MC0_CTL + 4 * MCE_BANKS);
  }

  private static slot(msr: number): number {
    if (msr === MSR_IA32_MCG_STATUS) return 0;
    if (msr === MSR_IA32_MCG_CTL) return 1;
    return 2 + (msr - MSR_IA32_MC0_CTL);
  }

  private set(cpu: number, slot: number, lo: number, hi: number): void {
    const o = (cpu * SLOTS + slot) * 2;
    this.regs[o] = lo;
    this.regs[o + 1] = hi;
  }

  rdmsr(cpu: number, msr: number, out: Int32Array): boolean {
    if (msr === MSR_IA32_MCG_CAP) { out[0] = MCG_CAP_VALUE; out[1] = 0; return true; }
    const o = (cpu * SLOTS + McaFile.slot(msr)) * 2;
    out[0] = this.regs[o]! | 0;
    out[1] = this.regs[o + 1]! | 0;
    return true;
  }

  /** false = #GP: MCG_CAP is read-only; MCG_CTL and MCi_CTL take only 0 or all-ones (MCi_CTL
   *  may also leave bits 10 and 0 clear, an AMD quirk KVM allows); MCi_STATUS only 0. */
  wrmsr(cpu: number, msr: number, lo: number, hi: number): boolean {
    if (msr === MSR_IA32_MCG_CAP) return false;
    const slot = McaFile.slot(msr);
    const zero = lo === 0 && hi === 0;
    if (slot === 1 && !zero && (lo & hi) !== -1) return false;
    if (slot >= 2) {
      const reg = (slot - 2) & 3;
      if (reg === 0 && !zero && ((lo | 0x401) & hi) !== -1) return false;
      if (reg === 1 && !zero) return false;
    }
    this.set(cpu, slot, lo, hi);
    return true;
  }

  saveState(): PlainRecord {
    return { regs: Array.from(this.regs) };
  }

  loadState(s: PlainRecord): void {
    const r = s.regs;
    if (!Array.isArray(r) || r.length !== this.regs.length) throw new Error('snapshot: MCA regs have the wrong length');
    this.regs.set(r as number[]);
  }
}
