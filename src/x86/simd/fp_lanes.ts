// One lane of an SSE floating-point instruction: operand classification, NaN propagation and
// exception detection around the exact arithmetic of fp_kernel.ts. Lanes take and return raw
// bits; a binary64 lane returns its result in r64.
//
// NaN results (SDM Vol. 1 §4.8.3.5 Table 4-7, §11.5.2.2): if the first source is a NaN it is the
// result (quieted), else the second source's NaN (quieted); an invalid operation on non-NaN
// operands gives the default NaN (the negative QNaN "real indefinite").

import {
  arith,
  C_DENORM,
  C_QNAN,
  C_SNAN,
  C_ZERO,
  class32,
  class64,
  cv,
  DEFAULT_NAN32,
  DEFAULT_NAN64_HI,
  env,
  f32Bits,
  f32FromBits,
  f64FromBits,
  f64ToR64,
  FMT32,
  FMT64,
  OP_DIV,
  OP_MUL,
  OP_SQRT,
  OP_SUB,
  r64,
} from './fp_kernel.ts';
import { MXCSR_DE, MXCSR_IE, MXCSR_PE, RC_NEAREST } from './mxcsr.ts';

// ---- fast path ----------------------------------------------------------------------------------------
// Round-to-nearest with operands in [2^-400, 2^401) (every binary32 normal) and a normal result:
// no exception but PE is possible, and one double operation gives the answer. For binary32,
// rounding the double result again is exact for + - * / sqrt (53 >= 2·24 + 2), and exactness is
// checked with products that are exact in double. For binary64, TwoSum / TwoProduct give the
// exact error. Anything else (directed rounding, specials, tiny or huge values) takes the
// general path.

let fastHit = false;
const MIN_NORMAL32 = 1.1754943508222875e-38;
const MAX32 = 3.4028234663852886e38;

function fast32(op: number, a: number, b: number): number {
  fastHit = false;
  const eb = (b >>> 23) & 0xff;
  if (eb === 0 || eb === 0xff) return 0;
  const vb = f32FromBits(b);
  let res: number;
  let inexact: boolean;
  if (op === OP_SQRT) {
    if (vb < 0) return 0;
    res = Math.fround(Math.sqrt(vb));
    inexact = res * res !== vb;
  } else {
    const ea = (a >>> 23) & 0xff;
    if (ea === 0 || ea === 0xff) return 0;
    const va = f32FromBits(a);
    if (op === OP_DIV) {
      res = Math.fround(va / vb);
      inexact = res * vb !== va;
    } else if (op === OP_MUL) {
      const t = va * vb;
      res = Math.fround(t);
      inexact = res !== t;
    } else {
      const y = op === OP_SUB ? -vb : vb;
      const t = va + y;
      const bb = t - va;
      if (va - (t - bb) + (y - bb) !== 0) return 0; // the sum itself was rounded: general path
      res = Math.fround(t);
      inexact = res !== t;
    }
  }
  const m = res < 0 ? -res : res;
  if (!(m >= MIN_NORMAL32 && m <= MAX32)) return 0;
  if (inexact) env.post |= MXCSR_PE;
  fastHit = true;
  return f32Bits(res);
}

const LOW = 3.872591914849318e-121; // 2^-400
const HIGH = 5.164499756173817e120; // 2^400

function productErr(a: number, b: number, p: number): number {
  const ca = 134217729 * a;
  const ah = ca - (ca - a);
  const al = a - ah;
  const cb = 134217729 * b;
  const bh = cb - (cb - b);
  const bl = b - bh;
  return ah * bh - p + ah * bl + al * bh + al * bl;
}

function inRange(x: number): boolean {
  const m = x < 0 ? -x : x;
  return m >= LOW && m < HIGH;
}

/** Fast binary64 lane into r64; fastHit tells whether it applied. */
function fast64(op: number, alo: number, ahi: number, blo: number, bhi: number): void {
  fastHit = false;
  const vb = f64FromBits(blo, bhi);
  if (!inRange(vb)) return;
  let res: number;
  let inexact: boolean;
  if (op === OP_SQRT) {
    if (vb < 0) return;
    res = Math.sqrt(vb);
    const p = res * res;
    inexact = vb - p - productErr(res, res, p) !== 0;
  } else {
    const va = f64FromBits(alo, ahi);
    if (!inRange(va)) return;
    if (op === OP_DIV) {
      res = va / vb;
      const p = res * vb;
      inexact = va - p - productErr(res, vb, p) !== 0;
    } else if (op === OP_MUL) {
      res = va * vb;
      inexact = productErr(va, vb, res) !== 0;
    } else {
      const y = op === OP_SUB ? -vb : vb;
      res = va + y;
      if (!inRange(res)) return; // cancellation to a tiny or zero result: general path
      const bb = res - va;
      inexact = va - (res - bb) + (y - bb) !== 0;
    }
  }
  if (inexact) env.post |= MXCSR_PE;
  fastHit = true;
  f64ToR64(res);
}


/** Binary32 a op b (OP_SQRT: sqrt b). */
export function arith32(op: number, a: number, b: number): number {
  if (env.rc === RC_NEAREST) {
    const r = fast32(op, a, b);
    if (fastHit) return r;
  }
  const ca = op === OP_SQRT ? C_ZERO : class32(a);
  const va = cv;
  const cb = class32(b);
  const vb = cv;
  if (ca >= C_QNAN || cb >= C_QNAN) {
    if (ca === C_SNAN || cb === C_SNAN) env.pre |= MXCSR_IE;
    return ca >= C_QNAN ? a | 0x400000 : b | 0x400000;
  }
  const r = arith(op, va, vb, FMT32);
  if (r !== r) return DEFAULT_NAN32;
  if ((ca === C_DENORM || cb === C_DENORM) && !(op === OP_DIV && vb === 0)) env.pre |= MXCSR_DE;
  return f32Bits(r);
}

/** Binary64 a op b into r64 (OP_SQRT: sqrt b). */
export function arith64(op: number, alo: number, ahi: number, blo: number, bhi: number): void {
  if (env.rc === RC_NEAREST) {
    fast64(op, alo, ahi, blo, bhi);
    if (fastHit) return;
  }
  const ca = op === OP_SQRT ? C_ZERO : class64(alo, ahi);
  const va = cv;
  const cb = class64(blo, bhi);
  const vb = cv;
  if (ca >= C_QNAN || cb >= C_QNAN) {
    if (ca === C_SNAN || cb === C_SNAN) env.pre |= MXCSR_IE;
    if (ca >= C_QNAN) {
      r64[0] = alo;
      r64[1] = ahi | 0x80000;
    } else {
      r64[0] = blo;
      r64[1] = bhi | 0x80000;
    }
    return;
  }
  const r = arith(op, va, vb, FMT64);
  if (r !== r) {
    r64[0] = 0;
    r64[1] = DEFAULT_NAN64_HI;
    return;
  }
  if ((ca === C_DENORM || cb === C_DENORM) && !(op === OP_DIV && vb === 0)) env.pre |= MXCSR_DE;
  f64ToR64(r);
}

/**
 * MINSS/MAXSS lane (SDM Vol. 2 MAXPS): a NaN in either operand (even a QNaN) signals IE and the
 * second operand is returned unchanged; so is it when both are zeros of any sign.
 */
export function minMax32(isMax: boolean, a: number, b: number): number {
  const ca = class32(a);
  const va = cv;
  const cb = class32(b);
  const vb = cv;
  if (ca >= C_QNAN || cb >= C_QNAN) {
    env.pre |= MXCSR_IE;
    return cb >= C_QNAN ? b : f32Bits(vb); // a DAZ-flushed denormal comes back as zero
  }
  if (ca === C_DENORM || cb === C_DENORM) env.pre |= MXCSR_DE;
  return f32Bits((isMax ? va > vb : va < vb) ? va : vb);
}

export function minMax64(isMax: boolean, alo: number, ahi: number, blo: number, bhi: number): void {
  const ca = class64(alo, ahi);
  const va = cv;
  const cb = class64(blo, bhi);
  const vb = cv;
  if (ca >= C_QNAN || cb >= C_QNAN) {
    env.pre |= MXCSR_IE;
    if (cb >= C_QNAN) {
      r64[0] = blo;
      r64[1] = bhi;
    } else {
      f64ToR64(vb);
    }
    return;
  }
  if (ca === C_DENORM || cb === C_DENORM) env.pre |= MXCSR_DE;
  f64ToR64((isMax ? va > vb : va < vb) ? va : vb);
}

/** Predicates whose QNaN operands signal IE (the "signaling" LT/LE/NLT/NLE of CMPPS imm8 1, 2, 5, 6). */
const SIGNALING_PREDICATES = 0b01100110;

function compareResult(pred: number, unordered: boolean, va: number, vb: number): boolean {
  switch (pred & 7) {
    case 0:
      return !unordered && va === vb; // EQ
    case 1:
      return !unordered && va < vb; // LT
    case 2:
      return !unordered && va <= vb; // LE
    case 3:
      return unordered; // UNORD
    case 4:
      return unordered || va !== vb; // NEQ
    case 5:
      return unordered || !(va < vb); // NLT
    case 6:
      return unordered || !(va <= vb); // NLE
    default:
      return !unordered; // ORD
  }
}

/** CMPccSS lane (imm8 bits 2:0): all-ones when the predicate holds, else zero. */
export function cmp32(pred: number, a: number, b: number): number {
  const ca = class32(a);
  const va = cv;
  const cb = class32(b);
  const vb = cv;
  const unordered = ca >= C_QNAN || cb >= C_QNAN;
  if (ca === C_SNAN || cb === C_SNAN || (unordered && ((SIGNALING_PREDICATES >> (pred & 7)) & 1) !== 0)) env.pre |= MXCSR_IE;
  if (!unordered && (ca === C_DENORM || cb === C_DENORM)) env.pre |= MXCSR_DE;
  return compareResult(pred, unordered, va, vb) ? -1 : 0;
}

export function cmp64(pred: number, alo: number, ahi: number, blo: number, bhi: number): number {
  const ca = class64(alo, ahi);
  const va = cv;
  const cb = class64(blo, bhi);
  const vb = cv;
  const unordered = ca >= C_QNAN || cb >= C_QNAN;
  if (ca === C_SNAN || cb === C_SNAN || (unordered && ((SIGNALING_PREDICATES >> (pred & 7)) & 1) !== 0)) env.pre |= MXCSR_IE;
  if (!unordered && (ca === C_DENORM || cb === C_DENORM)) env.pre |= MXCSR_DE;
  return compareResult(pred, unordered, va, vb) ? -1 : 0;
}

/** EFLAGS bits written by COMISS/UCOMISS (SDM Vol. 2 COMISS): ZF PF CF; OF SF AF are cleared. */
export const FLAG_CF = 0x001;
export const FLAG_PF = 0x004;
export const FLAG_ZF = 0x040;

/** (U)COMISS: returns ZF|PF|CF for unordered, ZF equal, CF less, 0 greater. */
export function comi32(signalQnan: boolean, a: number, b: number): number {
  const ca = class32(a);
  const va = cv;
  const cb = class32(b);
  const vb = cv;
  const unordered = ca >= C_QNAN || cb >= C_QNAN;
  if (ca === C_SNAN || cb === C_SNAN || (unordered && signalQnan)) env.pre |= MXCSR_IE;
  if (!unordered && (ca === C_DENORM || cb === C_DENORM)) env.pre |= MXCSR_DE;
  if (unordered) return FLAG_ZF | FLAG_PF | FLAG_CF;
  return va === vb ? FLAG_ZF : va < vb ? FLAG_CF : 0;
}

export function comi64(signalQnan: boolean, alo: number, ahi: number, blo: number, bhi: number): number {
  const ca = class64(alo, ahi);
  const va = cv;
  const cb = class64(blo, bhi);
  const vb = cv;
  const unordered = ca >= C_QNAN || cb >= C_QNAN;
  if (ca === C_SNAN || cb === C_SNAN || (unordered && signalQnan)) env.pre |= MXCSR_IE;
  if (!unordered && (ca === C_DENORM || cb === C_DENORM)) env.pre |= MXCSR_DE;
  if (unordered) return FLAG_ZF | FLAG_PF | FLAG_CF;
  return va === vb ? FLAG_ZF : va < vb ? FLAG_CF : 0;
}
