// FADD/FSUB/FSUBR/FMUL/FDIV/FDIVR/FSQRT and the other register-stack arithmetic, bit-exact
// against the host CPU's x87 over seeded operands of every class, rounding mode and precision.
import { describe, it, expect } from 'vitest';
import { differential, value, nearValue, controlWord, Rng, oracleReady, deep } from './x87_harness.ts';
import type { X87Case, X87Op } from './x87_harness.ts';
import { arithReg, unary, fscale, fprem, fxtract, OP_ADD, OP_SUB, OP_SUBR, OP_MUL, OP_DIV, OP_DIVR, UN_SQRT, UN_RNDINT, UN_CHS, UN_ABS } from '../../../src/x86/fpu/fpu_ops.ts';

const N = deep ? 20000 : 400;

function binaryCases(seed: number, n: number): X87Case[] {
  const r = new Rng(seed);
  const out: X87Case[] = [];
  for (let i = 0; i < n; i++) {
    const a = value(r);
    const b = nearValue(r, a);
    out.push({ fcw: controlWord(r), stack: [a, b] });
  }
  return out;
}

function unaryCases(seed: number, n: number): X87Case[] {
  const r = new Rng(seed);
  const out: X87Case[] = [];
  for (let i = 0; i < n; i++) out.push({ fcw: controlWord(r), stack: [value(r), value(r)] });
  return out;
}

const binaryOps: X87Op[] = [
  { name: 'FADD ST0,ST1', code: [0xd8, 0xc1], emu: (dv, b) => arithReg(dv, b, OP_ADD, 0, 1, false) },
  { name: 'FSUB ST0,ST1', code: [0xd8, 0xe1], emu: (dv, b) => arithReg(dv, b, OP_SUB, 0, 1, false) },
  { name: 'FSUBR ST0,ST1', code: [0xd8, 0xe9], emu: (dv, b) => arithReg(dv, b, OP_SUBR, 0, 1, false) },
  { name: 'FMUL ST0,ST1', code: [0xd8, 0xc9], emu: (dv, b) => arithReg(dv, b, OP_MUL, 0, 1, false) },
  { name: 'FDIV ST0,ST1', code: [0xd8, 0xf1], emu: (dv, b) => arithReg(dv, b, OP_DIV, 0, 1, false) },
  { name: 'FDIVR ST0,ST1', code: [0xd8, 0xf9], emu: (dv, b) => arithReg(dv, b, OP_DIVR, 0, 1, false) },
  { name: 'FSUBP ST1,ST0', code: [0xde, 0xe9], emu: (dv, b) => arithReg(dv, b, OP_SUB, 1, 0, true) },
  { name: 'FSCALE', code: [0xd9, 0xfd], emu: (dv, b) => fscale(dv, b) },
  { name: 'FPREM', code: [0xd9, 0xf8], emu: (dv, b) => fprem(dv, b, false) },
  { name: 'FPREM1', code: [0xd9, 0xf5], emu: (dv, b) => fprem(dv, b, true) },
];

const unaryOps: X87Op[] = [
  { name: 'FSQRT', code: [0xd9, 0xfa], emu: (dv, b) => unary(dv, b, UN_SQRT) },
  { name: 'FRNDINT', code: [0xd9, 0xfc], emu: (dv, b) => unary(dv, b, UN_RNDINT) },
  { name: 'FCHS', code: [0xd9, 0xe0], emu: (dv, b) => unary(dv, b, UN_CHS) },
  { name: 'FABS', code: [0xd9, 0xe1], emu: (dv, b) => unary(dv, b, UN_ABS) },
  { name: 'FXTRACT', code: [0xd9, 0xf4], emu: (dv, b) => fxtract(dv, b) },
];

describe.skipIf(!oracleReady)('x87 arithmetic vs host', () => {
  binaryOps.forEach((op, k) => {
    it(`${op.name} matches the host bit for bit`, () => {
      expect(differential(op, binaryCases(1000 + k, N))).toEqual([]);
    });
  });
  unaryOps.forEach((op, k) => {
    it(`${op.name} matches the host bit for bit`, () => {
      expect(differential(op, unaryCases(2000 + k, N))).toEqual([]);
    });
  });
});
