// General-purpose instructions: SDM Vol 2 Appendix A, Tables A-2 (one-byte map), A-3 (0F),
// A-4/A-5 (0F38/0F3A, the few integer rows) and A-6 (ModRM.reg groups), plus the VEX-encoded
// BMI1/BMI2 rows of the 0F38/0F3A maps (SDM Vol 2 ch. 4). Flag effects come from each
// instruction's "Flags Affected" section. Rows for the x87 escape bytes and the SSE/MMX rows of
// the 0F maps are placeholders (`pending`) until table_x87.ts / table_sse.ts supply them.
//
// Departures from the SDM tables, on purpose:
//   - 90 is NOP only without REX.B; with REX.B it is XCHG r8,rAX (the decoder maps it), and F3 90 is PAUSE.
//   - 63 is ARPL outside 64-bit mode and MOVSXD in it (two rows, I64 / O64).
//   - D6 (SALC) is undocumented but executes on every Intel and AMD CPU outside 64-bit mode.
//   - 0F 0D, 0F 18–0F 1F are hint NOPs with a ModRM operand (Intel "NOP Ev", "reserved-NOP").

import { Attr, Feature, Fl, Mod, Mp, OpMap } from './table_types.ts';
import type { Family, FlagEffect, OpcodeEntry } from './table_types.ts';

const { CF, PF, AF, ZF, SF, OF, DF } = {
  CF: Fl.CF, PF: Fl.PF, AF: Fl.AF, ZF: Fl.ZF, SF: Fl.SF, OF: Fl.OF, DF: Fl.DF,
};
const OSZAPC = OF | SF | ZF | AF | PF | CF;
const fx = (read: number, write: number, undef = 0): FlagEffect => ({ read, write, undef });
const NOFLAGS = fx(0, 0);

/** Flag effects by mnemonic (SDM "Flags Affected"). Absent: touches no arithmetic flag. */
export const FLAG_EFFECTS: Readonly<Record<string, FlagEffect>> = {
  ADD: fx(0, OSZAPC), ADC: fx(CF, OSZAPC), SUB: fx(0, OSZAPC), SBB: fx(CF, OSZAPC), CMP: fx(0, OSZAPC),
  AND: fx(0, OSZAPC, AF), OR: fx(0, OSZAPC, AF), XOR: fx(0, OSZAPC, AF), TEST: fx(0, OSZAPC, AF),
  INC: fx(0, OF | SF | ZF | AF | PF), DEC: fx(0, OF | SF | ZF | AF | PF), NEG: fx(0, OSZAPC), NOT: NOFLAGS,
  // Shifts/rotates: OF is defined only for count 1 (tests unmask it then), AF undefined for shifts.
  ROL: fx(0, CF | OF, OF), ROR: fx(0, CF | OF, OF), RCL: fx(CF, CF | OF, OF), RCR: fx(CF, CF | OF, OF),
  SHL: fx(0, OSZAPC, OF | AF), SHR: fx(0, OSZAPC, OF | AF), SAR: fx(0, OSZAPC, OF | AF), SAL: fx(0, OSZAPC, OF | AF),
  SHLD: fx(0, OSZAPC, OF | AF), SHRD: fx(0, OSZAPC, OF | AF),
  MUL: fx(0, OSZAPC, SF | ZF | AF | PF), IMUL: fx(0, OSZAPC, SF | ZF | AF | PF),
  DIV: fx(0, OSZAPC, OSZAPC), IDIV: fx(0, OSZAPC, OSZAPC),
  BT: fx(0, OSZAPC, OF | SF | AF | PF), BTS: fx(0, OSZAPC, OF | SF | AF | PF),
  BTR: fx(0, OSZAPC, OF | SF | AF | PF), BTC: fx(0, OSZAPC, OF | SF | AF | PF),
  BSF: fx(0, OSZAPC, OF | SF | AF | PF | CF), BSR: fx(0, OSZAPC, OF | SF | AF | PF | CF),
  POPCNT: fx(0, OSZAPC), LZCNT: fx(0, OSZAPC, OF | SF | AF | PF), TZCNT: fx(0, OSZAPC, OF | SF | AF | PF),
  CMPXCHG: fx(0, OSZAPC), CMPXCHG8B: fx(0, ZF), CMPXCHG16B: fx(0, ZF), XADD: fx(0, OSZAPC),
  DAA: fx(CF | AF, OSZAPC, OF), DAS: fx(CF | AF, OSZAPC, OF), AAA: fx(AF, OSZAPC, OF | SF | ZF | PF),
  AAS: fx(AF, OSZAPC, OF | SF | ZF | PF), AAM: fx(0, OSZAPC, OF | AF | CF), AAD: fx(0, OSZAPC, OF | AF | CF),
  SALC: fx(CF, 0),
  CMC: fx(CF, CF), CLC: fx(0, CF), STC: fx(0, CF), CLD: fx(0, DF), STD: fx(0, DF),
  SAHF: fx(0, SF | ZF | AF | PF | CF), LAHF: fx(SF | ZF | AF | PF | CF, 0),
  PUSHF: fx(OSZAPC | DF, 0), POPF: fx(0, OSZAPC | DF), ...{},
  MOVS: fx(DF, 0), CMPS: fx(DF, OSZAPC), STOS: fx(DF, 0), LODS: fx(DF, 0), SCAS: fx(DF, OSZAPC),
  INS: fx(DF, 0), OUTS: fx(DF, 0),
  ADCX: fx(CF, CF), ADOX: fx(OF, OF),
  ANDN: fx(0, OSZAPC, AF | PF), BEXTR: fx(0, OSZAPC, AF | SF | PF), BLSI: fx(0, OSZAPC, AF | PF),
  BLSMSK: fx(0, OSZAPC, AF | PF), BLSR: fx(0, OSZAPC, AF | PF), BZHI: fx(0, OSZAPC, AF | PF),
  RDRAND: fx(0, OSZAPC), RDSEED: fx(0, OSZAPC),
  Jcc: fx(OSZAPC, 0), SETcc: fx(OSZAPC, 0), CMOVcc: fx(OSZAPC, 0),
  LOOPE: fx(ZF, 0), LOOPNE: fx(ZF, 0), INTO: fx(OF, 0),
};

const out: OpcodeEntry[] = [];

interface Opt {
  prefix?: Mp;
  reg?: number;
  mod?: Mod;
  rm?: number;
  attrs?: number;
  cpuid?: Feature;
  pending?: string;
}

function add(map: OpMap, opcode: number, mnemonic: string, ops: string, family: Family, o: Opt = {}): void {
  const flagKey = /^(J|SET|CMOV)[A-Z]+$/.test(mnemonic) && !['JMP', 'JMPF', 'JRCXZ'].includes(mnemonic)
    ? mnemonic.replace(/^(J|SET|CMOV)[A-Z]+$/, (_m, p: string) => `${p}cc`)
    : mnemonic;
  out.push({
    map, opcode, mnemonic, ops, family,
    prefix: o.prefix ?? Mp.Any,
    reg: o.reg ?? -1,
    mod: o.mod ?? Mod.Any,
    rm: o.rm ?? -1,
    attrs: o.attrs ?? 0,
    flags: FLAG_EFFECTS[flagKey] ?? NOFLAGS,
    cpuid: o.cpuid ?? Feature.NONE,
    ...(o.pending !== undefined ? { pending: o.pending } : {}),
  });
}
const R = OpMap.Root, T = OpMap.M0F, T38 = OpMap.M0F38, T3A = OpMap.M0F3A;
const hex = (n: number): string => n.toString(16).toUpperCase().padStart(2, '0');

/** Condition-code suffixes in encoding order (SDM Vol 2 App. B.1.4.7, Table B-10). */
export const CC_NAMES = ['O', 'NO', 'B', 'AE', 'E', 'NE', 'BE', 'A', 'S', 'NS', 'P', 'NP', 'L', 'GE', 'LE', 'G'] as const;
/** Group-1 / classic ALU order (Table A-6 group 1 and the 00–3F rows). */
export const ALU_NAMES = ['ADD', 'OR', 'ADC', 'SBB', 'AND', 'SUB', 'XOR', 'CMP'] as const;
/** Group 2 order. */
export const SHIFT_NAMES = ['ROL', 'ROR', 'RCL', 'RCR', 'SHL', 'SHR', 'SAL', 'SAR'] as const;

// ---------------------------------------------------------------- one-byte map (Table A-2)
for (let i = 0; i < 8; i++) {
  const mn = ALU_NAMES[i]!, b = i << 3;
  const lk = mn === 'CMP' ? 0 : Attr.LOCK;
  add(R, b + 0, mn, 'Eb,Gb', 'alu', { attrs: lk });
  add(R, b + 1, mn, 'Ev,Gv', 'alu', { attrs: lk });
  add(R, b + 2, mn, 'Gb,Eb', 'alu');
  add(R, b + 3, mn, 'Gv,Ev', 'alu');
  add(R, b + 4, mn, 'AL,Ib', 'alu');
  add(R, b + 5, mn, 'rAX,Iz', 'alu');
}
add(R, 0x06, 'PUSH', 'ES', 'stack', { attrs: Attr.I64 });
add(R, 0x07, 'POP', 'ES', 'stack', { attrs: Attr.I64 | Attr.NO_HOST });
add(R, 0x0e, 'PUSH', 'CS', 'stack', { attrs: Attr.I64 });
add(R, 0x0f, '(escape 0F)', '', 'escape');
add(R, 0x16, 'PUSH', 'SS', 'stack', { attrs: Attr.I64 });
add(R, 0x17, 'POP', 'SS', 'stack', { attrs: Attr.I64 | Attr.NO_HOST });
add(R, 0x1e, 'PUSH', 'DS', 'stack', { attrs: Attr.I64 });
add(R, 0x1f, 'POP', 'DS', 'stack', { attrs: Attr.I64 | Attr.NO_HOST });
for (const [b, name] of [[0x26, 'ES'], [0x2e, 'CS'], [0x36, 'SS'], [0x3e, 'DS'], [0x64, 'FS'], [0x65, 'GS'],
  [0x66, 'OPSIZE'], [0x67, 'ADDRSIZE'], [0xf0, 'LOCK'], [0xf2, 'REPNE'], [0xf3, 'REP']] as const) {
  add(R, b, `(prefix ${name})`, '', 'prefix');
}
add(R, 0x27, 'DAA', '', 'bcd', { attrs: Attr.I64 });
add(R, 0x2f, 'DAS', '', 'bcd', { attrs: Attr.I64 });
add(R, 0x37, 'AAA', '', 'bcd', { attrs: Attr.I64 });
add(R, 0x3f, 'AAS', '', 'bcd', { attrs: Attr.I64 });
for (let i = 0; i < 8; i++) {
  // 40–4F are REX prefixes in 64-bit mode (the decoder consumes them before the table).
  add(R, 0x40 + i, 'INC', 'Zv', 'alu', { attrs: Attr.I64 });
  add(R, 0x48 + i, 'DEC', 'Zv', 'alu', { attrs: Attr.I64 });
  add(R, 0x50 + i, 'PUSH', 'Zv', 'stack', { attrs: Attr.D64 });
  add(R, 0x58 + i, 'POP', 'Zv', 'stack', { attrs: Attr.D64 });
}
add(R, 0x60, 'PUSHA', '', 'stack', { attrs: Attr.I64 });
add(R, 0x61, 'POPA', '', 'stack', { attrs: Attr.I64 });
add(R, 0x62, 'BOUND', 'Gv,Ma', 'misc', { attrs: Attr.I64 | Attr.NO_HOST });
add(R, 0x63, 'ARPL', 'Ew,Gw', 'system', { attrs: Attr.I64 | Attr.NO_HOST });
add(R, 0x63, 'MOVSXD', 'Gv,Ed', 'mov', { attrs: Attr.O64 });
add(R, 0x68, 'PUSH', 'Iz', 'stack', { attrs: Attr.D64 });
add(R, 0x69, 'IMUL', 'Gv,Ev,Iz', 'muldiv');
add(R, 0x6a, 'PUSH', 'Ib', 'stack', { attrs: Attr.D64 });
add(R, 0x6b, 'IMUL', 'Gv,Ev,Ib', 'muldiv');
add(R, 0x6c, 'INS', 'Yb,DX', 'string', { attrs: Attr.REP | Attr.NO_HOST });
add(R, 0x6d, 'INS', 'Yz,DX', 'string', { attrs: Attr.REP | Attr.NO_HOST });
add(R, 0x6e, 'OUTS', 'DX,Xb', 'string', { attrs: Attr.REP | Attr.NO_HOST });
add(R, 0x6f, 'OUTS', 'DX,Xz', 'string', { attrs: Attr.REP | Attr.NO_HOST });
for (let i = 0; i < 16; i++) {
  add(R, 0x70 + i, `J${CC_NAMES[i]}`, 'Jb', 'control', { attrs: Attr.F64 | Attr.ENDS_BLOCK });
}
for (let r = 0; r < 8; r++) {
  const mn = ALU_NAMES[r]!, lk = mn === 'CMP' ? 0 : Attr.LOCK;
  add(R, 0x80, mn, 'Eb,Ib', 'alu', { reg: r, attrs: lk });
  add(R, 0x81, mn, 'Ev,Iz', 'alu', { reg: r, attrs: lk });
  add(R, 0x82, mn, 'Eb,Ib', 'alu', { reg: r, attrs: lk | Attr.I64 });
  add(R, 0x83, mn, 'Ev,Ib', 'alu', { reg: r, attrs: lk });
}
add(R, 0x84, 'TEST', 'Eb,Gb', 'alu');
add(R, 0x85, 'TEST', 'Ev,Gv', 'alu');
add(R, 0x86, 'XCHG', 'Eb,Gb', 'mov', { attrs: Attr.LOCK | Attr.XCHG });
add(R, 0x87, 'XCHG', 'Ev,Gv', 'mov', { attrs: Attr.LOCK | Attr.XCHG });
add(R, 0x88, 'MOV', 'Eb,Gb', 'mov');
add(R, 0x89, 'MOV', 'Ev,Gv', 'mov');
add(R, 0x8a, 'MOV', 'Gb,Eb', 'mov');
add(R, 0x8b, 'MOV', 'Gv,Ev', 'mov');
add(R, 0x8c, 'MOV', 'Ev,Sw', 'mov');
add(R, 0x8d, 'LEA', 'Gv,M', 'mov', { mod: Mod.Mem });
add(R, 0x8d, '(invalid)', '', 'invalid', { mod: Mod.Reg });
add(R, 0x8e, 'MOV', 'Sw,Ew', 'mov', { attrs: Attr.NO_HOST });
add(R, 0x8f, 'POP', 'Ev', 'stack', { reg: 0, attrs: Attr.D64 });
for (let r = 1; r < 8; r++) add(R, 0x8f, '(invalid)', '', 'invalid', { reg: r }); // XOP on AMD
add(R, 0x90, 'NOP', '', 'misc', { prefix: Mp.NP });
add(R, 0x90, 'NOP', '', 'misc', { prefix: Mp.P66 });
add(R, 0x90, 'NOP', '', 'misc', { prefix: Mp.PF2 });
add(R, 0x90, 'PAUSE', '', 'misc', { prefix: Mp.PF3 });
for (let i = 1; i < 8; i++) add(R, 0x90 + i, 'XCHG', 'Zv,rAX', 'mov');
add(R, 0x98, 'CBW', '', 'mov'); // CBW/CWDE/CDQE by operand size
add(R, 0x99, 'CWD', '', 'mov'); // CWD/CDQ/CQO
add(R, 0x9a, 'CALLF', 'Ap', 'control', { attrs: Attr.I64 | Attr.ENDS_BLOCK | Attr.NO_HOST });
add(R, 0x9b, 'FWAIT', '', 'x87', { pending: 'x87 helper (table_x87.ts)' });
add(R, 0x9c, 'PUSHF', '', 'flag', { attrs: Attr.D64 });
add(R, 0x9d, 'POPF', '', 'flag', { attrs: Attr.D64 | Attr.SERIALIZE });
add(R, 0x9e, 'SAHF', '', 'flag', { cpuid: Feature.LAHF64 });
add(R, 0x9f, 'LAHF', '', 'flag', { cpuid: Feature.LAHF64 });
add(R, 0xa0, 'MOV', 'AL,Ob', 'mov');
add(R, 0xa1, 'MOV', 'rAX,Ov', 'mov');
add(R, 0xa2, 'MOV', 'Ob,AL', 'mov');
add(R, 0xa3, 'MOV', 'Ov,rAX', 'mov');
add(R, 0xa4, 'MOVS', 'Yb,Xb', 'string', { attrs: Attr.REP });
add(R, 0xa5, 'MOVS', 'Yv,Xv', 'string', { attrs: Attr.REP });
add(R, 0xa6, 'CMPS', 'Xb,Yb', 'string', { attrs: Attr.REP });
add(R, 0xa7, 'CMPS', 'Xv,Yv', 'string', { attrs: Attr.REP });
add(R, 0xa8, 'TEST', 'AL,Ib', 'alu');
add(R, 0xa9, 'TEST', 'rAX,Iz', 'alu');
add(R, 0xaa, 'STOS', 'Yb,AL', 'string', { attrs: Attr.REP });
add(R, 0xab, 'STOS', 'Yv,rAX', 'string', { attrs: Attr.REP });
add(R, 0xac, 'LODS', 'AL,Xb', 'string', { attrs: Attr.REP });
add(R, 0xad, 'LODS', 'rAX,Xv', 'string', { attrs: Attr.REP });
add(R, 0xae, 'SCAS', 'AL,Yb', 'string', { attrs: Attr.REP });
add(R, 0xaf, 'SCAS', 'rAX,Yv', 'string', { attrs: Attr.REP });
for (let i = 0; i < 8; i++) {
  add(R, 0xb0 + i, 'MOV', 'Zb,Ib', 'mov');
  add(R, 0xb8 + i, 'MOV', 'Zv,Iv', 'mov');
}
for (let r = 0; r < 8; r++) {
  add(R, 0xc0, SHIFT_NAMES[r]!, 'Eb,Ib', 'shift', { reg: r });
  add(R, 0xc1, SHIFT_NAMES[r]!, 'Ev,Ib', 'shift', { reg: r });
  add(R, 0xd0, SHIFT_NAMES[r]!, 'Eb,1', 'shift', { reg: r });
  add(R, 0xd1, SHIFT_NAMES[r]!, 'Ev,1', 'shift', { reg: r });
  add(R, 0xd2, SHIFT_NAMES[r]!, 'Eb,CL', 'shift', { reg: r });
  add(R, 0xd3, SHIFT_NAMES[r]!, 'Ev,CL', 'shift', { reg: r });
}
add(R, 0xc2, 'RET', 'Iw', 'control', { attrs: Attr.F64 | Attr.ENDS_BLOCK | Attr.NO_HOST });
add(R, 0xc3, 'RET', '', 'control', { attrs: Attr.F64 | Attr.ENDS_BLOCK | Attr.NO_HOST });
add(R, 0xc4, 'LES', 'Gz,Mp', 'system', { attrs: Attr.I64 | Attr.NO_HOST }); // VEX3 in 64-bit / mod=11
add(R, 0xc5, 'LDS', 'Gz,Mp', 'system', { attrs: Attr.I64 | Attr.NO_HOST }); // VEX2
add(R, 0xc6, 'MOV', 'Eb,Ib', 'mov', { reg: 0 });
add(R, 0xc7, 'MOV', 'Ev,Iz', 'mov', { reg: 0 });
for (let r = 1; r < 8; r++) {
  add(R, 0xc6, '(invalid)', '', 'invalid', { reg: r }); // XABORT (RTM not advertised)
  add(R, 0xc7, '(invalid)', '', 'invalid', { reg: r }); // XBEGIN (RTM not advertised)
}
add(R, 0xc8, 'ENTER', 'Iw,Ib', 'stack', { attrs: Attr.D64 });
add(R, 0xc9, 'LEAVE', '', 'stack', { attrs: Attr.D64 });
add(R, 0xca, 'RETF', 'Iw', 'control', { attrs: Attr.ENDS_BLOCK | Attr.NO_HOST });
add(R, 0xcb, 'RETF', '', 'control', { attrs: Attr.ENDS_BLOCK | Attr.NO_HOST });
add(R, 0xcc, 'INT3', '', 'control', { attrs: Attr.ENDS_BLOCK | Attr.NO_HOST });
add(R, 0xcd, 'INT', 'Ib', 'control', { attrs: Attr.ENDS_BLOCK | Attr.NO_HOST });
add(R, 0xce, 'INTO', '', 'control', { attrs: Attr.I64 | Attr.ENDS_BLOCK | Attr.NO_HOST });
add(R, 0xcf, 'IRET', '', 'control', { attrs: Attr.ENDS_BLOCK | Attr.NO_HOST });
add(R, 0xd4, 'AAM', 'Ib', 'bcd', { attrs: Attr.I64 });
add(R, 0xd5, 'AAD', 'Ib', 'bcd', { attrs: Attr.I64 });
add(R, 0xd6, 'SALC', '', 'bcd', { attrs: Attr.I64 });
add(R, 0xd7, 'XLAT', '', 'mov');
for (let b = 0xd8; b <= 0xdf; b++) add(R, b, `(x87 ${hex(b)})`, '', 'x87', { pending: 'x87 helper (table_x87.ts)' });
add(R, 0xe0, 'LOOPNE', 'Jb', 'control', { attrs: Attr.F64 | Attr.ENDS_BLOCK });
add(R, 0xe1, 'LOOPE', 'Jb', 'control', { attrs: Attr.F64 | Attr.ENDS_BLOCK });
add(R, 0xe2, 'LOOP', 'Jb', 'control', { attrs: Attr.F64 | Attr.ENDS_BLOCK });
add(R, 0xe3, 'JRCXZ', 'Jb', 'control', { attrs: Attr.F64 | Attr.ENDS_BLOCK });
add(R, 0xe4, 'IN', 'AL,Ib', 'io', { attrs: Attr.NO_HOST });
add(R, 0xe5, 'IN', 'eAX,Ib', 'io', { attrs: Attr.NO_HOST });
add(R, 0xe6, 'OUT', 'Ib,AL', 'io', { attrs: Attr.NO_HOST });
add(R, 0xe7, 'OUT', 'Ib,eAX', 'io', { attrs: Attr.NO_HOST });
add(R, 0xe8, 'CALL', 'Jz', 'control', { attrs: Attr.F64 | Attr.ENDS_BLOCK | Attr.NO_HOST });
add(R, 0xe9, 'JMP', 'Jz', 'control', { attrs: Attr.F64 | Attr.ENDS_BLOCK });
add(R, 0xea, 'JMPF', 'Ap', 'control', { attrs: Attr.I64 | Attr.ENDS_BLOCK | Attr.NO_HOST });
add(R, 0xeb, 'JMP', 'Jb', 'control', { attrs: Attr.F64 | Attr.ENDS_BLOCK });
add(R, 0xec, 'IN', 'AL,DX', 'io', { attrs: Attr.NO_HOST });
add(R, 0xed, 'IN', 'eAX,DX', 'io', { attrs: Attr.NO_HOST });
add(R, 0xee, 'OUT', 'DX,AL', 'io', { attrs: Attr.NO_HOST });
add(R, 0xef, 'OUT', 'DX,eAX', 'io', { attrs: Attr.NO_HOST });
add(R, 0xf1, 'INT1', '', 'control', { attrs: Attr.ENDS_BLOCK | Attr.NO_HOST });
add(R, 0xf4, 'HLT', '', 'system', { attrs: Attr.PRIV | Attr.ENDS_BLOCK });
add(R, 0xf5, 'CMC', '', 'flag');
const GRP3 = ['TEST', 'TEST', 'NOT', 'NEG', 'MUL', 'IMUL', 'DIV', 'IDIV'] as const;
for (let r = 0; r < 8; r++) {
  const lk = r === 2 || r === 3 ? Attr.LOCK : 0;
  const fam: Family = r < 2 || r === 2 || r === 3 ? 'alu' : 'muldiv';
  add(R, 0xf6, GRP3[r]!, r < 2 ? 'Eb,Ib' : 'Eb', fam, { reg: r, attrs: lk });
  add(R, 0xf7, GRP3[r]!, r < 2 ? 'Ev,Iz' : 'Ev', fam, { reg: r, attrs: lk });
}
add(R, 0xf8, 'CLC', '', 'flag');
add(R, 0xf9, 'STC', '', 'flag');
add(R, 0xfa, 'CLI', '', 'flag', { attrs: Attr.NO_HOST });
add(R, 0xfb, 'STI', '', 'flag', { attrs: Attr.NO_HOST });
add(R, 0xfc, 'CLD', '', 'flag');
add(R, 0xfd, 'STD', '', 'flag');
add(R, 0xfe, 'INC', 'Eb', 'alu', { reg: 0, attrs: Attr.LOCK });
add(R, 0xfe, 'DEC', 'Eb', 'alu', { reg: 1, attrs: Attr.LOCK });
for (let r = 2; r < 8; r++) add(R, 0xfe, '(invalid)', '', 'invalid', { reg: r });
add(R, 0xff, 'INC', 'Ev', 'alu', { reg: 0, attrs: Attr.LOCK });
add(R, 0xff, 'DEC', 'Ev', 'alu', { reg: 1, attrs: Attr.LOCK });
add(R, 0xff, 'CALL', 'Ev', 'control', { reg: 2, attrs: Attr.F64 | Attr.ENDS_BLOCK | Attr.NO_HOST });
add(R, 0xff, 'CALLF', 'Mp', 'control', { reg: 3, attrs: Attr.ENDS_BLOCK | Attr.NO_HOST });
add(R, 0xff, 'JMP', 'Ev', 'control', { reg: 4, attrs: Attr.F64 | Attr.ENDS_BLOCK | Attr.NO_HOST });
add(R, 0xff, 'JMPF', 'Mp', 'control', { reg: 5, attrs: Attr.ENDS_BLOCK | Attr.NO_HOST });
add(R, 0xff, 'PUSH', 'Ev', 'stack', { reg: 6, attrs: Attr.D64 });
add(R, 0xff, '(invalid)', '', 'invalid', { reg: 7 });

// ---------------------------------------------------------------- two-byte map (Table A-3)
const SSE = 'SIMD helper (table_sse.ts)';
for (let r = 0; r < 8; r++) {
  const names = ['SLDT', 'STR', 'LLDT', 'LTR', 'VERR', 'VERW', '(invalid)', '(invalid)'];
  if (r < 6) add(T, 0x00, names[r]!, 'Ew', 'system', { reg: r, attrs: Attr.NO_HOST });
  else add(T, 0x00, '(invalid)', '', 'invalid', { reg: r });
}
// Group 7 (Table A-6): memory forms by reg; register forms by reg and rm.
{
  const memNames = ['SGDT', 'SIDT', 'LGDT', 'LIDT', 'SMSW', '(invalid)', 'LMSW', 'INVLPG'];
  for (let r = 0; r < 8; r++) {
    if (r === 5) add(T, 0x01, '(invalid)', '', 'invalid', { reg: r, mod: Mod.Mem });
    else add(T, 0x01, memNames[r]!, r === 4 || r === 6 ? 'Ew' : 'M', 'system', { reg: r, mod: Mod.Mem, attrs: Attr.NO_HOST });
  }
  const regForms: Record<number, string> = {
    0o301: 'VMCALL', 0o331: 'VMMCALL', 0o310: 'MONITOR', 0o311: 'MWAIT', 0o312: 'CLAC', 0o313: 'STAC',
    0o320: 'XGETBV', 0o321: 'XSETBV', 0o370: 'SWAPGS', 0o371: 'RDTSCP',
  };
  for (let r = 0; r < 8; r++) {
    for (let rm = 0; rm < 8; rm++) {
      const byte = 0o300 | (r << 3) | rm;
      const mn = regForms[byte];
      if (r === 4) { if (rm === 0) add(T, 0x01, 'SMSW', 'Rv', 'system', { reg: 4, mod: Mod.Reg, attrs: Attr.NO_HOST }); continue; }
      if (r === 6) { if (rm === 0) add(T, 0x01, 'LMSW', 'Rw', 'system', { reg: 6, mod: Mod.Reg, attrs: Attr.NO_HOST }); continue; }
      if (mn === 'VMCALL' || mn === 'VMMCALL') add(T, 0x01, mn, '', 'system', { reg: r, mod: Mod.Reg, rm, attrs: Attr.ENDS_BLOCK | Attr.NO_HOST });
      else if (mn !== undefined) add(T, 0x01, mn, '', 'system', { reg: r, mod: Mod.Reg, rm, attrs: Attr.NO_HOST });
      else add(T, 0x01, '(invalid)', '', 'invalid', { reg: r, mod: Mod.Reg, rm });
    }
  }
}
add(T, 0x02, 'LAR', 'Gv,Ew', 'system', { attrs: Attr.NO_HOST });
add(T, 0x03, 'LSL', 'Gv,Ew', 'system', { attrs: Attr.NO_HOST });
add(T, 0x05, 'SYSCALL', '', 'system', { attrs: Attr.ENDS_BLOCK | Attr.NO_HOST });
add(T, 0x06, 'CLTS', '', 'system', { attrs: Attr.PRIV | Attr.NO_HOST });
add(T, 0x07, 'SYSRET', '', 'system', { attrs: Attr.PRIV | Attr.ENDS_BLOCK | Attr.NO_HOST });
add(T, 0x08, 'INVD', '', 'system', { attrs: Attr.PRIV | Attr.NO_HOST });
add(T, 0x09, 'WBINVD', '', 'system', { attrs: Attr.PRIV | Attr.NO_HOST });
add(T, 0x0b, 'UD2', '', 'misc', { attrs: Attr.ENDS_BLOCK });
add(T, 0x0d, 'NOP', 'Ev', 'misc', { mod: Mod.Mem }); // PREFETCH/PREFETCHW hints
add(T, 0x0d, '(invalid)', '', 'invalid', { mod: Mod.Reg });
for (const b of [0x04, 0x0a, 0x0c, 0x0e, 0x0f, 0x24, 0x25, 0x26, 0x27, 0x36, 0x37, 0x39, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0xa6, 0xa7, 0xaa]) {
  add(T, b, '(invalid)', '', 'invalid'); // 0F 0E/0F are 3DNow!, 0F 37 GETSEC, 0F AA RSM: not on this model
}
for (const b of [0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f]) {
  add(T, b, `(sse 0F ${hex(b)})`, '', 'sse', { pending: SSE });
}
add(T, 0x18, 'NOP', 'Ev', 'misc'); // PREFETCHh (group 16); register forms are reserved-NOP
for (let b = 0x19; b <= 0x1f; b++) add(T, b, 'NOP', 'Ev', 'misc'); // reserved-NOP, 0F 1F /0 = NOP Ev
add(T, 0x20, 'MOV', 'Rd,Cd', 'system', { attrs: Attr.PRIV | Attr.NO_HOST | Attr.MOD_IS_REG });
add(T, 0x21, 'MOV', 'Rd,Dd', 'system', { attrs: Attr.PRIV | Attr.NO_HOST | Attr.MOD_IS_REG });
add(T, 0x22, 'MOV', 'Cd,Rd', 'system', { attrs: Attr.PRIV | Attr.NO_HOST | Attr.MOD_IS_REG | Attr.SERIALIZE });
add(T, 0x23, 'MOV', 'Dd,Rd', 'system', { attrs: Attr.PRIV | Attr.NO_HOST | Attr.MOD_IS_REG });
add(T, 0x30, 'WRMSR', '', 'system', { attrs: Attr.PRIV | Attr.NO_HOST | Attr.SERIALIZE });
add(T, 0x31, 'RDTSC', '', 'system', { attrs: Attr.NO_HOST });
add(T, 0x32, 'RDMSR', '', 'system', { attrs: Attr.PRIV | Attr.NO_HOST });
add(T, 0x33, 'RDPMC', '', 'system', { attrs: Attr.NO_HOST });
add(T, 0x34, 'SYSENTER', '', 'system', { attrs: Attr.ENDS_BLOCK | Attr.NO_HOST });
add(T, 0x35, 'SYSEXIT', '', 'system', { attrs: Attr.PRIV | Attr.ENDS_BLOCK | Attr.NO_HOST });
add(T, 0x38, '(escape 0F38)', '', 'escape');
add(T, 0x3a, '(escape 0F3A)', '', 'escape');
for (let i = 0; i < 16; i++) {
  add(T, 0x40 + i, `CMOV${CC_NAMES[i]}`, 'Gv,Ev', 'mov', { cpuid: Feature.CMOV });
  add(T, 0x80 + i, `J${CC_NAMES[i]}`, 'Jz', 'control', { attrs: Attr.F64 | Attr.ENDS_BLOCK });
  add(T, 0x90 + i, `SET${CC_NAMES[i]}`, 'Eb', 'mov');
}
for (let b = 0x50; b <= 0x7f; b++) add(T, b, `(sse 0F ${hex(b)})`, '', 'sse', { pending: SSE });
add(T, 0xa0, 'PUSH', 'FS', 'stack', { attrs: Attr.D64 });
add(T, 0xa1, 'POP', 'FS', 'stack', { attrs: Attr.D64 | Attr.NO_HOST });
add(T, 0xa2, 'CPUID', '', 'misc', { attrs: Attr.SERIALIZE | Attr.NO_HOST });
add(T, 0xa3, 'BT', 'Ev,Gv', 'bit');
add(T, 0xa4, 'SHLD', 'Ev,Gv,Ib', 'shift');
add(T, 0xa5, 'SHLD', 'Ev,Gv,CL', 'shift');
add(T, 0xa8, 'PUSH', 'GS', 'stack', { attrs: Attr.D64 });
add(T, 0xa9, 'POP', 'GS', 'stack', { attrs: Attr.D64 | Attr.NO_HOST });
add(T, 0xab, 'BTS', 'Ev,Gv', 'bit', { attrs: Attr.LOCK });
add(T, 0xac, 'SHRD', 'Ev,Gv,Ib', 'shift');
add(T, 0xad, 'SHRD', 'Ev,Gv,CL', 'shift');
// Group 15: memory forms (FXSAVE … CLFLUSH), register forms (fences; FSGSBASE not advertised).
for (let r = 0; r < 8; r++) {
  if (r === 7) add(T, 0xae, 'CLFLUSH', 'Mb', 'misc', { reg: 7, mod: Mod.Mem, prefix: Mp.NP, cpuid: Feature.CLFLUSH });
  else add(T, 0xae, `(sse 0F AE /${r})`, '', 'sse', { reg: r, mod: Mod.Mem, prefix: Mp.NP, pending: SSE });
  // Prefixed forms are features this model does not advertise (CLFLUSHOPT, CLWB, PTWRITE,
  // FSGSBASE, UMONITOR…) but the host may have: #UD here, so not host-comparable.
  add(T, 0xae, '(invalid)', '', 'invalid', { reg: r, mod: Mod.Mem, prefix: Mp.P66, attrs: Attr.NO_HOST });
  add(T, 0xae, '(invalid)', '', 'invalid', { reg: r, mod: Mod.Mem, prefix: Mp.PF3, attrs: Attr.NO_HOST });
  add(T, 0xae, '(invalid)', '', 'invalid', { reg: r, mod: Mod.Mem, prefix: Mp.PF2, attrs: Attr.NO_HOST });
  if (r >= 5) add(T, 0xae, ['LFENCE', 'MFENCE', 'SFENCE'][r - 5]!, '', 'misc', { reg: r, mod: Mod.Reg, prefix: Mp.NP, cpuid: Feature.SSE2 });
  else add(T, 0xae, '(invalid)', '', 'invalid', { reg: r, mod: Mod.Reg, prefix: Mp.NP });
  add(T, 0xae, '(invalid)', '', 'invalid', { reg: r, mod: Mod.Reg, prefix: Mp.P66, attrs: Attr.NO_HOST });
  add(T, 0xae, '(invalid)', '', 'invalid', { reg: r, mod: Mod.Reg, prefix: Mp.PF3, attrs: Attr.NO_HOST }); // RDFSBASE…: FSGSBASE not advertised
  add(T, 0xae, '(invalid)', '', 'invalid', { reg: r, mod: Mod.Reg, prefix: Mp.PF2, attrs: Attr.NO_HOST });
}
add(T, 0xaf, 'IMUL', 'Gv,Ev', 'muldiv');
add(T, 0xb0, 'CMPXCHG', 'Eb,Gb', 'alu', { attrs: Attr.LOCK });
add(T, 0xb1, 'CMPXCHG', 'Ev,Gv', 'alu', { attrs: Attr.LOCK });
add(T, 0xb2, 'LSS', 'Gv,Mp', 'system', { attrs: Attr.NO_HOST });
add(T, 0xb3, 'BTR', 'Ev,Gv', 'bit', { attrs: Attr.LOCK });
add(T, 0xb4, 'LFS', 'Gv,Mp', 'system', { attrs: Attr.NO_HOST });
add(T, 0xb5, 'LGS', 'Gv,Mp', 'system', { attrs: Attr.NO_HOST });
add(T, 0xb6, 'MOVZX', 'Gv,Eb', 'mov');
add(T, 0xb7, 'MOVZX', 'Gv,Ew', 'mov');
add(T, 0xb8, 'POPCNT', 'Gv,Ev', 'bit', { prefix: Mp.PF3, cpuid: Feature.POPCNT });
add(T, 0xb8, '(invalid)', '', 'invalid', { prefix: Mp.NP }); // JMPE (IA-64)
add(T, 0xb8, '(invalid)', '', 'invalid', { prefix: Mp.P66 });
add(T, 0xb8, '(invalid)', '', 'invalid', { prefix: Mp.PF2 });
add(T, 0xb9, 'UD1', 'Gv,Ev', 'misc', { attrs: Attr.ENDS_BLOCK });
for (let r = 0; r < 8; r++) {
  if (r < 4) add(T, 0xba, '(invalid)', '', 'invalid', { reg: r });
  else add(T, 0xba, ['BT', 'BTS', 'BTR', 'BTC'][r - 4]!, 'Ev,Ib', 'bit', { reg: r, attrs: r === 4 ? 0 : Attr.LOCK });
}
add(T, 0xbb, 'BTC', 'Ev,Gv', 'bit', { attrs: Attr.LOCK });
// BSF/BSR: 66 is an operand-size prefix; F3 selects TZCNT/LZCNT (the more specific rows).
add(T, 0xbc, 'BSF', 'Gv,Ev', 'bit');
add(T, 0xbd, 'BSR', 'Gv,Ev', 'bit');
add(T, 0xbc, 'TZCNT', 'Gv,Ev', 'bit', { prefix: Mp.PF3, cpuid: Feature.BMI1 });
add(T, 0xbd, 'LZCNT', 'Gv,Ev', 'bit', { prefix: Mp.PF3, cpuid: Feature.LZCNT });
add(T, 0xbe, 'MOVSX', 'Gv,Eb', 'mov');
add(T, 0xbf, 'MOVSX', 'Gv,Ew', 'mov');
add(T, 0xc0, 'XADD', 'Eb,Gb', 'alu', { attrs: Attr.LOCK });
add(T, 0xc1, 'XADD', 'Ev,Gv', 'alu', { attrs: Attr.LOCK });
for (const b of [0xc2, 0xc3, 0xc4, 0xc5, 0xc6]) add(T, b, `(sse 0F ${hex(b)})`, '', 'sse', { pending: SSE });
// Group 9 (Table A-6)
for (let r = 0; r < 8; r++) {
  if (r === 1) add(T, 0xc7, 'CMPXCHG8B', 'Mq', 'alu', { reg: 1, mod: Mod.Mem, attrs: Attr.LOCK, cpuid: Feature.CX8 });
  else add(T, 0xc7, '(invalid)', '', 'invalid', { reg: r, mod: Mod.Mem, attrs: r >= 3 ? Attr.NO_HOST : 0 }); // XRSTORS/XSAVEC/XSAVES/VMPTR*: not in this model
  if (r === 6) add(T, 0xc7, 'RDRAND', 'Rv', 'misc', { reg: 6, mod: Mod.Reg, cpuid: Feature.RDRAND, attrs: Attr.NO_HOST });
  else if (r === 7) add(T, 0xc7, 'RDSEED', 'Rv', 'misc', { reg: 7, mod: Mod.Reg, cpuid: Feature.RDSEED, attrs: Attr.NO_HOST });
  else add(T, 0xc7, '(invalid)', '', 'invalid', { reg: r, mod: Mod.Reg });
}
for (let i = 0; i < 8; i++) add(T, 0xc8 + i, 'BSWAP', 'Zv', 'mov');
for (let b = 0xd0; b <= 0xfe; b++) add(T, b, `(sse 0F ${hex(b)})`, '', 'sse', { pending: SSE });
add(T, 0xff, 'UD0', 'Gv,Ev', 'misc', { attrs: Attr.ENDS_BLOCK });

// ---------------------------------------------------------------- 0F38 / 0F3A integer rows (Tables)
// MOVBE: 66 is an operand-size prefix here, F2 selects CRC32 and F3 is invalid (rows below).
add(T38, 0xf0, 'MOVBE', 'Gv,Mv', 'mov', { mod: Mod.Mem, cpuid: Feature.MOVBE });
add(T38, 0xf1, 'MOVBE', 'Mv,Gv', 'mov', { mod: Mod.Mem, cpuid: Feature.MOVBE });
add(T38, 0xf6, 'ADCX', 'Gy,Ey', 'alu', { prefix: Mp.P66, cpuid: Feature.ADX });
add(T38, 0xf6, 'ADOX', 'Gy,Ey', 'alu', { prefix: Mp.PF3, cpuid: Feature.ADX });
// VEX-encoded BMI1/BMI2 (SDM Vol 2 ch. 3/4: VEX.LZ.0F38 …).
const V = Attr.VEX | Attr.VEX_L0;
add(T38, 0xf2, 'ANDN', 'Gy,By,Ey', 'bit', { prefix: Mp.NP, attrs: V, cpuid: Feature.BMI1 });
add(T38, 0xf3, 'BLSR', 'By,Ey', 'bit', { prefix: Mp.NP, reg: 1, attrs: V, cpuid: Feature.BMI1 });
add(T38, 0xf3, 'BLSMSK', 'By,Ey', 'bit', { prefix: Mp.NP, reg: 2, attrs: V, cpuid: Feature.BMI1 });
add(T38, 0xf3, 'BLSI', 'By,Ey', 'bit', { prefix: Mp.NP, reg: 3, attrs: V, cpuid: Feature.BMI1 });
add(T38, 0xf5, 'BZHI', 'Gy,Ey,By', 'bit', { prefix: Mp.NP, attrs: V, cpuid: Feature.BMI2 });
add(T38, 0xf5, 'PEXT', 'Gy,By,Ey', 'bit', { prefix: Mp.PF3, attrs: V, cpuid: Feature.BMI2 });
add(T38, 0xf5, 'PDEP', 'Gy,By,Ey', 'bit', { prefix: Mp.PF2, attrs: V, cpuid: Feature.BMI2 });
add(T38, 0xf6, 'MULX', 'By,Gy,Ey', 'muldiv', { prefix: Mp.PF2, attrs: V, cpuid: Feature.BMI2 });
add(T38, 0xf7, 'BEXTR', 'Gy,Ey,By', 'bit', { prefix: Mp.NP, attrs: V, cpuid: Feature.BMI1 });
add(T38, 0xf7, 'SHLX', 'Gy,Ey,By', 'shift', { prefix: Mp.P66, attrs: V, cpuid: Feature.BMI2 });
add(T38, 0xf7, 'SARX', 'Gy,Ey,By', 'shift', { prefix: Mp.PF3, attrs: V, cpuid: Feature.BMI2 });
add(T38, 0xf7, 'SHRX', 'Gy,Ey,By', 'shift', { prefix: Mp.PF2, attrs: V, cpuid: Feature.BMI2 });
add(T3A, 0xf0, 'RORX', 'Gy,Ey,Ib', 'shift', { prefix: Mp.PF2, attrs: V, cpuid: Feature.BMI2 });

// Legacy (non-VEX) coverage of the rest of 0F38/0F3A: SSSE3/SSE4 rows belong to table_sse.ts.
for (let b = 0; b < 0xf0; b++) {
  add(T38, b, `(sse 0F38 ${hex(b)})`, '', 'sse', { pending: SSE });
  add(T3A, b, `(sse 0F3A ${hex(b)})`, '', 'sse', { pending: SSE });
}
add(T38, 0xf0, '(sse CRC32)', '', 'sse', { prefix: Mp.PF2, pending: SSE });
add(T38, 0xf1, '(sse CRC32)', '', 'sse', { prefix: Mp.PF2, pending: SSE });
add(T38, 0xf0, '(invalid)', '', 'invalid', { prefix: Mp.PF3 });
add(T38, 0xf1, '(invalid)', '', 'invalid', { prefix: Mp.PF3 });
for (const p of [Mp.NP, Mp.P66]) {
  add(T38, 0xf0, '(invalid)', '', 'invalid', { prefix: p, mod: Mod.Reg });
  add(T38, 0xf1, '(invalid)', '', 'invalid', { prefix: p, mod: Mod.Reg });
}
add(T38, 0xf6, '(invalid)', '', 'invalid', { prefix: Mp.NP });
add(T38, 0xf6, '(invalid)', '', 'invalid', { prefix: Mp.PF2 });
for (const b of [0xf2, 0xf3, 0xf4, 0xf5, 0xf7, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd, 0xfe, 0xff]) add(T38, b, '(invalid)', '', 'invalid');
for (let b = 0xf0; b <= 0xff; b++) add(T3A, b, '(invalid)', '', 'invalid');

/** The general-purpose part of the table (concatenated in table.ts). */
export const TABLE_BASE: readonly OpcodeEntry[] = Object.freeze(out.map((e) => Object.freeze(e)));
