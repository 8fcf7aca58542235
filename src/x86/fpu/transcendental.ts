// The x87 transcendental instructions FSIN, FCOS, FSINCOS, FPTAN, FPATAN, F2XM1, FYL2X and
// FYL2XP1, computed without host floating point: series evaluated in bigfloat.ts (128-bit
// significands) and rounded once to the extended format under FCW.RC (precision control does
// not apply to these instructions, SDM Vol. 1 §8.1.5.2).
//
// Accuracy: the working precision leaves an error below 2^-110 relative before the final
// rounding, so results are the correctly rounded value of the function (except, with
// probability ~2^-46 per operation, when the exact value lies that close to a rounding
// boundary). Intel documents < 1 ulp for these instructions (SDM Vol. 1 §8.3.10); silicon is
// not always correctly rounded, so results may differ from a given CPU by one unit in the
// last place (and then C1 may differ too). Argument reduction for FSIN/FCOS/FSINCOS/FPTAN uses
// Intel's 66-bit approximation of pi (SDM Vol. 1 §8.3.10: 0xC90FDAA22168C234C * 2^-66 * 4) as
// the hardware does, computed exactly by integer long division, so reduced arguments agree
// with silicon even for large inputs. Operands with |x| >= 2^63 set C2 and are left unchanged.

import { fx, classify, setIndefinite, EXP_MAX, BIAS, CLS_ZERO, CLS_DENORMAL, CLS_PSEUDO_DENORMAL, CLS_INF, CLS_QNAN, CLS_SNAN, CLS_UNSUPPORTED, FSW_IE, FSW_DE, FSW_ZE, FSW_UE, FSW_PE, FSW_C1, FSW_C2, PC_64 } from './float80.ts';
import { w, roundPack, normalize96 } from './round80.ts';
import * as bf from './bigfloat.ts';

// Constant registers (loaded once at module evaluation; values from their series definitions
// to 128 bits).
const R_PI = 0,
  R_LN2 = 1,
  R_LOG2E = 2,
  R_PI_2 = 3,
  R_PI_4 = 4,
  R_ONE = 5,
  R_TAN_PI_8 = 6;
bf.fromWords(R_PI, 0xc90fdaa2, 0x2168c234, 0xc4c6628b, 0x80dc1cd1, 2, 0);
bf.fromWords(R_LN2, 0xb17217f7, 0xd1cf79ab, 0xc9e3b398, 0x03f2f6af, 0, 0);
bf.fromWords(R_LOG2E, 0xb8aa3b29, 0x5c17f0bb, 0xbe87fed0, 0x691d3e88, 1, 0);
bf.scale2(R_PI_2, R_PI, -1);
bf.scale2(R_PI_4, R_PI, -2);
bf.fromInt(R_ONE, 1);
bf.fromWords(R_TAN_PI_8, 0xd413cccf, 0xe7799211, 0x65f626cd, 0xd52afa7c, -1, 0); // sqrt(2) - 1
const R_SQRT2 = 7;
bf.fromWords(R_SQRT2, 0xb504f333, 0xf9de6484, 0x597d89b3, 0x754abe9f, 1, 0);

// Working registers.
const A = 8,
  B = 9,
  C = 10,
  D = 11,
  X2 = 12,
  TERM = 13,
  SUM = 14,
  TMP = 15,
  SIN = 16,
  COS = 17;

export const DIR_EXACT = 0;
export const DIR_BELOW = -1; // the true magnitude lies just below the computed value
export const DIR_ABOVE = 1; // ... just above

/**
 * Round bigfloat register r to fx (extended, PC 64, FCW.RC), raising UE/OE and C1; PE is
 * always raised (silicon reports every transcendental result as inexact, even exact ones).
 * When the computed value has no bits below the 64-bit significand, `dir` tells on which
 * side the true value lies (a series whose correction terms all vanished, e.g. sin(x) ~ x),
 * so directed rounding and C1 come out as for the exact function.
 */
function roundOut(r: number, cw: number, dir: number): void {
  fx.flags |= FSW_PE;
  if (bf.isZero(r)) {
    fx.se = bf.sign(r) << 15;
    fx.hi = 0;
    fx.lo = 0;
    return;
  }
  bf.toWords96(r, w);
  if (w.s0 === 0 && dir !== DIR_EXACT) {
    if (dir === DIR_ABOVE) w.s0 = 1;
    else {
      // One unit below at the 96th bit, renormalised (s2:s1 may have been exactly 2^63).
      w.s0 = 0xffffffff;
      if (w.s1 === 0) {
        w.s1 = 0xffffffff;
        w.s2 = (w.s2 - 1) >>> 0;
      } else w.s1 = (w.s1 - 1) >>> 0;
      normalize96();
    }
  }
  roundPack(bf.sign(r), cw, PC_64, 1, EXP_MAX - 1);
  // Every result counts as inexact, so a tiny one also reports underflow.
  if ((fx.se & EXP_MAX) === 0 && (fx.hi | fx.lo) !== 0) fx.flags |= FSW_UE;
}

/** Stop a series when the term no longer affects the first 124 bits of the sum. */
function negligible(term: number, sum: number): boolean {
  return bf.isZero(term) || bf.exponent(term) < bf.exponent(sum) - 124;
}

// Whether every correction term vanished below 128 bits (sin(r) == r, cos(r) == 1).
let sinIsArg = false,
  cosIsOne = false;

/** sin(r) -> SIN and cos(r) -> COS for |r| <= pi/4 (Taylor series). */
function sinCosReduced(r: number): void {
  bf.mul(X2, r, r);
  // sin
  bf.copy(SIN, r);
  bf.copy(TERM, r);
  for (let n = 1; n < 40; n++) {
    bf.mul(TERM, TERM, X2);
    bf.divSmall(TERM, TERM, 2 * n * (2 * n + 1));
    bf.negate(TERM);
    if (bf.isZero(SIN)) break;
    bf.add(SIN, SIN, TERM, false);
    if (negligible(TERM, SIN)) break;
  }
  sinIsArg = bf.cmpMag(SIN, r) === 0;
  // cos
  bf.copy(COS, R_ONE);
  bf.copy(TERM, R_ONE);
  for (let n = 1; n < 40; n++) {
    bf.mul(TERM, TERM, X2);
    bf.divSmall(TERM, TERM, (2 * n - 1) * 2 * n);
    bf.negate(TERM);
    bf.add(COS, COS, TERM, false);
    if (negligible(TERM, COS)) break;
  }
  cosIsOne = bf.cmpMag(COS, R_ONE) === 0;
}

// ---------------------------------------------------------------------------------------------
// Argument reduction by Intel's 66-bit pi: P = 0x3_243F6A88_85A308D3 = pi66 * 2^64, so
// pi66/2 = P * 2^-65. |x| = m * 2^(e-63); in units of 2^-65, X = m << (e + 2).

const P2 = 0x3,
  P1 = 0x243f6a88,
  P0 = 0x85a308d3;

let quadrant = 0;

/** Reduce |x| (unpacked: exponent e unbiased, significand hi:lo) into register r; quadrant = k mod 4. */
function reduce(r: number, e: number, hi: number, lo: number): void {
  quadrant = 0;
  if (e < -1) {
    bf.fromWords(r, hi, lo, 0, 0, e + 1, 0);
    return;
  }
  // Long division of X = m * 2^(e+2) by P, one bit at a time.
  let r2 = 0,
    r1 = 0,
    r0 = 0,
    q = 0;
  const nbits = 64 + e + 2;
  for (let i = 0; i < nbits; i++) {
    const bit = i < 32 ? (hi >>> (31 - i)) & 1 : i < 64 ? (lo >>> (63 - i)) & 1 : 0;
    r2 = ((r2 << 1) | (r1 >>> 31)) >>> 0;
    r1 = ((r1 << 1) | (r0 >>> 31)) >>> 0;
    r0 = ((r0 << 1) | bit) >>> 0;
    let ge = r2 > P2 || (r2 === P2 && (r1 > P1 || (r1 === P1 && r0 >= P0)));
    if (ge) {
      let t = r0 - P0;
      let br = t < 0 ? 1 : 0;
      r0 = t >>> 0;
      t = r1 - P1 - br;
      br = t < 0 ? 1 : 0;
      r1 = t >>> 0;
      r2 = (r2 - P2 - br) >>> 0;
    }
    q = ((q << 1) | (ge ? 1 : 0)) & 3;
    ge = false;
  }
  // Round the quotient to nearest: if 2R > P use k+1 and R - P (negative).
  const d2 = ((r2 << 1) | (r1 >>> 31)) >>> 0,
    d1 = ((r1 << 1) | (r0 >>> 31)) >>> 0,
    d0 = (r0 << 1) >>> 0;
  let neg = 0;
  if (d2 > P2 || (d2 === P2 && (d1 > P1 || (d1 === P1 && d0 > P0)))) {
    let t = P0 - r0;
    let br = t < 0 ? 1 : 0;
    r0 = t >>> 0;
    t = P1 - r1 - br;
    br = t < 0 ? 1 : 0;
    r1 = t >>> 0;
    r2 = (P2 - r2 - br) >>> 0;
    q = (q + 1) & 3;
    neg = 1;
  }
  quadrant = q;
  if (r2 === 0 && r1 === 0 && r0 === 0) {
    bf.setZero(r);
    return;
  }
  // R * 2^-65 with R in the top 96 bits of the 128-bit significand: value = R * 2^-96 * 2^31.
  bf.fromWords(r, r2, r1, r0, 0, 31, neg);
}

// Shared operand decoding for one-operand functions: returns true when fx holds the result.
let uE = 0,
  uHi = 0,
  uLo = 0;

function unpack(se: number, hi: number, lo: number): void {
  let e = se & EXP_MAX;
  if (e === 0) e = 1;
  let h = hi >>> 0,
    l = lo >>> 0;
  if (!(h >>> 31)) {
    if (h === 0) {
      h = l;
      l = 0;
      e -= 32;
    }
    const n = Math.clz32(h);
    if (n) {
      h = ((h << n) | (l >>> (32 - n))) >>> 0;
      l = (l << n) >>> 0;
      e -= n;
    }
  }
  uE = e - BIAS;
  uHi = h;
  uLo = l;
}

function quiet(se: number, hi: number, lo: number): void {
  fx.se = se;
  fx.hi = (hi | 0x40000000) >>> 0;
  fx.lo = lo >>> 0;
}

export const TRIG_SIN = 0;
export const TRIG_COS = 1;
export const TRIG_SINCOS = 2;
export const TRIG_TAN = 3;

/** Second result of FSINCOS (the cosine; fx holds the sine) and FPTAN (1.0). */
export const second = { se: 0, hi: 0, lo: 0 };

/**
 * FSIN/FCOS/FSINCOS/FPTAN on ST0. Sets fx.cc = C2 when the operand is out of range
 * (|x| >= 2^63: nothing is computed). For FSINCOS fx is the sine and `second` the cosine;
 * for FPTAN fx is the tangent and `second` is +1.0.
 */
export function trig(kind: number, cw: number, se: number, hi: number, lo: number): void {
  fx.cc = 0;
  second.se = 0x3fff;
  second.hi = 0x80000000;
  second.lo = 0;
  const c = classify(se, hi, lo);
  // Invalid and NaN operands: FSINCOS and FPTAN push the same NaN a second time.
  if (c === CLS_UNSUPPORTED || c === CLS_INF) {
    fx.flags |= FSW_IE;
    setIndefinite();
    copySecondFromFx();
    return;
  }
  if (c === CLS_QNAN || c === CLS_SNAN) {
    if (c === CLS_SNAN) fx.flags |= FSW_IE;
    quiet(se, hi, lo);
    copySecondFromFx();
    return;
  }
  const sign = se >>> 15;
  if (c === CLS_ZERO) {
    // sin(+-0) = +-0, tan(+-0) = +-0, cos(+-0) = 1 (exact).
    if (kind === TRIG_COS) {
      fx.se = 0x3fff;
      fx.hi = 0x80000000;
      fx.lo = 0;
    } else {
      fx.se = se;
      fx.hi = 0;
      fx.lo = 0;
    }
    if (kind === TRIG_SINCOS) {
      second.se = 0x3fff;
      second.hi = 0x80000000;
      second.lo = 0;
    }
    return;
  }
  unpack(se, hi, lo);
  if (uE >= 63) {
    fx.cc = FSW_C2;
    return;
  }
  if (c === CLS_DENORMAL || c === CLS_PSEUDO_DENORMAL) fx.flags |= FSW_DE;
  reduce(A, uE, uHi, uLo);
  const q = quadrant;
  sinCosReduced(A);
  // sin(x) and cos(x) from the quadrant: x = r + q * pi/2.
  const sinReg = q & 1 ? COS : SIN;
  const cosReg = q & 1 ? SIN : COS;
  const sinNeg = q >= 2 ? 1 : 0;
  const cosNeg = q === 1 || q === 2 ? 1 : 0;
  // Direction of the vanished series tail: |sin r| < |r|, cos r < 1, |tan r| > |r|, |cot r| < 1/|r|.
  const sinDir = (q & 1 ? cosIsOne : sinIsArg) ? DIR_BELOW : DIR_EXACT;
  const cosDir = (q & 1 ? sinIsArg : cosIsOne) ? DIR_BELOW : DIR_EXACT;
  if (kind === TRIG_TAN) {
    bf.div(TMP, sinReg, cosReg);
    if (sinNeg !== cosNeg) bf.negate(TMP);
    if (sign) bf.negate(TMP);
    roundOut(TMP, cw, sinIsArg ? (q & 1 ? DIR_BELOW : DIR_ABOVE) : DIR_EXACT);
    return;
  }
  if (kind === TRIG_COS) {
    bf.copy(TMP, cosReg);
    if (cosNeg) bf.negate(TMP);
    roundOut(TMP, cw, cosDir);
    return;
  }
  if (kind === TRIG_SINCOS) {
    // C1 reports the sine's rounding (measured on the host), so round the cosine first.
    bf.copy(TMP, cosReg);
    if (cosNeg) bf.negate(TMP);
    roundOut(TMP, cw, cosDir);
    second.se = fx.se;
    second.hi = fx.hi;
    second.lo = fx.lo;
    fx.flags &= ~FSW_C1;
  }
  bf.copy(TMP, sinReg);
  if (sinNeg) bf.negate(TMP);
  if (sign) bf.negate(TMP);
  roundOut(TMP, cw, sinDir);
}

function copySecondFromFx(): void {
  second.se = fx.se;
  second.hi = fx.hi;
  second.lo = fx.lo;
}

// ---------------------------------------------------------------------------------------------
// atan

let atanIsArg = false;

/** atan(t) for 0 <= t <= 1 (register t) into register d. */
function atanUnit(d: number, t: number): void {
  let offsetPi4 = false;
  atanIsArg = false;
  if (bf.cmpMag(t, R_TAN_PI_8) > 0) {
    // atan(t) = pi/4 + atan((t - 1) / (t + 1)).
    bf.add(B, t, R_ONE, true);
    bf.add(C, t, R_ONE, false);
    bf.div(A, B, C);
    offsetPi4 = true;
  } else bf.copy(A, t);
  bf.mul(X2, A, A);
  bf.copy(SUM, A);
  bf.copy(TERM, A); // u^(2n+1) with alternating sign
  for (let n = 1; n < 200; n++) {
    bf.mul(TERM, TERM, X2);
    bf.negate(TERM);
    bf.divSmall(D, TERM, 2 * n + 1);
    if (bf.isZero(SUM)) break;
    bf.add(SUM, SUM, D, false);
    if (negligible(D, SUM)) break;
  }
  atanIsArg = !offsetPi4 && bf.cmpMag(SUM, A) === 0;
  if (offsetPi4) bf.add(d, R_PI_4, SUM, false);
  else bf.copy(d, SUM);
}

function isDen(c: number): boolean {
  return c === CLS_DENORMAL || c === CLS_PSEUDO_DENORMAL;
}

function propagate2(ySe: number, yHi: number, yLo: number, cy: number, xSe: number, xHi: number, xLo: number, cx: number): boolean {
  if (cy === CLS_UNSUPPORTED || cx === CLS_UNSUPPORTED) {
    fx.flags |= FSW_IE;
    setIndefinite();
    return true;
  }
  const yNaN = cy === CLS_QNAN || cy === CLS_SNAN,
    xNaN = cx === CLS_QNAN || cx === CLS_SNAN;
  if (!yNaN && !xNaN) return false;
  if (cy === CLS_SNAN || cx === CLS_SNAN) fx.flags |= FSW_IE;
  // Same selection as the arithmetic instructions (SDM Table 4-7): QNaN over SNaN, else larger significand.
  if (yNaN && xNaN) {
    if (cx === CLS_QNAN && cy === CLS_SNAN) return quiet(xSe, xHi, xLo), true;
    if (cy === CLS_QNAN && cx === CLS_SNAN) return quiet(ySe, yHi, yLo), true;
    const ah = (xHi | 0x40000000) >>> 0,
      bh = (yHi | 0x40000000) >>> 0;
    if (ah > bh || (ah === bh && xLo >>> 0 > yLo >>> 0)) return quiet(xSe, xHi, xLo), true;
    if (ah === bh && xLo >>> 0 === yLo >>> 0) return (xSe & 0x8000 ? quiet(ySe, yHi, yLo) : quiet(xSe, xHi, xLo)), true;
    return quiet(ySe, yHi, yLo), true;
  }
  if (xNaN) quiet(xSe, xHi, xLo);
  else quiet(ySe, yHi, yLo);
  return true;
}

/** FPATAN: atan2(y = ST1, x = ST0), result in fx (to replace ST1). */
export function patan(cw: number, ySe: number, yHi: number, yLo: number, xSe: number, xHi: number, xLo: number): void {
  const cy = classify(ySe, yHi, yLo),
    cx = classify(xSe, xHi, xLo);
  if (propagate2(ySe, yHi, yLo, cy, xSe, xHi, xLo, cx)) return;
  if (isDen(cy) || isDen(cx)) fx.flags |= FSW_DE;
  const sy = ySe >>> 15,
    sx = xSe >>> 15;
  if (cy === CLS_ZERO) {
    if (sx) {
      bf.copy(TMP, R_PI);
      bf.setSign(TMP, sy);
      return roundOut(TMP, cw, DIR_EXACT);
    }
    fx.se = sy << 15;
    fx.hi = 0;
    fx.lo = 0;
    return;
  }
  if (cy === CLS_INF || cx === CLS_ZERO || cx === CLS_INF) {
    if (cy === CLS_INF && cx === CLS_INF) {
      // +-pi/4 or +-3pi/4
      if (sx) bf.add(TMP, R_PI, R_PI_4, true);
      else bf.copy(TMP, R_PI_4);
    } else if (cy === CLS_INF || cx === CLS_ZERO) bf.copy(TMP, R_PI_2);
    else if (sx) bf.copy(TMP, R_PI);
    else {
      fx.se = sy << 15;
      fx.hi = 0;
      fx.lo = 0;
      return;
    }
    bf.setSign(TMP, sy);
    return roundOut(TMP, cw, DIR_EXACT);
  }
  bf.fromExtended(SIN, ySe & 0x7fff, yHi, yLo);
  bf.fromExtended(COS, xSe & 0x7fff, xHi, xLo);
  const swap = bf.cmpMag(SIN, COS) > 0;
  if (swap) bf.div(TMP, COS, SIN);
  else bf.div(TMP, SIN, COS);
  atanUnit(TMP, TMP);
  const dir = atanIsArg && !swap && !sx ? DIR_BELOW : DIR_EXACT;
  if (swap) bf.add(TMP, R_PI_2, TMP, true);
  if (sx) bf.add(TMP, R_PI, TMP, true);
  bf.setSign(TMP, sy);
  roundOut(TMP, cw, dir);
}

// ---------------------------------------------------------------------------------------------
// F2XM1: 2^x - 1 for -1 <= x <= 1 (outside that range the result is undefined on Intel;
// we still evaluate the series).

export function f2xm1(cw: number, se: number, hi: number, lo: number): void {
  const c = classify(se, hi, lo);
  if (c === CLS_UNSUPPORTED) {
    fx.flags |= FSW_IE;
    return setIndefinite();
  }
  if (c === CLS_QNAN || c === CLS_SNAN) {
    if (c === CLS_SNAN) fx.flags |= FSW_IE;
    return quiet(se, hi, lo);
  }
  const sign = se >>> 15;
  if (c === CLS_ZERO) {
    fx.se = se;
    fx.hi = 0;
    fx.lo = 0;
    return;
  }
  if (c === CLS_INF) {
    if (sign) {
      fx.se = 0xbfff; // -1
      fx.hi = 0x80000000;
      fx.lo = 0;
    } else {
      fx.se = se;
      fx.hi = hi;
      fx.lo = lo;
    }
    return;
  }
  if (isDen(c)) fx.flags |= FSW_DE;
  // Outside [-1, 1] the result is undefined; the host leaves ST0 unchanged and reports PE.
  // At +-1 it reports 1 (C1 set) and -1/2 (C1 clear), inexact.
  const e = se & EXP_MAX;
  if (e >= BIAS) {
    fx.flags |= FSW_PE;
    if (e === BIAS && hi === 0x80000000 && lo === 0) {
      fx.se = sign ? 0xbffe : 0x3fff;
      fx.hi = 0x80000000;
      fx.lo = 0;
      if (!sign) fx.flags |= FSW_C1;
      return;
    }
    fx.se = se;
    fx.hi = hi >>> 0;
    fx.lo = lo >>> 0;
    return;
  }
  bf.fromExtended(A, se, hi, lo);
  bf.mul(B, A, R_LN2); // z = x ln 2
  // expm1(z) = z + z^2/2! + z^3/3! + ...
  bf.copy(SUM, B);
  bf.copy(TERM, B);
  for (let n = 2; n < 400; n++) {
    bf.mul(TERM, TERM, B);
    bf.divSmall(TERM, TERM, n);
    bf.add(SUM, SUM, TERM, false);
    if (negligible(TERM, SUM)) break;
  }
  // For tiny x the result is z = x ln 2 (rounded from 128 bits; the tail is positive).
  roundOut(SUM, cw, DIR_ABOVE);
}

// ---------------------------------------------------------------------------------------------
// FYL2X and FYL2XP1

/** ln(m) for a register m in [sqrt(1/2), sqrt(2)] (or, for lnp1, of 1 + m), into SUM. */
function lnSeries(s: number): void {
  // ln = 2 (s + s^3/3 + s^5/5 + ...), s = (m - 1) / (m + 1)
  bf.mul(X2, s, s);
  bf.copy(SUM, s);
  bf.copy(TERM, s);
  for (let n = 1; n < 200; n++) {
    bf.mul(TERM, TERM, X2);
    bf.divSmall(D, TERM, 2 * n + 1);
    if (bf.isZero(SUM)) break;
    bf.add(SUM, SUM, D, false);
    if (negligible(D, SUM)) break;
  }
  bf.scale2(SUM, SUM, 1);
}

/** FYL2X: ST1 * log2(ST0); y = ST1, x = ST0. */
export function yl2x(cw: number, ySe: number, yHi: number, yLo: number, xSe: number, xHi: number, xLo: number): void {
  const cy = classify(ySe, yHi, yLo),
    cx = classify(xSe, xHi, xLo);
  if (propagate2(ySe, yHi, yLo, cy, xSe, xHi, xLo, cx)) return;
  const sy = ySe >>> 15,
    sx = xSe >>> 15;
  if (sx && cx !== CLS_ZERO) return invalid();
  // x = 0 is decided before the denormal check (a denormal y reports ZE alone).
  if (cx === CLS_ZERO) {
    if (cy === CLS_ZERO) return invalid();
    if (cy !== CLS_INF) fx.flags |= FSW_ZE;
    return setInf(sy ^ 1);
  }
  if (isDen(cy) || isDen(cx)) fx.flags |= FSW_DE;
  if (cx === CLS_INF) {
    if (cy === CLS_ZERO) return invalid();
    return setInf(sy);
  }
  // log2(x) = e + log2(m), m in [sqrt(1/2), sqrt(2)).
  unpack(xSe, xHi, xLo);
  let e = uE;
  // m = 1.frac; if m >= sqrt(2) (0xB504F333F9DE6484...), use m/2 and e + 1.
  const big = uHi > 0xb504f333 || (uHi === 0xb504f333 && uLo >= 0xf9de6484);
  bf.fromWords(A, uHi, uLo, 0, 0, big ? 0 : 1, 0);
  if (big) e += 1;
  bf.add(B, A, R_ONE, true);
  bf.add(C, A, R_ONE, false);
  bf.div(D, B, C);
  lnSeries(D);
  bf.mul(TMP, SUM, R_LOG2E);
  bf.fromInt(A, e);
  bf.add(TMP, TMP, A, false); // log2(x)
  if (cy === CLS_INF) {
    if (bf.isZero(TMP)) return invalid();
    return setInf(sy ^ bf.sign(TMP));
  }
  if (cy === CLS_ZERO) {
    fx.se = (sy ^ bf.sign(TMP)) << 15;
    fx.hi = 0;
    fx.lo = 0;
    return;
  }
  bf.fromExtended(B, ySe, yHi, yLo);
  bf.mul(TMP, TMP, B);
  if (bf.isZero(TMP)) {
    // x == 1: an exact zero with the sign of y.
    fx.se = sy << 15;
    fx.hi = 0;
    fx.lo = 0;
    return;
  }
  roundOut(TMP, cw, DIR_EXACT);
}

/** FYL2XP1: ST1 * log2(ST0 + 1) for |ST0| < 1 - sqrt(2)/2. */
export function yl2xp1(cw: number, ySe: number, yHi: number, yLo: number, xSe: number, xHi: number, xLo: number): void {
  const cy = classify(ySe, yHi, yLo),
    cx = classify(xSe, xHi, xLo);
  if (propagate2(ySe, yHi, yLo, cy, xSe, xHi, xLo, cx)) return;
  const sy = ySe >>> 15,
    sx = xSe >>> 15;
  // x = -inf is invalid before any denormal check.
  if (cx === CLS_INF && sx) return invalid();
  if (isDen(cy) || isDen(cx)) fx.flags |= FSW_DE;
  if (cx === CLS_ZERO) {
    if (cy === CLS_INF) return invalid();
    fx.se = (sy ^ sx) << 15;
    fx.hi = 0;
    fx.lo = 0;
    return;
  }
  if (cx === CLS_INF) {
    if (sx) return invalid();
    if (cy === CLS_ZERO) return invalid();
    return setInf(sy);
  }
  if (cy === CLS_ZERO) {
    fx.se = (sy ^ sx) << 15;
    fx.hi = 0;
    fx.lo = 0;
    return;
  }
  if (cy === CLS_INF) return setInf(sy ^ sx);
  // x <= -1 is outside the domain: the host returns x itself, inexact.
  if (sx && (xSe & EXP_MAX) >= BIAS) {
    fx.flags |= FSW_PE;
    fx.se = xSe;
    fx.hi = xHi >>> 0;
    fx.lo = xLo >>> 0;
    return;
  }
  bf.fromExtended(A, xSe, xHi, xLo);
  let e = 0;
  if (bf.exponent(A) >= -60) {
    // 1 + x is exact in 128 bits: log2(1 + x) = e + log2(m) as in FYL2X, which is exact
    // when 1 + x is a power of two.
    bf.add(C, R_ONE, A, false);
    e = bf.exponent(C) - 1; // C = 0.1xxx * 2^E: m = C / 2^e in [1, 2)
    bf.scale2(C, C, -e);
    if (bf.cmpMag(C, R_SQRT2) >= 0) {
      bf.scale2(C, C, -1);
      e += 1;
    }
    bf.add(B, C, R_ONE, true);
    bf.add(C, C, R_ONE, false);
    bf.div(D, B, C);
  } else {
    // ln(1 + x) = 2 atanh(x / (2 + x)) keeps the relative precision of a tiny x.
    bf.scale2(B, R_ONE, 1);
    bf.add(B, B, A, false);
    bf.div(D, A, B);
  }
  lnSeries(D);
  bf.mul(TMP, SUM, R_LOG2E);
  bf.fromInt(A, e);
  bf.add(TMP, TMP, A, false);
  bf.fromExtended(B, ySe, yHi, yLo);
  bf.mul(TMP, TMP, B);
  roundOut(TMP, cw, DIR_EXACT);
}

function invalid(): void {
  fx.flags |= FSW_IE;
  setIndefinite();
}

function setInf(sign: number): void {
  fx.se = (sign << 15) | EXP_MAX;
  fx.hi = 0x80000000;
  fx.lo = 0;
}
