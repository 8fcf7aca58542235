// Rounding an exact intermediate result to the x87 destination format: precision control
// (24/53/64 significand bits, SDM §8.1.5.2), the four rounding modes (§4.8.4), denormalisation
// of tiny results, overflow and underflow with their masked and unmasked responses
// (§4.9.1.4, §4.9.1.5, §8.5.4, §8.5.5) and C1 = "rounded up" (§8.1.3.1).
//
// An intermediate is (sign, exp, s2:s1:s0): a 96-bit significand with the binary point after
// bit 95 (so s2 bit 31 is the integer bit when normalised), any bits shifted out below s0
// OR-ed ("jammed") into s0 bit 0, and an unbounded integer exponent biased by 16383.

import { fx, EXP_MAX, FSW_C1, FSW_OE, FSW_PE, FSW_UE, PC_24, PC_53, RC_DOWN, RC_NEAREST, RC_UP } from './float80.ts';

/** Scratch words the shifts below write (module state: no allocation on any path). */
export const w = { s2: 0, s1: 0, s0: 0, exp: 0 };

/** Shift w.s2:s1:s0 right by n (>= 0), jamming lost bits into s0 bit 0. */
export function shiftRightJam96(n: number): void {
  let s2 = w.s2,
    s1 = w.s1,
    s0 = w.s0;
  if (n === 0) return;
  if (n >= 96) {
    w.s0 = s2 | s1 | s0 ? 1 : 0;
    w.s1 = 0;
    w.s2 = 0;
    return;
  }
  while (n >= 32) {
    s0 = s1 | (s0 ? 1 : 0);
    s1 = s2;
    s2 = 0;
    n -= 32;
  }
  if (n > 0) {
    const lost = (s0 << (32 - n)) !== 0 ? 1 : 0;
    s0 = ((s0 >>> n) | (s1 << (32 - n)) | lost) >>> 0;
    s1 = ((s1 >>> n) | (s2 << (32 - n))) >>> 0;
    s2 = s2 >>> n;
  }
  w.s2 = s2 >>> 0;
  w.s1 = s1 >>> 0;
  w.s0 = s0 >>> 0;
}

/** Count of leading zeros of a 96-bit value (96 for zero). */
function clz96(s2: number, s1: number, s0: number): number {
  if (s2) return Math.clz32(s2);
  if (s1) return 32 + Math.clz32(s1);
  if (s0) return 64 + Math.clz32(s0);
  return 96;
}

/** Normalise w so that s2 bit 31 is set (adjusting w.exp); a zero significand is left alone. */
export function normalize96(): void {
  const n = clz96(w.s2, w.s1, w.s0);
  if (n === 0 || n === 96) return;
  let s2 = w.s2,
    s1 = w.s1,
    s0 = w.s0;
  let k = n;
  while (k >= 32) {
    s2 = s1;
    s1 = s0;
    s0 = 0;
    k -= 32;
  }
  if (k > 0) {
    s2 = (s2 << k) | (s1 >>> (32 - k));
    s1 = (s1 << k) | (s0 >>> (32 - k));
    s0 = s0 << k;
  }
  w.s2 = s2 >>> 0;
  w.s1 = s1 >>> 0;
  w.s0 = s0 >>> 0;
  w.exp -= n;
}

/** Exponent bias adjustment applied when overflow/underflow is unmasked (SDM §8.5.4, §8.5.5). */
export const UNMASKED_BIAS_ADJUST = 24576;

// Rounding categories of the discarded bits.
const R_EXACT = 0;
const R_BELOW = 1;
const R_HALF = 2;
const R_ABOVE = 3;

/** Classify the bits below the precision's last kept bit of s2:s1 (+ s0). */
function roundBits(pc: number, s2: number, s1: number, s0: number): number {
  if (pc === PC_24) {
    const top = s2 & 0xff;
    if (top === 0 && s1 === 0 && s0 === 0) return R_EXACT;
    if (top > 0x80) return R_ABOVE;
    if (top < 0x80) return R_BELOW;
    return s1 | s0 ? R_ABOVE : R_HALF;
  }
  if (pc === PC_53) {
    const v = (s1 & 0x7ff) * 2 + (s0 ? 1 : 0);
    if (v === 0) return R_EXACT;
    return v > 0x800 ? R_ABOVE : v === 0x800 ? R_HALF : R_BELOW;
  }
  if (s0 === 0) return R_EXACT;
  return s0 > 0x80000000 ? R_ABOVE : s0 === 0x80000000 ? R_HALF : R_BELOW;
}

function lsbOdd(pc: number, s2: number, s1: number): boolean {
  if (pc === PC_24) return (s2 & 0x100) !== 0;
  if (pc === PC_53) return (s1 & 0x800) !== 0;
  return (s1 & 1) !== 0;
}

function wantIncrement(rc: number, sign: number, cat: number, odd: boolean): boolean {
  if (cat === R_EXACT) return false;
  if (rc === RC_NEAREST) return cat === R_ABOVE || (cat === R_HALF && odd);
  if (rc === RC_UP) return sign === 0;
  if (rc === RC_DOWN) return sign !== 0;
  return false;
}

// Output of roundSig: the rounded 64-bit significand and whether it carried out of bit 63.
let rHi = 0,
  rLo = 0,
  rCarry = false;

/** Round s2:s1(:s0) at the precision, add the unit when `inc`, clear the discarded bits. */
function roundSig(pc: number, s2: number, s1: number, inc: boolean): void {
  let hi = s2,
    lo = s1;
  rCarry = false;
  if (pc === PC_24) {
    hi = (hi & 0xffffff00) >>> 0;
    lo = 0;
    if (inc) {
      hi = hi + 0x100;
      if (hi > 0xffffffff) {
        hi = 0x80000000;
        rCarry = true;
      }
    }
  } else if (pc === PC_53) {
    lo = (lo & 0xfffff800) >>> 0;
    if (inc) {
      lo = lo + 0x800;
      if (lo > 0xffffffff) {
        lo = lo - 0x100000000;
        hi = hi + 1;
        if (hi > 0xffffffff) {
          hi = 0x80000000;
          rCarry = true;
        }
      }
    }
  } else if (inc) {
    lo = lo + 1;
    if (lo > 0xffffffff) {
      lo = 0;
      hi = hi + 1;
      if (hi > 0xffffffff) {
        hi = 0x80000000;
        rCarry = true;
      }
    }
  }
  rHi = hi >>> 0;
  rLo = lo >>> 0;
}

/**
 * Round and pack w (sign given) under control word `cw`, writing fx and OR-ing OE/UE/PE/C1
 * into fx.flags. The significand in w must be normalised or zero. `pc` is passed separately
 * because stores to m32/m64 round to 24/53 bits whatever FCW.PC says, and [emin, emax] is the
 * destination's normal exponent range expressed with the extended bias (1..0x7ffe for a
 * register; 16383-126..16383+127 for m32, 16383-1022..16383+1023 for m64). A denormal result
 * comes back with exponent emin-1 and J = 0; an infinity with exponent 0x7fff.
 */
export function roundPack(sign: number, cw: number, pc: number, emin: number, emax: number): void {
  const rc = (cw >>> 10) & 3;
  const exp = w.exp;
  const s2 = w.s2,
    s1 = w.s1,
    s0 = w.s0;
  if (s2 === 0) {
    // Zero (a normalised non-zero significand always has s2 bit 31 set).
    fx.se = sign << 15;
    fx.hi = 0;
    fx.lo = 0;
    return;
  }
  // Round as if the exponent range were unbounded.
  const cat = roundBits(pc, s2, s1, s0);
  const inc = wantIncrement(rc, sign, cat, lsbOdd(pc, s2, s1));
  roundSig(pc, s2, s1, inc);
  const expR = exp + (rCarry ? 1 : 0);

  if (expR > emax) {
    // Unmasked: scale the exponent down by 24576, unless even that cannot bring it into range
    // (FSCALE by huge amounts).
    if ((cw & FSW_OE) === 0 && expR - UNMASKED_BIAS_ADJUST <= emax) {
      // Unmasked overflow: deliver the rounded significand with the exponent scaled down.
      fx.flags |= FSW_OE | (cat !== R_EXACT ? FSW_PE : 0) | (inc ? FSW_C1 : 0);
      fx.se = (sign << 15) | ((expR - UNMASKED_BIAS_ADJUST) & EXP_MAX);
      fx.hi = rHi;
      fx.lo = rLo;
      return;
    }
    fx.flags |= FSW_OE | FSW_PE;
    // (With OE unmasked and the scaled exponent still out of range, silicon delivers an
    // infinity whatever the rounding mode.)
    const toInf = (cw & FSW_OE) === 0 || rc === RC_NEAREST || (rc === RC_UP && sign === 0) || (rc === RC_DOWN && sign !== 0);
    if (toInf) {
      fx.flags |= FSW_C1;
      fx.se = (sign << 15) | EXP_MAX;
      fx.hi = 0x80000000;
      fx.lo = 0;
    } else {
      // Largest finite number at this precision.
      fx.se = (sign << 15) | emax;
      fx.hi = pc === PC_24 ? 0xffffff00 : 0xffffffff;
      fx.lo = pc === PC_24 ? 0 : pc === PC_53 ? 0xfffff800 : 0xffffffff;
    }
    return;
  }

  if (exp >= emin) {
    if (cat !== R_EXACT) fx.flags |= FSW_PE;
    if (inc) fx.flags |= FSW_C1;
    fx.se = (sign << 15) | expR;
    fx.hi = rHi;
    fx.lo = rLo;
    return;
  }

  // Tiny before rounding. x87 detects tininess after rounding: the result is tiny unless
  // rounding with an unbounded exponent reached 2^-16382 (expR >= 1).
  const tiny = expR < emin;
  if ((cw & FSW_UE) === 0 && expR + UNMASKED_BIAS_ADJUST >= emin) {
    // Unmasked underflow: the normalised rounded result with the exponent scaled up;
    // raised for any tiny result, exact or not (SDM §4.9.1.5).
    if (tiny || cat !== R_EXACT) {
      if (tiny) fx.flags |= FSW_UE;
      if (cat !== R_EXACT) fx.flags |= FSW_PE;
      if (inc) fx.flags |= FSW_C1;
      fx.se = (sign << 15) | ((expR + (tiny ? UNMASKED_BIAS_ADJUST : 0)) & EXP_MAX);
      fx.hi = rHi;
      fx.lo = rLo;
      return;
    }
  }
  if ((cw & FSW_UE) === 0) {
    // Unmasked, but too small even for the scaled exponent (FSCALE): a zero, inexact.
    fx.flags |= FSW_UE | FSW_PE;
    fx.se = sign << 15;
    fx.hi = 0;
    fx.lo = 0;
    return;
  }
  // Masked: denormalise, then round at the same bit positions.
  shiftRightJam96(emin - exp);
  const cat2 = roundBits(pc, w.s2, w.s1, w.s0);
  const inc2 = wantIncrement(rc, sign, cat2, lsbOdd(pc, w.s2, w.s1));
  roundSig(pc, w.s2, w.s1, inc2);
  if (cat2 !== R_EXACT) {
    fx.flags |= FSW_PE;
    if (tiny) fx.flags |= FSW_UE;
  }
  if (inc2) fx.flags |= FSW_C1;
  // A carry into bit 63 turns the denormal into the smallest normal (exponent 1).
  fx.se = (sign << 15) | (rHi >>> 31 ? emin : emin - 1);
  fx.hi = rHi;
  fx.lo = rLo;
}
