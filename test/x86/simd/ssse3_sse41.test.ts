// SSSE3 and SSE4.1/4.2 integer instructions against the host CPU.
import { afterAll, describe, it } from 'vitest';
import * as S from '../../../src/x86/simd/ssse3.ts';
import * as F from '../../../src/x86/simd/sse41_int.ts';
import { packusdw } from '../../../src/x86/simd/packed_int.ts';
import type { SimdRegs } from '../../../src/x86/simd/simd_regs.ts';
import { caseCount, Batch, genImage, genInt64, hostReady, mm, Rng, tally, xmm } from './simd_harness.ts';
import type { Input, Spec } from './simd_harness.ts';

const X0 = xmm(0);
const X1 = xmm(1);
type Bin = (r: SimdRegs, d: number, s: number, n: number) => void;

function inputs(seed: number, n: number): Input[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => ({ fx: genImage(rng, 'int'), gpr: [genInt64(rng), genInt64(rng)] }));
}

const ready = hostReady();

describe.skipIf(!ready)('SSSE3 and SSE4.1 integer instructions match the host CPU', () => {
  afterAll(() => {
    for (const [k, v] of tally) console.log(`simd-tally ${k} cases=${v.cases} mismatches=${v.mismatches}`);
  });

  const ssse3: Array<[string, number, Bin]> = [
    ['PSHUFB', 0x00, S.pshufb], ['PHADDW', 0x01, S.phaddw], ['PHADDD', 0x02, S.phaddd], ['PHADDSW', 0x03, S.phaddsw],
    ['PMADDUBSW', 0x04, S.pmaddubsw], ['PHSUBW', 0x05, S.phsubw], ['PHSUBD', 0x06, S.phsubd], ['PHSUBSW', 0x07, S.phsubsw],
    ['PSIGNB', 0x08, (r, d, s, n) => S.psign(r, d, s, n, 1)], ['PSIGNW', 0x09, (r, d, s, n) => S.psign(r, d, s, n, 2)],
    ['PSIGND', 0x0a, (r, d, s, n) => S.psign(r, d, s, n, 4)], ['PMULHRSW', 0x0b, S.pmulhrsw],
    ['PABSB', 0x1c, (r, d, s, n) => S.pabs(r, d, s, n, 1)], ['PABSW', 0x1d, (r, d, s, n) => S.pabs(r, d, s, n, 2)],
    ['PABSD', 0x1e, (r, d, s, n) => S.pabs(r, d, s, n, 4)],
  ];
  ssse3.forEach(([name, opc, fn], k) => {
    it(`${name} (xmm and mm) gives the host's result`, () => {
      const b = new Batch();
      b.add({ name: `${name} xmm`, code: [0x66, 0x0f, 0x38, opc, 0xc1], emu: (r) => (fn(r, X0, X1, 16), 0) }, inputs(11000 + k, caseCount(200)));
      b.add({ name: `${name} xmm,same`, code: [0x66, 0x0f, 0x38, opc, 0xc0], emu: (r) => (fn(r, X0, X0, 16), 0) }, inputs(11100 + k, caseCount(20)));
      b.add({ name: `${name} mm`, code: [0x0f, 0x38, opc, 0xc1], mmx: true, emu: (r) => (fn(r, mm(0), mm(1), 8), 0) }, inputs(11200 + k, caseCount(200)));
      b.expectAll();
    });
  });
  it('PALIGNR with shifts 0..33 and 255 (xmm and mm) gives the host result', () => {
    const b = new Batch();
    for (const imm of [...Array(34).keys(), 255]) {
      b.add({ name: 'PALIGNR xmm', code: [0x66, 0x0f, 0x3a, 0x0f, 0xc1, imm], emu: (r) => (S.palignr(r, X0, X1, imm, 16), 0) }, inputs(11300 + imm, caseCount(5)));
      b.add({ name: 'PALIGNR mm', code: [0x0f, 0x3a, 0x0f, 0xc1, imm], mmx: true, emu: (r) => (S.palignr(r, mm(0), mm(1), imm, 8), 0) }, inputs(11400 + imm, caseCount(5)));
    }
    b.expectAll();
  });

  type Op = (r: SimdRegs, d: number, s: number) => void;
  const sse41: Array<[string, number, Op]> = [
    ['PMINSB', 0x38, F.pminsb], ['PMINSD', 0x39, F.pminsd], ['PMINUW', 0x3a, F.pminuw], ['PMINUD', 0x3b, F.pminud],
    ['PMAXSB', 0x3c, F.pmaxsb], ['PMAXSD', 0x3d, F.pmaxsd], ['PMAXUW', 0x3e, F.pmaxuw], ['PMAXUD', 0x3f, F.pmaxud],
    ['PMULLD', 0x40, F.pmulld], ['PHMINPOSUW', 0x41, F.phminposuw], ['PMULDQ', 0x28, F.pmuldq], ['PCMPEQQ', 0x29, F.pcmpeqq],
    ['PACKUSDW', 0x2b, (r, d, s) => packusdw(r, d, s, 16)], ['PCMPGTQ', 0x37, F.pcmpgtq],
    ['PMOVSXBW', 0x20, (r, d, s) => F.pmovx(r, d, s, 1, 2, true)], ['PMOVSXBD', 0x21, (r, d, s) => F.pmovx(r, d, s, 1, 4, true)],
    ['PMOVSXBQ', 0x22, (r, d, s) => F.pmovx(r, d, s, 1, 8, true)], ['PMOVSXWD', 0x23, (r, d, s) => F.pmovx(r, d, s, 2, 4, true)],
    ['PMOVSXWQ', 0x24, (r, d, s) => F.pmovx(r, d, s, 2, 8, true)], ['PMOVSXDQ', 0x25, (r, d, s) => F.pmovx(r, d, s, 4, 8, true)],
    ['PMOVZXBW', 0x30, (r, d, s) => F.pmovx(r, d, s, 1, 2, false)], ['PMOVZXBD', 0x31, (r, d, s) => F.pmovx(r, d, s, 1, 4, false)],
    ['PMOVZXBQ', 0x32, (r, d, s) => F.pmovx(r, d, s, 1, 8, false)], ['PMOVZXWD', 0x33, (r, d, s) => F.pmovx(r, d, s, 2, 4, false)],
    ['PMOVZXWQ', 0x34, (r, d, s) => F.pmovx(r, d, s, 2, 8, false)], ['PMOVZXDQ', 0x35, (r, d, s) => F.pmovx(r, d, s, 4, 8, false)],
    ['PBLENDVB', 0x10, (r, d, s) => F.blendv(r, d, s, X0, 1)], ['BLENDVPS', 0x14, (r, d, s) => F.blendv(r, d, s, X0, 4)],
    ['BLENDVPD', 0x15, (r, d, s) => F.blendv(r, d, s, X0, 8)],
  ];
  sse41.forEach(([name, opc, fn], k) => {
    it(`${name} gives the host's result`, () => {
      const b = new Batch();
      // BLENDV* use XMM0 as the mask, so they run on xmm2, xmm1
      const blend = opc >= 0x10 && opc <= 0x15;
      const d = blend ? 2 : 0;
      b.add({ name, code: [0x66, 0x0f, 0x38, opc, 0xc1 | (d << 3)], emu: (r) => (fn(r, xmm(d), X1), 0) }, inputs(12000 + k, caseCount(200)));
      b.add({ name: `${name} same`, code: [0x66, 0x0f, 0x38, opc, 0xc0 | (d << 3) | d], emu: (r) => (fn(r, xmm(d), xmm(d)), 0) }, inputs(12100 + k, caseCount(20)));
      b.expectAll();
    });
  });
  it('PTEST sets ZF and CF (clears AF OF PF SF) as the host does', () => {
    const b = new Batch();
    const spec: Spec = { name: 'PTEST', code: [0x66, 0x0f, 0x38, 0x17, 0xc1], flags: 0x8d5, emu: (r, st) => ((st.rflags = F.ptest(r, X0, X1)), 0) };
    const ins = inputs(12200, caseCount(300));
    const rng = new Rng(5);
    ins.forEach((inp, i) => {
      inp.rflags = i & 1 ? 0x8d5 : 0;
      const dv = new DataView(inp.fx.buffer, inp.fx.byteOffset);
      if (rng.chance(0.3)) for (let w = 0; w < 4; w++) dv.setUint32(X1 + 4 * w, dv.getUint32(X0 + 4 * w, true) & rng.u32(), true); // CF cases
      if (rng.chance(0.3)) for (let w = 0; w < 4; w++) dv.setUint32(X1 + 4 * w, ~dv.getUint32(X0 + 4 * w, true) & rng.u32(), true); // ZF cases
    });
    b.add(spec, ins);
    b.expectAll();
  });
  it('imm8 forms: PBLENDW BLENDPS BLENDPD INSERTPS MPSADBW, extracts and inserts give the host result', () => {
    const b = new Batch();
    const g = (v: bigint): number => Number(v & 0xffffffffn) | 0;
    const rng = new Rng(12300);
    for (let t = 0; t < 40; t++) {
      const imm = t < 8 ? t : rng.int(256);
      const specs: Spec[] = [
        { name: 'PBLENDW', code: [0x66, 0x0f, 0x3a, 0x0e, 0xc1, imm], emu: (r) => (F.pblendw(r, X0, X1, imm), 0) },
        { name: 'BLENDPS', code: [0x66, 0x0f, 0x3a, 0x0c, 0xc1, imm], emu: (r) => (F.blendps(r, X0, X1, imm), 0) },
        { name: 'BLENDPD', code: [0x66, 0x0f, 0x3a, 0x0d, 0xc1, imm], emu: (r) => (F.blendpd(r, X0, X1, imm), 0) },
        { name: 'INSERTPS', code: [0x66, 0x0f, 0x3a, 0x21, 0xc1, imm], emu: (r) => (F.insertps(r, X0, X1, imm), 0) },
        { name: 'INSERTPS same', code: [0x66, 0x0f, 0x3a, 0x21, 0xc0, imm], emu: (r) => (F.insertps(r, X0, X0, imm), 0) },
        { name: 'MPSADBW', code: [0x66, 0x0f, 0x3a, 0x42, 0xc1, imm], emu: (r) => (F.mpsadbw(r, X0, X1, imm), 0) },
        { name: 'PEXTRB', code: [0x66, 0x0f, 0x3a, 0x14, 0xc8, imm], gprs: [0], emu: (r, st) => ((st.gpr[0] = BigInt(F.pextr(r, X1, imm, 1) >>> 0)), 0) },
        { name: 'PEXTRW (0F3A 15)', code: [0x66, 0x0f, 0x3a, 0x15, 0xc8, imm], gprs: [0], emu: (r, st) => ((st.gpr[0] = BigInt(F.pextr(r, X1, imm, 2) >>> 0)), 0) },
        { name: 'PEXTRD', code: [0x66, 0x0f, 0x3a, 0x16, 0xc8, imm], gprs: [0], emu: (r, st) => ((st.gpr[0] = BigInt(F.pextr(r, X1, imm, 4) >>> 0)), 0) },
        {
          name: 'PEXTRQ',
          code: [0x66, 0x48, 0x0f, 0x3a, 0x16, 0xc8, imm],
          gprs: [0],
          emu: (r, st) => {
            const lo = F.pextrq(r, X1, imm);
            st.gpr[0] = (BigInt(F.pextrHi >>> 0) << 32n) | BigInt(lo >>> 0);
            return 0;
          },
        },
        { name: 'EXTRACTPS', code: [0x66, 0x0f, 0x3a, 0x17, 0xc8, imm], gprs: [0], emu: (r, st) => ((st.gpr[0] = BigInt(F.extractps(r, X1, imm) >>> 0)), 0) },
        { name: 'PINSRB', code: [0x66, 0x0f, 0x3a, 0x20, 0xc0, imm], emu: (r, st) => (F.pinsr(r, X0, g(st.gpr[0]!), imm, 1), 0) },
        { name: 'PINSRD', code: [0x66, 0x0f, 0x3a, 0x22, 0xc0, imm], emu: (r, st) => (F.pinsr(r, X0, g(st.gpr[0]!), imm, 4), 0) },
        { name: 'PINSRQ', code: [0x66, 0x48, 0x0f, 0x3a, 0x22, 0xc0, imm], emu: (r, st) => (F.pinsrq(r, X0, g(st.gpr[0]!), g(st.gpr[0]! >> 32n), imm), 0) },
      ];
      specs.forEach((sp, k) => b.add(sp, inputs(12400 + t * 20 + k, caseCount(6))));
    }
    b.expectAll();
  });
});
