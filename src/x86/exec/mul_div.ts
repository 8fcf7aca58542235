// MUL IMUL DIV IDIV (group 3), IMUL two/three-operand, MULX (SDM Vol 2). 32×32 products use
// 16-bit limbs and 64×64 products four of those (mul64: measured faster than BigInt here, which
// allocates per multiply); 128/64 divides use BigInt (perf-anchors §4.1).

import type { Cpu } from '../cpu.ts';
import type { DecodedInsn } from '../decode/decoded_insn.ts';
import { CF, OF, setFlagsMasked, szp } from '../flags.ts';
import { readSrc } from './operands.ts';

const ARITH = 0x8d5;
let H = 0;

/** Unsigned 32×32 → 64: returns lo, hi in H. */
export function mulu32(a: number, b: number): number {
  const al = a & 0xffff, ah = a >>> 16, bl = b & 0xffff, bh = b >>> 16;
  const p0 = al * bl, p1 = al * bh, p2 = ah * bl, p3 = ah * bh;
  const mid = (p0 >>> 16) + (p1 & 0xffff) + (p2 & 0xffff);
  H = (p3 + (p1 >>> 16) + (p2 >>> 16) + (mid >>> 16)) | 0;
  return ((mid & 0xffff) << 16) | (p0 & 0xffff);
}
/** Signed 32×32 → 64. */
export function muls32(a: number, b: number): number {
  const lo = mulu32(a, b);
  H = (H - (a < 0 ? b : 0) - (b < 0 ? a : 0)) | 0;
  return lo;
}

/**
 * 64×64 → 128 from four 32×32 products (no BigInt: a BigInt multiply allocates, and 64-bit IMUL
 * through BigInt cost ≈ 60 ns, 12 % of the mix benchmark). Returns word 0; words 1–3 in W1–W3.
 * Signed operands (signed = true): the high half is corrected by subtracting b·2^64 when a < 0
 * and a·2^64 when b < 0 (two's complement, mod 2^128).
 */
let W1 = 0, W2 = 0, W3 = 0;
function mul64(alo: number, ahi: number, blo: number, bhi: number, signed: boolean): number {
  const l0 = mulu32(alo, blo), h0 = H;
  const l1 = mulu32(alo, bhi), h1 = H;
  const l2 = mulu32(ahi, blo), h2 = H;
  const l3 = mulu32(ahi, bhi), h3 = H;
  // Column sums stay below 2^35: exact in doubles, split with | 0 and a division by 2^32.
  const s1 = (h0 >>> 0) + (l1 >>> 0) + (l2 >>> 0);
  const s2 = (h1 >>> 0) + (h2 >>> 0) + (l3 >>> 0) + Math.floor(s1 / 4294967296);
  W1 = s1 | 0;
  let w2 = s2 | 0, w3 = (h3 + Math.floor(s2 / 4294967296)) | 0;
  if (signed) {
    if (ahi < 0) { const t = (w2 - blo) | 0; w3 = (w3 - bhi - ((w2 >>> 0) < (blo >>> 0) ? 1 : 0)) | 0; w2 = t; }
    if (bhi < 0) { const t = (w2 - alo) | 0; w3 = (w3 - ahi - ((w2 >>> 0) < (alo >>> 0) ? 1 : 0)) | 0; w2 = t; }
  }
  W2 = w2; W3 = w3;
  return l0;
}

const M64 = (1n << 64n) - 1n;
function big(lo: number, hi: number): bigint { return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0); }
function bigS(lo: number, hi: number): bigint { return BigInt.asIntN(64, big(lo, hi)); }
function split(v: bigint): number { H = Number((v >> 32n) & 0xffffffffn) | 0; return Number(v & 0xffffffffn) | 0; }

function mulFlags(c: Cpu, size: number, overflow: boolean, lo: number, hi: number): void {
  setFlagsMasked(c, ARITH, (overflow ? CF | OF : 0) | szp(size, lo, hi));
}

/** Group 3 MUL (4), IMUL (5), DIV (6), IDIV (7) with implicit rAX/rDX. */
export function MULDIV(c: Cpu, d: DecodedInsn): void {
  const size = d.osz;
  const src = d.k1 === 3 ? (c.ea(d), c.read(size)) : c.getReg(size, d.r1);
  if (c.fault) return;
  const srch = c.hi;
  const op = d.sub;
  const s = c.s32;
  switch (size) {
    case 0: {
      const al = c.s8[0]!, b = src & 0xff;
      if (op === 4) { const p = al * b; c.s16[0] = p; mulFlags(c, 0, p > 0xff, p, 0); return; }
      if (op === 5) { const p = ((al << 24) >> 24) * ((b << 24) >> 24); c.s16[0] = p; mulFlags(c, 0, p !== ((p << 24) >> 24), p, 0); return; }
      const ax = c.s16[0]!;
      if (b === 0) { c.raise(0, -1); return; }
      if (op === 6) {
        const q = Math.floor(ax / b);
        if (q > 0xff) { c.raise(0, -1); return; }
        c.s8[0] = q; c.s8[1] = ax % b;
      } else {
        const n = (ax << 16) >> 16, m = (b << 24) >> 24;
        const q = Math.trunc(n / m);
        if (q > 127 || q < -128) { c.raise(0, -1); return; }
        c.s8[0] = q; c.s8[1] = n % m;
      }
      return;
    }
    case 1: {
      const ax = c.s16[0]!, b = src & 0xffff;
      if (op === 4) { const p = ax * b; c.s16[0] = p; c.s16[8] = p >>> 16; mulFlags(c, 1, p > 0xffff, p, 0); return; }
      if (op === 5) {
        const p = ((ax << 16) >> 16) * ((b << 16) >> 16);
        c.s16[0] = p; c.s16[8] = p >> 16;
        mulFlags(c, 1, p !== ((p << 16) >> 16), p, 0);
        return;
      }
      if (b === 0) { c.raise(0, -1); return; }
      const dx = c.s16[8]!;
      if (op === 6) {
        const n = dx * 65536 + ax;
        const q = Math.floor(n / b);
        if (q > 0xffff) { c.raise(0, -1); return; }
        c.s16[0] = q; c.s16[8] = n % b;
      } else {
        const n = ((dx << 16) | ax), m = (b << 16) >> 16;
        const q = Math.trunc(n / m);
        if (q > 32767 || q < -32768) { c.raise(0, -1); return; }
        c.s16[0] = q; c.s16[8] = n % m;
      }
      return;
    }
    case 2: {
      const eax = s[0]!;
      if (op === 4) {
        const lo = mulu32(eax, src), hi = H;
        c.setReg(2, 0, lo, 0); c.setReg(2, 2, hi, 0);
        mulFlags(c, 2, hi !== 0, lo, 0);
        return;
      }
      if (op === 5) {
        const lo = muls32(eax, src), hi = H;
        c.setReg(2, 0, lo, 0); c.setReg(2, 2, hi, 0);
        mulFlags(c, 2, hi !== (lo >> 31), lo, 0);
        return;
      }
      if (src === 0) { c.raise(0, -1); return; }
      const edx = s[4]!;
      if (op === 6) {
        const b = src >>> 0;
        let q: number, r: number;
        if (edx === 0) { const n = eax >>> 0; q = Math.floor(n / b); r = n - q * b; }
        else {
          if ((edx >>> 0) >= b) { c.raise(0, -1); return; }
          const n = big(eax, edx), bb = BigInt(b);
          q = Number(n / bb); r = Number(n % bb);
        }
        c.setReg(2, 0, q | 0, 0); c.setReg(2, 2, r | 0, 0);
      } else {
        const n = bigS(eax, edx), m = BigInt(src | 0);
        const q = n / m;
        if (q > 2147483647n || q < -2147483648n) { c.raise(0, -1); return; }
        c.setReg(2, 0, Number(q) | 0, 0); c.setReg(2, 2, Number(n % m) | 0, 0);
      }
      return;
    }
    default: {
      const alo = s[0]!, ahi = s[1]!;
      if (op === 4 || op === 5) {
        const lo = mul64(alo, ahi, src, srch, op === 5), hi = W1, dlo = W2, dhi = W3;
        s[0] = lo; s[1] = hi; s[4] = dlo; s[5] = dhi;
        const overflow = op === 4 ? (dlo | dhi) !== 0 : !(dlo === (hi >> 31) && dhi === (hi >> 31));
        mulFlags(c, 3, overflow, lo, hi);
        return;
      }
      if ((src | srch) === 0) { c.raise(0, -1); return; }
      const n = (big(s[4]!, s[5]!) << 64n) | big(alo, ahi);
      if (op === 6) {
        const m = big(src, srch);
        const q = n / m;
        if (q > M64) { c.raise(0, -1); return; }
        const r = n % m;
        s[0] = split(q); s[1] = H; s[4] = split(r); s[5] = H;
      } else {
        const sn = BigInt.asIntN(128, n), m = bigS(src, srch);
        const q = sn / m;
        if (q > 0x7fffffffffffffffn || q < -0x8000000000000000n) { c.raise(0, -1); return; }
        const r = sn % m;
        s[0] = split(q & M64); s[1] = H; s[4] = split(r & M64); s[5] = H;
      }
      return;
    }
  }
}

/** IMUL Gv,Ev (two operands) and Gv,Ev,Ib/Iz (three operands). */
export function IMULN(c: Cpu, d: DecodedInsn, three: boolean): void {
  const size = d.osz;
  let a: number, ah: number, b: number, bh: number;
  if (three) {
    a = readSrc(c, d, size); if (c.fault) return; ah = c.hi;
    b = d.imm; bh = d.immHi;
  } else {
    b = readSrc(c, d, size); if (c.fault) return; bh = c.hi;
    a = c.getReg(size, d.r1); ah = c.hi;
  }
  let lo: number, hi = 0, overflow: boolean;
  if (size === 1) {
    const p = ((a << 16) >> 16) * ((b << 16) >> 16);
    lo = p & 0xffff; overflow = p !== ((p << 16) >> 16);
  } else if (size === 2) {
    lo = muls32(a, b); overflow = H !== (lo >> 31);
  } else {
    lo = mul64(a, ah, b, bh, true); hi = W1;
    overflow = W2 !== (hi >> 31) || W3 !== (hi >> 31);
  }
  mulFlags(c, size, overflow, lo, hi);
  c.setReg(size, d.r1, lo, hi);
}

/** MULX By,Gy,Ey: unsigned rDX × src, hi → Gy (r1), lo → By (r2... VEX.vvvv); no flags. */
export function MULX(c: Cpu, d: DecodedInsn): void {
  const size = d.osz;
  // 'By,Gy,Ey': op1 = By (low half), op2 = Gy (high half), op3 = Ey (source)
  const src = d.k3 === 3 ? (c.ea(d), c.read(size)) : c.getReg(size, d.r3);
  if (c.fault) return;
  const srch = c.hi;
  let lo: number, hi: number, lh = 0, hh = 0;
  if (size === 3) {
    lo = mul64(c.s32[4]!, c.s32[5]!, src, srch, false); lh = W1; hi = W2; hh = W3;
  } else {
    lo = mulu32(c.s32[4]!, src); hi = H;
  }
  // If both destinations are the same register, the high half wins (SDM MULX).
  c.setReg(size, d.r1, lo, lh);
  c.setReg(size, d.r2, hi, hh);
}
