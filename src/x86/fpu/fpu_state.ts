// The x87 register file and control/status registers (SDM Vol. 1 §8.1), held in a 128-byte
// region of the CPU state block (FPU_STATE_BYTES) that the CPU core reserves and passes as
// (DataView, base). Layout, all little-endian:
//    0 + 8*i  significand of physical register Ri (i = 0..7): u32 low, u32 high. These are
//             also the MMX registers MM0..MM7 (SDM Vol. 1 §9.5), 8-byte aligned for SIMD views.
//   64 + 2*i  u16 sign|exponent of Ri (set to FFFFh when MMX code writes MMi)
//   80 u16 FCW          control word
//   82 u16 FSW          status word, TOP in bits 13..11 (the only copy of TOP)
//   84 u8  FTW          abridged tag: bit i = 1 when physical register Ri is non-empty
//                       (FXSAVE's form; the full 2-bit tags are derived from contents, as
//                       modern processors do for FSTENV/FSAVE, SDM §8.1.7)
//   85 u8  reserved
//   86 u16 FOP          last non-control opcode, 11 bits (SDM §8.1.9)
//   88 u32 FIP low, 92 u32 FIP high   last instruction pointer (offset; 64-bit for FXSAVE64)
//   96 u32 FDP low, 100 u32 FDP high  last data pointer
//  104 u16 FCS, 106 u16 FDS           selectors of FIP/FDP (legacy formats)
//  108..127 reserved
// Physical register of ST(i) = (TOP + i) & 7.

import { fx, FSW_C1, FSW_IE, FSW_SF, FSW_ES, FSW_B, FCW_DEFAULT, INDEFINITE_SE, INDEFINITE_HI, INDEFINITE_LO } from './float80.ts';

export const FPU_STATE_BYTES = 128;

/** Significand (and MMX register) of physical register i: OFF_SIG + 8*i. */
export const OFF_SIG = 0;
/** Sign|exponent of physical register i: OFF_SE + 2*i. */
export const OFF_SE = 64;
export const OFF_FCW = 80;
export const OFF_FSW = 82;
export const OFF_FTW = 84;
export const OFF_FOP = 86;
export const OFF_FIP = 88;
export const OFF_FDP = 96;
export const OFF_FCS = 104;
export const OFF_FDS = 106;
const OFF_END = 108;

export function getTop(dv: DataView, b: number): number {
  return (dv.getUint16(b + OFF_FSW, true) >>> 11) & 7;
}

export function setTop(dv: DataView, b: number, top: number): void {
  const fsw = dv.getUint16(b + OFF_FSW, true);
  dv.setUint16(b + OFF_FSW, (fsw & ~0x3800) | ((top & 7) << 11), true);
}

export function physOf(dv: DataView, b: number, i: number): number {
  return (getTop(dv, b) + i) & 7;
}

export function isEmpty(dv: DataView, b: number, i: number): boolean {
  return (dv.getUint8(b + OFF_FTW) & (1 << physOf(dv, b, i))) === 0;
}

export function isEmptyPhys(dv: DataView, b: number, p: number): boolean {
  return (dv.getUint8(b + OFF_FTW) & (1 << p)) === 0;
}

function setTagPhys(dv: DataView, b: number, p: number, full: boolean): void {
  const t = dv.getUint8(b + OFF_FTW);
  dv.setUint8(b + OFF_FTW, full ? t | (1 << p) : t & ~(1 << p));
}

/** Read physical register p into fx.se/hi/lo. */
export function readPhys(dv: DataView, b: number, p: number): void {
  const o = b + OFF_SIG + 8 * (p & 7);
  fx.lo = dv.getUint32(o, true);
  fx.hi = dv.getUint32(o + 4, true);
  fx.se = dv.getUint16(b + OFF_SE + 2 * (p & 7), true);
}

export function writePhys(dv: DataView, b: number, p: number, se: number, hi: number, lo: number): void {
  const o = b + OFF_SIG + 8 * (p & 7);
  dv.setUint32(o, lo >>> 0, true);
  dv.setUint32(o + 4, hi >>> 0, true);
  dv.setUint16(b + OFF_SE + 2 * (p & 7), se & 0xffff, true);
}

/** Read ST(i) into fx (no empty check). */
export function readSt(dv: DataView, b: number, i: number): void {
  readPhys(dv, b, physOf(dv, b, i));
}

/** Write ST(i) and tag it non-empty. */
export function writeSt(dv: DataView, b: number, i: number, se: number, hi: number, lo: number): void {
  const p = physOf(dv, b, i);
  writePhys(dv, b, p, se, hi, lo);
  setTagPhys(dv, b, p, true);
}

/** Mark ST(i) empty (FFREE). The SDM leaves C0..C3 undefined; the host clears C1. */
export function freeSt(dv: DataView, b: number, i: number): void {
  setTagPhys(dv, b, physOf(dv, b, i), false);
  setCC(dv, b, FSW_C1, 0);
}

/** Pop: mark ST0 empty and increment TOP. */
export function pop(dv: DataView, b: number): void {
  const top = getTop(dv, b);
  setTagPhys(dv, b, top, false);
  setTop(dv, b, top + 1);
}

/** FINCSTP / FDECSTP move TOP without touching tags; C1 is cleared. */
export function addTop(dv: DataView, b: number, delta: number): void {
  setTop(dv, b, getTop(dv, b) + delta);
  setCC(dv, b, FSW_C1, 0);
}

/**
 * Merge exception bits into FSW and derive ES/B (SDM §8.1.3.2: ES is set when any unmasked
 * exception flag is set; B mirrors ES). `flags` may include C1; the C bits are replaced by `cc`
 * when `ccMask` is non-zero.
 */
export function raise(dv: DataView, b: number, flags: number): void {
  let fsw = dv.getUint16(b + OFF_FSW, true) | (flags & 0x7f);
  const fcw = dv.getUint16(b + OFF_FCW, true);
  if (fsw & ~fcw & 0x3f) fsw |= FSW_ES | FSW_B;
  dv.setUint16(b + OFF_FSW, fsw, true);
}

/** Replace the condition-code bits given by mask with cc. */
export function setCC(dv: DataView, b: number, mask: number, cc: number): void {
  const fsw = dv.getUint16(b + OFF_FSW, true);
  dv.setUint16(b + OFF_FSW, (fsw & ~mask) | (cc & mask), true);
}

export function getFcw(dv: DataView, b: number): number {
  return dv.getUint16(b + OFF_FCW, true);
}

export function getFsw(dv: DataView, b: number): number {
  return dv.getUint16(b + OFF_FSW, true);
}

/** True when IE is masked in the control word. */
export function ieMasked(dv: DataView, b: number): boolean {
  return (dv.getUint16(b + OFF_FCW, true) & FSW_IE) !== 0;
}

/**
 * Stack fault (SDM §8.5.1.1): IE + SF, C1 = 1 for overflow (push onto a full register),
 * 0 for underflow (reading an empty register).
 */
export function stackFault(dv: DataView, b: number, overflow: boolean): void {
  setCC(dv, b, FSW_C1, overflow ? FSW_C1 : 0);
  raise(dv, b, FSW_IE | FSW_SF);
}

/**
 * Push a value (fx or given). On overflow (the register below TOP is full) raises the stack
 * fault; with IE masked the indefinite QNaN is pushed instead, unmasked nothing changes.
 * Returns false when the push was suppressed.
 */
export function push(dv: DataView, b: number, se: number, hi: number, lo: number): boolean {
  const top = (getTop(dv, b) - 1) & 7;
  if (!isEmptyPhys(dv, b, top)) {
    stackFault(dv, b, true);
    if (!ieMasked(dv, b)) return false;
    se = INDEFINITE_SE;
    hi = INDEFINITE_HI;
    lo = INDEFINITE_LO;
  }
  setTop(dv, b, top);
  writePhys(dv, b, top, se, hi, lo);
  setTagPhys(dv, b, top, true);
  return true;
}

/** FNINIT (SDM Vol. 2 FINIT): FCW 037Fh, FSW 0, all registers empty, pointers and FOP cleared. */
export function fninit(dv: DataView, b: number): void {
  dv.setUint16(b + OFF_FCW, FCW_DEFAULT, true);
  dv.setUint16(b + OFF_FSW, 0, true);
  dv.setUint8(b + OFF_FTW, 0);
  dv.setUint16(b + OFF_FOP, 0, true);
  for (let o = OFF_FIP; o < OFF_END; o += 4) dv.setUint32(b + o, 0, true);
}

/** FNCLEX: clear the exception flags, SF, ES and B (C bits and TOP unchanged). */
export function fnclex(dv: DataView, b: number): void {
  const fsw = dv.getUint16(b + OFF_FSW, true);
  dv.setUint16(b + OFF_FSW, fsw & 0x7f00, true);
}

/** Full 2-bit tag of physical register p from its contents (SDM §8.1.7): 0 valid, 1 zero, 2 special, 3 empty. */
export function fullTagPhys(dv: DataView, b: number, p: number): number {
  if (isEmptyPhys(dv, b, p)) return 3;
  const o = b + OFF_SIG + 8 * p;
  const lo = dv.getUint32(o, true),
    hi = dv.getUint32(o + 4, true),
    e = dv.getUint16(b + OFF_SE + 2 * p, true) & 0x7fff;
  if (e === 0x7fff) return 2;
  if (e === 0) return hi === 0 && lo === 0 ? 1 : 2;
  return hi >>> 31 ? 0 : 2;
}

/** The full 16-bit tag word (FSTENV/FSAVE). */
export function fullTagWord(dv: DataView, b: number): number {
  let t = 0;
  for (let p = 0; p < 8; p++) t |= fullTagPhys(dv, b, p) << (2 * p);
  return t;
}

// ---------------------------------------------------------------------------------------------
// MMX aliasing (SDM Vol. 1 §9.5.1, Table 9-1): every MMX instruction except EMMS sets TOP to 0
// and tags all registers valid; writing MMi also sets Ri's sign|exponent to FFFFh. EMMS tags
// all registers empty (and also sets TOP to 0).

/** Byte offset (from the FPU region base) of MMX register i (8 bytes, 8-byte aligned). */
export function mmxOffset(i: number): number {
  return OFF_SIG + 8 * (i & 7);
}

/** The x87 side effects of executing any MMX instruction (other than EMMS). */
export function mmxEnter(dv: DataView, b: number): void {
  setTop(dv, b, 0);
  dv.setUint8(b + OFF_FTW, 0xff);
}

/** After an MMX instruction wrote MMi. */
export function mmxWritten(dv: DataView, b: number, i: number): void {
  dv.setUint16(b + OFF_SE + 2 * (i & 7), 0xffff, true);
}

/** EMMS: all registers empty, and (like the other MMX instructions) TOP = 0. */
export function emms(dv: DataView, b: number): void {
  setTop(dv, b, 0);
  dv.setUint8(b + OFF_FTW, 0);
}
