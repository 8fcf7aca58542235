import { describe, it, expect } from 'vitest';
import { MtrrFile, MSR_MTRRcap, MSR_MTRRdefType, MSR_MTRRphysBase0, MSR_MTRRfix64K_00000, MSR_MTRRfix4K_F8000 } from '../../src/machine/mtrr.ts';
import { Machine } from '../../src/machine/machine.ts';

const nullHost = { serialOut: () => {}, debugconOut: () => {}, debugExit: () => {}, resetRequest: () => {} };
const SPEC = {
  ramBytes: 4 << 20, cpus: 1, tscKHz: 2_000_000, icountShift: 0, rtcEpochSeconds: 0,
  serials: [], debugcon: null, debugExit: null, pcTestdev: false,
};

function read(f: MtrrFile, cpu: number, msr: number): [number, number] | null {
  const out = new Int32Array(2);
  return f.rdmsr(cpu, msr, out) ? [out[0]! >>> 0, out[1]! >>> 0] : null;
}

// Register layouts and reserved bits: SDM Vol 3A §12.11.1-12.11.3 (Figures 12-5 to 12-7).
describe('MTRRs', () => {
  it('IA32_MTRRCAP reports 8 variable ranges, fixed ranges and WC, and is read-only', () => {
    const f = new MtrrFile(1);
    expect(read(f, 0, MSR_MTRRcap)).toEqual([0x508, 0]);
    expect(f.wrmsr(0, MSR_MTRRcap, 0x508, 0)).toBe(false);
  });

  it('power up with every MTRR zero (MTRRs disabled)', () => {
    const f = new MtrrFile(1);
    expect(read(f, 0, MSR_MTRRdefType)).toEqual([0, 0]);
    for (let m = MSR_MTRRphysBase0; m < MSR_MTRRphysBase0 + 16; m++) expect(read(f, 0, m)).toEqual([0, 0]);
    expect(read(f, 0, MSR_MTRRfix64K_00000)).toEqual([0, 0]);
    expect(read(f, 0, MSR_MTRRfix4K_F8000)).toEqual([0, 0]);
  });

  it('keep what was written, per vCPU', () => {
    const f = new MtrrFile(2);
    expect(f.wrmsr(1, MSR_MTRRdefType, 0xc06, 0)).toBe(true);
    expect(f.wrmsr(1, MSR_MTRRphysBase0 + 2, 0x80000000, 0)).toBe(true); // PHYSBASE1: 2 GiB, UC
    expect(f.wrmsr(1, MSR_MTRRphysBase0 + 3, 0x80000800, 0xff)).toBe(true); // PHYSMASK1: 2 GiB, valid
    expect(f.wrmsr(1, MSR_MTRRfix64K_00000, 0x06060606, 0x06060606)).toBe(true);
    expect(read(f, 1, MSR_MTRRdefType)).toEqual([0xc06, 0]);
    expect(read(f, 1, MSR_MTRRphysBase0 + 3)).toEqual([0x80000800, 0xff]);
    expect(read(f, 1, MSR_MTRRfix64K_00000)).toEqual([0x06060606, 0x06060606]);
    expect(read(f, 0, MSR_MTRRdefType)).toEqual([0, 0]);
  });

  it('refuse reserved bits and reserved memory types (#GP)', () => {
    const f = new MtrrFile(1);
    expect(f.wrmsr(0, MSR_MTRRdefType, 0x1006, 0)).toBe(false); // bit 12
    expect(f.wrmsr(0, MSR_MTRRdefType, 0x802, 0)).toBe(false); // type 2
    expect(f.wrmsr(0, MSR_MTRRdefType, 0x807, 0)).toBe(false); // type 7
    expect(f.wrmsr(0, MSR_MTRRphysBase0, 0x100, 0)).toBe(false); // base bits 11:8
    expect(f.wrmsr(0, MSR_MTRRphysBase0, 0x3, 0)).toBe(false); // type 3
    expect(f.wrmsr(0, MSR_MTRRphysBase0, 0x6, 0x100)).toBe(false); // bit 40 = MAXPHYADDR
    expect(f.wrmsr(0, MSR_MTRRphysBase0 + 1, 0x400, 0)).toBe(false); // mask bits 10:0
    expect(f.wrmsr(0, MSR_MTRRfix64K_00000, 0x06060606, 0x06020606)).toBe(false); // a type-2 byte
    expect(read(f, 0, MSR_MTRRdefType)).toEqual([0, 0]);
  });

  it('answer RDMSR/WRMSR through the machine and survive a snapshot', () => {
    const m = new Machine(SPEC, nullHost);
    const out = new Int32Array(2);
    expect(m.rdmsr(MSR_MTRRcap, out)).toBe(true);
    expect(out[0]).toBe(0x508);
    expect(m.wrmsr(MSR_MTRRdefType, 0xc06, 0)).toBe(true);
    const snap = m.saveSnapshot();
    const m2 = new Machine(SPEC, nullHost);
    m2.loadSnapshot(snap);
    expect(m2.rdmsr(MSR_MTRRdefType, out)).toBe(true);
    expect(out[0]).toBe(0xc06);
  });
});
