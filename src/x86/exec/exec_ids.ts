// Interpreter dispatch keys. Every table mnemonic maps to one `Ex` id plus a `sub` number
// (ALU operation, condition code, shift kind, …); dispatch.ts switches on the id.

import { X87_MNEMONICS } from '../opcodes/table_x87.ts';
import { SYS_MNEMONICS } from '../system/sys_ops.ts';
import { TABLE_SSE } from '../opcodes/table_sse.ts';

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

/** Mnemonic → [Ex, sub]. The table test checks every non-pending mnemonic is here. */
export const MNEMONIC_EXEC: Readonly<Record<string, readonly [Ex, number]>> = (() => {
  const m: Record<string, readonly [Ex, number]> = {};
  ['ADD', 'OR', 'ADC', 'SBB', 'AND', 'SUB', 'XOR', 'CMP'].forEach((n, i) => { m[n] = [Ex.ALU, i]; });
  ['O', 'NO', 'B', 'AE', 'E', 'NE', 'BE', 'A', 'S', 'NS', 'P', 'NP', 'L', 'GE', 'LE', 'G'].forEach((c, i) => {
    m[`J${c}`] = [Ex.JCC, i];
    m[`SET${c}`] = [Ex.SETCC, i];
    m[`CMOV${c}`] = [Ex.CMOVCC, i];
  });
  ['ROL', 'ROR', 'RCL', 'RCR', 'SHL', 'SHR', 'SAL', 'SAR'].forEach((n, i) => { m[n] = [Ex.SHIFT, i]; });
  ['MUL', 'IMUL', 'DIV', 'IDIV'].forEach((n, i) => { m[n] = [Ex.MULDIV, i + 4]; });
  ['BT', 'BTS', 'BTR', 'BTC'].forEach((n, i) => { m[n] = [Ex.BT, i]; });
  ['CLC', 'STC', 'CMC', 'CLD', 'STD', 'CLI', 'STI'].forEach((n, i) => { m[n] = [Ex.FLAGOP, i]; });
  ['MOVS', 'CMPS', 'STOS', 'LODS', 'SCAS', 'INS', 'OUTS'].forEach((n, i) => { m[n] = [Ex.STRING, i]; });
  ['DAA', 'DAS', 'AAA', 'AAS', 'AAM', 'AAD', 'SALC'].forEach((n, i) => { m[n] = [Ex.BCD, i]; });
  ['LOOPNE', 'LOOPE', 'LOOP', 'JRCXZ'].forEach((n, i) => { m[n] = [Ex.LOOP, i]; });
  ['INT3', 'INT', 'INTO', 'INT1'].forEach((n, i) => { m[n] = [Ex.INTN, i]; });
  ['ANDN', 'BLSR', 'BLSMSK', 'BLSI', 'BZHI', 'PEXT', 'PDEP', 'BEXTR', 'SHLX', 'SARX', 'SHRX', 'RORX'].forEach((n, i) => { m[n] = [Ex.BMI, i]; });
  const single: [string, Ex][] = [
    ['TEST', Ex.TEST], ['INC', Ex.INC], ['DEC', Ex.DEC], ['NOT', Ex.NOT], ['NEG', Ex.NEG], ['MOV', Ex.MOV],
    ['MOVZX', Ex.MOVZX], ['MOVSX', Ex.MOVSX], ['MOVSXD', Ex.MOVSXD], ['LEA', Ex.LEA], ['XCHG', Ex.XCHG],
    ['CMPXCHG', Ex.CMPXCHG], ['XADD', Ex.XADD], ['CMPXCHG8B', Ex.CMPXCHG8B], ['PUSH', Ex.PUSH], ['POP', Ex.POP],
    ['PUSHA', Ex.PUSHA], ['POPA', Ex.POPA], ['ENTER', Ex.ENTER], ['LEAVE', Ex.LEAVE], ['JMP', Ex.JMP],
    ['CALL', Ex.CALL], ['RET', Ex.RET], ['SHLD', Ex.SHLD], ['SHRD', Ex.SHRD], ['BSF', Ex.BSF], ['BSR', Ex.BSR],
    ['POPCNT', Ex.POPCNT], ['LZCNT', Ex.LZCNT], ['TZCNT', Ex.TZCNT], ['BSWAP', Ex.BSWAP], ['CBW', Ex.CBW],
    ['CWD', Ex.CWD], ['LAHF', Ex.LAHF], ['SAHF', Ex.SAHF], ['PUSHF', Ex.PUSHF], ['POPF', Ex.POPF],
    ['XLAT', Ex.XLAT], ['NOP', Ex.NOP], ['PAUSE', Ex.NOP], ['LFENCE', Ex.NOP], ['MFENCE', Ex.NOP], ['SFENCE', Ex.NOP],
    ['HLT', Ex.HLT], ['CPUID', Ex.CPUID], ['IN', Ex.IN], ['OUT', Ex.OUT], ['CLFLUSH', Ex.CLFLUSH],
    ['RDRAND', Ex.RDRAND], ['MOVBE', Ex.MOVBE], ['MULX', Ex.MULX], ['VMCALL', Ex.VMCALL], ['VMMCALL', Ex.VMCALL],
    ['RDMSR', Ex.RDMSR], ['WRMSR', Ex.WRMSR], ['BOUND', Ex.BOUND], ['UD0', Ex.UD], ['UD1', Ex.UD], ['UD2', Ex.UD],
  ];
  for (const [n, e] of single) m[n] = [e, 0];
  m['RDSEED'] = [Ex.RDRAND, 1];
  m['ADCX'] = [Ex.ADCX, 0];
  m['ADOX'] = [Ex.ADCX, 1];
  for (const n of X87_MNEMONICS) m[n] = [Ex.X87, 0];
  SYS_MNEMONICS.forEach((n, i) => { m[n] ??= [Ex.SYS, i]; });
  for (const e of TABLE_SSE) m[e.mnemonic] ??= [Ex.SSE, 0];
  m['IMUL'] = [Ex.MULDIV, 5]; // one-operand form; two/three-operand forms are picked by operand count
  return m;
})();
