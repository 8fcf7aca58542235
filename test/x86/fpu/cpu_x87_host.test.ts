// Every x87 row of the opcode table executed by the CPU (decoder -> exec/x87.ts -> library)
// in 64- and 32-bit mode against the host: unlike the integer ISA differential this compares
// the whole x87 state (FCW, FSW, tags, ST0-7) as well as GPRs, arithmetic flags, the data
// window and faults (#MF from a pending unmasked exception is SIGFPE on the host).
import { describe, it, expect } from 'vitest';
import { runOnHost, emptyHostState, hostOracleAvailable, DATA_BASE, DATA_SIZE, CODE_BASE } from '../host_oracle/host_oracle.ts';
import type { HostCase } from '../host_oracle/host_oracle.ts';
import { FlatMachine } from '../support/flat_machine.ts';
import { Exit } from '../../../src/x86/cpu.ts';
import { FPU, RFLAGS, LAZY_MASK, SEG, CR0 } from '../../../src/x86/state_layout.ts';
import { getFlags } from '../../../src/x86/flags.ts';
import { OPCODES } from '../../../src/x86/opcodes/table.ts';
import { Mod } from '../../../src/x86/opcodes/table_types.ts';
import { fxrstorX87, fxsaveX87 } from '../../../src/x86/fpu/environment.ts';
import { buildImage, fmt80, value, controlWord, Rng, deep, withinOneUlp } from './x87_harness.ts';
import type { F80 } from './x87_harness.ts';

const PER_ROW = deep ? 400 : 6;
const ready64 = hostOracleAvailable(64);
const ready32 = hostOracleAvailable(32);

let machine: FlatMachine | null = null;

interface Outcome {
  fx: Uint8Array;
  gpr: bigint[];
  flags: number;
  mem: Uint8Array;
  signal: string;
}

function emulate(c: HostCase): Outcome {
  machine ??= new FlatMachine([[DATA_BASE, DATA_SIZE], [CODE_BASE, 0x4000]]);
  const m = machine;
  const cpu = m.cpu;
  cpu.setFlatMode(c.mode, 3);
  const s = cpu.s32;
  s[CR0 >> 2] = (s[CR0 >> 2]! | 0x20) & ~0xc; // NE = 1 (#MF), EM = TS = 0, as under Linux
  const sel = c.mode === 64 ? [0, 0x33, 0x2b, 0, 0, 0] : [0x2b, 0x23, 0x2b, 0x2b, 0, 0x63];
  for (let k = 0; k < 6; k++) s[(SEG >> 2) + k * 8] = sel[k]!;
  for (let k = 0; k < 16; k++) {
    const v = c.mode === 32 && k >= 8 ? 0n : c.state.gpr[k]!;
    s[2 * k] = Number(v & 0xffffffffn) | 0;
    s[2 * k + 1] = c.mode === 32 ? 0 : Number((v >> 32n) & 0xffffffffn) | 0;
  }
  s[RFLAGS >> 2] = (c.state.rflags & 0xcd5) | 0x202;
  s[LAZY_MASK >> 2] = 0;
  const base = cpu.stateBase + FPU;
  fxrstorX87(cpu.dv, base, new DataView(c.state.fxsave.buffer, c.state.fxsave.byteOffset, 512), 0, c.mode === 64);
  m.load(DATA_BASE, c.state.mem);
  const code = new Uint8Array(0x4000);
  code.set(c.code);
  m.load(CODE_BASE, code);
  cpu.invalidatePhysicalRange(CODE_BASE, 0x4000);
  cpu.clearException();
  cpu.rip = CODE_BASE;
  let signal = 'none';
  const r = cpu.run(1);
  if (r === Exit.EXCEPTION) {
    const v = cpu.pendingVector;
    signal = v === 16 ? 'SIGFPE' : v === 6 ? 'SIGILL' : 'SIGSEGV';
  }
  const out = new Uint8Array(512);
  fxsaveX87(cpu.dv, base, new DataView(out.buffer), 0, c.mode === 64);
  const gpr: bigint[] = [];
  for (let k = 0; k < 16; k++) gpr.push((BigInt(s[2 * k + 1]! >>> 0) << 32n) | BigInt(s[2 * k]! >>> 0));
  return { fx: out, gpr, flags: getFlags(cpu) & 0x8d5, mem: m.read(DATA_BASE, 256), signal };
}

/** Rows that load an environment: their images must not leave an unmasked exception pending. */
function envImage(r: Rng, op32: boolean, regs: boolean): Uint8Array {
  const b = new Uint8Array(256);
  const dv = new DataView(b.buffer);
  const fcw = controlWord(r);
  let fsw = r.u32() & 0x7f7f;
  fsw &= ~(0x3f & ~fcw);
  const ftw = r.int(3) === 0 ? 0xffff : r.u32() & 0xffff;
  const step = op32 ? 4 : 2;
  dv.setUint16(0, fcw, true);
  dv.setUint16(step, fsw, true);
  dv.setUint16(2 * step, ftw, true);
  if (regs) {
    for (let i = 0; i < 8; i++) {
      const [se, hi, lo] = value(r);
      const o = 7 * step + 10 * i;
      dv.setUint32(o, lo, true);
      dv.setUint32(o + 4, hi, true);
      dv.setUint16(o + 8, se, true);
    }
  }
  return b;
}

function makeCase(r: Rng, entry: number, mode: 64 | 32): HostCase {
  const e = OPCODES[entry]!;
  const state = emptyHostState();
  const code: number[] = [];
  let op32 = true;
  if (e.mnemonic === 'FLDENV' || e.mnemonic === 'FRSTOR' || e.mnemonic === 'FNSTENV' || e.mnemonic === 'FNSAVE') {
    if (r.int(2)) {
      code.push(0x66);
      op32 = false;
    }
  }
  code.push(e.opcode);
  if (e.opcode !== 0x9b) {
    const rm = e.rm >= 0 ? e.rm : e.mod === Mod.Mem ? 7 : r.int(8);
    code.push((e.mod === Mod.Mem ? 0 : 0xc0) | (e.reg << 3) | rm);
  }
  const stack: F80[] = [];
  const depth = r.int(10) === 0 ? r.int(9) : r.int(4) === 0 ? 8 : 2 + r.int(3);
  for (let k = 0; k < depth; k++) stack.push(value(r));
  const fcw = controlWord(r);
  // Occasionally leave an exception pending (a waiting instruction then raises #MF).
  let fsw = r.int(6) === 0 ? r.u32() & 0x477f : 0;
  if (fsw & ~fcw & 0x3f) fsw |= 0x8080;
  state.fxsave.set(buildImage({ fcw, fsw, stack }));
  state.gpr[7] = BigInt(DATA_BASE);
  for (let k = 0; k < 16; k++) if (k !== 7 && k !== 4) state.gpr[k] = (BigInt(r.u32()) << 32n) | BigInt(r.u32());
  state.gpr[4] = BigInt(DATA_BASE + 0x1000);
  state.rflags = r.u32() & 0x8d5;
  if (e.mnemonic === 'FLDENV' || e.mnemonic === 'FRSTOR') state.mem.set(envImage(r, op32, e.mnemonic === 'FRSTOR'));
  else {
    for (let k = 0; k < 16; k++) state.mem[k] = r.int(256);
    if (r.int(2)) {
      // A well-formed float / extended value rather than random bytes.
      const [se, hi, lo] = value(r);
      const dv = new DataView(state.mem.buffer);
      dv.setUint32(0, lo, true);
      dv.setUint32(4, hi, true);
      dv.setUint16(8, se, true);
    }
  }
  return { mode, code: Uint8Array.from(code), state };
}

const TRANSCENDENTAL = new Set(['FSIN', 'FCOS', 'FSINCOS', 'FPTAN', 'FPATAN', 'F2XM1', 'FYL2X', 'FYL2XP1']);
const hex = (v: number | bigint, w: number): string => v.toString(16).padStart(w, '0');

function compare(e: (typeof OPCODES)[number], c: HostCase, host: ReturnType<typeof runOnHost>[number], emu: Outcome): string | undefined {
  const d: string[] = [];
  const hostSig = host.signal;
  if (hostSig !== emu.signal) d.push(`signal host ${hostSig} emu ${emu.signal}`);
  if (hostSig === 'none' && emu.signal === 'none') {
    const h = new DataView(host.state.fxsave.buffer, host.state.fxsave.byteOffset, 512);
    const l = new DataView(emu.fx.buffer);
    // Transcendentals: one ulp (and C1 with it) may differ, see transcendental.ts.
    const tol = TRANSCENDENTAL.has(e.mnemonic);
    for (const [o, n] of [[0, 'fcw'], [2, 'fsw']] as const) {
      const x = h.getUint16(o, true) ^ l.getUint16(o, true);
      if (x && !(tol && x === 0x0200)) d.push(`${n} host ${hex(h.getUint16(o, true), 4)} emu ${hex(l.getUint16(o, true), 4)}`);
    }
    if (h.getUint8(4) !== l.getUint8(4)) d.push(`ftw host ${hex(h.getUint8(4), 2)} emu ${hex(l.getUint8(4), 2)}`);
    for (let i = 0; i < 8; i++) {
      const o = 32 + 16 * i;
      if (fmt80(h, o) !== fmt80(l, o) && !(tol && withinOneUlp(h, o, l, o))) d.push(`st${i} host ${fmt80(h, o)} emu ${fmt80(l, o)}`);
    }
    const ngpr = c.mode === 64 ? 16 : 8;
    for (let k = 0; k < ngpr; k++) {
      const hv = c.mode === 32 ? host.state.gpr[k]! & 0xffffffffn : host.state.gpr[k]!;
      const ev = c.mode === 32 ? emu.gpr[k]! & 0xffffffffn : emu.gpr[k]!;
      if (hv !== ev) d.push(`gpr${k} host ${hex(hv, 16)} emu ${hex(ev, 16)}`);
    }
    if ((host.state.rflags & 0x8d5) !== emu.flags) d.push(`flags host ${hex(host.state.rflags & 0x8d5, 3)} emu ${hex(emu.flags, 3)}`);
    // Pointer fields (FIP/FOP/FDP) of stored environments are not compared (AMD leaves them
    // stale across FXRSTOR); everything else of the window is.
    const skip = e.mnemonic === 'FNSTENV' || e.mnemonic === 'FNSAVE' ? (c.code[0] === 0x66 ? [6, 14] : [12, 28]) : [0, 0];
    for (let k = 0; k < 256; k++) {
      if (k >= skip[0]! && k < skip[1]!) continue;
      if (host.state.mem[k] !== emu.mem[k]) {
        d.push(`mem[${k}] host ${hex(host.state.mem[k]!, 2)} emu ${hex(emu.mem[k]!, 2)}`);
        break;
      }
    }
  }
  if (!d.length) return undefined;
  const img = new DataView(c.state.fxsave.buffer);
  const st = [0, 1].map((i) => fmt80(img, 32 + 16 * i)).join(' ');
  return `${e.mnemonic} [${Array.from(c.code, (x) => hex(x, 2)).join(' ')}] ${c.mode}-bit fcw=${hex(img.getUint16(0, true), 4)} fsw=${hex(img.getUint16(2, true), 4)} st=[${st}]: ${d.join('; ')}`;
}

describe('x87 rows executed by the CPU vs host', () => {
  const rows: number[] = [];
  OPCODES.forEach((e, i) => {
    if (e.family === 'x87' && e.pending === undefined) rows.push(i);
  });
  for (const mode of [64, 32] as const) {
    it.skipIf(mode === 64 ? !ready64 : !ready32)(`all ${rows.length} x87 rows match the host in ${mode}-bit mode`, { timeout: 600_000 }, () => {
      const r = new Rng(mode === 64 ? 4242 : 2424);
      const cases: [number, HostCase][] = [];
      for (const i of rows) for (let k = 0; k < PER_ROW; k++) cases.push([i, makeCase(r, i, mode)]);
      const results = runOnHost(cases.map(([, c]) => c));
      const bad: string[] = [];
      cases.forEach(([i, c], k) => {
        const msg = compare(OPCODES[i]!, c, results[k]!, emulate(c));
        if (msg) bad.push(msg);
      });
      expect(bad.slice(0, 12)).toEqual([]);
    });
  }
});
