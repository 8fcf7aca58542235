// `-cpu qemu64,-sse4.2,-popcnt`: the machine's CPUID follows the config's feature flags, and the
// next machine built without flags gets the full model back (the model is process-wide).
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Machine } from '../../src/machine/machine.ts';
import type { MachineConfig } from '../../src/machine/config.ts';
import { platformSpec } from '../../src/worker/assemble.ts';
import * as L from '../../src/x86/state_layout.ts';
import { REG_LVT_TIMER, REG_SVR } from '../../src/machine/lapic.ts';

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

// x2APIC (CPUID.1:ECX[21]) and the TSC-deadline timer (ECX[24]) are opt-in, as in QEMU's qemu64:
// off by default, on with +x2apic / +tsc-deadline, and the MSRs follow CPUID (SDM Vol 4 Table
// 2-2: IA32_APIC_BASE.EXTD reserved without x2APIC, IA32_TSC_DEADLINE only with bit 24; SDM
// Vol 3 §11.5.1: LVT timer mode 10b reserved without it). The machine's rdmsr/wrmsr are what the
// CPU calls for RDMSR/WRMSR (false = #GP).
describe('opt-in x2APIC and TSC-deadline', () => {
  const X2APIC = 1 << 21, TSC_DEADLINE = 1 << 24;
  const machine = (cpuFeatures?: Record<string, boolean>): Machine => new Machine(cpuFeatures ? { ...SPEC, cpuFeatures } : SPEC, host);
  const out = new Int32Array(2);

  it('CPUID leaf 1 ECX advertises neither by default, each with its + flag', () => {
    expect(leaf1Ecx() & (X2APIC | TSC_DEADLINE)).toBe(0);
    expect(leaf1Ecx({ x2apic: true }) & (X2APIC | TSC_DEADLINE)).toBe(X2APIC);
    expect(leaf1Ecx({ 'tsc-deadline': true }) & (X2APIC | TSC_DEADLINE)).toBe(TSC_DEADLINE);
    expect((leaf1Ecx({ x2apic: true, tsc_deadline: true }) & (X2APIC | TSC_DEADLINE)) >>> 0).toBe((X2APIC | TSC_DEADLINE) >>> 0);
  });

  it('IA32_APIC_BASE.EXTD #GPs without +x2apic and enters x2APIC mode with it', () => {
    const base = 0xfee00000 | 0x800 | 0x400;
    const off = machine();
    expect(off.wrmsr(0x1b, base | 0, 0)).toBe(false);
    expect(off.platform.lapics[0]!.x2apic).toBe(false);
    expect(off.rdmsr(0x802, out)).toBe(false); // x2APIC ID MSR: not in xAPIC mode
    const on = machine({ x2apic: true });
    expect(on.wrmsr(0x1b, base | 0, 0)).toBe(true);
    expect(on.platform.lapics[0]!.x2apic).toBe(true);
    expect(on.rdmsr(0x802, out)).toBe(true);
    expect(out[0]).toBe(0);
    // Disabled -> x2APIC is illegal; it goes through xAPIC (SDM Vol 3 §11.12.5, Figure 11-28).
    expect(on.wrmsr(0x1b, 0xfee00000 | 0, 0)).toBe(true);
    expect(on.wrmsr(0x1b, base | 0, 0)).toBe(false);
    expect(on.wrmsr(0x1b, 0xfee00000 | 0x800, 0)).toBe(true);
    expect(on.wrmsr(0x1b, base | 0, 0)).toBe(true);
    expect(on.wrmsr(0x1b, base | 1, 0)).toBe(false); // reserved bit 0 (SDM Vol 4 Table 2-2)
  });

  it('IA32_TSC_DEADLINE and LVT timer mode 10b exist only with +tsc-deadline', () => {
    const off = machine();
    expect(off.rdmsr(0x6e0, out)).toBe(false);
    expect(off.wrmsr(0x6e0, 1000, 0)).toBe(false);
    const la = off.platform.lapics[0]!;
    la.writeRegister(REG_SVR, 0x1ff); // SVR: software-enable so the LVT mask can clear
    la.writeRegister(REG_LVT_TIMER, 0x40000 | 0x40);
    expect(la.readRegister(REG_LVT_TIMER)).toBe(0x40);
    const on = machine({ 'tsc-deadline': true });
    const lb = on.platform.lapics[0]!;
    lb.writeRegister(REG_SVR, 0x1ff);
    lb.writeRegister(REG_LVT_TIMER, 0x40000 | 0x40);
    expect(lb.readRegister(REG_LVT_TIMER)).toBe(0x40040);
    expect(on.wrmsr(0x6e0, 1000, 0)).toBe(true);
    expect(on.rdmsr(0x6e0, out)).toBe(true);
    expect(out[0]).toBe(1000);
  });
});
