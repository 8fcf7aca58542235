// Boots one of our test kernels on xentab and under QEMU TCG with the same command line, for the
// line-by-line comparisons of test/x86/system/*_kernels.test.ts.
import { readFileSync } from 'node:fs';
import { Machine } from '../../../src/machine/machine.ts';
import { runQemu } from '../../machine/loader/qemu_run.ts';

export interface KernelRun { reason: string; status: number | null; lines: string[] }

export function bootXentab(path: string, budget = 200_000_000): KernelRun {
  const out: number[] = [];
  const m = new Machine(
    {
      ramBytes: 128 << 20, cpus: 1, tscKHz: 2_000_000, icountShift: 0, rtcEpochSeconds: Date.UTC(2026, 0, 1) / 1000,
      serials: [{ iobase: 0x3f8, irq: 4 }], debugcon: null, debugExit: { iobase: 0xf4, iosize: 4 }, pcTestdev: false,
    },
    { serialOut: (_i, b) => out.push(b), debugconOut: () => {}, debugExit: () => {}, resetRequest: () => {} },
  );
  m.bootKernel({ kernel: readFileSync(path), kernelPath: path, append: '', modules: [] });
  const reason = m.run(budget);
  return { reason, status: m.exitStatus, lines: Buffer.from(out).toString('latin1').trim().split('\n') };
}

/**
 * QEMU's lines for the kernel at `path`, with the lines whose key (text before the first ':' or
 * '=') appears in `sdm` replaced by the SDM's answer where QEMU TCG departs from it.
 */
export function qemuLines(path: string, sdm: Record<string, string> = {}): { status: number | null; lines: string[] } {
  const q = runQemu(['-m', '128', '-kernel', path]);
  const lines = q.out.trim().split('\n').map((l) => sdm[l.split(/[:=]/)[0]!] ?? l);
  return { status: q.status, lines };
}
