// Fetches a base image, verifies its sha256 and caches it in a chunk store as
// `sha256:<hex>/<index>` chunks plus a `sha256:<hex>/meta` record, then serves it as a read-only
// ChunkedImageDisk. The meta record is written only after every chunk is committed and the hash
// matched, so its presence (with all chunk keys) is what "cached" means; an interrupted or
// mismatching download leaves nothing that could be used.
//
// Hashing: crypto.subtle.digest has no streaming form and would need the whole image in memory,
// so the stream is hashed piece by piece with sha256.ts (no size limit; ~150 MB/s in V8 on the
// development host). Memory use is bounded by one batch of chunks (8 MiB by default).

import { ChunkedImageDisk } from './chunked_image_disk.ts';
import { CHUNK_SIZE, chunkIndexOf, imageChunkKey, imageMetaKey } from './chunk_store.ts';
import type { ChunkStore, ChunkValue } from './chunk_store.ts';
import { Sha256, toHex } from './sha256.ts';

export interface ImageSpec {
  /** For messages only. */
  name?: string;
  /** Lowercase hex. */
  sha256: string;
  /** Bytes. */
  size: number;
}

/** Called as bytes arrive: bytes so far and the expected total. */
export type ProgressCallback = (bytes: number, total: number) => void;

export interface StoreImageOptions {
  onProgress?: ProgressCallback;
  /** Default 1 MiB; tests use smaller chunks. */
  chunkSize?: number;
  /** Chunks committed per transaction (default 8). */
  batchChunks?: number;
}

export interface DownloadOptions extends StoreImageOptions {
  fetch?: typeof fetch;
  signal?: AbortSignal;
}

export class ImageError extends Error {
  override name = 'ImageError';
}

const SHA256_HEX = /^[0-9a-f]{64}$/;
/** Refuse absurd sizes before allocating anything: 1 TiB. */
const MAX_IMAGE_SIZE = 2 ** 40;

function label(spec: ImageSpec): string {
  return spec.name ? `image '${spec.name}'` : `image ${spec.sha256.slice(0, 12)}…`;
}

function checkSpec(spec: ImageSpec): void {
  if (!SHA256_HEX.test(spec.sha256)) throw new ImageError(`${label(spec)}: sha256 must be 64 lowercase hex digits, got ${JSON.stringify(spec.sha256)}`);
  if (!Number.isSafeInteger(spec.size) || spec.size < 0 || spec.size > MAX_IMAGE_SIZE) throw new ImageError(`${label(spec)}: size ${spec.size} is not a valid image size`);
}

/** True when `spec`'s meta record and every one of its chunks are in `store`. */
export async function isImageCached(store: ChunkStore, spec: ImageSpec, chunkSize: number = CHUNK_SIZE): Promise<boolean> {
  checkSpec(spec);
  const [meta] = await store.getMany([imageMetaKey(spec.sha256)]);
  if (meta === undefined || meta instanceof Uint8Array) return false;
  if (meta['size'] !== spec.size || meta['chunkSize'] !== chunkSize || meta['complete'] !== true) return false;
  const prefix = `sha256:${spec.sha256}/`;
  const present = new Set((await store.keysWithPrefix(prefix)).map((k) => chunkIndexOf(k, prefix)));
  const count = Math.ceil(spec.size / chunkSize);
  for (let i = 0; i < count; i++) if (!present.has(i)) return false;
  return true;
}

/**
 * Reads `stream` into `store` as the image `spec`, refusing it (and deleting what was written)
 * when it is longer or shorter than spec.size or hashes to anything but spec.sha256.
 */
export async function storeImageStream(store: ChunkStore, spec: ImageSpec, stream: ReadableStream<Uint8Array>, options: StoreImageOptions = {}): Promise<void> {
  checkSpec(spec);
  const chunkSize = options.chunkSize ?? CHUNK_SIZE;
  const batchChunks = options.batchChunks ?? 8;
  const hash = new Sha256();
  const reader = stream.getReader();
  let received = 0;
  let written = 0;
  let chunk = new Uint8Array(Math.min(chunkSize, spec.size));
  let fill = 0;
  let batch: Array<[string, ChunkValue]> = [];
  const flushBatch = async (): Promise<void> => {
    if (batch.length === 0) return;
    const b = batch;
    batch = [];
    await store.setMany(b);
    written += b.length;
  };
  try {
    options.onProgress?.(0, spec.size);
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      if (received + value.length > spec.size) {
        throw new ImageError(`${label(spec)}: more than the expected ${spec.size} bytes; refused`);
      }
      hash.update(value);
      let pos = 0;
      while (pos < value.length) {
        const take = Math.min(chunk.length - fill, value.length - pos);
        chunk.set(value.subarray(pos, pos + take), fill);
        fill += take;
        pos += take;
        if (fill === chunk.length) {
          const index = (received + pos - fill) / chunkSize;
          batch.push([imageChunkKey(spec.sha256, index), chunk]);
          chunk = new Uint8Array(Math.max(0, Math.min(chunkSize, spec.size - (index + 1) * chunkSize)));
          fill = 0;
          if (batch.length >= batchChunks) await flushBatch();
        }
      }
      received += value.length;
      options.onProgress?.(received, spec.size);
    }
    if (received !== spec.size) throw new ImageError(`${label(spec)}: got ${received} bytes, expected ${spec.size}; refused`);
    const actual = toHex(hash.digest());
    if (actual !== spec.sha256) throw new ImageError(`${label(spec)}: sha256 mismatch: expected ${spec.sha256}, got ${actual}; refused`);
    await flushBatch();
    await store.setMany([[imageMetaKey(spec.sha256), { size: spec.size, chunkSize, complete: true }]]);
  } catch (e) {
    await reader.cancel().catch(() => undefined);
    if (written > 0) {
      const prefix = `sha256:${spec.sha256}/`;
      // Only drop what this attempt wrote if no complete copy exists (a concurrent tab may have one).
      if (!(await isImageCached(store, spec, chunkSize).catch(() => false))) {
        await store.deleteMany(await store.keysWithPrefix(prefix)).catch(() => undefined);
      }
    }
    throw e;
  }
}

/** The cached image as a read-only disk; throws unless isImageCached. */
export async function openCachedImage(store: ChunkStore, spec: ImageSpec, chunkSize: number = CHUNK_SIZE): Promise<ChunkedImageDisk> {
  if (!(await isImageCached(store, spec, chunkSize))) throw new ImageError(`${label(spec)}: not in the image cache`);
  return new ChunkedImageDisk(store, spec.sha256, spec.size, chunkSize);
}

export interface DownloadResult {
  disk: ChunkedImageDisk;
  /** True when nothing was fetched because the image was already cached. */
  fromCache: boolean;
}

/**
 * Returns the image from the cache, or downloads it from the first of `urls` that works,
 * verifying size and sha256. Errors name every URL tried and why it failed.
 */
export async function downloadImage(store: ChunkStore, spec: ImageSpec, urls: readonly string[], options: DownloadOptions = {}): Promise<DownloadResult> {
  checkSpec(spec);
  const chunkSize = options.chunkSize ?? CHUNK_SIZE;
  if (await isImageCached(store, spec, chunkSize)) {
    options.onProgress?.(spec.size, spec.size);
    return { disk: new ChunkedImageDisk(store, spec.sha256, spec.size, chunkSize), fromCache: true };
  }
  const doFetch = options.fetch ?? globalThis.fetch;
  const failures: string[] = [];
  for (const url of urls) {
    try {
      const init: RequestInit = options.signal ? { signal: options.signal } : {};
      const response = await doFetch(url, init);
      if (!response.ok) throw new ImageError(`HTTP ${response.status} ${response.statusText}`.trim());
      if (!response.body) throw new ImageError('the response has no body');
      // With Content-Encoding the length header counts compressed bytes, so only check identity.
      const length = response.headers.get('content-length');
      const encoding = response.headers.get('content-encoding');
      if (length !== null && (encoding === null || encoding === 'identity') && Number(length) !== spec.size) {
        await response.body.cancel();
        throw new ImageError(`the server offers ${length} bytes, expected ${spec.size}; refused`);
      }
      await storeImageStream(store, spec, response.body, options);
      return { disk: new ChunkedImageDisk(store, spec.sha256, spec.size, chunkSize), fromCache: false };
    } catch (e) {
      if (options.signal?.aborted) throw e;
      const message = e instanceof Error ? e.message : String(e);
      // A hash or size mismatch is definitive for this URL; try the next one anyway (a mirror).
      failures.push(`${url}: ${message}`);
    }
  }
  if (urls.length === 0) throw new ImageError(`${label(spec)}: not cached and no URL to download it from`);
  throw new ImageError(`${label(spec)}: could not be downloaded:\n  ${failures.join('\n  ')}`);
}

/**
 * Caches a local file (a dropped disk image) under its own sha256: one pass to hash it, a second
 * to store it, verified again in case the file changed in between.
 */
export async function importImageBlob(store: ChunkStore, blob: Blob, options: StoreImageOptions & { name?: string } = {}): Promise<ImageSpec> {
  const hash = new Sha256();
  const reader = blob.stream().getReader();
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    hash.update(value);
  }
  const spec: ImageSpec = { sha256: toHex(hash.digest()), size: blob.size, ...(options.name !== undefined ? { name: options.name } : {}) };
  if (!(await isImageCached(store, spec, options.chunkSize ?? CHUNK_SIZE))) await storeImageStream(store, spec, blob.stream(), options);
  return spec;
}
