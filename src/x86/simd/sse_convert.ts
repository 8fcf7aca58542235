// SSE/SSE2 conversions (SDM Vol. 2 CVT*): between binary32, binary64, int32 and int64, in
// XMM, MMX and general registers, with the MXCSR rounding mode or truncation (CVTT*).
// An invalid float-to-integer conversion (NaN, infinity, out of range) gives the "integer
// indefinite" 0x80000000 / 0x8000000000000000 and IE. Same calling convention as sse_arith.ts;
// GPR operands are passed as (lo, hi) words, GPR results are returned in `gprOut`.

import {
  beginFp,
  C_DENORM,
  C_INF,
  C_QNAN,
  C_SNAN,
  class32,
  class64,
  cv,
  endFp,
  env,
  f32Bits,
  f64ToR64,
  FMT32,
  FMT64,
  r64,
  roundIntegral,
  roundValue,
} from './fp_kernel.ts';
import { MXCSR_DE, MXCSR_IE, MXCSR_PE, RC_ZERO } from './mxcsr.ts';
import type { SimdRegs } from './simd_regs.ts';
import { SIMD_XM } from './sse_arith.ts';

/** Result of a conversion to a general register: [0] = low 32 bits, [1] = high 32 bits. */
export const gprOut = new Int32Array(2);

const out = new Int32Array(4);

function commit(regs: SimdRegs, d: number, words: number): number {
  if (endFp(regs)) return SIMD_XM;
  const i32 = regs.i32;
  const di = d >>> 2;
  for (let i = 0; i < words; i++) i32[di + i] = out[i]!;
  return 0;
}

// ---- lanes -------------------------------------------------------------------------------------

/** binary32 → binary64 into r64 (exact; SNaN quieted with IE; payload moves to the top). */
function f32ToF64(b: number): void {
  const c = class32(b);
  if (c >= C_QNAN) {
    if (c === C_SNAN) env.pre |= MXCSR_IE;
    r64[0] = b << 29;
    r64[1] = (b & 0x80000000) | 0x7ff80000 | ((b & 0x7fffff) >>> 3);
    return;
  }
  if (c === C_DENORM) env.pre |= MXCSR_DE;
  f64ToR64(cv);
}

/** binary64 → binary32, rounded. */
function f64ToF32(lo: number, hi: number): number {
  const c = class64(lo, hi);
  if (c >= C_QNAN) {
    if (c === C_SNAN) env.pre |= MXCSR_IE;
    return (hi & 0x80000000) | 0x7fc00000 | ((hi & 0xfffff) << 3) | (lo >>> 29);
  }
  if (c === C_DENORM) env.pre |= MXCSR_DE;
  return f32Bits(c === C_INF ? cv : roundValue(cv, 0, FMT32));
}

/** A float's value (class c, value v) to int32 (wide = false) or int64 into gprOut. */
function floatToInt(c: number, v: number, truncate: boolean, wide: boolean): void {
  if (c < C_INF) {
    const r = roundIntegral(v, truncate ? RC_ZERO : env.rc);
    if (wide ? r >= -9223372036854775808 && r < 9223372036854775808 : r >= -2147483648 && r <= 2147483647) {
      if (r !== v) env.post |= MXCSR_PE;
      if (wide) {
        const hi = Math.floor(r / 4294967296);
        gprOut[0] = r - hi * 4294967296;
        gprOut[1] = hi;
      } else {
        gprOut[0] = r;
        gprOut[1] = 0;
      }
      return;
    }
  }
  env.pre |= MXCSR_IE;
  if (wide) {
    gprOut[0] = 0;
    gprOut[1] = 0x80000000 | 0;
  } else {
    gprOut[0] = 0x80000000 | 0;
    gprOut[1] = 0;
  }
}

/** Signed integer (lo, hi) — hi ignored unless wide — as an exact hi + lo pair, then rounded. */
function intToFloat(lo: number, hi: number, wide: boolean, fmt: number): number {
  if (!wide) return roundValue(lo | 0, 0, fmt);
  const a = hi * 4294967296;
  const b = lo >>> 0;
  const s = a + b;
  const bb = s - a;
  const err = a - (s - bb) + (b - bb); // TwoSum: s + err is the exact 64-bit value
  return roundValue(s, err, fmt);
}

// ---- XMM ↔ XMM -----------------------------------------------------------------------------------

/** CVTPS2PD: the two low binary32 lanes of s to two binary64. */
export function cvtps2pd(regs: SimdRegs, d: number, s: number): number {
  beginFp(regs.i32[regs.mx]!);
  const i32 = regs.i32;
  const si = s >>> 2;
  const b0 = i32[si]!;
  const b1 = i32[si + 1]!;
  f32ToF64(b0);
  out[0] = r64[0]!;
  out[1] = r64[1]!;
  f32ToF64(b1);
  out[2] = r64[0]!;
  out[3] = r64[1]!;
  return commit(regs, d, 4);
}

/** CVTSS2SD: low lane only; the destination's upper half is kept. */
export function cvtss2sd(regs: SimdRegs, d: number, s: number): number {
  beginFp(regs.i32[regs.mx]!);
  f32ToF64(regs.i32[s >>> 2]!);
  out[0] = r64[0]!;
  out[1] = r64[1]!;
  return commit(regs, d, 2);
}

/** CVTPD2PS: two binary64 to the two low binary32 lanes; the upper 64 bits become zero. */
export function cvtpd2ps(regs: SimdRegs, d: number, s: number): number {
  beginFp(regs.i32[regs.mx]!);
  const i32 = regs.i32;
  const si = s >>> 2;
  out[0] = f64ToF32(i32[si]!, i32[si + 1]!);
  out[1] = f64ToF32(i32[si + 2]!, i32[si + 3]!);
  out[2] = 0;
  out[3] = 0;
  return commit(regs, d, 4);
}

export function cvtsd2ss(regs: SimdRegs, d: number, s: number): number {
  beginFp(regs.i32[regs.mx]!);
  const si = s >>> 2;
  out[0] = f64ToF32(regs.i32[si]!, regs.i32[si + 1]!);
  return commit(regs, d, 1);
}

/** CVTDQ2PS: four int32 to binary32 (rounded per MXCSR). */
export function cvtdq2ps(regs: SimdRegs, d: number, s: number): number {
  beginFp(regs.i32[regs.mx]!);
  const si = s >>> 2;
  for (let i = 0; i < 4; i++) out[i] = f32Bits(intToFloat(regs.i32[si + i]!, 0, false, FMT32));
  return commit(regs, d, 4);
}

/** CVTDQ2PD: the two low int32 to binary64 (exact). */
export function cvtdq2pd(regs: SimdRegs, d: number, s: number): number {
  const i32 = regs.i32;
  const si = s >>> 2;
  const a = i32[si]!;
  const b = i32[si + 1]!;
  f64ToR64(a);
  out[0] = r64[0]!;
  out[1] = r64[1]!;
  f64ToR64(b);
  out[2] = r64[0]!;
  out[3] = r64[1]!;
  const di = d >>> 2;
  for (let i = 0; i < 4; i++) i32[di + i] = out[i]!;
  return 0;
}

function ps2dq(regs: SimdRegs, d: number, s: number, truncate: boolean, lanes: number): number {
  beginFp(regs.i32[regs.mx]!);
  const si = s >>> 2;
  for (let i = 0; i < lanes; i++) {
    const c = class32(regs.i32[si + i]!);
    floatToInt(c, cv, truncate, false);
    out[i] = gprOut[0]!;
  }
  return commit(regs, d, lanes);
}

/** CVTPS2DQ / CVTTPS2DQ: four binary32 to int32. */
export const cvtps2dq = (r: SimdRegs, d: number, s: number): number => ps2dq(r, d, s, false, 4);
export const cvttps2dq = (r: SimdRegs, d: number, s: number): number => ps2dq(r, d, s, true, 4);

function pd2dq(regs: SimdRegs, d: number, s: number, truncate: boolean, words: number): number {
  beginFp(regs.i32[regs.mx]!);
  const si = s >>> 2;
  for (let i = 0; i < 2; i++) {
    const c = class64(regs.i32[si + 2 * i]!, regs.i32[si + 2 * i + 1]!);
    floatToInt(c, cv, truncate, false);
    out[i] = gprOut[0]!;
  }
  out[2] = 0;
  out[3] = 0;
  return commit(regs, d, words);
}

/** CVTPD2DQ / CVTTPD2DQ: two binary64 to the two low int32 lanes, upper 64 bits zeroed. */
export const cvtpd2dq = (r: SimdRegs, d: number, s: number): number => pd2dq(r, d, s, false, 4);
export const cvttpd2dq = (r: SimdRegs, d: number, s: number): number => pd2dq(r, d, s, true, 4);

// ---- MMX ↔ XMM (d/s name an 8-byte MMX register where the SDM has mm) -------------------------------

/** CVTPI2PS xmm, mm: two int32 to the two low binary32 lanes (upper lanes kept). */
export function cvtpi2ps(regs: SimdRegs, d: number, s: number): number {
  beginFp(regs.i32[regs.mx]!);
  const si = s >>> 2;
  for (let i = 0; i < 2; i++) out[i] = f32Bits(intToFloat(regs.i32[si + i]!, 0, false, FMT32));
  return commit(regs, d, 2);
}

/** CVTPI2PD xmm, mm: two int32 to two binary64 (exact). */
export const cvtpi2pd = cvtdq2pd;

/** CVTPS2PI / CVTTPS2PI mm, xmm: the two low binary32 lanes to two int32. */
export const cvtps2pi = (r: SimdRegs, d: number, s: number): number => ps2dq(r, d, s, false, 2);
export const cvttps2pi = (r: SimdRegs, d: number, s: number): number => ps2dq(r, d, s, true, 2);

/** CVTPD2PI / CVTTPD2PI mm, xmm: two binary64 to two int32. */
export const cvtpd2pi = (r: SimdRegs, d: number, s: number): number => pd2dq(r, d, s, false, 2);
export const cvttpd2pi = (r: SimdRegs, d: number, s: number): number => pd2dq(r, d, s, true, 2);

// ---- GPR ↔ XMM -------------------------------------------------------------------------------------

/** CVTSI2SS xmm, r32/r64: (lo, hi) is the integer, wide = REX.W. */
export function cvtsi2ss(regs: SimdRegs, d: number, lo: number, hi: number, wide: boolean): number {
  beginFp(regs.i32[regs.mx]!);
  out[0] = f32Bits(intToFloat(lo, hi, wide, FMT32));
  return commit(regs, d, 1);
}

/** CVTSI2SD xmm, r32/r64. */
export function cvtsi2sd(regs: SimdRegs, d: number, lo: number, hi: number, wide: boolean): number {
  beginFp(regs.i32[regs.mx]!);
  f64ToR64(intToFloat(lo, hi, wide, FMT64));
  out[0] = r64[0]!;
  out[1] = r64[1]!;
  return commit(regs, d, 2);
}

/** CVTSS2SI / CVTTSS2SI r32/r64, xmm: result in gprOut (a 32-bit result has gprOut[1] = 0). */
export function cvtss2si(regs: SimdRegs, s: number, truncate: boolean, wide: boolean): number {
  beginFp(regs.i32[regs.mx]!);
  const c = class32(regs.i32[s >>> 2]!);
  floatToInt(c, cv, truncate, wide);
  return endFp(regs) ? SIMD_XM : 0;
}

/** CVTSD2SI / CVTTSD2SI r32/r64, xmm. */
export function cvtsd2si(regs: SimdRegs, s: number, truncate: boolean, wide: boolean): number {
  beginFp(regs.i32[regs.mx]!);
  const si = s >>> 2;
  const c = class64(regs.i32[si]!, regs.i32[si + 1]!);
  floatToInt(c, cv, truncate, wide);
  return endFp(regs) ? SIMD_XM : 0;
}
