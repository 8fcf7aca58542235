// Differential testing of src/x86/simd against the host CPU (test/x86/host_oracle): each case is
// one real instruction run natively on an FXSAVE image and, in the emulator, the library call
// on a copy of the same image (MXCSR at byte 24, XMM0-15 at 160 + 16·n, as in FXSAVE).
// XMM0-15 and MXCSR are compared bit for bit, plus #XM against SIGFPE, and the GPRs and
// EFLAGS bits a spec names.

import { expect } from 'vitest';
import { emptyHostState, hostOracleAvailable, hostOracleUnavailableReason, runOnHost } from '../host_oracle/host_oracle.ts';
import type { HostCase, HostResult } from '../host_oracle/host_oracle.ts';
import { SimdRegs } from '../../../src/x86/simd/simd_regs.ts';
import { Rng } from '../../support/rng.ts';

export const MXCSR_AT = 24;
export const xmm = (n: number): number => 160 + 16 * n;
/** MMX register n in the FXSAVE image (ST/MM slots at 32 + 16·n). */
export const mm = (n: number): number => 32 + 16 * n;

export const DEEP = process.env['XENTAB_ISA_DEEP'] === '1';

/** Host availability check shared by all SIMD differential tests. */
export function hostReady(): boolean {
  if (!hostOracleAvailable(64)) {
    console.log(`simd differential tests skipped: ${hostOracleUnavailableReason(64)}`);
    return false;
  }
  return true;
}

export interface EmuState {
  /** General registers (rax rcx rdx rbx rsp rbp rsi rdi r8..r15) — read and written by the emulated instruction. */
  gpr: BigUint64Array;
  rflags: number;
}

export interface Spec {
  name: string;
  /** Instruction bytes run on the host. */
  code: number[];
  /** The emulator side: returns SIMD_XM (-1) when it reports #XM. */
  emu: (r: SimdRegs, st: EmuState) => number;
  /** GPR indices to compare. */
  gprs?: number[];
  /** EFLAGS bits to compare. */
  flags?: number;
  /** Compare only these XMM registers (default all 16). */
  xmms?: number[];
  /** The instruction touches MMX state (host sets the x87 tag word; compare MM0-7 instead of the x87 header). */
  mmx?: boolean;
}

export interface Input {
  fx: Uint8Array;
  gpr?: bigint[];
  rflags?: number;
}

// ---- seeded generation ---------------------------------------------------------------------------

export { Rng };

const F32_EDGES = [
  0x00000000, 0x80000000, 0x3f800000, 0xbf800000, 0x00000001, 0x80000001, 0x007fffff, 0x807fffff, 0x00800000,
  0x80800000, 0x7f7fffff, 0xff7fffff, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x7fc12345, 0xffd54321,
  0x7f800001, 0xff800001, 0x7fa00000, 0xffb12345, 0x3fc00000, 0x40400000, 0x3dcccccd, 0x00400000, 0x00c00000,
  0x4b000000, 0x4b7fffff, 0x3effffff, 0x3f000000, 0x4effffff, 0x4f000000, 0xcf000000, 0xcf000001, 0x5effffff,
  0x5f000000, 0xdf000000, 0x3f800001, 0x3fffffff, 0x0b800000, 0x33800000, 0x34000000, 0x7e800000, 0x01000000,
];

const F64_EDGES: Array<[number, number]> = [
  [0, 0], [0, 0x80000000], [0, 0x3ff00000], [0, 0xbff00000], [1, 0], [1, 0x80000000], [0xffffffff, 0x000fffff],
  [0, 0x00100000], [0, 0x80100000], [0xffffffff, 0x7fefffff], [0xffffffff, 0xffefffff], [0, 0x7ff00000],
  [0, 0xfff00000], [0, 0x7ff80000], [0, 0xfff80000], [0x12345678, 0x7ff81234], [1, 0x7ff00000], [0, 0x7ff40000],
  [0x9abcdef0, 0xfff12345], [0, 0x3ff80000], [0x9999999a, 0x3fb99999], [0, 0x43300000], [0xffffffff, 0x433fffff],
  [0, 0x3fe00000], [0xffffffff, 0x3fdfffff], [0, 0x41e00000], [0, 0xc1e00000], [0x00200000, 0xc1e00000],
  [0xffe00000, 0x41dfffff], [0, 0x43e00000], [0, 0xc3e00000], [0xffffffff, 0x43dfffff], [0, 0x00080000],
  [0, 0x36a00000], [0, 0x3690000], [0xe0000000, 0x47efffff], [0xf0000000, 0x47efffff], [0, 0x38100000],
  [0, 0x36980000], [0x10000000, 0x36a00000], [1, 0x3ff00000],
];

/** A binary32 bit pattern: edges, random bits, or values whose exponents interact. */
export function genF32(rng: Rng): number {
  const r = rng.int(10);
  if (r < 2) return rng.pick(F32_EDGES) | 0;
  if (r < 3) return rng.u32() | 0;
  const sign = rng.chance(0.5) ? 0x80000000 : 0;
  const regime = rng.int(5);
  const e =
    regime === 0 ? 117 + rng.int(20) : regime === 1 ? 1 + rng.int(60) : regime === 2 ? 200 + rng.int(55) : regime === 3 ? 60 + rng.int(10) : rng.int(256);
  let m = rng.u32() & 0x7fffff;
  if (rng.chance(0.3)) m &= 0x7fffff << rng.int(24);
  return (sign | (Math.min(e, 254) << 23) | m) | 0;
}

/** A binary64 bit pattern as [lo, hi]. */
export function genF64(rng: Rng): [number, number] {
  const r = rng.int(10);
  if (r < 2) {
    const [lo, hi] = rng.pick(F64_EDGES);
    return [lo | 0, hi | 0];
  }
  if (r < 3) return [rng.u32() | 0, rng.u32() | 0];
  const sign = rng.chance(0.5) ? 0x80000000 : 0;
  const regime = rng.int(6);
  const e =
    regime === 0 ? 1013 + rng.int(20) : regime === 1 ? 1 + rng.int(80) : regime === 2 ? 1950 + rng.int(96) : regime === 3 ? 500 + rng.int(20) : regime === 4 ? 1023 - 150 + rng.int(300) : rng.int(2047);
  let mhi = rng.u32() & 0xfffff;
  let mlo = rng.u32() | 0;
  if (rng.chance(0.3)) {
    const cut = rng.int(53);
    if (cut >= 32) {
      mlo = 0;
      mhi &= 0xfffff << (cut - 32);
    } else mlo &= -1 << cut;
  }
  return [mlo, (sign | (Math.min(e, 2046) << 20) | mhi) | 0];
}

/** MXCSR: every rounding mode, FTZ/DAZ on and off, mostly masked, sometimes unmasked or with sticky flags. */
export function genMxcsr(rng: Rng): number {
  let m = 0x1f80 | (rng.int(4) << 13);
  if (rng.chance(0.25)) m |= 0x8000;
  if (rng.chance(0.25)) m |= 0x40;
  if (rng.chance(0.2)) m &= ~(rng.u32() & 0x1f80);
  if (rng.chance(0.1)) m |= rng.u32() & 0x3f;
  return m;
}

export type Lane = 'f32' | 'f64' | 'int' | 'i8' | 'i16';

/** A full FXSAVE image with XMM0-15 filled with lanes of the given kind and a random MXCSR. */
export function genImage(rng: Rng, lane: Lane): Uint8Array {
  const st = emptyHostState();
  const fx = st.fxsave;
  const dv = new DataView(fx.buffer, fx.byteOffset);
  dv.setUint32(MXCSR_AT, genMxcsr(rng), true);
  for (let r = 0; r < 16; r++) {
    for (let w = 0; w < 4; w++) {
      const o = xmm(r) + 4 * w;
      if (lane === 'f32') dv.setInt32(o, genF32(rng), true);
      else if (lane === 'f64') {
        if ((w & 1) === 0) {
          const [lo, hi] = genF64(rng);
          dv.setInt32(o, lo, true);
          dv.setInt32(o + 4, hi, true);
        }
      } else dv.setInt32(o, genIntWord(rng), true);
    }
  }
  // MMX registers (low 64 bits of the x87 slots; exponent field all ones as after an MMX write).
  for (let r = 0; r < 8; r++) {
    dv.setInt32(mm(r), genIntWord(rng), true);
    dv.setInt32(mm(r) + 4, genIntWord(rng), true);
    if (lane === 'f32' && rng.chance(0.5)) {
      dv.setInt32(mm(r), genF32(rng), true);
      dv.setInt32(mm(r) + 4, genF32(rng), true);
    }
    dv.setUint16(mm(r) + 8, 0xffff, true);
  }
  return fx;
}

const INT_EDGES = [0, -1, 1, 0x7fffffff, 0x80000000 | 0, 0x7fff7fff, 0x80008000 | 0, 0x7f7f7f7f, 0x80808080 | 0, 0xffff0000 | 0, 0x0000ffff, 0xff00ff00 | 0, 0x00010001, 0x01010101];

/** A 64-bit integer operand for GPR sources: edges, powers of two ± small, random widths. */
export function genInt64(rng: Rng): bigint {
  const r = rng.int(5);
  if (r === 0) return BigInt.asUintN(64, BigInt(rng.pick([0, 1, -1, 0x7fffffff, -0x80000000, 0x1000001, 0xffffff, 0x20000001, -0x20000001])));
  if (r === 1) return rng.pick([0x7fffffffffffffffn, 0x8000000000000000n, 0xffffffff00000000n, 0x0020000000000001n, 0x8000000000000001n, 0x7ffffe0000000000n]);
  if (r === 2) {
    const k = rng.int(64);
    return BigInt.asUintN(64, (1n << BigInt(k)) + BigInt(rng.int(5)) - 2n) ^ (rng.chance(0.5) ? 0n : 0xffffffffffffffffn);
  }
  const v = (BigInt(rng.u32()) << 32n) | BigInt(rng.u32());
  return v >> BigInt(rng.int(64));
}

export function genIntWord(rng: Rng): number {
  const r = rng.int(4);
  if (r === 0) return rng.pick(INT_EDGES);
  if (r === 1) {
    // bytes from an edge set
    let w = 0;
    for (let i = 0; i < 4; i++) w |= rng.pick([0, 1, 0x7f, 0x80, 0xff, 0xfe, 0x81, 0x40]) << (8 * i);
    return w | 0;
  }
  return rng.u32() | 0;
}

// ---- running ---------------------------------------------------------------------------------------

export interface Mismatch {
  index: number;
  detail: string;
}

const hex = (b: Uint8Array, o: number, n: number): string => Array.from(b.subarray(o, o + n), (x) => x.toString(16).padStart(2, '0')).reverse().join('');

/** Run every input through the host and the emulator; return the mismatches (empty = all agree). */
export function compare(spec: Spec, inputs: Input[]): Mismatch[] {
  return compareMany([[spec, inputs]])[0]!;
}

/** Several specs in ONE host-runner call (a runner process per call is the slow part). */
export function compareMany(items: Array<[Spec, Input[]]>): Mismatch[][] {
  const cases: HostCase[] = [];
  for (const [spec, inputs] of items) {
    for (const inp of inputs) {
      const st = emptyHostState();
      st.fxsave.set(inp.fx);
      if (inp.gpr) inp.gpr.forEach((v, i) => (st.gpr[i] = v));
      st.rflags = inp.rflags ?? 0;
      cases.push({ mode: 64, code: Uint8Array.from(spec.code), state: st });
    }
  }
  const hostAll = runOnHost(cases);
  let at = 0;
  return items.map(([spec, inputs]) => {
    const host = hostAll.slice(at, at + inputs.length);
    at += inputs.length;
    return compareWith(spec, inputs, host);
  });
}

function compareWith(spec: Spec, inputs: Input[], host: HostResult[]): Mismatch[] {
  const bad: Mismatch[] = [];
  inputs.forEach((inp, i) => {
    const buf = new ArrayBuffer(512);
    const img = new Uint8Array(buf);
    img.set(inp.fx);
    const regs = new SimdRegs(buf, MXCSR_AT);
    const gpr = new BigUint64Array(16);
    if (inp.gpr) inp.gpr.forEach((v, k) => (gpr[k] = v));
    const st: EmuState = { gpr, rflags: inp.rflags ?? 0 };
    const xm = spec.emu(regs, st) === -1;
    const h = host[i]!;
    const problems: string[] = [];
    const hxm = h.signal === 'SIGFPE';
    if (h.signal !== 'none' && !hxm) problems.push(`host signal ${h.signal}`);
    if (hxm !== xm) problems.push(`#XM host=${hxm} emu=${xm}`);
    const hf = h.state.fxsave;
    const hm = new DataView(hf.buffer, hf.byteOffset).getUint32(MXCSR_AT, true);
    const em = new DataView(buf).getUint32(MXCSR_AT, true);
    if (hm !== em) problems.push(`MXCSR host=${hm.toString(16)} emu=${em.toString(16)}`);
    for (const r of spec.xmms ?? [...Array(16).keys()]) {
      const a = hex(hf, xmm(r), 16);
      const b = hex(img, xmm(r), 16);
      if (a !== b) problems.push(`xmm${r} host=${a} emu=${b}`);
    }
    if (spec.mmx) {
      for (let r = 0; r < 8; r++) {
        const a = hex(hf, mm(r), 8);
        const b = hex(img, mm(r), 8);
        if (a !== b) problems.push(`mm${r} host=${a} emu=${b}`);
      }
    }
    for (const g of spec.gprs ?? []) {
      if (h.state.gpr[g] !== gpr[g]) problems.push(`gpr${g} host=${h.state.gpr[g]!.toString(16)} emu=${gpr[g]!.toString(16)}`);
    }
    if (spec.flags !== undefined && !hxm && ((h.state.rflags ^ st.rflags) & spec.flags) !== 0) {
      problems.push(`rflags host=${(h.state.rflags & spec.flags).toString(16)} emu=${(st.rflags & spec.flags).toString(16)}`);
    }
    if (problems.length > 0) {
      const ins: string[] = [`mxcsr=${new DataView(inp.fx.buffer, inp.fx.byteOffset).getUint32(MXCSR_AT, true).toString(16)}`];
      for (let r = 0; r < 3; r++) ins.push(`xmm${r}=${hex(inp.fx, xmm(r), 16)}`);
      if (spec.mmx) for (let r = 0; r < 2; r++) ins.push(`mm${r}=${hex(inp.fx, mm(r), 8)}`);
      if (inp.gpr) ins.push(`gpr=${inp.gpr.slice(0, 3).map((v) => v.toString(16)).join(',')}`);
      bad.push({ index: i, detail: `${spec.name} [${ins.join(' ')}]: ${problems.join('; ')}` });
    }
  });
  return bad;
}

/** Counts per spec, printed by each test file at the end (for the report). */
export const tally = new Map<string, { cases: number; mismatches: number }>();

/** Compare and assert zero mismatches, printing the first few for diagnosis. */
export function expectAgree(spec: Spec, inputs: Input[]): void {
  const bad = compare(spec, inputs);
  const t = tally.get(spec.name) ?? { cases: 0, mismatches: 0 };
  t.cases += inputs.length;
  t.mismatches += bad.length;
  tally.set(spec.name, t);
  if (bad.length > 0) console.log(bad.slice(0, 8).map((b) => b.detail).join('\n'));
  expect(bad.length, `${spec.name}: ${bad.length}/${inputs.length} mismatches`).toBe(0);
}

/** Collects specs and checks them all with one host call. */
export class Batch {
  private readonly items: Array<[Spec, Input[]]> = [];
  add(spec: Spec, inputs: Input[]): void {
    this.items.push([spec, inputs]);
  }
  /** Compare everything collected and assert zero mismatches. */
  expectAll(): void {
    const results = compareMany(this.items);
    const lines: string[] = [];
    let total = 0;
    this.items.forEach(([spec, inputs], k) => {
      const bad = results[k]!;
      const t = tally.get(spec.name) ?? { cases: 0, mismatches: 0 };
      t.cases += inputs.length;
      t.mismatches += bad.length;
      tally.set(spec.name, t);
      total += bad.length;
      for (const b of bad.slice(0, 3)) lines.push(b.detail);
    });
    if (lines.length > 0) console.log(lines.slice(0, 12).join('\n'));
    expect(total, `${total} mismatches`).toBe(0);
  }
}

/** Number of random cases per spec: a fast slice by default, many more with XENTAB_ISA_DEEP=1. */
export function caseCount(fast: number): number {
  return DEEP ? fast * 40 : fast;
}
