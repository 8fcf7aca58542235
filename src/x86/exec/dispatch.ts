// Interpreter dispatch: one small switch over Ex ids (perf-anchors §4.2: a plain switch beat
// function tables 2–3×; keep this function far below V8's 60 KB optimisation limit). Each case
// calls one family function in its own file.
//
// To add a family (x87, SSE): add an Ex id in exec_ids.ts, map the mnemonics there, and add one
// case here calling your exec file.

import type { Cpu } from '../cpu.ts';
import type { DecodedInsn } from '../decode/decoded_insn.ts';
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

/**
 * Dispatch ids. Declared here, next to the switch, so that the TypeScript transform (esbuild,
 * one file at a time) inlines them as numeric literals: V8 then compiles the switch to a jump
 * table. Imported from another module, each `case` was a property load and a compare (≈15 % of
 * run time in the profile).
 */
export const enum Ex {
  INVALID = 0, // #UD
  PENDING, // row of a family not implemented yet (#UD)
  ALU, // sub: 0 ADD 1 OR 2 ADC 3 SBB 4 AND 5 SUB 6 XOR 7 CMP
  TEST,
  INC,
  DEC,
  NOT,
  NEG,
  MOV,
  MOVZX,
  MOVSX,
  MOVSXD,
  LEA,
  XCHG,
  CMPXCHG,
  XADD,
  CMPXCHG8B,
  PUSH,
  POP,
  PUSHA,
  POPA,
  ENTER,
  LEAVE,
  JCC, // sub: condition
  JMP,
  CALL,
  RET,
  LOOP, // sub: 0 LOOPNE 1 LOOPE 2 LOOP 3 JRCXZ
  SETCC,
  CMOVCC,
  SHIFT, // sub: group-2 index
  SHLD,
  SHRD,
  MULDIV, // sub: 4 MUL 5 IMUL 6 DIV 7 IDIV (group-3 index)
  IMUL2,
  IMUL3,
  BT, // sub: 0 BT 1 BTS 2 BTR 3 BTC
  BSF,
  BSR,
  POPCNT,
  LZCNT,
  TZCNT,
  BSWAP,
  CBW,
  CWD,
  LAHF,
  SAHF,
  PUSHF,
  POPF,
  FLAGOP, // sub: 0 CLC 1 STC 2 CMC 3 CLD 4 STD 5 CLI 6 STI
  STRING, // sub: 0 MOVS 1 CMPS 2 STOS 3 LODS 4 SCAS 5 INS 6 OUTS
  BCD, // sub: 0 DAA 1 DAS 2 AAA 3 AAS 4 AAM 5 AAD 6 SALC
  XLAT,
  NOP,
  HLT,
  CPUID,
  INTN, // sub: 0 INT3 1 INT 2 INTO 3 INT1
  IN,
  OUT,
  MOVSEG, // MOV Ev,Sw / MOV Sw,Ew
  PUSHSEG,
  POPSEG,
  CLFLUSH,
  RDRAND, // sub: 0 RDRAND 1 RDSEED
  MOVBE,
  ADCX, // sub: 0 ADCX 1 ADOX
  BMI, // sub: 0 ANDN 1 BLSR 2 BLSMSK 3 BLSI 4 BZHI 5 PEXT 6 PDEP 7 BEXTR 8 SHLX 9 SARX 10 SHRX 11 RORX
  MULX,
  VMCALL,
  RDMSR,
  WRMSR,
  BOUND,
  UD, // UD0/UD1/UD2
  X87, // every x87 row (exec/x87.ts decodes the escape byte and ModRM itself)
  SYS, // system instructions of src/x86/system/ (sub: system/sys_ops.ts)
  SSE, // MMX/SSE rows of opcodes/table_sse.ts; exec/sse.ts finds the handler by row
}

/**
 * The hottest families, in a switch small enough (well under V8's 460-byte inlining limit) to be
 * inlined into Cpu.run: one call level less per instruction. Everything else goes to `executeRest`.
 */
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
    case Ex.SHIFT: SHIFT(c, d); return;
    case Ex.IMUL2: IMULN(c, d, false); return;
    case Ex.CMOVCC: CMOVCC(c, d); return;
    default: executeRest(c, d); return;
  }
}

function executeRest(c: Cpu, d: DecodedInsn): void {
  switch (d.ex) {
    case Ex.MOVSX: MOVX(c, d, true); return;
    case Ex.MOVSXD: MOVSXD(c, d); return;
    case Ex.SETCC: SETCC(c, d); return;
    case Ex.XCHG: XCHG(c, d); return;
    case Ex.NOT: NOT(c, d); return;
    case Ex.NEG: NEG(c, d); return;
    case Ex.MULDIV: MULDIV(c, d); return;
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
