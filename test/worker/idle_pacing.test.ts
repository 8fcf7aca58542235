// A guest that prints one line and halts with interrupts off: the worker must go 'halted', burn
// no instructions, let virtual time follow wall time (recording each skip as an input event),
// and wake on input. The guest is assembled here by GNU as/ld.
import { describe, it, expect, beforeAll, afterAll, vi } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import { MemoryChunkStore } from '../../src/storage/chunk_store.ts';
import { MachineService } from '../../src/worker/machine_service.ts';
import type { DemoManifest, MachineSpec } from '../../src/worker/protocol.ts';
import { serveStatic } from './serve_static.ts';
import { nodeScheduler } from './node_scheduler.ts';

const ROOT = join(import.meta.dirname, '../..');
const echo = (JSON.parse(readFileSync(join(ROOT, 'public/demos.json'), 'utf8')) as DemoManifest).demos.find((d) => d.id === 'serial-echo')!;

const HALT_GUEST = `
        .code32
        .text
        .globl entry
start:  .long 0x1BADB002, 0x00010000, -(0x1BADB002 + 0x00010000)
        .long start, start, end, end, entry
entry:  cli
        mov $msg, %esi
1:      lodsb
        test %al, %al
        jz 2f
        mov $0x3f8, %dx
        out %al, %dx
        jmp 1b
2:      hlt
        jmp 2b
msg:    .asciz "halting\\r\\n"
        .balign 4
end:
`;

function haveBinutils(): boolean {
  try {
    execFileSync('as', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!haveBinutils())('worker run loop with a halted guest', () => {
  let server: Server;
  let spec: MachineSpec;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xentab-halt-'));
    writeFileSync(join(dir, 'halt.s'), HALT_GUEST);
    execFileSync('as', ['--32', '-o', join(dir, 'halt.o'), join(dir, 'halt.s')]);
    execFileSync('ld', ['-m', 'elf_i386', '-Ttext=0x100000', '--oformat=binary', '-e', 'entry', '-o', join(dir, 'halt.bin'), join(dir, 'halt.o')]);
    const bytes = readFileSync(join(dir, 'halt.bin'));
    let url: string;
    ({ url, server } = await serveStatic(dir));
    spec = {
      config: echo.config,
      images: [{ role: 'kernel', name: 'serial_echo', size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), url: `${url}halt.bin` }],
    };
  });
  afterAll(() => server?.close());

  it('halts without spinning, paces virtual time to wall time, and wakes on input', async () => {
    const service = new MachineService({
      fetch,
      imageStore: new MemoryChunkStore(),
      baseUrl: 'http://127.0.0.1/',
      epochMs: () => Date.now(),
      tzOffsetMinutes: () => 0,
      sched: nodeScheduler(),
    });
    try {
      await service.create(spec);
      service.start();
      const t0 = Date.now();
      while (service.counters().state !== 'halted') {
        if (Date.now() - t0 > 10_000) throw new Error(`never halted: ${JSON.stringify(service.counters())}`);
        await new Promise((r) => setTimeout(r, 5));
      }
      const a = service.counters();
      const wall0 = performance.now();
      await new Promise((r) => setTimeout(r, 300));
      service.sendInput('serial0', new Uint8Array([0x41])); // any input wakes the loop
      const wall = performance.now() - wall0;
      const b = service.counters();
      // The wake advanced virtual time by about the wall time that passed; no instruction ran meanwhile.
      const skippedMs = (b.virtualNs - a.virtualNs) / 1e6;
      expect(skippedMs).toBeGreaterThan(150); // at least half the 300 ms slept (timers run late, not early)
      expect(skippedMs).toBeLessThanOrEqual(wall + 1);
      expect(b.instructions).toBe(a.instructions);
      expect(service.inputLog().filter((e) => e.kind === 'idle').length).toBeGreaterThan(0);
      // The guest halts again at once (interrupts are off).
      await vi.waitFor(() => expect(service.counters().state).toBe('halted'));
      service.pause();
      expect(service.counters().state).toBe('paused');
    } finally {
      service.dispose();
    }
  });
});
