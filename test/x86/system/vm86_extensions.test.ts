// Virtual-8086 mode extensions are not part of this CPU model: CPUID.1:EDX.VME (bit 1) is clear,
// so CR4.VME and CR4.PVI are reserved bits and setting either is #GP(0) (SDM Vol 3A §2.5, Vol 2
// MOV CR "#GP(0) if an attempt is made to write a 1 to any reserved bit in CR4"). QEMU 7.2 TCG
// answers reserved CR4 bits with an SVM exit outside SVM, so the SDM is the oracle here.
import { describe, it, expect } from 'vitest';
import { FlatMachine } from '../support/flat_machine.ts';
import { Exit } from '../../../src/x86/cpu.ts';
import * as L from '../../../src/x86/state_layout.ts';

function run(code: number[]): { exit: number; vector: number; cr4: number; edx: number } {
  const m = new FlatMachine([[0x1000, 0x1000], [0x8000, 0x1000]]);
  m.load(0x1000, new Uint8Array([...code, 0xf4]));
  m.cpu.setFlatMode(32, 0);
  m.cpu.rip = 0x1000;
  m.cpu.s32[L.RSP * 2] = 0x8ff0;
  const exit = m.cpu.run(100);
  return { exit, vector: m.cpu.pendingVector, cr4: m.cpu.s32[L.CR4 >> 2]!, edx: m.cpu.s32[L.RDX * 2]! };
}

describe('VME/PVI not advertised', () => {
  it('CPUID leaf 1 reports no VME', () => {
    const r = run([0xb8, 1, 0, 0, 0, 0x0f, 0xa2]); // mov eax, 1; cpuid
    expect(r.exit).toBe(Exit.HLT);
    expect(r.edx & 2).toBe(0);
  });
  for (const [name, bit] of [['VME', 1], ['PVI', 2]] as const) {
    it(`MOV CR4 with ${name} set raises #GP(0) and leaves CR4 alone`, () => {
      const r = run([0xb8, bit, 0, 0, 0, 0x0f, 0x22, 0xe0]); // mov eax, bit; mov cr4, eax
      expect([r.exit, r.vector, r.cr4 & 3]).toEqual([Exit.EXCEPTION, 13, 0]);
    });
  }
});
