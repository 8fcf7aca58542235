// Near control transfers: Jcc, JMP, CALL, RET, LOOP/LOOPE/LOOPNE/JrCXZ, and the software
// interrupts INT3/INT n/INTO/INT1 (recorded as trap-type exceptions for part 2 to deliver).

import type { Cpu } from '../cpu.ts';
import type { DecodedInsn } from '../decode/decoded_insn.ts';
import { OF, getFlag, testCC, ZF } from '../flags.ts';
import { EXC_NESTING, RCX, RIP } from '../state_layout.ts';
import { K_IMM, K_MEM } from './operands.ts';
import { vm86IoplFault } from '../system/vm86.ts';

/** Set the branch target (lo, hi) with the operand-size truncation and the canonical check. */
function branch(c: Cpu, osz: number, lo: number, hi: number): boolean {
  if (osz === 1) { lo &= 0xffff; hi = 0; }
  else if (osz === 2 || c.codeBits !== 64) hi = 0;
  else if (((hi << 16) >> 16) !== hi) { c.raiseGP0(); return false; }
  c.nextLo = lo;
  c.nextHi = hi;
  return true;
}

/** next + rel (sign-extended rel). */
function relTarget(c: Cpu, d: DecodedInsn): void {
  const rel = d.imm, lo = c.nextLo, sum = (lo + rel) | 0;
  let hi = c.nextHi;
  // Carry or borrow into the high word, in integer compares: u64.ts hiAfterAdd written out, since a
  // call here cost sieve32 ≈ 15 % (JCC's inlining budget).
  if (rel >= 0) { if ((sum >>> 0) < (lo >>> 0)) hi = (hi + 1) | 0; } else if ((sum >>> 0) > (lo >>> 0)) hi = (hi - 1) | 0;
  branch(c, d.osz, sum, hi);
}

export function JCC(c: Cpu, d: DecodedInsn): void {
  if (testCC(c, d.sub)) relTarget(c, d);
}

export function JMP(c: Cpu, d: DecodedInsn): void {
  if (d.k1 === K_IMM) { relTarget(c, d); return; }
  const size = d.osz;
  let lo: number, hi = 0;
  if (d.k1 === K_MEM) { c.ea(d); lo = c.read(size); if (c.fault) return; hi = c.hi; }
  else { lo = c.getReg(size, d.r1); hi = c.hi; }
  branch(c, size, lo, size === 3 ? hi : 0);
}

export function CALL(c: Cpu, d: DecodedInsn): void {
  const size = d.osz;
  let lo: number, hi = 0;
  if (d.k1 === K_IMM) {
    const sum = (c.nextLo >>> 0) + d.imm;
    hi = c.nextHi;
    if (sum > 0xffffffff) hi = (hi + 1) | 0; else if (sum < 0) hi = (hi - 1) | 0;
    lo = sum | 0;
  } else if (d.k1 === K_MEM) { c.ea(d); lo = c.read(size); if (c.fault) return; hi = c.hi; }
  else { lo = c.getReg(size, d.r1); hi = c.hi; }
  const retLo = c.nextLo, retHi = c.nextHi;
  if (size === 3 && ((hi << 16) >> 16) !== hi) { c.raiseGP0(); return; }
  if (!c.push(size, retLo, retHi)) return;
  branch(c, size, lo, hi);
}

export function RET(c: Cpu, d: DecodedInsn): void {
  const size = d.osz;
  const lo = c.peek(size, 0);
  if (c.fault) return;
  const hi = c.hi;
  if (size === 3 && ((hi << 16) >> 16) !== hi) { c.raiseGP0(); return; }
  c.adjustSp((1 << size) + (d.k1 === K_IMM ? d.imm & 0xffff : 0));
  branch(c, size, lo, size === 3 ? hi : 0);
}

/** LOOPNE (0), LOOPE (1), LOOP (2), JrCXZ (3); the counter width is the address size. */
export function LOOP(c: Cpu, d: DecodedInsn): void {
  const s = c.s32, asz = d.asz, op = d.sub;
  let lo = s[RCX << 1]!, hi = s[(RCX << 1) + 1]!;
  if (op === 3) {
    const zero = asz === 3 ? (lo | hi) === 0 : asz === 2 ? lo === 0 : (lo & 0xffff) === 0;
    if (zero) relTarget(c, d);
    return;
  }
  // Decrement first (even if the branch then faults, hardware has decremented: SDM says rCX is
  // updated before the jump; a #GP on the target leaves it decremented, as the host shows).
  let nz: boolean;
  if (asz === 3) { if (lo === 0) hi = (hi - 1) | 0; lo = (lo - 1) | 0; nz = (lo | hi) !== 0; }
  else if (asz === 2) { lo = (lo - 1) | 0; nz = lo !== 0; }
  else { lo = (lo & ~0xffff) | ((lo - 1) & 0xffff); nz = (lo & 0xffff) !== 0; }
  let take = nz;
  if (op === 1) take = nz && getFlag(c, ZF) !== 0;
  else if (op === 0) take = nz && getFlag(c, ZF) === 0;
  const oldLo = s[RCX << 1]!, oldHi = s[(RCX << 1) + 1]!;
  if (asz === 3) { s[RCX << 1] = lo; s[(RCX << 1) + 1] = hi; }
  else if (asz === 2) c.setReg(2, RCX, lo, 0);
  else c.s16[RCX << 2] = lo;
  if (take) {
    relTarget(c, d);
    if (c.fault) { s[RCX << 1] = oldLo; s[(RCX << 1) + 1] = oldHi; }
  }
}

/** INT3 (0), INT n (1), INTO (2), INT1 (3): trap-type, RIP advanced past the instruction. */
export function INTN(c: Cpu, d: DecodedInsn): void {
  const op = d.sub;
  let vector: number;
  if (op === 0) vector = 3;
  else if (op === 1) { if (vm86IoplFault(c)) return; vector = d.imm & 0xff; } // IOPL-sensitive in VM86
  else if (op === 2) { if (getFlag(c, OF) === 0) return; vector = 4; }
  else vector = 1;
  const s = c.s32;
  // Where a fault during the delivery returns to: the INT instruction itself (SDM Vol 3 §6.5).
  c.intRipLo = s[RIP >> 2]!;
  c.intRipHi = s[(RIP >> 2) + 1]!;
  s[RIP >> 2] = c.nextLo;
  s[(RIP >> 2) + 1] = c.nextHi;
  c.raise(vector, -1);
  // Part 2: 1 = software interrupt (INT n/INT3/INTO: DPL check, no error code), 2 = INT1.
  s[EXC_NESTING >> 2] = op === 3 ? 2 : 1;
}
