import 'fake-indexeddb/auto';
import { createStore } from 'idb-keyval';
import type { UseStore } from 'idb-keyval';
import { describe, expect, it, vi } from 'vitest';
import { diffBytes, randomBytes } from './bytes.ts';
import { IdbChunkStore, StorageError, storageError } from '../../src/storage/idb_chunk_store.ts';

let dbCount = 0;
const freshName = (): string => `xentab-chunks-test-${++dbCount}`;

describe('IdbChunkStore', () => {
  it('stores chunks and meta records and reads them back from a new connection', async () => {
    const name = freshName();
    const a = IdbChunkStore.open(name);
    const chunk = randomBytes(1 << 20, 1);
    await a.setMany([
      ['sha256:ab/0', chunk],
      ['sha256:ab/meta', { size: 1 << 20, chunkSize: 1 << 20, complete: true }],
    ]);
    a.close();
    const b = IdbChunkStore.open(name);
    const [c, meta, missing] = await b.getMany(['sha256:ab/0', 'sha256:ab/meta', 'sha256:ab/1']);
    expect(c).toBeInstanceOf(Uint8Array);
    expect(diffBytes(c as Uint8Array, chunk)).toBe('equal');
    expect(meta).toEqual({ size: 1 << 20, chunkSize: 1 << 20, complete: true });
    expect(missing).toBeUndefined();
  });

  it('stores only the viewed bytes of a subarray, not its whole buffer', async () => {
    const store = IdbChunkStore.open(freshName());
    const big = new Uint8Array(4096).fill(1);
    big.fill(9, 1000, 1512);
    await store.setMany([['overlay:d/0', big.subarray(1000, 1512)]]);
    const [v] = await store.getMany(['overlay:d/0']);
    expect(v).toBeInstanceOf(Uint8Array);
    expect((v as Uint8Array).buffer.byteLength).toBe(512);
    expect((v as Uint8Array).every((b) => b === 9)).toBe(true);
  });

  it('lists keys by prefix in index order of the string keys, and deletes them atomically', async () => {
    const store = IdbChunkStore.open(freshName());
    const one = new Uint8Array(1);
    await store.setMany([
      ['overlay:a/0', one],
      ['overlay:a/2', one],
      ['overlay:a/meta', { baseId: 'x' }],
      ['overlay:ab/0', one],
      ['sha256:00/0', one],
    ]);
    expect(await store.keysWithPrefix('overlay:a/')).toEqual(['overlay:a/0', 'overlay:a/2', 'overlay:a/meta']);
    await store.deleteMany(await store.keysWithPrefix('overlay:a/'));
    expect(await store.keysWithPrefix('overlay:')).toEqual(['overlay:ab/0']);
  });

  it('keeps one object store per database so idb-keyval createStore on the same name sees the data', async () => {
    const name = freshName();
    const store = IdbChunkStore.open(name);
    await store.setMany([['k', new Uint8Array([1, 2, 3])]]);
    store.close();
    const { get } = await import('idb-keyval');
    expect(await get('k', createStore(name, 'chunks'))).toEqual(new Uint8Array([1, 2, 3]));
  });

  it('reports an aborted transaction as a clear StorageError and writes nothing', async () => {
    const name = freshName();
    const real = createStore(name, 'chunks');
    const aborting: UseStore = (mode, callback) =>
      real(mode, (os) => {
        const result = callback(os);
        if (mode === 'readwrite') os.transaction.abort();
        return result;
      });
    const store = IdbChunkStore.withUseStore(name, aborting);
    const err = await store.setMany([['overlay:d/0', new Uint8Array(8)]]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as StorageError).kind).toBe('aborted');
    expect((err as Error).message).toMatch(new RegExp(`IndexedDB '${name}': the transaction was aborted while writing 1 record\\(s\\)`));
    expect(await IdbChunkStore.open(name).keysWithPrefix('')).toEqual([]);
  });

  it('names quota exhaustion as such and says how to free space', () => {
    const e = storageError('xentab-chunks', 'writing 3 record(s)', new DOMException('The quota has been exceeded.', 'QuotaExceededError'));
    expect(e.kind).toBe('quota');
    expect(e.message).toMatch(/out of storage space while writing 3 record\(s\).*free space/);
    expect(e.cause).toBeInstanceOf(DOMException);
    const other = storageError('db', 'reading', new TypeError('boom'));
    expect(other.kind).toBe('other');
    expect(other.message).toBe("IndexedDB 'db': reading failed: TypeError: boom");
  });

  it('commits writes in strict-durability transactions and reads in read-only ones', async () => {
    const transaction = vi.spyOn(IDBDatabase.prototype, 'transaction');
    try {
      const store = IdbChunkStore.open(freshName());
      await store.setMany([['overlay:d/0', new Uint8Array(4)]]);
      await store.deleteMany(['overlay:d/0']);
      await store.getMany(['overlay:d/0']);
      // fake-indexeddb opens its upgrade (versionchange) transaction through the same method.
      const modes = transaction.mock.calls.filter((c) => c[1] !== 'versionchange').map((c) => [c[1], (c[2] as IDBTransactionOptions | undefined)?.durability]);
      expect(modes).toEqual([
        ['readwrite', 'strict'],
        ['readwrite', 'strict'],
        ['readonly', undefined],
      ]);
    } finally {
      transaction.mockRestore();
    }
  });
});
