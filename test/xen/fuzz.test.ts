// A guest never hurts the host (DESIGN.md invariant 4): seeded random hypercall numbers, sub-ops,
// pointers and counts from 32- and 64-bit code, and random bytes on the XenStore and console
// rings. Nothing may throw, the machine keeps running, and every result is 0, a positive value
// from an op that returns one, or a Xen errno (-1..-125).
import { describe, expect, it } from 'vitest';
import { call32, call64, DATA, makeXen, mem } from './xen_harness.ts';

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

const ITER = Number(process.env.XENTAB_FUZZ_ITER ?? 1500);

describe('hypercall fuzz', () => {
  it('random hypercalls only produce Xen results', () => {
    const x = makeXen();
    const r = prng(12345);
    const families = [12, 13, 15, 17, 18, 20, 24, 29, 32, 33, 34];
    const pick = (): number => {
      switch (r() % 6) {
        case 0: return r() % 16;
        case 1: return DATA + (r() % 0x2000);
        case 2: return r();
        case 3: return 0xfeff8000 + (r() % 0x2000);
        case 4: return 0;
        default: return r() % 0x100000;
      }
    };
    let ran = 0;
    for (let i = 0; i < ITER; i++) {
      // Random struct contents under DATA.
      const junk = new Uint8Array(256);
      for (let k = 0; k < junk.length; k++) junk[k] = r() & (k % 4 === 0 ? 0x0f : 0xff);
      mem(x).writeBytes(DATA + (r() % 0x1f00), junk);
      const nr = r() % 4 === 0 ? r() % 64 : families[r() % families.length]!;
      if (nr === 29 && r() % 8 !== 0) continue; // keep shutdown rare
      const args = [r() % 32, pick(), pick(), pick(), pick(), pick()];
      let ret: number;
      if (r() % 2) ret = call32(x, nr, ...args);
      else ret = call64(x, nr, ...args);
      ran++;
      const ok = (ret >= 0 && ret < 2 ** 32) || (ret >= -125 && ret <= -1);
      if (!ok) throw new Error(`hypercall ${nr}(${args.join(',')}) returned ${ret}`);
      if (x.d.shutdownReason !== null) {
        x.d.shutdownReason = null;
      }
    }
    expect(ran).toBeGreaterThan(ITER / 2);
  });

  it('random bytes on the XenStore and console rings never throw', () => {
    const x = makeXen();
    const r = prng(777);
    for (let i = 0; i < ITER; i++) {
      const base = r() % 2 ? 0xfeff9000 : 0xfeff8000;
      const junk = new Uint8Array(64);
      for (let k = 0; k < junk.length; k++) junk[k] = r() & 0xff;
      mem(x).writeBytes(base + (r() % (4096 - 64)), junk);
      // Indices: plausible most of the time, wild sometimes.
      if (r() % 3 === 0) mem(x).write32(0xfeff9000 + 2052, r() % 3 === 0 ? r() : mem(x).read32(0xfeff9000 + 2048) + (r() % 200));
      if (r() % 3 === 0) mem(x).write32(0xfeff8000 + 3084, mem(x).read32(0xfeff8000 + 3080) + (r() % 3000));
      mem(x).write32(DATA, 1 + (r() % 2));
      expect(() => call32(x, 32, 4, DATA)).not.toThrow();
      if (r() % 16 === 0) x.d.consoleInput([r() & 0xff]);
    }
    expect(x.m.cpus[0]!.s32).toBeDefined();
  });
});
