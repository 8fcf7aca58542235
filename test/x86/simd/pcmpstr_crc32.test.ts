// SSE4.2 PCMPxSTRx over every imm8 and CRC32 (all operand sizes) against the host CPU.
import { afterAll, describe, it } from 'vitest';
import * as P from '../../../src/x86/simd/pcmpstr.ts';
import { crc32, crc32q } from '../../../src/x86/simd/crc32c.ts';
import { caseCount, DEEP, Batch, genImage, genInt64, hostReady, Rng, tally, xmm } from './simd_harness.ts';
import type { Input, Spec } from './simd_harness.ts';

const X0 = xmm(0);
const X1 = xmm(1);
const X2 = xmm(2);
const lo = (v: bigint): number => Number(v & 0xffffffffn) | 0;
const hi = (v: bigint): number => Number((v >> 32n) & 0xffffffffn) | 0;

/** Strings over a small alphabet so that matches, ranges and early terminators are common. */
function strInputs(seed: number, n: number): Input[] {
  const rng = new Rng(seed);
  const alphabet = [0x61, 0x62, 0x63, 0x7a, 0x00, 0x80, 0xff, 0x01, 0x41];
  return Array.from({ length: n }, () => {
    const fx = genImage(rng, 'int');
    for (const reg of [1, 2]) {
      const mode = rng.int(3);
      for (let i = 0; i < 16; i++) {
        let b = mode === 0 ? rng.u32() & 0xff : rng.pick(alphabet);
        if (mode === 2 && b === 0) b = 0x62;
        if (mode !== 0 && rng.chance(0.05)) b = 0;
        fx[xmm(reg) + i] = b;
      }
      if (rng.chance(0.3)) fx.copyWithin(xmm(2) + rng.int(8), xmm(1), xmm(1) + 8); // needle inside the text
    }
    const len = (): bigint => {
      const k = rng.int(10);
      if (k < 7) return BigInt.asUintN(64, BigInt(rng.int(41) - 20));
      return genInt64(rng);
    };
    return { fx, gpr: [len(), 0n, len()] };
  });
}

const ready = hostReady();

describe.skipIf(!ready)('SSE4.2 PCMPxSTRx and CRC32 match the host CPU', () => {
  afterAll(() => {
    for (const [k, v] of tally) console.log(`simd-tally ${k} cases=${v.cases} mismatches=${v.mismatches}`);
  });
  const flags = 0x8d5;
  const per = DEEP ? caseCount(3) : 3;
  it('PCMPESTRI/PCMPESTRM (32- and 64-bit lengths) give the host index, mask and flags for every imm8 0..127', () => {
    const b = new Batch();
    for (let imm = 0; imm < 128; imm++) {
      for (const wide of [false, true]) {
        const w = wide ? [0x48] : [];
        const len = (st: { gpr: BigUint64Array }, g: number): number => P.explicitLength(lo(st.gpr[g]!), hi(st.gpr[g]!), wide, imm);
        const i: Spec = {
          name: `PCMPESTRI${wide ? ' W' : ''}`,
          code: [0x66, ...w, 0x0f, 0x3a, 0x61, 0xca, imm],
          gprs: [1],
          flags,
          emu: (r, st) => {
            st.gpr[1] = BigInt(P.pcmpestri(r, X1, X2, imm, len(st, 0), len(st, 2)));
            st.rflags = P.strFlags;
            return 0;
          },
        };
        const m: Spec = {
          name: `PCMPESTRM${wide ? ' W' : ''}`,
          code: [0x66, ...w, 0x0f, 0x3a, 0x60, 0xca, imm],
          flags,
          emu: (r, st) => {
            P.pcmpestrm(r, X1, X2, imm, len(st, 0), len(st, 2), X0);
            st.rflags = P.strFlags;
            return 0;
          },
        };
        b.add(i, strInputs(13000 + imm * 4 + (wide ? 1 : 0), per));
        b.add(m, strInputs(14000 + imm * 4 + (wide ? 1 : 0), per));
      }
    }
    b.expectAll();
  });
  it('PCMPISTRI/PCMPISTRM give the host index, mask and flags for every imm8 0..127', () => {
    const b = new Batch();
    for (let imm = 0; imm < 128; imm++) {
      const i: Spec = {
        name: 'PCMPISTRI',
        code: [0x66, 0x0f, 0x3a, 0x63, 0xca, imm],
        gprs: [1],
        flags,
        emu: (r, st) => {
          st.gpr[1] = BigInt(P.pcmpistri(r, X1, X2, imm));
          st.rflags = P.strFlags;
          return 0;
        },
      };
      const m: Spec = {
        name: 'PCMPISTRM',
        code: [0x66, 0x0f, 0x3a, 0x62, 0xca, imm],
        flags,
        emu: (r, st) => {
          P.pcmpistrm(r, X1, X2, imm, X0);
          st.rflags = P.strFlags;
          return 0;
        },
      };
      b.add(i, strInputs(15000 + imm, per * 2));
      b.add(m, strInputs(16000 + imm, per * 2));
    }
    b.expectAll();
  });
  it('CRC32 r32 with r/m8, r/m16, r/m32 and CRC32 r64, r/m64 give the host CRC-32C', () => {
    const b = new Batch();
    const rng = new Rng(17000);
    const ins = (): Input[] => Array.from({ length: caseCount(200) }, () => ({ fx: genImage(rng, 'int'), gpr: [genInt64(rng), genInt64(rng)] }));
    const specs: Spec[] = [
      { name: 'CRC32 r32,r/m8', code: [0xf2, 0x0f, 0x38, 0xf0, 0xc1], gprs: [0, 1], emu: (_r, st) => ((st.gpr[0] = BigInt(crc32(lo(st.gpr[0]!), lo(st.gpr[1]!), 1) >>> 0)), 0) },
      { name: 'CRC32 r32,r/m16', code: [0x66, 0xf2, 0x0f, 0x38, 0xf1, 0xc1], gprs: [0, 1], emu: (_r, st) => ((st.gpr[0] = BigInt(crc32(lo(st.gpr[0]!), lo(st.gpr[1]!), 2) >>> 0)), 0) },
      { name: 'CRC32 r32,r/m32', code: [0xf2, 0x0f, 0x38, 0xf1, 0xc1], gprs: [0, 1], emu: (_r, st) => ((st.gpr[0] = BigInt(crc32(lo(st.gpr[0]!), lo(st.gpr[1]!), 4) >>> 0)), 0) },
      { name: 'CRC32 r64,r/m64', code: [0xf2, 0x48, 0x0f, 0x38, 0xf1, 0xc1], gprs: [0, 1], emu: (_r, st) => ((st.gpr[0] = BigInt(crc32q(lo(st.gpr[0]!), lo(st.gpr[1]!), hi(st.gpr[1]!)) >>> 0)), 0) },
    ];
    for (const s of specs) b.add(s, ins());
    b.expectAll();
  });
});
