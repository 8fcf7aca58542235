// SSE4.1 integer and data-movement instructions, and PCMPGTQ (SSE4.2) (SDM Vol. 2; 66 0F 38 xx
// and 66 0F 3A xx). XMM only: (regs, d, s[, imm]) with byte offsets, as in packed_int.ts.

import { mul32x32, mulHi, mulLo } from './packed_int.ts';
import type { SimdRegs } from './simd_regs.ts';

const t32 = new Int32Array(4);
const t8 = new Uint8Array(t32.buffer);
const t16 = new Uint16Array(t32.buffer);

function store(regs: SimdRegs, d: number): void {
  const di = d >>> 2;
  for (let i = 0; i < 4; i++) regs.i32[di + i] = t32[i]!;
}

// ---- blends -----------------------------------------------------------------------------------------

/** PBLENDW: word i from s where imm8 bit i is set. */
export function pblendw(r: SimdRegs, d: number, s: number, imm: number): void {
  const a = r.u16;
  for (let i = 0; i < 8; i++) if (((imm >>> i) & 1) !== 0) a[(d >>> 1) + i] = a[(s >>> 1) + i]!;
}
/** BLENDPS: dword i from s where imm8 bit i is set. */
export function blendps(r: SimdRegs, d: number, s: number, imm: number): void {
  const a = r.i32;
  for (let i = 0; i < 4; i++) if (((imm >>> i) & 1) !== 0) a[(d >>> 2) + i] = a[(s >>> 2) + i]!;
}
/** BLENDPD: qword i from s where imm8 bit i is set. */
export function blendpd(r: SimdRegs, d: number, s: number, imm: number): void {
  const a = r.i32;
  for (let i = 0; i < 2; i++) {
    if (((imm >>> i) & 1) !== 0) {
      a[(d >>> 2) + 2 * i] = a[(s >>> 2) + 2 * i]!;
      a[(d >>> 2) + 2 * i + 1] = a[(s >>> 2) + 2 * i + 1]!;
    }
  }
}
/** PBLENDVB/BLENDVPS/BLENDVPD (element size e): element from s where the mask element's sign bit (XMM0, offset m) is set. */
export function blendv(r: SimdRegs, d: number, s: number, m: number, e: number): void {
  const a = r.u8;
  for (let i = 0; i < 16; i += e) {
    if ((a[m + i + e - 1]! & 0x80) !== 0) for (let b = 0; b < e; b++) a[d + i + b] = a[s + i + b]!;
  }
}

// ---- min / max / multiply / compare ---------------------------------------------------------------------

export function pminsb(r: SimdRegs, d: number, s: number): void {
  const a = r.i8;
  for (let i = 0; i < 16; i++) if (a[s + i]! < a[d + i]!) a[d + i] = a[s + i]!;
}
export function pmaxsb(r: SimdRegs, d: number, s: number): void {
  const a = r.i8;
  for (let i = 0; i < 16; i++) if (a[s + i]! > a[d + i]!) a[d + i] = a[s + i]!;
}
export function pminuw(r: SimdRegs, d: number, s: number): void {
  const a = r.u16;
  for (let i = 0; i < 8; i++) if (a[(s >>> 1) + i]! < a[(d >>> 1) + i]!) a[(d >>> 1) + i] = a[(s >>> 1) + i]!;
}
export function pmaxuw(r: SimdRegs, d: number, s: number): void {
  const a = r.u16;
  for (let i = 0; i < 8; i++) if (a[(s >>> 1) + i]! > a[(d >>> 1) + i]!) a[(d >>> 1) + i] = a[(s >>> 1) + i]!;
}
export function pminsd(r: SimdRegs, d: number, s: number): void {
  const a = r.i32;
  for (let i = 0; i < 4; i++) if (a[(s >>> 2) + i]! < a[(d >>> 2) + i]!) a[(d >>> 2) + i] = a[(s >>> 2) + i]!;
}
export function pmaxsd(r: SimdRegs, d: number, s: number): void {
  const a = r.i32;
  for (let i = 0; i < 4; i++) if (a[(s >>> 2) + i]! > a[(d >>> 2) + i]!) a[(d >>> 2) + i] = a[(s >>> 2) + i]!;
}
export function pminud(r: SimdRegs, d: number, s: number): void {
  const a = r.u32;
  for (let i = 0; i < 4; i++) if (a[(s >>> 2) + i]! < a[(d >>> 2) + i]!) a[(d >>> 2) + i] = a[(s >>> 2) + i]!;
}
export function pmaxud(r: SimdRegs, d: number, s: number): void {
  const a = r.u32;
  for (let i = 0; i < 4; i++) if (a[(s >>> 2) + i]! > a[(d >>> 2) + i]!) a[(d >>> 2) + i] = a[(s >>> 2) + i]!;
}

/** PMULLD: low 32 bits of each signed dword product. */
export function pmulld(r: SimdRegs, d: number, s: number): void {
  const a = r.i32;
  for (let i = 0; i < 4; i++) a[(d >>> 2) + i] = Math.imul(a[(d >>> 2) + i]!, a[(s >>> 2) + i]!);
}

/** PMULDQ: dwords 0 and 2 multiplied signed to full qwords. */
export function pmuldq(r: SimdRegs, d: number, s: number): void {
  const a = r.i32;
  for (let i = 0; i < 4; i += 2) {
    const x = a[(d >>> 2) + i]!;
    const y = a[(s >>> 2) + i]!;
    mul32x32(x, y);
    // signed high word = unsigned high word - (x < 0 ? y : 0) - (y < 0 ? x : 0) (mod 2^32)
    a[(d >>> 2) + i] = mulLo;
    a[(d >>> 2) + i + 1] = mulHi - (x < 0 ? y : 0) - (y < 0 ? x : 0);
  }
}

export function pcmpeqq(r: SimdRegs, d: number, s: number): void {
  const a = r.i32;
  for (let i = 0; i < 4; i += 2) {
    const eq = a[(d >>> 2) + i] === a[(s >>> 2) + i] && a[(d >>> 2) + i + 1] === a[(s >>> 2) + i + 1] ? -1 : 0;
    a[(d >>> 2) + i] = eq;
    a[(d >>> 2) + i + 1] = eq;
  }
}

/** PCMPGTQ (SSE4.2): signed qword greater-than. */
export function pcmpgtq(r: SimdRegs, d: number, s: number): void {
  const a = r.i32;
  const u = r.u32;
  for (let i = 0; i < 4; i += 2) {
    const dh = a[(d >>> 2) + i + 1]!;
    const sh = a[(s >>> 2) + i + 1]!;
    const gt = dh > sh || (dh === sh && u[(d >>> 2) + i]! > u[(s >>> 2) + i]!) ? -1 : 0;
    a[(d >>> 2) + i] = gt;
    a[(d >>> 2) + i + 1] = gt;
  }
}

/** PTEST: returns the new ZF|CF (ZF: d AND s = 0; CF: NOT d AND s = 0); AF OF PF SF become 0. */
export function ptest(r: SimdRegs, d: number, s: number): number {
  const a = r.i32;
  let and = 0;
  let andn = 0;
  for (let i = 0; i < 4; i++) {
    and |= a[(d >>> 2) + i]! & a[(s >>> 2) + i]!;
    andn |= ~a[(d >>> 2) + i]! & a[(s >>> 2) + i]!;
  }
  return (and === 0 ? 0x40 : 0) | (andn === 0 ? 0x01 : 0);
}

// ---- sign/zero extension --------------------------------------------------------------------------------

/** PMOVSX/PMOVZX: from element size from (1, 2, 4 bytes) to size to (2, 4, 8), low source elements. */
export function pmovx(r: SimdRegs, d: number, s: number, from: number, to: number, signed: boolean): void {
  const u = r.u8;
  const count = 16 / to;
  for (let i = 0; i < count; i++) {
    const neg = signed && (u[s + i * from + from - 1]! & 0x80) !== 0;
    for (let b = 0; b < to; b++) t8[i * to + b] = b < from ? u[s + i * from + b]! : neg ? 0xff : 0;
  }
  store(r, d);
}

// ---- inserts and extracts --------------------------------------------------------------------------------

/** PEXTRB/PEXTRW/PEXTRD (e = 1, 2, 4): element imm8 mod (16 / e), zero-extended. */
export function pextr(r: SimdRegs, s: number, imm: number, e: number): number {
  const k = imm & (16 / e - 1);
  if (e === 1) return r.u8[s + k]!;
  if (e === 2) return r.u16[(s >>> 1) + k]!;
  return r.i32[(s >>> 2) + k]!;
}
/** PEXTRQ: qword imm8[0]; returns its low word, the high word in pextrHi. */
export let pextrHi = 0;
export function pextrq(r: SimdRegs, s: number, imm: number): number {
  const i = (s >>> 2) + (imm & 1) * 2;
  pextrHi = r.i32[i + 1]!;
  return r.i32[i]!;
}
/** EXTRACTPS: dword imm8[1:0] (the raw binary32 bits). */
export function extractps(r: SimdRegs, s: number, imm: number): number {
  return r.i32[(s >>> 2) + (imm & 3)]!;
}

/** PINSRB/PINSRW/PINSRD (e = 1, 2, 4): value into element imm8 mod (16 / e). */
export function pinsr(r: SimdRegs, d: number, value: number, imm: number, e: number): void {
  const k = imm & (16 / e - 1);
  if (e === 1) r.u8[d + k] = value;
  else if (e === 2) r.u16[(d >>> 1) + k] = value;
  else r.i32[(d >>> 2) + k] = value;
}
export function pinsrq(r: SimdRegs, d: number, lo: number, hi: number, imm: number): void {
  const i = (d >>> 2) + (imm & 1) * 2;
  r.i32[i] = lo;
  r.i32[i + 1] = hi;
}

/**
 * INSERTPS xmm, xmm, imm8: dword imm8[7:6] of s into dword imm8[5:4] of d, then dwords in
 * imm8[3:0] zeroed. For the m32 form the core puts the dword in lane 0 of s and clears imm8[7:6].
 */
export function insertps(r: SimdRegs, d: number, s: number, imm: number): void {
  const a = r.i32;
  const v = a[(s >>> 2) + ((imm >>> 6) & 3)]!;
  a[(d >>> 2) + ((imm >>> 4) & 3)] = v;
  for (let i = 0; i < 4; i++) if (((imm >>> i) & 1) !== 0) a[(d >>> 2) + i] = 0;
}

// ---- MPSADBW, PHMINPOSUW -------------------------------------------------------------------------------

/** MPSADBW: eight sums of absolute differences of 4-byte blocks (SDM Vol. 2 MPSADBW). */
export function mpsadbw(r: SimdRegs, d: number, s: number, imm: number): void {
  const a = r.u8;
  const so = s + (imm & 3) * 4;
  const dof = d + ((imm >>> 2) & 1) * 4;
  for (let i = 0; i < 8; i++) {
    let sum = 0;
    for (let j = 0; j < 4; j++) {
      const x = a[dof + i + j]! - a[so + j]!;
      sum += x < 0 ? -x : x;
    }
    t16[i] = sum;
  }
  store(r, d);
}

/** PHMINPOSUW: the smallest unsigned word of s in bits 15:0, its (lowest) index in bits 18:16, the rest zero. */
export function phminposuw(r: SimdRegs, d: number, s: number): void {
  const a = r.u16;
  let min = a[s >>> 1]!;
  let idx = 0;
  for (let i = 1; i < 8; i++) {
    const v = a[(s >>> 1) + i]!;
    if (v < min) {
      min = v;
      idx = i;
    }
  }
  const i32 = r.i32;
  i32[d >>> 2] = min | (idx << 16);
  i32[(d >>> 2) + 1] = 0;
  i32[(d >>> 2) + 2] = 0;
  i32[(d >>> 2) + 3] = 0;
}
