// Every MMX/SSE table row (opcodes/table_sse.ts) decoded and executed by the CPU, against the
// host CPU: register and memory forms (aligned and unaligned), REX.W variants, random XMM/MMX/
// MXCSR state. Compared: XMM0-15, MXCSR, MM0-7, GPRs, arithmetic flags, the data window and
// the fault (#XM ↔ SIGFPE, #UD ↔ SIGILL, #GP ↔ SIGSEGV).
import { describe, expect, it } from 'vitest';
import { OPCODES, PLANS, Ok } from '../../../src/x86/opcodes/table.ts';
import { Mod, Mp, OpMap } from '../../../src/x86/opcodes/table_types.ts';
import type { OpcodeEntry } from '../../../src/x86/opcodes/table_types.ts';
import { missingSseHandlers } from '../../../src/x86/exec/sse.ts';
import { Exit } from '../../../src/x86/cpu.ts';
import { CR4, FPU, LAZY_MASK, MXCSR, RFLAGS, SEG, XMM } from '../../../src/x86/state_layout.ts';
import { getFlags } from '../../../src/x86/flags.ts';
import { FlatMachine } from '../support/flat_machine.ts';
import { CODE_BASE, DATA_BASE, DATA_SIZE, emptyHostState, runOnHost } from '../host_oracle/host_oracle.ts';
import type { HostCase } from '../host_oracle/host_oracle.ts';
import { caseCount, DEEP, genImage, genInt64, hostReady, MXCSR_AT, mm, Rng, xmm } from './simd_harness.ts';
import type { Lane } from './simd_harness.ts';

// FXSAVE/FXRSTOR carry x87 header fields (FIP/FDP) the oracle cannot reproduce; RCP/RSQRT are documented
// approximations (test/x86/simd/sse_round.test.ts checks them within Intel's bound).
const SKIP = new Set(['FXSAVE', 'FXRSTOR', 'RCPPS', 'RCPSS', 'RSQRTPS', 'RSQRTSS']);

function laneOf(e: OpcodeEntry): Lane {
  if (/P[SD]$|S[SD]$|^CVT|^(U)?COMIS|^RCP|^RSQRT|^ROUND|^DPP|ADDSUB|^H(ADD|SUB)P/.test(e.mnemonic) && !/^CVT(DQ|PI|SI)2/.test(e.mnemonic)) {
    return /PD$|SD$|PD2|SD2|^DPPD|^ROUNDPD|^ROUNDSD/.test(e.mnemonic) ? 'f64' : 'f32';
  }
  return 'int';
}

interface Built {
  code: number[];
  gpr: bigint[];
}

/** Encode row e with random registers, a register or [rbx] memory operand and an imm8. */
function encode(e: OpcodeEntry, rng: Rng, mem: boolean, rexW: boolean): Built | null {
  const plan = PLANS[OPCODES.indexOf(e)]!;
  const bytes: number[] = [];
  if (e.prefix === Mp.P66) bytes.push(0x66);
  if (e.prefix === Mp.PF3) bytes.push(0xf3);
  if (e.prefix === Mp.PF2) bytes.push(0xf2);
  if (e.mnemonic === 'CRC32' && rng.chance(0.3) && !rexW) bytes.unshift(0x66);
  const regField = e.reg >= 0 ? e.reg : rng.int(8);
  if (rexW) bytes.push(0x48);
  bytes.push(0x0f);
  if (e.map === OpMap.M0F38) bytes.push(0x38);
  if (e.map === OpMap.M0F3A) bytes.push(0x3a);
  bytes.push(e.opcode);
  const gpr: bigint[] = [];
  for (let i = 0; i < 16; i++) gpr.push(genInt64(rng));
  gpr[4] = BigInt(DATA_BASE + 0x1000); // rsp inside the window (never used)
  if (!plan.hasModrm) {
    // no ModRM (EMMS)
  } else if (mem) {
    bytes.push((regField << 3) | 3); // [rbx]
    const off = rng.chance(0.6) ? 16 * rng.int(100) : rng.int(0x1f00);
    gpr[3] = BigInt(DATA_BASE + off);
  } else {
    let rm = rng.int(8);
    if (rm === 4 && /^(CVT.*SI|MOVD|PEXTR|EXTRACTPS|PINSR|CRC32|MOVMSK|PMOVMSKB)/.test(e.mnemonic)) rm = 3; // keep rsp as is
    bytes.push(0xc0 | (regField << 3) | rm);
  }
  if (plan.imm !== 0) bytes.push(rng.chance(0.2) ? rng.pick([0, 1, 0x7f, 0x80, 0xff]) : rng.int(256));
  gpr[7] = BigInt(DATA_BASE + rng.int(0x1f00)); // MASKMOV* destination
  if (/^PCMPESTR/.test(e.mnemonic)) {
    gpr[0] = BigInt.asUintN(64, BigInt(rng.int(41) - 20));
    gpr[2] = BigInt.asUintN(64, BigInt(rng.int(41) - 20));
  }
  // registers used as GPR operands by the reg field (CVTSS2SI etc.) must not be rsp/rbx for memory forms
  if (mem && regField === 4 && plan.ops.some((o) => o.kind === Ok.REG) && /^(CVT.*SI|MOVMSK|PMOVMSKB|PEXTRW|CRC32|MOVNTI)/.test(e.mnemonic)) return null;
  return { code: bytes, gpr };
}

let machine: FlatMachine | null = null;

function runEmu(c: HostCase): { fx: Uint8Array; gpr: BigUint64Array; rflags: number; mem: Uint8Array; vector: number } {
  machine ??= new FlatMachine([[DATA_BASE, DATA_SIZE], [CODE_BASE, 0x4000]]);
  const m = machine;
  const cpu = m.cpu;
  cpu.setFlatMode(64, 3);
  const s = cpu.s32;
  const sel = [0, 0x33, 0x2b, 0, 0, 0];
  for (let k = 0; k < 6; k++) s[(SEG >> 2) + k * 8] = sel[k]!;
  s[CR4 >> 2] = s[CR4 >> 2]! | 0x600; // OSFXSR | OSXMMEXCPT, as Linux runs user code
  for (let k = 0; k < 16; k++) {
    const v = c.state.gpr[k]!;
    s[2 * k] = Number(v & 0xffffffffn) | 0;
    s[2 * k + 1] = Number((v >> 32n) & 0xffffffffn) | 0;
  }
  s[RFLAGS >> 2] = (c.state.rflags & 0xcd5) | 0x202;
  s[LAZY_MASK >> 2] = 0;
  const fx = c.state.fxsave;
  const dv = new DataView(fx.buffer, fx.byteOffset);
  s[MXCSR >> 2] = dv.getInt32(MXCSR_AT, true);
  cpu.s8.set(fx.subarray(160, 416), XMM);
  for (let r = 0; r < 8; r++) {
    cpu.s8.set(fx.subarray(mm(r), mm(r) + 8), FPU + 8 * r);
    cpu.s16[(FPU + 64) / 2 + r] = dv.getUint16(mm(r) + 8, true);
  }
  cpu.s16[(FPU + 80) / 2] = 0x037f;
  cpu.s16[(FPU + 82) / 2] = 0;
  cpu.s8[FPU + 84] = 0;
  // The windows are contiguous in the Memory (FlatMachine allocates pages in order): block copies.
  const dataHost = m.host(DATA_BASE);
  m.u8.set(c.state.mem, dataHost);
  const code = new Uint8Array(32);
  code.set(c.code);
  m.u8.set(code, m.host(CODE_BASE));
  cpu.invalidatePhysicalRange(CODE_BASE, 32);
  cpu.clearException();
  m.bus.unbackedAccess = false;
  cpu.rip = CODE_BASE;
  const r = cpu.run(1);
  const vector = r === Exit.EXCEPTION ? cpu.pendingVector : -1;
  const out = new Uint8Array(512);
  const odv = new DataView(out.buffer);
  odv.setInt32(MXCSR_AT, s[MXCSR >> 2]!, true);
  out.set(cpu.s8.subarray(XMM, XMM + 256), 160);
  for (let rr = 0; rr < 8; rr++) out.set(cpu.s8.subarray(FPU + 8 * rr, FPU + 8 * rr + 8), mm(rr));
  const gpr = new BigUint64Array(16);
  for (let k = 0; k < 16; k++) gpr[k] = (BigInt(s[2 * k + 1]! >>> 0) << 32n) | BigInt(s[2 * k]! >>> 0);
  return { fx: out, gpr, rflags: getFlags(cpu), mem: m.u8.slice(dataHost, dataHost + DATA_SIZE), vector: m.bus.unbackedAccess ? 14 : vector };
}

const SIGNAL_OF: Record<number, string> = { 19: 'SIGFPE', 6: 'SIGILL', 13: 'SIGSEGV', 14: 'SIGSEGV', 16: 'SIGFPE', 7: 'SIGSEGV' };
const hex = (b: Uint8Array, o: number, n: number): string => Array.from(b.subarray(o, o + n), (x) => x.toString(16).padStart(2, '0')).reverse().join('');

/** Run `n` random cases of row e; returns mismatch descriptions. */
function checkRow(e: OpcodeEntry, n: number, seed: number): { cases: number; bad: string[] } {
  const rng = new Rng(seed);
  const plan = PLANS[OPCODES.indexOf(e)]!;
  const hasRm = plan.ops.some((o) => o.kind === Ok.RM || o.kind === Ok.MEM);
  const memOnly = e.mod === Mod.Mem || plan.ops.some((o) => o.kind === Ok.MEM);
  const regOnly = e.mod === Mod.Reg || !hasRm;
  const canW = /y|v/.test(e.ops) || e.mnemonic === 'CRC32';
  const cases: HostCase[] = [];
  for (let i = 0; i < n; i++) {
    const mem = memOnly ? true : regOnly ? false : rng.chance(0.4);
    const b = encode(e, rng, mem, canW && rng.chance(0.5));
    if (!b) continue;
    const st = emptyHostState();
    st.fxsave.set(genImage(rng, laneOf(e)));
    for (let k = 0; k < 16; k++) st.gpr[k] = b.gpr[k]!;
    st.rflags = rng.chance(0.5) ? 0x8d5 : 0;
    for (let k = 0; k < DATA_SIZE; k += 4) new DataView(st.mem.buffer).setInt32(k, rng.chance(0.5) ? rng.u32() | 0 : 0x3f800000, true);
    if (e.mnemonic === 'LDMXCSR' && rng.chance(0.7)) new DataView(st.mem.buffer).setUint32(Number(st.gpr[3]! - BigInt(DATA_BASE)), 0x1f80 | (rng.u32() & 0xe07f), true);
    cases.push({ mode: 64, code: Uint8Array.from(b.code), state: st });
  }
  const host = runOnHost(cases);
  const bad: string[] = [];
  cases.forEach((c, i) => {
    const h = host[i]!;
    const em = runEmu(c);
    const p: string[] = [];
    const es = em.vector < 0 ? 'none' : (SIGNAL_OF[em.vector] ?? `vec${em.vector}`);
    const hs = h.signal === 'SIGBUS' ? 'SIGSEGV' : h.signal;
    if (hs !== es) p.push(`signal host=${h.signal} emu=${es}(${em.vector})`);
    if (hs === 'none' || hs === 'SIGFPE') {
      const hf = h.state.fxsave;
      if (hex(hf, MXCSR_AT, 4) !== hex(em.fx, MXCSR_AT, 4)) p.push(`mxcsr host=${hex(hf, MXCSR_AT, 4)} emu=${hex(em.fx, MXCSR_AT, 4)}`);
      for (let r = 0; r < 16; r++) if (hex(hf, xmm(r), 16) !== hex(em.fx, xmm(r), 16)) p.push(`xmm${r} host=${hex(hf, xmm(r), 16)} emu=${hex(em.fx, xmm(r), 16)}`);
      for (let r = 0; r < 8; r++) if (hex(hf, mm(r), 8) !== hex(em.fx, mm(r), 8)) p.push(`mm${r} host=${hex(hf, mm(r), 8)} emu=${hex(em.fx, mm(r), 8)}`);
      for (let k = 0; k < 16; k++) if (h.state.gpr[k] !== em.gpr[k]) p.push(`gpr${k} host=${h.state.gpr[k]!.toString(16)} emu=${em.gpr[k]!.toString(16)}`);
      if (((h.state.rflags ^ em.rflags) & 0x8d5) !== 0) p.push(`flags host=${(h.state.rflags & 0x8d5).toString(16)} emu=${(em.rflags & 0x8d5).toString(16)}`);
      for (let k = 0; k < DATA_SIZE; k++) if (h.state.mem[k] !== em.mem[k]) { p.push(`mem+${k.toString(16)} host=${h.state.mem[k]} emu=${em.mem[k]}`); break; }
    }
    if (p.length) bad.push(`${e.mnemonic}:${e.ops} [${Array.from(c.code, (x) => x.toString(16).padStart(2, '0')).join(' ')}] ${p.slice(0, 4).join('; ')}`);
  });
  return { cases: cases.length, bad };
}

const ready = hostReady();

describe('SSE rows of the opcode table', () => {
  it('every SSE row has a handler', () => {
    expect(missingSseHandlers()).toEqual([]);
  });
});

describe.skipIf(!ready)('SSE rows decoded and executed by the CPU match the host CPU', () => {
  const rows = OPCODES.filter((e) => e.family === 'sse' && e.pending === undefined && !SKIP.has(e.mnemonic));
  const groups = new Map<string, OpcodeEntry[]>();
  for (const e of rows) {
    const g = e.map === OpMap.M0F ? (e.prefix === Mp.NP ? '0F NP' : '0F 66/F2/F3') : e.map === OpMap.M0F38 ? '0F38' : '0F3A';
    const list = groups.get(g) ?? [];
    list.push(e);
    groups.set(g, list);
  }
  for (const [g, list] of groups) {
    it(`${g}: ${list.length} rows, register and memory forms`, { timeout: DEEP ? 1_800_000 : 60_000 }, () => {
      const bad: string[] = [];
      let total = 0;
      list.forEach((e, k) => {
        const r = checkRow(e, caseCount(10), 20000 + OPCODES.indexOf(e) * 7 + k);
        total += r.cases;
        bad.push(...r.bad);
      });
      console.log(`simd-tally exec ${g} rows=${list.length} cases=${total} mismatches=${bad.length}`);
      if (bad.length) console.log(bad.slice(0, 15).join('\n'));
      expect(bad.length).toBe(0);
    });
  }
});

describe.skipIf(!ready)('FXSAVE/FXRSTOR through the CPU match the host CPU', () => {
  function fxCases(seed: number, opcodeReg: number, rexW: boolean): HostCase[] {
    const rng = new Rng(seed);
    const out: HostCase[] = [];
    for (let i = 0; i < caseCount(60); i++) {
      const st = emptyHostState();
      st.fxsave.set(genImage(rng, rng.chance(0.5) ? 'f32' : 'int'));
      const off = rng.chance(0.85) ? 16 * rng.int(0x1d0) : rng.int(0x1c00);
      // Random memory under FXSAVE, so bytes the processor must not write (416-511) are seen to stay.
      if (opcodeReg === 0) for (let k = 0; k < DATA_SIZE; k++) st.mem[k] = rng.int(256);
      st.gpr[3] = BigInt(DATA_BASE + off);
      st.gpr[4] = BigInt(DATA_BASE + 0x1f00);
      if (opcodeReg === 1) {
        const img = genImage(rng, 'int');
        const dv = new DataView(img.buffer, img.byteOffset);
        if (rng.chance(0.2)) dv.setUint32(MXCSR_AT, 0x1f80 | (rng.u32() & 0xffff0000), true);
        if (off + 512 <= DATA_SIZE) st.mem.set(img, off);
      }
      out.push({ mode: 64, code: Uint8Array.from([...(rexW ? [0x48] : []), 0x0f, 0xae, (opcodeReg << 3) | 3]), state: st });
    }
    return out;
  }
  for (const [name, reg] of [['FXSAVE', 0], ['FXRSTOR', 1]] as const) {
    for (const rexW of [false, true]) {
      it(`${name}${rexW ? '64' : ''}: the XMM, MXCSR and MMX parts and the #GP cases agree`, () => {
        const cases = fxCases(30000 + reg * 2 + (rexW ? 1 : 0), reg, rexW);
        const host = runOnHost(cases);
        const bad: string[] = [];
        cases.forEach((c, i) => {
          const h = host[i]!;
          const em = runEmu(c);
          const es = em.vector < 0 ? 'none' : (SIGNAL_OF[em.vector] ?? `vec${em.vector}`);
          const p: string[] = [];
          if ((h.signal === 'SIGBUS' ? 'SIGSEGV' : h.signal) !== es) p.push(`signal host=${h.signal} emu=${es}`);
          else if (es === 'none') {
            if (reg === 0) {
              const base = Number(c.state.gpr[3]! - BigInt(DATA_BASE));
              // FCW, FSW, abridged FTW; MXCSR, MM/ST and XMM areas (FOP/FIP/FDP are the x87 helper's).
              // MXCSR_MASK (28..31) is skipped: we model Intel's 0000FFFFh; an AMD host also reports
              // the misaligned-exception mask bit 17 (0002FFFFh), which xentab does not implement.
              for (const [a, b] of [[0, 5], [24, 28], [32, 512]] as const) {
                for (let k = a; k < b; k++) if (h.state.mem[base + k] !== em.mem[base + k]) { p.push(`image+${k} host=${h.state.mem[base + k]} emu=${em.mem[base + k]}`); break; }
              }
            } else {
              const hf = h.state.fxsave;
              if (hex(hf, MXCSR_AT, 4) !== hex(em.fx, MXCSR_AT, 4)) p.push(`mxcsr host=${hex(hf, MXCSR_AT, 4)} emu=${hex(em.fx, MXCSR_AT, 4)}`);
              for (let r = 0; r < 16; r++) if (hex(hf, xmm(r), 16) !== hex(em.fx, xmm(r), 16)) p.push(`xmm${r}`);
              for (let r = 0; r < 8; r++) if (hex(hf, mm(r), 8) !== hex(em.fx, mm(r), 8)) p.push(`mm${r}`);
            }
          }
          if (p.length) bad.push(`${name} rbx=${c.state.gpr[3]!.toString(16)}: ${p.join('; ')}`);
        });
        if (bad.length) console.log(bad.slice(0, 10).join('\n'));
        console.log(`simd-tally exec ${name}${rexW ? '64' : ''} cases=${cases.length} mismatches=${bad.length}`);
        expect(bad.length).toBe(0);
      });
    }
  }
});
