// Instruction decoder (SDM Vol 2 ch. 2): legacy prefixes, REX, VEX (for BMI), opcode maps,
// ModRM/SIB/displacement in 16/32/64-bit addressing, immediates, the 15-byte limit, and the
// #UD checks that depend only on the bytes and the mode (invalid rows, bad LOCK, i64/o64,
// VEX misuse). Table driven: the row comes from opcodes/table.ts, operands from its plan.

import { Imm, NEEDS_MODRM, OPCODES, Ok, Ow, PLANS, RegSrc, selectEntry } from '../opcodes/table.ts';
import { Attr, Feature, Mp } from '../opcodes/table_types.ts';
import type { DecodedInsn } from './decoded_insn.ts';
import { EX_OF, SUB_OF } from '../exec/exec_ids.ts';
import { FEATURE_ON } from '../exec/cpuid.ts';

/** Decoder faults stored in DecodedInsn.fault. */
export const FAULT_UD = 6;
export const FAULT_GP = 13;
/** Ran past the bytes available (the next code page is not mapped): the CPU raises #PF. */
export const FAULT_FETCH = 100;

const XCHG_R_RAX = OPCODES.findIndex((e) => e.map === 0 && e.opcode === 0x91);
/** CPUID feature of each row (gated at decode time, see exec/cpuid.ts FEATURE_ON). */
const ROW_FEATURE = Uint8Array.from(OPCODES, (e) => e.cpuid);
/** Without BMI1 / ABM, F3 0F BC / BD are BSF / BSR with an ignored REP prefix (SDM Vol 2 TZCNT, LZCNT). */
const BSF_ROW = OPCODES.findIndex((e) => e.map === 1 && e.opcode === 0xbc && e.mnemonic === 'BSF');
const BSR_ROW = OPCODES.findIndex((e) => e.map === 1 && e.opcode === 0xbd && e.mnemonic === 'BSR');
/** 0F C7 /1 with REX.W is CMPXCHG16B: CX16, not CX8. */
const CMPXCHG8B_ROW = OPCODES.findIndex((e) => e.mnemonic === 'CMPXCHG8B');

const MAX_LEN = 15;

/** 16-bit addressing (SDM Vol 2 Table 2-1): base and index per rm. */
const BASE16 = [3, 3, 5, 5, 6, 7, 5, 3];
const INDEX16 = [6, 7, 6, 7, -1, -1, -1, -1];

function opSizeCode(w: Ow, osz: number): number {
  switch (w) {
    case Ow.B: return 0;
    case Ow.W: return 1;
    case Ow.D: return 2;
    case Ow.Q: return 3;
    case Ow.Z: return osz === 3 ? 2 : osz;
    case Ow.Y: return osz === 3 ? 3 : 2;
    default: return osz;
  }
}

/**
 * Decode one instruction from `buf[0..avail)` in a code segment of `bits` (16, 32, 64).
 * Fills `d` and returns its length; on a decode fault `d.fault` is set (length still valid
 * up to the bytes consumed).
 */
export function decode(buf: Uint8Array, avail: number, bits: number, d: DecodedInsn): number {
  const mode64 = bits === 64;
  let p = 0;
  let has66 = 0, has67 = 0, repLast = 0, lock = 0, seg = -1, rex = 0, rexW = 0, rexR = 0, rexX = 0, rexB = 0;
  let vex = 0, vvvv = 0, vexL = 0, vexMp = 0;
  let map = 0;
  d.fault = -1;
  let b = 0;
  // ---- prefixes (SDM Vol 2 §2.1.1); REX counts only when it immediately precedes the opcode
  for (;;) {
    if (p >= MAX_LEN) { d.fault = FAULT_GP; return p; }
    if (p >= avail) return fetchFault(d, p);
    b = buf[p]!;
    if (mode64 && (b & 0xf0) === 0x40) {
      rex = 1; rexW = (b >> 3) & 1; rexR = (b >> 2) & 1; rexX = (b >> 1) & 1; rexB = b & 1;
      p++;
      continue;
    }
    let isPrefix = true;
    switch (b) {
      case 0x66: has66 = 1; break;
      case 0x67: has67 = 1; break;
      case 0xf2: repLast = 2; break;
      case 0xf3: repLast = 3; break;
      case 0xf0: lock = 1; break;
      case 0x26: seg = 0; break;
      case 0x2e: seg = 1; break;
      case 0x36: seg = 2; break;
      case 0x3e: seg = 3; break;
      case 0x64: seg = 4; break;
      case 0x65: seg = 5; break;
      default: isPrefix = false;
    }
    if (!isPrefix) break;
    // A legacy prefix after REX cancels the REX (SDM Vol 2 §2.2.1).
    rex = 0; rexW = 0; rexR = 0; rexX = 0; rexB = 0;
    p++;
  }
  // In 64-bit mode CS/DS/ES/SS overrides are ignored (SDM Vol 1 §3.4.2.1).
  if (mode64 && seg >= 0 && seg < 4) seg = -1;
  // ---- opcode bytes
  p++;
  if (b === 0x0f) {
    if (p >= avail) return fetchFault(d, p);
    b = buf[p++]!;
    map = 1;
    if (b === 0x38 || b === 0x3a) {
      if (p >= avail) return fetchFault(d, p);
      map = b === 0x38 ? 2 : 3;
      b = buf[p++]!;
    }
  } else if ((b === 0xc4 || b === 0xc5) && (mode64 || (p < avail && buf[p]! >= 0xc0))) {
    // VEX (SDM Vol 2 §2.3.5). Prefixes 66/F2/F3/LOCK/REX before VEX are #UD.
    if (p >= avail) return fetchFault(d, p);
    const v1 = buf[p++]!;
    if (has66 || repLast || lock || rex) { d.fault = FAULT_UD; return p; }
    vex = 1;
    let v2: number;
    if (b === 0xc5) {
      rexR = (~v1 >> 7) & 1; map = 1; v2 = v1;
    } else {
      if (p >= avail) return fetchFault(d, p);
      rexR = (~v1 >> 7) & 1; rexX = (~v1 >> 6) & 1; rexB = (~v1 >> 5) & 1;
      const mm = v1 & 0x1f;
      if (mm < 1 || mm > 3) { d.fault = FAULT_UD; return p; }
      map = mm;
      v2 = buf[p++]!;
      rexW = (v2 >> 7) & 1;
    }
    if (!mode64) { rexR = 0; rexX = 0; rexB = 0; }
    vvvv = (~v2 >> 3) & 15;
    if (!mode64) vvvv &= 7;
    vexL = (v2 >> 2) & 1;
    vexMp = v2 & 3;
    if (p >= avail) return fetchFault(d, p);
    b = buf[p++]!;
    rex = 1;
  }
  // ---- ModRM (read before row selection when any row of this opcode has one)
  const key = vex * 1024 + map * 256 + b;
  const hasModrmByte = NEEDS_MODRM[key] === 1;
  let modrm = 0;
  if (hasModrmByte) {
    if (p >= avail) return fetchFault(d, p);
    modrm = buf[p]!;
  }
  const mp = vex ? [Mp.NP, Mp.P66, Mp.PF3, Mp.PF2][vexMp]! : repLast === 3 ? Mp.PF3 : repLast === 2 ? Mp.PF2 : has66 ? Mp.P66 : Mp.NP;
  let entry = selectEntry(vex, map, b, mp, hasModrmByte, modrm, mode64);
  if (map === 0 && b === 0x90 && rexB) entry = XCHG_R_RAX; // REX.B 90 = XCHG r8,rAX, not NOP
  if (entry >= 0 && FEATURE_ON[ROW_FEATURE[entry]!] === 0) {
    // The CPUID model lacks the row's feature (LAHF/SAHF need theirs in 64-bit mode only).
    const m = OPCODES[entry]!.mnemonic;
    if (m === 'TZCNT') entry = BSF_ROW;
    else if (m === 'LZCNT') entry = BSR_ROW;
    else if (!((m === 'LAHF' || m === 'SAHF') && !mode64)) entry = -1;
  }
  if (entry === CMPXCHG8B_ROW && rexW && FEATURE_ON[Feature.CX16] === 0) entry = -1;
  d.entry = entry;
  if (entry < 0) { d.fault = FAULT_UD; return p; }
  const e = OPCODES[entry]!;
  const plan = PLANS[entry]!;
  const attrs = e.attrs;
  if (hasModrmByte) p++;
  // Mandatory prefixes consumed by the row do not act as REP / operand size.
  let rep = repLast;
  if (e.prefix === Mp.PF3 || e.prefix === Mp.PF2) rep = 0;
  if (e.prefix === Mp.P66) has66 = 0;
  if (vex && (attrs & Attr.VEX_L0) !== 0 && vexL) { d.fault = FAULT_UD; return p; }
  // VEX.vvvv must be 1111b when the row has no VEX register operand (SDM Vol 2 §2.3.6).
  if (vex && vvvv !== 0 && !plan.ops.some((o) => o.regSrc === RegSrc.VEX_V)) { d.fault = FAULT_UD; return p; }
  // ---- sizes (SDM Vol 1 §3.6, Vol 2 §2.2.1.2)
  let osz: number;
  if (mode64) {
    if (rexW) osz = 3;
    else if (attrs & Attr.F64) osz = 3;
    else if (attrs & Attr.D64) osz = has66 ? 1 : 3;
    else osz = has66 ? 1 : 2;
  } else if (bits === 32) osz = has66 ? 1 : 2;
  else osz = has66 ? 2 : 1;
  const asz = mode64 ? (has67 ? 2 : 3) : bits === 32 ? (has67 ? 1 : 2) : (has67 ? 2 : 1);
  // Whole-instruction operand size: byte rows are 8-bit.
  let anyV = false, anyB = false;
  for (const o of plan.ops) {
    if (o.kind === Ok.IMM || o.kind === Ok.NONE) continue;
    if (o.width === Ow.V || o.width === Ow.Z || o.width === Ow.Y) anyV = true;
    else if (o.width === Ow.B) anyB = true;
  }
  let effOsz = osz;
  if (!anyV && anyB) effOsz = 0;
  else if (plan.ops.length > 0 && plan.ops[0]!.width === Ow.Y) effOsz = osz === 3 ? 3 : 2;
  d.osz = effOsz;
  d.asz = asz;
  d.rep = rep;
  d.lock = lock;
  d.rex = rex;
  d.modrm = modrm;
  d.segOverride = seg >= 0 ? 1 : 0;
  d.seg = seg >= 0 ? seg : 3;
  d.base = -1; d.index = -1; d.scale = 0; d.disp = 0; d.dispHi = 0;
  d.imm = 0; d.immHi = 0; d.imm2 = 0;
  d.ex = EX_OF[entry]!;
  d.sub = SUB_OF[entry]!;
  if (modrm < 0xc0 && (attrs & Attr.MOD_IS_REG) !== 0) modrm |= 0xc0;
  const isMem = hasModrmByte && modrm < 0xc0;
  // ---- memory operand (SDM Vol 2 §2.1.5, Tables 2-1 to 2-3; §2.2.1.6 RIP-relative)
  if (isMem) {
    const mod = modrm >> 6, rm = modrm & 7;
    if (asz === 1) {
      if (mod === 0 && rm === 6) {
        if (p + 2 > avail) return fetchFault(d, p);
        d.disp = buf[p]! | (buf[p + 1]! << 8); p += 2;
      } else {
        d.base = BASE16[rm]!; d.index = INDEX16[rm]!;
        if (mod === 1) { if (p >= avail) return fetchFault(d, p); d.disp = (buf[p++]! << 24) >> 24; }
        else if (mod === 2) { if (p + 2 > avail) return fetchFault(d, p); d.disp = ((buf[p]! | (buf[p + 1]! << 8)) << 16) >> 16; p += 2; }
        if (seg < 0 && (rm === 2 || rm === 3 || rm === 6)) d.seg = 2;
      }
    } else {
      let base = rm | (rexB << 3);
      if (rm === 4) {
        if (p >= avail) return fetchFault(d, p);
        const sib = buf[p++]!;
        const idx = ((sib >> 3) & 7) | (rexX << 3);
        d.index = idx === 4 ? -1 : idx;
        d.scale = sib >> 6;
        base = (sib & 7) | (rexB << 3);
        if ((sib & 7) === 5 && mod === 0) base = -1;
      } else if (rm === 5 && mod === 0) {
        base = mode64 ? 16 : -1;
      }
      d.base = base;
      if (mod === 1) { if (p >= avail) return fetchFault(d, p); d.disp = (buf[p++]! << 24) >> 24; }
      else if (mod === 2 || base === -1 || base === 16) {
        if (p + 4 > avail) return fetchFault(d, p);
        d.disp = buf[p]! | (buf[p + 1]! << 8) | (buf[p + 2]! << 16) | (buf[p + 3]! << 24); p += 4;
        d.dispHi = d.disp >> 31; // [disp32] without base or index: sign-extended in 64-bit addressing
      }
      if (seg < 0 && (base === 4 || base === 5)) d.seg = 2;
    }
  }
  // ---- operands
  d.k1 = 0; d.k2 = 0; d.k3 = 0; d.r1 = 0; d.r2 = 0; d.r3 = 0;
  for (let i = 0; i < plan.ops.length && i < 3; i++) {
    const o = plan.ops[i]!;
    let k: number = o.kind, r = 0;
    const w = opSizeCode(o.width, osz);
    switch (o.regSrc) {
      case RegSrc.MODRM_REG: r = ((modrm >> 3) & 7) | (rexR << 3); break;
      case RegSrc.MODRM_RM: r = (modrm & 7) | (rexB << 3); break;
      case RegSrc.OPCODE: r = (b & 7) | (rexB << 3); break;
      case RegSrc.FIXED: r = o.fixed; break;
      case RegSrc.VEX_V: r = vvvv; break;
      default: break;
    }
    if (k === Ok.RM) k = isMem ? Ok.MEM : Ok.REG;
    if (k === Ok.MEM && !isMem) { d.fault = FAULT_UD; return p; }
    if (o.kind === Ok.REG && o.regSrc === RegSrc.MODRM_RM && isMem) { d.fault = FAULT_UD; return p; }
    if (k === Ok.SREG && o.regSrc === RegSrc.MODRM_REG) {
      r = (modrm >> 3) & 7;
      if (r > 5) { d.fault = FAULT_UD; return p; }
    }
    if (k === Ok.REG && w === 0) r = rex || r < 4 ? r * 8 : (r - 4) * 8 + 1;
    if (k === Ok.IMM && o.fixed === 1 && o.regSrc === RegSrc.NONE && plan.imm === Imm.NONE) d.imm = 1;
    if (k === Ok.MOFFS) k = Ok.MEM;
    if (i === 0) { d.k1 = k; d.r1 = r; } else if (i === 1) { d.k2 = k; d.r2 = r; } else { d.k3 = k; d.r3 = r; }
  }
  // ---- immediates
  switch (plan.imm) {
    case Imm.NONE: break;
    case Imm.B: case Imm.JB:
      if (p >= avail) return fetchFault(d, p);
      d.imm = (buf[p++]! << 24) >> 24; d.immHi = d.imm >> 31; break;
    case Imm.W:
      if (p + 2 > avail) return fetchFault(d, p);
      d.imm = buf[p]! | (buf[p + 1]! << 8); p += 2; break;
    case Imm.WB:
      if (p + 3 > avail) return fetchFault(d, p);
      d.imm = buf[p]! | (buf[p + 1]! << 8); d.imm2 = buf[p + 2]!; p += 3; break;
    case Imm.Z: case Imm.JZ:
      if (osz === 1) {
        if (p + 2 > avail) return fetchFault(d, p);
        d.imm = ((buf[p]! | (buf[p + 1]! << 8)) << 16) >> 16; p += 2;
      } else {
        if (p + 4 > avail) return fetchFault(d, p);
        d.imm = buf[p]! | (buf[p + 1]! << 8) | (buf[p + 2]! << 16) | (buf[p + 3]! << 24); p += 4;
      }
      d.immHi = d.imm >> 31;
      break;
    case Imm.V: {
      const n = osz === 1 ? 2 : osz === 2 ? 4 : 8;
      if (p + n > avail) return fetchFault(d, p);
      d.imm = n === 2 ? buf[p]! | (buf[p + 1]! << 8) : buf[p]! | (buf[p + 1]! << 8) | (buf[p + 2]! << 16) | (buf[p + 3]! << 24);
      d.immHi = n === 8 ? buf[p + 4]! | (buf[p + 5]! << 8) | (buf[p + 6]! << 16) | (buf[p + 7]! << 24) : 0;
      p += n;
      break;
    }
    case Imm.MOFFS: {
      const n = asz === 1 ? 2 : asz === 2 ? 4 : 8;
      if (p + n > avail) return fetchFault(d, p);
      d.disp = n === 2 ? buf[p]! | (buf[p + 1]! << 8) : buf[p]! | (buf[p + 1]! << 8) | (buf[p + 2]! << 16) | (buf[p + 3]! << 24);
      d.dispHi = n === 8 ? buf[p + 4]! | (buf[p + 5]! << 8) | (buf[p + 6]! << 16) | (buf[p + 7]! << 24) : 0;
      d.base = -1; d.index = -1;
      p += n;
      break;
    }
    case Imm.AP: {
      const n = osz === 1 ? 2 : 4;
      if (p + n + 2 > avail) return fetchFault(d, p);
      d.imm = n === 2 ? buf[p]! | (buf[p + 1]! << 8) : buf[p]! | (buf[p + 1]! << 8) | (buf[p + 2]! << 16) | (buf[p + 3]! << 24);
      d.imm2 = buf[p + n]! | (buf[p + n + 1]! << 8);
      p += n + 2;
      break;
    }
  }
  if (p > MAX_LEN) { d.fault = FAULT_GP; return p; }
  // ---- LOCK: only on lockable rows with a memory destination (SDM Vol 2 LOCK: else #UD)
  if (lock && (!(attrs & Attr.LOCK) || !isMem)) { d.fault = FAULT_UD; return p; }
  d.len = p;
  return p;
}

function fetchFault(d: DecodedInsn, p: number): number {
  d.fault = FAULT_FETCH;
  d.len = p;
  return p;
}
