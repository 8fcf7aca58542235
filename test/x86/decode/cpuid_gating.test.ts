// CPUID feature gating (issue 3): with a feature turned off the way `-cpu qemu64,-sse4.2` does,
// the guest's CPUID no longer reports it and its instructions raise #UD; with it on they decode.
// Except LZCNT/TZCNT, which without ABM/BMI1 run as BSR/BSF (SDM Vol 2 LZCNT, TZCNT), and
// LAHF/SAHF, gated in 64-bit mode only (SDM Vol 2 LAHF).

import { afterEach, describe, it, expect } from 'vitest';
import { decode } from '../../../src/x86/decode/decoder.ts';
import { DecodedInsn } from '../../../src/x86/decode/decoded_insn.ts';
import { OPCODES } from '../../../src/x86/opcodes/table.ts';
import { configureCpuidModel } from '../../../src/x86/exec/cpuid.ts';
import { FlatMachine } from '../support/flat_machine.ts';
import { Exit } from '../../../src/x86/cpu.ts';

function dec(bytes: number[], bits: number): DecodedInsn {
  const d = new DecodedInsn();
  const buf = new Uint8Array(16);
  buf.set(bytes);
  decode(buf, Math.min(15, bytes.length), bits, d);
  return d;
}

/** QEMU flag, CPUID [leaf, register index in EAX EBX ECX EDX order, bit], a sample instruction. */
const CASES: [string, [number, number, number], number[], string][] = [
  ['sse3', [1, 2, 0], [0xf2, 0x0f, 0x7c, 0xc1], 'HADDPS'],
  ['ssse3', [1, 2, 9], [0x66, 0x0f, 0x38, 0x00, 0xc1], 'PSHUFB'],
  ['sse4.1', [1, 2, 19], [0x66, 0x0f, 0x38, 0x40, 0xc1], 'PMULLD'],
  ['sse4.2', [1, 2, 20], [0xf2, 0x0f, 0x38, 0xf1, 0xc1], 'CRC32'],
  ['sse4_2', [1, 2, 20], [0x66, 0x0f, 0x38, 0x37, 0xc1], 'PCMPGTQ'],
  ['popcnt', [1, 2, 23], [0xf3, 0x0f, 0xb8, 0xc1], 'POPCNT'],
  ['movbe', [1, 2, 22], [0x0f, 0x38, 0xf0, 0x01], 'MOVBE'],
  ['rdrand', [1, 2, 30], [0x0f, 0xc7, 0xf0], 'RDRAND'],
  ['cx16', [1, 2, 13], [0x48, 0x0f, 0xc7, 0x0e], 'CMPXCHG8B'], // the REX.W form, CMPXCHG16B
  ['mmx', [1, 3, 23], [0x0f, 0xfc, 0xc1], 'PADDB'],
  ['sse', [1, 3, 25], [0x0f, 0x58, 0xc1], 'ADDPS'],
  ['sse2', [1, 3, 26], [0x66, 0x0f, 0x58, 0xc1], 'ADDPD'],
  ['bmi1', [7, 1, 3], [0xc4, 0xe2, 0x70, 0xf2, 0xc2], 'ANDN'],
  ['bmi2', [7, 1, 8], [0xc4, 0xe2, 0x70, 0xf5, 0xc2], 'BZHI'],
  ['adx', [7, 1, 19], [0x66, 0x0f, 0x38, 0xf6, 0xc1], 'ADCX'],
  ['rdseed', [7, 1, 18], [0x0f, 0xc7, 0xf8], 'RDSEED'],
  ['lahf-lm', [0x80000001, 2, 0], [0x9f], 'LAHF'],
];

/** Run CPUID leaf `leaf` in a 64-bit guest; returns [EAX, EBX, ECX, EDX]. */
function guestCpuid(leaf: number): number[] {
  const m = new FlatMachine([[0, 0x10000]]);
  m.cpu.setFlatMode(64);
  m.load(0x1000, new Uint8Array([0x0f, 0xa2, 0xf4]));
  m.cpu.s32[0] = leaf; m.cpu.s32[2] = 0;
  m.cpu.rip = 0x1000;
  expect(m.cpu.run(5)).toBe(Exit.HLT);
  return [0, 3, 1, 2].map((r) => m.cpu.reg32(r) >>> 0);
}

afterEach(() => { configureCpuidModel({}); });

describe('CPUID feature gating', () => {
  it.each(CASES)('-%s: CPUID reports the bit clear and %j (%s) raises #UD; on by default', (flag, [leaf, reg, bit], bytes, mnemonic) => {
    const on = dec(bytes, 64);
    expect(on.fault).toBe(-1);
    expect(OPCODES[on.entry]!.mnemonic).toBe(mnemonic);
    expect((guestCpuid(leaf)[reg]! >>> bit) & 1).toBe(1);
    expect(configureCpuidModel({ [flag]: false })).toEqual([]);
    expect((guestCpuid(leaf)[reg]! >>> bit) & 1).toBe(0);
    expect(dec(bytes, 64).fault).toBe(6);
    configureCpuidModel({ [flag]: true });
    expect(dec(bytes, 64).fault).toBe(-1);
  });

  it('turning one SSE level off leaves the others', () => {
    configureCpuidModel({ 'sse4.2': false });
    expect(dec([0x66, 0x0f, 0x38, 0x40, 0xc1], 64).fault).toBe(-1); // PMULLD (SSE4.1)
    expect(dec([0x66, 0x0f, 0x38, 0x00, 0xc1], 64).fault).toBe(-1); // PSHUFB (SSSE3)
    expect(dec([0xf3, 0x0f, 0xb8, 0xc1], 64).fault).toBe(-1); // POPCNT has its own bit
    expect(dec([0xf2, 0x0f, 0x38, 0xf0, 0xc1], 32).fault).toBe(6); // CRC32 Gd,Eb in 32-bit code too
  });

  it('LAHF/SAHF are gated in 64-bit mode only', () => {
    configureCpuidModel({ 'lahf_lm': false });
    expect(dec([0x9e], 64).fault).toBe(6);
    expect(dec([0x9e], 32).fault).toBe(-1);
    expect(dec([0x9f], 16).fault).toBe(-1);
  });

  it('without ABM / BMI1, F3 0F BD / BC run as BSR / BSF (the REP prefix is ignored)', () => {
    expect(OPCODES[dec([0xf3, 0x0f, 0xbd, 0xc1], 64).entry]!.mnemonic).toBe('LZCNT');
    configureCpuidModel({ abm: false, bmi1: false });
    const lz = dec([0xf3, 0x0f, 0xbd, 0xc1], 64), tz = dec([0xf3, 0x0f, 0xbc, 0xc1], 64);
    expect([lz.fault, OPCODES[lz.entry]!.mnemonic, lz.len]).toEqual([-1, 'BSR', 4]);
    expect([tz.fault, OPCODES[tz.entry]!.mnemonic, tz.len]).toEqual([-1, 'BSF', 4]);
    // and they compute BSR/BSF: ECX = 0x00f0 -> LZCNT would give 24, BSR gives 7
    const m = new FlatMachine([[0, 0x10000]]);
    m.cpu.setFlatMode(32);
    m.load(0x1000, new Uint8Array([0xf3, 0x0f, 0xbd, 0xc1, 0xf3, 0x0f, 0xbc, 0xd1, 0xf4])); // lzcnt eax,ecx; tzcnt edx,ecx; hlt
    m.cpu.s32[2] = 0xf0;
    m.cpu.rip = 0x1000;
    expect(m.cpu.run(5)).toBe(Exit.HLT);
    expect([m.cpu.reg32(0), m.cpu.reg32(2)]).toEqual([7, 4]);
  });

  it('a running guest gets #UD for CRC32 after -sse4.2 (decode cache holds no gated instruction)', () => {
    configureCpuidModel({ 'sse4.2': false });
    const m = new FlatMachine([[0, 0x10000]]);
    m.cpu.setFlatMode(64);
    m.load(0x1000, new Uint8Array([0xf2, 0x0f, 0x38, 0xf1, 0xc1, 0xf4]));
    m.cpu.rip = 0x1000;
    expect(m.cpu.run(5)).toBe(Exit.EXCEPTION);
    expect(m.cpu.pendingVector).toBe(6);
    expect(m.cpu.rip).toBe(0x1000);
  });

  it('reports names it does not gate, and +feature cannot add what the model lacks', () => {
    expect(configureCpuidModel({ 'xen-vapic': true, avx2: true, 'sse4.2': true })).toEqual(['xen-vapic', 'avx2']);
    expect(guestCpuid(7)[1]! & (1 << 5)).toBe(0); // AVX2 stays off
  });
});
