// Exact IEEE-754 binary32/binary64 arithmetic under every MXCSR rounding mode, with DAZ, FTZ and
// the six exception flags, computed only with operations JavaScript specifies bit-exactly
// (double + - * / sqrt in round-to-nearest, comparisons, typed-array bit casts).
//
// Method: every operation first produces its exact result x in the form
//     |x| = (m + ε) · 2^k,   m ∈ [1, 2) a double,  |ε| < ulp(m)/2,  sign(ε) known,
// where m = RN(|x| / 2^k). TwoSum gives ε exactly for addition, Dekker's TwoProduct (Veltkamp
// splitting) the residual a - q·b for division and m - s² for square root. `roundPack` then
// rounds to the destination grid (24 or 53 bits, subnormal grid below the smallest normal) in
// any direction. Because every destination grid point and midpoint is itself a double, m and
// x lie on the same side of each of them, and only sign(ε) is needed when m sits exactly on
// one. Tininess is detected after rounding (as x86 does, SDM Vol. 1 §4.9.1.5).
//
// NaN bits never pass through a JS number (engines may canonicalise them): NaN operands are
// classified and propagated as integer bit patterns (SDM Vol. 1 §4.8.3.5, Table 4-7).

import { MXCSR_IE, MXCSR_OE, MXCSR_PE, MXCSR_UE, MXCSR_ZE, RC_DOWN, RC_NEAREST, RC_ZERO } from './mxcsr.ts';
import type { SimdRegs } from './simd_regs.ts';

/** The MXCSR controls of the instruction being executed and the exceptions it has detected. */
export const env = {
  rc: RC_NEAREST,
  daz: false,
  ftz: false,
  /** Exception mask bits (MXCSR bits 7..12 shifted down): 1 = masked. */
  masks: 0x3f,
  /** Pre-computation exceptions detected so far (IE, DE, ZE). */
  pre: 0,
  /** Post-computation exceptions detected so far (OE, UE, PE). */
  post: 0,
};

export function beginFp(mxcsr: number): void {
  env.rc = (mxcsr >>> 13) & 3;
  env.daz = (mxcsr & 0x40) !== 0;
  env.ftz = (mxcsr & 0x8000) !== 0;
  env.masks = (mxcsr >>> 7) & 0x3f;
  env.pre = 0;
  env.post = 0;
  acc = 0;
}

let acc = 0; // flags of the finished stages of a multi-stage instruction (DPPS, DPPD)

/**
 * Close one computation stage (SDM Vol. 1 §11.5.2.1): an unmasked pre-computation exception
 * stops the stage before any post-computation flag is set. Returns true when an unmasked
 * exception occurred, i.e. #XM must be raised and the destination left unchanged.
 */
export function stageEnd(): boolean {
  const unmasked = ~env.masks & 0x3f;
  let xm: boolean;
  if ((env.pre & unmasked) !== 0) {
    acc |= env.pre;
    xm = true;
  } else {
    acc |= env.pre | env.post;
    xm = ((env.pre | env.post) & unmasked) !== 0;
  }
  env.pre = 0;
  env.post = 0;
  return xm;
}

/** OR the flags of all closed stages into MXCSR. */
export function flushFlags(regs: SimdRegs): void {
  regs.i32[regs.mx] = regs.i32[regs.mx]! | acc;
  acc = 0;
}

/** Close the last stage and update MXCSR; true means raise #XM (destination unchanged). */
export function endFp(regs: SimdRegs): boolean {
  const xm = stageEnd();
  flushFlags(regs);
  return xm;
}

// ---- bit casts (scratch, no allocation) -------------------------------------------------------

const f64 = new Float64Array(1);
const w64 = new Int32Array(f64.buffer); // [0] = low word, [1] = high word (little-endian)
const f32 = new Float32Array(1);
const w32 = new Int32Array(f32.buffer);

/** Result of a binary64 lane: [0] = low word, [1] = high word. */
export const r64 = new Int32Array(2);

export function f64FromBits(lo: number, hi: number): number {
  w64[0] = lo;
  w64[1] = hi;
  return f64[0]!;
}

/** Store a non-NaN double's bits into r64. */
export function f64ToR64(x: number): void {
  f64[0] = x;
  r64[0] = w64[0]!;
  r64[1] = w64[1]!;
}

export function f32FromBits(b: number): number {
  w32[0] = b;
  return f32[0]!;
}

/** Bits of a non-NaN double that is exactly representable as binary32. */
export function f32Bits(x: number): number {
  f32[0] = x;
  return w32[0]!;
}

/** 2^j for -1074 <= j <= 1023, built from bits. */
export function pow2(j: number): number {
  if (j >= -1022) {
    w64[0] = 0;
    w64[1] = (j + 1023) << 20;
  } else {
    const s = j + 1074;
    if (s >= 32) {
      w64[0] = 0;
      w64[1] = 1 << (s - 32);
    } else {
      w64[0] = 1 << s;
      w64[1] = 0;
    }
  }
  return f64[0]!;
}

let dm = 1;
let de = 0;

/** Split a positive finite non-zero double into dm ∈ [1, 2) and de with x = dm · 2^de, exactly. */
function decompose(x: number): void {
  f64[0] = x;
  let e = (w64[1]! >>> 20) & 0x7ff;
  let adj = 0;
  if (e === 0) {
    f64[0] = x * 18446744073709551616; // 2^64 lifts a subnormal into the normal range
    e = (w64[1]! >>> 20) & 0x7ff;
    adj = 64;
  }
  w64[1] = (w64[1]! & 0x000fffff) | (1023 << 20);
  dm = f64[0]!;
  de = e - 1023 - adj;
}

/** a·b - RN(a·b), exactly (Dekker's TwoProduct with Veltkamp splitting; operands near [1, 4)). */
function productError(a: number, b: number, p: number): number {
  const ca = 134217729 * a;
  const ah = ca - (ca - a);
  const al = a - ah;
  const cb = 134217729 * b;
  const bh = cb - (cb - b);
  const bl = b - bh;
  return ah * bh - p + ah * bl + al * bh + al * bl;
}

// ---- rounding ----------------------------------------------------------------------------------

/** Destination formats: precision p, smallest and largest normal exponents. */
export const FMT32 = 0;
export const FMT64 = 1;
const PREC = [24, 53];
const EMIN = [-126, -1022];
const EMAX = [127, 1023];
const MAXF = [3.4028234663852886e38, 1.7976931348623157e308];

let inexact = false;

/** Round n + ε (ε tiny, sign sgnLo) to an integer: dir 0 nearest-even, 1 away from zero, 2 toward zero. */
function roundInt(n: number, sgnLo: number, dir: number): number {
  const fl = Math.floor(n);
  const fr = n - fl;
  inexact = fr !== 0 || sgnLo !== 0;
  if (dir === 0) {
    if (fr > 0.5 || (fr === 0.5 && (sgnLo > 0 || (sgnLo === 0 && fl % 2 === 1)))) return fl + 1;
    return fl;
  }
  if (dir === 1) return fr > 0 || sgnLo > 0 ? fl + 1 : fl;
  return fr === 0 && sgnLo < 0 ? fl - 1 : fl;
}

/**
 * Round (-1)^neg · (m + ε) · 2^k to the format, setting OE/UE/PE in env.post and applying FTZ.
 * Returns the result as a double (±0, ±Inf or a value exactly representable in the format).
 */
export function roundPack(neg: boolean, m: number, sgnLo: number, k: number, fmt: number): number {
  const p = PREC[fmt]!;
  const emin = EMIN[fmt]!;
  const emax = EMAX[fmt]!;
  const rc = env.rc;
  // Direction on the magnitude: RD rounds a negative value away from zero, RU a positive one.
  const dir = rc === RC_NEAREST ? 0 : rc === RC_ZERO ? 2 : (rc === RC_DOWN) === neg ? 1 : 2;
  const e = m === 1 && sgnLo < 0 ? k - 1 : k; // exponent of the exact value
  // First round to p bits with an unbounded exponent: this decides overflow and tininess.
  const q1 = e - p + 1;
  let n = roundInt(m * pow2(k - q1), sgnLo, dir);
  const inexact1 = inexact;
  // An unmasked overflow or underflow discards the result; PE then reports whether that
  // unbounded-exponent rounding was inexact (as the x87 does for its bias-adjusted result).
  if (e > emax || (e === emax && n === 2 ** p)) {
    if ((env.masks & MXCSR_OE) === 0) {
      env.post |= inexact1 ? MXCSR_OE | MXCSR_PE : MXCSR_OE;
      return 0;
    }
    env.post |= MXCSR_OE | MXCSR_PE;
    const big = dir === 2 ? MAXF[fmt]! : Infinity;
    return neg ? -big : big;
  }
  let q = q1;
  if (e < emin) {
    // Tiny after rounding unless the unbounded rounding carried up to 2^emin.
    const tiny = !(e === emin - 1 && n === 2 ** p);
    if (tiny && (env.masks & MXCSR_UE) === 0) {
      env.post |= inexact1 ? MXCSR_UE | MXCSR_PE : MXCSR_UE;
      return 0;
    }
    q = emin - p + 1; // the subnormal grid
    if (k - q < -2) {
      // Below a quarter of the smallest subnormal: only the direction matters.
      inexact = true;
      n = dir === 1 ? 1 : 0;
    } else {
      n = roundInt(m * pow2(k - q), sgnLo, dir);
    }
    if (tiny) {
      if (env.ftz) {
        env.post |= MXCSR_UE | MXCSR_PE;
        return neg ? -0 : 0;
      }
      if (inexact) env.post |= MXCSR_UE;
    }
  }
  if (inexact) env.post |= MXCSR_PE;
  const r = n * pow2(q);
  return neg ? -r : r;
}

// ---- operand classes ---------------------------------------------------------------------------

export const C_ZERO = 0;
export const C_DENORM = 1;
export const C_NORMAL = 2;
export const C_INF = 3;
export const C_QNAN = 4;
export const C_SNAN = 5;

/** Value of the last classified operand (signed; ±0 for DAZ-flushed denormals). */
export let cv = 0;

/** Class of binary32 bits; sets cv for non-NaN classes. Honours DAZ (denormal → C_ZERO). */
export function class32(b: number): number {
  const e = (b >>> 23) & 0xff;
  const f = b & 0x7fffff;
  if (e === 0xff) {
    if (f === 0) {
      cv = b < 0 ? -Infinity : Infinity;
      return C_INF;
    }
    return (f & 0x400000) !== 0 ? C_QNAN : C_SNAN;
  }
  if (e === 0) {
    if (f === 0 || env.daz) {
      cv = b < 0 ? -0 : 0;
      return C_ZERO;
    }
    cv = f32FromBits(b);
    return C_DENORM;
  }
  cv = f32FromBits(b);
  return C_NORMAL;
}

/** Class of binary64 bits (lo, hi); sets cv for non-NaN classes. Honours DAZ. */
export function class64(lo: number, hi: number): number {
  const e = (hi >>> 20) & 0x7ff;
  const fz = (hi & 0xfffff) === 0 && lo === 0;
  if (e === 0x7ff) {
    if (fz) {
      cv = hi < 0 ? -Infinity : Infinity;
      return C_INF;
    }
    return (hi & 0x80000) !== 0 ? C_QNAN : C_SNAN;
  }
  if (e === 0) {
    if (fz || env.daz) {
      cv = hi < 0 ? -0 : 0;
      return C_ZERO;
    }
    cv = f64FromBits(lo, hi);
    return C_DENORM;
  }
  cv = f64FromBits(lo, hi);
  return C_NORMAL;
}

export const DEFAULT_NAN32 = 0xffc00000 | 0;
export const DEFAULT_NAN64_HI = 0xfff80000 | 0;

// ---- the arithmetic on non-NaN values ------------------------------------------------------------

export const OP_ADD = 0;
export const OP_SUB = 1;
export const OP_MUL = 2;
export const OP_DIV = 3;
export const OP_SQRT = 4;

export function isNegZero(x: number): boolean {
  return x === 0 && 1 / x < 0;
}

function sgn(x: number): number {
  return x > 0 ? 1 : x < 0 ? -1 : 0;
}

/**
 * a op b for non-NaN operands (already DAZ-flushed), rounded to fmt under env. Returns NaN (as an
 * internal marker only) for an invalid operation after setting IE; sets ZE for division by zero.
 * OP_SQRT uses b only.
 */
export function arith(op: number, a: number, b: number, fmt: number): number {
  switch (op) {
    case OP_ADD:
    case OP_SUB: {
      if (op === OP_SUB) b = -b;
      if (a === Infinity || a === -Infinity || b === Infinity || b === -Infinity) {
        if (a === -b) {
          env.pre |= MXCSR_IE;
          return NaN;
        }
        return a === Infinity || a === -Infinity ? a : b;
      }
      if (a === 0 && b === 0) {
        if (isNegZero(a) === isNegZero(b)) return a;
        return env.rc === RC_DOWN ? -0 : 0;
      }
      let k = 0;
      const big = 2.2471164185778949e307; // 2^1021: TwoSum must not overflow
      if (a >= big || a <= -big || b >= big || b <= -big) {
        const a4 = a * 0.25;
        const b4 = b * 0.25;
        // A subnormal addend of a huge one only contributes its sign (it is far below half an ulp).
        a = a4 === 0 && a !== 0 ? (a > 0 ? 5e-324 : -5e-324) : a4;
        b = b4 === 0 && b !== 0 ? (b > 0 ? 5e-324 : -5e-324) : b4;
        k = 2;
      }
      const s = a + b;
      if (s === 0) return env.rc === RC_DOWN ? -0 : 0; // exact cancellation: +0, or -0 when rounding down (IEEE 754 §6.3)
      const bb = s - a;
      const err = a - (s - bb) + (b - bb);
      const neg = s < 0;
      decompose(neg ? -s : s);
      return roundPack(neg, dm, neg ? -sgn(err) : sgn(err), de + k, fmt);
    }
    case OP_MUL: {
      const neg = (a < 0 || isNegZero(a)) !== (b < 0 || isNegZero(b));
      if (a === Infinity || a === -Infinity || b === Infinity || b === -Infinity) {
        if (a === 0 || b === 0) {
          env.pre |= MXCSR_IE;
          return NaN;
        }
        return neg ? -Infinity : Infinity;
      }
      if (a === 0 || b === 0) return neg ? -0 : 0;
      decompose(a < 0 ? -a : a);
      const ma = dm;
      const ea = de;
      decompose(b < 0 ? -b : b);
      const mb = dm;
      const eb = de;
      const pr = ma * mb;
      const err = productError(ma, mb, pr);
      decompose(pr);
      return roundPack(neg, dm, sgn(err), de + ea + eb, fmt);
    }
    case OP_DIV: {
      const neg = (a < 0 || isNegZero(a)) !== (b < 0 || isNegZero(b));
      const ai = a === Infinity || a === -Infinity;
      const bi = b === Infinity || b === -Infinity;
      if ((ai && bi) || (a === 0 && b === 0)) {
        env.pre |= MXCSR_IE;
        return NaN;
      }
      if (ai) return neg ? -Infinity : Infinity;
      if (bi || a === 0) return neg ? -0 : 0;
      if (b === 0) {
        env.pre |= MXCSR_ZE;
        return neg ? -Infinity : Infinity;
      }
      decompose(a < 0 ? -a : a);
      const ma = dm;
      const ea = de;
      decompose(b < 0 ? -b : b);
      const mb = dm;
      const eb = de;
      const qt = ma / mb;
      const pr = qt * mb;
      const r = ma - pr - productError(qt, mb, pr);
      decompose(qt);
      return roundPack(neg, dm, sgn(r), de + ea - eb, fmt);
    }
    default: {
      // OP_SQRT
      if (b === 0) return b;
      if (b < 0) {
        env.pre |= MXCSR_IE;
        return NaN;
      }
      if (b === Infinity) return b;
      decompose(b);
      let m = dm;
      let e = de;
      if ((e & 1) !== 0) {
        m *= 2;
        e -= 1;
      }
      const s = Math.sqrt(m);
      const pr = s * s;
      const r = m - pr - productError(s, s, pr);
      decompose(s);
      return roundPack(false, dm, sgn(r), de + e / 2, fmt);
    }
  }
}

/** v rounded to an integral value (a double) in rounding mode rc; keeps the sign of a zero result. */
export function roundIntegral(v: number, rc: number): number {
  if (!(v > -4503599627370496 && v < 4503599627370496)) return v; // |v| >= 2^52 is integral (or infinite)
  const fl = Math.floor(v);
  const fr = v - fl;
  let r: number;
  if (rc === RC_NEAREST) r = fr > 0.5 || (fr === 0.5 && fl % 2 !== 0) ? fl + 1 : fl;
  else if (rc === RC_DOWN) r = fl;
  else if (rc === RC_ZERO) r = Math.trunc(v);
  else r = fr > 0 ? fl + 1 : fl;
  if (r === 0) return v < 0 || isNegZero(v) ? -0 : 0;
  return r;
}

/** Round an exact value given as hi + lo (TwoSum-normalised or lo = 0) to fmt; used by conversions. */
export function roundValue(hi: number, lo: number, fmt: number): number {
  if (hi === 0) return hi;
  const neg = hi < 0;
  decompose(neg ? -hi : hi);
  return roundPack(neg, dm, neg ? -sgn(lo) : sgn(lo), de, fmt);
}
