// MMX and SSE2 packed-integer instructions (SDM Vol. 2; Vol. 1 §9.4, §11.4.3).
//
// Calling convention: (regs, d, s, n) with d, s byte offsets of the destination/first source and
// the second source, n = 8 for an MMX register or 16 for an XMM register. The source may be the
// destination (PUNPCKLBW xmm0, xmm0): permuting ops build their result in scratch first.
// Integer instructions raise no SIMD floating-point exceptions and ignore MXCSR.

import type { SimdRegs } from './simd_regs.ts';

const t32 = new Int32Array(4);
const t8 = new Uint8Array(t32.buffer);
const t16 = new Uint16Array(t32.buffer);

function store(regs: SimdRegs, d: number, n: number): void {
  const di = d >>> 2;
  for (let i = 0; i < n >>> 2; i++) regs.i32[di + i] = t32[i]!;
}

const sat8s = (v: number): number => (v > 127 ? 127 : v < -128 ? -128 : v);
const sat8u = (v: number): number => (v > 255 ? 255 : v < 0 ? 0 : v);
const sat16s = (v: number): number => (v > 32767 ? 32767 : v < -32768 ? -32768 : v);
const sat16u = (v: number): number => (v > 65535 ? 65535 : v < 0 ? 0 : v);

// ---- add / subtract ---------------------------------------------------------------------------------

export function paddb(r: SimdRegs, d: number, s: number, n: number): void {
  const a = r.u8;
  for (let i = 0; i < n; i++) a[d + i] = a[d + i]! + a[s + i]!;
}
export function paddw(r: SimdRegs, d: number, s: number, n: number): void {
  const a = r.u16;
  const di = d >>> 1;
  const si = s >>> 1;
  for (let i = 0; i < n >>> 1; i++) a[di + i] = a[di + i]! + a[si + i]!;
}
export function paddd(r: SimdRegs, d: number, s: number, n: number): void {
  const a = r.i32;
  const di = d >>> 2;
  const si = s >>> 2;
  for (let i = 0; i < n >>> 2; i++) a[di + i] = a[di + i]! + a[si + i]!;
}
export function paddq(r: SimdRegs, d: number, s: number, n: number): void {
  const a = r.u32;
  const di = d >>> 2;
  const si = s >>> 2;
  for (let i = 0; i < n >>> 2; i += 2) {
    const lo = a[di + i]! + a[si + i]!;
    a[di + i + 1] = a[di + i + 1]! + a[si + i + 1]! + (lo > 0xffffffff ? 1 : 0);
    a[di + i] = lo;
  }
}
export function psubb(r: SimdRegs, d: number, s: number, n: number): void {
  const a = r.u8;
  for (let i = 0; i < n; i++) a[d + i] = a[d + i]! - a[s + i]!;
}
export function psubw(r: SimdRegs, d: number, s: number, n: number): void {
  const a = r.u16;
  const di = d >>> 1;
  const si = s >>> 1;
  for (let i = 0; i < n >>> 1; i++) a[di + i] = a[di + i]! - a[si + i]!;
}
export function psubd(r: SimdRegs, d: number, s: number, n: number): void {
  const a = r.i32;
  const di = d >>> 2;
  const si = s >>> 2;
  for (let i = 0; i < n >>> 2; i++) a[di + i] = a[di + i]! - a[si + i]!;
}
export function psubq(r: SimdRegs, d: number, s: number, n: number): void {
  const a = r.u32;
  const di = d >>> 2;
  const si = s >>> 2;
  for (let i = 0; i < n >>> 2; i += 2) {
    const lo = a[di + i]! - a[si + i]!;
    a[di + i + 1] = a[di + i + 1]! - a[si + i + 1]! - (lo < 0 ? 1 : 0);
    a[di + i] = lo;
  }
}

export function paddsb(r: SimdRegs, d: number, s: number, n: number): void {
  const a = r.i8;
  for (let i = 0; i < n; i++) a[d + i] = sat8s(a[d + i]! + a[s + i]!);
}
export function psubsb(r: SimdRegs, d: number, s: number, n: number): void {
  const a = r.i8;
  for (let i = 0; i < n; i++) a[d + i] = sat8s(a[d + i]! - a[s + i]!);
}
export function paddusb(r: SimdRegs, d: number, s: number, n: number): void {
  const a = r.u8;
  for (let i = 0; i < n; i++) a[d + i] = sat8u(a[d + i]! + a[s + i]!);
}
export function psubusb(r: SimdRegs, d: number, s: number, n: number): void {
  const a = r.u8;
  for (let i = 0; i < n; i++) a[d + i] = sat8u(a[d + i]! - a[s + i]!);
}
export function paddsw(r: SimdRegs, d: number, s: number, n: number): void {
  const a = r.i16;
  const di = d >>> 1;
  const si = s >>> 1;
  for (let i = 0; i < n >>> 1; i++) a[di + i] = sat16s(a[di + i]! + a[si + i]!);
}
export function psubsw(r: SimdRegs, d: number, s: number, n: number): void {
  const a = r.i16;
  const di = d >>> 1;
  const si = s >>> 1;
  for (let i = 0; i < n >>> 1; i++) a[di + i] = sat16s(a[di + i]! - a[si + i]!);
}
export function paddusw(r: SimdRegs, d: number, s: number, n: number): void {
  const a = r.u16;
  const di = d >>> 1;
  const si = s >>> 1;
  for (let i = 0; i < n >>> 1; i++) a[di + i] = sat16u(a[di + i]! + a[si + i]!);
}
export function psubusw(r: SimdRegs, d: number, s: number, n: number): void {
  const a = r.u16;
  const di = d >>> 1;
  const si = s >>> 1;
  for (let i = 0; i < n >>> 1; i++) a[di + i] = sat16u(a[di + i]! - a[si + i]!);
}

// ---- multiply ---------------------------------------------------------------------------------------

export function pmullw(r: SimdRegs, d: number, s: number, n: number): void {
  const a = r.i16;
  const di = d >>> 1;
  const si = s >>> 1;
  for (let i = 0; i < n >>> 1; i++) a[di + i] = Math.imul(a[di + i]!, a[si + i]!);
}
export function pmulhw(r: SimdRegs, d: number, s: number, n: number): void {
  const a = r.i16;
  const di = d >>> 1;
  const si = s >>> 1;
  for (let i = 0; i < n >>> 1; i++) a[di + i] = (a[di + i]! * a[si + i]!) >> 16;
}
export function pmulhuw(r: SimdRegs, d: number, s: number, n: number): void {
  const a = r.u16;
  const di = d >>> 1;
  const si = s >>> 1;
  for (let i = 0; i < n >>> 1; i++) a[di + i] = (a[di + i]! * a[si + i]!) / 65536;
}

/** Unsigned 32×32 → 64-bit product of a and b, low word in mulLo, high word in mulHi. */
export let mulLo = 0;
export let mulHi = 0;
export function mul32x32(a: number, b: number): void {
  a >>>= 0;
  b >>>= 0;
  const al = a & 0xffff;
  const ah = a >>> 16;
  const bl = b & 0xffff;
  const bh = b >>> 16;
  const ll = al * bl;
  const lh = al * bh;
  const hl = ah * bl;
  const mid = (ll >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  mulLo = ((mid & 0xffff) << 16) | (ll & 0xffff);
  mulHi = (ah * bh + (lh >>> 16) + (hl >>> 16) + (mid >>> 16)) | 0;
}

/** PMULUDQ: the low dword of each qword, multiplied unsigned to a full qword. */
export function pmuludq(r: SimdRegs, d: number, s: number, n: number): void {
  const a = r.i32;
  const di = d >>> 2;
  const si = s >>> 2;
  for (let i = 0; i < n >>> 2; i += 2) {
    mul32x32(a[di + i]!, a[si + i]!);
    a[di + i] = mulLo;
    a[di + i + 1] = mulHi;
  }
}

/** PMADDWD: pairwise signed word products summed into dwords (0x8000 pairs wrap to 0x80000000). */
export function pmaddwd(r: SimdRegs, d: number, s: number, n: number): void {
  const a = r.i16;
  const di = d >>> 1;
  const si = s >>> 1;
  for (let i = 0; i < n >>> 2; i++) t32[i] = a[di + 2 * i]! * a[si + 2 * i]! + a[di + 2 * i + 1]! * a[si + 2 * i + 1]!;
  store(r, d, n);
}

/** PSADBW: per 8 bytes, the sum of absolute differences into the low word; the rest zero. */
export function psadbw(r: SimdRegs, d: number, s: number, n: number): void {
  const a = r.u8;
  for (let q = 0; q < n; q += 8) {
    let sum = 0;
    for (let i = 0; i < 8; i++) {
      const x = a[d + q + i]! - a[s + q + i]!;
      sum += x < 0 ? -x : x;
    }
    t32[q >>> 2] = sum;
    t32[(q >>> 2) + 1] = 0;
  }
  store(r, d, n);
}

export function pavgb(r: SimdRegs, d: number, s: number, n: number): void {
  const a = r.u8;
  for (let i = 0; i < n; i++) a[d + i] = (a[d + i]! + a[s + i]! + 1) >>> 1;
}
export function pavgw(r: SimdRegs, d: number, s: number, n: number): void {
  const a = r.u16;
  const di = d >>> 1;
  const si = s >>> 1;
  for (let i = 0; i < n >>> 1; i++) a[di + i] = (a[di + i]! + a[si + i]! + 1) >>> 1;
}

// ---- min / max / compare ----------------------------------------------------------------------------

export function pminub(r: SimdRegs, d: number, s: number, n: number): void {
  const a = r.u8;
  for (let i = 0; i < n; i++) if (a[s + i]! < a[d + i]!) a[d + i] = a[s + i]!;
}
export function pmaxub(r: SimdRegs, d: number, s: number, n: number): void {
  const a = r.u8;
  for (let i = 0; i < n; i++) if (a[s + i]! > a[d + i]!) a[d + i] = a[s + i]!;
}
export function pminsw(r: SimdRegs, d: number, s: number, n: number): void {
  const a = r.i16;
  const di = d >>> 1;
  const si = s >>> 1;
  for (let i = 0; i < n >>> 1; i++) if (a[si + i]! < a[di + i]!) a[di + i] = a[si + i]!;
}
export function pmaxsw(r: SimdRegs, d: number, s: number, n: number): void {
  const a = r.i16;
  const di = d >>> 1;
  const si = s >>> 1;
  for (let i = 0; i < n >>> 1; i++) if (a[si + i]! > a[di + i]!) a[di + i] = a[si + i]!;
}

export function pcmpeqb(r: SimdRegs, d: number, s: number, n: number): void {
  const a = r.u8;
  for (let i = 0; i < n; i++) a[d + i] = a[d + i] === a[s + i] ? 0xff : 0;
}
export function pcmpeqw(r: SimdRegs, d: number, s: number, n: number): void {
  const a = r.u16;
  const di = d >>> 1;
  const si = s >>> 1;
  for (let i = 0; i < n >>> 1; i++) a[di + i] = a[di + i] === a[si + i] ? 0xffff : 0;
}
export function pcmpeqd(r: SimdRegs, d: number, s: number, n: number): void {
  const a = r.i32;
  const di = d >>> 2;
  const si = s >>> 2;
  for (let i = 0; i < n >>> 2; i++) a[di + i] = a[di + i] === a[si + i] ? -1 : 0;
}
export function pcmpgtb(r: SimdRegs, d: number, s: number, n: number): void {
  const a = r.i8;
  for (let i = 0; i < n; i++) a[d + i] = a[d + i]! > a[s + i]! ? -1 : 0;
}
export function pcmpgtw(r: SimdRegs, d: number, s: number, n: number): void {
  const a = r.i16;
  const di = d >>> 1;
  const si = s >>> 1;
  for (let i = 0; i < n >>> 1; i++) a[di + i] = a[di + i]! > a[si + i]! ? -1 : 0;
}
export function pcmpgtd(r: SimdRegs, d: number, s: number, n: number): void {
  const a = r.i32;
  const di = d >>> 2;
  const si = s >>> 2;
  for (let i = 0; i < n >>> 2; i++) a[di + i] = a[di + i]! > a[si + i]! ? -1 : 0;
}

// ---- logic ------------------------------------------------------------------------------------------

export function pand(r: SimdRegs, d: number, s: number, n: number): void {
  const a = r.i32;
  const di = d >>> 2;
  const si = s >>> 2;
  for (let i = 0; i < n >>> 2; i++) a[di + i] = a[di + i]! & a[si + i]!;
}
/** PANDN (also ANDNPS/ANDNPD): d = ~d & s. */
export function pandn(r: SimdRegs, d: number, s: number, n: number): void {
  const a = r.i32;
  const di = d >>> 2;
  const si = s >>> 2;
  for (let i = 0; i < n >>> 2; i++) a[di + i] = ~a[di + i]! & a[si + i]!;
}
export function por(r: SimdRegs, d: number, s: number, n: number): void {
  const a = r.i32;
  const di = d >>> 2;
  const si = s >>> 2;
  for (let i = 0; i < n >>> 2; i++) a[di + i] = a[di + i]! | a[si + i]!;
}
export function pxor(r: SimdRegs, d: number, s: number, n: number): void {
  const a = r.i32;
  const di = d >>> 2;
  const si = s >>> 2;
  for (let i = 0; i < n >>> 2; i++) a[di + i] = a[di + i]! ^ a[si + i]!;
}

// ---- shifts -----------------------------------------------------------------------------------------

/**
 * The shift count of PSxxW/D/Q with a register/memory count: the whole low qword of s, unsigned;
 * anything above 255 behaves like 255 (all counts >= the element width give the same result).
 */
export function shiftCount(r: SimdRegs, s: number): number {
  const lo = r.u32[s >>> 2]!;
  const hi = r.u32[(s >>> 2) + 1]!;
  return hi !== 0 || lo > 255 ? 255 : lo;
}

/** PSLLW/PSRLW/PSRAW by count c (an imm8 or shiftCount()). */
export function psllw(r: SimdRegs, d: number, c: number, n: number): void {
  const a = r.u16;
  const di = d >>> 1;
  for (let i = 0; i < n >>> 1; i++) a[di + i] = c > 15 ? 0 : a[di + i]! << c;
}
export function psrlw(r: SimdRegs, d: number, c: number, n: number): void {
  const a = r.u16;
  const di = d >>> 1;
  for (let i = 0; i < n >>> 1; i++) a[di + i] = c > 15 ? 0 : a[di + i]! >>> c;
}
export function psraw(r: SimdRegs, d: number, c: number, n: number): void {
  const a = r.i16;
  const di = d >>> 1;
  const k = c > 15 ? 15 : c;
  for (let i = 0; i < n >>> 1; i++) a[di + i] = a[di + i]! >> k;
}
export function pslld(r: SimdRegs, d: number, c: number, n: number): void {
  const a = r.i32;
  const di = d >>> 2;
  for (let i = 0; i < n >>> 2; i++) a[di + i] = c > 31 ? 0 : a[di + i]! << c;
}
export function psrld(r: SimdRegs, d: number, c: number, n: number): void {
  const a = r.i32;
  const di = d >>> 2;
  for (let i = 0; i < n >>> 2; i++) a[di + i] = c > 31 ? 0 : a[di + i]! >>> c;
}
export function psrad(r: SimdRegs, d: number, c: number, n: number): void {
  const a = r.i32;
  const di = d >>> 2;
  const k = c > 31 ? 31 : c;
  for (let i = 0; i < n >>> 2; i++) a[di + i] = a[di + i]! >> k;
}
export function psllq(r: SimdRegs, d: number, c: number, n: number): void {
  const a = r.i32;
  const di = d >>> 2;
  for (let i = 0; i < n >>> 2; i += 2) {
    const lo = a[di + i]!;
    const hi = a[di + i + 1]!;
    if (c > 63) {
      a[di + i] = 0;
      a[di + i + 1] = 0;
    } else if (c >= 32) {
      a[di + i + 1] = lo << (c - 32);
      a[di + i] = 0;
    } else if (c > 0) {
      a[di + i + 1] = (hi << c) | (lo >>> (32 - c));
      a[di + i] = lo << c;
    }
  }
}
export function psrlq(r: SimdRegs, d: number, c: number, n: number): void {
  const a = r.i32;
  const di = d >>> 2;
  for (let i = 0; i < n >>> 2; i += 2) {
    const lo = a[di + i]!;
    const hi = a[di + i + 1]!;
    if (c > 63) {
      a[di + i] = 0;
      a[di + i + 1] = 0;
    } else if (c >= 32) {
      a[di + i] = hi >>> (c - 32);
      a[di + i + 1] = 0;
    } else if (c > 0) {
      a[di + i] = (lo >>> c) | (hi << (32 - c));
      a[di + i + 1] = hi >>> c;
    }
  }
}

/** PSLLDQ / PSRLDQ xmm, imm8: whole-register byte shifts (counts > 15 clear it). */
export function pslldq(r: SimdRegs, d: number, c: number): void {
  const a = r.u8;
  for (let i = 15; i >= 0; i--) a[d + i] = i >= c ? a[d + i - c]! : 0;
}
export function psrldq(r: SimdRegs, d: number, c: number): void {
  const a = r.u8;
  for (let i = 0; i < 16; i++) a[d + i] = i + c < 16 ? a[d + i + c]! : 0;
}

// ---- pack / unpack ------------------------------------------------------------------------------------

/** PACKSSWB: signed words of d then s, saturated to signed bytes. */
export function packsswb(r: SimdRegs, d: number, s: number, n: number): void {
  const a = r.i16;
  const h = n >>> 1;
  for (let i = 0; i < h; i++) {
    t8[i] = sat8s(a[(d >>> 1) + i]!);
    t8[h + i] = sat8s(a[(s >>> 1) + i]!);
  }
  store(r, d, n);
}
/** PACKUSWB: signed words to unsigned bytes. */
export function packuswb(r: SimdRegs, d: number, s: number, n: number): void {
  const a = r.i16;
  const h = n >>> 1;
  for (let i = 0; i < h; i++) {
    t8[i] = sat8u(a[(d >>> 1) + i]!);
    t8[h + i] = sat8u(a[(s >>> 1) + i]!);
  }
  store(r, d, n);
}
/** PACKSSDW: signed dwords to signed words. */
export function packssdw(r: SimdRegs, d: number, s: number, n: number): void {
  const a = r.i32;
  const h = n >>> 2;
  for (let i = 0; i < h; i++) {
    t16[i] = sat16s(a[(d >>> 2) + i]!);
    t16[h + i] = sat16s(a[(s >>> 2) + i]!);
  }
  store(r, d, n);
}
/** PACKUSDW (SSE4.1): signed dwords to unsigned words. */
export function packusdw(r: SimdRegs, d: number, s: number, n: number): void {
  const a = r.i32;
  const h = n >>> 2;
  for (let i = 0; i < h; i++) {
    t16[i] = sat16u(a[(d >>> 2) + i]!);
    t16[h + i] = sat16u(a[(s >>> 2) + i]!);
  }
  store(r, d, n);
}

/**
 * PUNPCKLxx and PUNPCKHxx with element size e bytes (1, 2, 4, 8): interleave the low (high = false)
 * or high halves of d and s, d's element first. UNPCKLPS = PUNPCKLDQ, UNPCKLPD = PUNPCKLQDQ, etc.
 */
export function punpck(r: SimdRegs, d: number, s: number, n: number, e: number, high: boolean): void {
  const a = r.u8;
  const h = n >>> 1;
  const base = high ? h : 0;
  for (let k = 0; k < h / e; k++) {
    for (let b = 0; b < e; b++) {
      t8[2 * k * e + b] = a[d + base + k * e + b]!;
      t8[(2 * k + 1) * e + b] = a[s + base + k * e + b]!;
    }
  }
  store(r, d, n);
}

// ---- shuffles -----------------------------------------------------------------------------------------

/** PSHUFD xmm, xmm/m128, imm8. */
export function pshufd(r: SimdRegs, d: number, s: number, imm: number): void {
  const a = r.i32;
  const si = s >>> 2;
  for (let i = 0; i < 4; i++) t32[i] = a[si + ((imm >>> (2 * i)) & 3)]!;
  store(r, d, 16);
}
/** PSHUFHW: the high four words shuffled, the low qword copied. */
export function pshufhw(r: SimdRegs, d: number, s: number, imm: number): void {
  const a = r.u16;
  const si = s >>> 1;
  for (let i = 0; i < 4; i++) {
    t16[i] = a[si + i]!;
    t16[4 + i] = a[si + 4 + ((imm >>> (2 * i)) & 3)]!;
  }
  store(r, d, 16);
}
/** PSHUFLW: the low four words shuffled, the high qword copied. */
export function pshuflw(r: SimdRegs, d: number, s: number, imm: number): void {
  const a = r.u16;
  const si = s >>> 1;
  for (let i = 0; i < 4; i++) {
    t16[i] = a[si + ((imm >>> (2 * i)) & 3)]!;
    t16[4 + i] = a[si + 4 + i]!;
  }
  store(r, d, 16);
}
/** PSHUFW mm, mm/m64, imm8 (SSE integer extension to MMX). */
export function pshufw(r: SimdRegs, d: number, s: number, imm: number): void {
  const a = r.u16;
  const si = s >>> 1;
  for (let i = 0; i < 4; i++) t16[i] = a[si + ((imm >>> (2 * i)) & 3)]!;
  store(r, d, 8);
}
/** SHUFPS: two dwords of d selected by imm8[3:0], two of s by imm8[7:4]. */
export function shufps(r: SimdRegs, d: number, s: number, imm: number): void {
  const a = r.i32;
  const di = d >>> 2;
  const si = s >>> 2;
  t32[0] = a[di + (imm & 3)]!;
  t32[1] = a[di + ((imm >>> 2) & 3)]!;
  t32[2] = a[si + ((imm >>> 4) & 3)]!;
  t32[3] = a[si + ((imm >>> 6) & 3)]!;
  store(r, d, 16);
}
/** SHUFPD: qword imm8[0] of d, qword imm8[1] of s. */
export function shufpd(r: SimdRegs, d: number, s: number, imm: number): void {
  const a = r.i32;
  const di = (d >>> 2) + (imm & 1) * 2;
  const si = (s >>> 2) + ((imm >>> 1) & 1) * 2;
  t32[0] = a[di]!;
  t32[1] = a[di + 1]!;
  t32[2] = a[si]!;
  t32[3] = a[si + 1]!;
  store(r, d, 16);
}

// ---- masks, inserts, extracts, moves ------------------------------------------------------------------

/** PMOVMSKB r32, mm/xmm: the sign bit of each byte. */
export function pmovmskb(r: SimdRegs, s: number, n: number): number {
  const a = r.u8;
  let m = 0;
  for (let i = 0; i < n; i++) m |= (a[s + i]! >>> 7) << i;
  return m;
}
/** MOVMSKPS r32, xmm: the sign bit of each dword. */
export function movmskps(r: SimdRegs, s: number): number {
  const a = r.u32;
  const si = s >>> 2;
  return (a[si]! >>> 31) | ((a[si + 1]! >>> 31) << 1) | ((a[si + 2]! >>> 31) << 2) | ((a[si + 3]! >>> 31) << 3);
}
/** MOVMSKPD r32, xmm: the sign bit of each qword. */
export function movmskpd(r: SimdRegs, s: number): number {
  const a = r.u32;
  const si = s >>> 2;
  return (a[si + 1]! >>> 31) | ((a[si + 3]! >>> 31) << 1);
}

/** PEXTRW r32, mm/xmm, imm8: the word selected by imm8 (modulo the lane count), zero-extended. */
export function pextrw(r: SimdRegs, s: number, imm: number, n: number): number {
  return r.u16[(s >>> 1) + (imm & ((n >>> 1) - 1))]!;
}
/** PINSRW mm/xmm, r32/m16, imm8. */
export function pinsrw(r: SimdRegs, d: number, value: number, imm: number, n: number): void {
  r.u16[(d >>> 1) + (imm & ((n >>> 1) - 1))] = value;
}

/** MOVQ xmm, xmm/m64 (F3 0F 7E) and MOVQ xmm/m64 ← xmm (66 0F D6, register form): low qword, upper zeroed. */
export function movqXmm(r: SimdRegs, d: number, s: number): void {
  const a = r.i32;
  const di = d >>> 2;
  const si = s >>> 2;
  a[di] = a[si]!;
  a[di + 1] = a[si + 1]!;
  a[di + 2] = 0;
  a[di + 3] = 0;
}
/** MOVD/MOVQ xmm, r/m32|r/m64 (66 [REX.W] 0F 6E): the value zero-extended to 128 bits. */
export function movdToXmm(r: SimdRegs, d: number, lo: number, hi: number): void {
  const a = r.i32;
  const di = d >>> 2;
  a[di] = lo;
  a[di + 1] = hi;
  a[di + 2] = 0;
  a[di + 3] = 0;
}
/** MOVQ2DQ xmm, mm: the MMX register zero-extended. */
export const movq2dq = movqXmm;
