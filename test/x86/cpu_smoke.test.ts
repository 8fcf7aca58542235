import { describe, it, expect } from 'vitest';
import { FlatMachine } from './support/flat_machine.ts';
import { Exit } from '../../src/x86/cpu.ts';
import { MXCSR } from '../../src/x86/state_layout.ts';

describe('cpu smoke', () => {
  it('runs a 64-bit counting loop to HLT', () => {
    const m = new FlatMachine([[0x1000, 0x1000]]);
    // mov ecx, 10; xor eax, eax; l: add rax, rcx; dec ecx; jnz l; hlt
    m.load(0x1000, new Uint8Array([0xb9, 10, 0, 0, 0, 0x31, 0xc0, 0x48, 0x01, 0xc8, 0xff, 0xc9, 0x75, 0xf9, 0xf4]));
    m.cpu.setFlatMode(64);
    m.cpu.rip = 0x1000;
    const r = m.cpu.run(1000);
    expect(r).toBe(Exit.HLT);
    expect(m.cpu.reg32(0)).toBe(55);
    expect(m.cpu.icount).toBe(2 + 3 * 10 + 1);
  });
});

describe('power-up state', () => {
  it('starts with x87 FCW 0040H and MXCSR 1F80H (SDM Vol 3 Table 9-1)', () => {
    const m = new FlatMachine([[0x1000, 0x2000]]);
    // fnstcw [0x2000]; hlt
    m.load(0x1000, new Uint8Array([0xd9, 0x3c, 0x25, 0x00, 0x20, 0x00, 0x00, 0xf4]));
    m.cpu.setFlatMode(64);
    m.cpu.rip = 0x1000;
    expect(m.cpu.run(10)).toBe(Exit.HLT);
    expect(Array.from(m.read(0x2000, 2))).toEqual([0x40, 0x00]);
    expect(m.cpu.s32[MXCSR >> 2]).toBe(0x1f80);
  });
});
