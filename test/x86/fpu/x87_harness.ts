// Differential harness for the x87 library: build an FXSAVE image holding a register stack,
// run real x87 instruction bytes on the host CPU (test/x86/host_oracle) and the same
// operation through src/x86/fpu, then compare FCW, FSW (flags, C0..C3, TOP, ES, B), the
// abridged tag byte, ST0..ST7 and the first 32 bytes of the data window.

import { runOnHost, emptyHostState, hostOracleAvailable, DATA_BASE } from '../host_oracle/host_oracle.ts';
import type { HostCase } from '../host_oracle/host_oracle.ts';
import { FPU_STATE_BYTES } from '../../../src/x86/fpu/fpu_state.ts';
import { fxrstorX87, fxsaveX87 } from '../../../src/x86/fpu/environment.ts';
import { Rng } from '../../support/rng.ts';

export const deep = process.env.XENTAB_ISA_DEEP === '1';
export const oracleReady = hostOracleAvailable(64);

/** An 80-bit value: se = sign<<15|exponent, hi/lo = significand words. */
export type F80 = [se: number, hi: number, lo: number];

export interface X87Case {
  fcw: number;
  /** Extra FSW bits (flags, C bits) to start with; TOP is derived from the stack depth. */
  fsw?: number;
  /** ST0, ST1, ... (the rest empty). */
  stack: F80[];
  /** Bytes placed at the start of the data window (RDI points there). */
  mem?: Uint8Array;
}

export interface X87Op {
  name: string;
  code: number[];
  /** Emulate on the library state (dv, base) and the data window `m`; returns EFLAGS ZF/PF/CF bits if it sets them. */
  emu: (dv: DataView, b: number, m: DataView) => number | void;
  /** Compare RFLAGS ZF/PF/CF (FCOMI family). */
  eflags?: boolean;
  /**
   * Transcendentals: accept a register that differs from the host by one unit in the last
   * place (then C1, the round-up bit, may differ too). Counts go to `stats`.
   */
  ulpTolerance?: boolean;
  /** Bytes of the data window to compare (default 32); `memMask` lists offsets to skip. */
  memBytes?: number;
  memMask?: readonly number[];
}

export interface Stats {
  cases: number;
  /** Cases where a result register differed by one ulp (accepted under ulpTolerance). */
  oneUlp: number;
  /** Cases with equal values where only C1 (rounded up) differed (accepted under ulpTolerance). */
  c1Only: number;
}

/** Position of a finite extended value on the number line of its sign (adjacent values differ by 1). */
function ordinal(dv: DataView, o: number): bigint | undefined {
  const se = dv.getUint16(o + 8, true);
  const sig = (BigInt(dv.getUint32(o + 4, true)) << 32n) | BigInt(dv.getUint32(o, true));
  const e = se & 0x7fff;
  if (e === 0x7fff) return undefined;
  if (e === 0) return sig; // denormals
  if (!(sig >> 63n)) return undefined;
  return (BigInt(e - 1) << 63n) + sig;
}

export function withinOneUlp(h: DataView, ho: number, l: DataView, lo: number): boolean {
  if ((h.getUint16(ho + 8, true) ^ l.getUint16(lo + 8, true)) & 0x8000) return false;
  const a = ordinal(h, ho),
    b = ordinal(l, lo);
  if (a === undefined || b === undefined) return false;
  const d = a - b;
  return d === 1n || d === -1n;
}

const MEM_CMP = 32;

export function buildImage(c: X87Case): Uint8Array {
  const img = new Uint8Array(512);
  const dv = new DataView(img.buffer);
  const n = c.stack.length;
  const top = (8 - n) & 7;
  dv.setUint16(0, c.fcw, true);
  dv.setUint16(2, ((c.fsw ?? 0) & ~0x3800) | (top << 11), true);
  let tags = 0;
  for (let i = 0; i < n; i++) tags |= 1 << ((top + i) & 7);
  dv.setUint8(4, tags);
  dv.setUint32(24, 0x1f80, true);
  for (let i = 0; i < n; i++) {
    const [se, hi, lo] = c.stack[i]!;
    dv.setUint32(32 + 16 * i, lo >>> 0, true);
    dv.setUint32(36 + 16 * i, hi >>> 0, true);
    dv.setUint16(40 + 16 * i, se, true);
  }
  return img;
}

function hex(v: number, w: number): string {
  return (v >>> 0).toString(16).padStart(w, '0');
}

export function fmt80(img: DataView, o: number): string {
  return `${hex(img.getUint16(o + 8, true), 4)}:${hex(img.getUint32(o + 4, true), 8)}${hex(img.getUint32(o, true), 8)}`;
}

export function fmtCase(c: X87Case): string {
  const st = c.stack.map(([se, hi, lo]) => `${hex(se, 4)}:${hex(hi, 8)}${hex(lo, 8)}`).join(' ');
  const m = c.mem ? ' mem=' + Array.from(c.mem.slice(0, 16), (x) => hex(x, 2)).join('') : '';
  return `fcw=${hex(c.fcw, 4)} st=[${st}]${m}`;
}

/** Run cases for one op on host and library; returns human-readable mismatches (empty when all agree). */
export function differential(op: X87Op, cases: X87Case[], maxReport = 8, stats?: Stats): string[] {
  const hostCases: HostCase[] = cases.map((c) => {
    const state = emptyHostState();
    state.fxsave.set(buildImage(c));
    state.gpr[7] = BigInt(DATA_BASE); // rdi
    if (c.mem) state.mem.set(c.mem);
    return { mode: 64, code: Uint8Array.from(op.code), state };
  });
  const results = runOnHost(hostCases);
  const bad: string[] = [];
  const stateBuf = new DataView(new ArrayBuffer(FPU_STATE_BYTES + 64));
  const base = 32; // a non-zero base, as inside the CPU state block
  const out = new DataView(new ArrayBuffer(512));
  for (let k = 0; k < cases.length; k++) {
    const c = cases[k]!;
    const r = results[k]!;
    if (r.signal !== 'none') {
      bad.push(`${op.name} ${fmtCase(c)}: host signal ${r.signal}`);
      continue;
    }
    const img = new DataView(buildImage(c).buffer);
    fxrstorX87(stateBuf, base, img, 0, true);
    const memBytes = new Uint8Array(0x2000);
    if (c.mem) memBytes.set(c.mem);
    const m = new DataView(memBytes.buffer);
    const fl = op.emu(stateBuf, base, m);
    fxsaveX87(stateBuf, base, out, 0, true);
    const h = new DataView(r.state.fxsave.buffer, r.state.fxsave.byteOffset, 512);
    const diffs: string[] = [];
    let ulpOff = false;
    if (stats) stats.cases++;
    if (op.ulpTolerance) {
      for (let i = 0; i < 8; i++) {
        if (fmt80(h, 32 + 16 * i) !== fmt80(out, 32 + 16 * i) && withinOneUlp(h, 32 + 16 * i, out, 32 + 16 * i)) {
          ulpOff = true;
          // Accept: copy the host value so the exact comparison below passes for this register.
          for (let k = 0; k < 10; k++) out.setUint8(32 + 16 * i + k, h.getUint8(32 + 16 * i + k));
        }
      }
      const c1Differs = ((h.getUint16(2, true) ^ out.getUint16(2, true)) & 0xffff) === 0x0200;
      if (ulpOff || c1Differs) {
        if (stats) {
          if (ulpOff) stats.oneUlp++;
          else stats.c1Only++;
        }
        out.setUint16(2, (out.getUint16(2, true) & ~0x0200) | (h.getUint16(2, true) & 0x0200), true);
      }
    }
    if (h.getUint16(0, true) !== out.getUint16(0, true)) diffs.push(`fcw host ${hex(h.getUint16(0, true), 4)} lib ${hex(out.getUint16(0, true), 4)}`);
    if (h.getUint16(2, true) !== out.getUint16(2, true)) diffs.push(`fsw host ${hex(h.getUint16(2, true), 4)} lib ${hex(out.getUint16(2, true), 4)}`);
    if (h.getUint8(4) !== out.getUint8(4)) diffs.push(`ftw host ${hex(h.getUint8(4), 2)} lib ${hex(out.getUint8(4), 2)}`);
    for (let i = 0; i < 8; i++) {
      const a = fmt80(h, 32 + 16 * i),
        b = fmt80(out, 32 + 16 * i);
      if (a !== b) diffs.push(`st${i} host ${a} lib ${b}`);
    }
    const nMem = op.memBytes ?? MEM_CMP;
    for (let i = 0; i < nMem; i++) {
      if (op.memMask?.includes(i)) continue;
      if (r.state.mem[i] !== memBytes[i]) {
        const from = i & ~15;
        diffs.push(`mem[${from}..] host ${Array.from(r.state.mem.slice(from, from + 16), (x) => hex(x, 2)).join('')} lib ${Array.from(memBytes.slice(from, from + 16), (x) => hex(x, 2)).join('')}`);
        break;
      }
    }
    if (op.eflags) {
      const hf = r.state.rflags & 0x45;
      if (hf !== (fl ?? 0)) diffs.push(`eflags host ${hex(hf, 2)} lib ${hex(fl ?? 0, 2)}`);
    }
    if (diffs.length) bad.push(`${op.name} ${fmtCase(c)}: ${diffs.join('; ')}`);
  }
  if (bad.length > maxReport) return [...bad.slice(0, maxReport), `... ${bad.length - maxReport} more of ${cases.length}`];
  return bad;
}

// ---------------------------------------------------------------------------------------------
// Seeded operand generation

export { Rng };

const BIAS = 16383;

/** A random significand with bit 63 set and a random "shape" of low bits (ties, short mantissas). */
function sig(r: Rng): [number, number] {
  let hi = (r.u32() | 0x80000000) >>> 0;
  let lo = r.u32();
  switch (r.int(6)) {
    case 0: // fits in 24 bits
      hi = (hi & 0xffffff00) >>> 0;
      lo = 0;
      break;
    case 1: // fits in 53 bits
      lo = (lo & 0xfffff800) >>> 0;
      break;
    case 2: // exact tie at 24 or 53 bits
      if (r.int(2)) {
        hi = ((hi & 0xffffff00) | 0x80) >>> 0;
        lo = 0;
      } else lo = ((lo & 0xfffff000) | 0x400) >>> 0;
      break;
    case 3: // all ones
      if (r.int(2)) {
        hi = 0xffffffff;
        lo = 0xffffffff;
      }
      break;
  }
  return [hi, lo];
}

export const KIND_ANY = 0;
export const KIND_FINITE = 1;

/** One operand across the classes of SDM Table 8-3 (weights favour normals). */
export function value(r: Rng, kind = KIND_ANY): F80 {
  const s = r.int(2) << 15;
  const k = kind === KIND_FINITE ? r.int(12) : r.int(20);
  const [hi, lo] = sig(r);
  if (k < 8) return [s | (BIAS - 70 + r.int(140)), hi, lo];
  if (k === 8) return [s | (1 + r.int(70)), hi, lo]; // near underflow
  if (k === 9) return [s | (0x7ffe - r.int(70)), hi, lo]; // near overflow
  if (k === 10) return [s, (hi >>> (r.int(40) + 1)) >>> 0, lo]; // denormal
  if (k === 11) return [s | (BIAS - 10 + r.int(20)), hi, lo];
  if (k === 12) return [s, 0, 0];
  if (k === 13) return [s | 0x7fff, 0x80000000, 0]; // infinity
  if (k === 14) return [s | 0x7fff, (hi | 0xc0000000) >>> 0, lo]; // QNaN
  if (k === 15) return [s | 0x7fff, ((hi & 0xbfffffff) | 0x80000000 | (hi === 0x80000000 && lo === 0 ? 1 : 0)) >>> 0, lo || 1]; // SNaN
  if (k === 16) return [s | (1 + r.int(0x7ffe)), hi & 0x7fffffff, lo]; // unnormal
  if (k === 17) return [s, hi | 0x80000000, lo]; // pseudo-denormal
  if (k === 18) return [s | 0x7fff, hi & 0x7fffffff, lo]; // pseudo-NaN / pseudo-infinity
  return [s | (BIAS + r.int(64)), hi, lo]; // integers-ish range
}

/** A second operand related to the first (same or near exponent) to exercise cancellation and rounding. */
export function nearValue(r: Rng, a: F80): F80 {
  const e = a[0] & 0x7fff;
  if (e === 0 || e === 0x7fff || r.int(3) === 0) return value(r);
  const d = r.pick([0, 0, 1, -1, 2, 23, 24, 25, 52, 53, 54, 63, 64, 65, 66, 100, -64]);
  const ne = Math.min(0x7ffe, Math.max(1, e - d));
  const [hi, lo] = sig(r);
  const s = r.int(2) << 15;
  if (r.int(3) === 0) return [s | ne, a[1], (a[2] + r.int(5) - 2) >>> 0];
  return [s | ne, hi, lo];
}

/** Control words: random RC and PC (including the reserved PC=01), masks all set or a random mix. */
export function controlWord(r: Rng): number {
  const rc = r.int(4) << 10;
  const pc = r.pick([0, 2, 3, 3, 1]) << 8;
  const masks = r.int(4) === 0 ? r.int(64) : 0x3f;
  return 0x40 | rc | pc | masks;
}
