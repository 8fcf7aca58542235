import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { SECTOR_SIZE } from '../../src/machine/block_device.ts';
import { MemoryChunkStore } from '../../src/storage/chunk_store.ts';
import type { ChunkStore, ChunkValue } from '../../src/storage/chunk_store.ts';
import { CowOverlay } from '../../src/storage/cow_overlay.ts';
import { IdbChunkStore } from '../../src/storage/idb_chunk_store.ts';
import { MemoryDisk } from '../../src/storage/memory_disk.ts';
import { sha256Hex } from '../../src/storage/sha256.ts';
import { diffBytes, randomBytes } from './bytes.ts';

const CHUNK = 8 * SECTOR_SIZE; // small chunks so tests cross chunk boundaries cheaply
let dbCount = 0;

/** A base of `sectors` sectors (not a whole number of chunks) with its hash, and a fresh store. */
function setup(sectors = 37) {
  const baseBytes = randomBytes(sectors * SECTOR_SIZE, sectors);
  const base = new MemoryDisk(baseBytes, { readOnly: true });
  const baseHash = sha256Hex(baseBytes);
  const store = IdbChunkStore.open(`xentab-overlay-test-${++dbCount}`);
  const open = (extra: Partial<Parameters<typeof CowOverlay.open>[0]> = {}) =>
    CowOverlay.open({ base, baseId: baseHash, store, diskId: 'xvda', chunkSize: CHUNK, ...extra });
  return { baseBytes, base, baseHash, store, open };
}

/** Applies writes to a plain copy of the base: the model the overlay must agree with. */
function model(baseBytes: Uint8Array, writes: Array<[number, Uint8Array]>): Uint8Array {
  const m = baseBytes.slice();
  for (const [sector, data] of writes) m.set(data, sector * SECTOR_SIZE);
  return m;
}

async function readAll(disk: CowOverlay): Promise<Uint8Array> {
  const out = new Uint8Array(disk.sectorCount * SECTOR_SIZE);
  await disk.read(0, out);
  return out;
}

describe('CowOverlay', () => {
  it('reads the base until written, then merges base and overlay at sector granularity', async () => {
    const { baseBytes, open } = setup();
    const disk = await open();
    expect(disk.sectorCount).toBe(37);
    expect(diffBytes(await readAll(disk), baseBytes)).toBe('equal');
    const writes: Array<[number, Uint8Array]> = [
      [3, randomBytes(SECTOR_SIZE, 100)], // inside chunk 0
      [7, randomBytes(3 * SECTOR_SIZE, 101)], // spans chunks 0 and 1
      [36, randomBytes(SECTOR_SIZE, 102)], // the short last chunk
    ];
    for (const [s, d] of writes) await disk.write(s, d);
    expect(diffBytes(await readAll(disk), model(baseBytes, writes))).toBe('equal');
    expect(disk.dirtyChunkCount).toBe(3);
    const one = new Uint8Array(2 * SECTOR_SIZE);
    await disk.read(6, one);
    expect(diffBytes(one, model(baseBytes, writes).subarray(6 * SECTOR_SIZE, 8 * SECTOR_SIZE))).toBe('equal');
  });

  it('never modifies the base image', async () => {
    const { baseBytes, baseHash, open } = setup();
    const disk = await open();
    for (let s = 0; s < 37; s += 5) await disk.write(s, randomBytes(2 * SECTOR_SIZE > (37 - s) * SECTOR_SIZE ? SECTOR_SIZE : 2 * SECTOR_SIZE, s));
    await disk.flush();
    await disk.reset();
    await disk.write(0, new Uint8Array(37 * SECTOR_SIZE));
    expect(sha256Hex(baseBytes)).toBe(baseHash);
  });

  it('shows committed writes to a new instance over the same store (a page reload)', async () => {
    const { baseBytes, baseHash, base } = setup();
    const name = `xentab-overlay-reload-${++dbCount}`;
    const writes: Array<[number, Uint8Array]> = [
      [1, randomBytes(SECTOR_SIZE, 7)],
      [20, randomBytes(9 * SECTOR_SIZE, 8)],
    ];
    const first = await CowOverlay.open({ base, baseId: baseHash, store: IdbChunkStore.open(name), diskId: 'xvda', chunkSize: CHUNK });
    for (const [s, d] of writes) await first.write(s, d);
    // No close and no flush: write-through means each resolved write is already committed.
    const reopened = IdbChunkStore.open(name);
    const second = await CowOverlay.open({ base, baseId: baseHash, store: reopened, diskId: 'xvda', chunkSize: CHUNK });
    expect(second.dirtyChunkCount).toBe(first.dirtyChunkCount);
    expect(diffBytes(await readAll(second), model(baseBytes, writes))).toBe('equal');
    // Another disk id in the same store is independent.
    const other = await CowOverlay.open({ base, baseId: baseHash, store: reopened, diskId: 'xvdb', chunkSize: CHUNK });
    expect(diffBytes(await readAll(other), baseBytes)).toBe('equal');
  });

  it('with a write cache, commits nothing until flush and everything when flush resolves', async () => {
    const { baseBytes, base, baseHash, store, open } = setup();
    const disk = await open({ writeCache: true });
    expect(disk.writeCache).toBe(true);
    const data = randomBytes(2 * SECTOR_SIZE, 11);
    await disk.write(10, data);
    const before = await CowOverlay.open({ base, baseId: baseHash, store, diskId: 'xvda', chunkSize: CHUNK });
    expect(diffBytes(await readAll(before), baseBytes)).toBe('equal');
    expect(diffBytes(await readAll(disk), model(baseBytes, [[10, data]]))).toBe('equal');
    await disk.flush();
    const after = await CowOverlay.open({ base, baseId: baseHash, store, diskId: 'xvda', chunkSize: CHUNK });
    expect(diffBytes(await readAll(after), model(baseBytes, [[10, data]]))).toBe('equal');
  });

  it('resolves flush only after the store has committed the data', async () => {
    const { base, baseHash } = setup();
    const inner = new MemoryChunkStore();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow: ChunkStore = {
      getMany: (k) => inner.getMany(k),
      keysWithPrefix: (p) => inner.keysWithPrefix(p),
      deleteMany: (k) => inner.deleteMany(k),
      setMany: async (e: ReadonlyArray<readonly [string, ChunkValue]>) => {
        await gate;
        await inner.setMany(e);
      },
    };
    const disk = await CowOverlay.open({ base, baseId: baseHash, store: slow, diskId: 'd', chunkSize: CHUNK, writeCache: true });
    await disk.write(0, randomBytes(SECTOR_SIZE, 1));
    let flushed = false;
    const f = disk.flush().then(() => (flushed = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(flushed).toBe(false);
    expect(inner.map.size).toBe(0);
    release();
    await f;
    expect(flushed).toBe(true);
    expect([...inner.map.keys()].sort()).toEqual(['overlay:d/0', 'overlay:d/meta']);
  });

  it('does not show a write whose commit failed, neither now nor after a reload', async () => {
    const { baseBytes, base, baseHash } = setup();
    const inner = new MemoryChunkStore();
    let fail = true;
    const flaky: ChunkStore = {
      getMany: (k) => inner.getMany(k),
      keysWithPrefix: (p) => inner.keysWithPrefix(p),
      deleteMany: (k) => inner.deleteMany(k),
      setMany: async (e) => {
        if (fail) throw new Error('quota');
        await inner.setMany(e);
      },
    };
    const disk = await CowOverlay.open({ base, baseId: baseHash, store: flaky, diskId: 'd', chunkSize: CHUNK });
    await expect(disk.write(4, randomBytes(SECTOR_SIZE, 3))).rejects.toThrow(/quota/);
    expect(diffBytes(await readAll(disk), baseBytes)).toBe('equal');
    fail = false;
    const data = randomBytes(SECTOR_SIZE, 4);
    await disk.write(5, data);
    const again = await CowOverlay.open({ base, baseId: baseHash, store: inner, diskId: 'd', chunkSize: CHUNK });
    expect(diffBytes(await readAll(again), model(baseBytes, [[5, data]]))).toBe('equal');
  });

  it('reset makes the disk read as the base again, also for later instances', async () => {
    const { baseBytes, open, store } = setup();
    const disk = await open();
    await disk.write(0, randomBytes(20 * SECTOR_SIZE, 5));
    await disk.reset();
    expect(disk.dirtyChunkCount).toBe(0);
    expect(diffBytes(await readAll(disk), baseBytes)).toBe('equal');
    expect(await store.keysWithPrefix('overlay:xvda/')).toEqual([]);
    const later = await open();
    expect(diffBytes(await readAll(later), baseBytes)).toBe('equal');
  });

  it('exports the merged disk as a stream equal to base plus writes', async () => {
    const { baseBytes, open } = setup();
    const disk = await open();
    const writes: Array<[number, Uint8Array]> = [
      [0, randomBytes(SECTOR_SIZE, 21)],
      [15, randomBytes(4 * SECTOR_SIZE, 22)],
    ];
    for (const [s, d] of writes) await disk.write(s, d);
    const exported = new Uint8Array(await new Response(disk.exportStream()).arrayBuffer());
    expect(diffBytes(exported, model(baseBytes, writes))).toBe('equal');
    const blob = await disk.exportBlob();
    expect(blob.size).toBe(37 * SECTOR_SIZE);
    expect(sha256Hex(new Uint8Array(await blob.arrayBuffer()))).toBe(sha256Hex(model(baseBytes, writes)));
  });

  it('gives the same bytes as a plain in-memory disk over a random mix of reads and writes', async () => {
    const { baseBytes, open } = setup(53);
    const disk = await open({ cacheChunks: 2 });
    const mirror = baseBytes.slice();
    let seed = 12345;
    const rand = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const pending: Array<Promise<void>> = [];
    const checks: Array<[Uint8Array, Uint8Array]> = [];
    for (let k = 0; k < 200; k++) {
      const sector = rand(53);
      const count = 1 + rand(Math.min(20, 53 - sector));
      if (rand(2) === 0) {
        const data = randomBytes(count * SECTOR_SIZE, k + 1);
        mirror.set(data, sector * SECTOR_SIZE);
        pending.push(disk.write(sector, data)); // issued without waiting: order must hold anyway
      } else {
        const buf = new Uint8Array(count * SECTOR_SIZE);
        checks.push([buf, mirror.slice(sector * SECTOR_SIZE, (sector + count) * SECTOR_SIZE)]);
        pending.push(disk.read(sector, buf));
      }
    }
    await Promise.all(pending);
    checks.forEach(([got, want], i) => expect(diffBytes(got, want), `read ${i}`).toBe('equal'));
    expect(diffBytes(await readAll(disk), mirror)).toBe('equal');
  });

  it('refuses to reopen an overlay over a different base', async () => {
    const { open } = setup();
    const disk = await open();
    await disk.write(0, new Uint8Array(SECTOR_SIZE));
    await expect(open({ baseId: 'f'.repeat(64) })).rejects.toThrow(/was written over base [0-9a-f]{64} \(37 sectors.*reset it or use another disk id/);
  });

  it('rejects bad ranges, bad disk ids and bad chunk sizes', async () => {
    const { open } = setup();
    const disk = await open();
    await expect(disk.write(37, new Uint8Array(SECTOR_SIZE))).rejects.toThrow(/past the end/);
    await expect(disk.read(0, new Uint8Array(10))).rejects.toThrow(/multiple of 512/);
    await expect(open({ diskId: '../x' })).rejects.toThrow(/disk id/);
    await expect(open({ chunkSize: 1000 })).rejects.toThrow(/power of two/);
    expect(disk.dirtyChunkCount).toBe(0);
  });

  it('commits pending writes on close and refuses use afterwards', async () => {
    const { baseBytes, open } = setup();
    const disk = await open({ writeCache: true });
    const data = randomBytes(SECTOR_SIZE, 77);
    await disk.write(30, data);
    await disk.close();
    await expect(disk.read(0, new Uint8Array(SECTOR_SIZE))).rejects.toThrow(/closed/);
    const again = await open();
    expect(diffBytes(await readAll(again), model(baseBytes, [[30, data]]))).toBe('equal');
  });
});

describe('CowOverlay write-behind (cache=writeback in the page)', () => {
  it('completes writes at once, commits them in the background, and a flush resolves only after the IndexedDB transaction committed', async () => {
    // Watch every read-write transaction: its durability, and when it completes.
    const events: string[] = [];
    const durability: string[] = [];
    const original = IDBDatabase.prototype.transaction;
    IDBDatabase.prototype.transaction = function (this: IDBDatabase, ...args: Parameters<typeof original>) {
      const tx = original.apply(this, args);
      if (args[1] === 'readwrite') {
        durability.push(String(args[2]?.durability));
        tx.addEventListener('complete', () => events.push('committed'));
      }
      return tx;
    } as typeof original;
    try {
      const { baseBytes, open } = setup();
      const counts: number[] = [];
      const disk = await open({ writeCache: true, writeBehind: true, onUnsavedChange: (n) => counts.push(n) });
      const data = randomBytes(2 * SECTOR_SIZE, 99);
      await disk.write(7, data); // crosses from chunk 0 into chunk 1
      events.push('written');
      expect(disk.unsavedChunks).toBe(2);
      await disk.flush();
      events.push('flushed');
      expect(disk.unsavedChunks).toBe(0);
      // The write resolved before anything was committed; the flush only after it was.
      expect(events[0]).toBe('written');
      expect(events.at(-1)).toBe('flushed');
      expect(events.at(-2)).toBe('committed');
      expect(durability.every((d) => d === 'strict')).toBe(true);
      expect(counts).toEqual([2, 0]); // the background commit had already done it
      // A new overlay on the same database (a reloaded page) sees the write.
      const again = await open();
      expect(diffBytes(await readAll(again), model(baseBytes, [[7, data]]))).toBe('equal');
    } finally {
      IDBDatabase.prototype.transaction = original;
    }
  });

  it('commits without any flush: the next overlay sees the write once the background commit is done', async () => {
    const { baseBytes, open } = setup();
    const seen: number[] = [];
    let committed!: () => void;
    const done = new Promise<void>((r) => (committed = r));
    const disk = await open({ writeCache: true, writeBehind: true, onUnsavedChange: (n) => (seen.push(n), n === 0 && committed()) });
    const data = randomBytes(SECTOR_SIZE, 5);
    await disk.write(20, data);
    await done;
    expect(seen).toEqual([1, 0]);
    const again = await open();
    expect(diffBytes(await readAll(again), model(baseBytes, [[20, data]]))).toBe('equal');
  });

  it('without write-behind a write cache keeps writes in memory until flushed', async () => {
    const { baseBytes, open } = setup();
    const disk = await open({ writeCache: true });
    await disk.write(3, randomBytes(SECTOR_SIZE, 6));
    expect(disk.unsavedChunks).toBe(1);
    expect(diffBytes(await readAll(await open()), baseBytes)).toBe('equal');
  });
});
