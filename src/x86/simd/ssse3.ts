// SSSE3 instructions (SDM Vol. 2; 0F 38 00-1E and 0F 3A 0F), MMX (n = 8) and XMM (n = 16) forms.
// Same calling convention as packed_int.ts: (regs, d, s, n), byte offsets.

import type { SimdRegs } from './simd_regs.ts';

const t32 = new Int32Array(8);
const t8 = new Uint8Array(t32.buffer);
const t16 = new Int16Array(t32.buffer);

function store(regs: SimdRegs, d: number, n: number): void {
  const di = d >>> 2;
  for (let i = 0; i < n >>> 2; i++) regs.i32[di + i] = t32[i]!;
}

const sat16s = (v: number): number => (v > 32767 ? 32767 : v < -32768 ? -32768 : v);

/** PSHUFB: byte i = bit 7 of s[i] ? 0 : d[s[i] mod n]. */
export function pshufb(r: SimdRegs, d: number, s: number, n: number): void {
  const a = r.u8;
  for (let i = 0; i < n; i++) {
    const k = a[s + i]!;
    t8[i] = (k & 0x80) !== 0 ? 0 : a[d + (k & (n - 1))]!;
  }
  store(r, d, n);
}

/** Horizontal word ops: op 0 add (wrapping), 1 add saturating, 2 subtract, 3 subtract saturating. */
function phw(r: SimdRegs, d: number, s: number, n: number, op: number): void {
  const a = r.i16;
  const h = n >>> 2; // results per source
  for (let src = 0; src < 2; src++) {
    const base = (src === 0 ? d : s) >>> 1;
    for (let i = 0; i < h; i++) {
      const x = a[base + 2 * i]!;
      const y = a[base + 2 * i + 1]!;
      const v = op === 0 ? x + y : op === 1 ? sat16s(x + y) : op === 2 ? x - y : sat16s(x - y);
      t16[src * h + i] = v;
    }
  }
  store(r, d, n);
}

function phd(r: SimdRegs, d: number, s: number, n: number, sub: boolean): void {
  const a = r.i32;
  const h = n >>> 3;
  for (let src = 0; src < 2; src++) {
    const base = (src === 0 ? d : s) >>> 2;
    for (let i = 0; i < h; i++) {
      const x = a[base + 2 * i]!;
      const y = a[base + 2 * i + 1]!;
      t32[src * h + i] = sub ? x - y : x + y;
    }
  }
  store(r, d, n);
}

export const phaddw = (r: SimdRegs, d: number, s: number, n: number): void => phw(r, d, s, n, 0);
export const phaddsw = (r: SimdRegs, d: number, s: number, n: number): void => phw(r, d, s, n, 1);
export const phsubw = (r: SimdRegs, d: number, s: number, n: number): void => phw(r, d, s, n, 2);
export const phsubsw = (r: SimdRegs, d: number, s: number, n: number): void => phw(r, d, s, n, 3);
export const phaddd = (r: SimdRegs, d: number, s: number, n: number): void => phd(r, d, s, n, false);
export const phsubd = (r: SimdRegs, d: number, s: number, n: number): void => phd(r, d, s, n, true);

/** PMADDUBSW: unsigned bytes of d times signed bytes of s, adjacent pairs added with signed saturation. */
export function pmaddubsw(r: SimdRegs, d: number, s: number, n: number): void {
  const u = r.u8;
  const i8 = r.i8;
  for (let i = 0; i < n >>> 1; i++) {
    t16[i] = sat16s(u[d + 2 * i]! * i8[s + 2 * i]! + u[d + 2 * i + 1]! * i8[s + 2 * i + 1]!);
  }
  store(r, d, n);
}

/** PMULHRSW: (d·s >> 14) + 1 >> 1 per signed word (rounded high half, scaled by 2). */
export function pmulhrsw(r: SimdRegs, d: number, s: number, n: number): void {
  const a = r.i16;
  const di = d >>> 1;
  const si = s >>> 1;
  for (let i = 0; i < n >>> 1; i++) a[di + i] = (((a[di + i]! * a[si + i]!) >> 14) + 1) >> 1;
}

/** PSIGNB/W/D with element size e: d negated where s < 0, zeroed where s = 0. */
export function psign(r: SimdRegs, d: number, s: number, n: number, e: number): void {
  if (e === 1) {
    const a = r.i8;
    for (let i = 0; i < n; i++) {
      const k = a[s + i]!;
      a[d + i] = k < 0 ? -a[d + i]! : k === 0 ? 0 : a[d + i]!;
    }
  } else if (e === 2) {
    const a = r.i16;
    for (let i = 0; i < n >>> 1; i++) {
      const k = a[(s >>> 1) + i]!;
      const j = (d >>> 1) + i;
      a[j] = k < 0 ? -a[j]! : k === 0 ? 0 : a[j]!;
    }
  } else {
    const a = r.i32;
    for (let i = 0; i < n >>> 2; i++) {
      const k = a[(s >>> 2) + i]!;
      const j = (d >>> 2) + i;
      a[j] = k < 0 ? -a[j]! | 0 : k === 0 ? 0 : a[j]!;
    }
  }
}

/** PABSB/W/D with element size e: d = |s| (the most negative value stays 0x80..). */
export function pabs(r: SimdRegs, d: number, s: number, n: number, e: number): void {
  if (e === 1) {
    const a = r.i8;
    for (let i = 0; i < n; i++) a[d + i] = Math.abs(a[s + i]!);
  } else if (e === 2) {
    const a = r.i16;
    for (let i = 0; i < n >>> 1; i++) a[(d >>> 1) + i] = Math.abs(a[(s >>> 1) + i]!);
  } else {
    const a = r.i32;
    for (let i = 0; i < n >>> 2; i++) a[(d >>> 2) + i] = Math.abs(a[(s >>> 2) + i]!) | 0;
  }
}

/** PALIGNR: the 2n-byte concatenation d:s (d high) shifted right by imm bytes, low n bytes kept. */
export function palignr(r: SimdRegs, d: number, s: number, imm: number, n: number): void {
  const a = r.u8;
  for (let i = 0; i < n; i++) {
    const k = i + imm;
    t8[i] = k < n ? a[s + k]! : k < 2 * n ? a[d + k - n]! : 0;
  }
  store(r, d, n);
}
