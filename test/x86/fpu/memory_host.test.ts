// Loads and stores of every memory format, memory-operand arithmetic, compares and load
// constants, bit-exact against the host CPU's x87 (RDI points at the operand).
import { describe, it, expect } from 'vitest';
import { differential, value, controlWord, Rng, oracleReady, deep } from './x87_harness.ts';
import type { X87Case, X87Op, F80 } from './x87_harness.ts';
import {
  arithMem,
  compareReg,
  compareMem,
  comiEflags,
  fldValue,
  fldConst,
  fldReg,
  fstMem,
  fstReg,
  fxch,
  ftst,
  fxam,
  OP_ADD,
  OP_MUL,
  OP_DIVR,
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
} from '../../../src/x86/fpu/fpu_ops.ts';
import { float32ToExt, float64ToExt, int64ToExt, bcdToExt, loadInfo, mem } from '../../../src/x86/fpu/convert.ts';
import { fx, FSW_DE } from '../../../src/x86/fpu/float80.ts';

const N = deep ? 20000 : 300;

function stackCases(seed: number, n: number, depth: number, memGen?: (r: Rng) => Uint8Array): X87Case[] {
  const r = new Rng(seed);
  const out: X87Case[] = [];
  for (let i = 0; i < n; i++) {
    const stack: F80[] = [];
    for (let k = 0; k < depth; k++) stack.push(value(r));
    const c: X87Case = { fcw: controlWord(r), stack };
    if (memGen) c.mem = memGen(r);
    out.push(c);
  }
  return out;
}

/** Random float32 bits across classes. */
function f32Bytes(r: Rng): Uint8Array {
  const b = new Uint8Array(16);
  const dv = new DataView(b.buffer);
  const s = r.int(2) << 31;
  const k = r.int(8);
  let bits: number;
  if (k === 0) bits = s | (r.u32() & 0x7fffff); // zero/denormal
  else if (k === 1) bits = s | 0x7f800000 | (r.int(2) ? 0 : r.u32() & 0x7fffff); // inf/NaN
  else bits = s | ((1 + r.int(254)) << 23) | (r.u32() & 0x7fffff);
  dv.setUint32(0, bits >>> 0, true);
  return b;
}

function f64Bytes(r: Rng): Uint8Array {
  const b = new Uint8Array(16);
  const dv = new DataView(b.buffer);
  const s = r.int(2) << 31;
  const k = r.int(8);
  let hi: number;
  if (k === 0) hi = s | (r.u32() & 0xfffff);
  else if (k === 1) hi = s | 0x7ff00000 | (r.int(2) ? 0 : r.u32() & 0xfffff);
  else hi = s | ((1 + r.int(2046)) << 20) | (r.u32() & 0xfffff);
  dv.setUint32(0, k === 1 && (hi & 0xfffff) === 0 && r.int(2) ? 0 : r.u32(), true);
  dv.setUint32(4, hi >>> 0, true);
  return b;
}

function intBytes(r: Rng): Uint8Array {
  const b = new Uint8Array(16);
  const dv = new DataView(b.buffer);
  const k = r.int(4);
  dv.setUint32(0, k === 0 ? 0 : r.u32(), true);
  dv.setUint32(4, k === 1 ? 0 : k === 2 ? 0xffffffff : r.u32(), true);
  return b;
}

function bcdBytes(r: Rng): Uint8Array {
  const b = new Uint8Array(16);
  const nd = r.int(19);
  for (let d = 0; d < nd; d++) b[d >> 1]! |= r.int(10) << (4 * (d & 1));
  b[9] = r.int(2) << 7;
  return b;
}

const memArith = (op: number, loader: (m: DataView) => void): ((dv: DataView, b: number, m: DataView) => void) => {
  return (dv, b, m) => {
    loader(m);
    arithMem(dv, b, op, fx.se, fx.hi, fx.lo, loadInfo.denormal ? FSW_DE : 0);
  };
};
const ld32 = (m: DataView): void => float32ToExt(m.getUint32(0, true));
const ld64 = (m: DataView): void => float64ToExt(m.getUint32(0, true), m.getUint32(4, true));
const ldI16 = (m: DataView): void => {
  loadInfo.denormal = false;
  const v = m.getInt16(0, true);
  int64ToExt(v, v < 0 ? -1 : 0);
};
const ldI32 = (m: DataView): void => {
  loadInfo.denormal = false;
  const v = m.getInt32(0, true);
  int64ToExt(v, v < 0 ? -1 : 0);
};
const ldI64 = (m: DataView): void => {
  loadInfo.denormal = false;
  int64ToExt(m.getUint32(0, true), m.getUint32(4, true));
};

function store(fmt: number, pop: boolean): (dv: DataView, b: number, m: DataView) => void {
  return (dv, b, m) => {
    if (!fstMem(dv, b, fmt, pop)) return;
    switch (fmt) {
      case FMT_F32:
        m.setUint32(0, mem.lo, true);
        break;
      case FMT_I16:
      case FMT_I16_TRUNC:
        m.setUint16(0, mem.lo, true);
        break;
      case FMT_I32:
      case FMT_I32_TRUNC:
        m.setUint32(0, mem.lo, true);
        break;
      case FMT_F80:
      case FMT_BCD:
        m.setUint32(0, mem.lo, true);
        m.setUint32(4, mem.hi, true);
        m.setUint16(8, mem.top, true);
        break;
      default:
        m.setUint32(0, mem.lo, true);
        m.setUint32(4, mem.hi, true);
    }
  };
}

interface Group {
  op: X87Op;
  depth: number;
  mem?: (r: Rng) => Uint8Array;
}

const groups: Group[] = [
  { op: { name: 'FADD m32', code: [0xd8, 0x07], emu: memArith(OP_ADD, ld32) }, depth: 1, mem: f32Bytes },
  { op: { name: 'FMUL m64', code: [0xdc, 0x0f], emu: memArith(OP_MUL, ld64) }, depth: 1, mem: f64Bytes },
  { op: { name: 'FDIVR m64', code: [0xdc, 0x3f], emu: memArith(OP_DIVR, ld64) }, depth: 1, mem: f64Bytes },
  { op: { name: 'FIADD m16', code: [0xde, 0x07], emu: memArith(OP_ADD, ldI16) }, depth: 1, mem: intBytes },
  { op: { name: 'FIMUL m32', code: [0xda, 0x0f], emu: memArith(OP_MUL, ldI32) }, depth: 1, mem: intBytes },
  {
    op: { name: 'FLD m32', code: [0xd9, 0x07], emu: (dv, b, m) => (ld32(m), fldValue(dv, b, fx.se, fx.hi, fx.lo, true, loadInfo.denormal ? FSW_DE : 0)) },
    depth: 2,
    mem: f32Bytes,
  },
  {
    op: { name: 'FLD m64', code: [0xdd, 0x07], emu: (dv, b, m) => (ld64(m), fldValue(dv, b, fx.se, fx.hi, fx.lo, true, loadInfo.denormal ? FSW_DE : 0)) },
    depth: 7,
    mem: f64Bytes,
  },
  {
    op: { name: 'FLD m80', code: [0xdb, 0x2f], emu: (dv, b, m) => fldValue(dv, b, m.getUint16(8, true), m.getUint32(4, true), m.getUint32(0, true), false, 0) },
    depth: 8,
    mem: (r) => {
      const b = new Uint8Array(16);
      const [se, hi, lo] = value(r);
      const dv = new DataView(b.buffer);
      dv.setUint32(0, lo, true);
      dv.setUint32(4, hi, true);
      dv.setUint16(8, se, true);
      return b;
    },
  },
  { op: { name: 'FILD m64', code: [0xdf, 0x2f], emu: (dv, b, m) => (ldI64(m), fldValue(dv, b, fx.se, fx.hi, fx.lo, false, 0)) }, depth: 1, mem: intBytes },
  {
    op: { name: 'FBLD', code: [0xdf, 0x27], emu: (dv, b, m) => (bcdToExt(m.getUint32(0, true), m.getUint32(4, true), m.getUint16(8, true)), fldValue(dv, b, fx.se, fx.hi, fx.lo, false, 0)) },
    depth: 1,
    mem: bcdBytes,
  },
  { op: { name: 'FST m32', code: [0xd9, 0x17], emu: store(FMT_F32, false) }, depth: 1 },
  { op: { name: 'FSTP m64', code: [0xdd, 0x1f], emu: store(FMT_F64, true) }, depth: 2 },
  { op: { name: 'FSTP m80', code: [0xdb, 0x3f], emu: store(FMT_F80, true) }, depth: 1 },
  { op: { name: 'FIST m16', code: [0xdf, 0x17], emu: store(FMT_I16, false) }, depth: 1 },
  { op: { name: 'FISTP m32', code: [0xdb, 0x1f], emu: store(FMT_I32, true) }, depth: 1 },
  { op: { name: 'FISTP m64', code: [0xdf, 0x3f], emu: store(FMT_I64, true) }, depth: 1 },
  { op: { name: 'FISTTP m16', code: [0xdf, 0x0f], emu: store(FMT_I16_TRUNC, true) }, depth: 1 },
  { op: { name: 'FISTTP m32', code: [0xdb, 0x0f], emu: store(FMT_I32_TRUNC, true) }, depth: 1 },
  { op: { name: 'FISTTP m64', code: [0xdd, 0x0f], emu: store(FMT_I64_TRUNC, true) }, depth: 1 },
  { op: { name: 'FBSTP', code: [0xdf, 0x37], emu: store(FMT_BCD, true) }, depth: 1 },
  { op: { name: 'FCOM ST1', code: [0xd8, 0xd1], emu: (dv, b) => void compareReg(dv, b, 1, false, 0, false) }, depth: 2 },
  { op: { name: 'FUCOMPP', code: [0xda, 0xe9], emu: (dv, b) => void compareReg(dv, b, 1, true, 2, false) }, depth: 2 },
  { op: { name: 'FCOMIP ST0,ST1', code: [0xdf, 0xf1], emu: (dv, b) => (compareReg(dv, b, 1, false, 1, true), comiEflags()), eflags: true }, depth: 2 },
  { op: { name: 'FUCOMI ST0,ST1', code: [0xdb, 0xe9], emu: (dv, b) => (compareReg(dv, b, 1, true, 0, true), comiEflags()), eflags: true }, depth: 2 },
  {
    op: { name: 'FCOMP m32', code: [0xd8, 0x1f], emu: (dv, b, m) => (ld32(m), void compareMem(dv, b, fx.se, fx.hi, fx.lo, loadInfo.denormal ? FSW_DE : 0, 1)) },
    depth: 1,
    mem: f32Bytes,
  },
  { op: { name: 'FTST', code: [0xd9, 0xe4], emu: (dv, b) => void ftst(dv, b) }, depth: 1 },
  { op: { name: 'FXAM', code: [0xd9, 0xe5], emu: (dv, b) => fxam(dv, b) }, depth: 1 },
  { op: { name: 'FLD ST1', code: [0xd9, 0xc1], emu: (dv, b) => fldReg(dv, b, 1) }, depth: 2 },
  { op: { name: 'FSTP ST2', code: [0xdd, 0xda], emu: (dv, b) => fstReg(dv, b, 2, true) }, depth: 2 },
  { op: { name: 'FXCH ST1', code: [0xd9, 0xc9], emu: (dv, b) => fxch(dv, b, 1) }, depth: 2 },
];

describe.skipIf(!oracleReady)('x87 memory formats, compares and stack vs host', () => {
  groups.forEach((g, k) => {
    it(`${g.op.name} matches the host bit for bit`, () => {
      // Depth varies around the nominal one so empty registers (stack faults) and full stacks occur.
      const r = new Rng(7000 + k);
      const cases = stackCases(3000 + k, N, g.depth, g.mem).map((c) => {
        if (r.int(16) === 0) c.stack = c.stack.slice(0, r.int(c.stack.length + 1));
        if (r.int(16) === 0) while (c.stack.length < 8) c.stack.push(value(r));
        return c;
      });
      expect(differential(g.op, cases)).toEqual([]);
    });
  });

  it('FLD1/FLDL2T/FLDL2E/FLDPI/FLDLG2/FLDLN2/FLDZ match the host in every rounding mode', () => {
    for (let k = 0; k < 7; k++) {
      const op: X87Op = { name: `D9 ${(0xe8 + k).toString(16)}`, code: [0xd9, 0xe8 + k], emu: (dv, b) => fldConst(dv, b, k) };
      const cases: X87Case[] = [0, 1, 2, 3].flatMap((rc) => [
        { fcw: 0x037f | (rc << 10), stack: [] },
        { fcw: 0x007f | (rc << 10), stack: [[0x3fff, 0x80000000, 0] as F80] },
        { fcw: 0x037e | (rc << 10), stack: Array.from({ length: 8 }, () => [0x3fff, 0x80000000, 0] as F80) },
      ]);
      expect(differential(op, cases)).toEqual([]);
    }
  });
});
