// A guest never crashes the host (DESIGN.md invariant 4): random code run with random
// descriptor tables, TSS and IDT contents, in every mode and at CPL 0 and 3, must only ever
// raise guest exceptions or shut down, never throw in the host. Seeded, so failures reproduce.
import { describe, it, expect } from 'vitest';
import { FlatMachine } from '../support/flat_machine.ts';
import { deliverPending } from '../../../src/x86/system/exceptions.ts';
import * as L from '../../../src/x86/state_layout.ts';

function xorshift(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return x >>> 0; };
}

describe('system instructions on garbage', () => {
  it('random code with random GDT/IDT/TSS never throws in the host', () => {
    const rnd = xorshift(0x5eed);
    let exits = 0;
    for (let round = 0; round < 300; round++) {
      const m = new FlatMachine([[0x0, 0x10000]]);
      const cpu = m.cpu;
      cpu.deliverException = (): boolean => deliverPending(cpu); // deliver through the random IDT
      const ram = m.u8.subarray(m.host(0), m.host(0) + 0x10000);
      for (let i = 0; i < ram.length; i++) ram[i] = rnd() & 0xff;
      // Bias the code page towards system opcodes (0F 00/01/20-23/05/07/34/35, CF, CA/CB, EA, 9A, FF /3 /5, 8E, CD).
      const sys = [[0x0f, 0x00], [0x0f, 0x01], [0x0f, 0x22], [0x0f, 0x20], [0x0f, 0x23], [0x0f, 0x05], [0x0f, 0x07], [0x0f, 0x34], [0x0f, 0x35],
        [0xcf], [0xca], [0xcb], [0xea], [0x9a], [0xff], [0x8e], [0xcd], [0x0f, 0xb2], [0x0f, 0x02], [0x0f, 0x03]];
      for (let p = 0x1000; p < 0x2000 - 8; p += 8) { const s = sys[rnd() % sys.length]!; s.forEach((b, k) => { ram[p + k] = b; }); }
      const bits = ([16, 32, 64] as const)[rnd() % 3]!;
      cpu.setFlatMode(bits, bits === 16 ? 0 : rnd() & 1 ? 3 : 0);
      const s = cpu.s32;
      s[L.GDTR >> 2] = 0x4000; s[(L.GDTR >> 2) + 2] = rnd() & 0xffff;
      s[L.IDTR >> 2] = 0x6000; s[(L.IDTR >> 2) + 2] = (rnd() & 0xfff) | 1;
      const tr = (L.SEG >> 2) + L.TR * 8;
      s[tr + 1] = 0x8b; s[tr + 2] = 0x8000; s[tr + 4] = rnd() & 0x1fff;
      if (rnd() & 1) { s[L.CR0 >> 2] = 0x80000011; s[L.CR3 >> 2] = 0x9000; s[L.CR4 >> 2] = bits === 64 ? 0x20 : rnd() & 0x30; }
      if (bits === 64) { s[L.MSR_EFER >> 2] = 0xd01; }
      cpu.modeChanged();
      cpu.flushTlb();
      cpu.rip = 0x1000;
      s[L.RSP * 2] = 0xf000;
      expect(() => { cpu.run(2000); }).not.toThrow();
      exits++;
    }
    expect(exits).toBe(300);
  });
});
