// ADD OR ADC SBB AND SUB XOR CMP, TEST, INC, DEC, NOT, NEG, CMPXCHG, XADD, CMPXCHG8B/16B,
// ADCX/ADOX (SDM Vol 2). Flags are recorded lazily (flags.ts).

import type { Cpu } from '../cpu.ts';
import type { DecodedInsn } from '../decode/decoded_insn.ts';
import { ARITH, CC_ADC, CC_ADD, CC_LOGIC, CC_SBB, CC_SUB, CF, OF, ZF, getCF, getFlag, saveCF, setFlagsMasked, setLazy, setLazy64 } from '../flags.ts';
import { carryOut } from '../u64.ts';
import { K_IMM, K_MEM, K_REG, readDst, readDstRmw, readSrc, writeDst } from './operands.ts';

let rh = 0; // high half of the last 64-bit result

/** a op b for ALU op 0–7 of `size`; returns lo (hi in rh) and records flags. */
function aluOp(c: Cpu, op: number, size: number, a: number, ah: number, b: number, bh: number): number {
  let r: number;
  if (size === 3) {
    switch (op) {
      case 0: case 2: { // ADD, ADC
        const cin = op === 2 ? getCF(c) : 0;
        const sum = (a >>> 0) + (b >>> 0) + cin;
        r = sum | 0; rh = (ah + bh + (sum > 0xffffffff ? 1 : 0)) | 0;
        setLazy64(c, op === 2 ? CC_ADC : CC_ADD, a, ah, b, bh, r, rh, ARITH);
        return r;
      }
      case 3: case 5: case 7: { // SBB, SUB, CMP
        const cin = op === 3 ? getCF(c) : 0;
        const dif = (a >>> 0) - (b >>> 0) - cin;
        r = dif | 0; rh = (ah - bh - (dif < 0 ? 1 : 0)) | 0;
        setLazy64(c, op === 3 ? CC_SBB : CC_SUB, a, ah, b, bh, r, rh, ARITH);
        return r;
      }
      case 1: r = a | b; rh = ah | bh; break;
      case 4: r = a & b; rh = ah & bh; break;
      default: r = a ^ b; rh = ah ^ bh; break;
    }
    setLazy64(c, CC_LOGIC, 0, 0, 0, 0, r, rh, ARITH);
    return r;
  }
  switch (op) {
    case 0: r = (a + b) | 0; setLazy(c, CC_ADD, size, a, b, r, ARITH); return r;
    case 2: r = (a + b + getCF(c)) | 0; setLazy(c, CC_ADC, size, a, b, r, ARITH); return r;
    case 3: r = (a - b - getCF(c)) | 0; setLazy(c, CC_SBB, size, a, b, r, ARITH); return r;
    case 5: case 7: r = (a - b) | 0; setLazy(c, CC_SUB, size, a, b, r, ARITH); return r;
    case 1: r = a | b; break;
    case 4: r = a & b; break;
    default: r = a ^ b; break;
  }
  setLazy(c, CC_LOGIC, size, 0, 0, r, ARITH);
  return r;
}

/** 32-bit a op b with the flags recorded; returns the result (CMP: a - b, not written back). */
function alu32(c: Cpu, op: number, a: number, b: number): number {
  let r: number;
  switch (op) {
    case 0: r = (a + b) | 0; setLazy(c, CC_ADD, 2, a, b, r, ARITH); return r;
    case 5: case 7: r = (a - b) | 0; setLazy(c, CC_SUB, 2, a, b, r, ARITH); return r;
    case 4: r = a & b; break;
    case 1: r = a | b; break;
    case 6: r = a ^ b; break;
    default: return aluOp(c, op, 2, a, 0, b, 0);
  }
  setLazy(c, CC_LOGIC, 2, 0, 0, r, ARITH);
  return r;
}

export function ALU(c: Cpu, d: DecodedInsn): void {
  // Fast path: 32-bit register destination (the common case), small enough for V8 to inline
  // into the run loop; the rest is in aluOther.
  if (d.osz === 2 && d.k1 === K_REG) {
    const s = c.s32, ri = d.r1 << 1;
    let b: number;
    if (d.k2 === K_REG) b = s[d.r2 << 1]!;
    else if (d.k2 === K_IMM) b = d.imm;
    else { c.ea(d); b = c.read(2); if (c.fault) return; }
    const r = alu32(c, d.sub, s[ri]!, b);
    if (d.sub !== 7) { s[ri] = r; s[ri + 1] = 0; }
    return;
  }
  if (d.osz === 3 && d.k1 === K_REG && d.k2 !== K_MEM && d.sub !== 2 && d.sub !== 3) { alu64Reg(c, d); return; }
  aluOther(c, d);
}

/** 64-bit register ADD/SUB/CMP/AND/OR/XOR with a register or immediate source. */
function alu64Reg(c: Cpu, d: DecodedInsn): void {
  const s = c.s32, ri = d.r1 << 1, a = s[ri]!, ah = s[ri + 1]!;
  const b = d.k2 === K_REG ? s[d.r2 << 1]! : d.imm, bh = d.k2 === K_REG ? s[(d.r2 << 1) + 1]! : d.immHi;
  let r: number, h: number;
  if (d.sub === 0) {
    r = (a + b) | 0; h = (ah + bh + carryOut(a, r)) | 0;
    setLazy64(c, CC_ADD, a, ah, b, bh, r, h, ARITH);
  } else if (d.sub === 1 || d.sub === 4 || d.sub === 6) {
    if (d.sub === 1) { r = a | b; h = ah | bh; } else if (d.sub === 4) { r = a & b; h = ah & bh; } else { r = a ^ b; h = ah ^ bh; }
    setLazy64(c, CC_LOGIC, 0, 0, 0, 0, r, h, ARITH);
  } else {
    r = (a - b) | 0; h = (ah - bh - ((a >>> 0) < (b >>> 0) ? 1 : 0)) | 0;
    setLazy64(c, CC_SUB, a, ah, b, bh, r, h, ARITH);
    if (d.sub === 7) return;
  }
  s[ri] = r; s[ri + 1] = h;
}

/** ALU forms other than 32-bit register destination with a register/immediate source. */
function aluOther(c: Cpu, d: DecodedInsn): void {
  const size = d.osz, op = d.sub;
  if (size === 3 && d.k1 === K_REG && d.k2 !== K_MEM) {
    // ADC/SBB on a 64-bit register (the other operations take alu64Reg).
    const s = c.s32, ri = d.r1 << 1;
    const b = d.k2 === K_REG ? s[d.r2 << 1]! : d.imm, bh = d.k2 === K_REG ? s[(d.r2 << 1) + 1]! : d.immHi;
    s[ri] = aluOp(c, op, 3, s[ri]!, s[ri + 1]!, b, bh); s[ri + 1] = rh;
    return;
  }
  const b = readSrc(c, d, size);
  if (c.fault) return;
  const bh = c.hi;
  const a = op === 7 ? readDst(c, d, size) : readDstRmw(c, d, size);
  if (c.fault) return;
  const r = aluOp(c, op, size, a, c.hi, b, bh);
  if (op !== 7) writeDst(c, d, size, r, rh);
}

export function TEST(c: Cpu, d: DecodedInsn): void {
  if (d.osz === 2 && d.k1 === K_REG && d.k2 !== K_MEM) {
    const s = c.s32;
    setLazy(c, CC_LOGIC, 2, 0, 0, s[d.r1 << 1]! & (d.k2 === K_REG ? s[d.r2 << 1]! : d.imm), ARITH);
    return;
  }
  const size = d.osz;
  const b = readSrc(c, d, size);
  if (c.fault) return;
  const bh = c.hi;
  const a = readDst(c, d, size);
  if (c.fault) return;
  aluOp(c, 4, size, a, c.hi, b, bh);
}

/** INC/DEC: like ADD/SUB 1 but CF is preserved. */
export function INCDEC(c: Cpu, d: DecodedInsn, dec: boolean): void {
  if (d.osz === 2 && d.k1 === K_REG) {
    const s = c.s32, ri = d.r1 << 1, a = s[ri]!;
    saveCF(c);
    const r = dec ? (a - 1) | 0 : (a + 1) | 0;
    setLazy(c, dec ? CC_SUB : CC_ADD, 2, a, 1, r, ARITH & ~CF);
    s[ri] = r; s[ri + 1] = 0;
    return;
  }
  if (d.osz === 3 && d.k1 === K_REG) { incDec64(c, d.r1 << 1, dec); return; }
  incDecOther(c, d, dec);
}

/** INC/DEC of a 64-bit register (state index ri); CF is kept. */
function incDec64(c: Cpu, ri: number, dec: boolean): void {
  const s = c.s32, a = s[ri]!, ah = s[ri + 1]!;
  saveCF(c);
  let r: number, h: number;
  if (dec) { r = (a - 1) | 0; h = a === 0 ? (ah - 1) | 0 : ah; setLazy64(c, CC_SUB, a, ah, 1, 0, r, h, ARITH & ~CF); }
  else { r = (a + 1) | 0; h = r === 0 ? (ah + 1) | 0 : ah; setLazy64(c, CC_ADD, a, ah, 1, 0, r, h, ARITH & ~CF); }
  s[ri] = r; s[ri + 1] = h;
}

function incDecOther(c: Cpu, d: DecodedInsn, dec: boolean): void {
  const size = d.osz;
  const a = readDstRmw(c, d, size);
  if (c.fault) return;
  const ah = c.hi;
  // Materialise CF first: the lazy record is about to be replaced.
  saveCF(c);
  let r: number, h = 0;
  if (size === 3) {
    if (dec) { r = (a - 1) | 0; h = a === 0 ? (ah - 1) | 0 : ah; setLazy64(c, CC_SUB, a, ah, 1, 0, r, h, ARITH & ~CF); }
    else { r = (a + 1) | 0; h = r === 0 ? (ah + 1) | 0 : ah; setLazy64(c, CC_ADD, a, ah, 1, 0, r, h, ARITH & ~CF); }
  } else {
    r = dec ? (a - 1) | 0 : (a + 1) | 0;
    setLazy(c, dec ? CC_SUB : CC_ADD, size, a, 1, r, ARITH & ~CF);
  }
  writeDst(c, d, size, r, h);
}

export function NOT(c: Cpu, d: DecodedInsn): void {
  const size = d.osz;
  const a = readDstRmw(c, d, size);
  if (c.fault) return;
  writeDst(c, d, size, ~a, ~c.hi);
}

export function NEG(c: Cpu, d: DecodedInsn): void {
  const size = d.osz;
  const a = readDstRmw(c, d, size);
  if (c.fault) return;
  const r = aluOp(c, 5, size, 0, 0, a, c.hi);
  writeDst(c, d, size, r, rh);
}

/** CMPXCHG: compare accumulator with dest (flags as CMP); equal → dest = src, else acc = dest. */
export function CMPXCHG(c: Cpu, d: DecodedInsn): void {
  const size = d.osz;
  const src = c.getReg(size, d.r2), srch = c.hi;
  const dst = readDstRmw(c, d, size);
  if (c.fault) return;
  const dsth = c.hi;
  const acc = c.getReg(size, 0), acch = c.hi;
  aluOp(c, 7, size, acc, acch, dst, dsth);
  const eq = size === 3 ? acc === dst && acch === dsth : ((acc ^ dst) & (size === 0 ? 0xff : size === 1 ? 0xffff : -1)) === 0;
  if (eq) writeDst(c, d, size, src, srch);
  else {
    // The destination is written back unchanged for memory (the bus sees a write cycle).
    if (d.k1 === K_MEM) c.rmwWrite(size, dst, dsth);
    c.setReg(size, 0, dst, dsth);
  }
}

export function XADD(c: Cpu, d: DecodedInsn): void {
  const size = d.osz;
  const src = c.getReg(size, d.r2), srch = c.hi;
  const dst = readDstRmw(c, d, size);
  if (c.fault) return;
  const dsth = c.hi;
  const r = aluOp(c, 0, size, dst, dsth, src, srch);
  const h = rh;
  c.setReg(size, d.r2, dst, dsth);
  writeDst(c, d, size, r, h);
}

/** CMPXCHG8B / CMPXCHG16B (REX.W) m64/m128 (SDM Vol 2 CMPXCHG8B/CMPXCHG16B). */
export function CMPXCHG8B(c: Cpu, d: DecodedInsn): void {
  const s = c.s32;
  if (d.osz === 3) {
    // CMPXCHG16B: the operand must be 16-byte aligned (#GP(0)).
    c.ea(d);
    if ((c.eaLo & 15) !== 0) { c.raiseGP0(); return; }
    const lo0 = c.eaLo, hi0 = c.eaHi;
    if (!c.probeWrite(lo0, hi0, 16)) return;
    const m0 = c.read(3), m0h = c.hi;
    c.eaLo = (lo0 + 8) | 0;
    const m1 = c.read(3), m1h = c.hi;
    if (c.fault) return;
    const eq = m0 === s[0] && m0h === s[1] && m1 === s[4] && m1h === s[5];
    if (eq) {
      c.eaLo = lo0; c.write(3, s[6]!, s[7]!);
      c.eaLo = (lo0 + 8) | 0; c.write(3, s[2]!, s[3]!);
    } else {
      c.eaLo = lo0; c.write(3, m0, m0h);
      c.eaLo = (lo0 + 8) | 0; c.write(3, m1, m1h);
      s[0] = m0; s[1] = m0h; s[4] = m1; s[5] = m1h;
    }
    setFlagsMasked(c, ZF, eq ? ZF : 0);
    return;
  }
  c.ea(d);
  const m = c.rmwRead(3), mh = c.hi;
  if (c.fault) return;
  const eq = m === s[0] && mh === s[4];
  if (eq) c.rmwWrite(3, s[6]!, s[2]!);
  else {
    c.rmwWrite(3, m, mh);
    c.setReg(2, 0, m, 0);
    c.setReg(2, 2, mh, 0);
  }
  setFlagsMasked(c, ZF, eq ? ZF : 0);
}

/** ADCX (sub 0, carry in/out via CF) / ADOX (sub 1, via OF); other flags untouched. */
export function ADCX(c: Cpu, d: DecodedInsn): void {
  const size = d.osz;
  const b = readSrc(c, d, size);
  if (c.fault) return;
  const bh = c.hi;
  const a = c.getReg(size, d.r1), ah = c.hi;
  const flag = d.sub === 0 ? CF : OF;
  const cin = getFlag(c, flag) !== 0 ? 1 : 0;
  let r: number, h = 0, cout: number;
  if (size === 3) {
    const sum = (a >>> 0) + (b >>> 0) + cin;
    r = sum | 0;
    const sh = (ah >>> 0) + (bh >>> 0) + (sum > 0xffffffff ? 1 : 0);
    h = sh | 0; cout = sh > 0xffffffff ? 1 : 0;
  } else {
    const sum = (a >>> 0) + (b >>> 0) + cin;
    r = sum | 0; cout = sum > 0xffffffff ? 1 : 0;
  }
  setFlagsMasked(c, flag, cout ? flag : 0);
  c.setReg(size, d.r1, r, h);
}
