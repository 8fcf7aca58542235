// Exact x87 arithmetic on the double-extended format with 32-bit integer words only (no host
// floating point beyond exact integer-valued doubles): FADD/FSUB/FMUL/FDIV/FSQRT, compares,
// FRNDINT, FSCALE, FXTRACT, FPREM/FPREM1, FXAM. Operand checks follow SDM Vol. 1 §8.5.1
// (invalid operation: unsupported encodings, SNaN, the invalid combinations of Table 8-10),
// §8.5.2 (denormal operand), §8.5.3 (divide by zero) and NaN propagation (§4.8.3.5, Table 4-7).
// Every function takes the control word `cw` (PC, RC and masks) and leaves its result in `fx`.

import {
  fx,
  classify,
  setIndefinite,
  BIAS,
  EXP_MAX,
  CLS_ZERO,
  CLS_DENORMAL,
  CLS_NORMAL,
  CLS_PSEUDO_DENORMAL,
  CLS_INF,
  CLS_QNAN,
  CLS_SNAN,
  CLS_UNSUPPORTED,
  FSW_IE,
  FSW_DE,
  FSW_ZE,
  FSW_PE,
  FSW_C0,
  FSW_C1,
  FSW_C2,
  FSW_C3,
  RC_DOWN,
  RC_NEAREST,
  RC_UP,
  PC_64,
} from './float80.ts';
import { w, roundPack, normalize96, shiftRightJam96 } from './round80.ts';

/** Register destinations: the full extended exponent range (rounding to FCW.PC). */
export const REG_EMIN = 1;
export const REG_EMAX = EXP_MAX - 1;

/** FCW.PC; the reserved encoding 01b is taken as 64-bit precision. */
function precision(cw: number): number {
  const p = (cw >>> 8) & 3;
  return p === 1 ? PC_64 : p;
}

/** Round w to a register under cw (precision from FCW.PC). */
function roundReg(sign: number, cw: number): void {
  roundPack(sign, cw, precision(cw), REG_EMIN, REG_EMAX);
}

// ---------------------------------------------------------------------------------------------
// Operand unpacking: a finite non-zero operand becomes (exp, hi, lo) with bit 63 set, the
// exponent unbounded (denormals get exponent 1 - shift; pseudo-denormals exponent 1).

let uExp = 0,
  uHi = 0,
  uLo = 0;

function unpack(se: number, hi: number, lo: number): void {
  let e = se & EXP_MAX;
  if (e === 0) e = 1;
  if (hi >>> 31) {
    uExp = e;
    uHi = hi >>> 0;
    uLo = lo >>> 0;
    return;
  }
  let h = hi >>> 0,
    l = lo >>> 0;
  if (h === 0) {
    h = l;
    l = 0;
    e -= 32;
  }
  const n = Math.clz32(h);
  if (n) {
    h = ((h << n) | (l >>> (32 - n))) >>> 0;
    l = (l << n) >>> 0;
    e -= n;
  }
  uExp = e;
  uHi = h;
  uLo = l;
}

/** Quiet a NaN into fx (sets the quiet bit, keeps sign and payload). */
function setQuieted(se: number, hi: number, lo: number): void {
  fx.se = se;
  fx.hi = (hi | 0x40000000) >>> 0;
  fx.lo = lo >>> 0;
}

/**
 * Result for an operation with at least one NaN operand (Table 4-7, x87 column): SNaN raises IE;
 * an SNaN meets a QNaN -> the QNaN; two NaNs of the same kind -> the larger significand.
 * The caller has already handled unsupported operands.
 */
function propagateNaN(aSe: number, aHi: number, aLo: number, ca: number, bSe: number, bHi: number, bLo: number, cb: number): void {
  if (ca === CLS_SNAN || cb === CLS_SNAN) fx.flags |= FSW_IE;
  const aNaN = ca === CLS_QNAN || ca === CLS_SNAN;
  const bNaN = cb === CLS_QNAN || cb === CLS_SNAN;
  if (aNaN && bNaN) {
    if (ca === CLS_QNAN && cb === CLS_SNAN) return setQuieted(aSe, aHi, aLo);
    if (ca === CLS_SNAN && cb === CLS_QNAN) return setQuieted(bSe, bHi, bLo);
    const ah = (aHi | 0x40000000) >>> 0,
      bh = (bHi | 0x40000000) >>> 0;
    if (ah > bh || (ah === bh && aLo >>> 0 > bLo >>> 0)) return setQuieted(aSe, aHi, aLo);
    if (ah === bh && aLo >>> 0 === bLo >>> 0) {
      // Equal significands: the one with the positive sign (measured on Intel hardware).
      return aSe & 0x8000 ? setQuieted(bSe, bHi, bLo) : setQuieted(aSe, aHi, aLo);
    }
    return setQuieted(bSe, bHi, bLo);
  }
  if (aNaN) return setQuieted(aSe, aHi, aLo);
  return setQuieted(bSe, bHi, bLo);
}

/**
 * Shared front end of two-operand arithmetic: unsupported -> IE + indefinite, NaNs propagate.
 * Returns true when fx already holds the result.
 */
function nanCheck2(aSe: number, aHi: number, aLo: number, ca: number, bSe: number, bHi: number, bLo: number, cb: number): boolean {
  if (ca === CLS_UNSUPPORTED || cb === CLS_UNSUPPORTED) {
    fx.flags |= FSW_IE;
    setIndefinite();
    return true;
  }
  if (ca === CLS_QNAN || ca === CLS_SNAN || cb === CLS_QNAN || cb === CLS_SNAN) {
    propagateNaN(aSe, aHi, aLo, ca, bSe, bHi, bLo, cb);
    return true;
  }
  return false;
}

function isDenormalClass(c: number): boolean {
  return c === CLS_DENORMAL || c === CLS_PSEUDO_DENORMAL;
}

function invalid(): void {
  fx.flags |= FSW_IE;
  setIndefinite();
}

function setInf(sign: number): void {
  fx.se = (sign << 15) | EXP_MAX;
  fx.hi = 0x80000000;
  fx.lo = 0;
}

function setZero(sign: number): void {
  fx.se = sign << 15;
  fx.hi = 0;
  fx.lo = 0;
}

// ---------------------------------------------------------------------------------------------
// FADD / FSUB

/** a + b, or a - b when `subtract` (FSUB; FSUBR is the caller swapping operands). */
export function add(cw: number, aSe: number, aHi: number, aLo: number, bSe: number, bHi: number, bLo: number, subtract: boolean): void {
  const ca = classify(aSe, aHi, aLo);
  const cb = classify(bSe, bHi, bLo);
  if (nanCheck2(aSe, aHi, aLo, ca, bSe, bHi, bLo, cb)) return;
  const sa = aSe >>> 15;
  const sb = (bSe >>> 15) ^ (subtract ? 1 : 0);
  if (ca === CLS_INF || cb === CLS_INF) {
    if (ca === CLS_INF && cb === CLS_INF) {
      if (sa !== sb) return invalid();
      return setInf(sa);
    }
    if (isDenormalClass(ca) || isDenormalClass(cb)) fx.flags |= FSW_DE;
    return setInf(ca === CLS_INF ? sa : sb);
  }
  if (isDenormalClass(ca) || isDenormalClass(cb)) fx.flags |= FSW_DE;
  const rc = (cw >>> 10) & 3;
  if (ca === CLS_ZERO && cb === CLS_ZERO) {
    return setZero(sa === sb ? sa : rc === RC_DOWN ? 1 : 0);
  }
  if (ca === CLS_ZERO || cb === CLS_ZERO) {
    // x + 0 is x, still rounded to the precision control.
    if (ca === CLS_ZERO) unpack(bSe, bHi, bLo);
    else unpack(aSe, aHi, aLo);
    w.exp = uExp;
    w.s2 = uHi;
    w.s1 = uLo;
    w.s0 = 0;
    return roundReg(ca === CLS_ZERO ? sb : sa, cw);
  }
  unpack(aSe, aHi, aLo);
  let ea = uExp,
    ah = uHi,
    al = uLo;
  unpack(bSe, bHi, bLo);
  let eb = uExp,
    bh = uHi,
    bl = uLo;
  let sign = sa;
  // Order by magnitude so that a >= b.
  if (eb > ea || (eb === ea && (bh > ah || (bh === ah && bl > al)))) {
    let t = ea;
    ea = eb;
    eb = t;
    t = ah;
    ah = bh;
    bh = t;
    t = al;
    al = bl;
    bl = t;
    sign = sb;
  }
  w.s2 = bh;
  w.s1 = bl;
  w.s0 = 0;
  shiftRightJam96(ea - eb);
  let r2: number, r1: number, r0: number;
  if (sa === sb) {
    r0 = w.s0;
    r1 = al + w.s1;
    let c = r1 > 0xffffffff ? 1 : 0;
    r1 = r1 >>> 0;
    r2 = ah + w.s2 + c;
    c = r2 > 0xffffffff ? 1 : 0;
    r2 = r2 >>> 0;
    w.s2 = r2;
    w.s1 = r1;
    w.s0 = r0;
    w.exp = ea;
    if (c) {
      shiftRightJam96(1);
      w.s2 = (w.s2 | 0x80000000) >>> 0;
      w.exp = ea + 1;
    }
    return roundReg(sign, cw);
  }
  // Magnitude subtraction a - b (a >= b).
  r0 = 0 - w.s0;
  let borrow = r0 < 0 ? 1 : 0;
  r0 = r0 >>> 0;
  r1 = al - w.s1 - borrow;
  borrow = r1 < 0 ? 1 : 0;
  r1 = r1 >>> 0;
  r2 = (ah - w.s2 - borrow) >>> 0;
  if (r2 === 0 && r1 === 0 && r0 === 0) return setZero(rc === RC_DOWN ? 1 : 0);
  w.s2 = r2;
  w.s1 = r1;
  w.s0 = r0;
  w.exp = ea;
  normalize96();
  return roundReg(sign, cw);
}

// ---------------------------------------------------------------------------------------------
// FMUL

// 16-bit limbs for the 64 x 64 -> 128 product.
const mA = new Uint32Array(4);
const mB = new Uint32Array(4);
const mP = new Uint32Array(8);

/** 128-bit product of (ah:al) x (bh:bl) into mP (16-bit limbs, little-endian). */
function mul64(ah: number, al: number, bh: number, bl: number): void {
  mA[0] = al & 0xffff;
  mA[1] = al >>> 16;
  mA[2] = ah & 0xffff;
  mA[3] = ah >>> 16;
  mB[0] = bl & 0xffff;
  mB[1] = bl >>> 16;
  mB[2] = bh & 0xffff;
  mB[3] = bh >>> 16;
  let carry = 0;
  for (let k = 0; k < 7; k++) {
    let col = carry;
    const lo = k > 3 ? k - 3 : 0;
    const hi = k < 3 ? k : 3;
    for (let i = lo; i <= hi; i++) col += mA[i]! * mB[k - i]!;
    mP[k] = col % 65536;
    carry = Math.floor(col / 65536);
  }
  mP[7] = carry;
}

export function mul(cw: number, aSe: number, aHi: number, aLo: number, bSe: number, bHi: number, bLo: number): void {
  const ca = classify(aSe, aHi, aLo);
  const cb = classify(bSe, bHi, bLo);
  if (nanCheck2(aSe, aHi, aLo, ca, bSe, bHi, bLo, cb)) return;
  const sign = (aSe ^ bSe) >>> 15;
  if (ca === CLS_INF || cb === CLS_INF) {
    if (ca === CLS_ZERO || cb === CLS_ZERO) return invalid();
    if (isDenormalClass(ca) || isDenormalClass(cb)) fx.flags |= FSW_DE;
    return setInf(sign);
  }
  if (isDenormalClass(ca) || isDenormalClass(cb)) fx.flags |= FSW_DE;
  if (ca === CLS_ZERO || cb === CLS_ZERO) return setZero(sign);
  unpack(aSe, aHi, aLo);
  const ea = uExp,
    ah = uHi,
    al = uLo;
  unpack(bSe, bHi, bLo);
  mul64(ah, al, uHi, uLo);
  w.s2 = ((mP[7]! << 16) | mP[6]!) >>> 0;
  w.s1 = ((mP[5]! << 16) | mP[4]!) >>> 0;
  w.s0 = ((mP[3]! << 16) | mP[2]! | (mP[1]! | mP[0]! ? 1 : 0)) >>> 0;
  w.exp = ea + uExp - BIAS + 1;
  normalize96();
  return roundReg(sign, cw);
}

// ---------------------------------------------------------------------------------------------
// FDIV

/**
 * Bit-serial division of 64-bit significands (both with bit 63 set): 66 quotient bits
 * (64 + guard + round; a non-zero remainder is the sticky bit), left-aligned into
 * w.s2:s1:s0 so that w = floor(n / d * 2^95) up to the jammed low bits.
 */
function divSig(nh: number, nl: number, dh: number, dl: number): void {
  let rTop = 0, // bit 64 of the partial remainder
    rh = nh,
    rl = nl;
  let q2 = 0,
    q1 = 0,
    q0 = 0;
  for (let i = 0; i < 66; i++) {
    let bit = 0;
    if (rTop || rh > dh || (rh === dh && rl >= dl)) {
      let l = rl - dl;
      const br = l < 0 ? 1 : 0;
      l = l >>> 0;
      rh = (rh - dh - br) >>> 0;
      rl = l;
      rTop = 0;
      bit = 1;
    }
    q2 = ((q2 << 1) | (q1 >>> 31)) >>> 0;
    q1 = ((q1 << 1) | (q0 >>> 31)) >>> 0;
    q0 = ((q0 << 1) | bit) >>> 0;
    rTop = rh >>> 31;
    rh = ((rh << 1) | (rl >>> 31)) >>> 0;
    rl = (rl << 1) >>> 0;
  }
  w.s2 = ((q2 << 30) | (q1 >>> 2)) >>> 0;
  w.s1 = ((q1 << 30) | (q0 >>> 2)) >>> 0;
  w.s0 = ((q0 << 30) | (rTop | rh | rl ? 1 : 0)) >>> 0;
}

export function div(cw: number, aSe: number, aHi: number, aLo: number, bSe: number, bHi: number, bLo: number): void {
  const ca = classify(aSe, aHi, aLo);
  const cb = classify(bSe, bHi, bLo);
  if (nanCheck2(aSe, aHi, aLo, ca, bSe, bHi, bLo, cb)) return;
  const sign = (aSe ^ bSe) >>> 15;
  if (ca === CLS_INF) {
    if (cb === CLS_INF) return invalid();
    if (isDenormalClass(cb)) fx.flags |= FSW_DE;
    return setInf(sign);
  }
  if (cb === CLS_INF) {
    if (isDenormalClass(ca)) fx.flags |= FSW_DE;
    return setZero(sign);
  }
  if (ca === CLS_ZERO && cb === CLS_ZERO) return invalid();
  // Division by zero is reported alone, without DE for a denormal dividend.
  if (cb === CLS_ZERO) {
    fx.flags |= FSW_ZE;
    return setInf(sign);
  }
  if (isDenormalClass(ca) || isDenormalClass(cb)) fx.flags |= FSW_DE;
  if (ca === CLS_ZERO) return setZero(sign);
  unpack(aSe, aHi, aLo);
  const ea = uExp,
    ah = uHi,
    al = uLo;
  unpack(bSe, bHi, bLo);
  divSig(ah, al, uHi, uLo);
  w.exp = ea - uExp + BIAS;
  normalize96();
  return roundReg(sign, cw);
}

// ---------------------------------------------------------------------------------------------
// FSQRT

const sqR = new Uint32Array(4); // partial remainder, little-endian 32-bit words
const sqT = new Uint32Array(4); // trial subtrahend
const sqN = new Uint32Array(5); // radicand

/** floor(sqrt(n)) for the 160-bit radicand in sqN, 80 result bits; returns them in w.s2:s1:s0 (top 80 bits used). */
function sqrtSig(): void {
  sqR.fill(0);
  let q2 = 0,
    q1 = 0,
    q0 = 0; // result, grows from the bottom
  for (let step = 0; step < 80; step++) {
    // r = r << 2 | next two radicand bits (from the top of sqN)
    const bitPos = 158 - 2 * step; // position of the lower of the two bits
    const word = bitPos >>> 5,
      sh = bitPos & 31;
    const two = (sqN[word]! >>> sh) & 3;
    sqR[3] = ((sqR[3]! << 2) | (sqR[2]! >>> 30)) >>> 0;
    sqR[2] = ((sqR[2]! << 2) | (sqR[1]! >>> 30)) >>> 0;
    sqR[1] = ((sqR[1]! << 2) | (sqR[0]! >>> 30)) >>> 0;
    sqR[0] = ((sqR[0]! << 2) | two) >>> 0;
    // t = q << 2 | 1
    sqT[3] = ((q2 << 2) | (q1 >>> 30)) >>> 0;
    sqT[2] = ((q1 << 2) | (q0 >>> 30)) >>> 0;
    sqT[1] = 0;
    sqT[0] = 0;
    // q is at most 80 bits: keep it in (q2:q1:q0) with q0 the low 32, so t = q<<2|1 spans 4 words.
    sqT[3] = q2 >>> 30;
    sqT[2] = ((q2 << 2) | (q1 >>> 30)) >>> 0;
    sqT[1] = ((q1 << 2) | (q0 >>> 30)) >>> 0;
    sqT[0] = ((q0 << 2) | 1) >>> 0;
    let ge = true;
    for (let i = 3; i >= 0; i--) {
      if (sqR[i] !== sqT[i]) {
        ge = sqR[i]! > sqT[i]!;
        break;
      }
    }
    let bit = 0;
    if (ge) {
      let borrow = 0;
      for (let i = 0; i < 4; i++) {
        let d = sqR[i]! - sqT[i]! - borrow;
        borrow = d < 0 ? 1 : 0;
        if (d < 0) d += 0x100000000;
        sqR[i] = d;
      }
      bit = 1;
    }
    q2 = ((q2 << 1) | (q1 >>> 31)) >>> 0;
    q1 = ((q1 << 1) | (q0 >>> 31)) >>> 0;
    q0 = ((q0 << 1) | bit) >>> 0;
  }
  // 80-bit root in q2(16 bits):q1:q0; left-align into 96 bits and jam the remainder.
  const rem = sqR[0]! | sqR[1]! | sqR[2]! | sqR[3]! ? 1 : 0;
  w.s2 = ((q2 << 16) | (q1 >>> 16)) >>> 0;
  w.s1 = ((q1 << 16) | (q0 >>> 16)) >>> 0;
  w.s0 = ((q0 << 16) | rem) >>> 0;
}

export function sqrt(cw: number, aSe: number, aHi: number, aLo: number): void {
  const ca = classify(aSe, aHi, aLo);
  if (ca === CLS_UNSUPPORTED) return invalid();
  if (ca === CLS_SNAN || ca === CLS_QNAN) {
    if (ca === CLS_SNAN) fx.flags |= FSW_IE;
    return setQuieted(aSe, aHi, aLo);
  }
  const sign = aSe >>> 15;
  if (ca === CLS_ZERO) return setZero(sign);
  if (sign) {
    return invalid();
  }
  if (ca === CLS_INF) return setInf(0);
  if (isDenormalClass(ca)) fx.flags |= FSW_DE;
  unpack(aSe, aHi, aLo);
  // value = sig / 2^63 * 2^(e - BIAS). Make the unbiased exponent even; the root of
  // M = sig * 2^(k) scaled so that 80 result bits come out with the leading bit at bit 79.
  const e = uExp - BIAS;
  const odd = e & 1;
  // Radicand N = sig << (96 - 63 + odd) placed in 160 bits: root = floor(sqrt(N)) has 80 bits
  // when N has 159 or 160 significant bits. sig occupies bits 63..0; shift left by 95 + odd.
  const shift = 95 + odd;
  sqN.fill(0);
  // place uHi:uLo << shift into sqN
  const ws = shift >>> 5,
    bs = shift & 31;
  if (bs === 0) {
    sqN[ws] = uLo;
    sqN[ws + 1] = uHi;
  } else {
    sqN[ws] = (uLo << bs) >>> 0;
    sqN[ws + 1] = ((uHi << bs) | (uLo >>> (32 - bs))) >>> 0;
    if (ws + 2 < 5) sqN[ws + 2] = uHi >>> (32 - bs);
  }
  sqrtSig();
  // root = sqrt(sig * 2^(95+odd)) = sqrt(sig/2^63) * 2^((158+odd)/2) -> value bits: the root's
  // bit 79 has weight 2^0 of sqrt(M) where M = sig / 2^(63-odd), and the result exponent is
  // (e - odd) / 2.
  w.exp = (e - odd) / 2 + BIAS;
  normalize96();
  return roundReg(0, cw);
}

// ---------------------------------------------------------------------------------------------
// Compares: FCOM/FCOMP/FCOMPP/FICOM (`quiet` false: any NaN is invalid), FUCOM* (`quiet` true:
// only SNaN is invalid), FCOMI/FUCOMI use the same result mapped to ZF/PF/CF by the caller.

/** Result codes in C3/C2/C0 form: 0 = a > b, C0 = a < b, C3 = equal, C3|C2|C0 = unordered. */
export const CMP_GT = 0;
export const CMP_LT = FSW_C0;
export const CMP_EQ = FSW_C3;
export const CMP_UN = FSW_C3 | FSW_C2 | FSW_C0;

export function compare(aSe: number, aHi: number, aLo: number, bSe: number, bHi: number, bLo: number, quiet: boolean): void {
  const ca = classify(aSe, aHi, aLo);
  const cb = classify(bSe, bHi, bLo);
  if (ca === CLS_UNSUPPORTED || cb === CLS_UNSUPPORTED) {
    fx.flags |= FSW_IE;
    fx.cc = CMP_UN;
    return;
  }
  if (ca === CLS_QNAN || ca === CLS_SNAN || cb === CLS_QNAN || cb === CLS_SNAN) {
    if (!quiet || ca === CLS_SNAN || cb === CLS_SNAN) fx.flags |= FSW_IE;
    fx.cc = CMP_UN;
    return;
  }
  if (isDenormalClass(ca) || isDenormalClass(cb)) fx.flags |= FSW_DE;
  fx.cc = compareOrdered(aSe, aHi, aLo, ca, bSe, bHi, bLo, cb);
}

function compareOrdered(aSe: number, aHi: number, aLo: number, ca: number, bSe: number, bHi: number, bLo: number, cb: number): number {
  if (ca === CLS_ZERO && cb === CLS_ZERO) return CMP_EQ;
  const sa = aSe >>> 15,
    sb = bSe >>> 15;
  if (ca === CLS_ZERO) return sb ? CMP_GT : CMP_LT;
  if (cb === CLS_ZERO) return sa ? CMP_LT : CMP_GT;
  if (sa !== sb) return sa ? CMP_LT : CMP_GT;
  // Same sign: compare magnitudes (pseudo-denormals compare by value, as exponent 1).
  let ea = aSe & EXP_MAX,
    eb = bSe & EXP_MAX;
  if (ea === 0) ea = 1;
  if (eb === 0) eb = 1;
  let mag: number; // -1, 0, 1 for |a| vs |b|
  if (ca === CLS_INF || cb === CLS_INF) {
    mag = ca === cb ? 0 : ca === CLS_INF ? 1 : -1;
  } else {
    unpack(aSe, aHi, aLo);
    const ua = uExp,
      uh = uHi,
      ul = uLo;
    unpack(bSe, bHi, bLo);
    if (ua !== uExp) mag = ua > uExp ? 1 : -1;
    else if (uh !== uHi) mag = uh > uHi ? 1 : -1;
    else if (ul !== uLo) mag = ul > uLo ? 1 : -1;
    else mag = 0;
  }
  if (mag === 0) return CMP_EQ;
  return (mag > 0) !== (sa === 1) ? CMP_GT : CMP_LT;
}

// ---------------------------------------------------------------------------------------------
// FXAM (SDM Vol. 2 FXAM): C3 C2 C0 class code, C1 = sign. Never raises exceptions.
// `empty` comes from the tag word.

export function examine(se: number, hi: number, lo: number, empty: boolean): void {
  const sign = se & 0x8000 ? FSW_C1 : 0;
  if (empty) {
    fx.cc = FSW_C3 | FSW_C0 | sign;
    return;
  }
  const c = classify(se, hi, lo);
  let code: number;
  switch (c) {
    case CLS_UNSUPPORTED:
      code = 0;
      break;
    case CLS_QNAN:
    case CLS_SNAN:
      code = FSW_C0;
      break;
    case CLS_NORMAL:
      code = FSW_C2;
      break;
    case CLS_INF:
      code = FSW_C2 | FSW_C0;
      break;
    case CLS_ZERO:
      code = FSW_C3;
      break;
    default:
      code = FSW_C3 | FSW_C2; // denormal, pseudo-denormal
  }
  fx.cc = code | sign;
}

// ---------------------------------------------------------------------------------------------
// FRNDINT: round to an integer under FCW.RC (the result is in extended precision; PC is ignored).

export function roundToInt(cw: number, aSe: number, aHi: number, aLo: number): void {
  const ca = classify(aSe, aHi, aLo);
  if (ca === CLS_UNSUPPORTED) return invalid();
  if (ca === CLS_SNAN || ca === CLS_QNAN) {
    if (ca === CLS_SNAN) fx.flags |= FSW_IE;
    return setQuieted(aSe, aHi, aLo);
  }
  if (ca === CLS_ZERO || ca === CLS_INF) return setResult3(aSe, aHi, aLo);
  if (isDenormalClass(ca)) fx.flags |= FSW_DE;
  roundIntCore((cw >>> 10) & 3, aSe >>> 15, aSe, aHi, aLo);
  if (rIntInexact) fx.flags |= FSW_PE | (rIntUp ? FSW_C1 : 0);
}

function setResult3(se: number, hi: number, lo: number): void {
  fx.se = se;
  fx.hi = hi >>> 0;
  fx.lo = lo >>> 0;
}

let rIntInexact = false,
  rIntUp = false;

/**
 * Round the finite non-zero value to an integer with rounding mode rc, result in fx as an
 * extended value; flags in rIntInexact / rIntUp (magnitude increased).
 */
function roundIntCore(rc: number, sign: number, aSe: number, aHi: number, aLo: number): void {
  unpack(aSe, aHi, aLo);
  const e = uExp - BIAS; // value = sig * 2^(e - 63)
  rIntInexact = false;
  rIntUp = false;
  if (e >= 63) return setResult3(aSe, aHi, aLo);
  let ih: number, il: number, half: number; // half: 0 below, 1 exactly half, 2 above
  let nz: boolean;
  if (e < 0) {
    ih = 0;
    il = 0;
    nz = true;
    if (e === -1) half = uHi === 0x80000000 && uLo === 0 ? 1 : 2;
    else half = 0;
  } else {
    w.s2 = uHi;
    w.s1 = uLo;
    w.s0 = 0;
    shiftRightJam96(63 - e);
    ih = w.s2;
    il = w.s1;
    nz = w.s0 !== 0;
    half = w.s0 === 0x80000000 ? 1 : w.s0 > 0x80000000 ? 2 : 0;
  }
  if (nz) {
    rIntInexact = true;
    let inc = false;
    if (rc === RC_NEAREST) inc = half === 2 || (half === 1 && (il & 1) === 1);
    else if (rc === RC_UP) inc = sign === 0;
    else if (rc === RC_DOWN) inc = sign === 1;
    if (inc) {
      rIntUp = true;
      il = il + 1;
      if (il > 0xffffffff) {
        il = 0;
        ih = ih + 1;
      }
    }
  }
  if (ih === 0 && il === 0) return setZero(sign);
  // Renormalise the integer ih:il (ih may have become 2^32 only if the input had e == 63).
  w.s2 = ih >>> 0;
  w.s1 = il >>> 0;
  w.s0 = 0;
  w.exp = BIAS + 63;
  normalize96();
  fx.se = (sign << 15) | w.exp;
  fx.hi = w.s2;
  fx.lo = w.s1;
}

/** Integer rounding for stores (FIST/FBSTP): exposes roundIntCore's outputs. */
export function roundIntegral(rc: number, se: number, hi: number, lo: number): boolean {
  roundIntCore(rc, se >>> 15, se, hi, lo);
  return rIntInexact;
}
export function roundedUp(): boolean {
  return rIntUp;
}

// ---------------------------------------------------------------------------------------------
// FSCALE: ST0 * 2^trunc(ST1).

export function scale(cw: number, aSe: number, aHi: number, aLo: number, bSe: number, bHi: number, bLo: number): void {
  const ca = classify(aSe, aHi, aLo);
  const cb = classify(bSe, bHi, bLo);
  if (nanCheck2(aSe, aHi, aLo, ca, bSe, bHi, bLo, cb)) return;
  const sa = aSe >>> 15,
    sb = bSe >>> 15;
  if (cb === CLS_INF) {
    if (ca === CLS_ZERO) return sb ? setZero(sa) : invalid();
    if (ca === CLS_INF) return sb ? invalid() : setInf(sa);
    if (isDenormalClass(ca)) fx.flags |= FSW_DE;
    return sb ? setZero(sa) : setInf(sa);
  }
  if (isDenormalClass(ca) || isDenormalClass(cb)) fx.flags |= FSW_DE;
  if (ca === CLS_ZERO || ca === CLS_INF) return setResult3(aSe, aHi, aLo);
  // n = trunc(ST1), clamped: anything beyond +-2^16 saturates the result anyway.
  let n = 0;
  if (cb !== CLS_ZERO) {
    unpack(bSe, bHi, bLo);
    const e = uExp - BIAS;
    if (e >= 16) n = 0x10000;
    else if (e >= 0) n = uHi >>> (31 - e);
    if (sb) n = -n;
  }
  unpack(aSe, aHi, aLo);
  w.s2 = uHi;
  w.s1 = uLo;
  w.s0 = 0;
  w.exp = uExp + n;
  // FSCALE's result is not rounded to FCW.PC (only denormalisation can make it inexact).
  return roundPack(sa, cw, PC_64, REG_EMIN, REG_EMAX);
}

// ---------------------------------------------------------------------------------------------
// FXTRACT: ST0 -> exponent (as a value) and significand (exponent set to the bias).
// Writes the significand to fx and returns the exponent value in xtractExp (se, hi, lo).

export const xtractExp = { se: 0, hi: 0, lo: 0 };

export function extract(aSe: number, aHi: number, aLo: number): void {
  const ca = classify(aSe, aHi, aLo);
  const x = xtractExp;
  if (ca === CLS_UNSUPPORTED) {
    invalid();
    x.se = fx.se;
    x.hi = fx.hi;
    x.lo = fx.lo;
    return;
  }
  if (ca === CLS_SNAN || ca === CLS_QNAN) {
    if (ca === CLS_SNAN) fx.flags |= FSW_IE;
    setQuieted(aSe, aHi, aLo);
    x.se = fx.se;
    x.hi = fx.hi;
    x.lo = fx.lo;
    return;
  }
  const sign = aSe >>> 15;
  if (ca === CLS_ZERO) {
    // Divide-by-zero: exponent -inf, significand the zero itself.
    fx.flags |= FSW_ZE;
    x.se = 0xffff;
    x.hi = 0x80000000;
    x.lo = 0;
    return setZero(sign);
  }
  if (ca === CLS_INF) {
    x.se = EXP_MAX;
    x.hi = 0x80000000;
    x.lo = 0;
    return setInf(sign);
  }
  if (isDenormalClass(ca)) fx.flags |= FSW_DE;
  unpack(aSe, aHi, aLo);
  const e = uExp - BIAS;
  intToExtended(e);
  x.se = fx.se;
  x.hi = fx.hi;
  x.lo = fx.lo;
  fx.se = (sign << 15) | BIAS;
  fx.hi = uHi;
  fx.lo = uLo;
}

/** Exact conversion of a small signed integer (|v| < 2^31) to extended in fx. */
export function intToExtended(v: number): void {
  if (v === 0) return setZero(0);
  const sign = v < 0 ? 1 : 0;
  const m = (sign ? -v : v) >>> 0;
  const n = Math.clz32(m);
  fx.se = (sign << 15) | (BIAS + 31 - n);
  fx.hi = (m << n) >>> 0;
  fx.lo = 0;
}

// ---------------------------------------------------------------------------------------------
// FPREM / FPREM1 (SDM Vol. 2): partial remainder. When the exponent difference is below 64
// the remainder is complete (C2 = 0) and the low three quotient bits go to C0 (Q2), C3 (Q1),
// C1 (Q0); otherwise a partial reduction by a power-of-two multiple of ST1 leaves C2 = 1.

/** fx.cc value after FPREM/FPREM1 on NaN or invalid operands: C0 and C3 keep their values. */
export const REM_CC_UNCHANGED = -1;

export function remainder(cw: number, aSe: number, aHi: number, aLo: number, bSe: number, bHi: number, bLo: number, ieee: boolean): void {
  fx.cc = REM_CC_UNCHANGED;
  const ca = classify(aSe, aHi, aLo);
  const cb = classify(bSe, bHi, bLo);
  if (nanCheck2(aSe, aHi, aLo, ca, bSe, bHi, bLo, cb)) return;
  if (ca === CLS_INF || cb === CLS_ZERO) return invalid();
  fx.cc = 0;
  if (isDenormalClass(ca) || isDenormalClass(cb)) fx.flags |= FSW_DE;
  const sa = aSe >>> 15;
  if (ca === CLS_ZERO) return setResult3(aSe, aHi, aLo);
  if (cb === CLS_INF) return remainderIsDividend(sa, cw, aSe, aHi, aLo);
  unpack(aSe, aHi, aLo);
  const ea = uExp;
  let rh = uHi,
    rl = uLo;
  unpack(bSe, bHi, bLo);
  const eb = uExp,
    dh = uHi,
    dl = uLo;
  const diff = ea - eb;
  if (diff < 0) {
    // |a| < |b|: quotient 0 (FPREM1 may still round to 1 when |a| > |b|/2).
    if (ieee && diff === -1 && (rh > dh || (rh === dh && rl > dl))) {
      // |a| in (|b|/2, |b|): q = 1, r = a - b (exact), sign flips.
      subtractHalfScaled(rh, rl, eb, dh, dl);
      fx.cc = FSW_C1;
      return roundPack(sa ^ 1, cw, PC_64, REG_EMIN, REG_EMAX);
    }
    return remainderIsDividend(sa, cw, aSe, aHi, aLo);
  }
  let steps: number;
  let partial = false;
  if (diff >= 64) {
    partial = true;
    // Reduce the exponent difference by a step between 32 and 63 (implementation-defined).
    // (AMD documents N = 32 + diff mod 32; Intel processors behave the same.)
    steps = 32 + (diff % 32) + 1;
  } else {
    steps = diff + 1;
  }
  // Long division over `steps` quotient bits: r starts as a's significand (value aligned to
  // b's scale * 2^(steps-1)).
  let q = 0; // low bits of the quotient (we only need 3, plus parity for rounding)
  let rTop = 0;
  for (let i = 0; i < steps; i++) {
    let bit = 0;
    if (rTop || rh > dh || (rh === dh && rl >= dl)) {
      let l = rl - dl;
      const br = l < 0 ? 1 : 0;
      rl = l >>> 0;
      l = rh - dh - br;
      rh = l >>> 0;
      rTop = 0;
      bit = 1;
    }
    q = ((q << 1) | bit) & 7;
    if (i < steps - 1) {
      rTop = rh >>> 31;
      rh = ((rh << 1) | (rl >>> 31)) >>> 0;
      rl = (rl << 1) >>> 0;
    }
  }
  // Remainder r = rh:rl at exponent eb (same scale as the divisor).
  let rsign = sa;
  if (ieee && !partial) {
    // Round the quotient to nearest: if 2r > d, or 2r == d and q odd, take q+1 and r = d - r.
    const r2Top = rh >>> 31;
    const r2h = ((rh << 1) | (rl >>> 31)) >>> 0,
      r2l = (rl << 1) >>> 0;
    const gt = r2Top === 1 || r2h > dh || (r2h === dh && r2l > dl);
    const eq = r2Top === 0 && r2h === dh && r2l === dl;
    if (gt || (eq && q & 1)) {
      q = (q + 1) & 7;
      let l = dl - rl;
      const br = l < 0 ? 1 : 0;
      rl = l >>> 0;
      l = dh - rh - br;
      rh = l >>> 0;
      rsign ^= 1;
    }
  }
  fx.cc = partial ? FSW_C2 : (q & 4 ? FSW_C0 : 0) | (q & 2 ? FSW_C3 : 0) | (q & 1 ? FSW_C1 : 0);
  if (rh === 0 && rl === 0) {
    setZero(sa);
    return;
  }
  w.s2 = rh;
  w.s1 = rl;
  w.s0 = 0;
  w.exp = partial ? eb + (diff - steps + 1) : eb;
  normalize96();
  // Exact; a tiny remainder is denormalised (masked) or exponent-scaled with UE (unmasked).
  roundPack(rsign, cw, PC_64, REG_EMIN, REG_EMAX);
}

/**
 * Quotient 0: the remainder is a itself, passed through the tiny-result rules (a denormal
 * stays as it is when UE is masked; a pseudo-denormal comes back with exponent 1).
 */
function remainderIsDividend(sign: number, cw: number, aSe: number, aHi: number, aLo: number): void {
  unpack(aSe, aHi, aLo);
  w.s2 = uHi;
  w.s1 = uLo;
  w.s0 = 0;
  w.exp = uExp;
  roundPack(sign, cw, PC_64, REG_EMIN, REG_EMAX);
}

/** fx = |b| - |a| for the FPREM1 case |a| in (|b|/2, |b|), exponent of a = eb - 1 (exact). */
function subtractHalfScaled(ah: number, al: number, eb: number, bh: number, bl: number): void {
  // a at b's scale: shift right by one (exact: one extra bit in s0).
  w.s2 = bh;
  w.s1 = bl;
  w.s0 = 0;
  const a0 = ((al & 1) << 31) >>> 0;
  const a1 = ((al >>> 1) | (ah << 31)) >>> 0;
  const a2 = ah >>> 1;
  let r0 = 0 - a0;
  let borrow = r0 < 0 ? 1 : 0;
  r0 = r0 >>> 0;
  let r1 = bl - a1 - borrow;
  borrow = r1 < 0 ? 1 : 0;
  r1 = r1 >>> 0;
  const r2 = (bh - a2 - borrow) >>> 0;
  w.s2 = r2;
  w.s1 = r1;
  w.s0 = r0;
  w.exp = eb;
  normalize96();
}

/** Load-constant rounding (FLDPI etc.): `rest` 0 exact, 1 below half, 3 above half; no exception. */
export function loadConstant(cw: number, se: number, hi: number, lo: number, rest: number): void {
  const rc = (cw >>> 10) & 3;
  const extra2 = rest;
  let inc = false;
  if (rc === RC_NEAREST) inc = extra2 === 3;
  else if (rc === RC_UP) inc = extra2 !== 0 && (se & 0x8000) === 0;
  else if (rc === RC_DOWN) inc = extra2 !== 0 && (se & 0x8000) !== 0;
  let l = lo >>> 0,
    h = hi >>> 0;
  if (inc) {
    l = l + 1;
    if (l > 0xffffffff) {
      l = 0;
      h = h + 1;
    }
  }
  fx.se = se;
  fx.hi = h >>> 0;
  fx.lo = l >>> 0;
}

