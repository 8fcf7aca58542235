// Real-mode segment limits and wraparound (SDM Vol 3 §20.1.1 and Vol 2 "Real-Address Mode
// Exceptions": #GP for an operand outside the CS/DS/ES/FS/GS limit, #SS outside SS's; 16-bit
// offsets wrap within the segment, so a push at SP 0 lands at FFFEh). QEMU TCG makes no limit
// checks, so the SDM is the oracle; segments here are the usual real-mode 64 KiB at base 0.
import { describe, it, expect } from 'vitest';
import { FlatMachine } from '../support/flat_machine.ts';
import { Exit } from '../../../src/x86/cpu.ts';
import * as L from '../../../src/x86/state_layout.ts';

function run(code: number[], regs: Partial<Record<number, number>>): { exit: number; vector: number; m: FlatMachine } {
  const m = new FlatMachine([[0, 0x11000]]);
  m.load(0x1000, new Uint8Array([...code, 0xf4]));
  m.cpu.setFlatMode(16);
  m.cpu.rip = 0x1000;
  for (const [r, v] of Object.entries(regs)) m.cpu.s32[Number(r) * 2] = v!;
  const exit = m.cpu.run(20);
  return { exit, vector: exit === Exit.EXCEPTION ? m.cpu.pendingVector : -1, m };
}
const sp = (m: FlatMachine): number => m.cpu.s32[L.RSP * 2]! & 0xffff;

describe('real-mode limits and wraparound (SDM)', () => {
  it('PUSH at SP 0 wraps to FFFEh (no fault)', () => {
    const r = run([0x50], { [L.RAX]: 0xbeef, [L.RSP]: 0 }); // push ax
    expect(r.exit).toBe(Exit.HLT);
    expect(sp(r.m)).toBe(0xfffe);
    expect([...r.m.read(0xfffe, 2)]).toEqual([0xef, 0xbe]);
  });
  it('POP of a word at SP FFFFh straddles the limit: #SS, SP unchanged', () => {
    const r = run([0x58], { [L.RSP]: 0xffff }); // pop ax
    expect(r.vector).toBe(12);
    expect(sp(r.m)).toBe(0xffff);
  });
  it('a word operand at DS:FFFFh is #GP; a byte there is fine', () => {
    expect(run([0xa1, 0xff, 0xff], {}).vector).toBe(13); // mov ax, [0xffff]
    expect(run([0xa0, 0xff, 0xff], {}).exit).toBe(Exit.HLT); // mov al, [0xffff]
  });
  it('a dword store at DS:FFFDh is #GP and writes nothing', () => {
    const r = run([0x66, 0xa3, 0xfd, 0xff], { [L.RAX]: 0x11223344 }); // mov [0xfffd], eax
    expect(r.vector).toBe(13);
    expect([...r.m.read(0xfffd, 3)]).toEqual([0, 0, 0]);
  });
  it('LODSW at SI FFFFh is #GP with SI unchanged', () => {
    const r = run([0xad], { [L.RSI]: 0xffff }); // lodsw
    expect(r.vector).toBe(13);
    expect(r.m.cpu.s32[L.RSI * 2]! & 0xffff).toBe(0xffff);
  });
  it('16-bit effective addresses wrap before the limit check: [BX+SI] with BX FFFFh, SI 2 reads offset 1', () => {
    const r = run([0x8b, 0x00], { [L.RBX]: 0xffff, [L.RSI]: 2 }); // mov ax, [bx+si]
    expect(r.exit).toBe(Exit.HLT);
  });
});
