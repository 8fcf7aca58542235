import { describe, it, expect } from 'vitest';
import { decode, FAULT_GP, FAULT_UD, FAULT_FETCH } from '../../../src/x86/decode/decoder.ts';
import { DecodedInsn } from '../../../src/x86/decode/decoded_insn.ts';
import { OPCODES } from '../../../src/x86/opcodes/table.ts';
import { FlatMachine } from '../support/flat_machine.ts';
import { Exit } from '../../../src/x86/cpu.ts';

function dec(bytes: number[], bits = 64): DecodedInsn {
  const d = new DecodedInsn();
  const buf = new Uint8Array(16);
  buf.set(bytes);
  decode(buf, Math.min(15, bytes.length), bits, d);
  return d;
}
const mn = (d: DecodedInsn): string => OPCODES[d.entry]!.mnemonic;

describe('decoder', () => {
  it('decodes ModRM/SIB/disp32 with REX.W and reports the length', () => {
    // mov rax, [rbx + rcx*4 + 0x12345678]
    const d = dec([0x48, 0x8b, 0x84, 0x8b, 0x78, 0x56, 0x34, 0x12]);
    expect(d.fault).toBe(-1);
    expect(mn(d)).toBe('MOV');
    expect(d.len).toBe(8);
    expect(d.osz).toBe(3);
    expect([d.base, d.index, d.scale, d.disp]).toEqual([3, 1, 2, 0x12345678]);
  });

  it('treats mod=00 rm=101 as RIP-relative in 64-bit mode and as disp32 in 32-bit mode', () => {
    const d64 = dec([0x8b, 0x05, 0x10, 0, 0, 0]);
    expect(d64.base).toBe(16);
    const d32 = dec([0x8b, 0x05, 0x10, 0, 0, 0], 32);
    expect(d32.base).toBe(-1);
    expect(d32.disp).toBe(0x10);
  });

  it('ignores a REX prefix that is not immediately before the opcode', () => {
    // 48 66 89 c0: REX.W then 66 -> REX ignored, 16-bit mov ax, ax
    const d = dec([0x48, 0x66, 0x89, 0xc0]);
    expect(d.osz).toBe(1);
    const d2 = dec([0x66, 0x48, 0x89, 0xc0]);
    expect(d2.osz).toBe(3); // REX.W wins over 66
  });

  it('uses 16-bit addressing forms with SS default for BP', () => {
    // mov ax, [bp+di+0x10] in 16-bit code
    const d = dec([0x8b, 0x43, 0x10], 16);
    expect([d.base, d.index, d.disp, d.seg, d.asz]).toEqual([5, 7, 0x10, 2, 1]);
  });

  it('raises #GP for instructions longer than 15 bytes', () => {
    const ok = dec([0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x90]);
    expect([ok.fault, ok.len]).toEqual([-1, 15]);
    expect(dec([0x48, 0x8b]).fault).toBe(FAULT_FETCH);
    const buf = new Uint8Array(16).fill(0x66);
    const d2 = new DecodedInsn();
    decode(buf, 15, 64, d2);
    expect(d2.fault).toBe(FAULT_GP);
  });

  it('raises #UD for LOCK on a non-lockable instruction or a register destination', () => {
    expect(dec([0xf0, 0x89, 0x03]).fault).toBe(FAULT_UD); // lock mov [rbx], eax
    expect(dec([0xf0, 0x01, 0xc3]).fault).toBe(FAULT_UD); // lock add ebx, eax
    expect(dec([0xf0, 0x01, 0x03]).fault).toBe(-1); // lock add [rbx], eax
  });

  it('rejects i64 opcodes in 64-bit mode and accepts them in 32-bit mode', () => {
    expect(dec([0x27]).fault).toBe(FAULT_UD); // DAA
    expect(mn(dec([0x27], 32))).toBe('DAA');
    expect(mn(dec([0x63, 0xc0]))).toBe('MOVSXD');
  });

  it('picks NOP, PAUSE and XCHG r8 for 90 by prefix and REX.B', () => {
    expect(mn(dec([0x90]))).toBe('NOP');
    expect(mn(dec([0xf3, 0x90]))).toBe('PAUSE');
    const x = dec([0x41, 0x90]);
    expect(mn(x)).toBe('XCHG');
    expect(x.r1).toBe(8);
  });

  it('selects TZCNT with F3 and BSF without, keeping 66 as operand size', () => {
    expect(mn(dec([0xf3, 0x0f, 0xbc, 0xc0]))).toBe('TZCNT');
    const b = dec([0x66, 0x0f, 0xbc, 0xc0]);
    expect(mn(b)).toBe('BSF');
    expect(b.osz).toBe(1);
  });

  it('decodes VEX-encoded BMI and rejects a non-1111 vvvv where the row has no VEX operand', () => {
    // andn eax, ebx, ecx: c4 e2 60 f2 c1
    const d = dec([0xc4, 0xe2, 0x60, 0xf2, 0xc1]);
    expect(mn(d)).toBe('ANDN');
    expect(d.r2).toBe(3);
    expect(dec([0xc4, 0xe3, 0x4b, 0xf0, 0xc1, 0x01]).fault).toBe(FAULT_UD); // rorx with vvvv != 1111
    expect(mn(dec([0xc4, 0xe3, 0x7b, 0xf0, 0xc1, 0x01]))).toBe('RORX');
  });

  it('ignores CS/DS/ES/SS overrides in 64-bit mode but keeps FS/GS', () => {
    expect(dec([0x2e, 0x8b, 0x03]).segOverride).toBe(0);
    const g = dec([0x65, 0x8b, 0x03]);
    expect([g.segOverride, g.seg]).toEqual([1, 5]);
  });
});

describe('decode cache and self-modifying code', () => {
  it('re-decodes an instruction after a store into its own code page', () => {
    const m = new FlatMachine([[0x1000, 0x1000]]);
    // 0x1000: mov byte [rip+1], 0x05 ; 0x1007: add eax, 1 (83 c0 01) ; hlt
    // The store patches the immediate of the following add from 1 to 5.
    m.load(0x1000, new Uint8Array([0xc6, 0x05, 0x02, 0, 0, 0, 0x05, 0x83, 0xc0, 0x01, 0xf4]));
    m.cpu.setFlatMode(64);
    // run the add once first so it is cached
    m.cpu.rip = 0x1007;
    expect(m.cpu.run(2)).toBe(Exit.HLT);
    expect(m.cpu.reg32(0)).toBe(1);
    m.cpu.rip = 0x1000;
    expect(m.cpu.run(10)).toBe(Exit.HLT);
    expect(m.cpu.reg32(0)).toBe(6);
  });

  it('invalidatePhysicalRange drops code written behind the CPU\'s back', () => {
    const m = new FlatMachine([[0x1000, 0x1000]]);
    m.load(0x1000, new Uint8Array([0x83, 0xc0, 0x01, 0xf4]));
    m.cpu.setFlatMode(32);
    m.cpu.rip = 0x1000;
    m.cpu.run(5);
    m.load(0x1002, new Uint8Array([0x07]));
    m.cpu.invalidatePhysicalRange(0x1002, 1);
    m.cpu.rip = 0x1000;
    m.cpu.run(5);
    expect(m.cpu.reg32(0)).toBe(8);
  });
});
