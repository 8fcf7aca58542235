// Descriptor tables (SDM Vol 3 §3.4.5, §3.5, §7.2.3): reading GDT/LDT entries as implicit
// supervisor accesses, the accessed/busy bits, descriptor field decoding, and the instructions
// that load and store GDTR/IDTR/LDTR/TR (LGDT LIDT SGDT SIDT LLDT SLDT LTR STR).

import type { Cpu } from '../cpu.ts';
import type { DecodedInsn } from '../decode/decoded_insn.ts';
import * as L from '../state_layout.ts';
import { K_MEM } from '../exec/operands.ts';

/** Segment cache word index of `seg` (selector, attr, base lo, base hi, limit). */
export const segIndex = (seg: number): number => (L.SEG >> 2) + seg * (L.SEG_STRIDE >> 2);

/**
 * The descriptor last read by readDescriptor: words 0 and 1 (and 2, 3 for 16-byte system
 * descriptors in long mode), and its linear address (lo, hi) for accessed/busy updates.
 */
export const desc = new Int32Array(6);
const D_ADDR = 4;

/** Result codes of readDescriptor. */
export const DESC_OK = 0, DESC_LIMIT = -1, DESC_FAULT = -2;

/** Read the 8-byte (or, with `wide`, 16-byte) descriptor for `sel` from the GDT or LDT. */
export function readDescriptor(c: Cpu, sel: number, wide = false): number {
  const s = c.s32;
  let baseLo: number, baseHi: number, limit: number;
  if ((sel & 4) !== 0) {
    const ldt = segIndex(L.LDTR);
    if ((s[ldt + 1]! & 0x80) === 0) return DESC_LIMIT; // no LDT loaded
    baseLo = s[ldt + 2]!; baseHi = s[ldt + 3]!; limit = s[ldt + 4]!;
  } else {
    baseLo = s[L.GDTR >> 2]!; baseHi = s[(L.GDTR >> 2) + 1]!; limit = s[(L.GDTR >> 2) + 2]!;
  }
  const off = sel & ~7;
  if ((off + (wide ? 15 : 7)) >>> 0 > (limit >>> 0)) return DESC_LIMIT;
  const sum = (baseLo >>> 0) + off;
  const lo = sum | 0;
  let hi = baseHi;
  if (sum > 0xffffffff) hi = (hi + 1) | 0;
  if ((s[L.MODE_FLAGS >> 2]! & 2) === 0) hi = 0; // outside long mode linear addresses are 32-bit
  desc[D_ADDR] = lo; desc[D_ADDR + 1] = hi;
  const old = c.sysBegin();
  c.eaLo = lo; c.eaHi = hi;
  desc[0] = c.read(2);
  c.eaLo = (lo + 4) | 0;
  desc[1] = c.read(2);
  if (wide) {
    c.eaLo = (lo + 8) | 0; desc[2] = c.read(2);
    c.eaLo = (lo + 12) | 0; desc[3] = c.read(2);
  }
  c.sysEnd(old);
  return c.fault ? DESC_FAULT : DESC_OK;
}

/** Set bits `bits` in word 1 of the descriptor last read (accessed bit, TSS busy bit). */
export function setDescriptorBits(c: Cpu, bits: number): boolean {
  if ((desc[1]! & bits) === bits) return true;
  desc[1] = desc[1]! | bits;
  const old = c.sysBegin();
  c.eaLo = (desc[D_ADDR]! + 4) | 0; c.eaHi = desc[D_ADDR + 1]!;
  c.write(2, desc[1]!, 0);
  c.sysEnd(old);
  return !c.fault;
}

// ---- descriptor fields (word 1 = bytes 4..7)
export const descType = (w1: number): number => (w1 >>> 8) & 0xf;
export const descS = (w1: number): boolean => (w1 & 0x1000) !== 0;
export const descDpl = (w1: number): number => (w1 >>> 13) & 3;
export const descPresent = (w1: number): boolean => (w1 & 0x8000) !== 0;
export const descBase = (w0: number, w1: number): number => ((w0 >>> 16) | ((w1 & 0xff) << 16) | (w1 & 0xff000000)) | 0;
export function descLimit(w0: number, w1: number): number {
  const lim = (w0 & 0xffff) | (w1 & 0xf0000);
  return (w1 & 0x800000) !== 0 ? ((lim << 12) | 0xfff) : lim;
}
/** The cache's attribute word: descriptor bytes 5..6 (type S DPL P, AVL L D/B G). */
export const descAttr = (w1: number): number => (w1 >>> 8) & 0xf0ff;

/** Fill segment cache `seg` from a descriptor (base hi 0). */
export function loadCache(c: Cpu, seg: number, sel: number, w0: number, w1: number): void {
  const s = c.s32, b = segIndex(seg);
  s[b] = sel & 0xffff;
  s[b + 1] = descAttr(w1);
  s[b + 2] = descBase(w0, w1);
  s[b + 3] = 0;
  s[b + 4] = descLimit(w0, w1);
  c.refreshSegChecks();
}

// ---- instructions

function privileged(c: Cpu): boolean {
  if (c.cpl !== 0) { c.raiseGP0(); return false; }
  return true;
}

function protectedMode(c: Cpu): boolean {
  const m = c.s32[L.MODE_FLAGS >> 2]!;
  return (m & 1) !== 0 && (m & 8) === 0;
}

/**
 * LGDT/LIDT m16&32 (m16&64 in 64-bit mode). With a 16-bit operand size only 24 bits of base
 * are loaded (SDM Vol 2 LGDT).
 */
export function LGDT(c: Cpu, d: DecodedInsn, idt: boolean): void {
  if (!privileged(c)) return;
  c.ea(d);
  const eLo = c.eaLo, eHi = c.eaHi;
  const limit = c.read(1);
  const s2 = (eLo + 2) | 0;
  c.eaLo = s2; c.eaHi = s2 === 0 && eLo !== 0 ? (eHi + 1) | 0 : eHi;
  let baseLo: number, baseHi = 0;
  if (c.codeBits === 64) { baseLo = c.read(3); baseHi = c.hi; }
  else { baseLo = c.read(2); if (d.osz === 1) baseLo &= 0xffffff; }
  if (c.fault) return;
  if (c.codeBits === 64 && ((baseHi << 16) >> 16) !== baseHi) { c.raiseGP0(); return; }
  const r = (idt ? L.IDTR : L.GDTR) >> 2, s = c.s32;
  s[r] = baseLo; s[r + 1] = baseHi; s[r + 2] = limit & 0xffff;
}

/** SGDT/SIDT: limit then base (4 bytes outside 64-bit mode, 8 in it). Not privileged (no UMIP). */
export function SGDT(c: Cpu, d: DecodedInsn, idt: boolean): void {
  const r = (idt ? L.IDTR : L.GDTR) >> 2, s = c.s32;
  c.ea(d);
  const eLo = c.eaLo, eHi = c.eaHi;
  // Probe both parts before writing anything (the store is all or nothing for a fault).
  if (!c.probeWrite(eLo, eHi, c.codeBits === 64 ? 10 : 6)) return;
  c.write(1, s[r + 2]!, 0);
  c.eaLo = (eLo + 2) | 0; c.eaHi = eHi;
  if (c.codeBits === 64) c.write(3, s[r]!, s[r + 1]!);
  else c.write(2, s[r]!, 0);
}

/** SLDT/STR: the selector; a register destination gets it zero-extended to the operand size. */
export function STORE_SYSSEG(c: Cpu, d: DecodedInsn, seg: number): void {
  if (!protectedMode(c)) { c.raiseUD(); return; }
  const sel = c.s32[segIndex(seg)]! & 0xffff;
  if (d.k1 === K_MEM) { c.ea(d); c.write(1, sel, 0); }
  else c.setReg(d.osz === 3 ? 3 : d.osz === 1 ? 1 : 2, d.r1, sel, 0);
}

function readSelectorOperand(c: Cpu, d: DecodedInsn): number {
  if (d.k1 === K_MEM) { c.ea(d); return c.read(1); }
  return c.getReg(1, d.r1) & 0xffff;
}

/** LLDT (SDM Vol 2): null selector makes LDTR unusable; the descriptor must be an LDT (type 2). */
export function LLDT(c: Cpu, d: DecodedInsn): void {
  if (!protectedMode(c)) { c.raiseUD(); return; }
  if (!privileged(c)) return;
  const sel = readSelectorOperand(c, d);
  if (c.fault) return;
  const s = c.s32, b = segIndex(L.LDTR);
  if ((sel & ~3) === 0) { s[b] = sel; s[b + 1] = 0; return; }
  if ((sel & 4) !== 0) { c.raise(13, sel & ~3); return; }
  const long = c.codeBits === 64 || (s[L.MODE_FLAGS >> 2]! & 2) !== 0;
  const r = readDescriptor(c, sel, long);
  if (r === DESC_FAULT) return;
  if (r === DESC_LIMIT) { c.raise(13, sel & ~3); return; }
  const w0 = desc[0]!, w1 = desc[1]!;
  if (descS(w1) || descType(w1) !== 2) { c.raise(13, sel & ~3); return; }
  if (!descPresent(w1)) { c.raise(11, sel & ~3); return; }
  if (long && ((desc[2]! << 16) >> 16) !== desc[2]) { c.raise(13, sel & ~3); return; }
  loadCache(c, L.LDTR, sel, w0, w1);
  if (long) s[b + 3] = desc[2]!;
}

/** LTR: an available 16/32-bit (64-bit in long mode) TSS; marks it busy in the GDT. */
export function LTR(c: Cpu, d: DecodedInsn): void {
  if (!protectedMode(c)) { c.raiseUD(); return; }
  if (!privileged(c)) return;
  const sel = readSelectorOperand(c, d);
  if (c.fault) return;
  if ((sel & ~3) === 0) { c.raiseGP0(); return; }
  if ((sel & 4) !== 0) { c.raise(13, sel & ~3); return; }
  const s = c.s32;
  const long = (s[L.MODE_FLAGS >> 2]! & 2) !== 0;
  const r = readDescriptor(c, sel, long);
  if (r === DESC_FAULT) return;
  if (r === DESC_LIMIT) { c.raise(13, sel & ~3); return; }
  const w0 = desc[0]!, w1 = desc[1]!, t = descType(w1);
  // Available TSS: type 1 (16-bit, not in long mode) or 9 (32/64-bit).
  if (descS(w1) || !(t === 9 || (t === 1 && !long))) { c.raise(13, sel & ~3); return; }
  if (!descPresent(w1)) { c.raise(11, sel & ~3); return; }
  if (long && ((desc[2]! << 16) >> 16) !== desc[2]) { c.raise(13, sel & ~3); return; }
  if (!setDescriptorBits(c, 0x200)) return; // busy
  loadCache(c, L.TR, sel, w0, w1 | 0x200);
  if (long) s[segIndex(L.TR) + 3] = desc[2]!;
}
