// The few system instructions part 1 needs: HLT, VMCALL/VMMCALL (bus hook), RDMSR/WRMSR for
// the MSRs kept in the state block (others go to the bus, else #GP(0)), and segment-register
// moves (real mode: base = selector << 4; protected mode: a minimal descriptor load that part 2
// replaces with the full checks of SDM Vol 3 §5).

import type { Cpu } from '../cpu.ts';
import { Exit } from '../cpu.ts';
import type { DecodedInsn } from '../decode/decoded_insn.ts';
import * as L from '../state_layout.ts';
import { K_MEM } from './operands.ts';

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
  0xc0000080: L.MSR_EFER, 0xc0000081: L.MSR_STAR, 0xc0000082: L.MSR_LSTAR, 0xc0000083: L.MSR_CSTAR,
  0xc0000084: L.MSR_SFMASK, 0xc0000102: L.MSR_KERNEL_GS_BASE, 0x174: L.MSR_SYSENTER_CS,
  0x175: L.MSR_SYSENTER_ESP, 0x176: L.MSR_SYSENTER_EIP, 0x277: L.MSR_PAT, 0xc0000103: L.MSR_TSC_AUX,
  0x1a0: L.MSR_MISC_ENABLE, 0x48: L.MSR_SPEC_CTRL,
};
const FS_BASE = 0xc0000100, GS_BASE = 0xc0000101;

export function RDMSR(c: Cpu): void {
  if (c.cpl !== 0) { c.raiseGP0(); return; }
  const s = c.s32, msr = s[2]! >>> 0;
  let lo: number, hi: number;
  const off = OWN_MSRS[msr];
  if (off !== undefined) { lo = s[off >> 2]!; hi = s[(off >> 2) + 1]!; }
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
  const off = OWN_MSRS[msr];
  if (off !== undefined) {
    s[off >> 2] = lo; s[(off >> 2) + 1] = hi;
    if (msr === 0xc0000080) c.modeChanged(); // EFER: part 2 owns LME/LMA transitions
    return;
  }
  if (msr === FS_BASE || msr === GS_BASE) {
    const seg = msr === FS_BASE ? L.FS : L.GS;
    if (((hi << 16) >> 16) !== hi) { c.raiseGP0(); return; }
    s[(L.SEG >> 2) + seg * 8 + 2] = lo; s[(L.SEG >> 2) + seg * 8 + 3] = hi;
    return;
  }
  if (!c.bus.wrmsr(msr, lo, hi)) c.raiseGP0();
}

/** Load a segment register (no protection checks yet: part 2). Returns false on fault. */
export function loadSegment(c: Cpu, seg: number, sel: number): boolean {
  const s = c.s32, b = (L.SEG >> 2) + seg * 8;
  const mode = s[L.MODE_FLAGS >> 2]!;
  if ((mode & 1) === 0 || (mode & 8) !== 0) {
    s[b] = sel; s[b + 2] = sel << 4; s[b + 3] = 0;
    return true;
  }
  if ((sel & ~3) === 0) {
    if (seg === L.SS && c.codeBits !== 64) { c.raiseGP0(); return false; }
    s[b] = sel; s[b + 1] = 0; // null selector: unusable
    return true;
  }
  // Descriptor from the GDT (LDT selectors are part 2's).
  if (sel & 4) { c.raise(13, sel & ~3); return false; }
  const gdtLo = s[L.GDTR >> 2]!, gdtHi = s[(L.GDTR >> 2) + 1]!, limit = s[(L.GDTR >> 2) + 2]!;
  if ((sel | 7) > limit) { c.raise(13, sel & ~3); return false; }
  const sum = (gdtLo >>> 0) + (sel & ~7);
  c.eaLo = sum | 0; c.eaHi = c.codeBits === 64 ? (gdtHi + (sum > 0xffffffff ? 1 : 0)) | 0 : 0;
  const w0 = c.read(2);
  c.eaLo = (c.eaLo + 4) | 0;
  const w1 = c.read(2);
  if (c.fault) return false;
  if ((w1 & 0x8000) === 0) { c.raise(seg === L.SS ? 12 : 11, sel & ~3); return false; }
  let lim = (w0 & 0xffff) | (w1 & 0xf0000);
  if (w1 & 0x800000) lim = (lim << 12) | 0xfff;
  s[b] = sel;
  s[b + 1] = (w1 >>> 8) & 0xf0ff;
  s[b + 2] = ((w0 >>> 16) & 0xffff) | ((w1 & 0xff) << 16) | (w1 & 0xff000000);
  s[b + 3] = 0;
  s[b + 4] = lim;
  if (seg === L.SS) {
    s[L.STACK_BITS >> 2] = c.codeBits === 64 ? 64 : (w1 & 0x400000) ? 32 : 16;
  }
  return true;
}

/** MOV Ev,Sw (store selector) / MOV Sw,Ew (load; CS is #UD). */
export function MOVSEG(c: Cpu, d: DecodedInsn): void {
  if (d.k1 === 5) {
    // MOV Sw, Ew
    const seg = d.r1;
    if (seg === L.CS) { c.raiseUD(); return; }
    let sel: number;
    if (d.k2 === K_MEM) { c.ea(d); sel = c.read(1); if (c.fault) return; }
    else sel = c.getReg(1, d.r2);
    loadSegment(c, seg, sel & 0xffff);
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
}
