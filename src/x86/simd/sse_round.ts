// SSE4.1 ROUNDPS/PD/SS/SD and the SSE approximations RCPPS/RCPSS/RSQRTPS/RSQRTSS.
//
// RCP and RSQRT: Intel only specifies |relative error| <= 1.5·2^-12 and each CPU generation
// returns values from its own table, so no portable bit-exact answer exists. xentab returns the
// binary32 nearest 1/x (exact: RN of the double quotient cannot double-round wrongly) and
// binary32 nearest to the double 1/sqrt(x) (sqrt and divide each correctly rounded in double,
// then rounded to binary32: error < 0.5 ulp + 2^-29 relative), which is well inside Intel's
// bound and identical on every JS engine. Special values follow the host: denormal inputs read
// as zero, reciprocals of |x| >= 2^126 flush to zero, no MXCSR flags, MXCSR ignored.

import { beginFp, C_INF, C_QNAN, C_SNAN, C_ZERO, class32, class64, cv, endFp, env, f32Bits, f32FromBits, f64ToR64, r64, roundIntegral } from './fp_kernel.ts';
import { MXCSR_IE, MXCSR_PE } from './mxcsr.ts';
import type { SimdRegs } from './simd_regs.ts';
import { SIMD_XM } from './sse_arith.ts';

const out = new Int32Array(4);

function commit(regs: SimdRegs, d: number, words: number): number {
  if (endFp(regs)) return SIMD_XM;
  const i32 = regs.i32;
  const di = d >>> 2;
  for (let i = 0; i < words; i++) i32[di + i] = out[i]!;
  return 0;
}

/** imm8[2] selects MXCSR.RC, else imm8[1:0]; imm8[3] suppresses PE (SDM Vol. 2 ROUNDPS Table 4-18). */
function roundLane32(b: number, imm: number): number {
  const c = class32(b);
  if (c >= C_QNAN) {
    if (c === C_SNAN) env.pre |= MXCSR_IE;
    return b | 0x400000;
  }
  if (c === C_ZERO || c === C_INF) return f32Bits(cv);
  const r = roundIntegral(cv, (imm & 4) !== 0 ? env.rc : imm & 3);
  if (r !== cv && (imm & 8) === 0) env.post |= MXCSR_PE;
  return f32Bits(r);
}

function roundLane64(lo: number, hi: number, imm: number): void {
  const c = class64(lo, hi);
  if (c >= C_QNAN) {
    if (c === C_SNAN) env.pre |= MXCSR_IE;
    r64[0] = lo;
    r64[1] = hi | 0x80000;
    return;
  }
  const v = cv;
  const r = c === C_ZERO || c === C_INF ? v : roundIntegral(v, (imm & 4) !== 0 ? env.rc : imm & 3);
  if (r !== v && (imm & 8) === 0) env.post |= MXCSR_PE;
  f64ToR64(r);
}

export function roundps(regs: SimdRegs, d: number, s: number, imm: number): number {
  beginFp(regs.i32[regs.mx]!);
  const si = s >>> 2;
  for (let i = 0; i < 4; i++) out[i] = roundLane32(regs.i32[si + i]!, imm);
  return commit(regs, d, 4);
}

export function roundss(regs: SimdRegs, d: number, s: number, imm: number): number {
  beginFp(regs.i32[regs.mx]!);
  out[0] = roundLane32(regs.i32[s >>> 2]!, imm);
  return commit(regs, d, 1);
}

export function roundpd(regs: SimdRegs, d: number, s: number, imm: number): number {
  beginFp(regs.i32[regs.mx]!);
  const si = s >>> 2;
  for (let i = 0; i < 4; i += 2) {
    roundLane64(regs.i32[si + i]!, regs.i32[si + i + 1]!, imm);
    out[i] = r64[0]!;
    out[i + 1] = r64[1]!;
  }
  return commit(regs, d, 4);
}

export function roundsd(regs: SimdRegs, d: number, s: number, imm: number): number {
  beginFp(regs.i32[regs.mx]!);
  const si = s >>> 2;
  roundLane64(regs.i32[si]!, regs.i32[si + 1]!, imm);
  out[0] = r64[0]!;
  out[1] = r64[1]!;
  return commit(regs, d, 2);
}

/** Reciprocal (rsqrt = false) or reciprocal square root of binary32 bits; no flags. */
export function approxLane(b: number, rsqrt: boolean): number {
  const e = (b >>> 23) & 0xff;
  const f = b & 0x7fffff;
  const neg = b < 0;
  if (e === 0xff && f !== 0) return b | 0x400000; // NaN: quieted
  if (e === 0) return neg ? 0xff800000 | 0 : 0x7f800000; // ±0 and denormals: ±Inf
  if (rsqrt && neg) return 0xffc00000 | 0; // negative: default NaN
  if (e === 0xff) return neg ? 0x80000000 | 0 : 0; // ±Inf: ±0
  // |x| >= 2^126: the reciprocal is at or below the smallest normal and flushes to zero
  // (the host's approximation of 1/2^126 falls just below 2^-126).
  if (!rsqrt && e >= 253) return neg ? 0x80000000 | 0 : 0;
  const x = f32FromBits(b);
  return f32Bits(Math.fround(rsqrt ? 1 / Math.sqrt(x) : 1 / x));
}

function approx(regs: SimdRegs, d: number, s: number, rsqrt: boolean, lanes: number): number {
  const i32 = regs.i32;
  const si = s >>> 2;
  for (let i = 0; i < lanes; i++) out[i] = approxLane(i32[si + i]!, rsqrt);
  const di = d >>> 2;
  for (let i = 0; i < lanes; i++) i32[di + i] = out[i]!;
  return 0;
}

export const rcpps = (r: SimdRegs, d: number, s: number): number => approx(r, d, s, false, 4);
export const rcpss = (r: SimdRegs, d: number, s: number): number => approx(r, d, s, false, 1);
export const rsqrtps = (r: SimdRegs, d: number, s: number): number => approx(r, d, s, true, 4);
export const rsqrtss = (r: SimdRegs, d: number, s: number): number => approx(r, d, s, true, 1);
