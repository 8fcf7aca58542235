// Share links replay bit for bit (DESIGN.md M8). Unit tests of the Replayer's rules, then the
// worker run loop with a guest that idles (public/guests/serial_clock.s: PIT and COM1
// interrupts, HLT in between, prints its tick count and TSC per input, built here by GNU as/ld):
// a recording with wall-clock pacing, made into a link, opened in a second service, must print
// the same bytes and reach the same instruction count, virtual time and output/trace hashes
// (the replay checks itself), while the same keys at the same instruction counts without the
// recorded times print something else. Then GRUB PVH, whose Xen trace hash must replay too.
import { describe, it, expect, beforeAll, afterAll, vi } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import { existsSync } from 'node:fs';
import { MemoryChunkStore } from '../../src/storage/chunk_store.ts';
import { MachineService } from '../../src/worker/machine_service.ts';
import type { DemoManifest, FrameMessage, InputEvent, MachineSpec, StreamMessage } from '../../src/worker/protocol.ts';
import { Replayer } from '../../src/worker/replay.ts';
import { gridBudget } from '../../src/worker/slice_grid.ts';
import { serveStatic } from './serve_static.ts';
import { nodeScheduler } from './node_scheduler.ts';

const ROOT = join(import.meta.dirname, '../..');
const demos = (JSON.parse(readFileSync(join(ROOT, 'public/demos.json'), 'utf8')) as DemoManifest).demos;
const echo = demos.find((d) => d.id === 'serial-echo')!;
const grub = demos.find((d) => d.id === 'grub-pvh')!;
const haveGrub = existsSync(join(ROOT, '.cache/images/grub-i386-xen_pvh.bin'));
const END = { at: 500, ns: 9000, output: '00000000', trace: '11111111' };

describe('Replayer', () => {
  const input = (icount: number, ns = 0): InputEvent => ({ icount, kind: 'input', console: 'serial0', bytes: [0x61], ns });
  it('gives recorded inputs at their instruction count and stops slices there', () => {
    const r = new Replayer([input(100), input(100), input(300)], null, () => END);
    expect(r.stopAt()).toBe(100);
    expect(r.inputsDue(50, 0)).toEqual([]);
    expect(r.inputsDue(100, 0)).toEqual([input(100), input(100)]);
    expect(r.stopAt()).toBe(300);
    expect(r.inputsDue(300, 0)).toEqual([input(300)]);
    expect(r.inputsDue(300, 0)).toEqual([]);
    expect([r.state, r.active]).toEqual(['identical', false]);
  });
  it('applies a recorded idle skip only when the guest idles there, and redoes unrecorded skips to the deadline', () => {
    const idle: InputEvent = { icount: 200, kind: 'idle', toNs: 5000 };
    const r = new Replayer([idle], END, () => ({ ...END, ns: 7000 }));
    expect(r.onIdle(150, 100, 1000)).toEqual({ to: 1000, logged: null }); // a full skip: not recorded
    expect(r.onIdle(200, 1000, 4000)).toEqual({ to: 4000, logged: null }); // the deadline comes first
    expect(r.onIdle(200, 4000, 6000)).toEqual({ to: 5000, logged: idle });
    expect(r.onIdle(500, 8000, 8500)).toEqual({ to: 8500, logged: null }); // at the end, time still to pass
    expect(r.onIdle(500, 8500, Infinity)).toBeNull(); // compared: the fingerprint says 7000 ns, not 9000
    expect(r.state).toBe('diverged');
    expect(r.detail).toBe('at instruction 500: virtual time 7000 ns, recorded 9000 ns');
  });
  it('reports a passed event and an idle guest the recording cannot explain as divergence', () => {
    const a = new Replayer([input(100)], null, () => END);
    a.inputsDue(120, 0);
    expect([a.state, a.detail]).toEqual(['diverged', 'the recording has input at instruction 100, but the replay was already at 120']);
    const b = new Replayer([input(100)], null, () => END);
    expect(b.onIdle(50, 0, Infinity)).toBeNull();
    expect(b.state).toBe('diverged');
  });
  it('lets the guest sleep until the recorded time of an input, deadline by deadline', () => {
    const r = new Replayer([input(200, 5000)], null, () => END);
    expect(r.inputsDue(200, 1000)).toEqual([]);
    expect(r.onIdle(200, 1000, 3000)).toEqual({ to: 3000, logged: null });
    expect(r.onIdle(200, 3000, 9000)).toEqual({ to: 5000, logged: null });
    expect(r.inputsDue(200, 5000)).toEqual([input(200, 5000)]);
    expect(r.state).toBe('identical');
  });
  it('ends a slice where the recording had a debugger stop, and logs it again', () => {
    const cut: InputEvent = { icount: 150, kind: 'cut' };
    const r = new Replayer([cut, input(400, 7)], null, () => END);
    expect(r.stopAt()).toBe(150);
    expect(r.inputsDue(150, 3)).toEqual([cut]);
    expect(r.stopAt()).toBe(400);
  });
  it('verifies the end against the fingerprint', () => {
    const r = new Replayer([], END, () => END);
    expect(r.inputsDue(500, 9000)).toEqual([]);
    expect(r.state).toBe('identical');
  });
  it('slices end on the grid whatever budget the host asks for', () => {
    expect(gridBudget(0, 1, 10_000)).toBe(10_000);
    expect(gridBudget(12_345, 100_000, 10_000)).toBe(107_655);
    expect(gridBudget(20_000, 10_000, 10_000)).toBe(10_000);
  });
});

function haveBinutils(): boolean {
  try {
    execFileSync('as', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A service as the worker runs it (Node timers for the event loop), with its console text. */
function service(baseUrl = 'http://127.0.0.1/'): { s: MachineService; text: () => string; close: () => void } {
  const s = new MachineService({
    fetch,
    imageStore: new MemoryChunkStore(),
    baseUrl,
    epochMs: () => Date.now(),
    tzOffsetMinutes: () => 0,
    sched: nodeScheduler(),
  });
  const ch = new MessageChannel();
  let text = '';
  ch.port1.onmessage = (e: MessageEvent<StreamMessage>) => {
    const m = e.data as FrameMessage;
    if (m.type === 'frame') for (const c of m.consoles) text += Buffer.from(c.bytes).toString('latin1');
  };
  s.connect(ch.port2);
  return {
    s,
    text: () => text,
    close: () => {
      s.dispose();
      ch.port1.close();
    },
  };
}

describe.skipIf(!haveBinutils())('a share link replays an idling guest bit for bit', () => {
  let server: Server;
  let spec: MachineSpec;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xentab-serial-clock-'));
    execFileSync('as', ['--32', '-o', join(dir, 'g.o'), join(ROOT, 'public/guests/serial_clock.s')]);
    execFileSync('ld', ['-m', 'elf_i386', '-Ttext=0x100000', '--oformat=binary', '-e', 'entry', '-o', join(dir, 'g.bin'), join(dir, 'g.o')]);
    const bytes = readFileSync(join(dir, 'g.bin'));
    let url: string;
    ({ url, server } = await serveStatic(dir));
    spec = {
      config: { ...echo.config, name: 'idle-clock' },
      images: [{ role: 'kernel', name: 'serial_echo', size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), url: `${url}g.bin` }],
    };
  });
  afterAll(() => server?.close());

  it('records idle periods cut short by input, and the replay reproduces output, virtual time and hashes', async () => {
    const a = service();
    let fragment: string;
    let transcript: string;
    try {
      await a.s.create(spec);
      a.s.start();
      await vi.waitFor(() => expect(a.text()).toContain('ready\r\n'), { timeout: 10_000, interval: 5 });
      for (const [i, key] of ['x', 'y', 'z'].entries()) {
        await new Promise((r) => setTimeout(r, 40 + 30 * i)); // idle, paced to wall time
        a.s.sendInput('serial0', new TextEncoder().encode(key));
        await vi.waitFor(() => expect(a.text().split('ticks=').length).toBe(i + 2), { timeout: 10_000, interval: 2 });
      }
      await new Promise((r) => setTimeout(r, 20));
      a.s.pause();
      transcript = a.text();
      // Wall-clock pacing happened: many timer ticks passed, and the idle periods that input cut
      // short are recorded (one per key at least); those that ran to a tick are not.
      const log = a.s.inputLog();
      expect(log.filter((e) => e.kind === 'input').map((e) => (e.kind === 'input' ? String.fromCharCode(...e.bytes) : ''))).toEqual(['x', 'y', 'z']);
      // Each key came while the guest slept: it reached the guest later in virtual time than
      // the instruction count alone says (the worker skipped the sleep first).
      for (const e of log) if (e.kind === 'input') expect(e.ns).toBeGreaterThan(e.icount);
      // Loose bound: a loaded host paces fewer ticks into the ≈ 230 ms of wall-clock idling (50 seen at load 11).
      expect(parseInt(/ticks=([0-9a-f]{8})/.exec(transcript.split('\n').at(-2)!)![1]!, 16)).toBeGreaterThan(10);
      fragment = await a.s.makeLink();
    } finally {
      a.close();
    }
    const b = service();
    try {
      const replaySpec = await b.s.openLink(fragment);
      expect(replaySpec.replay!.end!.output).toMatch(/^[0-9a-f]{8}$/);
      await b.s.create(replaySpec);
      b.s.start();
      await vi.waitFor(() => expect(b.s.counters().replay).not.toBe('replaying'), { timeout: 20_000, interval: 5 });
      expect([b.s.counters().replay, b.s.counters().message]).toEqual(['identical', expect.stringMatching(/^Replay done: replayed \d+ instructions: the same console output/)]);
      expect(b.text().slice(0, transcript.length)).toBe(transcript);
      const end = replaySpec.replay!.end!;
      expect(b.s.counters().message).toBe(`Replay done: replayed ${end.at} instructions: the same console output (${end.output}) and trace hash (${end.trace}) as the recording.`);
    } finally {
      b.close();
    }
    // The same keys typed at the same instruction counts but without the recorded times (what
    // links carried before) give other output: the guest really depends on how long it slept.
    const c = service();
    try {
      const s = await c.s.openLink(fragment);
      s.input = s.replay!.events.flatMap((e) => (e.kind === 'input' ? [{ after: e.icount, send: String.fromCharCode(...e.bytes) }] : []));
      delete s.replay;
      await c.s.create(s);
      c.s.start();
      await vi.waitFor(() => expect(c.text().split('ticks=').length).toBe(4), { timeout: 20_000, interval: 5 });
      expect(c.text()).not.toBe(transcript);
    } finally {
      c.close();
    }
  }, 60_000);
});

describe.skipIf(!haveGrub)('a share link replays GRUB on the Xen console', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    ({ url: base, server } = await serveStatic(join(ROOT, '.cache')));
  });
  afterAll(() => server?.close());

  it('with the same console output and the same Xen trace hash, hand steps and a pause on a hypercall included', async () => {
    const a = service(base);
    let fragment: string;
    let transcript: string;
    try {
      await a.s.create({ config: grub.config, images: grub.images });
      a.s.start();
      await vi.waitFor(() => expect(a.text()).toContain('grub> '), { timeout: 60_000, interval: 20 });
      await new Promise((r) => setTimeout(r, 150));
      // Debugging changes slice ends: pause on a hypercall (GRUB's echo of the key notifies by
      // EVTCHNOP_send), step by hand, resume. The link records those ends.
      a.s.setTraceFilter({ enabled: false, match: '', pauseOn: 'event_channel_op' });
      a.s.sendInput('char0', new TextEncoder().encode('e'));
      await vi.waitFor(() => expect(a.s.counters().state).toBe('paused'), { timeout: 20_000, interval: 5 });
      await a.s.step(1234);
      await a.s.step(777);
      a.s.setTraceFilter({ enabled: false, match: '', pauseOn: null });
      a.s.start();
      expect(a.s.inputLog().filter((e) => e.kind === 'cut').length).toBe(3);
      a.s.sendInput('char0', new TextEncoder().encode('cho replayed\r'));
      await vi.waitFor(() => expect(a.text()).toMatch(/\n\r?replayed\r?\n/), { timeout: 20_000, interval: 5 });
      await new Promise((r) => setTimeout(r, 100));
      a.s.pause();
      transcript = a.text();
      fragment = await a.s.makeLink();
    } finally {
      a.close();
    }
    const b = service(base);
    try {
      const spec = await b.s.openLink(fragment);
      expect(spec.replay!.end!.trace).not.toBe('811c9dc5'); // GRUB made hypercalls
      await b.s.create(spec);
      b.s.start();
      await vi.waitFor(() => expect(b.s.counters().replay).not.toBe('replaying'), { timeout: 60_000, interval: 10 });
      expect([b.s.counters().replay, b.s.counters().message]).toEqual(['identical', expect.stringMatching(/^Replay done/)]);
      expect(b.text().slice(0, transcript.length)).toBe(transcript);
    } finally {
      b.close();
    }
  }, 120_000);
});
