// blkback against the fake frontend (blkfront_fake.ts), in both ABIs: the XenStore trees a
// toolstack writes, the XenbusState handshake, every op, malformed requests and a runaway
// producer, and the determinism rule (nothing reaches the guest before settleIo()).
import { describe, expect, it } from 'vitest';
import type { BlockDevice } from '../../../src/machine/block_device.ts';
import { MemoryDisk } from '../../../src/storage/memory_disk.ts';
import { parseVdev } from '../../../src/xen/backends/vbd_vdev.ts';
import { makeXen } from '../xen_harness.ts';
import { FakeBlkfront, type FrontAbi } from './blkfront_fake.ts';

const BE = '/local/domain/0/backend/vbd/1/51712';
const FE = '/local/domain/1/device/vbd/51712';
// io/blkif.h
const READ = 0, WRITE = 1, BARRIER = 2, FLUSH = 3, DISCARD = 5, INDIRECT = 6;
const OKAY = 0, ERROR = -1, EOPNOTSUPP = -2;

function setup(abi: FrontAbi, disk: BlockDevice = MemoryDisk.blank(2048)) {
  const x = makeXen();
  const b = x.d.attachDisk(disk, { vdev: parseVdev('xvda')!, params: 'disk.img' });
  const f = new FakeBlkfront(x.d, abi);
  return { x, b, f, disk };
}

/** Connect, run I/O to completion and collect the responses. */
async function roundTrip(f: FakeBlkfront, ...reqs: Parameters<FakeBlkfront['push']>): Promise<ReturnType<FakeBlkfront['take']>> {
  f.push(...reqs);
  await f.d.settleIo();
  return f.take();
}

describe('blkback publishes the vbd like a toolstack', () => {
  it('writes the backend and frontend trees and waits in InitWait', () => {
    const { f } = setup('x86_64');
    expect(f.read(`${BE}/state`)).toBe('2');
    expect(f.read(`${BE}/dev`)).toBe('xvda');
    expect(f.read(`${BE}/sectors`)).toBe('2048');
    expect(f.read(`${BE}/sector-size`)).toBe('512');
    expect(f.read(`${BE}/info`)).toBe('0');
    expect(f.read(`${BE}/mode`)).toBe('w');
    expect(f.read(`${BE}/feature-flush-cache`)).toBe('1');
    expect(f.read(`${BE}/frontend`)).toBe(FE);
    expect(f.read(`${BE}/frontend-id`)).toBe('1');
    expect(f.read(`${BE}/feature-max-indirect-segments`)).toBeUndefined();
    expect(f.read(`${FE}/state`)).toBe('1');
    expect(f.read(`${FE}/backend`)).toBe(BE);
    expect(f.read(`${FE}/backend-id`)).toBe('0');
    expect(f.read(`${FE}/virtual-device`)).toBe('51712');
    expect(f.read(`${FE}/device-type`)).toBe('disk');
    // The guest may read the backend but not change it.
    expect(() => f.write(`${BE}/sectors`, '1')).toThrow();
  });

  it('a read-only disk says so in mode and info (VDISK_READONLY)', () => {
    const { f } = setup('x86_64', new MemoryDisk(new Uint8Array(4096), { readOnly: true }));
    expect(f.read(`${BE}/mode`)).toBe('r');
    expect(f.read(`${BE}/info`)).toBe('4');
  });
});

describe.each(['x86_64', 'x86_32'] as const)('blkback with a %s frontend', (abi) => {
  it('connects when the frontend is Initialised, binding its port and mapping its ring', () => {
    const { f, b } = setup(abi);
    f.connect(3);
    expect(f.read(`${BE}/state`)).toBe('4');
    expect(b.connected).toBe(true);
    expect(f.d.evtchn.ports[f.port]!.state).toBe(2); // ECS_INTERDOMAIN
    // The ring's grant is mapped writable while connected (GTF_reading | GTF_writing).
    expect(f.mem.view.getUint16(f.d.gnttab.entry(7), true) & 0x18).toBe(0x18);
  });

  it('writes, flushes and reads back across segments, echoing 64-bit ids', async () => {
    const { f, disk } = setup(abi);
    f.connect();
    f.armRspEvent();
    f.data(0).fill(0xa1);
    f.data(1).fill(0xb2);
    const w = await roundTrip(f, { op: WRITE, idLo: 0xdeadbeef, idHi: 0x12345678, sector: 100, segs: [{ gref: f.dataRef(0), first: 7, last: 7 }, { gref: f.dataRef(1), first: 0, last: 1 }] });
    expect(w).toEqual([{ idLo: 0xdeadbeef, idHi: 0x12345678, op: WRITE, status: OKAY }]);
    const bytes = (disk as MemoryDisk).bytes;
    expect(bytes.subarray(100 * 512, 101 * 512).every((v) => v === 0xa1)).toBe(true);
    expect(bytes.subarray(101 * 512, 103 * 512).every((v) => v === 0xb2)).toBe(true);
    expect(bytes[103 * 512]).toBe(0);
    expect(await roundTrip(f, { op: FLUSH, idLo: 2, sector: 0, segs: [] })).toEqual([{ idLo: 2, idHi: 0, op: FLUSH, status: OKAY }]);
    f.data(2).fill(0);
    const r = await roundTrip(f, { op: READ, idLo: 3, sector: 99, segs: [{ gref: f.dataRef(2), first: 4, last: 7 }] });
    expect(r).toEqual([{ idLo: 3, idHi: 0, op: READ, status: OKAY }]);
    const page = f.data(2);
    expect(page.subarray(0, 2048).every((v) => v === 0)).toBe(true); // sectors 0..3 of the page untouched
    expect(page.subarray(2048, 2560).every((v) => v === 0)).toBe(true); // disk sector 99
    expect(page.subarray(2560, 3072).every((v) => v === 0xa1)).toBe(true); // 100
    expect(page.subarray(3072, 4096).every((v) => v === 0xb2)).toBe(true); // 101, 102
  });

  it('answers malformed requests with BLKIF_RSP_ERROR and unadvertised ops with EOPNOTSUPP', async () => {
    const { f, b, disk } = setup(abi);
    f.connect();
    const g = f.dataRef(0);
    f.grant(f.dataRef(1), f.dataGfn + 1, 1, 5); // granted to domain 5, not to us
    f.grant(f.dataRef(2), f.dataGfn + 2, 1 | 4); // GTF_readonly: we may not write into it
    const rs = await roundTrip(
      f,
      { op: READ, idLo: 1, sector: 0, segs: [] }, // no segments
      { op: READ, idLo: 2, nr: 12, sector: 0, segs: [{ gref: g, first: 0, last: 0 }] }, // > 11
      { op: READ, idLo: 3, sector: 0, segs: [{ gref: g, first: 3, last: 2 }] },
      { op: READ, idLo: 4, sector: 0, segs: [{ gref: g, first: 0, last: 8 }] },
      { op: READ, idLo: 5, sector: 2047, segs: [{ gref: g, first: 0, last: 1 }] }, // past the end
      { op: READ, idLo: 6, sector: 2 ** 53, segs: [{ gref: g, first: 0, last: 0 }] },
      { op: WRITE, idLo: 7, sector: 0, segs: [{ gref: 99_999, first: 0, last: 0 }] }, // no such ref
      { op: WRITE, idLo: 8, sector: 0, segs: [{ gref: f.dataRef(1), first: 0, last: 0 }] },
      { op: READ, idLo: 9, sector: 0, segs: [{ gref: f.dataRef(2), first: 0, last: 0 }] },
      { op: 9, idLo: 10, sector: 0, segs: [] },
      { op: BARRIER, idLo: 11, sector: 0, segs: [] },
      { op: DISCARD, idLo: 12, sector: 0, segs: [] },
      { op: INDIRECT, idLo: 13, sector: 0, segs: [] },
    );
    expect(rs.map((r) => [r.idLo, r.status])).toEqual([
      [1, ERROR], [2, ERROR], [3, ERROR], [4, ERROR], [5, ERROR], [6, ERROR], [7, ERROR], [8, ERROR], [9, ERROR], [10, ERROR],
      [11, EOPNOTSUPP], [12, EOPNOTSUPP], [13, EOPNOTSUPP],
    ]);
    expect((disk as MemoryDisk).bytes.every((v) => v === 0)).toBe(true);
    expect(b.stats.errors).toBe(13);
    // The ring still works afterwards.
    expect(await roundTrip(f, { op: READ, idLo: 14, sector: 0, segs: [{ gref: g, first: 0, last: 0 }] })).toEqual([{ idLo: 14, idHi: 0, op: READ, status: OKAY }]);
  });

  it('refuses writes to a read-only disk', async () => {
    const { f } = setup(abi, new MemoryDisk(new Uint8Array(8192), { readOnly: true }));
    f.connect();
    expect(await roundTrip(f, { op: WRITE, idLo: 1, sector: 0, segs: [{ gref: f.dataRef(0), first: 0, last: 0 }] })).toEqual([{ idLo: 1, idHi: 0, op: WRITE, status: ERROR }]);
  });

  it('gives up on a producer that runs more than a ring ahead, without touching the disk', async () => {
    const { f, b } = setup(abi);
    f.connect();
    for (let i = 0; i < 32; i++) f.put({ op: WRITE, idLo: i, sector: i, segs: [{ gref: f.dataRef(0), first: 0, last: 0 }] });
    f.setReqProd(1000);
    f.notify();
    expect(b.broken).toMatch(/req_prod 1000/);
    expect(b.ioPending()).toBe(false);
    await f.d.settleIo();
    expect(f.take()).toEqual([]);
    // Reconnecting (GRUB's handoff, or a new driver) starts afresh.
    f.write(`${FE}/state`, '6');
    f.write(`${FE}/state`, '1');
    f.connect();
    expect(b.broken).toBeNull();
    expect(await roundTrip(f, { op: READ, idLo: 1, sector: 0, segs: [{ gref: f.dataRef(0), first: 0, last: 0 }] })).toHaveLength(1);
  });

  it('does one ring of work per notify and asks for the next notify through req_event', async () => {
    const { f, b } = setup(abi);
    f.connect();
    for (let i = 0; i < 32; i++) f.put({ op: READ, idLo: i, sector: i, segs: [{ gref: f.dataRef(i % 16), first: 0, last: 0 }] });
    f.setReqProd(32);
    f.notify();
    expect(b.stats.requests).toBe(32);
    expect(f.reqEvent).toBe(33);
    await f.d.settleIo();
    expect(f.take().map((r) => r.idLo)).toEqual([...Array(32).keys()]);
  });
});

describe('blkback determinism', () => {
  it('shows no response before settleIo, however fast the device is', async () => {
    const { f, x } = setup('x86_32');
    f.connect();
    f.armRspEvent();
    f.push({ op: READ, idLo: 1, sector: 0, segs: [{ gref: f.dataRef(0), first: 0, last: 0 }] });
    await new Promise((r) => setTimeout(r, 5)); // the MemoryDisk promise has long settled
    expect(f.rspProd).toBe(0);
    expect(x.d.ioPending()).toBe(true);
    expect(x.d.evtchn.isPending(f.port)).toBe(false);
    await x.d.settleIo();
    expect(f.rspProd).toBe(1);
    expect(x.d.ioPending()).toBe(false);
    expect(x.d.evtchn.isPending(f.port)).toBe(true); // rsp_event asked for it
  });

  it('ends the execution slice when it starts I/O, so the host can settle before the next instruction', () => {
    const { f, x } = setup('x86_64');
    f.connect();
    let stopped = 0;
    const orig = x.m.requestStop.bind(x.m);
    x.m.requestStop = (r) => {
      stopped++;
      orig(r);
    };
    f.push({ op: READ, idLo: 1, sector: 0, segs: [{ gref: f.dataRef(0), first: 0, last: 0 }] });
    expect(stopped).toBe(1);
  });

  it('runs a flush only after the writes issued before it have completed', async () => {
    const log: string[] = [];
    const mem = MemoryDisk.blank(64);
    const slow: BlockDevice = {
      sectorCount: 64,
      readOnly: false,
      writeCache: true,
      read: (s, b) => mem.read(s, b),
      write: async (s, d) => {
        await new Promise((r) => setTimeout(r, 10));
        await mem.write(s, d);
        log.push(`write ${s}`);
      },
      flush: async () => {
        log.push('flush');
      },
      close: async () => undefined,
    };
    const { f } = setup('x86_64', slow);
    f.connect();
    f.push({ op: WRITE, idLo: 1, sector: 5, segs: [{ gref: f.dataRef(0), first: 0, last: 0 }] }, { op: FLUSH, idLo: 2, sector: 0, segs: [] });
    await f.d.settleIo();
    expect(log).toEqual(['write 5', 'flush']);
    expect(f.take().map((r) => [r.idLo, r.status])).toEqual([[1, OKAY], [2, OKAY]]);
  });

  it('treats a FLUSH_DISKCACHE with segments (blkfront\'s FUA write) as flush, write, flush', async () => {
    const log: string[] = [];
    const mem = MemoryDisk.blank(64);
    const dev: BlockDevice = {
      sectorCount: 64, readOnly: false, writeCache: true,
      read: (s, b) => mem.read(s, b),
      write: async (s, d) => {
        await new Promise((r) => setTimeout(r, 5));
        await mem.write(s, d);
        log.push(`write ${s}`);
      },
      flush: async () => {
        log.push('flush');
      },
      close: async () => undefined,
    };
    const { f } = setup('x86_32', dev);
    f.connect();
    f.data(0).fill(0x99);
    f.push({ op: WRITE, idLo: 1, sector: 1, segs: [{ gref: f.dataRef(0), first: 0, last: 0 }] }, { op: FLUSH, idLo: 2, sector: 2, segs: [{ gref: f.dataRef(0), first: 0, last: 1 }] });
    await f.d.settleIo();
    expect(log).toEqual(['write 1', 'flush', 'write 2', 'flush']);
    expect(f.take().map((r) => [r.idLo, r.op, r.status])).toEqual([[1, WRITE, OKAY], [2, FLUSH, OKAY]]);
    expect(mem.bytes.subarray(512, 4 * 512).every((v) => v === 0x99)).toBe(true);
  });

  it('reports a device failure as BLKIF_RSP_ERROR', async () => {
    const failing: BlockDevice = {
      sectorCount: 64, readOnly: false, writeCache: false,
      read: () => Promise.reject(new Error('EIO')), write: () => Promise.reject(new Error('EIO')),
      flush: () => Promise.reject(new Error('EIO')), close: async () => undefined,
    };
    const { f } = setup('x86_64', failing);
    f.connect();
    const rs = await roundTrip(f, { op: READ, idLo: 1, sector: 0, segs: [{ gref: f.dataRef(0), first: 0, last: 0 }] }, { op: FLUSH, idLo: 2, sector: 0, segs: [] });
    expect(rs.map((r) => r.status)).toEqual([ERROR, ERROR]);
  });
});

describe('blkback snapshots', () => {
  it('a connected backend restored into a fresh domain answers like the original', async () => {
    const a = setup('x86_32');
    a.f.connect();
    a.f.data(0).fill(0x42);
    expect(await roundTrip(a.f, { op: WRITE, idLo: 1, sector: 9, segs: [{ gref: a.f.dataRef(0), first: 0, last: 7 }] })).toHaveLength(1);
    const snap = a.x.m.saveSnapshot();
    const dom = JSON.parse(JSON.stringify(a.x.d.saveState()));
    const b = setup('x86_32', new MemoryDisk((a.disk as MemoryDisk).bytes.slice()));
    b.x.m.loadSnapshot(snap);
    b.x.d.loadState(dom);
    b.f.port = a.f.port;
    b.f.reqProd = a.f.reqProd;
    b.f.rspCons = a.f.rspCons;
    expect(b.b.connected).toBe(true);
    const req = { op: READ, idLo: 2, sector: 8, segs: [{ gref: a.f.dataRef(1), first: 0, last: 7 }] };
    const ra = await roundTrip(a.f, req), rb = await roundTrip(b.f, req);
    expect(rb).toEqual(ra);
    expect(ra).toEqual([{ idLo: 2, idHi: 0, op: READ, status: OKAY }]);
    expect(b.f.data(1)).toEqual(a.f.data(1));
    expect(JSON.stringify(b.x.d.saveState())).toBe(JSON.stringify(a.x.d.saveState()));
  });

  it('refuses to snapshot with I/O in flight', () => {
    const { f, b } = setup('x86_64');
    f.connect();
    f.push({ op: READ, idLo: 1, sector: 0, segs: [{ gref: f.dataRef(0), first: 0, last: 0 }] });
    expect(() => b.saveState()).toThrow(/settleIo/);
  });
});

describe('blkback trace events', () => {
  it('link request, completion and upcall through one flow id, and name the state changes', async () => {
    const { f, x } = setup('x86_64');
    const evs: { name: string; flow: number; args: Record<string, unknown> }[] = [];
    x.d.trace.attach((e) => evs.push({ name: e.name, flow: e.flow, args: e.args }));
    f.connect();
    f.armRspEvent();
    const flow = x.d.trace.begin(); // what the hypercall dispatcher does for the guest's EVTCHNOP_send
    f.push({ op: READ, idLo: 1, sector: 0, segs: [{ gref: f.dataRef(0), first: 0, last: 0 }] });
    x.d.trace.begin(); // the guest carries on with other hypercalls
    await x.d.settleIo();
    const named = (n: string) => evs.filter((e) => e.name === n);
    expect(named('xen_block_read')[0]).toMatchObject({ flow, args: { sector: 0, sectors: 1 } });
    expect(named('xen_block_complete')[0]!.flow).toBe(flow);
    expect(named('xen_evtchn_upcall').at(-1)!.flow).toBe(flow);
    expect(named('xen_gnttab_copy').at(-1)).toMatchObject({ flow, args: { ref: f.dataRef(0), offset: 0, len: 512, to_guest: 1, ret: 0 } });
    expect(named('xen_device_backend_state').map((e) => e.args['to'])).toEqual(['Connected']);
  });
});

describe('blkback XenbusState handshake', () => {
  it('follows GRUB\'s handoff: frontend Closed → backend Closed (port unbound), frontend Initialising → InitWait, then reconnects with another ABI', async () => {
    const { f, b } = setup('x86_32');
    f.connect(3);
    expect(f.read(`${BE}/state`)).toBe('4');
    f.write(`${FE}/state`, '6');
    expect(f.read(`${BE}/state`)).toBe('6');
    expect(b.connected).toBe(false);
    expect(f.d.evtchn.ports[f.port]!.state).toBe(1); // back to ECS_UNBOUND: the guest may close it
    expect(f.mem.view.getUint16(f.d.gnttab.entry(7), true) & 0x18).toBe(0); // ring grant released
    f.write(`${FE}/state`, '1');
    expect(f.read(`${BE}/state`)).toBe('2');
    const g = new FakeBlkfront(f.d, 'x86_64');
    g.connect(4); // Linux-style, straight to Connected
    expect(g.read(`${BE}/state`)).toBe('4');
    g.data(0).fill(0x5a);
    expect(await roundTrip(g, { op: WRITE, idLo: 77, idHi: 1, sector: 1, segs: [{ gref: g.dataRef(0), first: 0, last: 0 }] })).toEqual([{ idLo: 77, idHi: 1, op: WRITE, status: OKAY }]);
  });

  it('walks Linux\'s xenbus_reset_frontend (Closing, Closed, Initialising) and the frontend\'s watch sees every backend state', () => {
    const { f } = setup('x86_64');
    f.d.xenstore.store.watch(f.conn, `${BE}/state`, 'be');
    f.connect(3);
    const seen: string[] = [];
    const step = (fe: string): void => {
      f.write(`${FE}/state`, fe);
      seen.push(f.read(`${BE}/state`)!);
    };
    step('5');
    step('6');
    step('1');
    expect(seen).toEqual(['5', '6', '2']);
    expect(f.watchEvents.filter((p) => p === `${BE}/state`)).toHaveLength(5); // registration, 4, 5, 6, 2
  });

  it('stays in InitWait and records an error when the frontend gives no usable ring', () => {
    const { f } = setup('x86_64');
    const dom0 = f.d.xenstore.store.connect(0, () => undefined);
    const error = (): string | undefined => f.d.xenstore.store.tryRead(dom0, 0, '/local/domain/0/error/backend/vbd/1/51712/error');
    f.write(`${FE}/event-channel`, '5');
    f.write(`${FE}/state`, '3');
    expect(f.read(`${BE}/state`)).toBe('2');
    expect(error()).toBe('reading ring-ref');
    f.write(`${FE}/ring-ref`, '7');
    f.write(`${FE}/protocol`, 'x86_16-abi');
    f.write(`${FE}/state`, '4');
    expect(error()).toBe('unknown fe protocol x86_16-abi');
    expect(f.read(`${BE}/state`)).toBe('2');
    f.write(`${FE}/protocol`, 'x86_64-abi');
    f.write(`${FE}/ring-ref`, '300'); // never granted
    f.write(`${FE}/state`, '3');
    expect(error()).toMatch(/^mapping ring-ref 300 failed/);
    f.grant(7, f.ringGfn);
    f.write(`${FE}/ring-ref`, '7');
    f.write(`${FE}/event-channel`, String(f.d.consolePort)); // a port that is not the guest's to give
    f.write(`${FE}/state`, '4');
    expect(error()).toBe(`binding port ${f.d.consolePort} failed`);
    expect(f.read(`${BE}/state`)).toBe('2');
    expect(f.mem.view.getUint16(f.d.gnttab.entry(7), true) & 0x18).toBe(0); // the ring mapping was undone
  });
});
