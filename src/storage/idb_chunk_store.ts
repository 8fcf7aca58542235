// Disk chunks in IndexedDB through idb-keyval (ux-ecosystem.md §3.3). One database per logical
// store with its single object store, because a second createStore on the same database silently
// fails (idb-keyval#101). Values are ≤ 1 MiB chunks, far below the ~128 MiB per-value limit.
//
// Writes use a transaction with durability 'strict', so "committed" means on disk, not merely
// visible: the overlay's flush() and write-through writes rely on it (DESIGN.md invariant 5).
// idb-keyval's createStore cannot pass transaction options, so the UseStore is built here.

import { delMany, getMany, promisifyRequest, setMany } from 'idb-keyval';
import type { UseStore } from 'idb-keyval';
import { ownBuffer } from './chunk_store.ts';
import type { ChunkStore, ChunkValue } from './chunk_store.ts';

export const DEFAULT_CHUNK_DB = 'xentab-chunks';
const OBJECT_STORE = 'chunks';

export class StorageError extends Error {
  override name = 'StorageError';
  constructor(
    message: string,
    /** 'quota' when the browser refused for lack of space, 'aborted' for an aborted transaction. */
    readonly kind: 'quota' | 'aborted' | 'other',
    options?: { cause: unknown },
  ) {
    super(message, options);
  }
}

/** Turns an IndexedDB failure into a StorageError saying what happened and what to do. */
export function storageError(dbName: string, what: string, e: unknown): StorageError {
  if (e instanceof StorageError) return e;
  // A transaction aborted by script (or by the browser without a reason) rejects with null.
  if (e === null || e === undefined) {
    return new StorageError(`IndexedDB '${dbName}': the transaction was aborted while ${what} (nothing was written)`, 'aborted');
  }
  const name = e instanceof Error || (typeof DOMException !== 'undefined' && e instanceof DOMException) ? (e as Error).name : '';
  const detail = e instanceof Error ? e.message : String(e);
  if (name === 'QuotaExceededError') {
    return new StorageError(
      `IndexedDB '${dbName}': out of storage space while ${what}; free space by resetting or deleting disks (the disk panel shows usage)`,
      'quota',
      { cause: e },
    );
  }
  if (name === 'AbortError') {
    return new StorageError(`IndexedDB '${dbName}': the transaction was aborted while ${what} (nothing was written): ${detail}`, 'aborted', { cause: e });
  }
  return new StorageError(`IndexedDB '${dbName}': ${what} failed: ${name ? `${name}: ` : ''}${detail}`, 'other', { cause: e });
}

/** A UseStore for idb-keyval whose read-write transactions ask for strict durability. */
export function createDurableStore(dbName: string, factory: IDBFactory = indexedDB): UseStore & { close(): void } {
  let dbp: Promise<IDBDatabase> | undefined;
  const getDb = (): Promise<IDBDatabase> => {
    if (dbp) return dbp;
    const request = factory.open(dbName);
    request.onupgradeneeded = () => request.result.createObjectStore(OBJECT_STORE);
    const p = promisifyRequest(request);
    dbp = p;
    p.then(
      (db) => {
        // Safari may drop connections; another tab upgrading the database asks us to let go.
        db.onclose = () => {
          if (dbp === p) dbp = undefined;
        };
        db.onversionchange = () => {
          db.close();
          if (dbp === p) dbp = undefined;
        };
      },
      () => {
        if (dbp === p) dbp = undefined;
      },
    );
    return p;
  };
  const useStore = (<T>(txMode: IDBTransactionMode, callback: (store: IDBObjectStore) => T | PromiseLike<T>): Promise<T> =>
    getDb().then((db) => {
      const tx = txMode === 'readwrite' ? db.transaction(OBJECT_STORE, txMode, { durability: 'strict' }) : db.transaction(OBJECT_STORE, txMode);
      return callback(tx.objectStore(OBJECT_STORE));
    })) as UseStore & { close(): void };
  // After a quota error Firefox may keep the database read-only until it is reopened.
  useStore.close = () => {
    const p = dbp;
    dbp = undefined;
    p?.then((db) => db.close(), () => undefined);
  };
  return useStore;
}

export class IdbChunkStore implements ChunkStore {
  private constructor(
    readonly dbName: string,
    private readonly useStore: UseStore & { close(): void },
  ) {}

  /** Opens (lazily, on first use) the database `dbName` with its one object store. */
  static open(dbName: string = DEFAULT_CHUNK_DB, factory: IDBFactory = indexedDB): IdbChunkStore {
    return new IdbChunkStore(dbName, createDurableStore(dbName, factory));
  }

  /** For tests that need to inject failures: any idb-keyval UseStore. */
  static withUseStore(dbName: string, useStore: UseStore): IdbChunkStore {
    const s = useStore as UseStore & { close?: () => void };
    return new IdbChunkStore(dbName, Object.assign(useStore, { close: s.close ?? (() => undefined) }));
  }

  getMany(keys: readonly string[]): Promise<Array<ChunkValue | undefined>> {
    return this.guard(`reading ${keys.length} record(s)`, () => getMany<ChunkValue>([...keys], this.useStore));
  }

  setMany(entries: ReadonlyArray<readonly [string, ChunkValue]>): Promise<void> {
    const copies = entries.map(([k, v]): [string, ChunkValue] => [k, v instanceof Uint8Array ? ownBuffer(v) : v]);
    const bytes = copies.reduce((n, [, v]) => n + (v instanceof Uint8Array ? v.length : 0), 0);
    return this.guard(`writing ${entries.length} record(s) (${bytes} bytes)`, () => setMany(copies, this.useStore));
  }

  deleteMany(keys: readonly string[]): Promise<void> {
    return this.guard(`deleting ${keys.length} record(s)`, () => delMany([...keys], this.useStore));
  }

  keysWithPrefix(prefix: string): Promise<string[]> {
    return this.guard(`listing keys under '${prefix}'`, () =>
      this.useStore('readonly', (store) => promisifyRequest(store.getAllKeys(IDBKeyRange.bound(prefix, `${prefix}\uffff`)))).then((keys) =>
        keys.filter((k): k is string => typeof k === 'string'),
      ),
    );
  }

  /** Closes the connection; the next operation reopens it. */
  close(): void {
    this.useStore.close();
  }

  private async guard<T>(what: string, op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (e) {
      const err = storageError(this.dbName, what, e);
      if (err.kind !== 'other') this.useStore.close();
      throw err;
    }
  }
}
