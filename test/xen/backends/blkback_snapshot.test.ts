// Invariant 8 for the block backend: GRUB PVH, at its prompt with the demo disk connected (ring
// mapped, port bound, hundreds of requests done), is saved and restored into a fresh machine with
// a fresh copy of the disk; both then `cat` a file from the disk and print the same bytes at the
// same instruction counts. About 50 M guest instructions: runs with XENTAB_BLK_DEEP=1 (and the images
// cached); the fast fake-frontend version is in blkback.test.ts.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MemoryDisk } from '../../../src/storage/memory_disk.ts';
import { parseVdev } from '../../../src/xen/backends/vbd_vdev.ts';
import { makeXen, type XenTestMachine } from '../xen_harness.ts';

const GRUB = '.cache/images/grub-i386-xen_pvh.bin';
const DEMO = '.cache/images/demo-disk.img';

function withDisk(): XenTestMachine {
  const x = makeXen();
  x.d.attachDisk(new MemoryDisk(new Uint8Array(readFileSync(DEMO))), { vdev: parseVdev('xvda')!, params: 'demo' });
  return x;
}

/** Runs slices, settling disk I/O between them as a host must, until `want` appears after `from`. */
async function runUntil(x: XenTestMachine, from: number, want: string, budget: number): Promise<string> {
  const seen = (): string => String.fromCharCode(...x.consoleOut.slice(from));
  for (let spent = 0; spent < budget && !seen().includes(want); spent += 1_000_000) {
    x.m.run(1_000_000);
    if (x.d.ioPending()) await x.d.settleIo();
  }
  return seen();
}

describe.skipIf(!process.env.XENTAB_BLK_DEEP || !existsSync(GRUB) || !existsSync(DEMO))('blkback snapshots with GRUB', () => {
  it('a restored GRUB reads the disk exactly like the original', async () => {
    const a = withDisk();
    a.m.bootKernel({ kernel: readFileSync(GRUB), kernelPath: 'grub', append: '', modules: [] });
    expect(await runUntil(a, 0, 'grub>', 2_000_000_000)).toContain('grub>');
    expect(a.d.blockBackends[0]!.connected).toBe(true);
    const snap = a.m.saveSnapshot();
    const dom = JSON.parse(JSON.stringify(a.d.saveState()));

    const b = withDisk();
    b.m.loadSnapshot(snap);
    b.d.loadState(dom);
    expect(b.d.blockBackends[0]!.stats).toEqual(a.d.blockBackends[0]!.stats);
    const fromA = a.consoleOut.length;
    const cmd = Array.from('cat (xen/xvda,msdos1)/etc/motd\r', (c) => c.charCodeAt(0));
    for (const x of [a, b]) x.d.consoleInput(cmd);
    for (let i = 0; i < 40; i++) {
      for (const x of [a, b]) {
        x.m.run(1_000_000);
        if (x.d.ioPending()) await x.d.settleIo();
      }
    }
    const outA = String.fromCharCode(...a.consoleOut.slice(fromA));
    expect(outA).toContain('Welcome to xentab');
    expect(String.fromCharCode(...b.consoleOut)).toBe(outA);
    expect(b.m.totalInstructions()).toBe(a.m.totalInstructions());
    expect(b.d.blockBackends[0]!.stats.requests).toBeGreaterThan(dom.blkback[0].stats.requests);
    expect(JSON.stringify(b.d.saveState())).toBe(JSON.stringify(a.d.saveState()));
  }, 180_000);
});
