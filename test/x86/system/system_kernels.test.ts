// Our system test kernels (test/guests/system/) under xentab and under QEMU TCG with the same
// command line: the serial output must match line for line and both must exit through
// isa-debug-exit with status 1.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { Machine } from '../../../src/machine/machine.ts';
import { buildGuest, haveGcc32, type GuestSpec } from '../../guests/build_guest.ts';
import { haveQemu, runQemu } from '../../machine/loader/qemu_run.ts';

export const SYSTEM32: GuestSpec = { name: 'system32', sources: ['start32.S', 'exc32.S', 'system/system32.c'], defines: ['MULTIBOOT'] };
export const SYSTEM64: GuestSpec = { name: 'system64', sources: ['start32.S', 'system/system64.S', 'serial64.S'], defines: ['MULTIBOOT'] };

export const KUT_REGRESS: GuestSpec = { name: 'kut_regress', sources: ['start32.S', 'smp_tramp.S', 'system/kut_regress.c'], defines: ['MULTIBOOT'] };

function bootXentab(path: string, opts: { cpus?: number; pciTestdev?: boolean } = {}): { reason: string; status: number | null; lines: string[] } {
  const out: number[] = [];
  const m = new Machine(
    {
      ramBytes: 128 << 20, cpus: opts.cpus ?? 1, tscKHz: 2_000_000, icountShift: 0, rtcEpochSeconds: Date.UTC(2026, 0, 1) / 1000,
      serials: [{ iobase: 0x3f8, irq: 4 }], debugcon: null, debugExit: { iobase: 0xf4, iosize: 4 }, pcTestdev: false,
      pciTestdev: opts.pciTestdev ?? false,
    },
    { serialOut: (_i, b) => out.push(b), debugconOut: () => {}, debugExit: () => {}, resetRequest: () => {} },
  );
  m.bootKernel({ kernel: readFileSync(path), kernelPath: path, append: '', modules: [] });
  const reason = m.run(200_000_000);
  return { reason, status: m.exitStatus, lines: Buffer.from(out).toString('latin1').trim().split('\n') };
}

describe.skipIf(!haveGcc32() || !haveQemu())('system test kernels: xentab vs QEMU TCG', () => {
  it('system32 (descriptor stores, LAR/LSL/VERR/VERW, ARPL, CR/DR checks, #DF, single-step, 16-bit PM, call gates, SYSENTER) prints the same lines', () => {
    const path = buildGuest(SYSTEM32);
    const r = bootXentab(path);
    const q = runQemu(['-m', '128', '-kernel', path]);
    expect(q.status).toBe(1);
    // QEMU TCG loads CS on far transfers without setting the descriptor's accessed bit; the SDM
    // sets it whenever a selector is loaded into a segment register (Vol 3A §3.4.5.1, type field
    // "accessed"), as KVM/hardware do: LAR of the code segment we jumped to then reads type 0xB.
    const sdm: Record<string, string> = {
      'sel 0008': 'sel 0008: lar_zf=1 ar=00c09b00 lsl_zf=1 limit=ffffffff verr=1 verw=0',
    };
    const qLines = q.out.trim().split('\n').map((l) => sdm[l.split(':')[0]!] ?? l);
    expect(r.lines).toEqual(qLines);
    expect(r.reason).toBe('exit');
    expect(qLines.at(-1)).toBe('done');
  });

  it('system64 (64-bit TSS, IRETQ to ring 3, RSP0 with null SS, #PF/#GP from ring 3, IST, SWAPGS, compatibility mode, LRETQ) prints the same lines', () => {
    const path = buildGuest(SYSTEM64);
    const r = bootXentab(path);
    const q = runQemu(['-m', '128', '-kernel', path]);
    expect(q.status).toBe(1);
    // QEMU TCG builds IDT error codes in long mode from the byte offset of the 16-byte gate
    // (vector * 16 + 2); the SDM's error code holds the vector in its index field, as in every
    // other mode ((vector << 3) | IDT | EXT, Vol 3A §6.13), which is what KVM and hardware push.
    const sdm: Record<string, string> = { user_int81_error: 'user_int81_error=000000000000040a' };
    const qLines = q.out.trim().split('\n').map((l) => sdm[l.split('=')[0]!] ?? l);
    expect(r.lines).toEqual(qLines);
    expect(r.reason).toBe('exit');
    expect(qLines.at(-1)).toBe('done');
  });

  it('kut_regress (what kvm-unit-tests found: APIC base EDX, INIT+SIPI back to back, pci-testdev) prints the same lines', () => {
    const path = buildGuest(KUT_REGRESS);
    const r = bootXentab(path, { cpus: 2, pciTestdev: true });
    const q = runQemu(['-m', '128', '-smp', '2', '-device', 'pci-testdev', '-kernel', path]);
    expect(q.status).toBe(1);
    // QEMU TCG's xAPIC can never be re-enabled once IA32_APIC_BASE.EN was cleared (hw/intc/apic.c
    // "if disabled, cannot be enabled again", and it drops the CPUID bit for good): that is the P6
    // rule; later processors re-enable it in its reset state (SDM Vol 3A §11.4.3), as KVM does.
    const sdm: Record<string, string> = { cpuid1_edx_apic_when_enabled: 'cpuid1_edx_apic_when_enabled=1' };
    expect(r.lines).toEqual(q.out.trim().split('\n').map((l) => sdm[l.split('=')[0]!] ?? l));
    expect(r.reason).toBe('exit');
  });
});
