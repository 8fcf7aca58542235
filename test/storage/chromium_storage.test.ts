// The storage layer and share-link codec in real Chromium (Debian's /usr/bin/chromium): real
// IndexedDB instead of fake-indexeddb, and the browser's own CompressionStream. The modules are
// served straight from src/ (transpiled by TypeScript, idb-keyval through an import map), so this
// runs the same code the page uses. Skipped when Chromium is not installed.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ShareLink } from '../../src/worker/share_link.ts';
import { decodeShareLink, encodeShareLink } from '../../src/worker/share_link.ts';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = join(import.meta.dirname, '../..');
const PAGE = `<!doctype html><meta charset="utf-8"><title>storage</title>
<script type="importmap">{"imports":{"idb-keyval":"/node_modules/idb-keyval/dist/index.js"}}</script>`;

let server: Server;
let origin: string;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) return;
  server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    const send = (type: string, body: string): void => {
      res.writeHead(200, { 'content-type': type });
      res.end(body);
    };
    if (path === '/') return send('text/html', PAGE);
    if (path === '/node_modules/idb-keyval/dist/index.js') return send('text/javascript', readFileSync(join(ROOT, path), 'utf8'));
    if (/^\/src\/(storage|machine|worker)\/[a-z0-9_]+\.ts$/.test(path)) {
      const source = readFileSync(join(ROOT, path), 'utf8');
      const js = ts.transpileModule(source, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, verbatimModuleSyntax: true } });
      return send('text/javascript', js.outputText);
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-sync'] });
  page = await (await browser.newContext()).newPage();
  await page.goto(`${origin}/`);
});

afterAll(async () => {
  await browser?.close();
  if (server) await new Promise((r) => server.close(r));
});

/** Base image and writes both sides agree on: deterministic bytes from a formula. */
const SECTORS = 5000;
const WRITES: Array<[number, number, number]> = [
  // [sector, sectors, fill seed]
  [0, 1, 1],
  [2040, 16, 2], // crosses the first 1 MiB chunk boundary (sector 2048)
  [4999, 1, 3],
];
function baseByte(i: number): number {
  return (i * 2654435761) >>> 24;
}
function expectedDiskHash(): string {
  const disk = new Uint8Array(SECTORS * 512).map((_, i) => baseByte(i));
  for (const [s, n, seed] of WRITES) disk.fill(seed * 37, s * 512, (s + n) * 512);
  return createHash('sha256').update(disk).digest('hex');
}

describe.skipIf(!existsSync(CHROMIUM))('storage in Chromium', () => {
  // Scripts are strings: vitest rewrites import() inside test functions, which the page lacks.
  const overlayScript = (phase: 'write' | 'read'): string => `(async () => {
    const sectors = ${SECTORS}, writes = ${JSON.stringify(WRITES)}, phase = '${phase}';
    const { MemoryDisk } = await import('/src/storage/memory_disk.ts');
    const { CowOverlay } = await import('/src/storage/cow_overlay.ts');
    const { IdbChunkStore } = await import('/src/storage/idb_chunk_store.ts');
    const { sha256Hex } = await import('/src/storage/sha256.ts');
    const bytes = new Uint8Array(sectors * 512).map((_, i) => (i * 2654435761) >>> 24);
    const baseHash = sha256Hex(bytes);
    const base = new MemoryDisk(bytes, { readOnly: true });
    const disk = await CowOverlay.open({ base, baseId: baseHash, store: IdbChunkStore.open('xentab-chunks'), diskId: 'xvda' });
    if (phase === 'write') {
      for (const [s, n, seed] of writes) await disk.write(s, new Uint8Array(n * 512).fill(seed * 37));
      return { baseUnchanged: sha256Hex(bytes) === baseHash };
    }
    const all = new Uint8Array(sectors * 512);
    await disk.read(0, all);
    return { hash: sha256Hex(all), dirty: disk.dirtyChunkCount, baseUnchanged: sha256Hex(bytes) === baseHash };
  })()`;

  it('keeps overlay writes in real IndexedDB across a page reload, with the base untouched', async () => {
    // Write-through: each write is committed when it resolves, so no flush or close before the reload.
    expect(await page.evaluate(overlayScript('write'))).toEqual({ baseUnchanged: true });
    await page.reload();
    expect(await page.evaluate(overlayScript('read'))).toEqual({ hash: expectedDiskHash(), dirty: 3, baseUnchanged: true });
  });

  it('decodes links made by Node, and Node decodes links made by Chromium', async () => {
    const demos = JSON.parse(readFileSync(join(ROOT, 'public/demos.json'), 'utf8')) as { demos: Array<{ config: ShareLink['machine']; images: Array<ShareLink['images'][number] & { url: string }> }> };
    const demo = demos.demos[0]!;
    const link: ShareLink = {
      v: 1,
      emu: '0.1.0',
      machine: demo.config,
      images: demo.images.map(({ role, name, sha256, size, url }) => ({ role, name, sha256, size, urls: [url] })),
      input: [{ after: 'login:', send: 'root\n' }],
    };
    const fromNode = await encodeShareLink(link);
    const result = (await page.evaluate(`(async () => {
      const codec = await import('/src/worker/share_link.ts');
      const decoded = await codec.decodeShareLink(${JSON.stringify(fromNode)});
      const zeros = new Blob([new Uint8Array(16 << 20)]).stream().pipeThrough(new CompressionStream('deflate-raw'));
      const bomb = '#v1.' + codec.base64urlEncode(new Uint8Array(await new Response(zeros).arrayBuffer()));
      const refusal = await codec.decodeShareLink(bomb).then(() => 'accepted', (e) => e.message);
      return { decoded, fromChromium: await codec.encodeShareLink(${JSON.stringify(link)}), refusal };
    })()`)) as { decoded: unknown; fromChromium: string; refusal: string };
    expect(result.decoded).toEqual(link);
    expect(await decodeShareLink(result.fromChromium)).toEqual(link);
    expect(result.refusal).toBe('the link inflates to more than 262144 bytes; refused');
  });
});
