// GRUB PVH (Debian's grub-i386-xen_pvh.bin) with xentab's demo disk as xvda, run by the worker's
// service exactly as the page runs it: images fetched over HTTP into a chunk cache (in memory
// here: fake-indexeddb would double the run time; the IndexedDB path is covered by
// machine_service.test.ts and src/storage's tests), the disk a copy-on-write overlay in it. GRUB's `ls` of the ext2 partition
// must list the files tools/images/demo_disk.ts put there; the disk panel's export must equal
// the image byte for byte (GRUB only reads).
import { describe, it, expect, beforeAll, afterAll, vi } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Server } from 'node:http';
import { MemoryChunkStore } from '../../src/storage/chunk_store.ts';
import { MachineService } from '../../src/worker/machine_service.ts';
import type { DemoManifest, FrameMessage } from '../../src/worker/protocol.ts';
import { serveStatic } from './serve_static.ts';
import { nodeScheduler } from './node_scheduler.ts';

const ROOT = join(import.meta.dirname, '../..');
const demo = (JSON.parse(readFileSync(join(ROOT, 'public/demos.json'), 'utf8')) as DemoManifest).demos.find((d) => d.id === 'grub-pvh-disk')!;
const IMAGES = join(ROOT, '.cache/images');
const ready = existsSync(join(IMAGES, 'grub-i386-xen_pvh.bin')) && existsSync(join(IMAGES, 'demo-disk.img'));

describe.skipIf(!ready)('GRUB PVH with a PV disk in the worker', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    ({ url: base, server } = await serveStatic(join(ROOT, '.cache')));
  });
  afterAll(() => server?.close());

  it('lists the demo disk with ls (xen/xvda,msdos1)/ and exports it unchanged', async () => {
    const service = new MachineService({
      fetch,
      imageStore: new MemoryChunkStore(),
      baseUrl: base,
      epochMs: () => 0,
      tzOffsetMinutes: () => 0,
      sched: nodeScheduler(),
    });
    const ch = new MessageChannel();
    let text = '';
    ch.port1.onmessage = (e: MessageEvent<FrameMessage>) => {
      if (e.data.type === 'frame') for (const c of e.data.consoles) if (c.console === 'char0') text += Buffer.from(c.bytes).toString('latin1');
    };
    service.connect(ch.port2);
    try {
      await service.create({ config: demo.config, images: demo.images });
      expect(service.disks()).toEqual([{ drive: 'xen0', vdev: 'xvda', image: 'demo-disk.img', bytes: 16 << 20, keep: 'persistent' }]);
      service.start();
      await vi.waitFor(() => expect(text).toContain('grub> '), { timeout: 60_000, interval: 50 });
      service.sendInput('char0', new TextEncoder().encode(demo.try!.type));
      // GRUB echoes the typed line with cursor moves, then prints the listing and a new prompt.
      await vi.waitFor(() => expect(text).toMatch(/\n\rlost\+found\/ README etc\/ grubenv hello \n\rgrub> $/), { timeout: 60_000, interval: 50 });
      const s = service.counters();
      expect(s.sectorsRead).toBeGreaterThan(0);
      expect(s.sectorsWritten).toBe(0);
      service.pause();
      const blob = await service.exportDisk('xen0');
      expect(Buffer.from(await blob.arrayBuffer()).equals(readFileSync(join(IMAGES, 'demo-disk.img')))).toBe(true);
    } finally {
      service.dispose();
      ch.port1.close();
    }
  }, 120_000);
});
