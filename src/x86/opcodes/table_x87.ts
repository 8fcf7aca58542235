// x87 rows of the one-byte map: the escape opcodes D8–DF with their ModRM.reg (memory forms)
// and ModRM.reg / ModRM.rm (register forms) selections, SDM Vol. 2 Appendix A.4 (Tables
// A-7 … A-22), and 9B (FWAIT). Encodings the SDM leaves blank are #UD through the
// `(x87 D8)`… placeholder rows of table_base.ts. Undocumented register forms that every
// Intel and AMD processor executes as aliases (DC D0+i FCOM, DC D8+i FCOMP, DD C8+i and
// DF C8+i FXCH, DE D0+i FCOMP, DF D0+i / DF D8+i / D9 D8+i FSTP, DF C0+i FFREEP) are rows
// too, under the documented mnemonic they behave as. Handlers: src/x86/exec/x87.ts.

import { Fl, Feature, Mod, Mp, OpMap } from './table_types.ts';
import type { FlagEffect, OpcodeEntry } from './table_types.ts';

const out: OpcodeEntry[] = [];
const NOFLAGS: FlagEffect = { read: 0, write: 0, undef: 0 };
/** FCOMI/FUCOMI(P): ZF PF CF from the compare, OF SF AF cleared (SDM Vol. 2 FCOMI). */
const COMI_FLAGS: FlagEffect = { read: 0, write: Fl.ZF | Fl.PF | Fl.CF | Fl.OF | Fl.SF | Fl.AF, undef: 0 };
const FCMOV_FLAGS: FlagEffect = { read: Fl.ZF | Fl.PF | Fl.CF, write: 0, undef: 0 };

function row(opcode: number, mnemonic: string, reg: number, mod: Mod, rm = -1, flags: FlagEffect = NOFLAGS): void {
  out.push({
    map: OpMap.Root,
    opcode,
    prefix: Mp.Any,
    reg,
    mod,
    rm,
    mnemonic,
    ops: mod === Mod.Mem ? 'M' : '',
    attrs: 0,
    flags,
    cpuid: Feature.NONE,
    family: 'x87',
  });
}

/** Memory forms of one escape byte, by ModRM.reg ('' = reserved, #UD). */
function mem(opcode: number, names: readonly string[]): void {
  names.forEach((n, reg) => {
    if (n) row(opcode, n, reg, Mod.Mem);
  });
}

/** Register forms taking ST(i) for all eight rm values, by ModRM.reg. */
function regAll(opcode: number, names: readonly string[]): void {
  names.forEach((n, reg) => {
    if (n) row(opcode, n, reg, Mod.Reg, -1, n.startsWith('FCMOV') ? FCMOV_FLAGS : n.startsWith('FCOMI') || n.startsWith('FUCOMI') ? COMI_FLAGS : NOFLAGS);
  });
}

/** A register form selected by both ModRM.reg and ModRM.rm. */
function regOne(opcode: number, reg: number, rm: number, name: string): void {
  row(opcode, name, reg, Mod.Reg, rm);
}

const ARITH = ['FADD', 'FMUL', 'FCOM', 'FCOMP', 'FSUB', 'FSUBR', 'FDIV', 'FDIVR'] as const;
const IARITH = ['FIADD', 'FIMUL', 'FICOM', 'FICOMP', 'FISUB', 'FISUBR', 'FIDIV', 'FIDIVR'] as const;

// D8: m32fp arithmetic; ST(0) op ST(i)
mem(0xd8, ARITH);
regAll(0xd8, ARITH);

// D9
mem(0xd9, ['FLD', '', 'FST', 'FSTP', 'FLDENV', 'FLDCW', 'FNSTENV', 'FNSTCW']);
regAll(0xd9, ['FLD', 'FXCH', '', 'FSTP', '', '', '', '']);
regOne(0xd9, 2, 0, 'FNOP');
['FCHS', 'FABS', '', '', 'FTST', 'FXAM', '', ''].forEach((n, rm) => n && regOne(0xd9, 4, rm, n));
['FLD1', 'FLDL2T', 'FLDL2E', 'FLDPI', 'FLDLG2', 'FLDLN2', 'FLDZ', ''].forEach((n, rm) => n && regOne(0xd9, 5, rm, n));
['F2XM1', 'FYL2X', 'FPTAN', 'FPATAN', 'FXTRACT', 'FPREM1', 'FDECSTP', 'FINCSTP'].forEach((n, rm) => regOne(0xd9, 6, rm, n));
['FPREM', 'FYL2XP1', 'FSQRT', 'FSINCOS', 'FRNDINT', 'FSCALE', 'FSIN', 'FCOS'].forEach((n, rm) => regOne(0xd9, 7, rm, n));

// DA: m32int arithmetic; FCMOVcc; FUCOMPP
mem(0xda, IARITH);
regAll(0xda, ['FCMOVB', 'FCMOVE', 'FCMOVBE', 'FCMOVU', '', '', '', '']);
regOne(0xda, 5, 1, 'FUCOMPP');

// DB
mem(0xdb, ['FILD', 'FISTTP', 'FIST', 'FISTP', '', 'FLD', '', 'FSTP']);
regAll(0xdb, ['FCMOVNB', 'FCMOVNE', 'FCMOVNBE', 'FCMOVNU', '', 'FUCOMI', 'FCOMI', '']);
// DB E0/E1/E4 (8087 FENI, FDISI, 287 FSETPM) execute as no-ops on later processors.
['FNENI', 'FNDISI', 'FNCLEX', 'FNINIT', 'FNSETPM'].forEach((n, rm) => regOne(0xdb, 4, rm, n));

// DC: m64fp arithmetic; ST(i) op ST(0) (SUB/SUBR and DIV/DIVR swap encodings here)
mem(0xdc, ARITH);
regAll(0xdc, ['FADD', 'FMUL', 'FCOM', 'FCOMP', 'FSUBR', 'FSUB', 'FDIVR', 'FDIV']);

// DD
mem(0xdd, ['FLD', 'FISTTP', 'FST', 'FSTP', 'FRSTOR', '', 'FNSAVE', 'FNSTSW']);
regAll(0xdd, ['FFREE', 'FXCH', 'FST', 'FSTP', 'FUCOM', 'FUCOMP', '', '']);

// DE: m16int arithmetic; pop forms
mem(0xde, IARITH);
regAll(0xde, ['FADDP', 'FMULP', 'FCOMP', '', 'FSUBRP', 'FSUBP', 'FDIVRP', 'FDIVP']);
regOne(0xde, 3, 1, 'FCOMPP');

// DF
mem(0xdf, ['FILD', 'FISTTP', 'FIST', 'FISTP', 'FBLD', 'FILD', 'FBSTP', 'FISTP']);
regAll(0xdf, ['FFREEP', 'FXCH', 'FSTP', 'FSTP', '', 'FUCOMIP', 'FCOMIP', '']);
regOne(0xdf, 4, 0, 'FNSTSW');

// 9B: WAIT/FWAIT
out.push({ map: OpMap.Root, opcode: 0x9b, prefix: Mp.Any, reg: -1, mod: Mod.Any, rm: -1, mnemonic: 'FWAIT', ops: '', attrs: 0, flags: NOFLAGS, cpuid: Feature.NONE, family: 'x87' });

export const TABLE_X87: readonly OpcodeEntry[] = out;

/** Every x87 mnemonic of the table (the dispatch maps them all to the one x87 handler). */
export const X87_MNEMONICS: readonly string[] = [...new Set(out.map((e) => e.mnemonic))];
