// Generic operand access for handlers (QEMU's gen_load / gen_writeback idea): operand 1 is the
// destination (register or memory, read-modify-write), operand 2 the source (register,
// immediate or memory). Values of size code 3 return their high half in `c.hi`.

import type { Cpu } from '../cpu.ts';
import type { DecodedInsn } from '../decode/decoded_insn.ts';

export const K_REG = 1, K_MEM = 3, K_IMM = 4;

/** Operand 2 of `size`. Returns 0 with c.fault set when a memory read faults. */
export function readSrc(c: Cpu, d: DecodedInsn, size: number): number {
  const k = d.k2;
  if (k === K_REG) return c.getReg(size, d.r2);
  if (k === K_IMM) { c.hi = d.immHi; return d.imm; }
  c.ea(d);
  return c.read(size);
}

/** Operand 1 for a read-modify-write (memory: write permission checked now). */
export function readDstRmw(c: Cpu, d: DecodedInsn, size: number): number {
  if (d.k1 === K_MEM) { c.ea(d); return c.rmwRead(size); }
  return c.getReg(size, d.r1);
}

/** Operand 1 read only (CMP/TEST destination). */
export function readDst(c: Cpu, d: DecodedInsn, size: number): number {
  if (d.k1 === K_MEM) { c.ea(d); return c.read(size); }
  return c.getReg(size, d.r1);
}

/** Write operand 1 after readDstRmw. */
export function writeDst(c: Cpu, d: DecodedInsn, size: number, v: number, vh: number): void {
  if (d.k1 === K_MEM) c.rmwWrite(size, v, vh);
  else c.setReg(size, d.r1, v, vh);
}

/** Mask a value to size code (0–2); 64-bit values pass through. */
export function mask(size: number, v: number): number {
  return size === 0 ? v & 0xff : size === 1 ? v & 0xffff : v | 0;
}

/** Sign-extend a value of size code to int32 (sizes 0–2). */
export function sext(size: number, v: number): number {
  return size === 0 ? (v << 24) >> 24 : size === 1 ? (v << 16) >> 16 : v | 0;
}
