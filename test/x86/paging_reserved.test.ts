// Reserved bits in paging-structure entries raise #PF with P=1 and RSVD (bit 3) set, plus the
// usual W/U/I bits, and CR2 = the linear address (SDM Vol 3 §4.7). Oracle: the reserved-bit
// columns of SDM Vol 3 Tables 4-4 (32-bit), 4-8..4-11 (PAE) and 4-14..4-19 (4-level), with
// MAXPHYADDR as our CPUID 80000008h reports it; XTF's xsa-173 case (2 MiB PDE, bits 20:13 set).
import { describe, it, expect } from 'vitest';
import { FlatMachine } from './support/flat_machine.ts';
import { Exit, ModeFlag } from '../../src/x86/cpu.ts';
import type { Cpu } from '../../src/x86/cpu.ts';
import { deliverEvent } from '../../src/x86/system/exceptions.ts';
import { EventKind } from '../../src/x86/system/interrupts.ts';
import { FEATURES_81_EDX, MAXPHYADDR } from '../../src/x86/exec/cpuid.ts';
import * as L from '../../src/x86/state_layout.ts';

type Mode = '32' | 'pae' | 'long';
const P = 1, RW = 2, US = 4, PS = 0x80, PRESENT_RWU = P | RW | US;
const RSVD_FAULT = 1 | 8; // P | RSVD, supervisor read
const TWO32 = 4294967296;
const DATA_PA = 0x50000, MAGIC = 0x12345678;

/** Linear address of the data page in each mode (chosen so it shares no entry with the code page at 0x1000). */
const DATA_VA: Record<Mode, number> = { '32': 0x40201000, pae: 0x40201000, long: 0x80_4020_1000 };

interface Run { exit: number; vector: number; error: number; cr2: number; eax: number; m: FlatMachine }

/**
 * Tables (all in the flat machine's first 4 MiB):
 * 32-bit: PD 0x10000; PD[0] -> PT 0x13000 (code 0x1000); PD[0x100] -> PT 0x23000, PT[0x201] -> data.
 * PAE:    PDPT 0x10000; [0] -> PD 0x12000 -> PT 0x13000 (code); [1] -> PD 0x22000, [1] -> PT 0x23000, [1] -> data.
 * 4-level: PML4 0x10000; [0] -> PDPT 0x11000 -> PD 0x12000 -> PT 0x13000 (code);
 *          [1] -> PDPT 0x21000, [1] -> PD 0x22000, [1] -> PT 0x23000, [1] -> data.
 */
class Tables {
  constructor(readonly m: FlatMachine, readonly mode: Mode) {}
  set(pa: number, lo: number, hi = 0): void {
    const dv = new DataView(this.m.memory.buffer);
    if (this.mode === '32') { dv.setUint32(this.m.host(pa), lo >>> 0, true); return; }
    dv.setUint32(this.m.host(pa), lo >>> 0, true);
    dv.setUint32(this.m.host(pa + 4), hi >>> 0, true);
  }
  // Entry addresses on the data path.
  get pml4e(): number { return 0x10000 + 8; }
  get pdpte(): number { return this.mode === 'long' ? 0x21000 + 8 : 0x10000 + 8; }
  get pde(): number { return this.mode === '32' ? 0x10000 + 0x100 * 4 : 0x22000 + 8; }
  get pte(): number { return this.mode === '32' ? 0x23000 + 0x201 * 4 : 0x23000 + 8; }
}

function machine(mode: Mode, cpl = 0, opts: { nxe?: boolean } = {}): { m: FlatMachine; t: Tables } {
  const m = new FlatMachine([[0, 0x400000]]);
  const t = new Tables(m, mode);
  const cpu = m.cpu;
  cpu.setFlatMode(mode === 'long' ? 64 : 32, cpl);
  const s = cpu.s32;
  if (mode === '32') {
    t.set(0x10000, 0x13000 | PRESENT_RWU); t.set(0x13000 + 4, 0x1000 | PRESENT_RWU);
    t.set(t.pde, 0x23000 | PRESENT_RWU); t.set(t.pte, DATA_PA | PRESENT_RWU);
  } else {
    // PAE PDPTEs have only P (bits 2:1 and 8:5 are reserved).
    const upper = mode === 'long' ? PRESENT_RWU : P;
    if (mode === 'long') {
      t.set(0x10000, 0x11000 | PRESENT_RWU); t.set(0x11000, 0x12000 | upper);
      t.set(t.pml4e, 0x21000 | PRESENT_RWU);
    } else {
      t.set(0x10000, 0x12000 | upper);
    }
    t.set(0x12000, 0x13000 | PRESENT_RWU); t.set(0x13000 + 8, 0x1000 | PRESENT_RWU);
    t.set(t.pdpte, 0x22000 | upper); t.set(t.pde, 0x23000 | PRESENT_RWU); t.set(t.pte, DATA_PA | PRESENT_RWU);
  }
  s[L.CR3 >> 2] = 0x10000;
  s[L.CR4 >> 2] = mode === '32' ? 0x10 : 0x20; // PSE / PAE
  s[L.CR0 >> 2] = s[L.CR0 >> 2]! | 0x80000000;
  s[L.MSR_EFER >> 2] = (mode === 'long' ? 0x500 : 0) | (opts.nxe ? 0x800 : 0);
  s[L.MODE_FLAGS >> 2] = ModeFlag.PE | ModeFlag.PG | (mode === 'long' ? ModeFlag.LMA : 0);
  cpu.modeChanged(); cpu.flushTlb();
  new DataView(m.memory.buffer).setUint32(m.host(DATA_PA + 0x10), MAGIC, true);
  return { m, t };
}

const ACCESS = { read: [0x8b, 0x40, 0x10], write: [0x89, 0x40, 0x10], fetch: [0xff, 0xe0] }; // [rax+16] / jmp rax

/** mov (r)ax, DATA_VA ; then read / write [rax+16] or jmp rax ; hlt. */
function run(m: FlatMachine, mode: Mode, access: keyof typeof ACCESS): Run {
  const va = DATA_VA[mode];
  const lo = va % TWO32, hi = Math.floor(va / TWO32);
  const le = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
  const movAx = mode === 'long' ? [0x48, 0xb8, ...le(lo), ...le(hi)] : [0xb8, ...le(lo)];
  m.load(0x1000, new Uint8Array([...movAx, ...ACCESS[access], 0xf4]));
  const cpu = m.cpu;
  cpu.rip = 0x1000;
  let vector = -1, error = -1;
  // Record the exception, then run the real delivery path: it copies the faulting address into
  // CR2 (SDM §4.7) before it fails for want of an IDT (IDTR.limit = 0); stop there.
  cpu.deliverException = function (this: Cpu): boolean {
    if (vector < 0) {
      vector = this.pendingVector; error = this.pendingError;
      deliverEvent(this, vector, error, EventKind.EXCEPTION);
    }
    return false;
  };
  const exit = cpu.run(20);
  const s = cpu.s32;
  const cr2 = (s[(L.CR2 >> 2) + 1]! >>> 0) * TWO32 + (s[L.CR2 >> 2]! >>> 0);
  return { exit, vector, error, cr2, eax: cpu.reg32(0) >>> 0, m };
}

function expectRsvd(r: Run, mode: Mode, error = RSVD_FAULT, cr2 = DATA_VA[mode] + 0x10): void {
  expect(r.exit).not.toBe(Exit.HLT);
  expect([r.vector, r.error, r.cr2]).toEqual([14, error, cr2]);
}

describe('page-walk reserved bits: 32-bit paging (SDM Vol 3 Table 4-4)', () => {
  it('a legal 4 KiB walk and a legal 4 MiB page (PSE-36 bits 20:13 address memory above 4 GiB) translate', () => {
    const { m } = machine('32');
    const r = run(m, '32', 'read');
    expect([r.exit, r.vector, r.eax]).toEqual([Exit.HLT, -1, MAGIC]);
    const b = machine('32');
    b.t.set(b.t.pde, 0 | PS | PRESENT_RWU); // VA 0x40201000 -> PA 0x201000
    new DataView(b.m.memory.buffer).setUint32(b.m.host(0x201010), 0xcafe, true);
    expect(run(b.m, '32', 'read').eax).toBe(0xcafe);
    const c = machine('32');
    c.t.set(c.t.pde, (1 << 13) | PS | PRESENT_RWU); // PA bit 32: legal, but nothing is there
    const rc = run(c.m, '32', 'read');
    expect([rc.exit, rc.vector]).toEqual([Exit.HLT, -1]);
    expect(c.m.bus.unbackedAccess).toBe(true);
  });
  it('a 4 MiB PDE with bit 21 set faults with RSVD; I/D stays clear for a fetch (no NX in 32-bit paging)', () => {
    const { m, t } = machine('32', 0, { nxe: true });
    t.set(t.pde, (1 << 21) | PS | PRESENT_RWU);
    expectRsvd(run(m, '32', 'read'), '32');
    const b = machine('32', 0, { nxe: true });
    b.t.set(b.t.pde, (1 << 21) | PS | PRESENT_RWU);
    expectRsvd(run(b.m, '32', 'fetch'), '32', RSVD_FAULT, DATA_VA['32']);
  });
  it('bit 21 is not reserved when CR4.PSE=0 (PS is ignored and the entry points to a page table)', () => {
    const { m, t } = machine('32');
    m.cpu.s32[L.CR4 >> 2] = 0;
    t.set(t.pde, 0x23000 | (1 << 21) | PS | PRESENT_RWU);
    // The PDE now names table 0x223000 (bit 21 is an address bit): that PT is zero, so not present.
    const r = run(m, '32', 'read');
    expect([r.vector, r.error]).toEqual([14, 0]);
  });
});

describe('page-walk reserved bits: PAE paging (SDM Vol 3 Tables 4-8..4-11)', () => {
  it('a legal walk and a legal 2 MiB page translate', () => {
    const { m } = machine('pae');
    expect(run(m, 'pae', 'read').eax).toBe(MAGIC);
    const b = machine('pae');
    b.t.set(b.t.pde, 0x200000 | PS | PRESENT_RWU); // VA 0x40201000 -> PA 0x201000
    new DataView(b.m.memory.buffer).setUint32(b.m.host(0x201010), 0xbeef, true);
    expect(run(b.m, 'pae', 'read').eax).toBe(0xbeef);
  });
  it('a PDPTE with R/W (bit 1), bit 5, or a bit at MAXPHYADDR faults with RSVD', () => {
    for (const [lo, hi] of [[0x22000 | RW | P, 0], [0x22000 | 0x20 | P, 0], [0x22000 | P, 1 << (MAXPHYADDR - 32)]] as const) {
      const { m, t } = machine('pae');
      t.set(t.pdpte, lo, hi);
      expectRsvd(run(m, 'pae', 'read'), 'pae');
    }
  });
  it('xsa-173: a 2 MiB PDE with bits 20:13 set faults with RSVD', () => {
    const { m, t } = machine('pae');
    t.set(t.pde, 0x200000 | (1 << 13) | PS | PRESENT_RWU);
    expectRsvd(run(m, 'pae', 'read'), 'pae');
  });
  it('a PTE with bit 62 (reserved in PAE, ignored in 4-level) or with bit 63 while EFER.NXE=0 faults with RSVD', () => {
    for (const hi of [1 << 30, 1 << 31]) {
      const { m, t } = machine('pae');
      t.set(t.pte, DATA_PA | PRESENT_RWU, hi);
      expectRsvd(run(m, 'pae', 'read'), 'pae');
    }
    const b = machine('pae', 0, { nxe: true }); // with NXE, bit 63 is XD: a read is fine
    b.t.set(b.t.pte, DATA_PA | PRESENT_RWU, 1 << 31);
    expect(run(b.m, 'pae', 'read').eax).toBe(MAGIC);
  });
  it('a PDE with a bit at MAXPHYADDR faults with RSVD; a user write reports W and U too', () => {
    const { m, t } = machine('pae', 3);
    t.set(t.pde, 0x23000 | PRESENT_RWU, 1 << (MAXPHYADDR - 32));
    expectRsvd(run(m, 'pae', 'write'), 'pae', 1 | 2 | 4 | 8);
  });
});

describe('page-walk reserved bits: 4-level paging (SDM Vol 3 Tables 4-14..4-19)', () => {
  it('a legal walk, a legal 2 MiB page and a PTE with ignored bits 62:52 translate', () => {
    const { m } = machine('long');
    expect(run(m, 'long', 'read').eax).toBe(MAGIC);
    const b = machine('long');
    b.t.set(b.t.pde, 0x200000 | PS | PRESENT_RWU);
    new DataView(b.m.memory.buffer).setUint32(b.m.host(0x201010), 0xd00d, true);
    expect(run(b.m, 'long', 'read').eax).toBe(0xd00d);
    const c = machine('long');
    c.t.set(c.t.pte, DATA_PA | PRESENT_RWU, 0x7ff00000);
    expect(run(c.m, 'long', 'read').eax).toBe(MAGIC);
  });
  it('a PML4E with PS (bit 7) or a bit in 51:MAXPHYADDR faults with RSVD', () => {
    for (const [lo, hi] of [[0x21000 | PS | PRESENT_RWU, 0], [0x21000 | PRESENT_RWU, 1 << 19], [0x21000 | PRESENT_RWU, 1 << (MAXPHYADDR - 32)]] as const) {
      const { m, t } = machine('long');
      t.set(t.pml4e, lo, hi);
      expectRsvd(run(m, 'long', 'read'), 'long');
    }
  });
  it('a PDPTE with PS faults with RSVD: CPUID 80000001h EDX does not advertise 1 GiB pages', () => {
    expect(FEATURES_81_EDX & (1 << 26)).toBe(0);
    const { m, t } = machine('long');
    t.set(t.pdpte, PS | PRESENT_RWU);
    expectRsvd(run(m, 'long', 'read'), 'long');
  });
  it('xsa-173: a 2 MiB PDE with bits 20:13 set faults with RSVD', () => {
    for (const bit of [13, 20]) {
      const { m, t } = machine('long');
      t.set(t.pde, 0x200000 | (1 << bit) | PS | PRESENT_RWU);
      expectRsvd(run(m, 'long', 'read'), 'long');
    }
    // XTF's own entry: GFN 2^34-1 with PSE|U|RW|P (address bits 45:12 all set).
    const { m, t } = machine('long');
    t.set(t.pde, 0xfffff000 | PS | PRESENT_RWU, 0x3fff);
    expectRsvd(run(m, 'long', 'read'), 'long');
  });
  it('a PTE with XD while EFER.NXE=0 faults with RSVD; with NXE=1 a fetch through a reserved bit reports I/D', () => {
    const { m, t } = machine('long');
    t.set(t.pte, DATA_PA | PRESENT_RWU, 1 << 31);
    expectRsvd(run(m, 'long', 'read'), 'long');
    const b = machine('long', 0, { nxe: true });
    b.t.set(b.t.pte, DATA_PA | PRESENT_RWU, 1 << (MAXPHYADDR - 32));
    expectRsvd(run(b.m, 'long', 'fetch'), 'long', 1 | 8 | 16, DATA_VA.long);
  });
  it('a reserved bit in an upper level wins over a missing U bit there; a user write reports P|W|U|RSVD', () => {
    const { m, t } = machine('long', 3);
    t.set(t.pdpte, 0x22000 | P | RW, 1 << (MAXPHYADDR - 32)); // supervisor-only and reserved
    expectRsvd(run(m, 'long', 'write'), 'long', 1 | 2 | 4 | 8);
  });
  it('a not-present entry faults without RSVD, whatever its other bits', () => {
    const { m, t } = machine('long');
    t.set(t.pte, DATA_PA | PS | 0x1fe000, -1);
    const r = run(m, 'long', 'read');
    expect([r.vector, r.error, r.cr2]).toEqual([14, 0, DATA_VA.long + 0x10]);
  });
});

describe('CPUID and the page walk agree on MAXPHYADDR', () => {
  it('CPUID 80000008h EAX[7:0] reports MAXPHYADDR, and bit MAXPHYADDR-1 of a PTE is an address bit', () => {
    const { m, t } = machine('long');
    // A PTE naming PA bit M-1 is legal (unbacked memory), one naming bit M is reserved.
    t.set(t.pte, PRESENT_RWU, 1 << (MAXPHYADDR - 33));
    const r = run(m, 'long', 'read');
    expect([r.exit, r.vector]).toEqual([Exit.HLT, -1]);
    const c = new FlatMachine([[0x1000, 0x1000]]);
    c.cpu.setFlatMode(32);
    c.load(0x1000, new Uint8Array([0xb8, 0x08, 0x00, 0x00, 0x80, 0x0f, 0xa2, 0xf4])); // mov eax, 80000008h ; cpuid ; hlt
    c.cpu.rip = 0x1000;
    expect(c.cpu.run(10)).toBe(Exit.HLT);
    expect(c.cpu.reg32(0) & 0xff).toBe(MAXPHYADDR);
  });
});
