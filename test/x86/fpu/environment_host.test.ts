// FNSTENV/FLDENV/FNSAVE/FRSTOR (16- and 32-bit protected-mode images, the forms 64-bit user
// code can run), FXSAVE's x87 part and the control instructions (FNINIT, FNCLEX, FLDCW,
// FINCSTP, FDECSTP, FFREE), against the host CPU.
import { describe, it, expect } from 'vitest';
import { differential, value, Rng, oracleReady, deep } from './x87_harness.ts';
import type { X87Case, X87Op, F80 } from './x87_harness.ts';
import { fstenv, fldenv, fsave, frstor, fxsaveX87 } from '../../../src/x86/fpu/environment.ts';
import { fninit, fnclex, addTop, freeSt, mmxEnter, mmxWritten, mmxOffset, emms } from '../../../src/x86/fpu/fpu_state.ts';
import { fldcw } from '../../../src/x86/fpu/fpu_ops.ts';

const N = deep ? 3000 : 100;

/**
 * A register stack of random depth with random status flags and control word. With `waiting`
 * (instructions that first check for pending exceptions) no unmasked exception is pending:
 * that would be #MF, which the CPU core delivers, not this library.
 */
function stateCases(seed: number, waiting: boolean, memGen?: (r: Rng) => Uint8Array): X87Case[] {
  const r = new Rng(seed);
  const out: X87Case[] = [];
  for (let i = 0; i < N; i++) {
    const stack: F80[] = [];
    const depth = r.int(9);
    for (let k = 0; k < depth; k++) stack.push(value(r));
    const c: X87Case = { fcw: 0x40 | (r.int(4) << 10) | (r.pick([0, 2, 3]) << 8) | (r.int(3) === 0 ? r.int(64) : 0x3f), fsw: r.u32() & 0x477f, stack };
    // Keep ES consistent with flags and masks, as a real state would be.
    if (c.fsw! & ~c.fcw & 0x3f) {
      if (waiting) c.fsw! &= ~0x3f;
      else c.fsw! |= 0x8080;
    }
    if (memGen) c.mem = memGen(r);
    out.push(c);
  }
  return out;
}

/** A random environment (+ registers) image to load. */
function envImage(op32: boolean, withRegs: boolean): (r: Rng) => Uint8Array {
  return (r) => {
    const b = new Uint8Array(128);
    const dv = new DataView(b.buffer);
    const fcw = 0x40 | (r.int(4) << 10) | (r.pick([0, 2, 3]) << 8) | (r.int(2) ? r.int(64) : 0x3f);
    // No unmasked exception pending after the load (else the next instruction raises #MF).
    let fsw = r.u32() & 0x7fff & ~0x80;
    fsw &= ~(0x3f & ~fcw);
    const ftw = r.int(4) === 0 ? 0xffff : r.u32() & 0xffff;
    const step = op32 ? 4 : 2;
    if (op32) {
      dv.setUint32(0, fcw | (r.u32() & 0xffff0000), true);
      dv.setUint32(4, fsw | (r.u32() & 0xffff0000), true);
      dv.setUint32(8, ftw | (r.u32() & 0xffff0000), true);
    } else {
      dv.setUint16(0, fcw, true);
      dv.setUint16(2, fsw, true);
      dv.setUint16(4, ftw, true);
    }
    for (let o = 3 * step; o < 7 * step; o += 2) dv.setUint16(o, r.u32() & 0xffff, true);
    if (withRegs) {
      const base = 7 * step;
      for (let i = 0; i < 8; i++) {
        const [se, hi, lo] = value(r);
        dv.setUint32(base + 10 * i, lo, true);
        dv.setUint32(base + 10 * i + 4, hi, true);
        dv.setUint16(base + 10 * i + 8, se, true);
      }
    }
    return b;
  };
}

// FIP/FOP/FDP are the CPU core's to maintain (and AMD leaves them stale across FXRSTOR), so
// the pointer fields of stored images are not compared.
const ENV32_POINTERS = [12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25];
const ENV16_POINTERS = [6, 7, 8, 9, 10, 11, 12, 13];

const ops: { op: X87Op; mem?: (r: Rng) => Uint8Array; waiting?: boolean }[] = [
  { op: { name: 'FNSTENV m28', code: [0xd9, 0x37], emu: (dv, b, m) => fstenv(dv, b, m, 0, true, false), memBytes: 28, memMask: ENV32_POINTERS } },
  { op: { name: 'FNSTENV m14', code: [0x66, 0xd9, 0x37], emu: (dv, b, m) => fstenv(dv, b, m, 0, false, false), memBytes: 14, memMask: ENV16_POINTERS } },
  { op: { name: 'FNSAVE m108', code: [0xdd, 0x37], emu: (dv, b, m) => fsave(dv, b, m, 0, true, false), memBytes: 108, memMask: ENV32_POINTERS } },
  { op: { name: 'FNSAVE m94', code: [0x66, 0xdd, 0x37], emu: (dv, b, m) => fsave(dv, b, m, 0, false, false), memBytes: 94, memMask: ENV16_POINTERS } },
  { op: { name: 'FLDENV m28', code: [0xd9, 0x27], emu: (dv, b, m) => fldenv(dv, b, m, 0, true, false) }, mem: envImage(true, false) },
  { op: { name: 'FLDENV m14', code: [0x66, 0xd9, 0x27], emu: (dv, b, m) => fldenv(dv, b, m, 0, false, false) }, mem: envImage(false, false) },
  { op: { name: 'FRSTOR m108', code: [0xdd, 0x27], emu: (dv, b, m) => frstor(dv, b, m, 0, true, false) }, mem: envImage(true, true) },
  { op: { name: 'FRSTOR m94', code: [0x66, 0xdd, 0x27], emu: (dv, b, m) => frstor(dv, b, m, 0, false, false) }, mem: envImage(false, true) },
  {
    op: {
      name: 'FXSAVE (x87 part)',
      code: [0x0f, 0xae, 0x07],
      emu: (dv, b, m) => {
        fxsaveX87(dv, b, m, 0, false);
        m.setUint32(24, 0x1f80, true); // MXCSR (the SIMD unit's)
        m.setUint32(28, 0xffff, true); // MXCSR_MASK of this host
      },
      memBytes: 160,
      memMask: [6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 28, 29, 30, 31],
    },
  },
  { op: { name: 'FNINIT', code: [0xdb, 0xe3], emu: (dv, b) => fninit(dv, b) } },
  { op: { name: 'FNCLEX', code: [0xdb, 0xe2], emu: (dv, b) => fnclex(dv, b) } },
  { op: { name: 'FINCSTP', code: [0xd9, 0xf7], emu: (dv, b) => addTop(dv, b, 1) } },
  { op: { name: 'FDECSTP', code: [0xd9, 0xf6], emu: (dv, b) => addTop(dv, b, -1) } },
  { op: { name: 'FFREE ST2', code: [0xdd, 0xc2], emu: (dv, b) => freeSt(dv, b, 2) } },
  {
    // MMX aliasing: MOVQ mm3, [rdi] sets TOP = 0, tags all valid, R3 = FFFFh:value. (MMX
    // instructions are waiting ones: a pending x87 exception would raise #MF first.)
    op: {
      name: 'MOVQ mm3,m64',
      code: [0x0f, 0x6f, 0x1f],
      emu: (dv, b, m) => {
        mmxEnter(dv, b);
        dv.setUint32(b + mmxOffset(3), m.getUint32(0, true), true);
        dv.setUint32(b + mmxOffset(3) + 4, m.getUint32(4, true), true);
        mmxWritten(dv, b, 3);
      },
    },
    mem: (r) => Uint8Array.from({ length: 8 }, () => r.int(256)),
  },
  { op: { name: 'EMMS', code: [0x0f, 0x77], emu: (dv, b) => emms(dv, b) } },
  {
    op: { name: 'FLDCW', code: [0xd9, 0x2f], emu: (dv, b, m) => fldcw(dv, b, m.getUint16(0, true)) },
    mem: (r) => Uint8Array.of(r.int(256) | 0x3f, r.int(256)),
  },
];

describe.skipIf(!oracleReady)('x87 environment and control vs host', () => {
  ops.forEach((t, k) => {
    it(`${t.op.name} matches the host`, () => {
      const waiting = t.waiting ?? (!t.op.name.startsWith('FN') && !t.op.name.startsWith('FX'));
      expect(differential(t.op, stateCases(9000 + k, waiting, t.mem))).toEqual([]);
    });
  });
});
