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
  f64ToR64,
  FMT32,
  FMT64,
  OP_DIV,
  OP_SQRT,
  r64,
} from './fp_kernel.ts';
import { MXCSR_DE, MXCSR_IE } from './mxcsr.ts';

/** Binary32 a op b (OP_SQRT: sqrt b). */
export function arith32(op: number, a: number, b: number): number {
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
