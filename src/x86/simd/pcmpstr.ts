// SSE4.2 string and text compares PCMPESTRI/PCMPESTRM/PCMPISTRI/PCMPISTRM (SDM Vol. 2 §4.1,
// "Imm8 Control Byte Operation for PCMPESTRI / PCMPESTRM / PCMPISTRI / PCMPISTRM").
//
// imm8[1:0] element format (unsigned/signed bytes/words), imm8[3:2] aggregation (equal any,
// ranges, equal each, equal ordered), imm8[5:4] polarity, imm8[6] index/mask selection.
// a = the first operand (xmm register, the "set"/"needle"), b = the second (xmm/m128, the text).

import type { SimdRegs } from './simd_regs.ts';

/** EFLAGS bits produced by the last compare: CF ZF SF OF (AF and PF are cleared). */
export let strFlags = 0;
/** IntRes2 of the last compare: bit j for element j of b. */
let intRes2 = 0;

const elemA = new Int32Array(16);
const elemB = new Int32Array(16);

function load(r: SimdRegs, off: number, out: Int32Array, imm: number): number {
  const n = (imm & 1) !== 0 ? 8 : 16;
  const signed = (imm & 2) !== 0;
  for (let i = 0; i < n; i++) {
    out[i] = n === 16 ? (signed ? r.i8[off + i]! : r.u8[off + i]!) : signed ? r.i16[(off >>> 1) + i]! : r.u16[(off >>> 1) + i]!;
  }
  return n;
}

/** Length of an explicit-length operand: |value| of EAX/EDX (RAX/RDX with REX.W), saturated to n. */
export function explicitLength(lo: number, hi: number, wide: boolean, imm: number): number {
  const n = (imm & 1) !== 0 ? 8 : 16;
  const v = wide ? hi * 4294967296 + (lo >>> 0) : lo | 0;
  const a = v < 0 ? -v : v;
  return a > n ? n : a;
}

/** Length of an implicit-length operand: the index of its first zero element, or n. */
export function implicitLength(r: SimdRegs, off: number, imm: number): number {
  const n = (imm & 1) !== 0 ? 8 : 16;
  for (let i = 0; i < n; i++) {
    const z = n === 16 ? r.u8[off + i] === 0 : r.u16[(off >>> 1) + i] === 0;
    if (z) return i;
  }
  return n;
}

/** The compare itself: sets intRes2 and strFlags, returns the element count n. */
function compare(r: SimdRegs, a: number, b: number, imm: number, la: number, lb: number): number {
  const n = load(r, a, elemA, imm);
  load(r, b, elemB, imm);
  const agg = (imm >>> 2) & 3;
  let res1 = 0;
  if (agg === 0) {
    // equal any: b[j] is one of a[0..la)
    for (let j = 0; j < lb; j++) {
      for (let i = 0; i < la; i++) {
        if (elemB[j] === elemA[i]) {
          res1 |= 1 << j;
          break;
        }
      }
    }
  } else if (agg === 1) {
    // ranges: a[2k] <= b[j] <= a[2k+1] for some complete pair k
    for (let j = 0; j < lb; j++) {
      for (let i = 0; i + 1 < la; i += 2) {
        if (elemB[j]! >= elemA[i]! && elemB[j]! <= elemA[i + 1]!) {
          res1 |= 1 << j;
          break;
        }
      }
    }
  } else if (agg === 2) {
    // equal each: both invalid counts as a match, one invalid as a mismatch
    for (let j = 0; j < n; j++) {
      const va = j < la;
      const vb = j < lb;
      if (va && vb ? elemA[j] === elemB[j] : !va && !vb) res1 |= 1 << j;
    }
  } else {
    // equal ordered: a[0..la) occurs in b starting at j (past b's end matches only past a's end)
    for (let j = 0; j < n; j++) {
      let ok = true;
      for (let i = 0; i < n - j && ok; i++) {
        if (i >= la) break; // an invalid needle element matches anything
        if (j + i >= lb || elemA[i] !== elemB[j + i]) ok = false;
      }
      if (ok) res1 |= 1 << j;
    }
  }
  const all = n === 16 ? 0xffff : 0xff;
  const pol = (imm >>> 4) & 3;
  intRes2 = pol === 1 ? ~res1 & all : pol === 3 ? (res1 ^ ((1 << lb) - 1)) & all : res1;
  strFlags = (intRes2 !== 0 ? 0x001 : 0) | (lb < n ? 0x040 : 0) | (la < n ? 0x080 : 0) | ((intRes2 & 1) !== 0 ? 0x800 : 0);
  return n;
}

function index(n: number, imm: number): number {
  if (intRes2 === 0) return n;
  return (imm & 0x40) !== 0 ? 31 - Math.clz32(intRes2) : 31 - Math.clz32(intRes2 & -intRes2);
}

function writeMask(r: SimdRegs, d: number, n: number, imm: number): void {
  const i32 = r.i32;
  const di = d >>> 2;
  if ((imm & 0x40) === 0) {
    i32[di] = intRes2;
    i32[di + 1] = 0;
    i32[di + 2] = 0;
    i32[di + 3] = 0;
  } else if (n === 16) {
    for (let i = 0; i < 16; i++) r.u8[d + i] = ((intRes2 >>> i) & 1) !== 0 ? 0xff : 0;
  } else {
    for (let i = 0; i < 8; i++) r.u16[(d >>> 1) + i] = ((intRes2 >>> i) & 1) !== 0 ? 0xffff : 0;
  }
}

/** PCMPESTRI: returns the index for ECX; flags in strFlags. la/lb from explicitLength(EAX), explicitLength(EDX). */
export function pcmpestri(r: SimdRegs, a: number, b: number, imm: number, la: number, lb: number): number {
  return index(compare(r, a, b, imm, la, lb), imm);
}

/** PCMPESTRM: the mask into XMM0 (byte offset x0). */
export function pcmpestrm(r: SimdRegs, a: number, b: number, imm: number, la: number, lb: number, x0: number): void {
  writeMask(r, x0, compare(r, a, b, imm, la, lb), imm);
}

export function pcmpistri(r: SimdRegs, a: number, b: number, imm: number): number {
  return index(compare(r, a, b, imm, implicitLength(r, a, imm), implicitLength(r, b, imm)), imm);
}

export function pcmpistrm(r: SimdRegs, a: number, b: number, imm: number, x0: number): void {
  writeMask(r, x0, compare(r, a, b, imm, implicitLength(r, a, imm), implicitLength(r, b, imm)), imm);
}
