// A read-only disk over a base image cached as content-addressed chunks `sha256:<hex>/<index>`
// (written by image_download.ts). Missing or malformed chunks are reported, never read as zeros.

import { BlockDeviceError, checkBlockRange, SECTOR_SIZE } from '../machine/block_device.ts';
import type { BlockDevice } from '../machine/block_device.ts';
import { ChunkCache } from './chunk_cache.ts';
import { imageChunkKey } from './chunk_store.ts';
import type { ChunkStore } from './chunk_store.ts';

export interface ChunkedImageDiskOptions {
  /** Chunks kept in memory (default 16). */
  cacheChunks?: number;
}

export class ChunkedImageDisk implements BlockDevice {
  readonly sectorCount: number;
  readonly readOnly = true;
  readonly writeCache = false;
  private readonly cache: ChunkCache;
  private closed = false;

  constructor(
    private readonly store: ChunkStore,
    readonly sha256: string,
    /** Image size in bytes; a partial last sector reads as zeros past the end. */
    readonly size: number,
    readonly chunkSize: number,
    options: ChunkedImageDiskOptions = {},
  ) {
    this.sectorCount = Math.ceil(size / SECTOR_SIZE);
    this.cache = new ChunkCache(options.cacheChunks ?? 16);
  }

  async read(sector: number, buffer: Uint8Array): Promise<void> {
    if (this.closed) throw new BlockDeviceError(`image ${this.sha256}: closed`);
    const problem = checkBlockRange(this.sectorCount, sector, buffer.length);
    if (problem) throw new BlockDeviceError(`image ${this.sha256}: ${problem}`);
    const start = sector * SECTOR_SIZE;
    const end = start + buffer.length;
    const first = Math.floor(start / this.chunkSize);
    const last = Math.floor((Math.min(end, this.size) - 1) / this.chunkSize);
    const chunks = await this.chunks(first, last);
    buffer.fill(0);
    for (let i = first; i <= last; i++) {
      const chunk = chunks[i - first]!;
      const chunkStart = i * this.chunkSize;
      const from = Math.max(start, chunkStart);
      const to = Math.min(end, chunkStart + chunk.length);
      if (to > from) buffer.set(chunk.subarray(from - chunkStart, to - chunkStart), from - start);
    }
  }

  async write(_sector: number, _data: Uint8Array): Promise<void> {
    throw new BlockDeviceError(`image ${this.sha256}: base images are read-only`);
  }

  async flush(): Promise<void> {}

  async close(): Promise<void> {
    this.closed = true;
    this.cache.clear();
  }

  /** Chunks first..last from the cache, fetching the missing ones in one request. */
  private async chunks(first: number, last: number): Promise<Uint8Array[]> {
    if (last < first) return [];
    const out: Array<Uint8Array | undefined> = [];
    const missing: number[] = [];
    for (let i = first; i <= last; i++) {
      const c = this.cache.get(i);
      out.push(c);
      if (!c) missing.push(i);
    }
    if (missing.length > 0) {
      const values = await this.store.getMany(missing.map((i) => imageChunkKey(this.sha256, i)));
      missing.forEach((index, k) => {
        const v = values[k];
        const expected = Math.min(this.chunkSize, this.size - index * this.chunkSize);
        if (!(v instanceof Uint8Array)) throw new BlockDeviceError(`image ${this.sha256}: chunk ${index} is missing from storage`);
        if (v.length !== expected) throw new BlockDeviceError(`image ${this.sha256}: chunk ${index} has ${v.length} bytes, expected ${expected}`);
        this.cache.put(index, v);
        out[index - first] = v;
      });
    }
    return out as Uint8Array[];
  }
}
