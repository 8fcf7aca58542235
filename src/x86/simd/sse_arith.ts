// SSE/SSE2/SSE3/SSE4.1 floating-point arithmetic instructions (SDM Vol. 2): packed (PS/PD) and
// scalar (SS/SD) ADD SUB MUL DIV SQRT MIN MAX, ADDSUB, HADD/HSUB, DPPS/DPPD, CMPcc, (U)COMIS.
//
// Calling convention for every instruction here: (regs, d, s[, imm]) with d and s byte offsets of
// the destination/first-source and second-source operands in regs' buffer (a memory operand is
// first copied by the core into a scratch slot). Results are computed into scratch and written
// only when no unmasked exception occurred; the return value is 0, or SIMD_XM when the core must
// raise #XM (MXCSR flags are updated either way, the destination is unchanged).
// Scalar forms leave the upper lanes of the destination unchanged.

import { beginFp, endFp, flushFlags, stageEnd, OP_ADD, OP_DIV, OP_MUL, OP_SQRT, OP_SUB, r64 } from './fp_kernel.ts';
import { arith32, arith64, cmp32, cmp64, comi32, comi64, minMax32, minMax64 } from './fp_lanes.ts';
import type { SimdRegs } from './simd_regs.ts';

export const SIMD_XM = -1;

const out = new Int32Array(4);

function commit(regs: SimdRegs, d: number, words: number): number {
  if (endFp(regs)) return SIMD_XM;
  const i32 = regs.i32;
  const di = d >>> 2;
  for (let i = 0; i < words; i++) i32[di + i] = out[i]!;
  return 0;
}

function fail(regs: SimdRegs): number {
  flushFlags(regs);
  return SIMD_XM;
}

function ps(regs: SimdRegs, d: number, s: number, op: number, lanes: number): number {
  beginFp(regs.i32[regs.mx]!);
  const i32 = regs.i32;
  const di = d >>> 2;
  const si = s >>> 2;
  for (let i = 0; i < lanes; i++) out[i] = arith32(op, i32[di + i]!, i32[si + i]!);
  return commit(regs, d, lanes);
}

function pd(regs: SimdRegs, d: number, s: number, op: number, lanes: number): number {
  beginFp(regs.i32[regs.mx]!);
  const i32 = regs.i32;
  const di = d >>> 2;
  const si = s >>> 2;
  for (let i = 0; i < lanes * 2; i += 2) {
    arith64(op, i32[di + i]!, i32[di + i + 1]!, i32[si + i]!, i32[si + i + 1]!);
    out[i] = r64[0]!;
    out[i + 1] = r64[1]!;
  }
  return commit(regs, d, lanes * 2);
}

export const addps = (r: SimdRegs, d: number, s: number): number => ps(r, d, s, OP_ADD, 4);
export const addss = (r: SimdRegs, d: number, s: number): number => ps(r, d, s, OP_ADD, 1);
export const addpd = (r: SimdRegs, d: number, s: number): number => pd(r, d, s, OP_ADD, 2);
export const addsd = (r: SimdRegs, d: number, s: number): number => pd(r, d, s, OP_ADD, 1);
export const subps = (r: SimdRegs, d: number, s: number): number => ps(r, d, s, OP_SUB, 4);
export const subss = (r: SimdRegs, d: number, s: number): number => ps(r, d, s, OP_SUB, 1);
export const subpd = (r: SimdRegs, d: number, s: number): number => pd(r, d, s, OP_SUB, 2);
export const subsd = (r: SimdRegs, d: number, s: number): number => pd(r, d, s, OP_SUB, 1);
export const mulps = (r: SimdRegs, d: number, s: number): number => ps(r, d, s, OP_MUL, 4);
export const mulss = (r: SimdRegs, d: number, s: number): number => ps(r, d, s, OP_MUL, 1);
export const mulpd = (r: SimdRegs, d: number, s: number): number => pd(r, d, s, OP_MUL, 2);
export const mulsd = (r: SimdRegs, d: number, s: number): number => pd(r, d, s, OP_MUL, 1);
export const divps = (r: SimdRegs, d: number, s: number): number => ps(r, d, s, OP_DIV, 4);
export const divss = (r: SimdRegs, d: number, s: number): number => ps(r, d, s, OP_DIV, 1);
export const divpd = (r: SimdRegs, d: number, s: number): number => pd(r, d, s, OP_DIV, 2);
export const divsd = (r: SimdRegs, d: number, s: number): number => pd(r, d, s, OP_DIV, 1);
export const sqrtps = (r: SimdRegs, d: number, s: number): number => ps(r, d, s, OP_SQRT, 4);
export const sqrtss = (r: SimdRegs, d: number, s: number): number => ps(r, d, s, OP_SQRT, 1);
export const sqrtpd = (r: SimdRegs, d: number, s: number): number => pd(r, d, s, OP_SQRT, 2);
export const sqrtsd = (r: SimdRegs, d: number, s: number): number => pd(r, d, s, OP_SQRT, 1);

function minMaxPs(regs: SimdRegs, d: number, s: number, isMax: boolean, lanes: number): number {
  beginFp(regs.i32[regs.mx]!);
  const i32 = regs.i32;
  const di = d >>> 2;
  const si = s >>> 2;
  for (let i = 0; i < lanes; i++) out[i] = minMax32(isMax, i32[di + i]!, i32[si + i]!);
  return commit(regs, d, lanes);
}

function minMaxPd(regs: SimdRegs, d: number, s: number, isMax: boolean, lanes: number): number {
  beginFp(regs.i32[regs.mx]!);
  const i32 = regs.i32;
  const di = d >>> 2;
  const si = s >>> 2;
  for (let i = 0; i < lanes * 2; i += 2) {
    minMax64(isMax, i32[di + i]!, i32[di + i + 1]!, i32[si + i]!, i32[si + i + 1]!);
    out[i] = r64[0]!;
    out[i + 1] = r64[1]!;
  }
  return commit(regs, d, lanes * 2);
}

export const minps = (r: SimdRegs, d: number, s: number): number => minMaxPs(r, d, s, false, 4);
export const minss = (r: SimdRegs, d: number, s: number): number => minMaxPs(r, d, s, false, 1);
export const maxps = (r: SimdRegs, d: number, s: number): number => minMaxPs(r, d, s, true, 4);
export const maxss = (r: SimdRegs, d: number, s: number): number => minMaxPs(r, d, s, true, 1);
export const minpd = (r: SimdRegs, d: number, s: number): number => minMaxPd(r, d, s, false, 2);
export const minsd = (r: SimdRegs, d: number, s: number): number => minMaxPd(r, d, s, false, 1);
export const maxpd = (r: SimdRegs, d: number, s: number): number => minMaxPd(r, d, s, true, 2);
export const maxsd = (r: SimdRegs, d: number, s: number): number => minMaxPd(r, d, s, true, 1);

/** ADDSUBPS (SSE3): even lanes subtract, odd lanes add. */
export function addsubps(regs: SimdRegs, d: number, s: number): number {
  beginFp(regs.i32[regs.mx]!);
  const i32 = regs.i32;
  const di = d >>> 2;
  const si = s >>> 2;
  for (let i = 0; i < 4; i++) out[i] = arith32((i & 1) === 0 ? OP_SUB : OP_ADD, i32[di + i]!, i32[si + i]!);
  return commit(regs, d, 4);
}

export function addsubpd(regs: SimdRegs, d: number, s: number): number {
  beginFp(regs.i32[regs.mx]!);
  const i32 = regs.i32;
  const di = d >>> 2;
  const si = s >>> 2;
  arith64(OP_SUB, i32[di]!, i32[di + 1]!, i32[si]!, i32[si + 1]!);
  out[0] = r64[0]!;
  out[1] = r64[1]!;
  arith64(OP_ADD, i32[di + 2]!, i32[di + 3]!, i32[si + 2]!, i32[si + 3]!);
  out[2] = r64[0]!;
  out[3] = r64[1]!;
  return commit(regs, d, 4);
}

/** HADDPS/HSUBPS (SSE3): [d0∘d1, d2∘d3, s0∘s1, s2∘s3]. */
function hps(regs: SimdRegs, d: number, s: number, op: number): number {
  beginFp(regs.i32[regs.mx]!);
  const i32 = regs.i32;
  const di = d >>> 2;
  const si = s >>> 2;
  out[0] = arith32(op, i32[di]!, i32[di + 1]!);
  out[1] = arith32(op, i32[di + 2]!, i32[di + 3]!);
  out[2] = arith32(op, i32[si]!, i32[si + 1]!);
  out[3] = arith32(op, i32[si + 2]!, i32[si + 3]!);
  return commit(regs, d, 4);
}

/** HADDPD/HSUBPD (SSE3): [d0∘d1, s0∘s1]. */
function hpd(regs: SimdRegs, d: number, s: number, op: number): number {
  beginFp(regs.i32[regs.mx]!);
  const i32 = regs.i32;
  const di = d >>> 2;
  const si = s >>> 2;
  arith64(op, i32[di]!, i32[di + 1]!, i32[di + 2]!, i32[di + 3]!);
  out[0] = r64[0]!;
  out[1] = r64[1]!;
  arith64(op, i32[si]!, i32[si + 1]!, i32[si + 2]!, i32[si + 3]!);
  out[2] = r64[0]!;
  out[3] = r64[1]!;
  return commit(regs, d, 4);
}

export const haddps = (r: SimdRegs, d: number, s: number): number => hps(r, d, s, OP_ADD);
export const hsubps = (r: SimdRegs, d: number, s: number): number => hps(r, d, s, OP_SUB);
export const haddpd = (r: SimdRegs, d: number, s: number): number => hpd(r, d, s, OP_ADD);
export const hsubpd = (r: SimdRegs, d: number, s: number): number => hpd(r, d, s, OP_SUB);

/**
 * DPPS (SSE4.1): products of the lanes selected by imm8[7:4] (others +0.0), summed as
 * (p0 + p1) + (p2 + p3) with a rounding at each step, broadcast to the lanes in imm8[3:0].
 */
export function dpps(regs: SimdRegs, d: number, s: number, imm: number): number {
  beginFp(regs.i32[regs.mx]!);
  const i32 = regs.i32;
  const di = d >>> 2;
  const si = s >>> 2;
  const p0 = (imm & 0x10) !== 0 ? arith32(OP_MUL, i32[di]!, i32[si]!) : 0;
  const p1 = (imm & 0x20) !== 0 ? arith32(OP_MUL, i32[di + 1]!, i32[si + 1]!) : 0;
  const p2 = (imm & 0x40) !== 0 ? arith32(OP_MUL, i32[di + 2]!, i32[si + 2]!) : 0;
  const p3 = (imm & 0x80) !== 0 ? arith32(OP_MUL, i32[di + 3]!, i32[si + 3]!) : 0;
  // Three stages, each of which may stop with #XM: products, pair sums, total.
  if (stageEnd()) return fail(regs);
  const s01 = arith32(OP_ADD, p0, p1);
  const s23 = arith32(OP_ADD, p2, p3);
  if (stageEnd()) return fail(regs);
  const sum = arith32(OP_ADD, s01, s23);
  for (let i = 0; i < 4; i++) out[i] = ((imm >> i) & 1) !== 0 ? sum : 0;
  return commit(regs, d, 4);
}

/** DPPD (SSE4.1): p0 + p1 over the lanes selected by imm8[5:4], broadcast to imm8[1:0]. */
export function dppd(regs: SimdRegs, d: number, s: number, imm: number): number {
  beginFp(regs.i32[regs.mx]!);
  const i32 = regs.i32;
  const di = d >>> 2;
  const si = s >>> 2;
  let p0lo = 0;
  let p0hi = 0;
  let p1lo = 0;
  let p1hi = 0;
  if ((imm & 0x10) !== 0) {
    arith64(OP_MUL, i32[di]!, i32[di + 1]!, i32[si]!, i32[si + 1]!);
    p0lo = r64[0]!;
    p0hi = r64[1]!;
  }
  if ((imm & 0x20) !== 0) {
    arith64(OP_MUL, i32[di + 2]!, i32[di + 3]!, i32[si + 2]!, i32[si + 3]!);
    p1lo = r64[0]!;
    p1hi = r64[1]!;
  }
  if (stageEnd()) return fail(regs);
  arith64(OP_ADD, p0lo, p0hi, p1lo, p1hi);
  for (let i = 0; i < 2; i++) {
    const on = ((imm >> i) & 1) !== 0;
    out[2 * i] = on ? r64[0]! : 0;
    out[2 * i + 1] = on ? r64[1]! : 0;
  }
  return commit(regs, d, 4);
}

/** CMPPS/CMPSS with predicate imm8[2:0]. */
function cmpPs(regs: SimdRegs, d: number, s: number, imm: number, lanes: number): number {
  beginFp(regs.i32[regs.mx]!);
  const i32 = regs.i32;
  const di = d >>> 2;
  const si = s >>> 2;
  for (let i = 0; i < lanes; i++) out[i] = cmp32(imm, i32[di + i]!, i32[si + i]!);
  return commit(regs, d, lanes);
}

function cmpPd(regs: SimdRegs, d: number, s: number, imm: number, lanes: number): number {
  beginFp(regs.i32[regs.mx]!);
  const i32 = regs.i32;
  const di = d >>> 2;
  const si = s >>> 2;
  for (let i = 0; i < lanes * 2; i += 2) {
    const m = cmp64(imm, i32[di + i]!, i32[di + i + 1]!, i32[si + i]!, i32[si + i + 1]!);
    out[i] = m;
    out[i + 1] = m;
  }
  return commit(regs, d, lanes * 2);
}

export const cmpps = (r: SimdRegs, d: number, s: number, imm: number): number => cmpPs(r, d, s, imm, 4);
export const cmpss = (r: SimdRegs, d: number, s: number, imm: number): number => cmpPs(r, d, s, imm, 1);
export const cmppd = (r: SimdRegs, d: number, s: number, imm: number): number => cmpPd(r, d, s, imm, 2);
export const cmpsd = (r: SimdRegs, d: number, s: number, imm: number): number => cmpPd(r, d, s, imm, 1);

/**
 * COMISS/UCOMISS/COMISD/UCOMISD: return the new ZF|PF|CF (OF, SF, AF become 0), or SIMD_XM.
 * COMIS* signal IE on QNaN operands too; UCOMIS* only on SNaN.
 */
export function comiss(regs: SimdRegs, a: number, b: number): number {
  beginFp(regs.i32[regs.mx]!);
  const f = comi32(true, regs.i32[a >>> 2]!, regs.i32[b >>> 2]!);
  return endFp(regs) ? SIMD_XM : f;
}

export function ucomiss(regs: SimdRegs, a: number, b: number): number {
  beginFp(regs.i32[regs.mx]!);
  const f = comi32(false, regs.i32[a >>> 2]!, regs.i32[b >>> 2]!);
  return endFp(regs) ? SIMD_XM : f;
}

export function comisd(regs: SimdRegs, a: number, b: number): number {
  beginFp(regs.i32[regs.mx]!);
  const i32 = regs.i32;
  const f = comi64(true, i32[a >>> 2]!, i32[(a >>> 2) + 1]!, i32[b >>> 2]!, i32[(b >>> 2) + 1]!);
  return endFp(regs) ? SIMD_XM : f;
}

export function ucomisd(regs: SimdRegs, a: number, b: number): number {
  beginFp(regs.i32[regs.mx]!);
  const i32 = regs.i32;
  const f = comi64(false, i32[a >>> 2]!, i32[(a >>> 2) + 1]!, i32[b >>> 2]!, i32[(b >>> 2) + 1]!);
  return endFp(regs) ? SIMD_XM : f;
}
