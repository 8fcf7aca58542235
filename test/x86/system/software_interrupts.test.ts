// A fault raised while delivering INT n / INT3 / INTO / INT1 is a fault of that instruction: the
// handler's return address is the INT instruction itself, not the one after it (SDM Vol 3 §6.5,
// §6.12.1; XTF's swint-emulation test checks every form under Xen).
import { describe, it, expect } from 'vitest';
import { FlatMachine } from '../support/flat_machine.ts';
import { Exit } from '../../../src/x86/cpu.ts';
import * as L from '../../../src/x86/state_layout.ts';
import { deliverPending } from '../../../src/x86/system/exceptions.ts';

const GDT = 0x5000, IDT = 0x6000, HANDLER = 0x1800, STACK_TOP = 0x8ff0;

function le32(m: FlatMachine, paddr: number, v: number): void {
  m.load(paddr, new Uint8Array([v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff]));
}
function rd32(m: FlatMachine, paddr: number): number {
  const b = m.read(paddr, 4);
  return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
}
/** 32-bit interrupt gate to 0x08:offset (SDM Vol 3 Figure 6-2); `present` false makes it #NP. */
function gate(m: FlatMachine, vector: number, offset: number, present: boolean): void {
  le32(m, IDT + vector * 8, (0x08 << 16) | (offset & 0xffff));
  le32(m, IDT + vector * 8 + 4, (offset & 0xffff0000) | (present ? 0x8000 : 0) | 0x0e00);
}

/** Runs `code` at 0x1000 in 32-bit ring 0 with a #NP handler that halts; returns the #NP frame. */
function runWithNotPresentGate(code: number[], vector: number): { exit: number; error: number; eip: number } {
  const m = new FlatMachine([[0x1000, 0x1000], [GDT, 0x1000], [IDT, 0x1000], [0x8000, 0x1000]]);
  m.load(0x1000, new Uint8Array(code));
  m.load(HANDLER, new Uint8Array([0xf4]));
  // GDT: null, 0x08 flat 32-bit code, 0x10 flat data.
  le32(m, GDT + 8, 0x0000ffff); le32(m, GDT + 12, 0x00cf9a00);
  le32(m, GDT + 16, 0x0000ffff); le32(m, GDT + 20, 0x00cf9200);
  gate(m, vector, 0x1f00, false);
  gate(m, 11, HANDLER, true);
  const cpu = m.cpu;
  cpu.setFlatMode(32, 0);
  const s = cpu.s32;
  s[L.GDTR >> 2] = GDT; s[(L.GDTR >> 2) + 2] = 0x17;
  s[L.IDTR >> 2] = IDT; s[(L.IDTR >> 2) + 2] = 0x7ff;
  s[L.RSP * 2] = STACK_TOP;
  cpu.deliverException = (): boolean => deliverPending(cpu);
  cpu.rip = 0x1000;
  const exit = cpu.run(100);
  const esp = s[L.RSP * 2]! >>> 0;
  return { exit, error: rd32(m, esp), eip: rd32(m, esp + 4) };
}

describe('faults while delivering software interrupts', () => {
  it.each([
    ['INT 0x21', [0x90, 0xcd, 0x21], 0x21],
    ['INT3', [0x90, 0xcc], 3],
    ['INT1 (ICEBP)', [0x90, 0xf1], 1],
  ])('%s through a not-present gate: #NP returns to the instruction itself', (_name, code, vector) => {
    const r = runWithNotPresentGate(code as number[], vector as number);
    const ext = vector === 1 ? 1 : 0; // INT1 is delivered like a hardware event (EXT set)
    expect(r.exit).toBe(Exit.HLT);
    expect(r.error).toBe(((vector as number) << 3) | 2 | ext);
    expect(r.eip).toBe(0x1001);
  });
});
