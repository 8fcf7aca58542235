// Invariant 8: a Xen machine saved at an instruction boundary and restored into a fresh machine
// built from the same options continues exactly as the original. Checked with the real GRUB
// PVH image at its prompt (event channels, grant table, shared_info above the special pages,
// XenStore connection and console ring all live): both copies echo the same bytes.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { makeXen, type XenTestMachine } from './xen_harness.ts';

const IMAGE = '.cache/images/grub-i386-xen_pvh.bin';

function runUntil(x: XenTestMachine, from: number, want: string, budget: number): string {
  const seen = (): string => String.fromCharCode(...x.consoleOut.slice(from));
  for (let spent = 0; spent < budget && !seen().includes(want); spent += 1_000_000) x.m.run(1_000_000);
  return seen();
}

describe.skipIf(!existsSync(IMAGE))('Xen domain snapshots', () => {
  it('a restored GRUB continues byte-for-byte like the original', () => {
    const a = makeXen();
    a.m.bootKernel({ kernel: readFileSync(IMAGE), kernelPath: 'grub', append: '', modules: [] });
    expect(runUntil(a, 0, 'grub>', 2_000_000_000)).toContain('grub>');
    const snap = a.m.saveSnapshot();
    const dom = JSON.parse(JSON.stringify(a.d.saveState()));

    const b = makeXen();
    b.m.loadSnapshot(snap);
    b.d.loadState(dom);
    const fromA = a.consoleOut.length;
    for (const x of [a, b]) x.d.consoleInput(Array.from('echo snap\r', (c) => c.charCodeAt(0)));
    for (let i = 0; i < 6; i++) {
      a.m.run(1_000_000);
      b.m.run(1_000_000);
    }
    const outA = String.fromCharCode(...a.consoleOut.slice(fromA));
    const outB = String.fromCharCode(...b.consoleOut);
    expect(outA).toMatch(/\n\rsnap\n\r/);
    expect(outB).toBe(outA);
    expect(b.m.totalInstructions()).toBe(a.m.totalInstructions());
    expect(JSON.stringify(b.d.saveState())).toBe(JSON.stringify(a.d.saveState()));
  }, 120_000);
});
