// A guest write that blkback has answered, followed by a guest FLUSH_DISKCACHE, survives the
// disk being closed and opened again: for a Node file (the CLI's -drive) and for the page's
// copy-on-write overlay in IndexedDB (fake-indexeddb standing in for the browser's), i.e. a reload.
import 'fake-indexeddb/auto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { BlockDevice } from '../../../src/machine/block_device.ts';
import { CowOverlay } from '../../../src/storage/cow_overlay.ts';
import { IdbChunkStore } from '../../../src/storage/idb_chunk_store.ts';
import { MemoryDisk } from '../../../src/storage/memory_disk.ts';
import { NodeFileDisk } from '../../../src/storage/node_file_disk.ts';
import { parseVdev } from '../../../src/xen/backends/vbd_vdev.ts';
import { makeXen } from '../xen_harness.ts';
import { FakeBlkfront } from './blkfront_fake.ts';

const WRITE = 1, FLUSH = 3, READ = 0;
const dir = mkdtempSync(join(tmpdir(), 'xentab-blkback-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Boots a domain with `disk` as xvda and connects a fake frontend. */
function guestWith(disk: BlockDevice): FakeBlkfront {
  const x = makeXen();
  x.d.attachDisk(disk, { vdev: parseVdev('xvda')!, params: 'test' });
  const f = new FakeBlkfront(x.d, 'x86_32');
  f.connect();
  return f;
}

async function writeAndFlush(f: FakeBlkfront, sector: number, fill: number): Promise<void> {
  f.data(0).fill(fill);
  f.push({ op: WRITE, idLo: 1, sector, segs: [{ gref: f.dataRef(0), first: 0, last: 7 }] }, { op: FLUSH, idLo: 2, sector: 0, segs: [] });
  await f.d.settleIo();
  expect(f.take().map((r) => r.status)).toEqual([0, 0]);
}

async function readBack(f: FakeBlkfront, sector: number): Promise<Uint8Array> {
  f.data(1).fill(0);
  f.push({ op: READ, idLo: 3, sector, segs: [{ gref: f.dataRef(1), first: 0, last: 7 }] });
  await f.d.settleIo();
  expect(f.take().map((r) => r.status)).toEqual([0]);
  return f.data(1).slice();
}

describe('guest writes survive', () => {
  it('in a file-backed disk with a write cache, once the guest flushed', async () => {
    const path = join(dir, 'disk.img');
    writeFileSync(path, new Uint8Array(1 << 20));
    const disk = await NodeFileDisk.open(path, { writeCache: true });
    await writeAndFlush(guestWith(disk), 40, 0x3c);
    // Another process reading the file now (no close) sees the data: it is in the file.
    const bytes = readFileSync(path);
    expect(bytes.subarray(40 * 512, 48 * 512).every((v) => v === 0x3c)).toBe(true);
    expect(bytes[48 * 512]).toBe(0);
    await disk.close();
    const again = await NodeFileDisk.open(path);
    expect((await readBack(guestWith(again), 40)).every((v) => v === 0x3c)).toBe(true);
    await again.close();
  });

  it('in the page\'s IndexedDB overlay over a read-only base, across a reload', async () => {
    const base = new Uint8Array(1 << 20).fill(0xee);
    const open = async (): Promise<{ disk: CowOverlay; store: IdbChunkStore }> => {
      const store = IdbChunkStore.open('xentab-blkback-durability');
      const disk = await CowOverlay.open({ base: new MemoryDisk(base, { readOnly: true }), baseId: 'base-sha', store, diskId: 'demo', chunkSize: 64 * 1024, writeCache: true });
      return { disk, store };
    };
    const first = await open();
    await writeAndFlush(guestWith(first.disk), 8, 0x77);
    // A reload drops everything in memory without closing anything.
    first.store.close();
    const second = await open();
    const f = guestWith(second.disk);
    expect((await readBack(f, 8)).every((v) => v === 0x77)).toBe(true);
    expect((await readBack(f, 16)).every((v) => v === 0xee)).toBe(true); // untouched: the base
    expect(base.every((v) => v === 0xee)).toBe(true); // the base is never written
    second.store.close();
  });
});
