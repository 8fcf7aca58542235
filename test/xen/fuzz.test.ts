// A guest never hurts the host (DESIGN.md invariant 4): seeded random hypercall numbers, sub-ops,
// pointers and counts from 32- and 64-bit code, and random bytes on the XenStore and console
// rings. Nothing may throw, the machine keeps running, and every result is 0, a positive value
// from an op that returns one, or a Xen errno (-1..-125).
import { describe, expect, it } from 'vitest';
import { DM_INIT } from '../../src/machine/lapic.ts';
import { call32, call64, DATA, makeXen, mem, runCode } from './xen_harness.ts';

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

  it('random vcpu_hvm_contexts: refused with -EINVAL or run on the AP without hurting the host', () => {
    const x = makeXen({}, 2);
    const r = prng(4242);
    // A good 32-bit context (flat ring 0, busy TSS) and a good 64-bit one, then random damage.
    // Offsets (gcc, public/hvm/hvm_vcpu.h): x86_32 esp 24, eip 40, eflags 44, cr0 48, limits 92..108, attrs 112..120.
    const good32: [number, number][] = [[24, 0x9800], [40, 0x9000], [44, 2], [48, 0x11], [92, -1], [96, -1], [100, -1], [104, -1], [108, 0x67]];
    let accepted = 0;
    for (let i = 0; i < ITER / 5; i++) {
      const ctx = new DataView(new ArrayBuffer(128));
      const is64 = r() % 2 === 1;
      if (is64) {
        ctx.setUint32(0, 1, true);
        const q = [0, 0, 0, 0, 0x9800, 0, 0, 0, 0x9000, 2, 0x80000011, 0x20000, 0x20, 0x100];
        q.forEach((v, k) => ctx.setUint32(8 + 8 * k, v, true));
      } else {
        for (const [off, v] of good32) ctx.setInt32(off, v, true);
        [0xc9b, 0xc93, 0xc93, 0xc93, 0x8b].forEach((v, k) => ctx.setUint16(8 + 104 + 2 * k, v, true));
      }
      for (let n = r() % 4; n > 0; n--) {
        const off = r() % 128;
        ctx.setUint8(off, r() % 3 === 0 ? r() & 0xff : ctx.getUint8(off) ^ (1 << (r() % 8)));
      }
      mem(x).writeBytes(DATA, new Uint8Array(ctx.buffer));
      const junk = new Uint8Array(64);
      for (let k = 0; k < junk.length; k++) junk[k] = r() & 0xff;
      mem(x).writeBytes(0x9000, junk); // whatever the AP runs
      const rc = call32(x, 24, 0, 1, DATA);
      expect([0, -22]).toContain(rc);
      if (rc === 0) {
        accepted++;
        // VCPUOP_up, then let both vCPUs run a while; the AP may fault, halt or triple-fault.
        expect(() => runCode(x, [0x0f, 0x01, 0xc1, 0xf4], { eax: 24, ebx: 1, ecx: 1, edx: 0 }, 32, 0, 20_000)).not.toThrow();
        x.m.platform.lapics[1]!.deliver(DM_INIT, 0, false); // back to an uninitialised AP
        x.m.cpus[0]!.s32[0xc8 >> 2] = 1;
        x.m.run(100, { idle: 'return' });
        expect(x.d.initialised[1]).toBe(false);
      }
    }
    expect(accepted).toBeGreaterThan(ITER / 50);
  });
});
