// Host-independent checks of the SIMD library on values fixed by IEEE 754 and published check
// values (they run everywhere, also where the host-CPU oracle is unavailable).
import { describe, expect, it } from 'vitest';
import { SimdRegs } from '../../../src/x86/simd/simd_regs.ts';
import * as A from '../../../src/x86/simd/sse_arith.ts';
import * as C from '../../../src/x86/simd/sse_convert.ts';
import { crc32 } from '../../../src/x86/simd/crc32c.ts';
import { pshufb } from '../../../src/x86/simd/ssse3.ts';

const X0 = 160, X1 = 176;

function regs(mxcsr: number, a: number[], b: number[]): { r: SimdRegs; i32: Int32Array } {
  const buf = new ArrayBuffer(512);
  const r = new SimdRegs(buf, 24);
  const i32 = new Int32Array(buf);
  i32[6] = mxcsr;
  a.forEach((v, k) => (i32[X0 / 4 + k] = v));
  b.forEach((v, k) => (i32[X1 / 4 + k] = v));
  return { r, i32 };
}

describe('binary32 division rounds as IEEE 754 says in each MXCSR.RC mode', () => {
  // 1/3 = 0x3EAAAAAA.AAA…: nearest and up give ...AB, down and toward zero ...AA; -1/3 mirrors.
  const cases: Array<[number, number, number]> = [
    [0, 0x3eaaaaab, 0xbeaaaaab | 0],
    [1, 0x3eaaaaaa, 0xbeaaaaab | 0],
    [2, 0x3eaaaaab, 0xbeaaaaaa | 0],
    [3, 0x3eaaaaaa, 0xbeaaaaaa | 0],
  ];
  for (const [rc, pos, neg] of cases) {
    it(`RC=${rc}: 1/3 and -1/3, with PE set`, () => {
      const { r, i32 } = regs(0x1f80 | (rc << 13), [0x3f800000, 0xbf800000 | 0, 0, 0], [0x40400000, 0x40400000, 0x3f800000, 0x3f800000]);
      expect(A.divps(r, X0, X1)).toBe(0);
      expect([i32[40], i32[41], i32[42]]).toEqual([pos, neg, 0]);
      expect(i32[6]! & 0x3f).toBe(0x20);
    });
  }
});

describe('special results', () => {
  it('0/0 gives the default NaN FFC00000 and IE; an SNaN operand is quieted, first operand wins', () => {
    const { r, i32 } = regs(0x1f80, [0, 0x7f800001, 0x7fc00001, 0x3f800000], [0, 0x7fc00002, 0x7f800002, 0x3f800000]);
    A.addps(r, X0, X1);
    expect(A.divss(r, X0, X1)).toBe(0);
    expect((i32[40]! >>> 0).toString(16)).toBe('ffc00000');
    expect((i32[41]! >>> 0).toString(16)).toBe('7fc00001');
    expect((i32[42]! >>> 0).toString(16)).toBe('7fc00001');
    expect(i32[6]! & 1).toBe(1);
  });
  it('overflow rounds to the largest finite value toward zero and to infinity to nearest', () => {
    const big = 0x7f7fffff;
    const rz = regs(0x1f80 | (3 << 13), [big], [big]);
    A.mulss(rz.r, X0, X1);
    expect(rz.i32[40]).toBe(big);
    expect(rz.i32[6]! & 0x3f).toBe(0x28); // OE | PE
    const rn = regs(0x1f80, [big], [big]);
    A.mulss(rn.r, X0, X1);
    expect(rn.i32[40]).toBe(0x7f800000);
  });
  it('a tiny inexact product is denormalised with UE|PE, or flushed to +0 under FTZ', () => {
    // 2^-100 * 1.5·2^-30 = 1.5·2^-130 = 0x000C0000 · 2^-149: exact, so no UE; with 1.5+2^-22 it is inexact
    const plain = regs(0x1f80, [0x0d800000], [0x30c00000]);
    A.mulss(plain.r, X0, X1);
    expect(plain.i32[40]).toBe(0x000c0000);
    expect(plain.i32[6]! & 0x3f).toBe(0);
    const ftz = regs(0x9f80, [0x0d800000], [0x30c00001]);
    A.mulss(ftz.r, X0, X1);
    expect(ftz.i32[40]).toBe(0);
    expect(ftz.i32[6]! & 0x3f).toBe(0x30);
  });
  it('an unmasked divide-by-zero reports #XM and leaves the destination unchanged', () => {
    const { r, i32 } = regs(0x1f80 & ~0x200, [0x3f800000], [0]);
    expect(A.divss(r, X0, X1)).toBe(A.SIMD_XM);
    expect(i32[40]).toBe(0x3f800000);
    expect(i32[6]! & 0x3f).toBe(4);
  });
  it('out-of-range conversions give the integer indefinite with IE', () => {
    const { r, i32 } = regs(0x1f80, [], [0x4f000000, 0x7fc00000, 0xcf000000 | 0, 0x3fc00000]);
    C.cvtps2dq(r, X0, X1);
    expect([i32[40], i32[41], i32[42], i32[43]]).toEqual([0x80000000 | 0, 0x80000000 | 0, 0x80000000 | 0, 2]);
    expect(i32[6]! & 0x3f).toBe(0x21);
  });
});

describe('integer references', () => {
  it('CRC32 accumulates CRC-32C: check value of "123456789" is E3069283', () => {
    let c = -1;
    for (const ch of '123456789') c = crc32(c, ch.charCodeAt(0), 1);
    expect(((c ^ -1) >>> 0).toString(16)).toBe('e3069283');
  });
  it('PSHUFB zeroes bytes whose selector has bit 7 set', () => {
    const { r, i32 } = regs(0x1f80, [0x03020100, 0x07060504, 0x0b0a0908, 0x0f0e0d0c], [0x80000f00, 0, 0, 0]);
    pshufb(r, X0, X1, 16);
    expect((i32[40]! >>> 0).toString(16)).toBe('f00');
  });
});
