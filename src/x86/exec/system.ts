// System instructions: HLT, VMCALL/VMMCALL (bus hook), RDMSR/WRMSR, segment-register moves, and
// the SYS family dispatcher for everything in src/x86/system/ (descriptor tables, far
// transfers, IRET, control/debug registers, SYSCALL/SYSENTER, TSC). system/sys_ops.ts gives the
// `sub` number of each table mnemonic (exec_ids.ts maps them to Ex.SYS).

import type { Cpu } from '../cpu.ts';
import { Exit } from '../cpu.ts';
import type { DecodedInsn } from '../decode/decoded_insn.ts';
import * as L from '../state_layout.ts';
import { K_MEM } from './operands.ts';
import { LGDT, LLDT, LTR, SGDT, STORE_SYSSEG } from '../system/descriptor_tables.ts';
import { ARPL, LARLSL, LOADFAR, loadSegment, VERRW } from '../system/segmentation.ts';
import { IRET } from '../system/interrupts.ts';
import { FARJMP, RETF } from '../system/far_transfer.ts';
import { CACHEOP, CLTS, INVLPG, LMSW, MOVCR, MOVDR, SMSW, writeEfer } from '../system/control_regs.ts';
import { SWAPGS, SYSCALL, SYSENTER, SYSEXIT, SYSRET } from '../system/syscall.ts';
import { RDTSC, readTsc, writeTsc } from '../system/tsc.ts';
import { SYS_MOV_CRDR, SYS_PAUSE } from '../system/sys_ops.ts';

export function HLT(c: Cpu): void {
  if (c.cpl !== 0) { c.raiseGP0(); return; }
  c.s32[L.HALTED >> 2] = 1;
  c.pendingExit = Exit.HLT;
}

export function VMCALL(c: Cpu): void {
  if (!c.bus.vmcall()) c.raiseUD();
}

/** MSR index → state offset for the MSRs the CPU keeps (SDM Vol 4 Table 2-2). */
const OWN_MSRS: Record<number, number> = {
  0xc0000081: L.MSR_STAR, 0xc0000082: L.MSR_LSTAR, 0xc0000083: L.MSR_CSTAR,
  0xc0000084: L.MSR_SFMASK, 0xc0000102: L.MSR_KERNEL_GS_BASE, 0x174: L.MSR_SYSENTER_CS,
  0x175: L.MSR_SYSENTER_ESP, 0x176: L.MSR_SYSENTER_EIP, 0x277: L.MSR_PAT, 0xc0000103: L.MSR_TSC_AUX,
  0x1a0: L.MSR_MISC_ENABLE,
};
// IA32_SPEC_CTRL (48h) is absent: it exists only when CPUID.(7,0):EDX advertises IBRS/STIBP/SSBD
// (SDM Vol 4 Table 2-2), which this model does not, so RDMSR/WRMSR of it #GP (kvm-unit-tests msr).
/** MSRs whose 64-bit value must be a canonical address (SDM Vol 4: #GP otherwise). */
const CANONICAL = new Set([0xc0000082, 0xc0000083, 0xc0000102, 0x175, 0x176]);
const FS_BASE = 0xc0000100, GS_BASE = 0xc0000101, EFER = 0xc0000080, TSC = 0x10;
/** Read-as-zero identification MSRs (Intel microcode loader, SDM Vol 4): PLATFORM_ID, BIOS_SIGN_ID. */
const ZERO_MSRS = new Set([0x17, 0x8b]);
/**
 * IA32_ARCH_CAPABILITIES (10Ah, read-only; SDM Vol 4 Table 2-2), advertised by CPUID.(7,0):EDX[29]:
 * RDCL_NO (0), SSB_NO (4), MDS_NO (5), IF_PSCHANGE_MC_NO (6), TAA_NO (8), SBDR_SSDP_NO (13),
 * FBSDP_NO (14), PSDP_NO (15), BHI_NO (20), PBRSB_NO (24), GDS_NO (26), RFDS_NO (27): nothing here
 * executes speculatively, so none of those leaks exists.
 */
const ARCH_CAPABILITIES = 0x10a;
export const ARCH_CAPABILITIES_VALUE = (1 << 0) | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 8) | (1 << 13) | (1 << 14) |
  (1 << 15) | (1 << 20) | (1 << 24) | (1 << 26) | (1 << 27);
/** IA32_DEBUGCTL: no LBR/BTF here, so it reads 0 and only 0 may be written (as KVM guests see it). */
const DEBUGCTL = 0x1d9;

export function RDMSR(c: Cpu): void {
  if (c.cpl !== 0) { c.raiseGP0(); return; }
  const s = c.s32, msr = s[2]! >>> 0;
  let lo: number, hi: number;
  const off = OWN_MSRS[msr];
  if (off !== undefined) { lo = s[off >> 2]!; hi = s[(off >> 2) + 1]!; }
  else if (msr === EFER) { lo = s[L.MSR_EFER >> 2]!; hi = 0; }
  else if (msr === TSC) { lo = readTsc(c); hi = c.hi; }
  else if (ZERO_MSRS.has(msr) || msr === DEBUGCTL) { lo = 0; hi = 0; }
  else if (msr === ARCH_CAPABILITIES) { lo = ARCH_CAPABILITIES_VALUE; hi = 0; }
  else if (msr === FS_BASE || msr === GS_BASE) {
    const seg = msr === FS_BASE ? L.FS : L.GS;
    lo = c.segBaseLo(seg); hi = c.segBaseHi(seg);
  } else {
    if (!c.bus.rdmsr(msr, c.scratch)) { c.raiseGP0(); return; }
    lo = c.scratch[0]!; hi = c.scratch[1]!;
  }
  c.setReg(2, 0, lo, 0);
  c.setReg(2, 2, hi, 0);
}

export function WRMSR(c: Cpu): void {
  if (c.cpl !== 0) { c.raiseGP0(); return; }
  const s = c.s32, msr = s[2]! >>> 0, lo = s[0]!, hi = s[4]!;
  if (msr === EFER) { if (!writeEfer(c, lo, hi)) c.raiseGP0(); return; }
  if (msr === TSC) { writeTsc(c, lo, hi); return; }
  if (ZERO_MSRS.has(msr)) return; // writing 0 to BIOS_SIGN_ID before CPUID is the documented protocol
  if (msr === DEBUGCTL) { if ((lo | hi) !== 0) c.raiseGP0(); return; }
  if (CANONICAL.has(msr) && ((hi << 16) >> 16) !== hi) { c.raiseGP0(); return; }
  const off = OWN_MSRS[msr];
  if (off !== undefined) { s[off >> 2] = lo; s[(off >> 2) + 1] = hi; return; }
  if (msr === FS_BASE || msr === GS_BASE) {
    const seg = msr === FS_BASE ? L.FS : L.GS;
    if (((hi << 16) >> 16) !== hi) { c.raiseGP0(); return; }
    s[(L.SEG >> 2) + seg * 8 + 2] = lo; s[(L.SEG >> 2) + seg * 8 + 3] = hi;
    return;
  }
  if (!c.bus.wrmsr(msr, lo, hi)) c.raiseGP0();
}

/** MOV Ev,Sw (store selector) / MOV Sw,Ew (load; CS is #UD; SS starts an interrupt shadow). */
export function MOVSEG(c: Cpu, d: DecodedInsn): void {
  if (d.k1 === 5) {
    const seg = d.r1;
    if (seg === L.CS) { c.raiseUD(); return; }
    let sel: number;
    if (d.k2 === K_MEM) { c.ea(d); sel = c.read(1); if (c.fault) return; }
    else sel = c.getReg(1, d.r2);
    if (!loadSegment(c, seg, sel & 0xffff)) return;
    if (seg === L.SS) { c.shadow = true; c.ssShadow = true; c.eventCheck = true; }
    return;
  }
  const sel = c.s32[(L.SEG >> 2) + d.r2 * 8]! & 0xffff;
  if (d.k1 === K_MEM) { c.ea(d); c.write(1, sel, 0); }
  else c.setReg(d.osz === 1 ? 1 : d.osz, d.r1, sel, 0);
}

/** POP ES/SS/DS/FS/GS. */
export function POPSEG(c: Cpu, d: DecodedInsn): void {
  const size = d.osz;
  const v = c.peek(size, 0);
  if (c.fault) return;
  if (!loadSegment(c, d.r1, v & 0xffff)) return;
  c.adjustSp(1 << size);
  if (d.r1 === L.SS) { c.shadow = true; c.ssShadow = true; c.eventCheck = true; }
}

export function SYS(c: Cpu, d: DecodedInsn): void {
  switch (d.sub) {
    case 0: ARPL(c, d); return;
    case 1: FARJMP(c, d, true); return;
    case 2: FARJMP(c, d, false); return;
    case 3: RETF(c, d); return;
    case 4: IRET(c, d); return;
    case 5: LOADFAR(c, d, L.ES); return;
    case 6: LOADFAR(c, d, L.DS); return;
    case 7: LOADFAR(c, d, L.SS); return;
    case 8: LOADFAR(c, d, L.FS); return;
    case 9: LOADFAR(c, d, L.GS); return;
    case 10: STORE_SYSSEG(c, d, L.LDTR); return;
    case 11: STORE_SYSSEG(c, d, L.TR); return;
    case 12: LLDT(c, d); return;
    case 13: LTR(c, d); return;
    case 14: VERRW(c, d, false); return;
    case 15: VERRW(c, d, true); return;
    case 16: SGDT(c, d, false); return;
    case 17: SGDT(c, d, true); return;
    case 18: LGDT(c, d, false); return;
    case 19: LGDT(c, d, true); return;
    case 20: SMSW(c, d); return;
    case 21: LMSW(c, d); return;
    case 22: INVLPG(c, d); return;
    case 23: SWAPGS(c); return;
    case 24: RDTSC(c, true); return;
    case 31: LARLSL(c, d, 0); return;
    case 32: LARLSL(c, d, 1); return;
    case 33: SYSCALL(c); return;
    case 34: SYSRET(c, d); return;
    case 35: CLTS(c); return;
    case 36: case 37: CACHEOP(c); return;
    case 38: RDTSC(c, false); return;
    case 39: c.raiseGP0(); return; // RDPMC: no performance counters in this model
    case 40: SYSENTER(c); return;
    case 41: SYSEXIT(c, d); return;
    case SYS_PAUSE: c.bus.pause?.(); return;
    case SYS_MOV_CRDR: MOVCR(c, d, false); return;
    case SYS_MOV_CRDR + 1: MOVDR(c, d, false); return;
    case SYS_MOV_CRDR + 2: MOVCR(c, d, true); return;
    case SYS_MOV_CRDR + 3: MOVDR(c, d, true); return;
    // MONITOR MWAIT CLAC STAC XGETBV XSETBV: features this CPU model does not advertise.
    default: c.raiseUD(); return;
  }
}
