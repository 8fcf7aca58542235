// Real-mode (16-bit) execution and the page walk, which the host oracle cannot run in user
// mode. Expected values are derived by hand from the SDM semantics, spelled out per case.

import { describe, it, expect } from 'vitest';
import { FlatMachine } from './support/flat_machine.ts';
import { Exit, ModeFlag } from '../../src/x86/cpu.ts';
import { CR0, CR3, CR4, MODE_FLAGS, SEG, EXC_ADDR, MSR_EFER } from '../../src/x86/state_layout.ts';

describe('16-bit real mode', () => {
  it('runs CALL/RET, PUSH/POP, [BP+SI] with SS, REP MOVSB and LOOP with 16-bit registers', () => {
    const m = new FlatMachine([[0, 0x20000]]);
    const cpu = m.cpu;
    cpu.setFlatMode(16);
    // CS = 0x1000 (base 0x10000), DS = ES = 0x2000? keep DS = 0x0100 (base 0x1000), SS = 0x0200 (base 0x2000)
    const s = cpu.s32;
    const seg = (n: number, sel: number): void => { s[(SEG >> 2) + n * 8] = sel; s[(SEG >> 2) + n * 8 + 2] = sel << 4; };
    seg(1, 0x1000); seg(3, 0x0100); seg(0, 0x0100); seg(2, 0x0200);
    const code = [
      0xbc, 0x00, 0x10, //       mov sp, 0x1000          (stack at 0x2000+0x1000)
      0xbd, 0x00, 0x01, //       mov bp, 0x0100
      0xbe, 0x04, 0x00, //       mov si, 4
      0xc7, 0x02, 0x34, 0x12, // mov word [bp+si], 0x1234 -> SS:0x104 = 0x2104
      0x8b, 0x02, //             mov ax, [bp+si]
      0xe8, 0x0c, 0x00, //       call +12 (to 'sub')
      0xbe, 0x00, 0x00, //       mov si, 0
      0xbf, 0x10, 0x00, //       mov di, 0x10
      0xb9, 0x04, 0x00, //       mov cx, 4
      0xf3, 0xa4, //             rep movsb               (DS:0 -> ES:0x10, 4 bytes)
      0xf4, //                   hlt
      // sub:
      0x50, //                   push ax
      0x05, 0x01, 0x00, //       add ax, 1
      0x5b, //                   pop bx                  (bx = 0x1234)
      0xb9, 0x03, 0x00, //       mov cx, 3
      0x40, //                   l: inc ax
      0xe2, 0xfd, //             loop l
      0xc3, //                   ret
    ];
    m.load(0x10000, new Uint8Array(code));
    m.load(0x1000, new Uint8Array([0xaa, 0xbb, 0xcc, 0xdd]));
    cpu.rip = 0;
    expect(cpu.run(100)).toBe(Exit.HLT);
    expect(m.read(0x2104, 2)).toEqual(new Uint8Array([0x34, 0x12]));
    expect(cpu.s16[0]).toBe(0x1234 + 1 + 3); // ax
    expect(cpu.s16[3 * 4]).toBe(0x1234); // bx
    expect(cpu.s16[4 * 4]).toBe(0x1000); // sp balanced
    expect(m.read(0x1010, 4)).toEqual(new Uint8Array([0xaa, 0xbb, 0xcc, 0xdd]));
    expect([cpu.s16[6 * 4], cpu.s16[7 * 4], cpu.s16[1 * 4]]).toEqual([4, 0x14, 0]); // si di cx
    expect(cpu.rip).toBe(0x1e); // after the HLT at offset 0x1d
  });

  it('wraps 16-bit effective addresses and IP at 64 KiB', () => {
    const m = new FlatMachine([[0, 0x20000]]);
    const cpu = m.cpu;
    cpu.setFlatMode(16);
    // DS = 0x1000 (base 0x10000); mov bx, 0xffff ; mov al, [bx+2] -> offset 0x0001 (wraps)
    cpu.s32[(SEG >> 2) + 3 * 8] = 0x1000; cpu.s32[(SEG >> 2) + 3 * 8 + 2] = 0x10000;
    m.load(0, new Uint8Array([0xbb, 0xff, 0xff, 0x8a, 0x47, 0x02, 0xf4]));
    m.load(0x10001, new Uint8Array([0x5a]));
    cpu.rip = 0;
    expect(cpu.run(10)).toBe(Exit.HLT);
    expect(cpu.s8[0]).toBe(0x5a);
  });
});

describe('page walk', () => {
  it('translates through 4-level tables, sets A/D bits, and reports #PF with CR2 and the error code', () => {
    const m = new FlatMachine([[0, 0x100000]]);
    const cpu = m.cpu;
    cpu.setFlatMode(64);
    const s = cpu.s32;
    // PML4 at 0x10000, PDPT 0x11000, PD 0x12000, PT 0x13000; map VA 0x40201000 -> PA 0x50000 (RW, U)
    // and identity-map the code page 0x1000.
    const w64 = (pa: number, v: number): void => { m.load(pa, new Uint8Array(new BigUint64Array([BigInt(v)]).buffer)); };
    w64(0x10000, 0x11000 | 7);
    w64(0x11000 + 1 * 8, 0x12000 | 7); // PDPT index of 0x40201000 = 1
    w64(0x11000 + 0 * 8, 0x14000 | 7);
    w64(0x12000 + 1 * 8, 0x13000 | 7); // PD index 1
    w64(0x13000 + 1 * 8, 0x50000 | 7); // PT index 1
    w64(0x14000, 0x15000 | 7); w64(0x15000 + 8, 0x1000 | 7); // VA 0x1000 -> PA 0x1000 (PDPT0 -> PD 0x14000 -> PT 0x15000)
    s[CR3 >> 2] = 0x10000;
    s[CR4 >> 2] = 0x20; // PAE
    s[CR0 >> 2] = s[CR0 >> 2]! | 0x80000000;
    s[MSR_EFER >> 2] = 0x500; // LME | LMA
    s[MODE_FLAGS >> 2] = ModeFlag.PE | ModeFlag.LMA | ModeFlag.PG;
    cpu.modeChanged(); cpu.flushTlb();
    m.load(0x50010, new Uint8Array([0x78, 0x56, 0x34, 0x12]));
    // mov eax, [0x40201010] ; mov dword [0x40201020], eax ; mov eax, [0x80000000] (not present) ; hlt
    m.load(0x1000, new Uint8Array([
      0x8b, 0x04, 0x25, 0x10, 0x10, 0x20, 0x40,
      0x89, 0x04, 0x25, 0x20, 0x10, 0x20, 0x40,
      0x8b, 0x04, 0x25, 0x00, 0x00, 0x00, 0x80,
      0xf4,
    ]));
    cpu.rip = 0x1000;
    expect(cpu.run(10)).not.toBe(Exit.BUDGET);
    expect(cpu.reg32(0)).toBe(0x12345678);
    expect(m.read(0x50020, 4)).toEqual(new Uint8Array([0x78, 0x56, 0x34, 0x12]));
    expect(cpu.pendingVector).toBe(14);
    expect(cpu.pendingError).toBe(0); // supervisor read of a not-present page
    expect(s[EXC_ADDR >> 2]! >>> 0).toBe(0x80000000);
    expect(cpu.rip).toBe(0x100e); // the faulting instruction
    // accessed + dirty set on the PTE that was written through
    expect(m.read(0x13008, 1)[0]! & 0x60).toBe(0x60);
  });
});
