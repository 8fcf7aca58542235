// Hypercall pointers are translated by our own side-effect-free walk (src/xen/guest_copy.ts).
// Oracle: the CPU's page walker (src/x86/paging.ts, itself checked against QEMU), on random page
// tables in all three paging modes, with 4 KiB, 2/4 MiB and 1 GiB pages, present/absent and
// read-only entries, entries with reserved bits set (PS in a PML4E or, without Page1GB, in a
// PDPTE; bits 20:13 of big pages; bits above MAXPHYADDR; XD without EFER.NXE), and
// canonical/non-canonical 64-bit addresses.
import { describe, expect, it } from 'vitest';
import { linearToPhys } from '../../src/xen/guest_copy.ts';
import { walkPageTables } from '../../src/x86/paging.ts';
import { CR0, CR3, CR4, MSR_EFER } from '../../src/x86/state_layout.ts';
import { makeXen, mem } from './xen_harness.ts';

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s;
  };
}

type Mode = '32' | 'pae' | 'long';

describe('guest-virtual translation for hypercall arguments', () => {
  for (const mode of ['32', 'pae', 'long'] as Mode[]) {
    it(`agrees with the CPU's page walk (${mode} paging)`, () => {
      const x = makeXen();
      const m = mem(x);
      const cpu = x.m.cpus[0]!;
      const r = prng(mode.length * 7919);
      // Table pages live in 0x100000-0x400000; frames point anywhere in the first 48 MiB.
      let next = 0x100000;
      const alloc = (): number => { const p = next; next += 4096; m.fill(p, 4096, 0); return p; };
      const entry = (frame: number, big = false): [number, number] => {
        const flags = (r() % 8 === 0 ? 0 : 1) | (r() % 4 === 0 ? 0 : 2) | 4 | (big ? 0x80 : 0);
        let lo = (frame % 4294967296) | flags, hi = Math.floor(frame / 4294967296);
        // Now and then a bit that is reserved somewhere: PS, bits 21:13, a high address bit, XD.
        switch (r() % 24) {
          case 0: lo |= 0x80; break;
          case 1: if (big) lo |= 1 << (13 + (r() % 9)); break;
          case 2: hi |= 1 << (8 + (r() % 12)); break;
          case 3: hi |= 0x80000000; break;
          default: break;
        }
        return [lo, hi];
      };
      const root = alloc();
      const s = cpu.s32;
      s[CR0 >> 2] = 0x80000011 | 0x10000; // PG, WP, ET, PE
      s[CR3 >> 2] = root; s[(CR3 >> 2) + 1] = 0;
      s[CR4 >> 2] = mode === '32' ? 0x10 : 0x20; // PSE or PAE
      s[MSR_EFER >> 2] = mode === 'long' ? 0x500 : mode === 'pae' ? 0x800 : 0; // LME|LMA; NXE under PAE
      const levels = mode === 'long' ? 4 : mode === 'pae' ? 3 : 2;
      const addrs: number[] = [];
      for (let i = 0; i < 400; i++) {
        // A random address: upper or lower canonical half, or (sometimes) non-canonical.
        let la: number;
        if (mode === 'long') {
          const hi = r() % 10 === 0 ? 0x12345 : r() % 2 ? r() & 0x7fff : -0x8000 + (r() & 0x7fff);
          la = hi * 4294967296 + (r() >>> 0);
        } else la = r() >>> 0;
        addrs.push(la);
        // Populate the path for it (shared with earlier addresses where they collide).
        let table = root;
        for (let lv = levels - 1; lv >= 0; lv--) {
          const hi = Math.floor(la / 4294967296), lo = la - hi * 4294967296;
          const idx = mode === '32' ? (lv === 1 ? lo >>> 22 : (lo >>> 12) & 0x3ff)
            : lv === 3 ? (hi >>> 7) & 0x1ff : lv === 2 ? (mode === 'pae' ? lo >>> 30 : (((hi & 0x7f) << 2) | (lo >>> 30)) & 0x1ff)
            : lv === 1 ? (lo >>> 21) & 0x1ff : (lo >>> 12) & 0x1ff;
          const esz = mode === '32' ? 4 : 8;
          const at = table + idx * esz;
          const cur = m.read32(at);
          if (cur & 1) {
            if (lv === 0 || cur & 0x80) break;
            table = cur & ~0xfff;
            continue;
          }
          if (mode === 'pae' && lv === 2) { const t = alloc(); m.write32(at, t | 1); m.write32(at + 4, 0); table = t; continue; }
          const bigOk = mode === '32' ? lv === 1 : lv === 1 || (lv === 2 && mode === 'long');
          if (lv === 0 || (bigOk && r() % 3 === 0)) {
            const size = lv === 0 ? 4096 : mode === '32' ? 0x400000 : lv === 1 ? 0x200000 : 0x40000000;
            const frame = Math.floor((r() % (48 << 20)) / size) * size;
            const [a, b] = entry(frame, lv !== 0);
            m.write32(at, a); if (esz === 8) m.write32(at + 4, b);
            break;
          }
          const t = alloc();
          const [a, b] = entry(t);
          m.write32(at, a | 1); if (esz === 8) m.write32(at + 4, b);
          table = t;
        }
      }
      let agreed = 0, mapped = 0;
      for (const la of addrs) {
        for (const write of [false, true]) {
          const hi = Math.floor(la / 4294967296), lo = la - hi * 4294967296;
          const pfn = walkPageTables(cpu, lo | 0, hi | 0, write ? 1 : 0, 0);
          cpu.clearException();
          cpu.fault = false;
          // The CPU checks canonical form before its walk (#GP); Xen's copy gives -EFAULT.
          const canonical = mode !== 'long' || (hi >= -0x8000 && hi < 0x8000);
          const want = pfn < 0 || !canonical ? -1 : pfn * 4096 + (lo & 0xfff);
          const got = linearToPhys(cpu, m, la, write);
          expect(got, `${mode} ${la.toString(16)} write=${write}`).toBe(want);
          agreed++;
          if (want >= 0) mapped++;
        }
      }
      expect(agreed).toBe(800);
      expect(mapped).toBeGreaterThan(100);
    });
  }
});
