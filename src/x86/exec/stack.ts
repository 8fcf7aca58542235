// PUSH POP (registers, immediates, memory, segment registers), PUSHA/POPA, ENTER/LEAVE,
// PUSHF/POPF (SDM Vol 2). Stack width comes from STACK_BITS (64 in long mode, else SS.B).

import type { Cpu } from '../cpu.ts';
import type { DecodedInsn } from '../decode/decoded_insn.ts';
import { RBP, RSP, RFLAGS, LAZY_MASK, SEG, SS } from '../state_layout.ts';
import { getFlags } from '../flags.ts';
import { K_IMM, K_MEM, K_REG } from './operands.ts';
import { vm86IoplFault } from '../system/vm86.ts';

export function PUSH(c: Cpu, d: DecodedInsn): void {
  const size = d.osz;
  let v: number, vh = 0;
  if (d.k1 === K_REG) { v = c.getReg(size, d.r1); vh = c.hi; }
  else if (d.k1 === K_IMM) { v = d.imm; vh = d.immHi; }
  else { c.ea(d); v = c.read(size); if (c.fault) return; vh = c.hi; }
  c.push(size, v, vh);
}

export function POP(c: Cpu, d: DecodedInsn): void {
  const size = d.osz;
  const v = c.peek(size, 0);
  if (c.fault) return;
  const vh = c.hi;
  if (d.k1 === K_MEM) {
    // The address is computed after RSP is incremented (SDM Vol 2 POP).
    const s = c.s32, lo = s[RSP << 1]!, hi = s[(RSP << 1) + 1]!;
    c.adjustSp(1 << size);
    c.ea(d);
    c.write(size, v, vh);
    if (c.fault) { s[RSP << 1] = lo; s[(RSP << 1) + 1] = hi; }
    return;
  }
  c.adjustSp(1 << size);
  c.setReg(size, d.r1, v, vh);
}

export function PUSHA(c: Cpu, d: DecodedInsn): void {
  const size = d.osz, s = c.s32;
  const lo = s[RSP << 1]!, hi = s[(RSP << 1) + 1]!;
  const sp = c.getReg(size, RSP);
  for (let r = 0; r < 8; r++) {
    const v = r === RSP ? sp : c.getReg(size, r);
    if (!c.push(size, v, 0)) { s[RSP << 1] = lo; s[(RSP << 1) + 1] = hi; return; }
  }
}

export function POPA(c: Cpu, d: DecodedInsn): void {
  const size = d.osz, n = 1 << size;
  const vals = POPA_TMP;
  for (let i = 0; i < 8; i++) { vals[i] = c.peek(size, i * n); if (c.fault) return; }
  for (let i = 0; i < 8; i++) {
    const r = 7 - i;
    if (r !== RSP) c.setReg(size, r, vals[i]!, 0);
  }
  c.adjustSp(8 * n);
}
const POPA_TMP = new Int32Array(8);

/** ENTER Iw, Ib (SDM Vol 2 ENTER, nesting level mod 32). */
export function ENTER(c: Cpu, d: DecodedInsn): void {
  const size = d.osz, n = 1 << size, s = c.s32;
  const level = d.imm2 & 31;
  const spLo = s[RSP << 1]!, spHi = s[(RSP << 1) + 1]!, bpLo = s[RBP << 1]!, bpHi = s[(RBP << 1) + 1]!;
  if (!c.push(size, c.getReg(size, RBP), c.hi)) return;
  const frameLo = c.getReg(c.stackBits === 64 ? 3 : c.stackBits === 32 ? 2 : 1, RSP), frameHi = c.hi;
  if (level > 0) {
    const stackSize = c.stackBits === 64 ? 3 : c.stackBits === 32 ? 2 : 1;
    for (let i = 1; i < level; i++) {
      // rBP -= n; push [SS:rBP]
      let bp = c.getReg(stackSize, RBP), bph = stackSize === 3 ? c.hi : 0;
      const nb = (bp - n) | 0;
      if (stackSize === 3 && (nb >>> 0) > (bp >>> 0)) bph = (bph - 1) | 0;
      bp = stackSize === 1 ? nb & 0xffff : nb;
      c.setReg(stackSize, RBP, bp, bph);
      c.linear(SS, bp, bph, stackSize);
      const v = c.read(size);
      if (c.fault) { restoreFrame(c, spLo, spHi, bpLo, bpHi); return; }
      const vh = c.hi;
      if (!c.push(size, v, vh)) { restoreFrame(c, spLo, spHi, bpLo, bpHi); return; }
    }
    if (!c.push(size, frameLo, frameHi)) { restoreFrame(c, spLo, spHi, bpLo, bpHi); return; }
  }
  // rBP = frame temp (by operand size), rSP -= size
  c.setReg(size, RBP, frameLo, frameHi);
  const alloc = d.imm & 0xffff;
  // probe the lowest byte of the new frame (SDM: #SS/#PF if the frame is not writable)
  c.adjustSp(-alloc);
  if (alloc > 0) {
    const stackSize = c.stackBits === 64 ? 3 : c.stackBits === 32 ? 2 : 1;
    const lo = c.getReg(stackSize, RSP), hi = stackSize === 3 ? c.hi : 0;
    c.linear(SS, lo, hi, stackSize);
    if (!c.probeWrite(c.eaLo, c.eaHi, 1)) { restoreFrame(c, spLo, spHi, bpLo, bpHi); return; }
  }
}

function restoreFrame(c: Cpu, spLo: number, spHi: number, bpLo: number, bpHi: number): void {
  const s = c.s32;
  s[RSP << 1] = spLo; s[(RSP << 1) + 1] = spHi; s[RBP << 1] = bpLo; s[(RBP << 1) + 1] = bpHi;
}

export function LEAVE(c: Cpu, d: DecodedInsn): void {
  const size = d.osz, s = c.s32;
  const spLo = s[RSP << 1]!, spHi = s[(RSP << 1) + 1]!;
  const sb = c.stackBits;
  if (sb === 64) { s[RSP << 1] = s[RBP << 1]!; s[(RSP << 1) + 1] = s[(RBP << 1) + 1]!; }
  else if (sb === 32) s[RSP << 1] = s[RBP << 1]!;
  else c.s16[RSP << 2] = c.s16[RBP << 2]!;
  const v = c.peek(size, 0);
  if (c.fault) { s[RSP << 1] = spLo; s[(RSP << 1) + 1] = spHi; return; }
  c.adjustSp(1 << size);
  c.setReg(size, RBP, v, c.hi);
}

export function PUSHF(c: Cpu, d: DecodedInsn): void {
  if (vm86IoplFault(c)) return;
  // VM and RF are cleared in the pushed image (SDM Vol 2 PUSHF).
  const f = getFlags(c) & ~0x30000;
  c.push(d.osz, f, 0);
}

/** POPF: which bits change depends on CPL and IOPL (SDM Vol 2 POPF, Table 4-?). */
export function POPF(c: Cpu, d: DecodedInsn): void {
  if (vm86IoplFault(c)) return;
  const size = d.osz;
  const v = c.peek(size, 0);
  if (c.fault) return;
  const s = c.s32;
  const old = getFlags(c);
  const cpl = c.cpl, iopl = (old >> 12) & 3;
  // CF PF AF ZF SF TF DF OF NT AC ID always; IF if CPL <= IOPL; IOPL at CPL 0. VM/RF/VIP/VIF unchanged.
  let m = 0x0001 | 0x0004 | 0x0010 | 0x0040 | 0x0080 | 0x0100 | 0x0400 | 0x0800 | 0x4000 | 0x40000 | 0x200000;
  if (cpl <= iopl) m |= 0x0200;
  if (cpl === 0) m |= 0x3000;
  if (size === 1) m &= 0xffff;
  s[RFLAGS >> 2] = ((old & ~m) | (v & m) | 2) & ~0x8028;
  s[LAZY_MASK >> 2] = 0;
  c.adjustSp(1 << size);
  c.eventCheck = true; // IF or TF may have been set
}

/** PUSH ES/CS/SS/DS/FS/GS: the selector, zero-extended (a 16-bit write for 16-bit pushes). */
export function PUSHSEG(c: Cpu, d: DecodedInsn): void {
  const sel = c.s32[(SEG >> 2) + d.r1 * 8]! & 0xffff;
  c.push(d.osz, sel, 0);
}
