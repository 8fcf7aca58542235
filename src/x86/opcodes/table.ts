// THE instruction table (DESIGN.md invariant 2): one list of declarative rows drives the decoder,
// the interpreter dispatch, the table tests, the differential test generator and (later) the
// disassembler and the JIT. Rows are built in per-area files and concatenated here:
//
//   table_base.ts   general-purpose instructions (this file's owner: the CPU core)
//   table_x87.ts    x87 rows (D8–DF, 9B)            – added by the x87 helper
//   table_sse.ts    MMX/SSE rows of 0F/0F38/0F3A    – added by the SIMD helper
//
// HOW TO ADD ROWS AND HANDLERS (for the x87 / SIMD helpers):
//   1. Export `TABLE_X87: readonly OpcodeEntry[]` from your table file, built like table_base.ts
//      (map, opcode, prefix, reg/mod/rm selection, mnemonic, SDM operand letters, attrs,
//      flags, cpuid, family). Add ONE import and ONE spread line to `OPCODES` below.
//   2. Your rows replace the `pending` placeholders of table_base.ts automatically: the
//      decoder prefers a non-pending row over a pending one that matches the same bytes, and
//      a more specific row (explicit mandatory prefix, reg, mod, rm) over a less specific one.
//   3. Register the handler: in src/x86/exec/dispatch.ts, map your mnemonics to an `Ex` id
//      (exec/exec_ids.ts) and call your exec file from the `Ex.X87`/`Ex.SSE` case. Handlers
//      receive (cpu, decoded insn); operands are already decoded (see decode/decoded_insn.ts).
//   4. The table tests (test/x86/opcodes/table.test.ts) then check completeness and that
//      every mnemonic has a handler.
//
// Selection rule for mandatory prefixes (SDM Vol 2 §2.1.2 and the SSE tables): among 66, F2
// and F3, the last of F2/F3 wins if present, else 66; a row with prefix `Any` ignores them.

import { TABLE_BASE } from './table_base.ts';
import { TABLE_SSE } from './table_sse.ts';
import { TABLE_X87 } from './table_x87.ts';
import { Attr, Mod, Mp } from './table_types.ts';
import type { OpcodeEntry } from './table_types.ts';

export const OPCODES: readonly OpcodeEntry[] = [...TABLE_BASE, ...TABLE_X87, ...TABLE_SSE];

// ---- Operand plans (parsed once at load from the SDM letters)

/** Decoded operand kind. */
export const enum Ok {
  NONE = 0,
  /** General register; number in the decoded `r` field (byte regs: state byte offset). */
  REG = 1,
  /** ModRM.rm: register or memory depending on mod. */
  RM = 2,
  /** Memory only (ModRM must be a memory form, else #UD). */
  MEM = 3,
  /** Immediate (sign-extended per the letter). */
  IMM = 4,
  /** Segment register (fixed or ModRM.reg). */
  SREG = 5,
  /** Memory at an absolute moffs (A0–A3). */
  MOFFS = 6,
  /** Implicit / string / handled by the handler. */
  IMPLICIT = 7,
}

/** Where a register number comes from. */
export const enum RegSrc {
  NONE = 0,
  MODRM_REG = 1,
  MODRM_RM = 2,
  OPCODE = 3,
  FIXED = 4,
  VEX_V = 5,
}

/** Operand width letter after resolution. */
export const enum Ow {
  NONE = 0,
  B = 1, // 8
  W = 2, // 16
  D = 3, // 32
  Q = 4, // 64
  V = 5, // operand size
  Z = 6, // 16/32/32
  Y = 7, // 32/32/64
  OTHER = 8,
}

export interface OperandPlan {
  readonly kind: Ok;
  readonly regSrc: RegSrc;
  readonly fixed: number;
  readonly width: Ow;
}

/** Immediate encodings the decoder must fetch, in order. */
export const enum Imm {
  NONE = 0,
  B = 1, // 1 byte, sign-extended
  W = 2, // 2 bytes
  Z = 3, // 2 or 4 bytes by operand size, sign-extended to 64
  V = 4, // 2, 4 or 8 bytes by operand size (MOV r, imm64)
  JB = 5, // rel8
  JZ = 6, // rel16/32
  MOFFS = 7, // address-size bytes (2/4/8)
  AP = 8, // ptr16:16/32
  WB = 9, // ENTER Iw,Ib
}

export interface EntryPlan {
  readonly hasModrm: boolean;
  readonly imm: Imm;
  readonly ops: readonly OperandPlan[];
}

const NONE_OP: OperandPlan = { kind: Ok.NONE, regSrc: RegSrc.NONE, fixed: 0, width: Ow.NONE };

function widthOf(c: string): Ow {
  switch (c) {
    case 'b': return Ow.B;
    case 'w': return Ow.W;
    case 'd': return Ow.D;
    case 'q': return Ow.Q;
    case 'v': return Ow.V;
    case 'z': return Ow.Z;
    case 'y': return Ow.Y;
    default: return Ow.OTHER;
  }
}

const FIXED_REGS: Record<string, [number, Ow]> = { AL: [0, Ow.B], rAX: [0, Ow.V], eAX: [0, Ow.Z], CL: [1, Ow.B], DX: [2, Ow.W] };
const FIXED_SEGS: Record<string, number> = { ES: 0, CS: 1, SS: 2, DS: 3, FS: 4, GS: 5 };

/** Parse one entry's operand letters into a decode plan. */
export function planOf(e: OpcodeEntry): EntryPlan {
  let hasModrm = e.reg >= 0 || e.mod !== Mod.Any;
  let imm = Imm.NONE;
  const ops: OperandPlan[] = [];
  if (e.ops === '') return { hasModrm, imm, ops };
  for (const t of e.ops.split(',')) {
    const fr = FIXED_REGS[t];
    if (fr) { ops.push({ kind: Ok.REG, regSrc: RegSrc.FIXED, fixed: fr[0], width: fr[1] }); continue; }
    const fs = FIXED_SEGS[t];
    if (fs !== undefined) { ops.push({ kind: Ok.SREG, regSrc: RegSrc.FIXED, fixed: fs, width: Ow.W }); continue; }
    if (t === '1') { ops.push({ kind: Ok.IMM, regSrc: RegSrc.NONE, fixed: 1, width: Ow.B }); continue; }
    const a = t[0]!, w = widthOf(t.slice(1));
    switch (a) {
      case 'E': case 'W': case 'Q': hasModrm = true; ops.push({ kind: Ok.RM, regSrc: RegSrc.MODRM_RM, fixed: 0, width: w }); break;
      case 'G': case 'V': case 'P': hasModrm = true; ops.push({ kind: Ok.REG, regSrc: RegSrc.MODRM_REG, fixed: 0, width: w }); break;
      case 'R': case 'U': case 'N': hasModrm = true; ops.push({ kind: Ok.REG, regSrc: RegSrc.MODRM_RM, fixed: 0, width: w }); break;
      case 'M': hasModrm = true; ops.push({ kind: Ok.MEM, regSrc: RegSrc.MODRM_RM, fixed: 0, width: t === 'M' ? Ow.OTHER : w }); break;
      case 'S': hasModrm = true; ops.push({ kind: Ok.SREG, regSrc: RegSrc.MODRM_REG, fixed: 0, width: Ow.W }); break;
      case 'C': case 'D': hasModrm = true; ops.push({ kind: Ok.IMPLICIT, regSrc: RegSrc.MODRM_REG, fixed: 0, width: w }); break;
      case 'Z': ops.push({ kind: Ok.REG, regSrc: RegSrc.OPCODE, fixed: 0, width: w }); break;
      case 'B': ops.push({ kind: Ok.REG, regSrc: RegSrc.VEX_V, fixed: 0, width: w }); break;
      case 'X': case 'Y': ops.push({ kind: Ok.IMPLICIT, regSrc: RegSrc.NONE, fixed: 0, width: w }); break;
      case 'O': imm = Imm.MOFFS; ops.push({ kind: Ok.MOFFS, regSrc: RegSrc.NONE, fixed: 0, width: w }); break;
      case 'A': imm = Imm.AP; ops.push({ kind: Ok.IMM, regSrc: RegSrc.NONE, fixed: 0, width: Ow.OTHER }); break;
      case 'J': imm = w === Ow.B ? Imm.JB : Imm.JZ; ops.push({ kind: Ok.IMM, regSrc: RegSrc.NONE, fixed: 0, width: w }); break;
      case 'I':
        if (imm === Imm.W && w === Ow.B) imm = Imm.WB; // ENTER Iw,Ib
        else imm = w === Ow.B ? Imm.B : w === Ow.W ? Imm.W : w === Ow.V ? Imm.V : Imm.Z;
        ops.push({ kind: Ok.IMM, regSrc: RegSrc.NONE, fixed: 0, width: w });
        break;
      default:
        throw new Error(`table: unknown operand letter ${t} in ${e.mnemonic}`);
    }
  }
  return { hasModrm, imm, ops };
}

export const PLANS: readonly EntryPlan[] = OPCODES.map(planOf);
export const NO_OPERAND: OperandPlan = NONE_OP;

// ---- Lookup: candidates per (VEX?, map, opcode); chosen at decode time (decode-cache misses only)

/** Index into `CANDIDATES`: vex * 1024 + map * 256 + opcode. */
export const CANDIDATES: readonly (readonly number[])[] = (() => {
  const c: number[][] = [];
  for (let i = 0; i < 2048; i++) c.push([]);
  OPCODES.forEach((e, i) => {
    const vex = (e.attrs & Attr.VEX) !== 0 ? 1 : 0;
    c[vex * 1024 + e.map * 256 + e.opcode]!.push(i);
  });
  return c;
})();

/**
 * Pick the row for these bytes: the most specific matching row, non-pending rows first.
 * Returns -1 when nothing matches (the decoder raises #UD).
 */
export function selectEntry(vex: number, map: number, opcode: number, mp: Mp, hasModrmByte: boolean, modrm: number, mode64: boolean): number {
  const list = CANDIDATES[vex * 1024 + map * 256 + opcode]!;
  let best = -1, bestScore = -1;
  for (const i of list) {
    const e = OPCODES[i]!;
    let score = 0;
    if ((e.attrs & (mode64 ? Attr.I64 : Attr.O64)) !== 0) continue;
    if (e.prefix !== Mp.Any) { if (e.prefix !== mp) continue; score += 8; }
    if (e.reg >= 0) { if (!hasModrmByte || ((modrm >> 3) & 7) !== e.reg) continue; score += 4; }
    if (e.mod !== Mod.Any) {
      if (!hasModrmByte) continue;
      const isReg = modrm >= 0xc0;
      if ((e.mod === Mod.Reg) !== isReg) continue;
      score += 2;
    }
    if (e.rm >= 0) { if (!hasModrmByte || (modrm & 7) !== e.rm) continue; score += 1; }
    if (e.pending === undefined) score += 16;
    if (score > bestScore) { best = i; bestScore = score; }
  }
  return best;
}

/** Whether any candidate row for these bytes needs a ModRM byte (decided before reading it). */
export const NEEDS_MODRM: Uint8Array = (() => {
  const n = new Uint8Array(2048);
  OPCODES.forEach((e, i) => {
    const vex = (e.attrs & Attr.VEX) !== 0 ? 1 : 0;
    if (PLANS[i]!.hasModrm) n[vex * 1024 + e.map * 256 + e.opcode] = 1;
  });
  return n;
})();
