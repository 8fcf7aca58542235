// BT BTS BTR BTC, BSF BSR, POPCNT LZCNT TZCNT, and the BMI1/BMI2 bit-field instructions
// ANDN BLSR BLSMSK BLSI BZHI PEXT PDEP BEXTR (SDM Vol 2).

import type { Cpu } from '../cpu.ts';
import type { DecodedInsn } from '../decode/decoded_insn.ts';
import { CC_LOGIC, CF, OF, SF, ZF, setFlagsMasked, setLazy, setLazy64, szp } from '../flags.ts';
import { readSrc } from './operands.ts';

const ARITH = 0x8d5;

/** BT* Ev,Gv / Ev,Ib. With a register bit offset and a memory operand the offset is signed
 *  and may address outside the operand (SDM Vol 2 BT: "bit string"). */
export function BT(c: Cpu, d: DecodedInsn): void {
  const size = d.osz, op = d.sub;
  const bits = 8 << size;
  let offLo: number, offHi = 0;
  if (d.k2 === 4) { offLo = d.imm & (bits - 1); }
  else {
    offLo = c.getReg(size, d.r2); offHi = size === 3 ? c.hi : offLo >> 31;
    if (size === 1) { offLo = (offLo << 16) >> 16; offHi = offLo >> 31; }
  }
  let v: number, vh = 0, bit: number;
  const mem = d.k1 === 3;
  if (mem) {
    c.ea(d);
    if (d.k2 !== 4) {
      // byte displacement = (offset >> 3) rounded down to the operand size, signed
      let dispLo: number, dispHi: number;
      if (size === 3) { dispLo = ((offLo >>> 3) | (offHi << 29)) & ~7; dispHi = offHi >> 3; }
      else { dispLo = (offLo >> 3) & ~((1 << size) - 1); dispHi = dispLo >> 31; }
      const sum = (c.eaLo >>> 0) + (dispLo >>> 0);
      c.eaHi = (c.eaHi + dispHi + (sum > 0xffffffff ? 1 : 0)) | 0;
      c.eaLo = sum | 0;
      if (c.codeBits !== 64) c.eaHi = 0;
    }
    bit = offLo & (bits - 1);
    v = op === 0 ? c.read(size) : c.rmwRead(size);
    if (c.fault) return;
    vh = c.hi;
  } else {
    bit = offLo & (bits - 1);
    v = c.getReg(size, d.r1); vh = c.hi;
  }
  const inHi = bit >= 32;
  const word = inHi ? vh : v, m = 1 << (bit & 31);
  const cf = (word & m) !== 0 ? 1 : 0;
  setFlagsMasked(c, CF, cf);
  if (op === 0) return;
  const nw = op === 1 ? word | m : op === 2 ? word & ~m : word ^ m;
  if (inHi) vh = nw; else v = nw;
  if (mem) c.rmwWrite(size, v, vh);
  else c.setReg(size, d.r1, v, vh);
}

function clz32(x: number): number { return Math.clz32(x); }
function ctz32(x: number): number { return x === 0 ? 32 : 31 - Math.clz32(x & -x); }
function popcnt32(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** BSF / BSR: zero source → ZF=1 and the destination unchanged. */
export function BSX(c: Cpu, d: DecodedInsn, reverse: boolean): void {
  const size = d.osz;
  let v = readSrc(c, d, size);
  if (c.fault) return;
  const vh = size === 3 ? c.hi : 0;
  if (size === 1) v &= 0xffff;
  if ((v | vh) === 0) { setFlagsMasked(c, ARITH, ZF); return; }
  let idx: number;
  if (!reverse) idx = v !== 0 ? ctz32(v) : 32 + ctz32(vh);
  else idx = vh !== 0 ? 63 - clz32(vh) : 31 - clz32(v);
  setFlagsMasked(c, ARITH, szp(0, idx, 0) & ~ZF);
  c.setReg(size, d.r1, idx, 0);
}

/** POPCNT (0), LZCNT (1), TZCNT (2). */
export function COUNT(c: Cpu, d: DecodedInsn, kind: number): void {
  const size = d.osz;
  let v = readSrc(c, d, size);
  if (c.fault) return;
  const vh = size === 3 ? c.hi : 0;
  if (size === 1) v &= 0xffff;
  const bits = 8 << size;
  let r: number;
  if (kind === 0) {
    r = popcnt32(v) + popcnt32(vh);
    setFlagsMasked(c, ARITH, (v | vh) === 0 ? ZF : 0);
  } else {
    if (kind === 1) {
      if (size === 3) r = vh !== 0 ? clz32(vh) : 32 + clz32(v);
      else r = clz32(v) - (32 - bits);
    } else {
      if (size === 3) r = v !== 0 ? ctz32(v) : 32 + ctz32(vh);
      else r = Math.min(ctz32(v), bits);
    }
    setFlagsMasked(c, ARITH, (r === bits ? CF : 0) | (r === 0 ? ZF : 0));
  }
  c.setReg(size, d.r1, r, 0);
}

/** BMI1/BMI2 (sub per exec_ids.ts: 0 ANDN 1 BLSR 2 BLSMSK 3 BLSI 4 BZHI 5 PEXT 6 PDEP 7 BEXTR). */
export function BMI(c: Cpu, d: DecodedInsn): void {
  const size = d.osz; // 2 or 3
  const sub = d.sub;
  // Memory/register source: op2 for ANDN/PEXT/PDEP... locate the E operand.
  const eIs3 = sub === 0 || sub === 5 || sub === 6; // Gy,By,Ey
  let src: number;
  if (eIs3) {
    src = d.k3 === 3 ? (c.ea(d), c.read(size)) : c.getReg(size, d.r3);
  } else {
    src = readSrc(c, d, size);
  }
  if (c.fault) return;
  const srch = size === 3 ? c.hi : 0;
  let r = 0, rh = 0;
  switch (sub) {
    case 0: { // ANDN Gy, By, Ey: ~By & Ey
      const v = c.getReg(size, d.r2), vh = size === 3 ? c.hi : 0;
      r = ~v & src; rh = ~vh & srch;
      logic(c, size, r, rh);
      setFlagsMasked(c, CF | OF, 0);
      c.setReg(size, d.r1, r, rh);
      return;
    }
    case 1: case 2: case 3: { // BLSR / BLSMSK / BLSI By, Ey
      const mlo = (src - 1) | 0, mhi = src === 0 ? (srch - 1) | 0 : srch;
      if (sub === 1) { r = src & mlo; rh = srch & mhi; }
      else if (sub === 2) { r = src ^ mlo; rh = srch ^ mhi; }
      else { const nlo = -src | 0, nhi = (src === 0 ? -srch : ~srch) | 0; r = src & nlo; rh = srch & nhi; }
      if (size !== 3) rh = 0;
      const zero = size === 3 ? (src | srch) === 0 : src === 0;
      const rf = szp(size, r, rh);
      const cf = sub === 3 ? !zero : zero;
      setFlagsMasked(c, ARITH, (rf & (SF | (sub === 2 ? 0 : ZF))) | (cf ? CF : 0));
      c.setReg(size, d.r1, r, rh);
      return;
    }
    case 4: { // BZHI Gy, Ey, By: zero bits from index By[7:0]
      const n = c.getReg(size, d.r3) & 0xff;
      const bits = 8 << size;
      r = src; rh = srch;
      if (n < bits) {
        if (n < 32) { r = n === 0 ? 0 : src & (-1 >>> (32 - n)); rh = 0; }
        else { rh = n === 32 ? 0 : srch & (-1 >>> (64 - n)); }
      }
      if (size !== 3) rh = 0;
      setFlagsMasked(c, ARITH, (szp(size, r, rh) & (SF | ZF)) | (n > bits - 1 ? CF : 0));
      c.setReg(size, d.r1, r, rh);
      return;
    }
    case 5: case 6: { // PEXT / PDEP Gy, By, Ey (mask = Ey)
      const v = c.getReg(size, d.r2), vh = size === 3 ? c.hi : 0;
      let outLo = 0, outHi = 0, k = 0;
      const bits = 8 << size;
      for (let i = 0; i < bits; i++) {
        const mbit = i < 32 ? (src >>> i) & 1 : (srch >>> (i - 32)) & 1;
        if (!mbit) continue;
        if (sub === 5) {
          const b = i < 32 ? (v >>> i) & 1 : (vh >>> (i - 32)) & 1;
          if (b) { if (k < 32) outLo |= 1 << k; else outHi |= 1 << (k - 32); }
        } else {
          const b = k < 32 ? (v >>> k) & 1 : (vh >>> (k - 32)) & 1;
          if (b) { if (i < 32) outLo |= 1 << i; else outHi |= 1 << (i - 32); }
        }
        k++;
      }
      c.setReg(size, d.r1, outLo, outHi);
      return;
    }
    default: { // BEXTR Gy, Ey, By: start = By[7:0], len = By[15:8]
      const ctl = c.getReg(size, d.r3);
      const start = ctl & 0xff, len = (ctl >>> 8) & 0xff;
      const bits = 8 << size;
      // shift right by start, keep len bits
      let lo = src, hi = srch;
      if (start >= bits) { lo = 0; hi = 0; }
      else if (start >= 32) { lo = hi >>> (start - 32); hi = 0; }
      else if (start > 0) { lo = (lo >>> start) | (size === 3 ? hi << (32 - start) : 0); hi = size === 3 ? hi >>> start : 0; }
      if (size !== 3) hi = 0;
      if (len < 64) {
        if (len < 32) { lo = len === 0 ? 0 : lo & (-1 >>> (32 - len)); hi = 0; }
        else hi = len === 32 ? 0 : hi & (-1 >>> (64 - len));
      }
      setFlagsMasked(c, ARITH, (size === 3 ? (lo | hi) === 0 : lo === 0) ? ZF : 0);
      c.setReg(size, d.r1, lo, hi);
      return;
    }
  }
}

function logic(c: Cpu, size: number, r: number, rh: number): void {
  if (size === 3) setLazy64(c, CC_LOGIC, 0, 0, 0, 0, r, rh, ARITH);
  else setLazy(c, CC_LOGIC, size, 0, 0, r, ARITH);
}
