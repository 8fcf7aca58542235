// A writable disk over a read-only base (DESIGN.md invariant 5: base images are never written).
// The disk is cut into chunks; a chunk the guest has written lives whole in the overlay's chunk
// store as `overlay:<diskId>/<index>`, every other chunk is read straight from the base. A dirty
// bitmap says which is which and is rebuilt from the store's keys on open, so a new overlay over
// the same store and diskId sees every committed write (writes survive a page reload).
//
// A write is a read-modify-write of whole chunks (1 MiB by default: simple, at the price of
// write amplification for small writes; see ux-ecosystem.md §3.3). With writeCache off (the
// default) each write commits its chunks in one transaction before it resolves; with it on,
// written chunks stay pinned in memory and flush() commits them all in one transaction. Either way
// the `…/meta` record naming the base goes into the same transaction as the first chunk.
// `writeBehind` (with the write cache) starts a background commit as soon as a write completes,
// and writes that arrive meanwhile go into the next one: the guest never waits for storage, yet
// little stays only in memory (a tab can be closed at any moment: its worker dies with it).

import { BlockDeviceError, checkBlockRange, SECTOR_SIZE } from '../machine/block_device.ts';
import type { BlockDevice } from '../machine/block_device.ts';
import { ChunkCache } from './chunk_cache.ts';
import { CHUNK_SIZE, chunkIndexOf, overlayChunkKey, overlayMetaKey } from './chunk_store.ts';
import type { ChunkMeta, ChunkStore, ChunkValue } from './chunk_store.ts';
import { OpQueue } from './op_queue.ts';

export interface CowOverlayOptions {
  /** Only read; never written, whatever its readOnly flag says. */
  base: BlockDevice;
  /** Names what the base is (an image's sha256); an overlay made over another base is refused. */
  baseId: string;
  store: ChunkStore;
  /** Names the overlay in the store: letters, digits, `.`, `_`, `-`. */
  diskId: string;
  /** Bytes per chunk: a power of two, at least one sector (default 1 MiB). */
  chunkSize?: number;
  /** Default false: every write is durable when it resolves. */
  writeCache?: boolean;
  /** Chunks kept in memory (default 32); with writeCache, also the most left uncommitted. */
  cacheChunks?: number;
  /** close() also closes the base (default false: a base may be shared by several overlays). */
  ownsBase?: boolean;
  /** With writeCache: commit in the background right after each write (default false). */
  writeBehind?: boolean;
  /** Called when the number of uncommitted chunks changes. */
  onUnsavedChange?: (unsaved: number) => void;
}

const DISK_ID = /^[A-Za-z0-9._-]{1,64}$/;

export class CowOverlay implements BlockDevice {
  readonly sectorCount: number;
  readonly readOnly = false;
  readonly writeCache: boolean;
  readonly diskId: string;
  readonly chunkSize: number;
  private readonly base: BlockDevice;
  private readonly baseId: string;
  private readonly store: ChunkStore;
  private readonly queue = new OpQueue();
  private readonly cache: ChunkCache;
  private readonly dirty: Uint8Array;
  private readonly chunkCount: number;
  private readonly diskBytes: number;
  private metaStored: boolean;
  private readonly ownsBase: boolean;
  private readonly writeBehind: boolean;
  private readonly onUnsavedChange: ((unsaved: number) => void) | undefined;
  private commitQueued = false;
  /** Why the last background commit failed (flush() retries and reports). */
  lastWriteBehindError: unknown = null;
  private closed = false;

  private constructor(options: CowOverlayOptions, chunkSize: number, dirtyIndices: number[], metaStored: boolean) {
    this.base = options.base;
    this.baseId = options.baseId;
    this.store = options.store;
    this.diskId = options.diskId;
    this.chunkSize = chunkSize;
    this.writeCache = options.writeCache ?? false;
    this.sectorCount = options.base.sectorCount;
    this.diskBytes = this.sectorCount * SECTOR_SIZE;
    this.chunkCount = Math.ceil(this.diskBytes / chunkSize);
    this.dirty = new Uint8Array(Math.ceil(this.chunkCount / 8));
    for (const i of dirtyIndices) this.dirty[i >> 3]! |= 1 << (i & 7);
    this.cache = new ChunkCache(options.cacheChunks ?? 32);
    this.metaStored = metaStored;
    this.ownsBase = options.ownsBase ?? false;
    this.writeBehind = (options.writeBehind ?? false) && this.writeCache;
    this.onUnsavedChange = options.onUnsavedChange;
  }

  /** Opens the overlay `diskId` in `store`, creating nothing until the first write. */
  static async open(options: CowOverlayOptions): Promise<CowOverlay> {
    const chunkSize = options.chunkSize ?? CHUNK_SIZE;
    if (!DISK_ID.test(options.diskId)) throw new BlockDeviceError(`overlay: disk id ${JSON.stringify(options.diskId)} must be 1-64 of A-Z a-z 0-9 . _ -`);
    if (!Number.isInteger(chunkSize) || chunkSize < SECTOR_SIZE || chunkSize > 1 << 26 || (chunkSize & (chunkSize - 1)) !== 0) {
      throw new BlockDeviceError(`overlay: chunk size ${chunkSize} must be a power of two between 512 and 64 MiB`);
    }
    const prefix = `overlay:${options.diskId}/`;
    const [meta] = await options.store.getMany([overlayMetaKey(options.diskId)]);
    const sectorCount = options.base.sectorCount;
    if (meta !== undefined) {
      if (meta instanceof Uint8Array) throw new BlockDeviceError(`overlay '${options.diskId}': its meta record is corrupt`);
      if (meta['baseId'] !== options.baseId || meta['sectorCount'] !== sectorCount || meta['chunkSize'] !== chunkSize) {
        throw new BlockDeviceError(
          `overlay '${options.diskId}' was written over base ${String(meta['baseId'])} (${String(meta['sectorCount'])} sectors, ` +
            `${String(meta['chunkSize'])}-byte chunks), not ${options.baseId} (${sectorCount} sectors, ${chunkSize}-byte chunks); reset it or use another disk id`,
        );
      }
    }
    const chunkCount = Math.ceil((sectorCount * SECTOR_SIZE) / chunkSize);
    const dirty: number[] = [];
    for (const key of await options.store.keysWithPrefix(prefix)) {
      const i = chunkIndexOf(key, prefix);
      if (i === null) continue;
      if (i >= chunkCount) throw new BlockDeviceError(`overlay '${options.diskId}': chunk ${i} lies past the end of the disk (${chunkCount} chunks)`);
      if (meta === undefined) throw new BlockDeviceError(`overlay '${options.diskId}': chunks without a meta record; reset it`);
      dirty.push(i);
    }
    return new CowOverlay(options, chunkSize, dirty, meta !== undefined);
  }

  /** Chunks that differ from the base (committed or not). */
  get dirtyChunkCount(): number {
    let n = 0;
    for (let i = 0; i < this.chunkCount; i++) if (this.isDirty(i)) n++;
    return n;
  }

  /** Written chunks held only in memory (writeCache): what flush() would commit. */
  get unsavedChunks(): number {
    return this.cache.pinnedCount;
  }

  isDirty(chunk: number): boolean {
    return (this.dirty[chunk >> 3]! & (1 << (chunk & 7))) !== 0;
  }

  read(sector: number, buffer: Uint8Array): Promise<void> {
    return this.queue.run(async () => {
      this.check(sector, buffer);
      await this.readRange(sector * SECTOR_SIZE, buffer);
    });
  }

  write(sector: number, data: Uint8Array): Promise<void> {
    return this.queue.run(async () => {
      this.check(sector, data);
      const start = sector * SECTOR_SIZE;
      const end = start + data.length;
      const updated: Array<[number, Uint8Array]> = [];
      for (let i = Math.floor(start / this.chunkSize); i * this.chunkSize < end; i++) {
        const chunkStart = i * this.chunkSize;
        // Write-through patches a copy: the cached chunk must not change unless the write commits.
        // A write cache commits nothing here, so it patches the chunk in place.
        const loaded = await this.loadChunk(i);
        const chunk = this.writeCache ? loaded : loaded.slice();
        const from = Math.max(start, chunkStart);
        const to = Math.min(end, chunkStart + chunk.length);
        chunk.set(data.subarray(from - start, to - start), from - chunkStart);
        updated.push([i, chunk]);
      }
      if (!this.writeCache) {
        await this.commit(updated);
        for (const [i, chunk] of updated) this.cache.put(i, chunk);
        return;
      }
      const before = this.cache.pinnedCount;
      for (const [i, chunk] of updated) {
        this.markDirty(i);
        this.cache.put(i, chunk, true);
      }
      if (this.cache.pinnedCount !== before) this.onUnsavedChange?.(this.cache.pinnedCount);
      // A write cache may write back whenever it likes; do so before it outgrows the cache.
      if (this.cache.pinnedCount >= this.cache.capacity) await this.writeBack();
      else if (this.writeBehind && !this.commitQueued) {
        // Queued behind this write (and any already issued), so one commit takes them all.
        this.commitQueued = true;
        void this.queue.run(async () => {
          this.commitQueued = false;
          if (this.closed) return;
          try {
            await this.writeBack();
            this.lastWriteBehindError = null;
          } catch (e) {
            this.lastWriteBehindError = e; // the chunks stay pinned: flush() retries
          }
        });
      }
    });
  }

  flush(): Promise<void> {
    return this.queue.run(async () => {
      if (this.closed) throw new BlockDeviceError(`overlay '${this.diskId}': closed`);
      await this.writeBack();
    });
  }

  /** Forgets every write: the disk reads as the base again, in memory and in the store. */
  reset(): Promise<void> {
    return this.queue.run(async () => {
      const keys = await this.store.keysWithPrefix(`overlay:${this.diskId}/`);
      await this.store.deleteMany(keys);
      this.dirty.fill(0);
      this.cache.clear();
      this.metaStored = false;
    });
  }

  /** Commits pending writes, then refuses further use; closes the base only if it owns it. */
  close(): Promise<void> {
    return this.queue.run(async () => {
      if (this.closed) return;
      await this.writeBack();
      this.closed = true;
      this.cache.clear();
      if (this.ownsBase) await this.base.close();
    });
  }

  /**
   * The merged disk (base plus writes) as a stream of chunk-sized pieces, for "export disk".
   * `new Response(stream).blob()` turns it into a Blob. Each piece is read in queue order, so a
   * write issued during the export shows up in the pieces not yet read.
   */
  exportStream(): ReadableStream<Uint8Array> {
    let index = 0;
    return new ReadableStream<Uint8Array>({
      pull: (controller) =>
        this.queue.run(async () => {
          if (index >= this.chunkCount) {
            controller.close();
            return;
          }
          const start = index * this.chunkSize;
          const piece = new Uint8Array(Math.min(this.chunkSize, this.diskBytes - start));
          await this.readRange(start, piece);
          index++;
          controller.enqueue(piece);
        }),
    });
  }

  /** The merged disk as a Blob, for a download link ("export disk"). */
  exportBlob(): Promise<Blob> {
    return new Response(this.exportStream()).blob();
  }

  private check(sector: number, buffer: Uint8Array): void {
    if (this.closed) throw new BlockDeviceError(`overlay '${this.diskId}': closed`);
    const problem = checkBlockRange(this.sectorCount, sector, buffer.length);
    if (problem) throw new BlockDeviceError(`overlay '${this.diskId}': ${problem}`);
  }

  /** Fills `buffer` from byte `start`: dirty chunks from the overlay, the rest from the base. */
  private async readRange(start: number, buffer: Uint8Array): Promise<void> {
    const end = start + buffer.length;
    for (let i = Math.floor(start / this.chunkSize); i * this.chunkSize < end; i++) {
      const chunkStart = i * this.chunkSize;
      const from = Math.max(start, chunkStart);
      const to = Math.min(end, chunkStart + this.chunkSize);
      const part = buffer.subarray(from - start, to - start);
      if (this.isDirty(i) || this.cache.get(i)) {
        const chunk = await this.loadChunk(i);
        part.set(chunk.subarray(from - chunkStart, to - chunkStart));
      } else {
        await this.base.read(from / SECTOR_SIZE, part);
      }
    }
  }

  /** The current contents of chunk `i` (cache, then overlay store, then base). */
  private async loadChunk(i: number): Promise<Uint8Array> {
    const cached = this.cache.get(i);
    if (cached) return cached;
    const length = Math.min(this.chunkSize, this.diskBytes - i * this.chunkSize);
    let chunk: Uint8Array;
    if (this.isDirty(i)) {
      const [v] = await this.store.getMany([overlayChunkKey(this.diskId, i)]);
      if (!(v instanceof Uint8Array)) throw new BlockDeviceError(`overlay '${this.diskId}': chunk ${i} is missing from storage`);
      if (v.length !== length) throw new BlockDeviceError(`overlay '${this.diskId}': chunk ${i} has ${v.length} bytes, expected ${length}`);
      chunk = v;
    } else {
      chunk = new Uint8Array(length);
      await this.base.read((i * this.chunkSize) / SECTOR_SIZE, chunk);
    }
    this.cache.put(i, chunk);
    return chunk;
  }

  /** Stores `chunks` (and the meta record on first use) in one transaction, then marks them dirty. */
  private async commit(chunks: ReadonlyArray<readonly [number, Uint8Array]>): Promise<void> {
    if (chunks.length === 0) return;
    const entries: Array<[string, ChunkValue]> = chunks.map(([i, c]) => [overlayChunkKey(this.diskId, i), c]);
    if (!this.metaStored) {
      const meta: ChunkMeta = { baseId: this.baseId, sectorCount: this.sectorCount, chunkSize: this.chunkSize };
      entries.push([overlayMetaKey(this.diskId), meta]);
    }
    await this.store.setMany(entries);
    this.metaStored = true;
    for (const [i] of chunks) this.markDirty(i);
  }

  /** Commits every pinned (written, uncommitted) chunk; they stay cached but evictable. */
  private async writeBack(): Promise<void> {
    const pinned = this.cache.pinnedIndices;
    if (pinned.length === 0) return;
    // Every caller runs in the queue, so no write changes these chunks while they commit.
    const chunks = pinned.map((i): [number, Uint8Array] => [i, this.cache.get(i)!]);
    await this.commit(chunks);
    for (const i of pinned) this.cache.unpin(i);
    this.onUnsavedChange?.(this.cache.pinnedCount);
  }

  private markDirty(i: number): void {
    this.dirty[i >> 3]! |= 1 << (i & 7);
  }
}
