// A hostile frontend: random bytes in every ring slot, random producer indices, random XenStore
// values for the ring details, reconnects. The host never throws, every answered request gets
// OKAY, ERROR or EOPNOTSUPP, and the backend keeps serving. Seeded, so a failure reproduces;
// XENTAB_FUZZ_ITER raises the round count.
import { describe, expect, it } from 'vitest';
import { MemoryDisk } from '../../../src/storage/memory_disk.ts';
import { parseVdev } from '../../../src/xen/backends/vbd_vdev.ts';
import { makeXen } from '../xen_harness.ts';
import { FakeBlkfront, RING_HDR } from './blkfront_fake.ts';

const ROUNDS = Number(process.env.XENTAB_FUZZ_ITER ?? 300);

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s;
  };
}

describe('blkback under a hostile frontend', () => {
  it.each(['x86_64', 'x86_32'] as const)('survives random rings (%s)', async (abi) => {
    const rnd = prng(abi === 'x86_64' ? 1 : 2);
    const x = makeXen();
    const disk = MemoryDisk.blank(256);
    const b = x.d.attachDisk(disk, { vdev: parseVdev('xvda')!, params: 'fuzz' });
    const f = new FakeBlkfront(x.d, abi);
    f.connect();
    const ring = f.host(f.ringGfn);
    const u8 = x.d.mem.u8;
    let answered = 0;
    for (let round = 0; round < ROUNDS; round++) {
      // Scribble over some slots, sometimes over the whole ring page, and move req_prod anywhere.
      const n = 1 + (rnd() % 40);
      for (let i = 0; i < n * 16; i++) u8[ring + RING_HDR + (rnd() % (4096 - RING_HDR))] = rnd() & 0xff;
      // Keep most requests plausible so the valid paths run too.
      for (let i = 0; i < 32; i++) {
        if (rnd() % 3 === 0) continue;
        const slot = ring + RING_HDR + i * (abi === 'x86_64' ? 112 : 108);
        u8[slot] = rnd() % 8; // operation, 0..7
        u8[slot + 1] = rnd() % 13; // nr_segments, 0..12
        const segs = abi === 'x86_64' ? 24 : 20, sect = abi === 'x86_64' ? 16 : 12;
        x.d.mem.view.setUint32(slot + sect, rnd() % 300, true);
        x.d.mem.view.setUint32(slot + sect + 4, rnd() % 50 === 0 ? rnd() : 0, true);
        for (let k = 0; k < 11; k++) {
          x.d.mem.view.setUint32(slot + segs + k * 8, rnd() % 5 === 0 ? rnd() : f.dataRef(rnd() % 16), true);
          u8[slot + segs + k * 8 + 4] = rnd() % 9;
          u8[slot + segs + k * 8 + 5] = rnd() % 9;
        }
      }
      const step = rnd() % 8 === 0 ? rnd() : rnd() % 33;
      f.setReqProd((f.reqProd = (f.reqProd + step) >>> 0));
      x.d.mem.view.setUint32(ring + 12, rnd(), true); // rsp_event
      expect(() => f.notify()).not.toThrow();
      await x.d.settleIo();
      if (rnd() % 25 === 0 || b.broken !== null) {
        // Reconnect, sometimes with junk in the ring details first.
        f.write(`${f.dir}/state`, '6');
        f.write(`${f.dir}/state`, '1');
        if (rnd() % 2) {
          f.write(`${f.dir}/ring-ref`, String(rnd()));
          f.write(`${f.dir}/event-channel`, String(rnd() % 70000));
          f.write(`${f.dir}/state`, '3');
          f.write(`${f.dir}/state`, '6');
          f.write(`${f.dir}/state`, '1');
        }
        f.connect();
        continue;
      }
      const rs = f.take();
      for (const r of rs) expect([0, -1, -2]).toContain(r.status);
      answered += rs.length;
    }
    expect(answered).toBeGreaterThan(ROUNDS);
    expect(b.stats.requests).toBeGreaterThan(ROUNDS);
    expect(b.stats.sectorsRead + b.stats.sectorsWritten).toBeGreaterThan(0);
    expect(b.stats.errors).toBeGreaterThan(0);
    expect(x.d.ioPending()).toBe(false);
  });
});
