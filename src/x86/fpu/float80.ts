// The x87 double-extended format (SDM Vol. 1 §4.2.2, Table 4-3 and §8.2.2): 1 sign bit,
// a 15-bit biased exponent (bias 16383) and a 64-bit significand whose bit 63 is the explicit
// integer bit J. A value travels through this library as three numbers:
//   se = sign << 15 | exponent (16 bits), hi = significand bits 63..32, lo = bits 31..0 (uint32).
// Results come back in the single preallocated `fx` record so no operation allocates.

export const BIAS = 16383;
export const EXP_MAX = 0x7fff;

/** Exception and condition bits, in the positions they occupy in the x87 status word (SDM §8.1.3). */
export const FSW_IE = 0x0001;
export const FSW_DE = 0x0002;
export const FSW_ZE = 0x0004;
export const FSW_OE = 0x0008;
export const FSW_UE = 0x0010;
export const FSW_PE = 0x0020;
export const FSW_SF = 0x0040;
export const FSW_ES = 0x0080;
export const FSW_C0 = 0x0100;
export const FSW_C1 = 0x0200;
export const FSW_C2 = 0x0400;
export const FSW_C3 = 0x4000;
export const FSW_B = 0x8000;
export const FSW_CC = FSW_C0 | FSW_C1 | FSW_C2 | FSW_C3;

/** Control word fields (SDM §8.1.5): exception masks in bits 0..5, PC in 9..8, RC in 11..10. */
export const FCW_PC_SHIFT = 8;
export const FCW_RC_SHIFT = 10;
export const PC_24 = 0;
export const PC_53 = 2;
export const PC_64 = 3;
export const RC_NEAREST = 0;
export const RC_DOWN = 1;
export const RC_UP = 2;
export const RC_ZERO = 3;
/** The control word after FINIT: all exceptions masked, 64-bit precision, round to nearest. */
export const FCW_DEFAULT = 0x037f;

/** Operand classes (SDM §8.2.2, Table 8-3 for the unsupported encodings). */
export const CLS_ZERO = 0;
export const CLS_DENORMAL = 1; // exponent 0, J = 0, fraction non-zero
export const CLS_PSEUDO_DENORMAL = 2; // exponent 0, J = 1: valid operand, value as exponent 1
export const CLS_NORMAL = 3;
export const CLS_INF = 4;
export const CLS_QNAN = 5;
export const CLS_SNAN = 6;
export const CLS_UNSUPPORTED = 7; // pseudo-NaN, pseudo-infinity, unnormal: #IA on Intel

export function classify(se: number, hi: number, lo: number): number {
  const e = se & EXP_MAX;
  const j = hi >>> 31;
  if (e === EXP_MAX) {
    if (j === 0) return CLS_UNSUPPORTED;
    if ((hi & 0x7fffffff) === 0 && lo === 0) return CLS_INF;
    return hi & 0x40000000 ? CLS_QNAN : CLS_SNAN;
  }
  if (e === 0) {
    if (j) return CLS_PSEUDO_DENORMAL;
    return hi === 0 && lo === 0 ? CLS_ZERO : CLS_DENORMAL;
  }
  return j ? CLS_NORMAL : CLS_UNSUPPORTED;
}

export function isNaNClass(c: number): boolean {
  return c === CLS_QNAN || c === CLS_SNAN;
}

/** The result record every operation writes (a value plus accumulated exception bits). */
export interface Fx {
  se: number;
  hi: number;
  lo: number;
  /** FSW exception bits raised (IE..PE) plus C1 for "rounded up"; SF and the other C bits are set by the caller. */
  flags: number;
  /** Condition-code bits (C0..C3) produced by compares, FPREM, FXAM. */
  cc: number;
}

export const fx: Fx = { se: 0, hi: 0, lo: 0, flags: 0, cc: 0 };

export function setResult(se: number, hi: number, lo: number): void {
  fx.se = se;
  fx.hi = hi >>> 0;
  fx.lo = lo >>> 0;
}

/** The "real indefinite" QNaN that masked invalid operations deliver (SDM Table 4-3). */
export const INDEFINITE_SE = 0xffff;
export const INDEFINITE_HI = 0xc0000000;
export const INDEFINITE_LO = 0;

export function setIndefinite(): void {
  fx.se = INDEFINITE_SE;
  fx.hi = INDEFINITE_HI;
  fx.lo = INDEFINITE_LO;
}
