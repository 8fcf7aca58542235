// TLB address-space tags (cpu.ts newAddressSpace, flushAllTranslations): MOV CR3 must drop every
// non-global translation (SDM Vol 3 §4.10.4.1) and keep global ones (PTE.G with CR4.PGE, §4.10.2.4)
// until INVLPG or a CR4.PGE change, which drops them all; both take a fresh context id. Expected values follow from the SDM rules spelled out per case;
// page tables are changed behind the TLB's back (no INVLPG) so a stale entry would show.

import { describe, it, expect } from 'vitest';
import { FlatMachine } from './support/flat_machine.ts';
import { Exit, ModeFlag } from '../../src/x86/cpu.ts';
import { CR0, CR3, CR4, MODE_FLAGS } from '../../src/x86/state_layout.ts';

const PD_A = 0x10000, PD_B = 0x11000, PT_A = 0x12000, PT_B = 0x13000, PT_ID = 0x14000;
const VA = 0x400000, VA_G = 0x401000;
const FRAME_A = 0x50000, FRAME_B = 0x60000, FRAME_C = 0x70000, FRAME_G1 = 0x58000, FRAME_G2 = 0x59000;
const P_RW = 3, G = 0x100;
const SET_CR3_READ = 0x1000, READ_ONLY = 0x1100, READ_G = 0x1200, INVLPG_READ_G = 0x1300, SET_CR3_READ_G = 0x1400;

function le32(v: number): Uint8Array { return new Uint8Array(new Uint32Array([v >>> 0]).buffer); }

/** 32-bit paging, two address spaces sharing an identity map of the first 1 MiB. */
function setup(pge: boolean): { m: FlatMachine; pte: (pt: number, idx: number, v: number) => void; read: (at: number, cr3?: number) => number } {
  const m = new FlatMachine([[0, 0x100000]]);
  const cpu = m.cpu;
  cpu.setFlatMode(32);
  const pte = (pt: number, idx: number, v: number): void => m.load(pt + idx * 4, le32(v));
  for (let i = 0; i < 256; i++) pte(PT_ID, i, i * 4096 + P_RW);
  for (const pd of [PD_A, PD_B]) pte(pd, 0, PT_ID + P_RW);
  pte(PD_A, 1, PT_A + P_RW);
  pte(PD_B, 1, PT_B + P_RW);
  pte(PT_A, 0, FRAME_A + P_RW);
  pte(PT_B, 0, FRAME_B + P_RW);
  pte(PT_A, 1, FRAME_G1 + P_RW + G);
  pte(PT_B, 1, FRAME_G1 + P_RW + G);
  for (const [pa, v] of [[FRAME_A, 0xaaaa], [FRAME_B, 0xbbbb], [FRAME_C, 0xcccc], [FRAME_G1, 0x6666], [FRAME_G2, 0x7777]] as const) m.load(pa, le32(v));
  const rd = [0xa1, ...le32(VA)], rdG = [0xa1, ...le32(VA_G)];
  m.load(SET_CR3_READ, new Uint8Array([0x0f, 0x22, 0xd9, ...rd, 0xf4])); // mov cr3, ecx; mov eax, [VA]; hlt
  m.load(READ_ONLY, new Uint8Array([...rd, 0xf4]));
  m.load(READ_G, new Uint8Array([...rdG, 0xf4]));
  m.load(INVLPG_READ_G, new Uint8Array([0x0f, 0x01, 0x3d, ...le32(VA_G), ...rdG, 0xf4])); // invlpg [VA_G]; mov eax, [VA_G]; hlt
  m.load(SET_CR3_READ_G, new Uint8Array([0x0f, 0x22, 0xd9, ...rdG, 0xf4]));
  const s = cpu.s32;
  s[CR3 >> 2] = PD_A;
  s[CR4 >> 2] = pge ? 0x80 : 0;
  s[CR0 >> 2] = s[CR0 >> 2]! | 0x80000000;
  s[MODE_FLAGS >> 2] = ModeFlag.PE | ModeFlag.PG;
  cpu.modeChanged(); cpu.flushTlb();
  const read = (at: number, cr3?: number): number => {
    if (cr3 !== undefined) s[2] = cr3; // ecx
    cpu.rip = at;
    expect(cpu.run(10)).toBe(Exit.HLT);
    return cpu.reg32(0) >>> 0;
  };
  return { m, pte, read };
}

describe('TLB address-space tags', () => {
  it('MOV CR3 switches between two address spaces and back, each seeing its own mapping', () => {
    const { read } = setup(false);
    expect(read(SET_CR3_READ, PD_A)).toBe(0xaaaa);
    expect(read(SET_CR3_READ, PD_B)).toBe(0xbbbb);
    expect(read(SET_CR3_READ, PD_A)).toBe(0xaaaa);
    expect(read(READ_ONLY)).toBe(0xaaaa);
  });

  it('a PTE rewritten without INVLPG stays cached until MOV CR3, even a write of the same CR3 value', () => {
    const { pte, read } = setup(false);
    expect(read(SET_CR3_READ, PD_A)).toBe(0xaaaa);
    pte(PT_A, 0, FRAME_C + P_RW);
    expect(read(READ_ONLY)).toBe(0xaaaa); // the TLB still holds the old translation (allowed, and what we do)
    expect(read(SET_CR3_READ, PD_A)).toBe(0xcccc); // MOV CR3 dropped it
    // Back and forth: entries cached in A before the switch to B must not come back with A.
    pte(PT_A, 0, FRAME_A + P_RW);
    expect(read(SET_CR3_READ, PD_B)).toBe(0xbbbb);
    expect(read(SET_CR3_READ, PD_A)).toBe(0xaaaa);
  });

  it('without CR4.PGE a PTE.G entry is not global: MOV CR3 drops it', () => {
    const { pte, read } = setup(false);
    expect(read(READ_G)).toBe(0x6666);
    pte(PT_B, 1, FRAME_G2 + P_RW + G);
    expect(read(SET_CR3_READ_G, PD_B)).toBe(0x7777);
  });

  it('global entries survive MOV CR3 until INVLPG of their address', () => {
    const { pte, read } = setup(true);
    expect(read(READ_G)).toBe(0x6666);
    pte(PT_A, 1, FRAME_G2 + P_RW + G);
    pte(PT_B, 1, FRAME_G2 + P_RW + G);
    expect(read(SET_CR3_READ_G, PD_B)).toBe(0x6666); // kept across the switch
    expect(read(SET_CR3_READ_G, PD_A)).toBe(0x6666); // and across the switch back
    expect(read(INVLPG_READ_G)).toBe(0x7777); // INVLPG drops it whatever the context
    // The non-global page next to it was refetched after each switch as usual.
    expect(read(SET_CR3_READ, PD_B)).toBe(0xbbbb);
  });

  it('clearing CR4.PGE flushes global entries (MOV CR4, SDM Vol 3 §4.10.4.1)', () => {
    const { m, pte, read } = setup(true);
    expect(read(READ_G)).toBe(0x6666);
    pte(PT_A, 1, FRAME_G2 + P_RW + G);
    // mov eax, cr4; and eax, ~0x80; mov cr4, eax; mov eax, [VA_G]; hlt
    m.load(0x1500, new Uint8Array([0x0f, 0x20, 0xe0, 0x25, ...le32(~0x80), 0x0f, 0x22, 0xe0, 0xa1, ...le32(VA_G), 0xf4]));
    expect(read(0x1500)).toBe(0x7777);
  });

  it('every CR4.PGE toggle drops global entries (5 000 toggles, each after a PTE change)', () => {
    // A full flush on a CR4.PGE change takes a fresh context id (cpu.ts flushAllTranslations):
    // 10 000 CR4 writes run through the 4 095 ids twice; a reused id must not revive an entry.
    const { m, pte, read } = setup(true);
    // mov eax, cr4; and eax, ~0x80; mov cr4, eax; or eax, 0x80; mov cr4, eax; mov eax, [VA_G]; hlt
    m.load(0x1500, new Uint8Array([0x0f, 0x20, 0xe0, 0x25, ...le32(~0x80), 0x0f, 0x22, 0xe0, 0x0d, ...le32(0x80), 0x0f, 0x22, 0xe0,
      0xa1, ...le32(VA_G), 0xf4]));
    const frames = [FRAME_G1, FRAME_G2], values = [0x6666, 0x7777];
    let bad = 0;
    for (let i = 0; i < 5_000; i++) {
      expect(read(READ_G)).toBe(values[i & 1]); // cached now (the PTE of the previous round)
      pte(PT_A, 1, frames[(i + 1) & 1]! + P_RW + G);
      if (read(0x1500) !== values[(i + 1) & 1]) bad++;
      if (i % 7 === 0 && read(SET_CR3_READ, PD_A) !== 0xaaaa) bad++;
    }
    expect(bad).toBe(0);
  });

  it('never returns a stale translation across context-id reuse (5 000 CR3 writes, each after a PTE change)', () => {
    const { pte, read } = setup(true);
    const frames = [FRAME_A, FRAME_C, FRAME_B];
    const values = [0xaaaa, 0xcccc, 0xbbbb];
    let bad = 0;
    for (let i = 0; i < 5_000; i++) {
      const k = i % 3;
      pte(i & 1 ? PT_B : PT_A, 0, frames[k]! + P_RW);
      if (read(SET_CR3_READ, i & 1 ? PD_B : PD_A) !== values[k]) bad++;
      // The global page stays right throughout (its PTE never changes here).
      if (i % 997 === 0 && read(READ_G) !== 0x6666) bad++;
    }
    expect(bad).toBe(0);
  });

  // Page k is read once, its PTE changed, then read again after N_k flushing writes: a context
  // id handed out again after the 4 095 run out must not revive the entry (the wrap clears all).
  for (const [what, code] of [
    ['CR3 writes', [0x0f, 0x22, 0xd9, 0xf4]], // mov cr3, ecx; hlt
    ['CR4.PGE changes', [0x0f, 0x20, 0xe0, 0x35, ...le32(0x80), 0x0f, 0x22, 0xe0, 0xf4]], // mov eax, cr4; xor eax, 0x80; mov cr4, eax; hlt
  ] as const) {
    it(`a translation cached before N ${what} is never used after them (N = 1..5000, all of 3900..4400)`, () => {
      const { m, pte, read } = setup(false);
      const ns: number[] = [];
      for (let n = 1; n < 3900; n += 13) ns.push(n);
      for (let n = 3900; n <= 4400; n++) ns.push(n);
      for (let n = 4401; n <= 5000; n += 13) ns.push(n);
      expect(ns.length).toBeLessThan(1022);
      const OLD = 0x50000, NEW = 0x70000; // hold 0xaaaa and 0xcccc
      m.load(0x1600, new Uint8Array([0x8b, 0x03, 0xf4])); // mov eax, [ebx]; hlt
      m.load(0x1700, new Uint8Array(code));
      const readAt = (va: number): number => { m.cpu.s32[6] = va; return read(0x1600); };
      const byN = new Map<number, number>();
      ns.forEach((n, i) => {
        pte(PT_A, i + 2, OLD + P_RW);
        expect(readAt(VA + (i + 2) * 4096)).toBe(0xaaaa);
        pte(PT_A, i + 2, NEW + P_RW);
        byN.set(n, i + 2);
      });
      const stale: number[] = [];
      for (let n = 1; n <= 5000; n++) {
        m.cpu.s32[2] = PD_A;
        m.cpu.rip = 0x1700;
        expect(m.cpu.run(10)).toBe(Exit.HLT);
        const k = byN.get(n);
        if (k !== undefined && readAt(VA + k * 4096) !== 0xcccc) stale.push(n);
      }
      expect(stale).toEqual([]);
    });
  }

  it('INVLPG of one address in a 4 MiB page drops every cached piece of that page (SDM Vol 3 §4.10.4.1)', () => {
    const { m, pte, read } = setup(false);
    const s = m.cpu.s32;
    s[CR4 >> 2] = s[CR4 >> 2]! | 0x10; // CR4.PSE
    m.cpu.flushTlb();
    const PT_C = 0x15000, LARGE = 0x800000, INVLPG_READ = 0x1500, READ_2ND = 0x1600;
    pte(PD_A, 2, 0 + 0x80 + P_RW); // PDE.PS: VA 8..12 MiB -> physical 0..4 MiB
    const rd = (va: number): number[] => [0xa1, ...le32(va)];
    m.load(INVLPG_READ, new Uint8Array([0x0f, 0x01, 0x3d, ...le32(LARGE + FRAME_A), ...rd(LARGE + FRAME_B), 0xf4]));
    m.load(READ_2ND, new Uint8Array([...rd(LARGE + FRAME_A), ...rd(LARGE + FRAME_B), 0xf4]));
    expect(read(READ_2ND)).toBe(0xbbbb); // both 4 KiB pieces of the large page are cached now
    // Replace the large page by a page table mapping both addresses to FRAME_C, then INVLPG one of them.
    pte(PT_C, FRAME_A >>> 12, FRAME_C + P_RW);
    pte(PT_C, FRAME_B >>> 12, FRAME_C + P_RW);
    pte(PD_A, 2, PT_C + P_RW);
    expect(read(INVLPG_READ)).toBe(0xcccc); // the other piece went with it
  });
});
