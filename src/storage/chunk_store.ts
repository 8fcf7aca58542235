// A key → bytes store for disk chunks. Base images are cached as `sha256:<hex>/<index>` and
// overlays as `overlay:<diskId>/<index>` (plus one `…/meta` record each). IndexedDB
// (idb_chunk_store.ts) is the real one; MemoryChunkStore serves tests and throw-away overlays.

/** Chunk size for base images and overlays: well under the ~128 MiB per-value limit of browsers. */
export const CHUNK_SIZE = 1 << 20;

export type ChunkValue = Uint8Array | ChunkMeta;

/** Small JSON-like records stored beside the chunks. */
export interface ChunkMeta {
  readonly [key: string]: string | number | boolean | null;
}

export interface ChunkStore {
  /** Values in key order; undefined where a key is absent. */
  getMany(keys: readonly string[]): Promise<Array<ChunkValue | undefined>>;
  /** Stores all entries atomically; resolves once they are durably committed. */
  setMany(entries: ReadonlyArray<readonly [string, ChunkValue]>): Promise<void>;
  /** Deletes all keys atomically; resolves once committed. */
  deleteMany(keys: readonly string[]): Promise<void>;
  /** Every key that starts with `prefix`, in ascending order. */
  keysWithPrefix(prefix: string): Promise<string[]>;
}

export function imageChunkKey(sha256: string, index: number): string {
  return `sha256:${sha256}/${index}`;
}

export function imageMetaKey(sha256: string): string {
  return `sha256:${sha256}/meta`;
}

export function overlayChunkKey(diskId: string, index: number): string {
  return `overlay:${diskId}/${index}`;
}

export function overlayMetaKey(diskId: string): string {
  return `overlay:${diskId}/meta`;
}

/** The chunk index in `key` after `prefix`, or null for meta records and strangers. */
export function chunkIndexOf(key: string, prefix: string): number | null {
  if (!key.startsWith(prefix)) return null;
  const rest = key.slice(prefix.length);
  return /^(0|[1-9][0-9]{0,14})$/.test(rest) ? Number(rest) : null;
}

/**
 * An exact-size copy of `bytes` when it is a view of a larger buffer: structured clone (what
 * IndexedDB stores) copies a typed array's whole underlying ArrayBuffer, not just the view.
 */
export function ownBuffer(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
}

export class MemoryChunkStore implements ChunkStore {
  readonly map = new Map<string, ChunkValue>();

  async getMany(keys: readonly string[]): Promise<Array<ChunkValue | undefined>> {
    return keys.map((k) => {
      const v = this.map.get(k);
      return v instanceof Uint8Array ? v.slice() : v;
    });
  }

  async setMany(entries: ReadonlyArray<readonly [string, ChunkValue]>): Promise<void> {
    for (const [k, v] of entries) this.map.set(k, v instanceof Uint8Array ? v.slice() : { ...v });
  }

  async deleteMany(keys: readonly string[]): Promise<void> {
    for (const k of keys) this.map.delete(k);
  }

  async keysWithPrefix(prefix: string): Promise<string[]> {
    return [...this.map.keys()].filter((k) => k.startsWith(prefix)).sort();
  }
}
