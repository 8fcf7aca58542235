// Data movement: MOV, MOVZX, MOVSX, MOVSXD, LEA, XCHG, CBW/CWDE/CDQE, CWD/CDQ/CQO, BSWAP,
// XLAT, SETcc, CMOVcc, MOVBE (SDM Vol 2).

import type { Cpu } from '../cpu.ts';
import type { DecodedInsn } from '../decode/decoded_insn.ts';
import { testCC } from '../flags.ts';
import { K_IMM, K_MEM, K_REG, readSrc } from './operands.ts';

export function MOV(c: Cpu, d: DecodedInsn): void {
  const size = d.osz;
  if (size >= 2 && d.k1 === K_REG) {
    // Fast path: 32/64-bit register destination.
    const s = c.s32, ri = d.r1 << 1;
    if (d.k2 === K_REG) { s[ri] = s[d.r2 << 1]!; s[ri + 1] = size === 3 ? s[(d.r2 << 1) + 1]! : 0; return; }
    if (d.k2 === K_IMM) { s[ri] = d.imm; s[ri + 1] = size === 3 ? d.immHi : 0; return; }
    c.ea(d);
    const v = c.read(size);
    if (c.fault) return;
    s[ri] = v; s[ri + 1] = size === 3 ? c.hi : 0;
    return;
  }
  const v = readSrc(c, d, size);
  if (c.fault) return;
  const vh = c.hi;
  if (d.k1 === K_MEM) { c.ea(d); c.write(size, v, vh); }
  else c.setReg(size, d.r1, v, size === 3 && d.k2 === 4 ? d.immHi : vh);
}

/** MOVZX (signed = false) / MOVSX Gv, Eb|Ew; d.sub = source width code (0 byte, 1 word). */
export function MOVX(c: Cpu, d: DecodedInsn, signed: boolean): void {
  const srcSize = d.sub;
  let v: number;
  // Register sources straight from the state block (byte registers: r2 is the byte offset).
  if (d.k2 === K_REG) v = srcSize === 0 ? c.s8[d.r2]! : c.s16[d.r2 << 2]!;
  else { c.ea(d); v = c.read(srcSize); if (c.fault) return; }
  if (signed) v = srcSize === 0 ? (v << 24) >> 24 : (v << 16) >> 16;
  if (d.osz === 1) { c.s16[d.r1 << 2] = v; return; }
  const s = c.s32, ri = d.r1 << 1;
  s[ri] = v; s[ri + 1] = d.osz === 3 ? v >> 31 : 0;
}

export function MOVSXD(c: Cpu, d: DecodedInsn): void {
  const v = readSrc(c, d, 2);
  if (c.fault) return;
  if (d.osz === 3) c.setReg(3, d.r1, v, v >> 31);
  else c.setReg(d.osz, d.r1, v, 0);
}

/** LEA: the effective address without segment base, truncated to the operand size. */
export function LEA(c: Cpu, d: DecodedInsn): void {
  c.ea(d, false);
  c.setReg(d.osz, d.r1, c.eaLo, c.eaHi);
}

export function XCHG(c: Cpu, d: DecodedInsn): void {
  const size = d.osz;
  const b = c.getReg(size, d.r2), bh = c.hi;
  if (d.k1 === K_MEM) {
    c.ea(d);
    const a = c.rmwRead(size);
    if (c.fault) return;
    const ah = c.hi;
    c.rmwWrite(size, b, bh);
    c.setReg(size, d.r2, a, ah);
    return;
  }
  const a = c.getReg(size, d.r1), ah = c.hi;
  c.setReg(size, d.r1, b, bh);
  c.setReg(size, d.r2, a, ah);
}

/** CBW/CWDE/CDQE by operand size. */
export function CBW(c: Cpu, d: DecodedInsn): void {
  const s = c.s32;
  switch (d.osz) {
    case 1: c.s16[0] = (c.s8[0]! << 24) >> 24; break;
    case 2: c.setReg(2, 0, (c.s16[0]! << 16) >> 16, 0); break;
    default: s[1] = s[0]! >> 31; break;
  }
}

/** CWD/CDQ/CQO. */
export function CWD(c: Cpu, d: DecodedInsn): void {
  const s = c.s32;
  switch (d.osz) {
    case 1: c.s16[8] = (c.s16[0]! & 0x8000) ? 0xffff : 0; break;
    case 2: c.setReg(2, 2, s[0]! >> 31, 0); break;
    default: s[4] = s[1]! >> 31; s[5] = s[1]! >> 31; break;
  }
}

function bswap32(x: number): number {
  return ((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24);
}

export function BSWAP(c: Cpu, d: DecodedInsn): void {
  const r = d.r1;
  if (d.osz === 3) {
    const lo = c.s32[r << 1]!, hi = c.s32[(r << 1) + 1]!;
    c.setReg(3, r, bswap32(hi), bswap32(lo));
  } else if (d.osz === 2) c.setReg(2, r, bswap32(c.s32[r << 1]!), 0);
  else c.s16[r << 2] = 0; // 16-bit BSWAP is undefined; hardware clears the low word
}

export function XLAT(c: Cpu, d: DecodedInsn): void {
  const s = c.s32;
  const al = c.s8[0]!;
  if (d.asz === 3) {
    const lo = s[6]!, hi = s[7]!;
    const sum = (lo >>> 0) + al;
    c.linear(d.seg, sum | 0, (hi + (sum > 0xffffffff ? 1 : 0)) | 0, 3);
  } else c.linear(d.seg, (d.asz === 1 ? (c.s16[12]! + al) & 0xffff : (s[6]! + al) | 0), 0, d.asz);
  const v = c.read(0);
  if (c.fault) return;
  c.s8[0] = v;
}

export function SETCC(c: Cpu, d: DecodedInsn): void {
  const v = testCC(c, d.sub) ? 1 : 0;
  if (d.k1 === K_MEM) { c.ea(d); c.write(0, v, 0); }
  else c.s8[d.r1] = v;
}

/** CMOVcc: the source is always read; a 32-bit destination is zero-extended even when false. */
export function CMOVCC(c: Cpu, d: DecodedInsn): void {
  const size = d.osz;
  const v = readSrc(c, d, size);
  if (c.fault) return;
  const vh = c.hi;
  if (testCC(c, d.sub)) c.setReg(size, d.r1, v, vh);
  else if (size === 2) c.s32[(d.r1 << 1) + 1] = 0;
}

/** MOVBE Gv,Mv (load) / Mv,Gv (store). */
export function MOVBE(c: Cpu, d: DecodedInsn): void {
  const size = d.osz;
  if (d.k1 === K_MEM) {
    const v = c.getReg(size, d.r2), vh = c.hi;
    c.ea(d);
    if (size === 1) c.write(1, ((v & 0xff) << 8) | ((v >>> 8) & 0xff), 0);
    else if (size === 2) c.write(2, bswap32(v), 0);
    else c.write(3, bswap32(vh), bswap32(v));
    return;
  }
  c.ea(d);
  const v = c.read(size);
  if (c.fault) return;
  if (size === 1) c.s16[d.r1 << 2] = ((v & 0xff) << 8) | ((v >>> 8) & 0xff);
  else if (size === 2) c.setReg(2, d.r1, bswap32(v), 0);
  else c.setReg(3, d.r1, bswap32(c.hi), bswap32(v));
}
