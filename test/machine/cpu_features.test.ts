// `-cpu qemu64,-sse4.2,-popcnt`: the machine's CPUID follows the config's feature flags, and the
// next machine built without flags gets the full model back (the model is process-wide).
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Machine } from '../../src/machine/machine.ts';
import type { MachineConfig } from '../../src/machine/config.ts';
import { platformSpec } from '../../src/worker/assemble.ts';
import * as L from '../../src/x86/state_layout.ts';

const SPEC = {
  ramBytes: 1 << 20, cpus: 1, tscKHz: 2_000_000, icountShift: 0, rtcEpochSeconds: 0,
  serials: [], debugcon: null, debugExit: null, pcTestdev: false,
};
const host = { serialOut: () => {}, debugconOut: () => {}, debugExit: () => {}, resetRequest: () => {} };
// Real mode: CPUID leaf 1 → ECX at [0x500]; HLT.
const CODE = [0x66, 0xb8, 0x01, 0x00, 0x00, 0x00, 0x0f, 0xa2, 0x66, 0x89, 0x0e, 0x00, 0x05, 0xf4];
const SSE42 = 1 << 20, POPCNT = 1 << 23, SSE41 = 1 << 19;

function leaf1Ecx(cpuFeatures?: Record<string, boolean>): number {
  const m = new Machine(cpuFeatures ? { ...SPEC, cpuFeatures } : SPEC, host);
  m.platform.mem.writeBytes(0x7c00, Uint8Array.from(CODE));
  const cpu = m.cpus[0]!;
  cpu.setFlatMode(16);
  cpu.s32[L.RIP >> 2] = 0x7c00;
  cpu.s32[(L.RIP >> 2) + 1] = 0;
  m.run(100);
  return m.platform.mem.read32(0x500);
}

describe('-cpu feature flags reach CPUID', () => {
  it('a machine with -sse4.2,-popcnt hides exactly those bits; the next machine without flags has them again', () => {
    const full = leaf1Ecx();
    expect(full & (SSE42 | POPCNT | SSE41)).toBe(SSE42 | POPCNT | SSE41);
    const reduced = leaf1Ecx({ 'sse4.2': false, popcnt: false });
    expect(reduced).toBe((full & ~(SSE42 | POPCNT)) >>> 0);
    expect(leaf1Ecx()).toBe(full);
  });

  it("the assembled platform carries the config's -cpu flags", () => {
    const f = JSON.parse(readFileSync(join(import.meta.dirname, '../cli/fixtures/debugcon.json'), 'utf8')) as { config: MachineConfig };
    const config: MachineConfig = { ...f.config, cpu: { ...f.config.cpu, features: { 'sse4.2': false } } };
    expect(platformSpec(config, 0).cpuFeatures).toEqual({ 'sse4.2': false });
  });
});
