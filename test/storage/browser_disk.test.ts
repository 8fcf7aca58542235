import 'fake-indexeddb/auto';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECTOR_SIZE } from '../../src/machine/block_device.ts';
import { deleteOverlay, listOverlays, openBrowserDisk } from '../../src/storage/browser_disk.ts';
import { IdbChunkStore } from '../../src/storage/idb_chunk_store.ts';
import { sha256Hex } from '../../src/storage/sha256.ts';
import { diffBytes, randomBytes } from './bytes.ts';

const IMAGE = randomBytes(3 * 1024 * 1024 + 4096, 5);
const SPEC = { name: 'demo-disk', sha256: sha256Hex(IMAGE), size: IMAGE.length };
let server: Server;
let url: string;
let downloads = 0;

beforeAll(async () => {
  server = createServer((_req, res) => {
    downloads++;
    res.writeHead(200, { 'content-length': IMAGE.length });
    res.end(IMAGE);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/demo-disk.img`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
});

describe('openBrowserDisk', () => {
  it('keeps guest writes across a reload while the base image stays as downloaded', async () => {
    const name = 'xentab-browser-disk-test';
    const first = await openBrowserDisk({ store: IdbChunkStore.open(name), image: SPEC, urls: [url], diskId: 'demo-xvda' });
    expect(first.writeCache).toBe(true);
    const data = randomBytes(8 * SECTOR_SIZE, 6);
    await first.write(2048, data);
    await first.flush();
    await first.close();

    // A reload: new store connection, new overlay, no second download.
    const before = downloads;
    const store = IdbChunkStore.open(name);
    const second = await openBrowserDisk({ store, image: SPEC, urls: [url], diskId: 'demo-xvda' });
    expect(downloads).toBe(before);
    const back = new Uint8Array(8 * SECTOR_SIZE);
    await second.read(2048, back);
    expect(diffBytes(back, data)).toBe('equal');

    // The cached base is still the image as published.
    const fresh = await openBrowserDisk({ store, image: SPEC, urls: [url], diskId: 'other' });
    const all = new Uint8Array(await new Response(fresh.exportStream()).arrayBuffer());
    expect(diffBytes(all.subarray(0, IMAGE.length), IMAGE)).toBe('equal');

    expect(await listOverlays(store)).toEqual([{ diskId: 'demo-xvda', baseId: SPEC.sha256, chunks: 1, bytes: 1 << 20 }]);
    await second.close();
    await deleteOverlay(store, 'demo-xvda');
    expect(await listOverlays(store)).toEqual([]);
  });
});
