// The worker's control API over comlink and its stream port, exactly as the page uses them,
// with the real machine running public/guests/serial_echo.bin fetched over HTTP. Oracle: the
// same guest under QEMU TCG, given the same typed line, prints the same transcript.
import { describe, it, expect, beforeAll, afterAll, vi } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Server } from 'node:http';
import { expose, transfer, wrap, type Remote } from 'comlink';
import 'fake-indexeddb/auto';
import { MemoryChunkStore, type ChunkStore } from '../../src/storage/chunk_store.ts';
import { IdbChunkStore } from '../../src/storage/idb_chunk_store.ts';
import { MachineService } from '../../src/worker/machine_service.ts';
import type { Demo, DemoManifest, Fingerprint, FrameMessage, StreamMessage, WorkerControl } from '../../src/worker/protocol.ts';
import { serveStatic } from './serve_static.ts';
import { nodeScheduler } from './node_scheduler.ts';

const ROOT = join(import.meta.dirname, '../..');
const manifest = JSON.parse(readFileSync(join(ROOT, 'public/demos.json'), 'utf8')) as DemoManifest;
const echo = manifest.demos.find((d) => d.id === 'serial-echo')!;

function haveQemu(): boolean {
  try {
    execFileSync('qemu-system-x86_64', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The page's side: a comlink proxy plus the decoded stream. */
class Page {
  readonly api: Remote<WorkerControl>;
  readonly text = new Map<string, string>();
  readonly frames: FrameMessage[] = [];
  readonly progress: StreamMessage[] = [];
  readonly service: MachineService;
  private readonly ports: MessagePort[] = [];

  fetches = 0;

  constructor(baseUrl: string, imageStore: ChunkStore = new MemoryChunkStore()) {
    this.service = new MachineService({
      fetch: (input, init) => {
        this.fetches++;
        return fetch(input, init);
      },
      imageStore,
      baseUrl,
      epochMs: () => Date.now(),
      tzOffsetMinutes: () => 0,
      sched: nodeScheduler(),
    });
    const control = new MessageChannel();
    expose(this.service, control.port2);
    this.api = wrap<WorkerControl>(control.port1);
    const stream = new MessageChannel();
    stream.port1.onmessage = (e: MessageEvent<StreamMessage>) => {
      const m = e.data;
      if (m.type === 'progress') this.progress.push(m);
      else {
        this.frames.push(m);
        for (const c of m.consoles) this.text.set(c.console, (this.text.get(c.console) ?? '') + Buffer.from(c.bytes).toString('latin1'));
      }
    };
    this.ports.push(control.port1, control.port2, stream.port1);
    void this.api.connect(transfer(stream.port2, [stream.port2]));
  }

  async until(console: string, needle: string, ms = 20_000): Promise<string> {
    const t0 = Date.now();
    while (!(this.text.get(console) ?? '').includes(needle)) {
      if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${JSON.stringify(needle)}; have ${JSON.stringify(this.text.get(console))}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    return this.text.get(console)!;
  }

  close(): void {
    this.service.dispose();
    for (const p of this.ports) p.close();
  }
}

describe('machine worker API (comlink + stream port, serial echo guest)', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    ({ url: base, server } = await serveStatic(join(ROOT, 'public')));
  });
  afterAll(() => server?.close());

  it('boots the demo, streams COM1, and answers a typed line as QEMU does', async () => {
    const page = new Page(base);
    try {
      expect(await page.api.hello()).toEqual({ protocol: 1 });
      const info = await page.api.create({ config: echo.config, images: echo.images });
      expect(info.bootKind).toBe('multiboot');
      expect(info.consoles.map((c) => [c.id, c.kind, c.input])).toEqual([['serial0', 'serial', true]]);
      // The stream port is another channel than the control calls: wait for its messages.
      await vi.waitFor(() => expect(page.progress.at(-1)).toEqual({ type: 'progress', image: 'serial_echo', loaded: echo.images[0]!.size, total: echo.images[0]!.size, cached: false }));
      await page.api.start();
      await page.until('serial0', '> ');
      await page.api.sendInput('serial0', new TextEncoder().encode(echo.try!.type));
      const out = await page.until('serial0', `${echo.try!.expect}\r\n> `);
      // Many bytes per frame: the stream is batched, never one message per byte.
      const consoleFrames = page.frames.filter((f) => f.consoles.length > 0).length;
      expect(consoleFrames).toBeLessThan(out.length / 4);
      const log = await page.api.inputLog();
      expect(log.filter((e) => e.kind === 'input').flatMap((e) => (e.kind === 'input' ? e.bytes : []))).toEqual([...new TextEncoder().encode(echo.try!.type)]);
      if (haveQemu()) {
        const q = execFileSync('sh', ['-c', `(sleep 1; printf '${echo.try!.type.replace('\r', '\\r')}'; sleep 1) | timeout 4 qemu-system-x86_64 -kernel ${join(ROOT, 'public/guests/serial_echo.bin')} -serial stdio -display none -monitor none -m 32 || true`], { encoding: 'latin1' });
        expect(out).toBe(q);
      }
    } finally {
      page.close();
    }
  });

  it('pauses, steps an exact instruction count, reports status, and resets', async () => {
    const page = new Page(base);
    try {
      await page.api.create({ config: echo.config, images: echo.images });
      await page.api.start();
      await page.until('serial0', '> ');
      await page.api.pause();
      const a = await page.api.counters();
      expect(a.state).toBe('paused');
      const b = await page.api.step(1000);
      expect(b.instructions - a.instructions).toBe(1000); // the guest spins on the UART: it never halts
      expect(b.virtualNs).toBeGreaterThan(a.virtualNs);
      expect(b.hypercallsPerSec).toBeNull(); // not a Xen guest: the status bar shows a dash, not a fake zero
      await page.api.reset();
      expect((await page.api.counters()).instructions).toBe(0);
      page.text.clear();
      await page.api.start();
      await page.until('serial0', 'xentab serial echo guest');
    } finally {
      page.close();
    }
  });

  it('refuses an image whose sha256 differs, and runs nothing', async () => {
    const page = new Page(base);
    try {
      const images = [{ ...echo.images[0]!, sha256: '0'.repeat(64) }];
      await expect(page.api.create({ config: echo.config, images })).rejects.toThrow(/sha256 mismatch: expected 0{64}, got [0-9a-f]{64}; refused/);
      expect((await page.api.counters()).state).toBe('empty');
    } finally {
      page.close();
    }
  });

  it('refuses an image whose server size differs', async () => {
    const page = new Page(base);
    try {
      const images = [{ ...echo.images[0]!, size: 400 }];
      await expect(page.api.create({ config: echo.config, images })).rejects.toThrow(/offers 416 bytes, expected 400; refused/);
    } finally {
      page.close();
    }
  });

  it('caches images in IndexedDB: a reload boots without touching the network', async () => {
    const db = `xentab-test-${Date.now()}`;
    const first = new Page(base, IdbChunkStore.open(db));
    try {
      await first.api.create({ config: echo.config, images: echo.images });
      expect(first.fetches).toBe(1);
    } finally {
      first.close();
    }
    const second = new Page(base, IdbChunkStore.open(db));
    try {
      await second.api.create({ config: echo.config, images: echo.images });
      expect(second.fetches).toBe(0);
      await vi.waitFor(() => expect(second.progress.at(-1)).toMatchObject({ image: 'serial_echo', cached: true }));
      await second.api.start();
      await second.until('serial0', 'Type a line');
    } finally {
      second.close();
    }
  });

  it('a share link replays the machine and the typed input at the same instruction counts, and checks itself', async () => {
    const a = new Page(base);
    let fragment: string;
    let transcript: string;
    let logA: unknown;
    let fpA: Fingerprint;
    try {
      await a.api.create({ config: echo.config, images: echo.images });
      await a.api.start();
      await a.until('serial0', '> ');
      await a.api.sendInput('serial0', new TextEncoder().encode('first\r'));
      await a.until('serial0', 'guest: FIRST');
      await a.api.sendInput('serial0', new TextEncoder().encode('second line\r'));
      transcript = await a.until('serial0', 'guest: SECOND LINE\r\n> ');
      await a.api.pause();
      logA = await a.api.inputLog();
      fpA = await a.api.fingerprint();
      fragment = await a.api.makeLink();
    } finally {
      a.close();
    }
    expect(fragment).toMatch(/^#v1\.[A-Za-z0-9_-]+$/);
    const b = new Page(base);
    try {
      const spec = await b.api.openLink(fragment);
      expect(spec.config).toEqual(echo.config);
      const typed = spec.replay!.events.flatMap((e) => (e.kind === 'input' ? e.bytes : []));
      expect(new TextDecoder().decode(Uint8Array.from(typed))).toBe('first\rsecond line\r');
      expect(spec.replay!.end).toEqual(fpA);
      await b.api.create(spec);
      await b.api.start();
      expect(await b.until('serial0', 'guest: SECOND LINE\r\n> ')).toBe(transcript);
      await vi.waitFor(() => expect(b.service.counters().replay).toBe('identical'));
      expect(b.service.counters().message).toMatch(/^Replay done: replayed \d+ instructions: the same console output/);
      expect(await b.api.inputLog()).toEqual(logA);
    } finally {
      b.close();
    }
  });

  it('refuses a malformed link and runs nothing', async () => {
    const page = new Page(base);
    try {
      await expect(page.api.openLink('#v1.!!!')).rejects.toThrow(/base64url|link/i);
      expect((await page.api.counters()).state).toBe('empty');
    } finally {
      page.close();
    }
  });

  it('trace events pass the filter in the worker, and a chosen hypercall pauses the machine', async () => {
    const page = new Page(base);
    try {
      await page.api.create({ config: echo.config, images: echo.images });
      await page.api.start();
      await page.until('serial0', '> ');
      await page.api.setTraceFilter({ enabled: true, match: 'evtchn', pauseOn: 'sched_op' });
      const ev = (seq: number, kind: string, name: string) => ({ seq, icount: seq, vcpu: 0, layer: 'xen' as const, kind, name, args: '', ret: 0, flowId: seq });
      page.service.traceSink(ev(1, 'evtchn_send', 'port 3'));
      page.service.traceSink(ev(2, 'xen_hypercall', 'xen_version'));
      expect((await page.api.counters()).state).not.toBe('paused');
      page.service.traceSink(ev(3, 'xen_hypercall', 'sched_op'));
      const s = await page.api.counters();
      expect([s.state, s.message]).toEqual(['paused', 'paused after hypercall sched_op']);
      await vi.waitFor(() => expect(page.frames.flatMap((f) => f.trace).map((e) => e.seq)).toEqual([1]));
      expect(await page.api.hypercallNames()).toEqual(expect.arrayContaining(['mmu_update', 'sched_op', 'event_channel_op', 'hvm_op']));
    } finally {
      page.close();
    }
  });

  it('refuses a malformed config with the reasons', async () => {
    const page = new Page(base);
    try {
      const config = { ...echo.config, memory: { bytes: -1 } };
      await expect(page.api.create({ config, images: echo.images } as Demo)).rejects.toThrow(/memory\.bytes: expected an integer/);
    } finally {
      page.close();
    }
  });

  it('says why a machine cannot run yet (a PV network), before downloading anything', async () => {
    const page = new Page(base);
    try {
      const shim = manifest.demos.find((d) => d.id === 'xen-shim-linux')!;
      const config = structuredClone(shim.config);
      config.netdevs.push({ id: 'n0', type: 'user' });
      config.devices.push({ driver: 'xen-net-device', id: null, netdev: 'n0', mac: '52:54:00:12:34:56' });
      await expect(page.api.create({ config, images: shim.images })).rejects.toThrow(/the xen-net-device backend is not written yet/);
      expect(page.progress).toEqual([]);
      expect((await page.api.counters()).message).toMatch(/cannot run in this build yet/);
    } finally {
      page.close();
    }
  });
});
