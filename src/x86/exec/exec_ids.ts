// Interpreter dispatch keys. Every table mnemonic maps to one `Ex` id (declared in dispatch.ts)
// plus a `sub` number (ALU operation, condition code, shift kind, …), resolved once per table row.

import { X87_MNEMONICS } from '../opcodes/table_x87.ts';
import { SYS_MNEMONICS } from '../system/sys_ops.ts';
import { TABLE_SSE } from '../opcodes/table_sse.ts';
import { OPCODES, Ok, PLANS } from '../opcodes/table.ts';
import { SYS_MOV_CRDR, SYS_PAUSE } from '../system/sys_ops.ts';
import { Ex } from './dispatch.ts';


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
    ['XLAT', Ex.XLAT], ['NOP', Ex.NOP], ['LFENCE', Ex.NOP], ['MFENCE', Ex.NOP], ['SFENCE', Ex.NOP],
    ['HLT', Ex.HLT], ['CPUID', Ex.CPUID], ['IN', Ex.IN], ['OUT', Ex.OUT], ['CLFLUSH', Ex.CLFLUSH],
    ['RDRAND', Ex.RDRAND], ['MOVBE', Ex.MOVBE], ['MULX', Ex.MULX], ['VMCALL', Ex.VMCALL], ['VMMCALL', Ex.VMCALL],
    ['RDMSR', Ex.RDMSR], ['WRMSR', Ex.WRMSR], ['BOUND', Ex.BOUND], ['UD0', Ex.UD], ['UD1', Ex.UD], ['UD2', Ex.UD],
  ];
  for (const [n, e] of single) m[n] = [e, 0];
  m['PAUSE'] = [Ex.SYS, SYS_PAUSE]; // a bus hook (spin-wait hint), so not the NOP fast path
  m['RDSEED'] = [Ex.RDRAND, 1];
  m['ADCX'] = [Ex.ADCX, 0];
  m['ADOX'] = [Ex.ADCX, 1];
  for (const n of X87_MNEMONICS) m[n] = [Ex.X87, 0];
  SYS_MNEMONICS.forEach((n, i) => { m[n] ??= [Ex.SYS, i]; });
  for (const e of TABLE_SSE) m[e.mnemonic] ??= [Ex.SSE, 0];
  m['IMUL'] = [Ex.MULDIV, 5]; // one-operand form; two/three-operand forms are picked by operand count
  return m;
})();

/** Per-row dispatch keys, resolved once. */
export const EX_OF = new Uint8Array(OPCODES.length);
export const SUB_OF = new Uint8Array(OPCODES.length);
OPCODES.forEach((e, i) => {
  const plan = PLANS[i]!;
  let ex: Ex, sub = 0;
  if (e.pending !== undefined) ex = Ex.PENDING;
  else if (e.family === 'invalid' || e.family === 'prefix' || e.family === 'escape') ex = Ex.INVALID;
  else if (e.mnemonic === 'MOV' && plan.ops.some((o) => o.kind === Ok.SREG)) ex = Ex.MOVSEG;
  else if (e.mnemonic === 'MOV' && e.family === 'system') { ex = Ex.SYS; sub = SYS_MOV_CRDR + (e.opcode & 3); }
  else if (e.mnemonic === 'PUSH' && plan.ops[0]?.kind === Ok.SREG) ex = Ex.PUSHSEG;
  else if (e.mnemonic === 'POP' && plan.ops[0]?.kind === Ok.SREG) ex = Ex.POPSEG;
  else if (e.mnemonic === 'IMUL' && plan.ops.length === 2) ex = Ex.IMUL2;
  else if (e.mnemonic === 'IMUL' && plan.ops.length === 3) ex = Ex.IMUL3;
  else {
    const m = MNEMONIC_EXEC[e.mnemonic];
    if (m === undefined) ex = Ex.PENDING;
    else { ex = m[0]; sub = m[1]; }
    if (e.mnemonic === 'MOVZX' || e.mnemonic === 'MOVSX') sub = e.opcode & 1;
  }
  EX_OF[i] = ex;
  SUB_OF[i] = sub;
});
export function execOf(entry: number): number { return EX_OF[entry]!; }
