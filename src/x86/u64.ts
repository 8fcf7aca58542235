// 64-bit arithmetic on lo/hi int32 pairs with integer operations only (DESIGN.md invariant 6).
// `(a >>> 0) + (b >>> 0) > 0xffffffff` reads naturally but makes V8 compute in doubles: an
// int→double conversion and a floating-point compare on every use, which showed up as ≈ 10 %
// of the interpreter loop. The unsigned compares below stay in integer registers.

/** Carry out of the 32-bit sum r = (a + b) | 0 of unsigned a, b: 1 or 0. */
export function carryOut(a: number, r: number): number {
  return (r >>> 0) < (a >>> 0) ? 1 : 0;
}

/** High word after adding the signed 32-bit `delta` to (lo, hi), given r = (lo + delta) | 0. */
export function hiAfterAdd(lo: number, hi: number, delta: number, r: number): number {
  if (delta >= 0) return (r >>> 0) < (lo >>> 0) ? (hi + 1) | 0 : hi;
  return (r >>> 0) > (lo >>> 0) ? (hi - 1) | 0 : hi;
}
