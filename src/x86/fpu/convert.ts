// Conversions between the extended format and the x87's memory formats (SDM Vol. 1 §4.2,
// §8.2): int16/int32/int64 (FILD exact; FIST/FISTP per FCW.RC and FISTTP truncating, with the
// integer indefinite on invalid), float32/float64 (loads exact; stores rounded to 24/53 bits
// per FCW.RC with OE/UE/PE and C1) and 18-digit packed BCD (FBLD, FBSTP; §4.7).
// Results go to `fx` (extended values) or to `mem` (memory images); flags to fx.flags.
// Stores never raise DE for a denormal source (only FLD m32/m64 and arithmetic do).

import {
  fx,
  classify,
  BIAS,
  EXP_MAX,
  CLS_ZERO,
  CLS_INF,
  CLS_QNAN,
  CLS_SNAN,
  CLS_UNSUPPORTED,
  FSW_IE,
  FSW_PE,
  FSW_C1,
  PC_24,
  PC_53,
} from './float80.ts';
import { w, roundPack, normalize96 } from './round80.ts';
import { roundIntegral, roundedUp } from './softfloat80.ts';

/** A memory image produced by a store: up to 80 bits as lo/hi words plus a 16-bit top. */
export const mem = { lo: 0, hi: 0, top: 0 };

/** Set by the float32/float64 loads when the source was a denormal (callers raise DE). */
export const loadInfo = { denormal: false };

function normalizeInto(sign: number, exp: number, hi: number, lo: number): void {
  w.s2 = hi >>> 0;
  w.s1 = lo >>> 0;
  w.s0 = 0;
  w.exp = exp;
  normalize96();
  fx.se = (sign << 15) | w.exp;
  fx.hi = w.s2;
  fx.lo = w.s1;
}

// ---------------------------------------------------------------------------------------------
// Loads (exact). A signalling NaN stays signalling here: FLD raises IE and quiets it, and the
// arithmetic instructions apply their own NaN rules.

export function float32ToExt(bits: number): void {
  const sign = bits >>> 31;
  const e = (bits >>> 23) & 0xff;
  const f = bits & 0x7fffff;
  loadInfo.denormal = false;
  if (e === 0xff) {
    fx.se = (sign << 15) | EXP_MAX;
    fx.hi = (0x80000000 | (f << 8)) >>> 0;
    fx.lo = 0;
    return;
  }
  if (e === 0) {
    if (f === 0) {
      fx.se = sign << 15;
      fx.hi = 0;
      fx.lo = 0;
      return;
    }
    loadInfo.denormal = true;
    return normalizeInto(sign, BIAS - 126, f << 8, 0);
  }
  fx.se = (sign << 15) | (e - 127 + BIAS);
  fx.hi = (0x80000000 | (f << 8)) >>> 0;
  fx.lo = 0;
}

export function float64ToExt(lo: number, hi: number): void {
  const sign = hi >>> 31;
  const e = (hi >>> 20) & 0x7ff;
  const fh = hi & 0xfffff;
  loadInfo.denormal = false;
  const sh = ((fh << 11) | (lo >>> 21)) >>> 0,
    sl = (lo << 11) >>> 0;
  if (e === 0x7ff) {
    fx.se = (sign << 15) | EXP_MAX;
    fx.hi = (0x80000000 | sh) >>> 0;
    fx.lo = sl;
    return;
  }
  if (e === 0) {
    if (sh === 0 && sl === 0) {
      fx.se = sign << 15;
      fx.hi = 0;
      fx.lo = 0;
      return;
    }
    loadInfo.denormal = true;
    return normalizeInto(sign, BIAS - 1022, sh, sl);
  }
  fx.se = (sign << 15) | (e - 1023 + BIAS);
  fx.hi = (0x80000000 | sh) >>> 0;
  fx.lo = sl;
}

/** FILD: a two's-complement integer given as hi:lo (sign-extended to 64 bits) -> extended, exact. */
export function int64ToExt(lo: number, hi: number): void {
  let l = lo >>> 0,
    h = hi >>> 0;
  const sign = h >>> 31;
  if (sign) {
    l = (~l + 1) >>> 0;
    h = (~h + (l === 0 ? 1 : 0)) >>> 0;
  }
  if (h === 0 && l === 0) {
    fx.se = 0;
    fx.hi = 0;
    fx.lo = 0;
    return;
  }
  normalizeInto(sign, BIAS + 63, h, l);
}

// ---------------------------------------------------------------------------------------------
// Float stores (FST/FSTP m32/m64).

/** Common front end of stores: returns true when mem already holds the result. */
function storeSpecial(cls: number, se: number, hi: number, lo: number, double: boolean): boolean {
  const sign = se >>> 15;
  if (cls === CLS_UNSUPPORTED) {
    fx.flags |= FSW_IE;
    if (double) {
      mem.hi = 0xfff80000;
      mem.lo = 0;
    } else mem.lo = 0xffc00000;
    return true;
  }
  if (cls === CLS_SNAN || cls === CLS_QNAN) {
    if (cls === CLS_SNAN) fx.flags |= FSW_IE;
    // Quiet and truncate the payload.
    if (double) {
      mem.hi = ((sign << 31) | 0x7ff80000 | ((hi >>> 11) & 0xfffff)) >>> 0;
      mem.lo = ((hi << 21) | (lo >>> 11)) >>> 0;
    } else {
      mem.lo = ((sign << 31) | 0x7fc00000 | ((hi >>> 8) & 0x7fffff)) >>> 0;
    }
    return true;
  }
  if (cls === CLS_INF || cls === CLS_ZERO) {
    if (double) {
      mem.hi = ((sign << 31) | (cls === CLS_INF ? 0x7ff00000 : 0)) >>> 0;
      mem.lo = 0;
    } else mem.lo = ((sign << 31) | (cls === CLS_INF ? 0x7f800000 : 0)) >>> 0;
    return true;
  }
  return false;
}

function loadW(se: number, hi: number, lo: number): void {
  let e = se & EXP_MAX;
  if (e === 0) e = 1;
  w.s2 = hi >>> 0;
  w.s1 = lo >>> 0;
  w.s0 = 0;
  w.exp = e;
  normalize96();
}

/** FST m32: result bits in mem.lo. */
export function extToFloat32(cw: number, se: number, hi: number, lo: number): void {
  const cls = classify(se, hi, lo);
  if (storeSpecial(cls, se, hi, lo, false)) return;
  const sign = se >>> 15;
  loadW(se, hi, lo);
  const emin = BIAS - 126,
    emax = BIAS + 127;
  // Stores never deliver the scaled unmasked-overflow/underflow value; the caller skips the
  // write when OE/UE is unmasked, so round as if masked but keep the flags of the real masks.
  roundPack(sign, cw, PC_24, emin, emax);
  const e = fx.se & EXP_MAX;
  if (e === EXP_MAX && fx.hi === 0x80000000 && fx.lo === 0) {
    mem.lo = ((sign << 31) | 0x7f800000) >>> 0;
    return;
  }
  const e32 = e - (emin - 1); // 0 for denormals
  mem.lo = ((sign << 31) | ((e32 & 0xff) << 23) | ((fx.hi >>> 8) & 0x7fffff)) >>> 0;
}

/** FST m64: result in mem.hi:mem.lo. */
export function extToFloat64(cw: number, se: number, hi: number, lo: number): void {
  const cls = classify(se, hi, lo);
  if (storeSpecial(cls, se, hi, lo, true)) return;
  const sign = se >>> 15;
  loadW(se, hi, lo);
  const emin = BIAS - 1022,
    emax = BIAS + 1023;
  roundPack(sign, cw, PC_53, emin, emax);
  const e = fx.se & EXP_MAX;
  if (e === EXP_MAX && fx.hi === 0x80000000 && fx.lo === 0) {
    mem.hi = ((sign << 31) | 0x7ff00000) >>> 0;
    mem.lo = 0;
    return;
  }
  const e64 = e - (emin - 1);
  mem.hi = ((sign << 31) | ((e64 & 0x7ff) << 20) | ((fx.hi >>> 11) & 0xfffff)) >>> 0;
  mem.lo = ((fx.hi << 21) | (fx.lo >>> 11)) >>> 0;
}

// ---------------------------------------------------------------------------------------------
// Integer stores (FIST/FISTP/FISTTP): bits = 16, 32 or 64; result in mem.hi:mem.lo.

function integerIndefinite(bits: number): void {
  if (bits === 64) {
    mem.hi = 0x80000000;
    mem.lo = 0;
  } else {
    mem.hi = 0;
    mem.lo = bits === 32 ? 0x80000000 : 0x8000;
  }
}

/** `truncate` selects FISTTP (always round toward zero). */
export function extToInt(cw: number, se: number, hi: number, lo: number, bits: number, truncate: boolean): void {
  const cls = classify(se, hi, lo);
  if (cls === CLS_UNSUPPORTED || cls === CLS_SNAN || cls === CLS_QNAN || cls === CLS_INF) {
    fx.flags |= FSW_IE;
    return integerIndefinite(bits);
  }
  if (cls === CLS_ZERO) {
    mem.hi = 0;
    mem.lo = 0;
    return;
  }
  const sign = se >>> 15;
  const inexact = roundIntegral(truncate ? 3 : (cw >>> 10) & 3, se, hi, lo);
  const up = roundedUp();
  // fx now holds the rounded integral value; extract its magnitude.
  let mh = 0,
    ml = 0;
  const e = (fx.se & EXP_MAX) - BIAS;
  if (fx.hi !== 0 || fx.lo !== 0) {
    if (e > 63) {
      fx.flags |= FSW_IE;
      return integerIndefinite(bits);
    }
    const sh = 63 - e;
    if (sh >= 32) {
      mh = 0;
      ml = fx.hi >>> (sh - 32);
    } else if (sh > 0) {
      mh = fx.hi >>> sh;
      ml = ((fx.lo >>> sh) | (fx.hi << (32 - sh))) >>> 0;
    } else {
      mh = fx.hi;
      ml = fx.lo;
    }
  }
  // Range check: magnitude must be < 2^(bits-1), or == 2^(bits-1) when negative.
  let fits: boolean;
  if (bits === 64) fits = mh < 0x80000000 || (sign === 1 && mh === 0x80000000 && ml === 0);
  else if (bits === 32) fits = mh === 0 && (ml < 0x80000000 || (sign === 1 && ml === 0x80000000));
  else fits = mh === 0 && (ml < 0x8000 || (sign === 1 && ml === 0x8000));
  if (!fits) {
    fx.flags |= FSW_IE;
    return integerIndefinite(bits);
  }
  if (inexact) fx.flags |= FSW_PE | (up ? FSW_C1 : 0);
  if (sign) {
    ml = (~ml + 1) >>> 0;
    mh = (~mh + (ml === 0 ? 1 : 0)) >>> 0;
  }
  if (bits === 16) {
    mem.lo = ml & 0xffff;
    mem.hi = 0;
  } else if (bits === 32) {
    mem.lo = ml;
    mem.hi = 0;
  } else {
    mem.lo = ml;
    mem.hi = mh;
  }
}

// ---------------------------------------------------------------------------------------------
// Packed BCD (SDM Vol. 1 §4.7): bytes 0..8 hold 18 digits, two per byte, least significant
// first; byte 9 bit 7 is the sign. Given as lo (bytes 0-3), hi (4-7), top (bytes 8-9).

/** FBLD: digits are taken as given (invalid digit values give undefined results on silicon). */
export function bcdToExt(lo: number, hi: number, top: number): void {
  const sign = (top >>> 15) & 1;
  // Decimal value as hi9 * 10^9 + lo9 with each half < 10^9; digit 2i is byte i's low nibble.
  let lo9 = 0,
    hi9 = 0;
  for (let k = 17; k >= 0; k--) {
    const i = k >>> 1;
    const byte = i < 4 ? (lo >>> (8 * i)) & 0xff : i < 8 ? (hi >>> (8 * (i - 4))) & 0xff : top & 0xff;
    const d = k & 1 ? byte >>> 4 : byte & 15;
    if (k >= 9) hi9 = hi9 * 10 + d;
    else lo9 = lo9 * 10 + d;
  }
  // v = hi9 * 1e9 + lo9 computed exactly in 16-bit pieces.
  const a = hi9 * 0xca00; // 1e9 = 0x3B9ACA00: low 16 bits 0xCA00, high 0x3B9A
  const bq = hi9 * 0x3b9a;
  let low = a + (bq % 65536) * 65536 + lo9; // < 2^47 + 2^48 + 2^30
  const l32 = low % 4294967296;
  low = Math.floor(low / 4294967296);
  const h32 = Math.floor(bq / 65536) + low;
  if (h32 === 0 && l32 === 0) {
    fx.se = sign << 15;
    fx.hi = 0;
    fx.lo = 0;
    return;
  }
  normalizeInto(sign, BIAS + 63, h32, l32);
}

const limbs = new Uint32Array(4);

/** FBSTP: round per RC, store 18 digits; |value| >= 10^18 or NaN/inf -> IE + the BCD indefinite. */
export function extToBcd(cw: number, se: number, hi: number, lo: number): void {
  const cls = classify(se, hi, lo);
  const sign = se >>> 15;
  if (cls === CLS_UNSUPPORTED || cls === CLS_SNAN || cls === CLS_QNAN || cls === CLS_INF) {
    fx.flags |= FSW_IE;
    return bcdIndefinite();
  }
  if (cls === CLS_ZERO) {
    mem.lo = 0;
    mem.hi = 0;
    mem.top = sign << 15;
    return;
  }
  const inexact = roundIntegral((cw >>> 10) & 3, se, hi, lo);
  const up = roundedUp();
  let mh = 0,
    ml = 0;
  if (fx.hi !== 0 || fx.lo !== 0) {
    const e = (fx.se & EXP_MAX) - BIAS;
    if (e >= 60) {
      fx.flags |= FSW_IE;
      return bcdIndefinite();
    }
    const sh = 63 - e;
    if (sh >= 32) ml = fx.hi >>> (sh - 32);
    else {
      mh = fx.hi >>> sh;
      ml = ((fx.lo >>> sh) | (fx.hi << (32 - sh))) >>> 0;
    }
  }
  // 10^18 = 0x0DE0B6B3_A7640000
  if (mh > 0x0de0b6b3 || (mh === 0x0de0b6b3 && ml >= 0xa7640000)) {
    fx.flags |= FSW_IE;
    return bcdIndefinite();
  }
  if (inexact) fx.flags |= FSW_PE | (up ? FSW_C1 : 0);
  limbs[0] = ml & 0xffff;
  limbs[1] = ml >>> 16;
  limbs[2] = mh & 0xffff;
  limbs[3] = mh >>> 16;
  let outLo = 0,
    outHi = 0,
    outTop = 0;
  for (let k = 0; k < 18; k++) {
    let rem = 0;
    for (let i = 3; i >= 0; i--) {
      const cur = rem * 65536 + limbs[i]!;
      limbs[i] = Math.floor(cur / 10);
      rem = cur % 10;
    }
    const shift = 4 * (k & 7);
    if (k < 8) outLo |= rem << shift;
    else if (k < 16) outHi |= rem << shift;
    else outTop |= rem << (4 * (k - 16));
  }
  mem.lo = outLo >>> 0;
  mem.hi = outHi >>> 0;
  mem.top = (outTop | (sign << 15)) & 0xffff;
}

function bcdIndefinite(): void {
  // SDM Table 4-4: the packed BCD indefinite is FFFF C000 0000 0000 0000h (bytes 9..0).
  mem.top = 0xffff;
  mem.hi = 0xc0000000;
  mem.lo = 0;
}
