// SSE floating-point arithmetic, compares and COMIS against the host CPU, in every rounding mode
// with FTZ/DAZ and masked/unmasked exceptions.
import { afterAll, describe, it } from 'vitest';
import * as A from '../../../src/x86/simd/sse_arith.ts';
import type { SimdRegs } from '../../../src/x86/simd/simd_regs.ts';
import { caseCount, Batch, genImage, hostReady, Rng, tally, xmm } from './simd_harness.ts';
import type { Input, Lane, Spec } from './simd_harness.ts';

const X0 = xmm(0);
const X1 = xmm(1);
type Op2 = (r: SimdRegs, d: number, s: number) => number;
type Op3 = (r: SimdRegs, d: number, s: number, imm: number) => number;

const binary: Array<[string, number[], Op2, Lane]> = [];
const forms: Array<[string, number[], Lane]> = [
  ['ps', [0x0f], 'f32'],
  ['ss', [0xf3, 0x0f], 'f32'],
  ['pd', [0x66, 0x0f], 'f64'],
  ['sd', [0xf2, 0x0f], 'f64'],
];
const ops: Array<[string, number]> = [
  ['add', 0x58],
  ['mul', 0x59],
  ['sub', 0x5c],
  ['min', 0x5d],
  ['div', 0x5e],
  ['max', 0x5f],
  ['sqrt', 0x51],
];
for (const [op, opc] of ops) {
  for (const [suffix, prefix, lane] of forms) {
    const name = op + suffix;
    binary.push([name.toUpperCase(), [...prefix, opc, 0xc1], (A as unknown as Record<string, Op2>)[name]!, lane]);
  }
}
binary.push(['ADDSUBPS', [0xf2, 0x0f, 0xd0, 0xc1], A.addsubps, 'f32']);
binary.push(['ADDSUBPD', [0x66, 0x0f, 0xd0, 0xc1], A.addsubpd, 'f64']);
binary.push(['HADDPS', [0xf2, 0x0f, 0x7c, 0xc1], A.haddps, 'f32']);
binary.push(['HSUBPS', [0xf2, 0x0f, 0x7d, 0xc1], A.hsubps, 'f32']);
binary.push(['HADDPD', [0x66, 0x0f, 0x7c, 0xc1], A.haddpd, 'f64']);
binary.push(['HSUBPD', [0x66, 0x0f, 0x7d, 0xc1], A.hsubpd, 'f64']);

function inputs(seed: number, lane: Lane, n: number): Input[] {
  const rng = new Rng(seed);
  const out: Input[] = [];
  for (let i = 0; i < n; i++) out.push({ fx: genImage(rng, lane) });
  return out;
}

const ready = hostReady();

describe.skipIf(!ready)('SSE floating-point arithmetic matches the host CPU', () => {
  afterAll(() => {
    for (const [k, v] of tally) console.log(`simd-tally ${k} cases=${v.cases} mismatches=${v.mismatches}`);
  });
  binary.forEach(([name, code, fn, lane], k) => {
    it(`${name} gives the host's bits and MXCSR flags`, () => {
      const b = new Batch();
      const spec: Spec = { name, code, emu: (r) => fn(r, X0, X1) };
      b.add(spec, inputs(1000 + k, lane, caseCount(400)));
      b.expectAll();
    });
  });

  const cmps: Array<[string, number[], Op3, Lane]> = [
    ['CMPPS', [0x0f, 0xc2, 0xc1], A.cmpps, 'f32'],
    ['CMPSS', [0xf3, 0x0f, 0xc2, 0xc1], A.cmpss, 'f32'],
    ['CMPPD', [0x66, 0x0f, 0xc2, 0xc1], A.cmppd, 'f64'],
    ['CMPSD', [0xf2, 0x0f, 0xc2, 0xc1], A.cmpsd, 'f64'],
  ];
  for (const [name, code, fn, lane] of cmps) {
    it(`${name} with each of the 8 predicates gives the host's masks and flags`, () => {
      const b = new Batch();
      for (let imm = 0; imm < 8; imm++) {
        const spec: Spec = { name: `${name} ${imm}`, code: [...code, imm], emu: (r) => fn(r, X0, X1, imm) };
        b.add(spec, inputs(2000 + imm, lane, caseCount(100)));
      }
      b.expectAll();
    });
  }

  const dps: Array<[string, number[], Op3, Lane]> = [
    ['DPPS', [0x66, 0x0f, 0x3a, 0x40, 0xc1], A.dpps, 'f32'],
    ['DPPD', [0x66, 0x0f, 0x3a, 0x41, 0xc1], A.dppd, 'f64'],
  ];
  for (const [name, code, fn, lane] of dps) {
    it(`${name} with random imm8 gives the host's result`, () => {
      const b = new Batch();
      const rng = new Rng(3000);
      for (let t = 0; t < 16; t++) {
        const imm = t === 0 ? 0xff : rng.int(256);
        const spec: Spec = { name: `${name} ${imm}`, code: [...code, imm], emu: (r) => fn(r, X0, X1, imm) };
        b.add(spec, inputs(3001 + t, lane, caseCount(40)));
      }
      b.expectAll();
    });
  }

  const comis: Array<[string, number[], Op2, Lane]> = [
    ['COMISS', [0x0f, 0x2f, 0xc1], A.comiss, 'f32'],
    ['UCOMISS', [0x0f, 0x2e, 0xc1], A.ucomiss, 'f32'],
    ['COMISD', [0x66, 0x0f, 0x2f, 0xc1], A.comisd, 'f64'],
    ['UCOMISD', [0x66, 0x0f, 0x2e, 0xc1], A.ucomisd, 'f64'],
  ];
  comis.forEach(([name, code, fn, lane], k) => {
    it(`${name} sets ZF PF CF (and clears OF SF AF) as the host does`, () => {
      const b = new Batch();
      const spec: Spec = {
        name,
        code,
        flags: 0x8d5,
        emu: (r, st) => {
          const f = fn(r, X0, X1);
          if (f >= 0) st.rflags = (st.rflags & ~0x8d5) | f;
          return f;
        },
      };
      const ins = inputs(4000 + k, lane, caseCount(300));
      ins.forEach((inp, i) => (inp.rflags = i & 1 ? 0x8d5 : 0));
      b.add(spec, ins);
      b.expectAll();
    });
  });
});
