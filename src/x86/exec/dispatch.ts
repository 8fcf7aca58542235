// Interpreter dispatch: one small switch over Ex ids (perf-anchors §4.2: a plain switch beat
// function tables 2–3×; keep this function far below V8's 60 KB optimisation limit). Each case
// calls one family function in its own file.
//
// To add a family (x87, SSE): add an Ex id in exec_ids.ts, map the mnemonics there, and add one
// case here calling your exec file.

import type { Cpu } from '../cpu.ts';
import type { DecodedInsn } from '../decode/decoded_insn.ts';
import { Ex } from './exec_ids.ts';
import { ADCX, ALU, CMPXCHG, CMPXCHG8B, INCDEC, NEG, NOT, TEST, XADD } from './alu.ts';
import { BMI_SHIFT, SHIFT, SHXD } from './shift_rotate.ts';
import { IMULN, MULDIV, MULX } from './mul_div.ts';
import { BMI, BSX, BT, COUNT } from './bit_ops.ts';
import { BSWAP, CBW, CMOVCC, CWD, LEA, MOV, MOVBE, MOVSXD, MOVX, SETCC, XCHG, XLAT } from './mov.ts';
import { ENTER, LEAVE, POP, POPA, POPF, PUSH, PUSHA, PUSHF, PUSHSEG } from './stack.ts';
import { CALL, INTN, JCC, JMP, LOOP, RET } from './control.ts';
import { STRING } from './string_ops.ts';
import { BCD, BOUND, CLFLUSH, FLAGOP, LAHF, RDRAND, SAHF } from './misc.ts';
import { IN, OUT } from './io.ts';
import { CPUID } from './cpuid.ts';
import { HLT, MOVSEG, POPSEG, RDMSR, SYS, VMCALL, WRMSR } from './system.ts';
import { SSE } from './sse.ts';
import { X87 } from './x87.ts';

export function execute(c: Cpu, d: DecodedInsn): void {
  switch (d.ex) {
    case Ex.MOV: MOV(c, d); return;
    case Ex.ALU: ALU(c, d); return;
    case Ex.JCC: JCC(c, d); return;
    case Ex.TEST: TEST(c, d); return;
    case Ex.LEA: LEA(c, d); return;
    case Ex.PUSH: PUSH(c, d); return;
    case Ex.POP: POP(c, d); return;
    case Ex.CALL: CALL(c, d); return;
    case Ex.RET: RET(c, d); return;
    case Ex.JMP: JMP(c, d); return;
    case Ex.INC: INCDEC(c, d, false); return;
    case Ex.DEC: INCDEC(c, d, true); return;
    case Ex.MOVZX: MOVX(c, d, false); return;
    case Ex.MOVSX: MOVX(c, d, true); return;
    case Ex.MOVSXD: MOVSXD(c, d); return;
    case Ex.SHIFT: SHIFT(c, d); return;
    case Ex.CMOVCC: CMOVCC(c, d); return;
    case Ex.SETCC: SETCC(c, d); return;
    case Ex.XCHG: XCHG(c, d); return;
    case Ex.NOT: NOT(c, d); return;
    case Ex.NEG: NEG(c, d); return;
    case Ex.MULDIV: MULDIV(c, d); return;
    case Ex.IMUL2: IMULN(c, d, false); return;
    case Ex.IMUL3: IMULN(c, d, true); return;
    case Ex.STRING: STRING(c, d); return;
    case Ex.LOOP: LOOP(c, d); return;
    case Ex.NOP: return;
    case Ex.CMPXCHG: CMPXCHG(c, d); return;
    case Ex.XADD: XADD(c, d); return;
    case Ex.CMPXCHG8B: CMPXCHG8B(c, d); return;
    case Ex.PUSHA: PUSHA(c, d); return;
    case Ex.POPA: POPA(c, d); return;
    case Ex.ENTER: ENTER(c, d); return;
    case Ex.LEAVE: LEAVE(c, d); return;
    case Ex.SHLD: SHXD(c, d, false); return;
    case Ex.SHRD: SHXD(c, d, true); return;
    case Ex.BT: BT(c, d); return;
    case Ex.BSF: BSX(c, d, false); return;
    case Ex.BSR: BSX(c, d, true); return;
    case Ex.POPCNT: COUNT(c, d, 0); return;
    case Ex.LZCNT: COUNT(c, d, 1); return;
    case Ex.TZCNT: COUNT(c, d, 2); return;
    case Ex.BSWAP: BSWAP(c, d); return;
    case Ex.CBW: CBW(c, d); return;
    case Ex.CWD: CWD(c, d); return;
    case Ex.LAHF: LAHF(c); return;
    case Ex.SAHF: SAHF(c); return;
    case Ex.PUSHF: PUSHF(c, d); return;
    case Ex.POPF: POPF(c, d); return;
    case Ex.FLAGOP: FLAGOP(c, d); return;
    case Ex.BCD: BCD(c, d); return;
    case Ex.XLAT: XLAT(c, d); return;
    case Ex.HLT: HLT(c); return;
    case Ex.CPUID: CPUID(c); return;
    case Ex.INTN: INTN(c, d); return;
    case Ex.IN: IN(c, d); return;
    case Ex.OUT: OUT(c, d); return;
    case Ex.MOVSEG: MOVSEG(c, d); return;
    case Ex.PUSHSEG: PUSHSEG(c, d); return;
    case Ex.POPSEG: POPSEG(c, d); return;
    case Ex.CLFLUSH: CLFLUSH(c, d); return;
    case Ex.RDRAND: RDRAND(c, d); return;
    case Ex.MOVBE: MOVBE(c, d); return;
    case Ex.ADCX: ADCX(c, d); return;
    case Ex.BMI: if (d.sub >= 8) BMI_SHIFT(c, d); else BMI(c, d); return;
    case Ex.MULX: MULX(c, d); return;
    case Ex.VMCALL: VMCALL(c); return;
    case Ex.RDMSR: RDMSR(c); return;
    case Ex.WRMSR: WRMSR(c); return;
    case Ex.BOUND: BOUND(c, d); return;
    case Ex.SSE: SSE(c, d); return;
    case Ex.X87: X87(c, d); return;
    case Ex.SYS: SYS(c, d); return;
    default: c.raiseUD(); return; // Ex.INVALID, Ex.PENDING, Ex.UD
  }
}
