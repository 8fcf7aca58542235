// The benchmark peers' harness (tools/bench/peers): a 32-bit workload wrapped as a multiboot
// image must boot in v86 (JIT and interpreter) and QEMU TCG, report the same checksum as the
// host build of the source, and both emulators must count the same instructions for the
// workload span (so boot is excluded and the MIPS of all engines share one numerator).
// Not a timed test.

import { describe, it, expect } from 'vitest';
import { buildMultiboot } from '../../../tools/bench/peers/build.ts';
import { qemuAvailable, runQemu } from '../../../tools/bench/peers/qemu_tcg.ts';
import { runV86, v86Available } from '../../../tools/bench/peers/v86.ts';

const WORKLOAD = 'memops'; // the shortest of tools/bench/workloads (≈4.6 M instructions)
// v86's count runs to the final HLT and so includes the stub's checksum-printing tail.
const TAIL_MAX = 100;

describe('bench peers', () => {
  const img = buildMultiboot(WORKLOAD);

  it('the multiboot image carries the markers and a host checksum', () => {
    expect(img.benchEnd).toBeGreaterThan(img.benchStart);
    expect(img.elf.length).toBeGreaterThan(0);
  });

  it.skipIf(qemuAvailable() !== undefined)('QEMU TCG reports the host checksum and counts the workload span', async () => {
    const timed = await runQemu(img, { count: false, timeoutMs: 60_000 });
    expect(timed.checksum).toBe(img.expected);
    expect(timed.ms).toBeGreaterThan(0);
    expect(timed.cpuMs).toBeGreaterThan(0);
    const counted = await runQemu(img, { count: true, timeoutMs: 60_000 });
    expect(counted.checksum).toBe(img.expected);
    expect(counted.insns).toBeGreaterThan(1_000_000);
  }, 120_000);

  it.skipIf(v86Available() !== undefined || qemuAvailable() !== undefined)(
    'v86 (JIT and interpreter) reports the host checksum and counts what QEMU counts', async () => {
      const qemuCount = (await runQemu(img, { count: true, timeoutMs: 60_000 })).insns;
      for (const jit of [true, false]) {
        const r = await runV86(img, { jit, timeoutMs: 60_000 });
        expect(r.checksum).toBe(img.expected);
        expect(r.insns - qemuCount).toBeGreaterThanOrEqual(0);
        expect(r.insns - qemuCount).toBeLessThan(TAIL_MAX);
      }
    }, 120_000);
});
