// The x87 instructions (rows of opcodes/table_x87.ts): one handler that decodes the escape
// byte and ModRM like SDM Vol. 2 Appendix A.4 and calls the FPU library (src/x86/fpu). It
// owns the CPU-side rules: #NM for CR0.EM/TS (SDM Vol. 3 §2.5, Table 2-2), #MF before a
// waiting instruction when an unmasked exception is pending and CR0.NE = 1 (with NE = 0 the
// legacy FERR#/IRQ 13 path belongs to the platform and is not modelled: execution continues),
// the last-instruction pointers FOP/FIP/FCS/FDP/FDS (§8.1.8–8.1.9: not updated by the control
// instructions), memory operands, EFLAGS for FCOMI/FUCOMI and FCMOVcc, and AX for FNSTSW AX.
// Stores probe the destination first, so a page fault leaves the FPU state unchanged.

import type { Cpu } from '../cpu.ts';
import type { DecodedInsn } from '../decode/decoded_insn.ts';
import { OPCODES } from '../opcodes/table.ts';
import * as L from '../state_layout.ts';
import { AF, CF, OF, PF, SF, ZF, getFlags, setFlagsMasked, testCC } from '../flags.ts';
import { fx, FSW_DE, FSW_ES } from '../fpu/float80.ts';
import { float32ToExt, float64ToExt, int64ToExt, bcdToExt, loadInfo, mem } from '../fpu/convert.ts';
import { OFF_FCW, OFF_FSW, OFF_FOP, OFF_FIP, OFF_FCS, fninit, fnclex, addTop, freeSt } from '../fpu/fpu_state.ts';
import {
  arithReg,
  arithMem,
  compareReg,
  compareMem,
  comiEflags,
  fldReg,
  fldValue,
  fldConst,
  fstReg,
  fstMem,
  unary,
  fxam,
  ftst,
  fxch,
  fscale,
  fprem,
  fxtract,
  fldcw,
  ftrig,
  fbinaryPop,
  ff2xm1,
  fcmov,
  ffreep,
  fstpAlias,
  setLastInstruction,
  FMT_F32,
  FMT_F64,
  FMT_F80,
  FMT_I16,
  FMT_I32,
  FMT_I64,
  FMT_I16_TRUNC,
  FMT_I32_TRUNC,
  FMT_I64_TRUNC,
  FMT_BCD,
  UN_SQRT,
  UN_RNDINT,
  UN_CHS,
  UN_ABS,
  TRIG_SIN,
  TRIG_COS,
  TRIG_SINCOS,
  TRIG_TAN,
  BIN_PATAN,
  BIN_YL2X,
  BIN_YL2XP1,
} from '../fpu/fpu_ops.ts';
import { fstenv, fldenv, fsave, frstor, envSize, saveSize } from '../fpu/environment.ts';

const I_CR0 = L.CR0 >> 2;
const I_RIP = L.RIP >> 2;
const I_SEG = L.SEG >> 2;
const CR0_PE = 1,
  CR0_MP = 2,
  CR0_EM = 4,
  CR0_TS = 8,
  CR0_NE = 0x20;
const EFLAGS_VM = 0x20000;
const VEC_NM = 7,
  VEC_MF = 16;

/** Environment/save images pass through here between guest memory and the library. */
const image = new DataView(new ArrayBuffer(128));

/** DC/DE register forms: ModRM.reg -> library operation (SUB/SUBR and DIV/DIVR swapped). */
const REVERSED_OP = [0, 1, 2, 3, 5, 4, 7, 6];

/** Instructions that neither wait for pending exceptions nor update FOP/FIP/FDP. */
function isNoWait(op: number, reg: number, isMem: boolean): boolean {
  if (op === 0xd9) return isMem && reg >= 6; // FNSTENV, FNSTCW
  if (op === 0xdb) return !isMem && reg === 4; // FNENI FNDISI FNCLEX FNINIT FNSETPM
  if (op === 0xdd) return isMem && (reg === 6 || reg === 7); // FNSAVE, FNSTSW m16
  if (op === 0xdf) return !isMem && reg === 4; // FNSTSW AX
  return false;
}

/** Control instructions: do not update the last-instruction pointers (SDM §8.1.8). */
function isControl(op: number, reg: number, isMem: boolean): boolean {
  if (op === 0xd9) return isMem && reg >= 4; // FLDENV FLDCW FNSTENV FNSTCW
  if (op === 0xdd) return isMem && reg >= 4; // FRSTOR FNSAVE FNSTSW
  return isNoWait(op, reg, isMem);
}

function advance(c: Cpu, n: number): void {
  const lo = (c.eaLo >>> 0) + n;
  if (lo > 0xffffffff) c.eaHi = (c.eaHi + 1) | 0;
  c.eaLo = lo | 0;
}

/** Read an 80-bit memory operand into fx-shaped (se, hi, lo) scratch; false on fault. */
let mLo = 0,
  mHi = 0,
  mTop = 0;
function read80(c: Cpu): boolean {
  mLo = c.read(3);
  if (c.fault) return false;
  mHi = c.hi;
  advance(c, 8);
  mTop = c.read(1);
  return !c.fault;
}

export function X87(c: Cpu, d: DecodedInsn): void {
  const s32 = c.s32;
  const cr0 = s32[I_CR0]!;
  const dv = c.dv;
  const b = c.stateBase + L.FPU;
  const op = OPCODES[d.entry]!.opcode;
  if (op === 0x9b) {
    // FWAIT: #NM only when both MP and TS are set; then pending exceptions.
    if ((cr0 & (CR0_MP | CR0_TS)) === (CR0_MP | CR0_TS)) return c.raise(VEC_NM, -1);
    if (dv.getUint16(b + OFF_FSW, true) & FSW_ES && cr0 & CR0_NE) c.raise(VEC_MF, -1);
    return;
  }
  if (cr0 & (CR0_EM | CR0_TS)) return c.raise(VEC_NM, -1);
  const modrm = d.modrm;
  const reg = (modrm >> 3) & 7;
  const isMem = modrm < 0xc0;
  const i = modrm & 7;
  if (!isNoWait(op, reg, isMem) && dv.getUint16(b + OFF_FSW, true) & FSW_ES && cr0 & CR0_NE) return c.raise(VEC_MF, -1);
  if (isMem) {
    if (!isControl(op, reg, isMem)) {
      c.ea(d, false);
      const offLo = c.eaLo,
        offHi = c.eaHi;
      setLastInstruction(dv, b, ((op & 7) << 8) | modrm, s32[I_RIP]!, s32[I_RIP + 1]!, s32[I_SEG + L.CS * 8]!, offLo, offHi, s32[I_SEG + d.seg * 8]!);
    }
    c.ea(d);
    memoryForm(c, d, dv, b, op, reg);
    return;
  }
  if (!isControl(op, reg, isMem)) {
    // Register forms keep FDP/FDS; only FOP and FIP/FCS change.
    dv.setUint16(b + OFF_FOP, ((op & 7) << 8) | modrm, true);
    dv.setUint32(b + OFF_FIP, s32[I_RIP]!, true);
    dv.setUint32(b + OFF_FIP + 4, s32[I_RIP + 1]!, true);
    dv.setUint16(b + OFF_FCS, s32[I_SEG + L.CS * 8]!, true);
  }
  registerForm(c, dv, b, op, reg, i);
}

function registerForm(c: Cpu, dv: DataView, b: number, op: number, reg: number, i: number): void {
  switch (op) {
    case 0xd8:
      if (reg === 2 || reg === 3) compareReg(dv, b, i, false, reg - 2, false);
      else arithReg(dv, b, reg, 0, i, false);
      return;
    case 0xd9:
      switch (reg) {
        case 0: return fldReg(dv, b, i);
        case 1: return fxch(dv, b, i);
        case 2: return; // FNOP
        case 3: return fstpAlias(dv, b, i); // undocumented alias of FSTP
        case 4:
          if (i === 0) return unary(dv, b, UN_CHS);
          if (i === 1) return unary(dv, b, UN_ABS);
          if (i === 4) return void ftst(dv, b);
          return fxam(dv, b);
        case 5: return fldConst(dv, b, i);
        case 6:
          switch (i) {
            case 0: return ff2xm1(dv, b);
            case 1: return fbinaryPop(dv, b, BIN_YL2X);
            case 2: return ftrig(dv, b, TRIG_TAN);
            case 3: return fbinaryPop(dv, b, BIN_PATAN);
            case 4: return fxtract(dv, b);
            case 5: return fprem(dv, b, true);
            case 6: return addTop(dv, b, -1);
            default: return addTop(dv, b, 1);
          }
        default:
          switch (i) {
            case 0: return fprem(dv, b, false);
            case 1: return fbinaryPop(dv, b, BIN_YL2XP1);
            case 2: return unary(dv, b, UN_SQRT);
            case 3: return ftrig(dv, b, TRIG_SINCOS);
            case 4: return unary(dv, b, UN_RNDINT);
            case 5: return fscale(dv, b);
            case 6: return ftrig(dv, b, TRIG_SIN);
            default: return ftrig(dv, b, TRIG_COS);
          }
      }
    case 0xda:
      if (reg === 5) return void compareReg(dv, b, 1, true, 2, false); // FUCOMPP
      // FCMOVB, FCMOVE, FCMOVBE, FCMOVU: condition codes B=2, E=4, BE=6, P=10.
      return fcmov(dv, b, i, testCC(c, reg === 3 ? 10 : 2 + 2 * reg));
    case 0xdb:
      if (reg < 4) return fcmov(dv, b, i, testCC(c, reg === 3 ? 11 : 3 + 2 * reg));
      if (reg === 4) {
        if (i === 2) return fnclex(dv, b);
        if (i === 3) return fninit(dv, b);
        return; // FNENI, FNDISI, FNSETPM: no-ops
      }
      return comi(c, dv, b, i, reg === 5, false); // FUCOMI, FCOMI
    case 0xdc:
      if (reg === 2 || reg === 3) compareReg(dv, b, i, false, reg - 2, false);
      else arithReg(dv, b, REVERSED_OP[reg]!, i, 0, false);
      return;
    case 0xdd:
      switch (reg) {
        case 0: return freeSt(dv, b, i);
        case 1: return fxch(dv, b, i);
        case 2: return fstReg(dv, b, i, false);
        case 3: return fstReg(dv, b, i, true);
        case 4: return void compareReg(dv, b, i, true, 0, false);
        default: return void compareReg(dv, b, i, true, 1, false);
      }
    case 0xde:
      if (reg === 2) return void compareReg(dv, b, i, false, 1, false); // alias of FCOMP
      if (reg === 3) return void compareReg(dv, b, 1, false, 2, false); // FCOMPP
      return arithReg(dv, b, REVERSED_OP[reg]!, i, 0, true);
    default: // 0xdf
      switch (reg) {
        case 0: return ffreep(dv, b, i);
        case 1: return fxch(dv, b, i);
        case 2:
        case 3: return fstReg(dv, b, i, true);
        case 4: c.setReg(1, 0, dv.getUint16(b + OFF_FSW, true), 0); return; // FNSTSW AX
        default: return comi(c, dv, b, i, reg === 5, true); // FUCOMIP, FCOMIP
      }
  }
}

function comi(c: Cpu, dv: DataView, b: number, i: number, quiet: boolean, popAfter: boolean): void {
  // EFLAGS are written even when an unmasked exception suppresses the pop (as the host does).
  compareReg(dv, b, i, quiet, popAfter ? 1 : 0, true);
  setFlagsMasked(c, ZF | PF | CF | OF | SF | AF, comiEflags());
}

/** Convert the memory source operand of an arithmetic/compare/load form into fx. */
function loadSource(c: Cpu, kind: number): boolean {
  loadInfo.denormal = false;
  switch (kind) {
    case 0: { // m32fp
      const v = c.read(2);
      if (c.fault) return false;
      float32ToExt(v >>> 0);
      return true;
    }
    case 1: { // m64fp
      const lo = c.read(3);
      if (c.fault) return false;
      float64ToExt(lo >>> 0, c.hi >>> 0);
      return true;
    }
    case 2: { // m32int
      const v = c.read(2);
      if (c.fault) return false;
      int64ToExt(v, v < 0 ? -1 : 0);
      return true;
    }
    case 3: { // m16int
      const v = (c.read(1) << 16) >> 16;
      if (c.fault) return false;
      int64ToExt(v, v < 0 ? -1 : 0);
      return true;
    }
    default: { // m64int
      const lo = c.read(3);
      if (c.fault) return false;
      int64ToExt(lo, c.hi);
      return true;
    }
  }
}

const STORE_BYTES = [4, 8, 10, 2, 4, 8, 2, 4, 8, 10];

/** FST/FSTP/FIST/FISTP/FISTTP/FBSTP to memory in format `fmt`. */
function store(c: Cpu, dv: DataView, b: number, fmt: number, popAfter: boolean): void {
  if (!c.probeWrite(c.eaLo, c.eaHi, STORE_BYTES[fmt]!)) return;
  if (!fstMem(dv, b, fmt, popAfter)) return;
  switch (fmt) {
    case FMT_F32:
    case FMT_I32:
    case FMT_I32_TRUNC:
      c.write(2, mem.lo, 0);
      return;
    case FMT_I16:
    case FMT_I16_TRUNC:
      c.write(1, mem.lo, 0);
      return;
    case FMT_F80:
    case FMT_BCD:
      c.write(3, mem.lo, mem.hi);
      advance(c, 8);
      c.write(1, mem.top, 0);
      return;
    default:
      c.write(3, mem.lo, mem.hi);
  }
}

function memArith(c: Cpu, dv: DataView, b: number, kind: number, reg: number): void {
  if (!loadSource(c, kind)) return;
  const de = loadInfo.denormal ? FSW_DE : 0;
  if (reg === 2 || reg === 3) compareMem(dv, b, fx.se, fx.hi, fx.lo, de, reg - 2);
  else arithMem(dv, b, reg, fx.se, fx.hi, fx.lo, de);
}

function realMode(c: Cpu): boolean {
  return (c.s32[I_CR0]! & CR0_PE) === 0 || (getFlags(c) & EFLAGS_VM) !== 0;
}

/** Copy `n` bytes of `image` to guest memory at the current linear address. */
function writeImage(c: Cpu, n: number): void {
  for (let o = 0; o < n; o += 2) {
    c.write(1, image.getUint16(o, true), 0);
    advance(c, 2);
  }
}

function readImage(c: Cpu, n: number): boolean {
  for (let o = 0; o < n; o += 2) {
    image.setUint16(o, c.read(1), true);
    if (c.fault) return false;
    advance(c, 2);
  }
  return true;
}

function memoryForm(c: Cpu, d: DecodedInsn, dv: DataView, b: number, op: number, reg: number): void {
  switch (op) {
    case 0xd8: return memArith(c, dv, b, 0, reg);
    case 0xdc: return memArith(c, dv, b, 1, reg);
    case 0xda: return memArith(c, dv, b, 2, reg);
    case 0xde: return memArith(c, dv, b, 3, reg);
    case 0xd9:
      switch (reg) {
        case 0:
          if (!loadSource(c, 0)) return;
          return fldValue(dv, b, fx.se, fx.hi, fx.lo, true, loadInfo.denormal ? FSW_DE : 0);
        case 2: return store(c, dv, b, FMT_F32, false);
        case 3: return store(c, dv, b, FMT_F32, true);
        case 4: {
          const op32 = d.osz >= 2;
          if (!readImage(c, envSize(op32))) return;
          return fldenv(dv, b, image, 0, op32, realMode(c));
        }
        case 5: {
          const v = c.read(1);
          if (c.fault) return;
          return fldcw(dv, b, v);
        }
        case 6: {
          const op32 = d.osz >= 2;
          if (!c.probeWrite(c.eaLo, c.eaHi, envSize(op32))) return;
          fstenv(dv, b, image, 0, op32, realMode(c));
          return writeImage(c, envSize(op32));
        }
        default:
          c.write(1, dv.getUint16(b + OFF_FCW, true), 0); // FNSTCW
          return;
      }
    case 0xdb:
      switch (reg) {
        case 0:
          if (!loadSource(c, 2)) return;
          return fldValue(dv, b, fx.se, fx.hi, fx.lo, false, 0);
        case 1: return store(c, dv, b, FMT_I32_TRUNC, true);
        case 2: return store(c, dv, b, FMT_I32, false);
        case 3: return store(c, dv, b, FMT_I32, true);
        case 5:
          if (!read80(c)) return;
          return fldValue(dv, b, mTop, mHi, mLo, false, 0);
        default: return store(c, dv, b, FMT_F80, true); // 7
      }
    case 0xdd:
      switch (reg) {
        case 0:
          if (!loadSource(c, 1)) return;
          return fldValue(dv, b, fx.se, fx.hi, fx.lo, true, loadInfo.denormal ? FSW_DE : 0);
        case 1: return store(c, dv, b, FMT_I64_TRUNC, true);
        case 2: return store(c, dv, b, FMT_F64, false);
        case 3: return store(c, dv, b, FMT_F64, true);
        case 4: {
          const op32 = d.osz >= 2;
          if (!readImage(c, saveSize(op32))) return;
          return frstor(dv, b, image, 0, op32, realMode(c));
        }
        case 6: {
          const op32 = d.osz >= 2;
          if (!c.probeWrite(c.eaLo, c.eaHi, saveSize(op32))) return;
          fsave(dv, b, image, 0, op32, realMode(c));
          return writeImage(c, saveSize(op32));
        }
        default:
          c.write(1, dv.getUint16(b + OFF_FSW, true), 0); // FNSTSW m16
          return;
      }
    default: // 0xdf
      switch (reg) {
        case 0:
          if (!loadSource(c, 3)) return;
          return fldValue(dv, b, fx.se, fx.hi, fx.lo, false, 0);
        case 1: return store(c, dv, b, FMT_I16_TRUNC, true);
        case 2: return store(c, dv, b, FMT_I16, false);
        case 3: return store(c, dv, b, FMT_I16, true);
        case 4:
          if (!read80(c)) return;
          bcdToExt(mLo, mHi, mTop);
          return fldValue(dv, b, fx.se, fx.hi, fx.lo, false, 0);
        case 5:
          if (!loadSource(c, 4)) return;
          return fldValue(dv, b, fx.se, fx.hi, fx.lo, false, 0);
        case 6: return store(c, dv, b, FMT_BCD, true);
        default: return store(c, dv, b, FMT_I64, true);
      }
  }
}
