// The x87 register file and control/status registers (SDM Vol. 1 §8.1), held in a 128-byte
// region of the CPU state block (FPU_STATE_BYTES) that the CPU core reserves and passes as
// (DataView, base). Layout, all little-endian:
//    0 u16 FCW          control word
//    2 u16 FSW          status word, TOP in bits 13..11 (the only copy of TOP)
//    4 u8  FTW          abridged tag: bit i = 1 when physical register Ri is non-empty
//                       (FXSAVE's form; the full 2-bit tags are derived from contents, as
//                       modern processors do for FSTENV/FSAVE, SDM §8.1.7)
//    5 u8  reserved
//    6 u16 FOP          last non-control opcode, 11 bits (SDM §8.1.9)
//    8 u32 FIP low, 12 u32 FIP high   last instruction pointer (offset; 64-bit for FXSAVE64)
//   16 u32 FDP low, 20 u32 FDP high   last data pointer
//   24 u16 FCS, 26 u16 FDS            selectors of FIP/FDP (legacy formats)
//   28..31 reserved
//   32 + 10*i  physical register Ri (i = 0..7): u32 significand low, u32 significand high,
//              u16 sign|exponent — 80 bytes packed, ending at 112
//  112..127 reserved
// Physical register of ST(i) = (TOP + i) & 7.

import { fx, FSW_C1, FSW_IE, FSW_SF, FSW_ES, FSW_B, FCW_DEFAULT, INDEFINITE_SE, INDEFINITE_HI, INDEFINITE_LO } from './float80.ts';

export const FPU_STATE_BYTES = 128;

export const OFF_FCW = 0;
export const OFF_FSW = 2;
export const OFF_FTW = 4;
export const OFF_FOP = 6;
export const OFF_FIP = 8;
export const OFF_FDP = 16;
export const OFF_FCS = 24;
export const OFF_FDS = 26;
export const OFF_REGS = 32;

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
  const o = b + OFF_REGS + 10 * (p & 7);
  fx.lo = dv.getUint32(o, true);
  fx.hi = dv.getUint32(o + 4, true);
  fx.se = dv.getUint16(o + 8, true);
}

export function writePhys(dv: DataView, b: number, p: number, se: number, hi: number, lo: number): void {
  const o = b + OFF_REGS + 10 * (p & 7);
  dv.setUint32(o, lo >>> 0, true);
  dv.setUint32(o + 4, hi >>> 0, true);
  dv.setUint16(o + 8, se & 0xffff, true);
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
  for (let o = OFF_FIP; o < OFF_REGS; o += 4) dv.setUint32(b + o, 0, true);
}

/** FNCLEX: clear the exception flags, SF, ES and B (C bits and TOP unchanged). */
export function fnclex(dv: DataView, b: number): void {
  const fsw = dv.getUint16(b + OFF_FSW, true);
  dv.setUint16(b + OFF_FSW, fsw & 0x7f00, true);
}

/** Full 2-bit tag of physical register p from its contents (SDM §8.1.7): 0 valid, 1 zero, 2 special, 3 empty. */
export function fullTagPhys(dv: DataView, b: number, p: number): number {
  if (isEmptyPhys(dv, b, p)) return 3;
  const o = b + OFF_REGS + 10 * p;
  const lo = dv.getUint32(o, true),
    hi = dv.getUint32(o + 4, true),
    e = dv.getUint16(o + 8, true) & 0x7fff;
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
