import { describe, it, expect } from 'vitest';
import { FlatMachine } from './support/flat_machine.ts';
import { Exit } from '../../src/x86/cpu.ts';

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
