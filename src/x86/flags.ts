// Lazy arithmetic flags (style-models §1.4, Bochs lazy_flags.h). ADD/ADC/SUB/SBB/CMP/NEG/INC/DEC
// and the logic ops record (kind, size, src1, src2, result) in the state block; CF PF AF ZF SF
// OF are computed only when read. LAZY_MASK says which of the six come from the record; the
// rest are in RFLAGS. Other instructions (shifts, multiplies, BT …) write RFLAGS eagerly.
//
// Carry/overflow from the operands and result alone (valid for ADC/SBB too, whatever the
// carry-in), at the top bit n-1 of the operation size:
//   add: CF = ((a & b) | ((a | b) & ~r))      OF = ((a ^ r) & (b ^ r))
//   sub: CF = ((~a & b) | ((~a | b) & r))     OF = ((a ^ b) & (a ^ r))
//   AF = (a ^ b ^ r) & 0x10 (bit 3 carry/borrow).  For 64-bit sizes CF/OF/SF use the hi words.

import type { Cpu } from './cpu.ts';
import { CC_OP, CC_RES, CC_SRC1, CC_SRC2, LAZY_MASK, RFLAGS } from './state_layout.ts';

export const CF = 0x0001, PF = 0x0004, AF = 0x0010, ZF = 0x0040, SF = 0x0080, TF = 0x0100, IF = 0x0200, DF = 0x0400, OF = 0x0800;
export const ARITH = CF | PF | AF | ZF | SF | OF;

/**
 * Lazy operation kinds (CC_OP = kind << 2 | size code). ADC/SBB use the ADD/SUB formulas but
 * their own kinds, so condition tests may treat a SUB record as a plain comparison of its operands.
 */
export const CC_ADD = 0, CC_SUB = 1, CC_LOGIC = 2, CC_ADC = 3, CC_SBB = 4;
/** SHL/SHR/SAR by a nonzero count: CF in SRC1 bit 0, OF in SRC2 bit 0, AF 0, ZF SF PF from the result. */
export const CC_SHIFT = 5;

// int32 indices into the state view
const I_FLAGS = RFLAGS >> 2, I_MASK = LAZY_MASK >> 2, I_OP = CC_OP >> 2;
const I_RES = CC_RES >> 2, I_S1 = CC_SRC1 >> 2, I_S2 = CC_SRC2 >> 2;

/** PARITY[b] = PF bit value for byte b (even number of set bits). */
export const PARITY = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  let n = i; n ^= n >> 4; n ^= n >> 2; n ^= n >> 1;
  PARITY[i] = (n & 1) === 0 ? PF : 0;
}

const TOP = [7, 15, 31, 31];
const MASKS = [0xff, 0xffff, -1, -1];

/** Record an operation for lazy evaluation of `mask` (usually ARITH; INC/DEC exclude CF). */
export function setLazy(c: Cpu, kind: number, size: number, a: number, b: number, r: number, mask: number): void {
  const s = c.s32;
  s[I_OP] = (kind << 2) | size;
  s[I_S1] = a; s[I_S2] = b; s[I_RES] = r;
  s[I_MASK] = mask;
}
/** 64-bit variant: hi words too. */
export function setLazy64(c: Cpu, kind: number, aLo: number, aHi: number, bLo: number, bHi: number, rLo: number, rHi: number, mask: number): void {
  const s = c.s32;
  s[I_OP] = (kind << 2) | 3;
  s[I_S1] = aLo; s[I_S1 + 1] = aHi; s[I_S2] = bLo; s[I_S2 + 1] = bHi; s[I_RES] = rLo; s[I_RES + 1] = rHi;
  s[I_MASK] = mask;
}

/** Record a shift's flags lazily (size code 2 or 3; `rHi` only for 3; cf/of 0 or 1). */
export function setLazyShift(c: Cpu, size: number, r: number, rHi: number, cf: number, of: number): void {
  const s = c.s32;
  s[I_OP] = (CC_SHIFT << 2) | size;
  s[I_S1] = cf; s[I_S2] = of; s[I_RES] = r; s[I_RES + 1] = rHi;
  s[I_MASK] = ARITH;
}

/** Compute the lazy flags selected by `want` from the record (bits outside the mask are 0). */
function lazyFlags(c: Cpu, want: number): number {
  const s = c.s32;
  const op = s[I_OP]!, size = op & 3, kind = op >> 2;
  const rLo = s[I_RES]!;
  let f = 0;
  if (want & (ZF | SF)) {
    if (size === 3) {
      const rHi = s[I_RES + 1]!;
      if ((rLo | rHi) === 0) f |= ZF;
      if (rHi < 0) f |= SF;
    } else {
      if ((rLo & MASKS[size]!) === 0) f |= ZF;
      if ((rLo >>> TOP[size]!) & 1) f |= SF;
    }
  }
  if (want & PF) f |= PARITY[rLo & 0xff]!;
  if (kind === CC_LOGIC) return f;
  if (kind === CC_SHIFT) return f | ((s[I_S1]! & 1) !== 0 ? CF : 0) | ((s[I_S2]! & 1) !== 0 ? OF : 0);
  const aLo = s[I_S1]!, bLo = s[I_S2]!;
  if (want & AF) f |= (aLo ^ bLo ^ rLo) & AF;
  if (want & (CF | OF)) {
    let a = aLo, b = bLo, r = rLo;
    const top = TOP[size]!;
    if (size === 3) { a = s[I_S1 + 1]!; b = s[I_S2 + 1]!; r = s[I_RES + 1]!; }
    if (kind === CC_ADD || kind === CC_ADC) {
      if ((((a & b) | ((a | b) & ~r)) >>> top) & 1) f |= CF;
      if ((((a ^ r) & (b ^ r)) >>> top) & 1) f |= OF;
    } else {
      if ((((~a & b) | ((~a | b) & r)) >>> top) & 1) f |= CF;
      if ((((a ^ b) & (a ^ r)) >>> top) & 1) f |= OF;
    }
  }
  return f;
}

/** One flag (CF ZF SF OF PF AF bit value): 0 or the bit. */
export function getFlag(c: Cpu, bit: number): number {
  const s = c.s32;
  if (s[I_MASK]! & bit) return lazyFlags(c, bit) & bit;
  return s[I_FLAGS]! & bit;
}

export function getCF(c: Cpu): number {
  const s = c.s32;
  if (s[I_MASK]! & CF) return lazyFlags(c, CF) & CF;
  return s[I_FLAGS]! & CF;
}

/** Full RFLAGS with lazy flags materialised (the record stays valid). */
export function getFlags(c: Cpu): number {
  const s = c.s32;
  const m = s[I_MASK]!;
  if (m === 0) return s[I_FLAGS]!;
  return (s[I_FLAGS]! & ~m) | (lazyFlags(c, m) & m);
}

/** Materialise lazy flags into RFLAGS and clear the lazy mask. */
export function commitFlags(c: Cpu): void {
  const s = c.s32;
  if (s[I_MASK]! !== 0) { s[I_FLAGS] = getFlags(c); s[I_MASK] = 0; }
}

/** Move a lazy CF into RFLAGS (before INC/DEC replace the record but keep CF). */
export function saveCF(c: Cpu): void {
  const s = c.s32;
  if (s[I_MASK]! & CF) s[I_FLAGS] = (s[I_FLAGS]! & ~CF) | (lazyFlags(c, CF) & CF);
}

/** Set the bits of `mask` in RFLAGS to `value` (eager write; clears them from the lazy set). */
export function setFlagsMasked(c: Cpu, mask: number, value: number): void {
  const s = c.s32;
  const m = s[I_MASK]!;
  if (m & ~mask) {
    // Some lazy flags survive: materialise everything first.
    s[I_FLAGS] = getFlags(c);
    s[I_MASK] = 0;
  } else {
    s[I_MASK] = 0;
  }
  s[I_FLAGS] = (s[I_FLAGS]! & ~mask) | (value & mask);
}

/** Eager SZP (+ZF) from a result of size code `size` (lo, hi for 64). */
export function szp(size: number, lo: number, hi: number): number {
  let f = PARITY[lo & 0xff]!;
  if (size === 3) {
    if ((lo | hi) === 0) f |= ZF;
    if (hi < 0) f |= SF;
  } else {
    if ((lo & MASKS[size]!) === 0) f |= ZF;
    if ((lo >>> TOP[size]!) & 1) f |= SF;
  }
  return f;
}

/** Only the flags in `want` (values as RFLAGS bits), computing lazily recorded ones on demand. */
function flagsFor(c: Cpu, want: number): number {
  const s = c.s32;
  const m = s[I_MASK]! & want;
  if (m === 0) return s[I_FLAGS]! & want;
  return (s[I_FLAGS]! & want & ~m) | (lazyFlags(c, m) & m);
}

/**
 * Condition codes (SDM Vol 1 App. B, Table B-1) by encoding 0–15. Kept small so V8 inlines it
 * into JCC/SETcc/CMOVcc; anything but the fast path is in testCCSlow.
 */
export function testCC(c: Cpu, cc: number): boolean {
  const s = c.s32;
  // Fast path: all six flags come from a 32-bit SUB/CMP record, so the condition is a direct
  // comparison of its operands (the common CMP + Jcc pair).
  if (s[I_MASK] === ARITH && s[I_OP] === ((CC_SUB << 2) | 2)) {
    const a = s[I_S1]!, b = s[I_S2]!;
    switch (cc) {
      case 2: return (a >>> 0) < (b >>> 0);
      case 3: return (a >>> 0) >= (b >>> 0);
      case 4: return a === b;
      case 5: return a !== b;
      case 6: return (a >>> 0) <= (b >>> 0);
      case 7: return (a >>> 0) > (b >>> 0);
      case 12: return a < b;
      case 13: return a >= b;
      case 14: return a <= b;
      case 15: return a > b;
      default: break;
    }
  }
  return testCCOther(c, cc);
}

/** testCC after anything but a 32-bit CMP (a separate function keeps testCC small enough to inline). */
function testCCOther(c: Cpu, cc: number): boolean {
  const s = c.s32;
  if (s[I_MASK] !== ARITH) return testCCSlow(c, cc);
  const op = s[I_OP]!;
  if (op === ((CC_SUB << 2) | 3)) {
    // After a 64-bit CMP/SUB: the high words decide unless equal, then the low words unsigned.
    const ah = s[I_S1 + 1]!, bh = s[I_S2 + 1]!, al = s[I_S1]! >>> 0, bl = s[I_S2]! >>> 0;
    switch (cc) {
      case 2: return ah === bh ? al < bl : (ah >>> 0) < (bh >>> 0);
      case 3: return ah === bh ? al >= bl : (ah >>> 0) > (bh >>> 0);
      case 4: return ah === bh && al === bl;
      case 5: return ah !== bh || al !== bl;
      case 6: return ah === bh ? al <= bl : (ah >>> 0) < (bh >>> 0);
      case 7: return ah === bh ? al > bl : (ah >>> 0) > (bh >>> 0);
      case 12: return ah === bh ? al < bl : ah < bh;
      case 13: return ah === bh ? al >= bl : ah > bh;
      case 14: return ah === bh ? al <= bl : ah < bh;
      case 15: return ah === bh ? al > bl : ah > bh;
      default: break;
    }
  } else if ((cc & 14) === 4 && op === ((CC_LOGIC << 2) | 2)) {
    // JE/JNE after a 32-bit AND/OR/XOR/TEST: a zero result.
    return (s[I_RES] === 0) === (cc === 4);
  }
  return testCCSlow(c, cc);
}

function testCCSlow(c: Cpu, cc: number): boolean {
  const s = c.s32;
  // E/NE/S/NS when the record holds ZF and SF (ADD, SUB, logic, INC/DEC of any size): the result
  // alone decides (DEC + JNZ loops, TEST + JS).
  if (((cc >> 1) === 2 || (cc >> 1) === 4) && (s[I_MASK]! & (ZF | SF)) === (ZF | SF)) {
    const size = s[I_OP]! & 3, r = s[I_RES]!;
    let zero: boolean, neg: boolean;
    if (size === 3) { const h = s[I_RES + 1]!; zero = (r | h) === 0; neg = h < 0; }
    else { zero = (r & MASKS[size]!) === 0; neg = ((r >>> TOP[size]!) & 1) !== 0; }
    const t = (cc & 8) !== 0 ? neg : zero;
    return (cc & 1) !== 0 ? !t : t;
  }
  // A 32-bit logic record (AND/OR/XOR/TEST): CF = OF = 0, ZF and SF from the result.
  if (s[I_MASK] === ARITH && s[I_OP] === ((CC_LOGIC << 2) | 2) && (cc >> 1) !== 5) {
    const r = s[I_RES]!;
    switch (cc) {
      case 0: case 2: return false;
      case 1: case 3: return true;
      case 4: case 6: return r === 0;
      case 5: case 7: return r !== 0;
      case 8: case 12: return r < 0;
      case 9: case 13: return r >= 0;
      case 14: return r <= 0;
      default: return r > 0; // 15
    }
  }
  let r: boolean;
  switch (cc >> 1) {
    case 0: r = flagsFor(c, OF) !== 0; break;
    case 1: r = flagsFor(c, CF) !== 0; break;
    case 2: r = flagsFor(c, ZF) !== 0; break;
    case 3: r = flagsFor(c, CF | ZF) !== 0; break;
    case 4: r = flagsFor(c, SF) !== 0; break;
    case 5: r = flagsFor(c, PF) !== 0; break;
    case 6: { const f = flagsFor(c, SF | OF); r = ((f & SF) !== 0) !== ((f & OF) !== 0); break; }
    default: { const f = flagsFor(c, ZF | SF | OF); r = (f & ZF) !== 0 || ((f & SF) !== 0) !== ((f & OF) !== 0); break; }
  }
  return (cc & 1) !== 0 ? !r : r;
}
