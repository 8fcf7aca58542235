// Segment-register loads with the protection checks of SDM Vol 3 §5.5–5.8 and Vol 2 (MOV, POP,
// LDS/LES/LFS/LGS/LSS), the CS switch used by far transfers and interrupts, and the
// descriptor-inspecting instructions LAR, LSL, VERR, VERW and ARPL.
//
// Error codes: a selector error is the selector with RPL cleared (bit 0 EXT is set by callers
// that deliver events). Null data selectors load an unusable cache (attr 0, P = 0).

import type { Cpu } from '../cpu.ts';
import type { DecodedInsn } from '../decode/decoded_insn.ts';
import * as L from '../state_layout.ts';
import { ZF, setFlagsMasked } from '../flags.ts';
import { K_MEM } from '../exec/operands.ts';
import {
  DESC_FAULT, DESC_LIMIT, desc, descDpl, descPresent, descS, descType, loadCache, readDescriptor, segIndex,
  setDescriptorBits, descLimit,
} from './descriptor_tables.ts';

export const isProtected = (c: Cpu): boolean => (c.s32[L.MODE_FLAGS >> 2]! & 9) === 1;
const isLong = (c: Cpu): boolean => (c.s32[L.MODE_FLAGS >> 2]! & 2) !== 0;

/** Recompute STACK_BITS from SS (64 in 64-bit mode, else SS.B). */
export function updateStackBits(c: Cpu): void {
  const s = c.s32;
  s[L.STACK_BITS >> 2] = s[L.CODE_BITS >> 2] === 64 ? 64 : (s[segIndex(L.SS) + 1]! & 0x4000) !== 0 ? 32 : 16;
}

/**
 * Make the CS cache current: CODE_BITS from CS.L/D (SDM Vol 3 §5.2.1), STACK_BITS, CPL.
 * Flushes the decode cache only when the code size changes.
 */
export function csChanged(c: Cpu, cpl: number): void {
  const s = c.s32;
  const attr = s[segIndex(L.CS) + 1]!;
  const bits = isLong(c) && (attr & 0x2000) !== 0 ? 64 : (s[L.MODE_FLAGS >> 2]! & 1) !== 0 && (attr & 0x4000) !== 0 ? 32
    : (s[L.MODE_FLAGS >> 2]! & 1) === 0 && (attr & 0x4000) !== 0 ? 32 : 16;
  const old = s[L.CODE_BITS >> 2]!;
  s[L.CODE_BITS >> 2] = bits;
  updateStackBits(c);
  if (bits !== old) { s[L.CPL >> 2] = cpl; c.modeChanged(); }
  else c.setCpl(cpl);
}

/** Load CS from a code descriptor already checked by the caller; RPL becomes `cpl`. */
export function loadCs(c: Cpu, sel: number, w0: number, w1: number, cpl: number): void {
  loadCache(c, L.CS, (sel & ~3) | cpl, w0, w1 | 0x100);
  csChanged(c, cpl);
}

/** Real-mode / virtual-8086 load: base = selector << 4, other cache fields unchanged. */
export function loadRealSeg(c: Cpu, seg: number, sel: number): void {
  const s = c.s32, b = segIndex(seg);
  s[b] = sel & 0xffff; s[b + 2] = (sel & 0xffff) << 4; s[b + 3] = 0;
  if ((s[L.MODE_FLAGS >> 2]! & 8) !== 0) { s[b + 1] = seg === L.CS ? 0xfb : 0xf3; s[b + 4] = 0xffff; c.refreshSegChecks(); }
}

/**
 * Load data segment register or SS with the checks of MOV/POP (SDM Vol 2 MOV, "Operation").
 * Returns false after recording #GP/#SS/#NP.
 */
export function loadSegment(c: Cpu, seg: number, sel: number): boolean {
  const s = c.s32, b = segIndex(seg);
  sel &= 0xffff;
  if (!isProtected(c)) {
    loadRealSeg(c, seg, sel);
    if (seg === L.SS) updateStackBits(c);
    return true;
  }
  const cpl = c.cpl, rpl = sel & 3;
  if ((sel & ~3) === 0) {
    if (seg === L.SS && !(c.codeBits === 64 && cpl !== 3 && rpl === cpl)) { c.raiseGP0(); return false; }
    s[b] = sel; s[b + 1] = seg === L.SS ? (s[b + 1]! & 0x4000) | (cpl << 5) : 0; s[b + 2] = 0; s[b + 3] = 0; s[b + 4] = 0;
    if (seg === L.SS) updateStackBits(c);
    c.refreshSegChecks();
    return true;
  }
  const r = readDescriptor(c, sel);
  if (r === DESC_FAULT) return false;
  const err = sel & ~3;
  if (r === DESC_LIMIT) { c.raise(13, err); return false; }
  const w0 = desc[0]!, w1 = desc[1]!, t = descType(w1), dpl = descDpl(w1);
  if (seg === L.SS) {
    // Writable data, RPL = CPL = DPL.
    if (rpl !== cpl || !descS(w1) || (t & 0xa) !== 2 || dpl !== cpl) { c.raise(13, err); return false; }
    if (!descPresent(w1)) { c.raise(12, err); return false; }
  } else {
    // Data or readable code; for data and non-conforming code, max(CPL, RPL) <= DPL.
    if (!descS(w1) || (t & 0xa) === 8) { c.raise(13, err); return false; }
    if ((t & 0xc) !== 0xc && (rpl > dpl || cpl > dpl)) { c.raise(13, err); return false; }
    if (!descPresent(w1)) { c.raise(11, err); return false; }
  }
  if (!setDescriptorBits(c, 0x100)) return false;
  const baseHi = s[b + 3]!;
  loadCache(c, seg, sel, w0, desc[1]!);
  // FS/GS in 64-bit mode keep the upper base bits only via MSR writes; a selector load clears them.
  void baseHi;
  if (seg === L.SS) updateStackBits(c);
  return true;
}

/** LDS LES LFS LGS LSS Gv, Mp (sub = segment): offset then selector. */
export function LOADFAR(c: Cpu, d: DecodedInsn, seg: number): void {
  const size = d.osz;
  c.ea(d);
  const eLo = c.eaLo, eHi = c.eaHi;
  const off = c.read(size);
  const offHi = c.hi;
  const n = 1 << size;
  const a = (eLo + n) | 0;
  c.eaLo = a; c.eaHi = (a >>> 0) < (eLo >>> 0) ? (eHi + 1) | 0 : eHi;
  const sel = c.read(1);
  if (c.fault) return;
  if (!loadSegment(c, seg, sel)) return;
  if (seg === L.SS) { c.shadow = true; c.eventCheck = true; }
  c.setReg(size, d.r1, off, offHi);
}

/** Fetch the selector operand (Ew) of LAR/LSL/VERR/VERW. */
function selectorOperand(c: Cpu, d: DecodedInsn, k: number, r: number): number {
  if (k === K_MEM) { c.ea(d); return c.read(1); }
  return c.getReg(1, r) & 0xffff;
}

/**
 * Common visibility test of LAR/LSL/VERR/VERW: the descriptor is readable and, unless a
 * conforming code segment, DPL >= max(CPL, RPL). Returns false (ZF=0) otherwise.
 */
function visible(c: Cpu, sel: number, what: number): boolean {
  if ((sel & ~3) === 0) return false;
  const r = readDescriptor(c, sel);
  if (r !== 0) return false;
  const w1 = desc[1]!, t = descType(w1), dpl = descDpl(w1);
  const conformingCode = descS(w1) && (t & 0xc) === 0xc;
  if (!conformingCode && (dpl < c.cpl || dpl < (sel & 3))) return false;
  if (descS(w1)) return true;
  // System types LAR accepts (SDM Vol 2 LAR/LSL tables); LSL only those with a limit.
  if (isLong(c)) return t === 2 || t === 9 || t === 0xb || (what === 0 && t === 0xc);
  return t === 1 || t === 2 || t === 3 || t === 9 || t === 0xb || (what === 0 && (t === 4 || t === 5 || t === 0xc));
}

/** LAR (what 0) / LSL (what 1) Gv, Ew. */
export function LARLSL(c: Cpu, d: DecodedInsn, what: number): void {
  if (!isProtected(c)) { c.raiseUD(); return; }
  const sel = selectorOperand(c, d, d.k2, d.r2);
  if (c.fault) return;
  const ok = visible(c, sel, what);
  if (c.fault) return;
  setFlagsMasked(c, ZF, ok ? ZF : 0);
  if (!ok) return;
  const w0 = desc[0]!, w1 = desc[1]!;
  const v = what === 0 ? w1 & 0x00f0ff00 : descLimit(w0, w1);
  if (d.osz === 1) c.setReg(1, d.r1, v & 0xffff, 0);
  else c.setReg(d.osz === 3 ? 3 : 2, d.r1, v, 0);
}

/** VERR (write false) / VERW (write true) Ew. */
export function VERRW(c: Cpu, d: DecodedInsn, write: boolean): void {
  if (!isProtected(c)) { c.raiseUD(); return; }
  const sel = selectorOperand(c, d, d.k1, d.r1);
  if (c.fault) return;
  let ok = (sel & ~3) !== 0 && readDescriptor(c, sel) === 0;
  if (c.fault) return;
  if (ok) {
    const w1 = desc[1]!, t = descType(w1), dpl = descDpl(w1);
    if (!descS(w1)) ok = false;
    else if (write) ok = (t & 0xa) === 2 && dpl >= c.cpl && dpl >= (sel & 3);
    else if ((t & 8) !== 0) ok = (t & 2) !== 0 && ((t & 4) !== 0 || (dpl >= c.cpl && dpl >= (sel & 3)));
    else ok = dpl >= c.cpl && dpl >= (sel & 3);
  }
  setFlagsMasked(c, ZF, ok ? ZF : 0);
}

/** ARPL Ew, Gw (not in 64-bit mode, #UD in real mode). */
export function ARPL(c: Cpu, d: DecodedInsn): void {
  if (!isProtected(c)) { c.raiseUD(); return; }
  let dst: number;
  if (d.k1 === K_MEM) { c.ea(d); dst = c.rmwRead(1); } else dst = c.getReg(1, d.r1) & 0xffff;
  if (c.fault) return;
  const src = c.getReg(1, d.r2) & 0xffff;
  if ((dst & 3) < (src & 3)) {
    dst = (dst & ~3) | (src & 3);
    if (d.k1 === K_MEM) c.rmwWrite(1, dst, 0); else c.setReg(1, d.r1, dst, 0);
    if (c.fault) return;
    setFlagsMasked(c, ZF, ZF);
  } else setFlagsMasked(c, ZF, 0);
}
