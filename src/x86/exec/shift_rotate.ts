// Group 2 (ROL ROR RCL RCR SHL SHR SAL SAR), SHLD/SHRD, and the BMI2 flagless SHLX/SARX/SHRX/RORX
// (SDM Vol 2 "RCL/RCR/ROL/ROR", "SAL/SAR/SHL/SHR", "SHLD", "SHRD"). Flags are written eagerly.
// Counts are masked to 5 bits (6 with 64-bit operands); RCL/RCR on 8/16 bits rotate by
// count mod 9/17; a masked count of 0 changes no flags.

import type { Cpu } from '../cpu.ts';
import type { DecodedInsn } from '../decode/decoded_insn.ts';
import { AF, CF, OF, getCF, setFlagsMasked, setLazyShift, szp } from '../flags.ts';
import { K_IMM, K_REG, readDstRmw, readSrc, writeDst } from './operands.ts';

const WIDTH = [8, 16, 32, 64];
const MASK = [0xff, 0xffff, -1, -1];
const ARITH = 0x8d5;

// 64-bit helpers on (lo, hi); the high half of the result goes to H.
let H = 0;
function bit64(lo: number, hi: number, n: number): number { return n < 32 ? (lo >>> n) & 1 : (hi >>> (n - 32)) & 1; }
function shl64(lo: number, hi: number, n: number): number {
  if (n === 0) { H = hi; return lo; }
  if (n >= 64) { H = 0; return 0; }
  if (n < 32) { H = (hi << n) | (lo >>> (32 - n)); return lo << n; }
  H = lo << (n - 32); return 0;
}
function shr64(lo: number, hi: number, n: number): number {
  if (n === 0) { H = hi; return lo; }
  if (n >= 64) { H = 0; return 0; }
  if (n < 32) { H = hi >>> n; return (lo >>> n) | (hi << (32 - n)); }
  H = 0; return hi >>> (n - 32);
}
function sar64(lo: number, hi: number, n: number): number {
  if (n === 0) { H = hi; return lo; }
  if (n < 32) { H = hi >> n; return (lo >>> n) | (hi << (32 - n)); }
  H = hi >> 31; return hi >> (n - 32);
}
/** x >>> k with k possibly ≥ 32 (JS masks shift counts). */
function shrz(x: number, k: number): number { return k >= 32 ? 0 : x >>> k; }
function shlz(x: number, k: number): number { return k >= 32 ? 0 : x << k; }

export function SHIFT(c: Cpu, d: DecodedInsn): void {
  // Fast path (small enough to inline): SHL/SAL/SHR/SAR of a 32-bit register by 1..31.
  if (d.osz === 2 && d.k1 === K_REG && d.sub >= 4) {
    const cnt = (d.k2 === K_IMM ? d.imm : c.s8[d.r2]!) & 0x1f;
    if (cnt !== 0) {
      const s = c.s32, ri = d.r1 << 1, a = s[ri]!, op = d.sub;
      let r: number, cf: number, of: number;
      if (op === 5) { r = a >>> cnt; cf = (a >>> (cnt - 1)) & 1; of = a >>> 31; }
      else if (op === 7) { r = a >> cnt; cf = (a >> (cnt - 1)) & 1; of = 0; }
      else { r = a << cnt; cf = (a >>> (32 - cnt)) & 1; of = (r >>> 31) ^ cf; }
      setLazyShift(c, 2, r, 0, cf, of);
      s[ri] = r; s[ri + 1] = 0;
      return;
    }
  }
  if (d.osz === 3 && d.k1 === K_REG && d.sub >= 4) { shift64Reg(c, d); return; }
  shiftOther(c, d);
}

/** SHL/SAL/SHR/SAR of a 64-bit register (count masked to 6 bits; 0 changes nothing). */
function shift64Reg(c: Cpu, d: DecodedInsn): void {
  const cnt = (d.k2 === K_IMM ? d.imm : c.s8[d.r2]!) & 0x3f;
  if (cnt === 0) return;
  const s = c.s32, ri = d.r1 << 1, a = s[ri]!, ah = s[ri + 1]!, op = d.sub;
  let r: number, h: number, cf: number, of: number;
  if (op === 5) { r = shr64(a, ah, cnt); h = H; cf = bit64(a, ah, cnt - 1); of = ah >>> 31; }
  else if (op === 7) { r = sar64(a, ah, cnt); h = H; cf = bit64(a, ah, cnt - 1); of = 0; }
  else { r = shl64(a, ah, cnt); h = H; cf = bit64(a, ah, 64 - cnt); of = (h >>> 31) ^ cf; }
  setLazyShift(c, 3, r, h, cf, of);
  s[ri] = r; s[ri + 1] = h;
}

function shiftOther(c: Cpu, d: DecodedInsn): void {
  const size = d.osz;
  const raw = d.k2 === 4 ? d.imm : c.getReg(0, d.r2);
  const cnt = raw & (size === 3 ? 0x3f : 0x1f);
  const a = readDstRmw(c, d, size);
  if (c.fault) return;
  const ah = c.hi;
  if (cnt === 0) { writeDst(c, d, size, a, ah); return; }
  const op = d.sub;
  if (size === 3) { shift64(c, d, op, a, ah, cnt); return; }
  const n = WIDTH[size]!, m = MASK[size]!;
  const ua = a & m;
  const top = n - 1;
  let r = 0, cf = 0, of = 0, flagsMask = CF | OF, extra = 0;
  switch (op) {
    case 0: { // ROL
      const t = cnt % n;
      r = t === 0 ? ua : ((ua << t) | (ua >>> (n - t))) & m;
      cf = r & 1; of = ((r) >>> top & 1) ^ cf;
      break;
    }
    case 1: { // ROR
      const t = cnt % n;
      r = t === 0 ? ua : ((ua >>> t) | (ua << (n - t))) & m;
      cf = ((r) >>> top & 1); of = ((r) >>> top & 1) ^ ((r >>> (n - 2)) & 1);
      break;
    }
    case 2: { // RCL through CF, n+1 bits
      const t = size === 2 ? cnt : cnt % (n + 1);
      const cin = getCF(c);
      of = 0;
      if (t === 0) { r = ua; cf = cin; }
      else {
        r = (shlz(ua, t) | shlz(cin, t - 1) | shrz(ua, n + 1 - t)) & m;
        cf = (ua >>> (n - t)) & 1;
      }
      of = ((r) >>> top & 1) ^ cf;
      break;
    }
    case 3: { // RCR
      const t = size === 2 ? cnt : cnt % (n + 1);
      const cin = getCF(c);
      of = ((ua) >>> top & 1) ^ cin;
      if (t === 0) { r = ua; cf = cin; }
      else {
        r = (shrz(ua, t) | shlz(cin, n - t) | shlz(ua, n + 1 - t)) & m;
        cf = (ua >>> (t - 1)) & 1;
      }
      break;
    }
    case 4: case 6: // SHL/SAL
      r = shlz(ua, cnt) & m;
      cf = cnt <= n ? (ua >>> (n - cnt)) & 1 : 0;
      of = ((r) >>> top & 1) ^ cf;
      flagsMask = ARITH; extra = szp(size, r, 0);
      break;
    case 5: // SHR
      r = shrz(ua, cnt);
      cf = (ua >>> (cnt - 1)) & 1;
      of = ((ua) >>> top & 1);
      flagsMask = ARITH; extra = szp(size, r, 0);
      break;
    default: { // SAR
      const sa = size === 0 ? (ua << 24) >> 24 : size === 1 ? (ua << 16) >> 16 : ua;
      r = (sa >> (cnt > 31 ? 31 : cnt)) & m;
      cf = (sa >> (cnt - 1 > 31 ? 31 : cnt - 1)) & 1;
      of = 0;
      flagsMask = ARITH; extra = szp(size, r, 0);
      break;
    }
  }
  setFlagsMasked(c, flagsMask, (cf ? CF : 0) | (of ? OF : 0) | (extra & ~AF));
  writeDst(c, d, size, r, 0);
}

function shift64(c: Cpu, d: DecodedInsn, op: number, a: number, ah: number, cnt: number): void {
  let r = 0, h = 0, cf = 0, flagsMask = CF | OF, extra = 0, of = 0;
  switch (op) {
    case 0: { // ROL
      const lo1 = shl64(a, ah, cnt), hi1 = H;
      const lo2 = shr64(a, ah, 64 - cnt), hi2 = H;
      r = lo1 | lo2; h = hi1 | hi2;
      cf = r & 1; of = (h >>> 31) ^ cf;
      break;
    }
    case 1: { // ROR
      const lo1 = shr64(a, ah, cnt), hi1 = H;
      const lo2 = shl64(a, ah, 64 - cnt), hi2 = H;
      r = lo1 | lo2; h = hi1 | hi2;
      cf = h >>> 31; of = (h >>> 31) ^ ((h >>> 30) & 1);
      break;
    }
    case 2: { // RCL (65-bit rotation)
      const cin = getCF(c);
      const lo1 = shl64(a, ah, cnt), hi1 = H;
      const lo2 = shl64(cin, 0, cnt - 1), hi2 = H;
      const lo3 = shr64(a, ah, 65 - cnt), hi3 = H;
      r = lo1 | lo2 | lo3; h = hi1 | hi2 | hi3;
      cf = bit64(a, ah, 64 - cnt);
      of = (h >>> 31) ^ cf;
      break;
    }
    case 3: { // RCR
      const cin = getCF(c);
      of = (ah >>> 31) ^ cin;
      const lo1 = shr64(a, ah, cnt), hi1 = H;
      const lo2 = shl64(cin, 0, 64 - cnt), hi2 = H;
      const lo3 = shl64(a, ah, 65 - cnt), hi3 = H;
      r = lo1 | lo2 | lo3; h = hi1 | hi2 | hi3;
      cf = bit64(a, ah, cnt - 1);
      break;
    }
    case 4: case 6:
      r = shl64(a, ah, cnt); h = H;
      cf = bit64(a, ah, 64 - cnt);
      of = (h >>> 31) ^ cf;
      flagsMask = ARITH; extra = szp(3, r, h);
      break;
    case 5:
      r = shr64(a, ah, cnt); h = H;
      cf = bit64(a, ah, cnt - 1);
      of = ah >>> 31;
      flagsMask = ARITH; extra = szp(3, r, h);
      break;
    default:
      r = sar64(a, ah, cnt); h = H;
      cf = bit64(a, ah, cnt - 1);
      of = 0;
      flagsMask = ARITH; extra = szp(3, r, h);
      break;
  }
  setFlagsMasked(c, flagsMask, (cf ? CF : 0) | (of ? OF : 0) | (extra & ~AF));
  writeDst(c, d, 3, r, h);
}

/** SHLD (left) / SHRD (right) Ev,Gv,Ib|CL. */
export function SHXD(c: Cpu, d: DecodedInsn, right: boolean): void {
  const size = d.osz;
  const raw = d.k3 === 4 ? d.imm : c.getReg(0, 8 /* CL */);
  const cnt = raw & (size === 3 ? 0x3f : 0x1f);
  const src = c.getReg(size, d.r2), srch = c.hi;
  const a = readDstRmw(c, d, size);
  if (c.fault) return;
  const ah = c.hi;
  if (cnt === 0) { writeDst(c, d, size, a, ah); return; }
  let r: number, h = 0, cf: number, of: number;
  if (size === 3) {
    if (!right) {
      const l1 = shl64(a, ah, cnt), h1 = H, l2 = shr64(src, srch, 64 - cnt), h2 = H;
      r = l1 | l2; h = h1 | h2; cf = bit64(a, ah, 64 - cnt);
    } else {
      const l1 = shr64(a, ah, cnt), h1 = H, l2 = shl64(src, srch, 64 - cnt), h2 = H;
      r = l1 | l2; h = h1 | h2; cf = bit64(a, ah, cnt - 1);
    }
    of = ((h ^ ah) >>> 31) & 1;
    setFlagsMasked(c, ARITH, (cf ? CF : 0) | (of ? OF : 0) | (szp(3, r, h) & ~AF));
    writeDst(c, d, 3, r, h);
    return;
  }
  const n = WIDTH[size]!, m = MASK[size]!;
  const ua = a & m, us = src & m;
  if (size === 1) {
    // 16-bit with count > 16: Intel shifts the 48-bit dest:src:dest pattern (result undefined by the SDM).
    const hiPart = right ? us : ua, loPart = right ? ua : us;
    // Build a 32-bit value (hi:lo) and shift it; counts 17–31 wrap through dest again.
    if (!right) {
      const v = (ua << 16) | us;
      const t = cnt;
      const res = t <= 16 ? ((v << t) >>> 16) : (((us << 16 | ua) << (t - 16)) >>> 16);
      r = res & 0xffff;
      cf = t <= 16 ? (ua >>> (16 - t)) & 1 : (us >>> (32 - t)) & 1;
    } else {
      const v = (us << 16) | ua;
      const t = cnt;
      const res = t <= 16 ? (v >>> t) : ((((ua << 16) | us) >>> (t - 16)));
      r = res & 0xffff;
      cf = t <= 16 ? (ua >>> (t - 1)) & 1 : (us >>> (t - 17)) & 1;
    }
    void hiPart; void loPart;
  } else if (!right) {
    r = (shlz(ua, cnt) | shrz(us, n - cnt)) & m;
    cf = (ua >>> (n - cnt)) & 1;
  } else {
    r = (shrz(ua, cnt) | shlz(us, n - cnt)) & m;
    cf = (ua >>> (cnt - 1)) & 1;
  }
  of = ((r ^ ua) >>> (n - 1)) & 1;
  setFlagsMasked(c, ARITH, (cf ? CF : 0) | (of ? OF : 0) | (szp(size, r, 0) & ~AF));
  writeDst(c, d, size, r, 0);
}

/** SHLX/SARX/SHRX Gy,Ey,By (sub 8, 9, 10) and RORX Gy,Ey,Ib (sub 11): no flags. */
export function BMI_SHIFT(c: Cpu, d: DecodedInsn): void {
  const size = d.osz;
  const a = readSrc(c, d, size);
  if (c.fault) return;
  const ah = c.hi;
  const raw = d.sub === 11 ? d.imm : c.getReg(size, d.r3);
  const cnt = raw & (size === 3 ? 0x3f : 0x1f);
  let r: number, h = 0;
  if (size === 3) {
    switch (d.sub) {
      case 8: r = shl64(a, ah, cnt); h = H; break;
      case 9: r = sar64(a, ah, cnt); h = H; break;
      case 10: r = shr64(a, ah, cnt); h = H; break;
      default: {
        const l1 = shr64(a, ah, cnt), h1 = H, l2 = shl64(a, ah, (64 - cnt) & 63), h2 = H;
        r = cnt === 0 ? a : l1 | l2; h = cnt === 0 ? ah : h1 | h2;
      }
    }
  } else {
    switch (d.sub) {
      case 8: r = a << cnt; break;
      case 9: r = a >> cnt; break;
      case 10: r = a >>> cnt; break;
      default: r = cnt === 0 ? a : (a >>> cnt) | (a << (32 - cnt)); break;
    }
  }
  c.setReg(size, d.r1, r, h);
}
