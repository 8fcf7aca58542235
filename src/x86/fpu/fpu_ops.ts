// x87 instructions at the register-stack level: each function performs one instruction's
// FPU-side effects on the state region (dv, b) — operand fetch with stack-fault checks,
// the arithmetic from softfloat80/convert, the commit rule for masked vs unmasked exceptions
// (SDM Vol. 1 §8.5: an unmasked IE, DE or ZE leaves the destination and TOP unchanged;
// unmasked OE/UE deliver the exponent-scaled result to a register and nothing to memory),
// C1 (round-up, stack overflow) and ES/B. Memory operands are decoded/encoded by the caller:
// loads pass the converted value, stores read `mem` and write it only when told to.
// FIP/FDP/FOP are the CPU core's (it knows the addresses): see setLastInstruction.

import {
  fx,
  classify,
  FSW_IE,
  FSW_DE,
  FSW_ZE,
  FSW_OE,
  FSW_PE,
  FSW_UE,
  FSW_C0,
  FSW_C1,
  FSW_C2,
  FSW_C3,
  CLS_SNAN,
  CLS_QNAN,
  CLS_UNSUPPORTED,
  INDEFINITE_SE,
  INDEFINITE_HI,
  INDEFINITE_LO,
} from './float80.ts';
import { add, mul, div, sqrt, compare, examine, roundToInt, scale, extract, xtractExp, remainder, loadConstant, CMP_UN, CMP_EQ, CMP_LT, REM_CC_UNCHANGED } from './softfloat80.ts';
import { trig, second, patan, yl2x, yl2xp1, f2xm1, TRIG_SINCOS, TRIG_TAN } from './transcendental.ts';
import { mem, extToFloat32, extToFloat64, extToInt, extToBcd } from './convert.ts';
import {
  OFF_FCW,
  OFF_FSW,
  OFF_FOP,
  OFF_FIP,
  OFF_FDP,
  OFF_FCS,
  OFF_FDS,
  getFcw,
  isEmpty,
  readSt,
  writeSt,
  pop,
  push,
  raise,
  setCC,
  stackFault,
  freeSt,
  getTop,
  isEmptyPhys,
} from './fpu_state.ts';

/**
 * DE for a denormal float32/float64 memory operand (converted to a normal extended value
 * before the operation) is reported exactly where a denormal register operand would be: not
 * when ST0 is a NaN or unsupported, nor when IE or ZE took precedence.
 */
function memDenormal(extraFlags: number): number {
  if (!(extraFlags & FSW_DE) || fx.flags & (FSW_IE | FSW_ZE)) return 0;
  const c = classify(aSe, aHi, aLo);
  return c === CLS_QNAN || c === CLS_SNAN || c === CLS_UNSUPPORTED ? 0 : FSW_DE;
}

/** Arithmetic operations, numbered as ModRM.reg of D8 (SDM Vol. 2 Table A-7). */
export const OP_ADD = 0;
export const OP_MUL = 1;
export const OP_SUB = 4;
export const OP_SUBR = 5;
export const OP_DIV = 6;
export const OP_DIVR = 7;

const PRE_EXC = FSW_IE | FSW_DE | FSW_ZE;

/**
 * An unmasked denormal-operand exception stops the instruction before it computes anything
 * (SDM §8.5.2), so the other flags of the computation are not raised.
 */
function preCheck(cw: number, flags: number): number {
  if (flags & FSW_DE && !(cw & FSW_DE) && !(flags & FSW_IE)) return FSW_DE;
  return flags;
}

// Operand scratch (ST values read before computing).
let aSe = 0,
  aHi = 0,
  aLo = 0,
  bSe = 0,
  bHi = 0,
  bLo = 0;

function readA(dv: DataView, b: number, i: number): void {
  readSt(dv, b, i);
  aSe = fx.se;
  aHi = fx.hi;
  aLo = fx.lo;
}
function readB(dv: DataView, b: number, i: number): void {
  readSt(dv, b, i);
  bSe = fx.se;
  bHi = fx.hi;
  bLo = fx.lo;
}

function compute(op: number, cw: number): void {
  switch (op) {
    case OP_ADD:
      return add(cw, aSe, aHi, aLo, bSe, bHi, bLo, false);
    case OP_SUB:
      return add(cw, aSe, aHi, aLo, bSe, bHi, bLo, true);
    case OP_SUBR:
      return add(cw, bSe, bHi, bLo, aSe, aHi, aLo, true);
    case OP_MUL:
      return mul(cw, aSe, aHi, aLo, bSe, bHi, bLo);
    case OP_DIV:
      return div(cw, aSe, aHi, aLo, bSe, bHi, bLo);
    case OP_DIVR:
      return div(cw, bSe, bHi, bLo, aSe, aHi, aLo);
  }
}

/**
 * Commit a register result in fx to ST(dst): sets the exception flags, C1 (round-up) and
 * ES/B; writes unless an unmasked IE/DE/ZE occurred. Returns true when written.
 */
function commitReg(dv: DataView, b: number, dst: number): boolean {
  const cw = getFcw(dv, b);
  const flags = preCheck(cw, fx.flags);
  setCC(dv, b, FSW_C1, flags & FSW_C1);
  raise(dv, b, flags);
  if (flags & ~cw & PRE_EXC) return false;
  writeSt(dv, b, dst, fx.se, fx.hi, fx.lo);
  return true;
}

/** Stack underflow on a register destination: with IE masked the destination gets the indefinite. */
function underflowTo(dv: DataView, b: number, dst: number): boolean {
  stackFault(dv, b, false);
  if (getFcw(dv, b) & FSW_IE) {
    writeSt(dv, b, dst, INDEFINITE_SE, INDEFINITE_HI, INDEFINITE_LO);
    return true;
  }
  return false;
}

/** FADD/FSUB/FSUBR/FMUL/FDIV/FDIVR between registers: ST(dst) = ST(dst) op ST(src); `popAfter` for the P forms. */
export function arithReg(dv: DataView, b: number, op: number, dst: number, src: number, popAfter: boolean): void {
  if (isEmpty(dv, b, dst) || isEmpty(dv, b, src)) {
    if (underflowTo(dv, b, dst) && popAfter) pop(dv, b);
    return;
  }
  readA(dv, b, dst);
  readB(dv, b, src);
  fx.flags = 0;
  compute(op, getFcw(dv, b));
  if (commitReg(dv, b, dst) && popAfter) pop(dv, b);
}

/**
 * The memory forms (D8/DC/DA/DE with a memory operand): ST0 = ST0 op value, where the caller
 * converted the memory operand to extended (float32ToExt etc.) and passes DE in `extraFlags`
 * when the source was a denormal float32/float64.
 */
export function arithMem(dv: DataView, b: number, op: number, se: number, hi: number, lo: number, extraFlags: number): void {
  if (isEmpty(dv, b, 0)) {
    underflowTo(dv, b, 0);
    return;
  }
  readA(dv, b, 0);
  bSe = se;
  bHi = hi;
  bLo = lo;
  fx.flags = 0;
  compute(op, getFcw(dv, b));
  fx.flags |= memDenormal(extraFlags);
  commitReg(dv, b, 0);
}

// ---------------------------------------------------------------------------------------------
// Compares

/** Map compare codes to EFLAGS for FCOMI/FUCOMI (ZF = 0x40, PF = 0x04, CF = 0x01). */
function ccToEflags(cc: number): number {
  if (cc === CMP_UN) return 0x45;
  if (cc === CMP_EQ) return 0x40;
  if (cc === CMP_LT) return 0x01;
  return 0;
}

let lastEflags = 0;

/** EFLAGS ZF/PF/CF produced by the last comi() (OF, SF, AF are cleared by the instruction). */
export function comiEflags(): number {
  return lastEflags;
}

/**
 * FCOM/FCOMP/FCOMPP/FUCOM/FUCOMP/FUCOMPP (ST0 vs ST(src)) and, with `eflags`, FCOMI/FCOMIP/
 * FUCOMI/FUCOMIP. `pops` is 0, 1 or 2. Returns false when an unmasked exception aborted it.
 */
export function compareReg(dv: DataView, b: number, src: number, quiet: boolean, pops: number, eflags: boolean): boolean {
  if (isEmpty(dv, b, 0) || isEmpty(dv, b, src)) {
    stackFault(dv, b, false);
    return finishCompare(dv, b, CMP_UN, 0, pops, eflags, true);
  }
  readA(dv, b, 0);
  readB(dv, b, src);
  fx.flags = 0;
  compare(aSe, aHi, aLo, bSe, bHi, bLo, quiet);
  return finishCompare(dv, b, fx.cc, fx.flags, pops, eflags, false);
}

/** FCOM/FCOMP m32/m64 and FICOM/FICOMP (value converted by the caller; DE in extraFlags). */
export function compareMem(dv: DataView, b: number, se: number, hi: number, lo: number, extraFlags: number, pops: number): boolean {
  if (isEmpty(dv, b, 0)) {
    stackFault(dv, b, false);
    return finishCompare(dv, b, CMP_UN, 0, pops, false, true);
  }
  readA(dv, b, 0);
  fx.flags = 0;
  compare(aSe, aHi, aLo, se, hi, lo, false);
  fx.flags |= memDenormal(extraFlags);
  return finishCompare(dv, b, fx.cc, fx.flags, pops, false, false);
}

/** FTST: ST0 vs +0.0. */
export function ftst(dv: DataView, b: number): boolean {
  return compareMem(dv, b, 0, 0, 0, 0, 0);
}

function finishCompare(dv: DataView, b: number, cc: number, flags: number, pops: number, eflags: boolean, faulted: boolean): boolean {
  const cw = getFcw(dv, b);
  flags = preCheck(cw, flags);
  if (!faulted) raise(dv, b, flags);
  const unmasked = faulted ? (cw & FSW_IE) === 0 : (flags & ~cw & PRE_EXC) !== 0;
  // The condition codes are written even when an unmasked exception suppresses the pop.
  if (eflags) {
    // FCOMI/FUCOMI leave C1 alone (except the stack-fault C1 = 0 set before); EFLAGS are
    // written even when an unmasked exception suppresses the pop (measured on the host).
    lastEflags = ccToEflags(cc);
  } else {
    setCC(dv, b, FSW_C0 | FSW_C1 | FSW_C2 | FSW_C3, cc);
  }
  if (unmasked) return false;
  for (let i = 0; i < pops; i++) pop(dv, b);
  return true;
}

// ---------------------------------------------------------------------------------------------
// Loads and stores

/** FLD ST(i). */
export function fldReg(dv: DataView, b: number, i: number): void {
  if (isEmpty(dv, b, i)) {
    stackFault(dv, b, false);
    if (getFcw(dv, b) & FSW_IE) push(dv, b, INDEFINITE_SE, INDEFINITE_HI, INDEFINITE_LO);
    return;
  }
  readSt(dv, b, i);
  setCC(dv, b, FSW_C1, 0);
  push(dv, b, fx.se, fx.hi, fx.lo);
}

/**
 * Push a value loaded from memory. `convertedFloat` is true for m32/m64 (an SNaN raises IE and
 * is quieted; a denormal source raises DE via `extraFlags`); false for m80 and integers/BCD.
 */
export function fldValue(dv: DataView, b: number, se: number, hi: number, lo: number, convertedFloat: boolean, extraFlags: number): void {
  // A full destination register is a stack fault before any operand check.
  if (!isEmptyPhys(dv, b, (getTop(dv, b) - 1) & 7)) {
    push(dv, b, se, hi, lo);
    return;
  }
  let flags = extraFlags;
  if (convertedFloat && classify(se, hi, lo) === CLS_SNAN) {
    flags |= FSW_IE;
    hi = (hi | 0x40000000) >>> 0;
  }
  setCC(dv, b, FSW_C1, 0);
  if (flags) {
    raise(dv, b, flags);
    // An unmasked IE suppresses the load; DE (even unmasked) does not.
    if (flags & ~getFcw(dv, b) & FSW_IE) return;
  }
  push(dv, b, se, hi, lo);
}

// Constants of FLD1, FLDL2T, FLDL2E, FLDPI, FLDLG2, FLDLN2, FLDZ: sign|exponent, the 64-bit
// truncated significand, and where the rest lies (0 exact, 1 below half an ulp, 3 above).
// SDM Vol. 1 §8.3.8: they are rounded per FCW.RC; in round-to-nearest the host delivers the
// correctly rounded value (FLDLG2 ...799 although 66 bits would give a tie), without PE.
const CONSTS = new Uint32Array([
  0x3fff, 0x80000000, 0x00000000, 0, // 1
  0x4000, 0xd49a784b, 0xcd1b8afe, 1, // log2(10)
  0x3fff, 0xb8aa3b29, 0x5c17f0bb, 3, // log2(e)
  0x4000, 0xc90fdaa2, 0x2168c234, 3, // pi
  0x3ffd, 0x9a209a84, 0xfbcff798, 3, // log10(2)
  0x3ffe, 0xb17217f7, 0xd1cf79ab, 3, // ln(2)
  0x0000, 0x00000000, 0x00000000, 0, // +0
]);
export const CONST_ONE = 0;
export const CONST_L2T = 1;
export const CONST_L2E = 2;
export const CONST_PI = 3;
export const CONST_LG2 = 4;
export const CONST_LN2 = 5;
export const CONST_ZERO = 6;

/** FLD1 / FLDL2T / FLDL2E / FLDPI / FLDLG2 / FLDLN2 / FLDZ (D9 E8..EE). */
export function fldConst(dv: DataView, b: number, which: number): void {
  const k = 4 * which;
  loadConstant(getFcw(dv, b), CONSTS[k]!, CONSTS[k + 1]!, CONSTS[k + 2]!, CONSTS[k + 3]!);
  setCC(dv, b, FSW_C1, 0);
  push(dv, b, fx.se, fx.hi, fx.lo);
}

/**
 * D9 D8+i, the undocumented alias of FSTP ST(i): with ST0 empty the host raises no stack
 * fault; it copies ST0's register and tag (empty) to ST(i) and pops.
 */
export function fstpAlias(dv: DataView, b: number, i: number): void {
  if (!isEmpty(dv, b, 0)) return fstReg(dv, b, i, true);
  readSt(dv, b, 0);
  writeSt(dv, b, i, fx.se, fx.hi, fx.lo);
  freeSt(dv, b, i);
  setCC(dv, b, FSW_C1, 0);
  pop(dv, b);
}

/** FST/FSTP ST(i). */
export function fstReg(dv: DataView, b: number, i: number, popAfter: boolean): void {
  if (isEmpty(dv, b, 0)) {
    if (underflowTo(dv, b, i) && popAfter) pop(dv, b);
    return;
  }
  readSt(dv, b, 0);
  setCC(dv, b, FSW_C1, 0);
  writeSt(dv, b, i, fx.se, fx.hi, fx.lo);
  if (popAfter) pop(dv, b);
}

/** Memory formats of the stores. */
export const FMT_F32 = 0;
export const FMT_F64 = 1;
export const FMT_F80 = 2;
export const FMT_I16 = 3;
export const FMT_I32 = 4;
export const FMT_I64 = 5;
export const FMT_I16_TRUNC = 6;
export const FMT_I32_TRUNC = 7;
export const FMT_I64_TRUNC = 8;
export const FMT_BCD = 9;

const STORE_SUPPRESS = FSW_IE | FSW_DE | FSW_OE | FSW_UE;

/**
 * FST/FSTP m32/m64/m80, FIST/FISTP/FISTTP m16/m32/m64, FBSTP m80. The image to write is left in
 * `mem` (lo/hi/top as the format needs); returns true when the caller must write it. (The
 * caller should check the destination is writable first: this already updates the FPU state.)
 */
export function fstMem(dv: DataView, b: number, fmt: number, popAfter: boolean): boolean {
  const cw = getFcw(dv, b);
  if (isEmpty(dv, b, 0)) {
    stackFault(dv, b, false);
    if (!(cw & FSW_IE)) return false;
    indefiniteImage(fmt);
    if (popAfter) pop(dv, b);
    return true;
  }
  readSt(dv, b, 0);
  const se = fx.se,
    hi = fx.hi,
    lo = fx.lo;
  fx.flags = 0;
  switch (fmt) {
    case FMT_F32:
      extToFloat32(cw | FSW_OE | FSW_UE, se, hi, lo);
      break;
    case FMT_F64:
      extToFloat64(cw | FSW_OE | FSW_UE, se, hi, lo);
      break;
    case FMT_F80:
      mem.lo = lo;
      mem.hi = hi;
      mem.top = se;
      break;
    case FMT_I16:
    case FMT_I32:
    case FMT_I64:
      extToInt(cw, se, hi, lo, fmt === FMT_I16 ? 16 : fmt === FMT_I32 ? 32 : 64, false);
      break;
    case FMT_I16_TRUNC:
    case FMT_I32_TRUNC:
    case FMT_I64_TRUNC:
      extToInt(cw, se, hi, lo, fmt === FMT_I16_TRUNC ? 16 : fmt === FMT_I32_TRUNC ? 32 : 64, true);
      break;
    case FMT_BCD:
      extToBcd(cw, se, hi, lo);
      break;
  }
  let flags = fx.flags;
  // An unmasked overflow/underflow on a memory destination stores nothing and reports
  // only OE/UE (no PE, no C1).
  if (flags & ~cw & (FSW_OE | FSW_UE)) flags &= ~(FSW_PE | FSW_C1);
  setCC(dv, b, FSW_C1, flags & FSW_C1);
  raise(dv, b, flags);
  if (flags & ~cw & STORE_SUPPRESS) return false;
  if (popAfter) pop(dv, b);
  return true;
}

function indefiniteImage(fmt: number): void {
  mem.top = 0;
  switch (fmt) {
    case FMT_F32:
      mem.lo = 0xffc00000;
      mem.hi = 0;
      break;
    case FMT_F64:
      mem.lo = 0;
      mem.hi = 0xfff80000;
      break;
    case FMT_F80:
      mem.lo = INDEFINITE_LO;
      mem.hi = INDEFINITE_HI;
      mem.top = INDEFINITE_SE;
      break;
    case FMT_I16:
    case FMT_I16_TRUNC:
      mem.lo = 0x8000;
      mem.hi = 0;
      break;
    case FMT_I32:
    case FMT_I32_TRUNC:
      mem.lo = 0x80000000;
      mem.hi = 0;
      break;
    case FMT_I64:
    case FMT_I64_TRUNC:
      mem.lo = 0;
      mem.hi = 0x80000000;
      break;
    case FMT_BCD:
      mem.lo = 0;
      mem.hi = 0xc0000000;
      mem.top = 0xffff;
      break;
  }
}

// ---------------------------------------------------------------------------------------------
// One-operand instructions on ST0

export const UN_SQRT = 0;
export const UN_RNDINT = 1;
export const UN_CHS = 2;
export const UN_ABS = 3;

/** FSQRT, FRNDINT, FCHS, FABS. */
export function unary(dv: DataView, b: number, kind: number): void {
  if (isEmpty(dv, b, 0)) {
    underflowTo(dv, b, 0);
    return;
  }
  readA(dv, b, 0);
  fx.flags = 0;
  const cw = getFcw(dv, b);
  switch (kind) {
    case UN_SQRT:
      sqrt(cw, aSe, aHi, aLo);
      break;
    case UN_RNDINT:
      roundToInt(cw, aSe, aHi, aLo);
      break;
    case UN_CHS:
      fx.se = aSe ^ 0x8000;
      fx.hi = aHi;
      fx.lo = aLo;
      break;
    case UN_ABS:
      fx.se = aSe & 0x7fff;
      fx.hi = aHi;
      fx.lo = aLo;
      break;
  }
  commitReg(dv, b, 0);
}

/** FXAM: classify ST0 into C3 C2 C1 C0 (never faults). */
export function fxam(dv: DataView, b: number): void {
  readSt(dv, b, 0);
  examine(fx.se, fx.hi, fx.lo, isEmpty(dv, b, 0));
  setCC(dv, b, FSW_C0 | FSW_C1 | FSW_C2 | FSW_C3, fx.cc);
}

/** FXCH ST(i). With IE masked an empty operand is replaced by the indefinite first. */
export function fxch(dv: DataView, b: number, i: number): void {
  const e0 = isEmpty(dv, b, 0),
    ei = isEmpty(dv, b, i);
  if (e0 || ei) {
    stackFault(dv, b, false);
    if (!(getFcw(dv, b) & FSW_IE)) return;
    if (e0) writeSt(dv, b, 0, INDEFINITE_SE, INDEFINITE_HI, INDEFINITE_LO);
    if (ei) writeSt(dv, b, i, INDEFINITE_SE, INDEFINITE_HI, INDEFINITE_LO);
  } else setCC(dv, b, FSW_C1, 0);
  readA(dv, b, 0);
  readB(dv, b, i);
  writeSt(dv, b, 0, bSe, bHi, bLo);
  writeSt(dv, b, i, aSe, aHi, aLo);
}

/** FFREE ST(i). */
export function ffree(dv: DataView, b: number, i: number): void {
  freeSt(dv, b, i);
}

// ---------------------------------------------------------------------------------------------
// Two-operand instructions on ST0 and ST1

/** FSCALE: ST0 = ST0 * 2^trunc(ST1). */
export function fscale(dv: DataView, b: number): void {
  if (isEmpty(dv, b, 0) || isEmpty(dv, b, 1)) {
    underflowTo(dv, b, 0);
    return;
  }
  readA(dv, b, 0);
  readB(dv, b, 1);
  fx.flags = 0;
  scale(getFcw(dv, b), aSe, aHi, aLo, bSe, bHi, bLo);
  commitReg(dv, b, 0);
}

/** FPREM (ieee = false) and FPREM1 (ieee = true): ST0 = partial remainder of ST0 / ST1. */
export function fprem(dv: DataView, b: number, ieee: boolean): void {
  if (isEmpty(dv, b, 0) || isEmpty(dv, b, 1)) {
    // Stack underflow: C1 = 0, C2 = 0, C0/C3 unchanged (measured on the host).
    underflowTo(dv, b, 0);
    setCC(dv, b, FSW_C2, 0);
    return;
  }
  readA(dv, b, 0);
  readB(dv, b, 1);
  fx.flags = 0;
  remainder(getFcw(dv, b), aSe, aHi, aLo, bSe, bHi, bLo, ieee);
  const cc = fx.cc;
  // NaN or invalid operands clear C1 and C2 and leave C0/C3, even when IE is unmasked
  // (measured on the host).
  if (cc === REM_CC_UNCHANGED) {
    setCC(dv, b, FSW_C2, 0);
    commitReg(dv, b, 0);
    return;
  }
  if (commitReg(dv, b, 0)) setCC(dv, b, FSW_C0 | FSW_C1 | FSW_C2 | FSW_C3, cc);
}

/** FXTRACT: ST0 = exponent of ST0, then push its significand. */
export function fxtract(dv: DataView, b: number): void {
  if (isEmpty(dv, b, 0)) {
    if (underflowTo(dv, b, 0)) push(dv, b, INDEFINITE_SE, INDEFINITE_HI, INDEFINITE_LO);
    return;
  }
  if (!isEmpty(dv, b, 7)) {
    // The push would overflow: stack fault, both results become the indefinite when masked.
    stackFault(dv, b, true);
    if (getFcw(dv, b) & FSW_IE) {
      writeSt(dv, b, 0, INDEFINITE_SE, INDEFINITE_HI, INDEFINITE_LO);
      push(dv, b, INDEFINITE_SE, INDEFINITE_HI, INDEFINITE_LO);
    }
    return;
  }
  readA(dv, b, 0);
  fx.flags = 0;
  extract(aSe, aHi, aLo);
  const flags = fx.flags;
  const sigSe = fx.se,
    sigHi = fx.hi,
    sigLo = fx.lo;
  setCC(dv, b, FSW_C1, 0);
  raise(dv, b, flags);
  if (flags & ~getFcw(dv, b) & PRE_EXC) return;
  writeSt(dv, b, 0, xtractExp.se, xtractExp.hi, xtractExp.lo);
  push(dv, b, sigSe, sigHi, sigLo);
}

// ---------------------------------------------------------------------------------------------
// Control

/** FLDCW. */
export function fldcw(dv: DataView, b: number, v: number): void {
  dv.setUint16(b + OFF_FCW, v & 0x1f7f | 0x40, true);
  // ES/B follow the new masks.
  const fsw = dv.getUint16(b + OFF_FSW, true);
  const pending = fsw & ~v & 0x3f;
  dv.setUint16(b + OFF_FSW, pending ? fsw | 0x8080 : fsw & ~0x8080, true);
}

/** Record the last non-control instruction (SDM §8.1.8, §8.1.9): FOP is 11 bits; FIP/FDP offsets. */
export function setLastInstruction(dv: DataView, b: number, fop: number, fipLo: number, fipHi: number, fcs: number, fdpLo: number, fdpHi: number, fds: number): void {
  dv.setUint16(b + OFF_FOP, fop & 0x7ff, true);
  dv.setUint32(b + OFF_FIP, fipLo >>> 0, true);
  dv.setUint32(b + OFF_FIP + 4, fipHi >>> 0, true);
  dv.setUint32(b + OFF_FDP, fdpLo >>> 0, true);
  dv.setUint32(b + OFF_FDP + 4, fdpHi >>> 0, true);
  dv.setUint16(b + OFF_FCS, fcs & 0xffff, true);
  dv.setUint16(b + OFF_FDS, fds & 0xffff, true);
}

// ---------------------------------------------------------------------------------------------
// Transcendental instructions (values from transcendental.ts)

export { TRIG_SIN, TRIG_COS, TRIG_SINCOS, TRIG_TAN } from './transcendental.ts';

/** FSIN, FCOS, FSINCOS (push cosine), FPTAN (push 1.0). */
export function ftrig(dv: DataView, b: number, kind: number): void {
  const pushes = kind === TRIG_SINCOS || kind === TRIG_TAN;
  if (isEmpty(dv, b, 0)) {
    setCC(dv, b, FSW_C2, 0);
    if (underflowTo(dv, b, 0) && pushes) push(dv, b, INDEFINITE_SE, INDEFINITE_HI, INDEFINITE_LO);
    return;
  }
  if (pushes && !isEmpty(dv, b, 7)) {
    setCC(dv, b, FSW_C2, 0);
    stackFault(dv, b, true);
    if (getFcw(dv, b) & FSW_IE) {
      writeSt(dv, b, 0, INDEFINITE_SE, INDEFINITE_HI, INDEFINITE_LO);
      push(dv, b, INDEFINITE_SE, INDEFINITE_HI, INDEFINITE_LO);
    }
    return;
  }
  readA(dv, b, 0);
  fx.flags = 0;
  trig(kind, getFcw(dv, b), aSe, aHi, aLo);
  if (fx.cc & FSW_C2) {
    // Out of range: ST0 unchanged, C2 set.
    setCC(dv, b, FSW_C2, FSW_C2);
    return;
  }
  setCC(dv, b, FSW_C2, 0);
  if (commitReg(dv, b, 0) && pushes) push(dv, b, second.se, second.hi, second.lo);
}

export const BIN_PATAN = 0;
export const BIN_YL2X = 1;
export const BIN_YL2XP1 = 2;

/** FPATAN, FYL2X, FYL2XP1: ST1 = f(ST1, ST0), then pop. */
export function fbinaryPop(dv: DataView, b: number, kind: number): void {
  if (isEmpty(dv, b, 0) || isEmpty(dv, b, 1)) {
    if (underflowTo(dv, b, 1)) pop(dv, b);
    return;
  }
  readA(dv, b, 1); // y
  readB(dv, b, 0); // x
  fx.flags = 0;
  const cw = getFcw(dv, b);
  if (kind === BIN_PATAN) patan(cw, aSe, aHi, aLo, bSe, bHi, bLo);
  else if (kind === BIN_YL2X) yl2x(cw, aSe, aHi, aLo, bSe, bHi, bLo);
  else yl2xp1(cw, aSe, aHi, aLo, bSe, bHi, bLo);
  if (commitReg(dv, b, 1)) pop(dv, b);
}

/** F2XM1. */
export function ff2xm1(dv: DataView, b: number): void {
  if (isEmpty(dv, b, 0)) {
    underflowTo(dv, b, 0);
    return;
  }
  readA(dv, b, 0);
  fx.flags = 0;
  f2xm1(getFcw(dv, b), aSe, aHi, aLo);
  commitReg(dv, b, 0);
}

/** FCMOVcc ST0, ST(i): copy when `cond` (evaluated by the caller from EFLAGS). */
export function fcmov(dv: DataView, b: number, i: number, cond: boolean): void {
  if (isEmpty(dv, b, 0) || isEmpty(dv, b, i)) {
    underflowTo(dv, b, 0);
    return;
  }
  // C1 is only written on a stack fault.
  if (!cond) return;
  readSt(dv, b, i);
  writeSt(dv, b, 0, fx.se, fx.hi, fx.lo);
}

/** FFREEP ST(i) (undocumented DF C0+i): FFREE ST(i), then pop. */
export function ffreep(dv: DataView, b: number, i: number): void {
  freeSt(dv, b, i);
  pop(dv, b);
}
