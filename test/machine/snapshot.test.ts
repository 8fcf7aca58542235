// Save/restore (DESIGN.md invariant 8): a machine restored from a snapshot taken mid-run, in a
// fresh machine built from the same spec, continues exactly like the original, and taking the
// snapshot does not perturb the original.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import type { Machine as MachineT } from '../../src/machine/machine.ts';
import { PcPlatform } from '../../src/machine/pc_platform.ts';
import { applyPcFirmwareState } from '../../src/machine/firmware_state.ts';
import { buildGuest, DEVICES, haveGcc32 } from '../guests/build_guest.ts';

let MachineClass: typeof MachineT | undefined;
try {
  MachineClass = (await import('../../src/machine/machine.ts')).Machine;
} catch {
  MachineClass = undefined;
}

const SPEC = {
  ramBytes: 32 << 20, cpus: 1, tscKHz: 2_000_000, icountShift: 0, rtcEpochSeconds: Date.UTC(2026, 0, 1) / 1000,
  serials: [{ iobase: 0x3f8, irq: 4 }], debugcon: null, debugExit: { iobase: 0xf4, iosize: 4 }, pcTestdev: true,
};

function make(out: number[]) {
  return new MachineClass!(SPEC, { serialOut: (_i, b) => out.push(b), debugconOut: () => {}, debugExit: () => {}, resetRequest: () => {} });
}

describe.skipIf(MachineClass === undefined || !haveGcc32())('machine snapshots', () => {
  it('a restored machine continues byte-for-byte like the original, which is not perturbed', () => {
    const kernel = readFileSync(buildGuest(DEVICES));
    const boot = { kernel, kernelPath: 'devices', append: '', modules: [] };

    const refOut: number[] = [];
    const ref = make(refOut);
    ref.bootKernel(boot);
    expect(ref.run(500_000_000)).toBe('exit');

    const aOut: number[] = [];
    const a = make(aOut);
    a.bootKernel(boot);
    expect(a.run(300_000)).toBe('budget');
    const snap = a.saveSnapshot();
    const json = JSON.parse(JSON.stringify(snap.state));
    const cut = aOut.length;
    expect(a.run(500_000_000)).toBe('exit');

    const bOut: number[] = [];
    const b = make(bOut);
    b.loadSnapshot({ state: json, memory: snap.memory });
    expect(b.run(500_000_000)).toBe('exit');

    expect(Buffer.from(aOut).toString()).toBe(Buffer.from(refOut).toString());
    expect(Buffer.from(bOut).toString()).toBe(Buffer.from(aOut.slice(cut)).toString());
    expect(b.totalInstructions()).toBe(a.totalInstructions());
    expect(b.exitStatus).toBe(a.exitStatus);
    expect(b.clock.nowNs()).toBe(a.clock.nowNs());
  });
});

describe('platform snapshots', () => {
  it('carry armed timers (PIT, LAPIC, RTC) so interrupts come at the same virtual times', () => {
    const host = { serialOut: () => {}, debugconOut: () => {}, debugExit: () => {}, resetRequest: () => {} };
    const spec = { ...SPEC, cpuStateBytes: 4096 };
    const run = (p: PcPlatform, t: { n: number }, until: number) => {
      const seen: string[] = [];
      while (p.clock.nextDeadline() <= until) {
        t.n = p.clock.nextDeadline();
        p.clock.runDue();
        if (p.pic.interruptPending) {
          seen.push(`${t.n}:pic${p.pic.acknowledge()}`);
          p.io.out(0x20, 1, 0x20);
        }
        const v = p.lapics[0]!.acknowledge();
        if (v >= 0) {
          seen.push(`${t.n}:apic${v}`);
          p.lapics[0]!.writeRegister(0x0b, 0);
        }
      }
      return seen;
    };
    const t1 = { n: 0 };
    const p1 = new PcPlatform(spec, host);
    p1.setInstructionSource(() => t1.n);
    applyPcFirmwareState(p1);
    p1.io.out(0x21, 1, 0xfe); // IRQ0 only
    p1.lapics[0]!.writeRegister(0x3e, 0xb);
    p1.lapics[0]!.writeRegister(0x32, 0x20055); // periodic, vector 0x55
    p1.lapics[0]!.writeRegister(0x38, 7_000_000);
    p1.io.out(0x70, 1, 0x0b);
    p1.io.out(0x71, 1, 0x42); // RTC periodic (drives IRQ8, masked at the PIC: flags only)
    run(p1, t1, 100_000_000);
    const at = t1.n;
    const snap = JSON.parse(JSON.stringify(p1.saveState()));
    const after1 = run(p1, t1, 300_000_000);

    const t2 = { n: 0 };
    const p2 = new PcPlatform(spec, host);
    p2.setInstructionSource(() => t2.n);
    t2.n = at;
    p2.loadState(snap);
    // A second restore of the same snapshot gives the same future again.
    const p3 = new PcPlatform(spec, host);
    const t3 = { n: at };
    p3.setInstructionSource(() => t3.n);
    p3.loadState(snap);
    const after2 = run(p2, t2, 300_000_000);
    expect(after2).toEqual(after1);
    expect(after2.some((x) => x.includes('pic8'))).toBe(true);
    expect(after2.some((x) => x.includes('apic85'))).toBe(true);
    expect(run(p3, t3, 300_000_000)).toEqual(after1);
  });
});
