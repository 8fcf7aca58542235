// ROUNDPS/PD/SS/SD bit-exact against the host; RCP/RSQRT special values bit-exact and normal
// values within Intel's documented 1.5·2^-12 relative error, like the host's own results.
import { afterAll, describe, expect, it } from 'vitest';
import * as R from '../../../src/x86/simd/sse_round.ts';
import type { SimdRegs } from '../../../src/x86/simd/simd_regs.ts';
import { emptyHostState, runOnHost } from '../host_oracle/host_oracle.ts';
import { caseCount, Batch, genImage, hostReady, MXCSR_AT, Rng, tally, xmm } from './simd_harness.ts';
import type { Input, Lane, Spec } from './simd_harness.ts';

const X0 = xmm(0);
const X1 = xmm(1);
type Op3 = (r: SimdRegs, d: number, s: number, imm: number) => number;

function inputs(seed: number, lane: Lane, n: number): Input[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => ({ fx: genImage(rng, lane) }));
}

const ready = hostReady();

describe.skipIf(!ready)('ROUND* and RCP/RSQRT against the host CPU', () => {
  afterAll(() => {
    for (const [k, v] of tally) console.log(`simd-tally ${k} cases=${v.cases} mismatches=${v.mismatches}`);
  });
  const rounds: Array<[string, number, Op3, Lane]> = [
    ['ROUNDPS', 0x08, R.roundps, 'f32'],
    ['ROUNDPD', 0x09, R.roundpd, 'f64'],
    ['ROUNDSS', 0x0a, R.roundss, 'f32'],
    ['ROUNDSD', 0x0b, R.roundsd, 'f64'],
  ];
  rounds.forEach(([name, opc, fn, lane], k) => {
    it(`${name} with every imm8[3:0] gives the host's bits and flags`, () => {
      const b = new Batch();
      for (let imm = 0; imm < 16; imm++) {
        const spec: Spec = { name: `${name} ${imm}`, code: [0x66, 0x0f, 0x3a, opc, 0xc1, imm], emu: (r) => fn(r, X0, X1, imm) };
        b.add(spec, inputs(6000 + 16 * k + imm, lane, caseCount(40)));
      }
      b.expectAll();
    });
  });

  for (const [name, code, rsqrt] of [
    ['RCPPS', [0x0f, 0x53, 0xc1], false],
    ['RSQRTPS', [0x0f, 0x52, 0xc1], true],
  ] as const) {
    it(`${name}: specials bit-exact, normals within 1.5·2^-12 of the exact value as on the host`, () => {
      const ins = inputs(6100 + (rsqrt ? 1 : 0), 'f32', caseCount(500));
      const host = runOnHost(
        ins.map((inp) => {
          const st = emptyHostState();
          st.fxsave.set(inp.fx);
          return { mode: 64 as const, code: Uint8Array.from(code), state: st };
        }),
      );
      let specials = 0;
      let normals = 0;
      const f = new Float32Array(1);
      const w = new Int32Array(f.buffer);
      const val = (b: number): number => ((w[0] = b), f[0]!);
      ins.forEach((inp, i) => {
        const hdv = new DataView(host[i]!.state.fxsave.buffer, host[i]!.state.fxsave.byteOffset);
        const idv = new DataView(inp.fx.buffer, inp.fx.byteOffset);
        expect(hdv.getUint32(MXCSR_AT, true)).toBe(idv.getUint32(MXCSR_AT, true)); // no flags
        for (let l = 0; l < 4; l++) {
          const x = idv.getInt32(X1 + 4 * l, true);
          const h = hdv.getInt32(X0 + 4 * l, true);
          const m = R.approxLane(x, rsqrt);
          const hExp = (h >>> 23) & 0xff;
          if (hExp === 0 || hExp === 0xff || ((m >>> 23) & 0xff) === 0 || ((m >>> 23) & 0xff) === 0xff) {
            specials++;
            expect(m.toString(16), `${name} ${x.toString(16)}`).toBe(h.toString(16));
          } else {
            normals++;
            const xv = val(x);
            const exact = rsqrt ? 1 / Math.sqrt(xv) : 1 / xv;
            expect(Math.abs(val(h) - exact) / Math.abs(exact)).toBeLessThanOrEqual(1.5 / 4096);
            expect(Math.abs(val(m) - exact) / Math.abs(exact)).toBeLessThanOrEqual(2 ** -24);
          }
        }
      });
      tally.set(`${name} (specials exact, normals bounded)`, { cases: specials + normals, mismatches: 0 });
      expect(specials).toBeGreaterThan(50);
    });
  }
});
