import 'fake-indexeddb/auto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECTOR_SIZE } from '../../src/machine/block_device.ts';
import { MemoryChunkStore } from '../../src/storage/chunk_store.ts';
import { IdbChunkStore } from '../../src/storage/idb_chunk_store.ts';
import { downloadImage, importImageBlob, isImageCached, openCachedImage } from '../../src/storage/image_download.ts';
import { sha256Hex } from '../../src/storage/sha256.ts';
import { diffBytes, failure, randomBytes } from './bytes.ts';

// An image that is not a whole number of chunks nor of sectors.
const CHUNK = 64 * 1024;
const IMAGE = randomBytes(5 * CHUNK + 1000, 42);
const SHA = sha256Hex(IMAGE);
const SPEC = { name: 'disk.img', sha256: SHA, size: IMAGE.length };

let server: Server;
let base: string;
const hits = new Map<string, number>();

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    if (path === '/disk.img') {
      res.writeHead(200, { 'content-length': IMAGE.length });
      // Several writes so the client sees several pieces.
      for (let i = 0; i < IMAGE.length; i += 50_000) res.write(IMAGE.subarray(i, i + 50_000));
      res.end();
    } else if (path === '/corrupt.img') {
      const bad = IMAGE.slice();
      bad[3 * CHUNK + 5]! ^= 1;
      res.writeHead(200, { 'content-length': bad.length });
      res.end(bad);
    } else if (path === '/endless.img') {
      // No length header and more data than announced by the manifest.
      res.writeHead(200);
      const block = new Uint8Array(CHUNK);
      let sent = 0;
      const pump = (): void => {
        while (sent < 64 * CHUNK) {
          sent += CHUNK;
          if (!res.write(block)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
      res.on('error', () => undefined);
    } else if (path === '/short.img') {
      res.writeHead(200);
      res.end(IMAGE.subarray(0, 1000));
    } else if (path === '/wrong-length.img') {
      res.writeHead(200, { 'content-length': 10 });
      res.end(new Uint8Array(10));
    } else {
      res.writeHead(404, 'Not Found');
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

let dbCount = 0;
const freshStore = (): IdbChunkStore => IdbChunkStore.open(`xentab-image-test-${++dbCount}`);

describe('downloadImage', () => {
  it('downloads with progress events, verifies, caches in chunks and serves the bytes as a read-only disk', async () => {
    const store = freshStore();
    const progress: Array<[number, number]> = [];
    const { disk, fromCache } = await downloadImage(store, SPEC, [`${base}/disk.img`], { chunkSize: CHUNK, onProgress: (b, t) => progress.push([b, t]) });
    expect(fromCache).toBe(false);
    expect(progress[0]).toEqual([0, IMAGE.length]);
    expect(progress.at(-1)).toEqual([IMAGE.length, IMAGE.length]);
    expect(progress.length).toBeGreaterThan(2);
    for (let i = 1; i < progress.length; i++) expect(progress[i]![0]).toBeGreaterThanOrEqual(progress[i - 1]![0]);
    expect(await store.keysWithPrefix(`sha256:${SHA}/`)).toHaveLength(6 + 1);
    expect(disk.readOnly).toBe(true);
    expect(disk.sectorCount).toBe(Math.ceil(IMAGE.length / SECTOR_SIZE));
    const all = new Uint8Array(disk.sectorCount * SECTOR_SIZE);
    await disk.read(0, all);
    expect(diffBytes(all.subarray(0, IMAGE.length), IMAGE)).toBe('equal');
    expect(all.subarray(IMAGE.length).every((b) => b === 0)).toBe(true);
    await expect(disk.write(0, new Uint8Array(SECTOR_SIZE))).rejects.toThrow(/read-only/);
  });

  it('reuses the cache without a second download', async () => {
    const store = freshStore();
    await downloadImage(store, SPEC, [`${base}/disk.img`], { chunkSize: CHUNK });
    const before = hits.get('/disk.img') ?? 0;
    const again = await downloadImage(store, SPEC, [`${base}/disk.img`], { chunkSize: CHUNK });
    expect(again.fromCache).toBe(true);
    expect(hits.get('/disk.img')).toBe(before);
    const sector = new Uint8Array(SECTOR_SIZE);
    await again.disk.read(200, sector);
    expect(diffBytes(sector, IMAGE.subarray(200 * SECTOR_SIZE, 201 * SECTOR_SIZE))).toBe('equal');
  });

  it('refuses a sha256 mismatch, naming expected and actual, and leaves nothing cached', async () => {
    const store = freshStore();
    const actual = sha256Hex((() => {
      const bad = IMAGE.slice();
      bad[3 * CHUNK + 5]! ^= 1;
      return bad;
    })());
    const err = await failure(downloadImage(store, SPEC, [`${base}/corrupt.img`], { chunkSize: CHUNK, batchChunks: 2 }));
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toContain(`sha256 mismatch: expected ${SHA}, got ${actual}`);
    expect(err.message).toContain(`${base}/corrupt.img`);
    expect(await isImageCached(store, SPEC, CHUNK)).toBe(false);
    expect(await store.keysWithPrefix(`sha256:${SHA}/`)).toEqual([]);
  });

  it('stops reading a body longer than the expected size', async () => {
    const store = freshStore();
    const err = await failure(downloadImage(store, SPEC, [`${base}/endless.img`], { chunkSize: CHUNK }));
    expect(err.message).toMatch(/more than the expected \d+ bytes; refused/);
    expect(await store.keysWithPrefix('')).toEqual([]);
  });

  it('refuses a short body and a wrong Content-Length', async () => {
    const store = freshStore();
    await expect(downloadImage(store, SPEC, [`${base}/short.img`], { chunkSize: CHUNK })).rejects.toThrow(/got 1000 bytes, expected 328680/);
    await expect(downloadImage(store, SPEC, [`${base}/wrong-length.img`], { chunkSize: CHUNK })).rejects.toThrow(/offers 10 bytes, expected 328680/);
  });

  it('falls back to the next URL and lists every failure when none works', async () => {
    const store = freshStore();
    const ok = await downloadImage(store, SPEC, [`${base}/missing.img`, `${base}/disk.img`], { chunkSize: CHUNK });
    expect(ok.fromCache).toBe(false);
    const err = await failure(downloadImage(freshStore(), SPEC, [`${base}/missing.img`, `${base}/corrupt.img`], { chunkSize: CHUNK }));
    expect(err.message).toMatch(/missing\.img: HTTP 404 Not Found\n.*corrupt\.img: .*sha256 mismatch/);
  });

  it('refuses malformed specs before fetching', async () => {
    await expect(downloadImage(new MemoryChunkStore(), { sha256: 'ABC', size: 1 }, [`${base}/disk.img`])).rejects.toThrow(/64 lowercase hex/);
    await expect(downloadImage(new MemoryChunkStore(), { sha256: SHA, size: -1 }, [`${base}/disk.img`])).rejects.toThrow(/not a valid image size/);
    await expect(downloadImage(new MemoryChunkStore(), SPEC, [])).rejects.toThrow(/no URL/);
  });
});

describe('importImageBlob', () => {
  it('caches a dropped file under its own sha256', async () => {
    const store = new MemoryChunkStore();
    const spec = await importImageBlob(store, new Blob([IMAGE]), { chunkSize: CHUNK, name: 'dropped.img' });
    expect(spec).toEqual({ sha256: SHA, size: IMAGE.length, name: 'dropped.img' });
    const disk = await openCachedImage(store, spec, CHUNK);
    const buf = new Uint8Array(4 * SECTOR_SIZE);
    await disk.read(100, buf);
    expect(diffBytes(buf, IMAGE.subarray(100 * SECTOR_SIZE, 104 * SECTOR_SIZE))).toBe('equal');
  });

  it('reports a missing chunk instead of reading zeros', async () => {
    const store = new MemoryChunkStore();
    const spec = await importImageBlob(store, new Blob([IMAGE]), { chunkSize: CHUNK });
    const disk = await openCachedImage(store, spec, CHUNK);
    await store.deleteMany([`sha256:${SHA}/2`]);
    await expect(disk.read((2 * CHUNK) / SECTOR_SIZE, new Uint8Array(SECTOR_SIZE))).rejects.toThrow(/chunk 2 is missing/);
    expect(await isImageCached(store, spec, CHUNK)).toBe(false);
  });
});
