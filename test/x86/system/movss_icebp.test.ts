// A data breakpoint on the MOV SS operand is held back across the next instruction (SDM Vol 3
// §6.8.3). When that instruction is ICEBP, its own #DB reports the breakpoint: the handler runs
// once. INT 1 is a software interrupt, so the held-back #DB follows at the handler's first
// instruction: twice (kvm-unit-tests debug "MOV SS + watchpoint + ICEBP" / "+ int $1", as on
// hardware).
import { describe, it, expect } from 'vitest';
import { FlatMachine } from '../support/flat_machine.ts';
import { Exit } from '../../../src/x86/cpu.ts';
import * as L from '../../../src/x86/state_layout.ts';
import { deliverPending } from '../../../src/x86/system/exceptions.ts';

const GDT = 0x5000, IDT = 0x6000, HANDLER = 0x1800, WATCH = 0x1900, COUNT = 0x1a00, SAVED_DR6 = 0x1a04;
const le = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];

function run(second: number[]): { exit: number; count: number; dr6: number } {
  const m = new FlatMachine([[0x1000, 0x1000], [GDT, 0x1000], [IDT, 0x1000], [0x8000, 0x1000]]);
  m.load(0x1000, new Uint8Array([
    0xb8, ...le(WATCH), 0x0f, 0x23, 0xc0, // MOV EAX, WATCH; MOV DR0, EAX
    0xb8, ...le(0x000f0001), 0x0f, 0x23, 0xf8, // DR7: L0, R/W 11b, LEN 4
    0x8e, 0x15, ...le(WATCH), // MOV SS, [WATCH]
    ...second,
    0xf4,
  ]));
  // #DB handler: INC dword [COUNT]; MOV EAX, DR6; MOV [SAVED_DR6], EAX; IRET.
  m.load(HANDLER, new Uint8Array([0xff, 0x05, ...le(COUNT), 0x0f, 0x21, 0xf0, 0xa3, ...le(SAVED_DR6), 0xcf]));
  m.load(WATCH, new Uint8Array([0x10, 0, 0, 0]));
  m.load(GDT + 8, new Uint8Array([...le(0x0000ffff), ...le(0x00cf9a00), ...le(0x0000ffff), ...le(0x00cf9200)]));
  m.load(IDT + 8, new Uint8Array([...le((0x08 << 16) | HANDLER), ...le(0xee00)])); // DPL 3: INT 1 allowed
  const cpu = m.cpu;
  cpu.setFlatMode(32, 0);
  const s = cpu.s32;
  s[L.GDTR >> 2] = GDT; s[(L.GDTR >> 2) + 2] = 0x17;
  s[L.IDTR >> 2] = IDT; s[(L.IDTR >> 2) + 2] = 0x7ff;
  s[L.RSP * 2] = 0x8ff0;
  cpu.deliverException = (): boolean => deliverPending(cpu);
  cpu.rip = 0x1000;
  const exit = cpu.run(100);
  const rd = (a: number): number => { const b = m.read(a, 4); return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0; };
  return { exit, count: rd(COUNT), dr6: rd(SAVED_DR6) };
}

describe('MOV SS + data breakpoint + ICEBP / INT 1', () => {
  it('ICEBP: one #DB, reporting the held-back breakpoint (B0)', () => {
    const r = run([0xf1]);
    expect(r.exit).toBe(Exit.HLT);
    expect(r.count).toBe(1);
    expect(r.dr6 & 1).toBe(1);
  });
  it('INT 1: the handler runs twice', () => {
    const r = run([0xcd, 0x01]);
    expect(r.exit).toBe(Exit.HLT);
    expect(r.count).toBe(2);
  });
});
