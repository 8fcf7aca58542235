// MMX and SSE2 packed-integer instructions against the host CPU, MMX (mm0, mm1) and XMM
// (xmm0, xmm1) register forms, with edge-heavy byte/word/dword patterns.
import { afterAll, describe, it } from 'vitest';
import * as P from '../../../src/x86/simd/packed_int.ts';
import type { SimdRegs } from '../../../src/x86/simd/simd_regs.ts';
import { caseCount, Batch, genImage, genInt64, hostReady, mm, Rng, tally, xmm } from './simd_harness.ts';
import type { Input, Spec } from './simd_harness.ts';

type Bin = (r: SimdRegs, d: number, s: number, n: number) => void;

function inputs(seed: number, n: number, counts = false): Input[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    const fx = genImage(rng, 'int');
    const dv = new DataView(fx.buffer, fx.byteOffset);
    if (counts) {
      // shift counts: small, around the element widths, or huge
      for (const o of [xmm(1), mm(1)]) {
        const c = rng.chance(0.8) ? rng.int(70) : rng.u32();
        dv.setUint32(o, c, true);
        dv.setUint32(o + 4, rng.chance(0.85) ? 0 : rng.u32() & (rng.chance(0.5) ? 1 : 0xffffffff), true);
      }
    }
    return { fx, gpr: [genInt64(rng), genInt64(rng)] };
  });
}

// [name, opcode byte after 0F, fn, has MMX form, has SSE2 form]
const binaries: Array<[string, number, Bin, boolean]> = [
  ['PADDB', 0xfc, P.paddb, true], ['PADDW', 0xfd, P.paddw, true], ['PADDD', 0xfe, P.paddd, true], ['PADDQ', 0xd4, P.paddq, true],
  ['PSUBB', 0xf8, P.psubb, true], ['PSUBW', 0xf9, P.psubw, true], ['PSUBD', 0xfa, P.psubd, true], ['PSUBQ', 0xfb, P.psubq, true],
  ['PADDSB', 0xec, P.paddsb, true], ['PADDSW', 0xed, P.paddsw, true], ['PADDUSB', 0xdc, P.paddusb, true], ['PADDUSW', 0xdd, P.paddusw, true],
  ['PSUBSB', 0xe8, P.psubsb, true], ['PSUBSW', 0xe9, P.psubsw, true], ['PSUBUSB', 0xd8, P.psubusb, true], ['PSUBUSW', 0xd9, P.psubusw, true],
  ['PMULLW', 0xd5, P.pmullw, true], ['PMULHW', 0xe5, P.pmulhw, true], ['PMULHUW', 0xe4, P.pmulhuw, true], ['PMULUDQ', 0xf4, P.pmuludq, true],
  ['PMADDWD', 0xf5, P.pmaddwd, true], ['PSADBW', 0xf6, P.psadbw, true], ['PAVGB', 0xe0, P.pavgb, true], ['PAVGW', 0xe3, P.pavgw, true],
  ['PMINUB', 0xda, P.pminub, true], ['PMAXUB', 0xde, P.pmaxub, true], ['PMINSW', 0xea, P.pminsw, true], ['PMAXSW', 0xee, P.pmaxsw, true],
  ['PCMPEQB', 0x74, P.pcmpeqb, true], ['PCMPEQW', 0x75, P.pcmpeqw, true], ['PCMPEQD', 0x76, P.pcmpeqd, true],
  ['PCMPGTB', 0x64, P.pcmpgtb, true], ['PCMPGTW', 0x65, P.pcmpgtw, true], ['PCMPGTD', 0x66, P.pcmpgtd, true],
  ['PAND', 0xdb, P.pand, true], ['PANDN', 0xdf, P.pandn, true], ['POR', 0xeb, P.por, true], ['PXOR', 0xef, P.pxor, true],
  ['PACKSSWB', 0x63, P.packsswb, true], ['PACKUSWB', 0x67, P.packuswb, true], ['PACKSSDW', 0x6b, P.packssdw, true],
  ['PUNPCKLBW', 0x60, (r, d, s, n) => P.punpck(r, d, s, n, 1, false), true],
  ['PUNPCKLWD', 0x61, (r, d, s, n) => P.punpck(r, d, s, n, 2, false), true],
  ['PUNPCKLDQ', 0x62, (r, d, s, n) => P.punpck(r, d, s, n, 4, false), true],
  ['PUNPCKHBW', 0x68, (r, d, s, n) => P.punpck(r, d, s, n, 1, true), true],
  ['PUNPCKHWD', 0x69, (r, d, s, n) => P.punpck(r, d, s, n, 2, true), true],
  ['PUNPCKHDQ', 0x6a, (r, d, s, n) => P.punpck(r, d, s, n, 4, true), true],
  ['PUNPCKLQDQ', 0x6c, (r, d, s, n) => P.punpck(r, d, s, n, 8, false), false],
  ['PUNPCKHQDQ', 0x6d, (r, d, s, n) => P.punpck(r, d, s, n, 8, true), false],
];

const ready = hostReady();

describe.skipIf(!ready)('MMX/SSE2 packed integer instructions match the host CPU', () => {
  afterAll(() => {
    for (const [k, v] of tally) console.log(`simd-tally ${k} cases=${v.cases} mismatches=${v.mismatches}`);
  });

  binaries.forEach(([name, opc, fn, mmxForm], k) => {
    it(`${name} (xmm${mmxForm ? ' and mm' : ''}) gives the host's result`, () => {
      const b = new Batch();
      b.add({ name: `${name} xmm`, code: [0x66, 0x0f, opc, 0xc1], emu: (r) => (fn(r, xmm(0), xmm(1), 16), 0) }, inputs(7000 + k, caseCount(150)));
      // the source equal to the destination (in-place permutes)
      b.add({ name: `${name} xmm,same`, code: [0x66, 0x0f, opc, 0xc0], emu: (r) => (fn(r, xmm(0), xmm(0), 16), 0) }, inputs(7100 + k, caseCount(20)));
      if (mmxForm) {
        b.add({ name: `${name} mm`, code: [0x0f, opc, 0xc1], mmx: true, emu: (r) => (fn(r, mm(0), mm(1), 8), 0) }, inputs(7200 + k, caseCount(150)));
      }
      b.expectAll();
    });
  });

  const fpLogic: Array<[string, number, Bin]> = [
    ['ANDP', 0x54, P.pand], ['ANDNP', 0x55, P.pandn], ['ORP', 0x56, P.por], ['XORP', 0x57, P.pxor],
    ['UNPCKLP', 0x14, (r, d, s, n) => P.punpck(r, d, s, n, 4, false)],
    ['UNPCKHP', 0x15, (r, d, s, n) => P.punpck(r, d, s, n, 4, true)],
  ];
  it('ANDPS/ANDNPS/ORPS/XORPS/UNPCKxPS and the PD forms give the host result', () => {
    const b = new Batch();
    fpLogic.forEach(([name, opc, fn], k) => {
      b.add({ name: `${name}S`, code: [0x0f, opc, 0xc1], emu: (r) => (fn(r, xmm(0), xmm(1), 16), 0) }, inputs(7300 + k, caseCount(60)));
    });
    b.add({ name: 'ANDPD', code: [0x66, 0x0f, 0x54, 0xc1], emu: (r) => (P.pand(r, xmm(0), xmm(1), 16), 0) }, inputs(7310, caseCount(60)));
    b.add({ name: 'UNPCKLPD', code: [0x66, 0x0f, 0x14, 0xc1], emu: (r) => (P.punpck(r, xmm(0), xmm(1), 16, 8, false), 0) }, inputs(7311, caseCount(60)));
    b.add({ name: 'UNPCKHPD', code: [0x66, 0x0f, 0x15, 0xc1], emu: (r) => (P.punpck(r, xmm(0), xmm(1), 16, 8, true), 0) }, inputs(7312, caseCount(60)));
    b.expectAll();
  });

  // Shifts by register: [name, opcode], and by immediate: [group opcode, /reg]
  const shifts: Array<[string, number, number, number, (r: SimdRegs, d: number, c: number, n: number) => void]> = [
    ['PSRLW', 0xd1, 0x71, 2, P.psrlw], ['PSRAW', 0xe1, 0x71, 4, P.psraw], ['PSLLW', 0xf1, 0x71, 6, P.psllw],
    ['PSRLD', 0xd2, 0x72, 2, P.psrld], ['PSRAD', 0xe2, 0x72, 4, P.psrad], ['PSLLD', 0xf2, 0x72, 6, P.pslld],
    ['PSRLQ', 0xd3, 0x73, 2, P.psrlq], ['PSLLQ', 0xf3, 0x73, 6, P.psllq],
  ];
  shifts.forEach(([name, opc, grp, reg, fn], k) => {
    it(`${name} by register and by imm8 (counts 0..width+, huge) gives the host's result`, () => {
      const b = new Batch();
      b.add({ name: `${name} xmm,xmm`, code: [0x66, 0x0f, opc, 0xc1], emu: (r) => (fn(r, xmm(0), P.shiftCount(r, xmm(1)), 16), 0) }, inputs(7400 + k, caseCount(150), true));
      b.add({ name: `${name} mm,mm`, code: [0x0f, opc, 0xc1], mmx: true, emu: (r) => (fn(r, mm(0), P.shiftCount(r, mm(1)), 8), 0) }, inputs(7500 + k, caseCount(150), true));
      for (const imm of [0, 1, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 128, 255]) {
        b.add({ name: `${name} xmm,imm`, code: [0x66, 0x0f, grp, 0xc0 | (reg << 3), imm], emu: (r) => (fn(r, xmm(0), imm, 16), 0) }, inputs(7600 + k * 300 + imm, caseCount(4)));
        b.add({ name: `${name} mm,imm`, code: [0x0f, grp, 0xc0 | (reg << 3), imm], mmx: true, emu: (r) => (fn(r, mm(0), imm, 8), 0) }, inputs(7700 + k * 300 + imm, caseCount(4)));
      }
      b.expectAll();
    });
  });
  it('PSLLDQ/PSRLDQ by every imm8 0..16 and 255 give the host result', () => {
    const b = new Batch();
    for (const imm of [...Array(17).keys(), 100, 255]) {
      b.add({ name: 'PSRLDQ', code: [0x66, 0x0f, 0x73, 0xd8, imm], emu: (r) => (P.psrldq(r, xmm(0), imm), 0) }, inputs(8000 + imm, caseCount(4)));
      b.add({ name: 'PSLLDQ', code: [0x66, 0x0f, 0x73, 0xf8, imm], emu: (r) => (P.pslldq(r, xmm(0), imm), 0) }, inputs(8300 + imm, caseCount(4)));
    }
    b.expectAll();
  });

  it('PSHUFD/PSHUFHW/PSHUFLW/PSHUFW/SHUFPS/SHUFPD with random imm8 give the host result', () => {
    const b = new Batch();
    const rng = new Rng(8500);
    for (let t = 0; t < 24; t++) {
      const imm = rng.int(256);
      const specs: Spec[] = [
        { name: 'PSHUFD', code: [0x66, 0x0f, 0x70, 0xc1, imm], emu: (r) => (P.pshufd(r, xmm(0), xmm(1), imm), 0) },
        { name: 'PSHUFHW', code: [0xf3, 0x0f, 0x70, 0xc1, imm], emu: (r) => (P.pshufhw(r, xmm(0), xmm(1), imm), 0) },
        { name: 'PSHUFLW', code: [0xf2, 0x0f, 0x70, 0xc1, imm], emu: (r) => (P.pshuflw(r, xmm(0), xmm(1), imm), 0) },
        { name: 'PSHUFW', code: [0x0f, 0x70, 0xc1, imm], mmx: true, emu: (r) => (P.pshufw(r, mm(0), mm(1), imm), 0) },
        { name: 'SHUFPS', code: [0x0f, 0xc6, 0xc1, imm], emu: (r) => (P.shufps(r, xmm(0), xmm(1), imm), 0) },
        { name: 'SHUFPS same', code: [0x0f, 0xc6, 0xc0, imm], emu: (r) => (P.shufps(r, xmm(0), xmm(0), imm), 0) },
        { name: 'SHUFPD', code: [0x66, 0x0f, 0xc6, 0xc1, imm], emu: (r) => (P.shufpd(r, xmm(0), xmm(1), imm), 0) },
      ];
      specs.forEach((sp, k) => b.add(sp, inputs(8600 + t * 10 + k, caseCount(6))));
    }
    b.expectAll();
  });

  it('PMOVMSKB/MOVMSKPS/MOVMSKPD/PEXTRW/PINSRW and MOVQ/MOVD/MOVQ2DQ give the host result', () => {
    const b = new Batch();
    const g = (r: bigint): number => Number(r & 0xffffffffn) | 0;
    b.add({ name: 'PMOVMSKB xmm', code: [0x66, 0x0f, 0xd7, 0xc1], gprs: [0], emu: (r, st) => ((st.gpr[0] = BigInt(P.pmovmskb(r, xmm(1), 16))), 0) }, inputs(9000, caseCount(100)));
    b.add({ name: 'PMOVMSKB mm', code: [0x0f, 0xd7, 0xc1], gprs: [0], mmx: true, emu: (r, st) => ((st.gpr[0] = BigInt(P.pmovmskb(r, mm(1), 8))), 0) }, inputs(9001, caseCount(100)));
    b.add({ name: 'MOVMSKPS', code: [0x0f, 0x50, 0xc1], gprs: [0], emu: (r, st) => ((st.gpr[0] = BigInt(P.movmskps(r, xmm(1)))), 0) }, inputs(9002, caseCount(100)));
    b.add({ name: 'MOVMSKPD', code: [0x66, 0x0f, 0x50, 0xc1], gprs: [0], emu: (r, st) => ((st.gpr[0] = BigInt(P.movmskpd(r, xmm(1)))), 0) }, inputs(9003, caseCount(100)));
    for (const imm of [0, 1, 2, 3, 4, 5, 6, 7, 8, 13, 255]) {
      b.add({ name: 'PEXTRW xmm', code: [0x66, 0x0f, 0xc5, 0xc1, imm], gprs: [0], emu: (r, st) => ((st.gpr[0] = BigInt(P.pextrw(r, xmm(1), imm, 16))), 0) }, inputs(9100 + imm, caseCount(10)));
      b.add({ name: 'PEXTRW mm', code: [0x0f, 0xc5, 0xc1, imm], gprs: [0], mmx: true, emu: (r, st) => ((st.gpr[0] = BigInt(P.pextrw(r, mm(1), imm, 8))), 0) }, inputs(9400 + imm, caseCount(10)));
      b.add({ name: 'PINSRW xmm', code: [0x66, 0x0f, 0xc4, 0xc0, imm], emu: (r, st) => (P.pinsrw(r, xmm(0), g(st.gpr[0]!), imm, 16), 0) }, inputs(9700 + imm, caseCount(10)));
      b.add({ name: 'PINSRW mm', code: [0x0f, 0xc4, 0xc0, imm], mmx: true, emu: (r, st) => (P.pinsrw(r, mm(0), g(st.gpr[0]!), imm, 8), 0) }, inputs(9900 + imm, caseCount(10)));
    }
    b.add({ name: 'MOVQ xmm,xmm (F3 0F 7E)', code: [0xf3, 0x0f, 0x7e, 0xc1], emu: (r) => (P.movqXmm(r, xmm(0), xmm(1)), 0) }, inputs(9010, caseCount(30)));
    b.add({ name: 'MOVQ xmm,xmm (66 0F D6)', code: [0x66, 0x0f, 0xd6, 0xc1], emu: (r) => (P.movqXmm(r, xmm(1), xmm(0)), 0) }, inputs(9011, caseCount(30)));
    b.add({ name: 'MOVQ2DQ', code: [0xf3, 0x0f, 0xd6, 0xc1], mmx: true, emu: (r) => (P.movq2dq(r, xmm(0), mm(1)), 0) }, inputs(9012, caseCount(30)));
    b.add({ name: 'MOVD xmm,r32', code: [0x66, 0x0f, 0x6e, 0xc0], emu: (r, st) => (P.movdToXmm(r, xmm(0), g(st.gpr[0]!), 0), 0) }, inputs(9013, caseCount(30)));
    b.add({ name: 'MOVQ xmm,r64', code: [0x66, 0x48, 0x0f, 0x6e, 0xc0], emu: (r, st) => (P.movdToXmm(r, xmm(0), g(st.gpr[0]!), g(st.gpr[0]! >> 32n)), 0) }, inputs(9014, caseCount(30)));
    b.expectAll();
  });
});
