// SSE/SSE2 conversions against the host CPU in every rounding mode, with FTZ/DAZ and masked and
// unmasked exceptions: XMM↔XMM, MMX↔XMM and GPR↔XMM forms.
import { afterAll, describe, it } from 'vitest';
import * as C from '../../../src/x86/simd/sse_convert.ts';
import type { SimdRegs } from '../../../src/x86/simd/simd_regs.ts';
import { caseCount, Batch, genImage, genInt64, hostReady, mm, Rng, tally, xmm } from './simd_harness.ts';
import type { Input, Lane, Spec } from './simd_harness.ts';

const X0 = xmm(0);
const X1 = xmm(1);
type Op2 = (r: SimdRegs, d: number, s: number) => number;

function inputs(seed: number, lane: Lane, n: number, gpr = false): Input[] {
  const rng = new Rng(seed);
  const out: Input[] = [];
  for (let i = 0; i < n; i++) {
    const inp: Input = { fx: genImage(rng, lane) };
    if (gpr) inp.gpr = [genInt64(rng), genInt64(rng)];
    out.push(inp);
  }
  return out;
}

const ready = hostReady();

describe.skipIf(!ready)('SSE conversions match the host CPU', () => {
  afterAll(() => {
    for (const [k, v] of tally) console.log(`simd-tally ${k} cases=${v.cases} mismatches=${v.mismatches}`);
  });

  const xx: Array<[string, number[], Op2, Lane, number, number]> = [
    ['CVTPS2PD', [0x0f, 0x5a, 0xc1], C.cvtps2pd, 'f32', X0, X1],
    ['CVTPD2PS', [0x66, 0x0f, 0x5a, 0xc1], C.cvtpd2ps, 'f64', X0, X1],
    ['CVTSS2SD', [0xf3, 0x0f, 0x5a, 0xc1], C.cvtss2sd, 'f32', X0, X1],
    ['CVTSD2SS', [0xf2, 0x0f, 0x5a, 0xc1], C.cvtsd2ss, 'f64', X0, X1],
    ['CVTDQ2PS', [0x0f, 0x5b, 0xc1], C.cvtdq2ps, 'int', X0, X1],
    ['CVTPS2DQ', [0x66, 0x0f, 0x5b, 0xc1], C.cvtps2dq, 'f32', X0, X1],
    ['CVTTPS2DQ', [0xf3, 0x0f, 0x5b, 0xc1], C.cvttps2dq, 'f32', X0, X1],
    ['CVTDQ2PD', [0xf3, 0x0f, 0xe6, 0xc1], C.cvtdq2pd, 'int', X0, X1],
    ['CVTPD2DQ', [0xf2, 0x0f, 0xe6, 0xc1], C.cvtpd2dq, 'f64', X0, X1],
    ['CVTTPD2DQ', [0x66, 0x0f, 0xe6, 0xc1], C.cvttpd2dq, 'f64', X0, X1],
    ['CVTPI2PS', [0x0f, 0x2a, 0xc1], C.cvtpi2ps, 'int', X0, mm(1)],
    ['CVTPI2PD', [0x66, 0x0f, 0x2a, 0xc1], C.cvtpi2pd, 'int', X0, mm(1)],
    ['CVTPS2PI', [0x0f, 0x2d, 0xc1], C.cvtps2pi, 'f32', mm(0), X1],
    ['CVTTPS2PI', [0x0f, 0x2c, 0xc1], C.cvttps2pi, 'f32', mm(0), X1],
    ['CVTPD2PI', [0x66, 0x0f, 0x2d, 0xc1], C.cvtpd2pi, 'f64', mm(0), X1],
    ['CVTTPD2PI', [0x66, 0x0f, 0x2c, 0xc1], C.cvttpd2pi, 'f64', mm(0), X1],
  ];
  xx.forEach(([name, code, fn, lane, d, s], k) => {
    it(`${name} gives the host's bits and MXCSR flags`, () => {
      const b = new Batch();
      const spec: Spec = { name, code, mmx: true, emu: (r) => fn(r, d, s) };
      b.add(spec, inputs(5000 + k, lane, caseCount(400)));
      b.expectAll();
    });
  });

  for (const wide of [false, true]) {
    const w = wide ? [0x48] : [];
    const bits = wide ? 64 : 32;
    it(`CVTSI2SS/CVTSI2SD from a ${bits}-bit register round as the host does`, () => {
      const b = new Batch();
      const lo = (v: bigint): number => Number(v & 0xffffffffn) | 0;
      const hi = (v: bigint): number => Number((v >> 32n) & 0xffffffffn) | 0;
      b.add(
        { name: `CVTSI2SS r${bits}`, code: [0xf3, ...w, 0x0f, 0x2a, 0xc0], emu: (r, st) => C.cvtsi2ss(r, X0, lo(st.gpr[0]!), hi(st.gpr[0]!), wide) },
        inputs(5100 + bits, 'f32', caseCount(400), true),
      );
      b.add(
        { name: `CVTSI2SD r${bits}`, code: [0xf2, ...w, 0x0f, 0x2a, 0xc0], emu: (r, st) => C.cvtsi2sd(r, X0, lo(st.gpr[0]!), hi(st.gpr[0]!), wide) },
        inputs(5200 + bits, 'f64', caseCount(400), true),
      );
      b.expectAll();
    });
    for (const [name, pfx, lane, fn] of [
      ['CVTSS2SI', 0xf3, 'f32', C.cvtss2si],
      ['CVTSD2SI', 0xf2, 'f64', C.cvtsd2si],
    ] as const) {
      for (const truncate of [false, true]) {
        const mn = truncate ? name.replace('CVT', 'CVTT') : name;
        it(`${mn} to a ${bits}-bit register gives the host's integer and flags`, () => {
          const b = new Batch();
          const spec: Spec = {
            name: `${mn} r${bits}`,
            code: [pfx, ...w, 0x0f, truncate ? 0x2c : 0x2d, 0xc1],
            gprs: [0],
            emu: (r, st) => {
              const res = fn(r, X1, truncate, wide);
              if (res === 0) {
                const v = (BigInt(C.gprOut[1]! >>> 0) << 32n) | BigInt(C.gprOut[0]! >>> 0);
                st.gpr[0] = wide ? v : v & 0xffffffffn;
              }
              return res;
            },
          };
          b.add(spec, inputs(5300 + bits + (truncate ? 1 : 0) + pfx, lane, caseCount(400), true));
          b.expectAll();
        });
      }
    }
  }
});
