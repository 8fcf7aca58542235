// Known results that hold without the host oracle (values from the SDM's tables and exact
// arithmetic), so a machine without gcc still checks the library; and image round trips.
import { describe, it, expect } from 'vitest';
import { fx, FCW_DEFAULT, FSW_PE, FSW_C1, FSW_IE, FSW_ZE } from '../../../src/x86/fpu/float80.ts';
import { add, mul, div, sqrt } from '../../../src/x86/fpu/softfloat80.ts';
import { float64ToExt, extToFloat64, extToInt, bcdToExt, extToBcd, mem } from '../../../src/x86/fpu/convert.ts';
import { FPU_STATE_BYTES, fninit, push, readSt } from '../../../src/x86/fpu/fpu_state.ts';
import { fstenv, fldenv, fsave, frstor } from '../../../src/x86/fpu/environment.ts';
import { fldConst, CONST_PI } from '../../../src/x86/fpu/fpu_ops.ts';

const ONE: [number, number, number] = [0x3fff, 0x80000000, 0];
const THREE: [number, number, number] = [0x4000, 0xc0000000, 0];
const hex = (): string => `${fx.se.toString(16)}:${fx.hi.toString(16).padStart(8, '0')}${fx.lo.toString(16).padStart(8, '0')}`;

describe('x87 library known values', () => {
  it('1 + 1 = 2 exactly', () => {
    fx.flags = 0;
    add(FCW_DEFAULT, ...ONE, ...ONE, false);
    expect(hex()).toBe('4000:8000000000000000');
    expect(fx.flags).toBe(0);
  });

  it('1/3 rounds per precision control and rounding mode', () => {
    const cases: [number, string, number][] = [
      [0x037f, '3ffd:aaaaaaaaaaaaaaab', FSW_PE | FSW_C1], // 64-bit, nearest: rounded up
      [0x077f, '3ffd:aaaaaaaaaaaaaaaa', FSW_PE], // 64-bit, down
      [0x027f, '3ffd:aaaaaaaaaaaaa800', FSW_PE], // 53-bit, nearest: ...aaa|aaa.. rounds down
      [0x007f, '3ffd:aaaaab0000000000', FSW_PE | FSW_C1], // 24-bit, nearest: rounds up
    ];
    for (const [cw, want, flags] of cases) {
      fx.flags = 0;
      div(cw, ...ONE, ...THREE);
      expect(hex()).toBe(want);
      expect(fx.flags).toBe(flags);
    }
  });

  it('sqrt(2) is the correctly rounded extended value; sqrt(-1) is invalid', () => {
    fx.flags = 0;
    sqrt(FCW_DEFAULT, 0x4000, 0x80000000, 0);
    expect(hex()).toBe('3fff:b504f333f9de6484');
    fx.flags = 0;
    sqrt(FCW_DEFAULT, 0xbfff, 0x80000000, 0);
    expect(hex()).toBe('ffff:c000000000000000');
    expect(fx.flags & FSW_IE).toBe(FSW_IE);
  });

  it('x / 0 raises ZE and gives a signed infinity; 0 * inf is invalid', () => {
    fx.flags = 0;
    div(FCW_DEFAULT, 0xbfff, 0x80000000, 0, 0, 0, 0);
    expect(hex()).toBe('ffff:8000000000000000');
    expect(fx.flags).toBe(FSW_ZE);
    fx.flags = 0;
    mul(FCW_DEFAULT, 0, 0, 0, 0x7fff, 0x80000000, 0);
    expect(fx.flags).toBe(FSW_IE);
  });

  it('float64 load/store round-trips and 0.1 converts exactly', () => {
    float64ToExt(0x9999999a, 0x3fb99999); // 0.1 as a double
    expect(hex()).toBe('3ffb:ccccccccccccd000');
    fx.flags = 0;
    extToFloat64(FCW_DEFAULT, fx.se, fx.hi, fx.lo);
    expect([mem.hi.toString(16), mem.lo.toString(16)]).toEqual(['3fb99999', '9999999a']);
    expect(fx.flags).toBe(0);
  });

  it('integer stores give the integer indefinite on overflow', () => {
    fx.flags = 0;
    extToInt(FCW_DEFAULT, 0x400e, 0x80000000, 0, 16, false); // 32768 does not fit int16
    expect(mem.lo).toBe(0x8000);
    expect(fx.flags & FSW_IE).toBe(FSW_IE);
  });

  it('packed BCD: FBLD then FBSTP returns the digits', () => {
    // -123456789012345678
    bcdToExt(0x12345678, 0x56789012, 0x8034);
    fx.flags = 0;
    extToBcd(FCW_DEFAULT, fx.se, fx.hi, fx.lo);
    expect([mem.top.toString(16), mem.hi.toString(16), mem.lo.toString(16)]).toEqual(['8034', '56789012', '12345678']);
  });

  it('FLDPI follows the rounding mode', () => {
    const dv = new DataView(new ArrayBuffer(FPU_STATE_BYTES));
    const got: string[] = [];
    for (const rc of [0, 1, 2, 3]) {
      fninit(dv, 0);
      dv.setUint16(80, 0x037f | (rc << 10), true);
      fldConst(dv, 0, CONST_PI);
      readSt(dv, 0, 0);
      got.push(hex());
    }
    expect(got).toEqual(['4000:c90fdaa22168c235', '4000:c90fdaa22168c234', '4000:c90fdaa22168c235', '4000:c90fdaa22168c234']);
  });

  it('FNSAVE/FRSTOR and FNSTENV/FLDENV images round-trip in all four layouts', () => {
    for (const op32 of [false, true]) {
      for (const real of [false, true]) {
        const a = new DataView(new ArrayBuffer(FPU_STATE_BYTES));
        fninit(a, 0);
        push(a, 0, 0x4000, 0xc90fdaa2, 0x2168c235);
        push(a, 0, 0xbfff, 0x80000000, 0);
        a.setUint16(82, a.getUint16(82, true) | 0x4100, true); // C3, C0
        a.setUint32(88, 0x1234, true); // FIP
        a.setUint16(104, real ? 0 : 0x1b, true); // FCS
        const img = new DataView(new ArrayBuffer(108));
        fsave(a, 0, img, 0, op32, real);
        const b = new DataView(new ArrayBuffer(FPU_STATE_BYTES));
        frstor(b, 0, img, 0, op32, real);
        const img2 = new DataView(new ArrayBuffer(108));
        fstenv(b, 0, img2, 0, op32, real);
        const c = new DataView(new ArrayBuffer(FPU_STATE_BYTES));
        fldenv(c, 0, img2, 0, op32, real);
        for (let k = 0; k < (op32 ? 28 : 14); k++) expect([k, img2.getUint8(k)]).toEqual([k, img.getUint8(k)]);
        readSt(b, 0, 0);
        expect(hex()).toBe('bfff:8000000000000000');
        readSt(b, 0, 1);
        expect(hex()).toBe('4000:c90fdaa22168c235');
      }
    }
  });
});
