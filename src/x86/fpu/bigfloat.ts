// A small fixed-size binary floating point with a 128-bit significand, used only inside the
// transcendental instructions (transcendental.ts) as their extra-precision working format.
// Values live in numbered registers of preallocated typed arrays (no allocation per call):
// value = (-1)^S * 0.M * 2^E, M = 8 limbs of 16 bits (limb 0 most significant), normalised so
// limb 0 bit 15 is set; Z marks zero. Arithmetic truncates below 128 bits (error < 2^-127
// relative per operation), which is far below the extended format's 2^-64.

export const LIMBS = 8;
export const NREG = 32;

const M = new Uint32Array(NREG * LIMBS);
const E = new Int32Array(NREG);
const S = new Uint8Array(NREG);
const Z = new Uint8Array(NREG);
const T = new Float64Array(2 * LIMBS + 2); // product / scratch columns
const Q = new Uint32Array(LIMBS + 1); // division remainder

export function isZero(r: number): boolean {
  return Z[r] === 1;
}
export function sign(r: number): number {
  return S[r]!;
}
export function exponent(r: number): number {
  return E[r]!;
}
export function limb(r: number, i: number): number {
  return M[r * LIMBS + i]!;
}
export function negate(r: number): void {
  S[r] = S[r]! ^ 1;
}
export function setSign(r: number, s: number): void {
  S[r] = s;
}

export function setZero(r: number): void {
  Z[r] = 1;
  S[r] = 0;
  E[r] = 0;
  M.fill(0, r * LIMBS, r * LIMBS + LIMBS);
}

export function copy(d: number, a: number): void {
  if (d === a) return;
  M.copyWithin(d * LIMBS, a * LIMBS, a * LIMBS + LIMBS);
  E[d] = E[a]!;
  S[d] = S[a]!;
  Z[d] = Z[a]!;
}

/** Normalise register r in place (shift left until limb 0 bit 15 is set). */
function normalize(r: number): void {
  const o = r * LIMBS;
  let first = 0;
  while (first < LIMBS && M[o + first] === 0) first++;
  if (first === LIMBS) {
    setZero(r);
    return;
  }
  if (first) {
    for (let i = 0; i < LIMBS; i++) M[o + i] = i + first < LIMBS ? M[o + i + first]! : 0;
    E[r] = E[r]! - 16 * first;
  }
  const n = Math.clz32(M[o]!) - 16;
  if (n) {
    for (let i = 0; i < LIMBS; i++) {
      const next = i + 1 < LIMBS ? M[o + i + 1]! : 0;
      M[o + i] = ((M[o + i]! << n) | (next >>> (16 - n))) & 0xffff;
    }
    E[r] = E[r]! - n;
  }
  Z[r] = 0;
}

/** Load an extended value (se, hi, lo); the caller has excluded NaN and infinity. */
export function fromExtended(r: number, se: number, hi: number, lo: number): void {
  const o = r * LIMBS;
  M[o] = hi >>> 16;
  M[o + 1] = hi & 0xffff;
  M[o + 2] = lo >>> 16;
  M[o + 3] = lo & 0xffff;
  M[o + 4] = M[o + 5] = M[o + 6] = M[o + 7] = 0;
  S[r] = se >>> 15;
  let e = se & 0x7fff;
  if (e === 0) e = 1;
  E[r] = e - 16383 + 1; // 0.M with M's top bit = J: value = J.frac * 2^(e-16383)
  Z[r] = 0;
  normalize(r);
}

/** Load a 128-bit significand given as 4 words (most significant first) times 2^exp (0.M form). */
export function fromWords(r: number, w0: number, w1: number, w2: number, w3: number, exp: number, neg: number): void {
  const o = r * LIMBS;
  M[o] = w0 >>> 16;
  M[o + 1] = w0 & 0xffff;
  M[o + 2] = w1 >>> 16;
  M[o + 3] = w1 & 0xffff;
  M[o + 4] = w2 >>> 16;
  M[o + 5] = w2 & 0xffff;
  M[o + 6] = w3 >>> 16;
  M[o + 7] = w3 & 0xffff;
  E[r] = exp;
  S[r] = neg;
  Z[r] = 0;
  normalize(r);
}

/** A small signed integer (|v| < 2^31). */
export function fromInt(r: number, v: number): void {
  if (v === 0) return setZero(r);
  const neg = v < 0 ? 1 : 0;
  const m = (neg ? -v : v) >>> 0;
  fromWords(r, m, 0, 0, 0, 32, neg);
}

/** Compare magnitudes: -1, 0, 1. */
export function cmpMag(a: number, b: number): number {
  if (Z[a]) return Z[b] ? 0 : -1;
  if (Z[b]) return 1;
  if (E[a] !== E[b]) return E[a]! > E[b]! ? 1 : -1;
  const oa = a * LIMBS,
    ob = b * LIMBS;
  for (let i = 0; i < LIMBS; i++) {
    if (M[oa + i] !== M[ob + i]) return M[oa + i]! > M[ob + i]! ? 1 : -1;
  }
  return 0;
}

const ALIGN = new Float64Array(LIMBS);

/** d = a + b (or a - b when `sub`). d may alias a or b. */
export function add(d: number, a: number, b: number, sub: boolean): void {
  const sb = S[b]! ^ (sub ? 1 : 0);
  if (Z[b]) return copy(d, a);
  if (Z[a]) {
    copy(d, b);
    S[d] = sb;
    return;
  }
  let big = a,
    small = b,
    sBig = S[a]!,
    sSmall = sb;
  if (cmpMag(a, b) < 0) {
    big = b;
    small = a;
    sBig = sb;
    sSmall = S[a]!;
  }
  const shift = E[big]! - E[small]!;
  const ob = big * LIMBS,
    os = small * LIMBS;
  // Aligned small operand (truncated).
  const ls = shift >>> 4,
    bs = shift & 15;
  for (let i = 0; i < LIMBS; i++) {
    const j = i - ls;
    let v = 0;
    if (shift < 16 * LIMBS && j >= 0) {
      v = M[os + j]! >>> bs;
      if (bs && j - 1 >= 0) v |= (M[os + j - 1]! << (16 - bs)) & 0xffff;
    }
    ALIGN[i] = v;
  }
  const exp = E[big]!;
  const od = d * LIMBS;
  if (sBig === sSmall) {
    let carry = 0;
    for (let i = LIMBS - 1; i >= 0; i--) {
      const v = M[ob + i]! + ALIGN[i]! + carry;
      T[i] = v & 0xffff;
      carry = v >>> 16;
    }
    if (carry) {
      for (let i = LIMBS - 1; i > 0; i--) M[od + i] = ((T[i]! >>> 1) | ((T[i - 1]! & 1) << 15)) & 0xffff;
      M[od] = (T[0]! >>> 1) | 0x8000;
      E[d] = exp + 1;
    } else {
      for (let i = 0; i < LIMBS; i++) M[od + i] = T[i]!;
      E[d] = exp;
    }
    S[d] = sBig;
    Z[d] = 0;
    return;
  }
  let borrow = 0;
  for (let i = LIMBS - 1; i >= 0; i--) {
    let v = M[ob + i]! - ALIGN[i]! - borrow;
    borrow = v < 0 ? 1 : 0;
    if (v < 0) v += 0x10000;
    T[i] = v;
  }
  for (let i = 0; i < LIMBS; i++) M[od + i] = T[i]!;
  E[d] = exp;
  S[d] = sBig;
  Z[d] = 0;
  normalize(d);
}

/** d = a * b. d may alias a or b. */
export function mul(d: number, a: number, b: number): void {
  if (Z[a] || Z[b]) return setZero(d);
  const oa = a * LIMBS,
    ob = b * LIMBS;
  T.fill(0);
  for (let i = 0; i < LIMBS; i++) {
    const x = M[oa + i]!;
    if (x === 0) continue;
    for (let j = 0; j < LIMBS; j++) T[i + j + 1] = T[i + j + 1]! + x * M[ob + j]!;
  }
  // Carry propagate from the bottom (columns hold sums < 2^36).
  let carry = 0;
  for (let k = 2 * LIMBS; k >= 0; k--) {
    const v = T[k]! + carry;
    T[k] = v % 65536;
    carry = Math.floor(v / 65536);
  }
  const od = d * LIMBS;
  const e = E[a]! + E[b]!;
  const sgn = S[a]! ^ S[b]!;
  // T[k] has weight 2^-16(k+1); the product of two values in [1/2, 1) is in [1/4, 1).
  if (T[0]! & 0x8000) {
    for (let i = 0; i < LIMBS; i++) M[od + i] = T[i]!;
    E[d] = e;
  } else {
    for (let i = 0; i < LIMBS; i++) M[od + i] = ((T[i]! << 1) | (T[i + 1]! >>> 15)) & 0xffff;
    E[d] = e - 1;
  }
  S[d] = sgn;
  Z[d] = 0;
}

/** d = a / n for a small positive integer n (< 2^16). */
export function divSmall(d: number, a: number, n: number): void {
  if (Z[a]) return setZero(d);
  const oa = a * LIMBS,
    od = d * LIMBS;
  let rem = 0;
  for (let i = 0; i < LIMBS; i++) {
    const cur = rem * 65536 + M[oa + i]!;
    const q = Math.floor(cur / n);
    rem = cur - q * n;
    M[od + i] = q;
  }
  E[d] = E[a]!;
  S[d] = S[a]!;
  Z[d] = 0;
  normalize(d);
}

/** Multiply by 2^k exactly. */
export function scale2(d: number, a: number, k: number): void {
  copy(d, a);
  if (!Z[d]) E[d] = E[d]! + k;
}

/** d = a / b (b non-zero), bit-serial restoring division of the 128-bit significands. */
export function div(d: number, a: number, b: number): void {
  if (Z[a]) return setZero(d);
  const oa = a * LIMBS,
    ob = b * LIMBS;
  // Remainder R (LIMBS+1 limbs, limb 0 is an overflow limb) starts as a's significand.
  Q[0] = 0;
  for (let i = 0; i < LIMBS; i++) Q[i + 1] = M[oa + i]!;
  const out = T;
  out.fill(0);
  const bits = 16 * LIMBS + 1;
  for (let k = 0; k < bits; k++) {
    // if R >= B: R -= B, bit = 1
    let ge = Q[0] !== 0;
    if (!ge) {
      ge = true;
      for (let i = 0; i < LIMBS; i++) {
        if (Q[i + 1] !== M[ob + i]) {
          ge = Q[i + 1]! > M[ob + i]!;
          break;
        }
      }
    }
    if (ge) {
      let borrow = 0;
      for (let i = LIMBS - 1; i >= 0; i--) {
        let v = Q[i + 1]! - M[ob + i]! - borrow;
        borrow = v < 0 ? 1 : 0;
        if (v < 0) v += 0x10000;
        Q[i + 1] = v;
      }
      Q[0] = Q[0]! - borrow;
      out[k >>> 4] = out[k >>> 4]! + (1 << (15 - (k & 15)));
    }
    // R <<= 1
    for (let i = 0; i < LIMBS; i++) Q[i] = ((Q[i]! << 1) | (Q[i + 1]! >>> 15)) & 0xffff;
    Q[LIMBS] = (Q[LIMBS]! << 1) & 0xffff;
  }
  // Quotient bit k has weight 2^-k relative to a/b's leading position: q in (1/2, 2).
  const od = d * LIMBS;
  for (let i = 0; i < LIMBS; i++) M[od + i] = out[i]!;
  E[d] = E[a]! - E[b]! + 1;
  S[d] = S[a]! ^ S[b]!;
  Z[d] = 0;
  normalize(d);
}

/**
 * The value as the extended-format rounding input: top 96 bits of the significand with the
 * remaining bits jammed into the lowest, and the extended-biased exponent (J.frac form).
 */
export function toWords96(r: number, out: { s2: number; s1: number; s0: number; exp: number }): void {
  const o = r * LIMBS;
  out.s2 = ((M[o]! << 16) | M[o + 1]!) >>> 0;
  out.s1 = ((M[o + 2]! << 16) | M[o + 3]!) >>> 0;
  out.s0 = ((M[o + 4]! << 16) | M[o + 5]! | (M[o + 6]! | M[o + 7]! ? 1 : 0)) >>> 0;
  out.exp = E[r]! - 1 + 16383;
}
