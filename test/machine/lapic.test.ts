import { describe, it, expect } from 'vitest';
import { ApicBus } from '../../src/machine/apic_bus.ts';
import { IoApic } from '../../src/machine/ioapic.ts';
import {
  APICBASE_EN, APICBASE_EXTD, APIC_DEFAULT_BASE, REG_ID, APIC_VERSION, LocalApic, REG_EOI, REG_ESR, REG_ICR_HI, REG_ICR_LO,
  REG_IRR, REG_ISR, REG_LVT_LINT0, REG_LVT_TIMER, REG_PPR, REG_SVR, REG_TIMER_CCR, REG_TIMER_DCR, REG_TIMER_ICR, REG_TPR,
  REG_LDR, REG_DFR, REG_TMR, REG_LVT_ERROR,
} from '../../src/machine/lapic.ts';
import { VirtualClock } from '../../src/machine/virtual_clock.ts';
import { configureCpuidModel } from '../../src/x86/exec/cpuid.ts';

function setup(n = 2) {
  const t = { ns: 0 };
  const clock = new VirtualClock({ tscKHz: 2_000_000, icountShift: 0 }, () => t.ns);
  const bus = new ApicBus();
  const apics: LocalApic[] = [];
  for (let i = 0; i < n; i++) {
    const a = new LocalApic(i, i, i === 0, clock, bus);
    bus.add(a);
    a.writeRegister(REG_SVR, 0x1ff);
    apics.push(a);
  }
  const advance = (ns: number) => {
    while (clock.nextDeadline() <= ns) {
      t.ns = clock.nextDeadline();
      clock.runDue();
    }
    t.ns = ns;
  };
  const w = (a: LocalApic, reg: number, v: number) => a.mmioWrite(reg << 4, 4, v);
  const r = (a: LocalApic, reg: number) => a.mmioRead(reg << 4, 4);
  return { t, clock, bus, apics, advance, w, r };
}

describe('local APIC', () => {
  it('reports ID, version and the power-on APIC base (BSP, enabled, 0xFEE00000)', () => {
    const { apics, r } = setup();
    expect(r(apics[1]!, 0x02)).toBe(0x01000000);
    expect(r(apics[0]!, 0x03)).toBe(APIC_VERSION);
    expect(apics[0]!.apicBase).toBe((APIC_DEFAULT_BASE | APICBASE_EN | 0x100) >>> 0); // a non-negative 64-bit MSR value
    expect(apics[1]!.apicBase).toBe((APIC_DEFAULT_BASE | APICBASE_EN) >>> 0); // a non-negative 64-bit MSR value
  });

  it('delivers the highest vector whose class beats the processor priority, and EOI retires it', () => {
    const { apics, w, r } = setup();
    const a = apics[0]!;
    a.acceptFixed(0x31, false);
    a.acceptFixed(0x52, false);
    expect(a.acknowledge()).toBe(0x52);
    expect(r(a, REG_PPR)).toBe(0x50);
    expect(a.pendingVector()).toBe(-1); // 0x31 is below the in-service class
    expect(r(a, REG_ISR + 2)).toBe(1 << (0x52 - 64));
    w(a, REG_EOI, 0);
    expect(a.acknowledge()).toBe(0x31);
    w(a, REG_EOI, 0);
    w(a, REG_TPR, 0x40);
    a.acceptFixed(0x45, false);
    expect(a.pendingVector()).toBe(-1); // same class as TPR: blocked
    a.acceptFixed(0x51, false);
    expect(a.pendingVector()).toBe(0x51);
    expect(r(a, REG_IRR + 2)).toBe((1 << 5) | (1 << 17));
  });

  it('holds interrupts while software-disabled and forces LVT masks', () => {
    const { apics, w, r } = setup();
    const a = apics[0]!;
    w(a, REG_SVR, 0xff);
    a.acceptFixed(0x40, false);
    expect(a.pendingVector()).toBe(-1);
    w(a, REG_LVT_TIMER, 0x20);
    expect(r(a, REG_LVT_TIMER)).toBe(0x10020);
    w(a, REG_SVR, 0x1ff);
    expect(a.pendingVector()).toBe(0x40);
  });

  it('records illegal vectors in ESR, latched by an ESR write', () => {
    const { apics, w, r } = setup();
    const a = apics[0]!;
    w(a, REG_ICR_LO, 0x00004005); // fixed IPI with vector 5
    expect(r(a, REG_ESR)).toBe(0);
    w(a, REG_ESR, 0);
    expect(r(a, REG_ESR)).toBe(0x20);
    r(a, 0x04 /* reserved */);
    w(a, REG_ESR, 0);
    expect(r(a, REG_ESR)).toBe(0x80);
  });

  it('an illegal vector in LVT Error only records receive-illegal-vector, without recursing (XSA-462)', () => {
    const { apics, w, r } = setup();
    const a = apics[0]!;
    w(a, REG_LVT_ERROR, 0x0f); // unmasked, fixed, vector 15: itself illegal
    w(a, REG_ICR_LO, 0x0004400f); // self-IPI with vector 15
    w(a, REG_ESR, 0);
    expect(r(a, REG_ESR)).toBe(0x60); // send and receive illegal vector, as XTF's xsa-462 expects
    expect(a.pendingVector()).toBe(-1);
  });

  it('sends fixed IPIs by physical ID, logical flat mask, self and all-but-self shorthands', () => {
    const { apics, w } = setup(3);
    const [a, b, c] = apics as [LocalApic, LocalApic, LocalApic];
    w(a, REG_ICR_HI, 0x02000000);
    w(a, REG_ICR_LO, 0x4041);
    expect(c.pendingVector()).toBe(0x41);
    expect(b.pendingVector()).toBe(-1);
    w(b, REG_LDR, 0x02000000);
    w(c, REG_LDR, 0x04000000);
    w(a, REG_ICR_HI, 0x06000000);
    w(a, REG_ICR_LO, 0x4842); // logical
    expect(b.pendingVector()).toBe(0x42);
    w(a, REG_ICR_LO, 0x44043); // self
    expect(a.pendingVector()).toBe(0x43);
    w(a, REG_ICR_LO, 0xc4050); // all excluding self
    expect(b.acknowledge()).toBe(0x50);
    expect(a.acknowledge()).toBe(0x43);
  });

  it('matches logical cluster-model destinations (DFR 0x0FFFFFFF)', () => {
    const { apics, w } = setup(2);
    const b = apics[1]!;
    w(b, REG_DFR, 0x0fffffff);
    w(b, REG_LDR, 0x12000000); // cluster 1, member bit 1
    w(apics[0]!, REG_ICR_HI, 0x22000000); // cluster 2: no match
    w(apics[0]!, REG_ICR_LO, 0x4860);
    expect(b.pendingVector()).toBe(-1);
    w(apics[0]!, REG_ICR_HI, 0x12000000);
    w(apics[0]!, REG_ICR_LO, 0x4860);
    expect(b.pendingVector()).toBe(0x60);
  });

  it('delivers NMI, INIT and a start-up vector only to a CPU waiting for SIPI', () => {
    const { apics, w } = setup();
    const [a, b] = apics as [LocalApic, LocalApic];
    w(a, REG_ICR_HI, 0x01000000);
    w(a, REG_ICR_LO, 0x4400);
    expect(b.nmiPending).toBe(true);
    w(a, REG_ICR_LO, 0x8500); // INIT level de-assert: no effect
    expect(b.initPending).toBe(false);
    w(a, REG_ICR_LO, 0x4500);
    expect(b.initPending).toBe(true);
    w(a, REG_ICR_LO, 0x4608);
    expect(b.sipiVector).toBe(0x08);
    a.deliver(6, 0x09, false);
    expect(a.sipiVector).toBe(-1); // the BSP is running
  });

  it('counts the timer down at the divided 1 GHz bus clock and fires once in one-shot mode', () => {
    const { apics, w, r, advance } = setup();
    const a = apics[0]!;
    w(a, REG_TIMER_DCR, 0x3); // divide by 16
    w(a, REG_LVT_TIMER, 0x30);
    w(a, REG_TIMER_ICR, 1000);
    advance(1600);
    expect(r(a, REG_TIMER_CCR)).toBe(900);
    advance(16_000);
    expect(a.acknowledge()).toBe(0x30);
    expect(r(a, REG_TIMER_CCR)).toBe(0);
    w(a, REG_EOI, 0);
    advance(100_000);
    expect(a.pendingVector()).toBe(-1);
  });

  it('reloads in periodic mode', () => {
    const { apics, w, advance } = setup();
    const a = apics[0]!;
    w(a, REG_TIMER_DCR, 0xb); // divide by 1
    w(a, REG_LVT_TIMER, 0x20031);
    w(a, REG_TIMER_ICR, 100);
    let n = 0;
    for (let t = 50; t <= 1000; t += 50) {
      advance(t);
      if (a.acknowledge() === 0x31) {
        n++;
        w(a, REG_EOI, 0);
      }
    }
    expect(n).toBe(10);
  });

  it('fires in TSC-deadline mode when the TSC reaches the deadline, then reads the MSR as 0', () => {
    // The mode exists only when CPUID advertises it (-cpu +tsc-deadline; SDM Vol 3 §11.5.1).
    configureCpuidModel({ 'tsc-deadline': true });
    const { apics, w, advance, clock } = setup();
    const a = apics[0]!;
    w(a, REG_LVT_TIMER, 0x40032);
    w(a, REG_TIMER_ICR, 5); // ignored in deadline mode
    a.writeTscDeadline(10_000); // 2 GHz TSC: 5000 ns
    advance(4999);
    expect(a.pendingVector()).toBe(-1);
    advance(5000);
    expect(clock.tsc()).toBe(10_000);
    expect(a.acknowledge()).toBe(0x32);
    expect(a.readTscDeadline()).toBe(0);
    w(a, REG_EOI, 0);
    a.writeTscDeadline(clock.tsc()); // a deadline already reached fires at once, not at the next poll
    expect(a.acknowledge()).toBe(0x32);
    expect(a.readTscDeadline()).toBe(0);
    configureCpuidModel({});
  });

  it('routes the PIC through LINT0 only when it is unmasked in ExtINT mode', () => {
    const { apics, w } = setup();
    const a = apics[0]!;
    expect(a.acceptsPicInterrupt()).toBe(false);
    w(a, REG_LVT_LINT0, 0x700);
    expect(a.acceptsPicInterrupt()).toBe(true);
    a.writeApicBase(APIC_DEFAULT_BASE); // globally disabled: the PIC goes straight to the CPU
    expect(a.acceptsPicInterrupt()).toBe(true);
  });

  it('keeps the current count across one-shot <-> periodic: an expired one-shot stays at 0 (kvm-unit-tests apic)', () => {
    const { apics, w, r, advance } = setup(1);
    const a = apics[0]!;
    w(a, REG_TIMER_DCR, 0xb); // divide by 1
    w(a, REG_LVT_TIMER, 0x20040 | 0x10000); // periodic, masked
    w(a, REG_TIMER_ICR, 1000);
    advance(2300); // 2.3 periods at 1 ns a tick: count 700
    w(a, REG_LVT_TIMER, 0x10040); // one-shot: goes on from 700
    expect(r(a, REG_TIMER_CCR)).toBe(700);
    advance(3000);
    expect(r(a, REG_TIMER_CCR)).toBe(0);
    w(a, REG_LVT_TIMER, 0x20040); // periodic again, unmasked: stays 0, no interrupt
    advance(10_000);
    expect(r(a, REG_TIMER_CCR)).toBe(0);
    expect(a.pendingVector()).toBe(-1);
    w(a, REG_TIMER_ICR, 1000); // a TMICT write starts it again
    advance(11_500);
    expect(r(a, REG_TIMER_CCR)).toBe(500);
    expect(a.pendingVector()).toBe(0x40);
  });

  it('returns to the initial APIC ID in x2APIC mode and after a global disable (kvm-unit-tests apic id)', () => {
    const { apics, w, r } = setup(2);
    const b = apics[1]!;
    w(b, REG_ID, 5 << 24); // the xAPIC ID is writable
    expect(r(b, REG_ID)).toBe(5 << 24);
    b.writeApicBase(APIC_DEFAULT_BASE | APICBASE_EN | APICBASE_EXTD);
    const out = new Uint32Array(2);
    expect(b.readMsr(0x802, out)).toBe(true);
    expect(out[0]).toBe(1); // x2APIC ID = initial ID (SDM Vol 3 §11.12.5.1)
    b.writeApicBase(APIC_DEFAULT_BASE);
    b.writeApicBase(APIC_DEFAULT_BASE | APICBASE_EN);
    w(b, REG_ID, 7 << 24);
    b.writeApicBase(APIC_DEFAULT_BASE);
    b.writeApicBase(APIC_DEFAULT_BASE | APICBASE_EN);
    expect(r(b, REG_ID)).toBe(1 << 24); // power-up state after a global disable
  });

  it('offers the x2APIC MSR view with a 64-bit ICR and derived logical ID', () => {
    const { apics } = setup(2);
    const [a, b] = apics as [LocalApic, LocalApic];
    expect(a.writeApicBase(APIC_DEFAULT_BASE | APICBASE_EXTD)).toBe(false); // EXTD without EN
    expect(a.writeApicBase(APIC_DEFAULT_BASE | APICBASE_EN | APICBASE_EXTD | 0x100)).toBe(true);
    b.writeApicBase(APIC_DEFAULT_BASE | APICBASE_EN | APICBASE_EXTD);
    const out = new Uint32Array(2);
    expect(a.readMsr(0x802, out)).toBe(true);
    expect(out[0]).toBe(0);
    expect(b.readMsr(0x800 + REG_LDR, out)).toBe(true);
    expect(out[0]).toBe(0x00000002);
    expect(a.writeMsr(0x830, 0x4070, 1)).toBe(true); // fixed vector 0x70 to x2APIC ID 1
    expect(b.pendingVector()).toBe(0x70);
    expect(a.writeMsr(0x83f, 0x71, 0)).toBe(true); // self IPI
    expect(a.pendingVector()).toBe(0x71);
    expect(a.writeMsr(0x80b, 1, 0)).toBe(false); // EOI must be written with 0
    expect(a.readMsr(0x80b, out)).toBe(false);
    expect(a.writeMsr(0x802, 5, 0)).toBe(false); // ID is read-only
    expect(a.mmioRead(0x20, 4)).toBe(0xffffffff); // MMIO view is gone
    expect(a.writeApicBase(APIC_DEFAULT_BASE | APICBASE_EN | 0x100)).toBe(false); // x2APIC -> xAPIC is illegal
  });
});

describe('I/O APIC', () => {
  function io() {
    const s = setup(2);
    const ioapic = new IoApic(s.bus);
    const sel = (r: number) => ioapic.mmioWrite(0, 4, r);
    const wr = (r: number, v: number) => (sel(r), ioapic.mmioWrite(0x10, 4, v));
    const rd = (r: number) => (sel(r), ioapic.mmioRead(0x10, 4));
    return { ...s, ioapic, wr, rd };
  }

  it('reports 24 redirection entries, version 0x20, and masked entries at reset', () => {
    const { rd } = io();
    expect(rd(1)).toBe(0x00170020);
    expect(rd(0x10)).toBe(0x10000);
  });

  it('delivers an edge interrupt to the destination APIC', () => {
    const { ioapic, wr, apics } = io();
    wr(0x10 + 2 * 4, 0x41);
    wr(0x11 + 2 * 4, 0x01000000);
    ioapic.setIrq(4, true);
    expect(apics[1]!.acknowledge()).toBe(0x41);
    expect(apics[0]!.pendingVector()).toBe(-1);
  });

  it('holds remote IRR for a level interrupt until EOI, then re-delivers while asserted', () => {
    const { ioapic, wr, rd, apics, w } = io();
    const a = apics[0]!;
    wr(0x10 + 2 * 9, 0x8051); // level, vector 0x51, APIC 0
    ioapic.setIrq(9, true);
    expect(rd(0x10 + 2 * 9) & 0x4000).toBe(0x4000);
    expect(a.acknowledge()).toBe(0x51);
    expect(a.mmioRead(REG_TMR * 16 + 0x20, 4)).toBe(1 << (0x51 - 64));
    w(a, REG_EOI, 0); // broadcast: remote IRR clears, line still high -> delivered again
    expect(a.acknowledge()).toBe(0x51);
    ioapic.setIrq(9, false);
    w(a, REG_EOI, 0);
    expect(rd(0x10 + 2 * 9) & 0x4000).toBe(0);
    expect(a.pendingVector()).toBe(-1);
  });

  it('matches an 8-bit logical destination against x2APIC cluster LDRs (kvm-unit-tests ioapic)', () => {
    // In x2APIC mode an I/O APIC message's destination 0x0D is cluster 0, members 0, 2 and 3
    // (KVM's kvm_apic_mda / logical match; no interrupt remapping), and 0xFF is broadcast.
    const { bus, apics } = setup(4);
    const ioapic = new IoApic(bus);
    const wr = (r: number, v: number) => (ioapic.mmioWrite(0, 4, r), ioapic.mmioWrite(0x10, 4, v));
    for (const a of apics) a.writeApicBase(APIC_DEFAULT_BASE | APICBASE_EN | APICBASE_EXTD);
    wr(0x10 + 2 * 14, 0x0886); // edge, logical, vector 0x86
    wr(0x11 + 2 * 14, 0x0d000000);
    ioapic.setIrq(14, true);
    expect(apics.map((a) => a.pendingVector())).toEqual([0x86, -1, 0x86, 0x86]);
    ioapic.setIrq(14, false);
    wr(0x10 + 2 * 15, 0x0087); // edge, physical, vector 0x87
    wr(0x11 + 2 * 15, 0xff000000);
    ioapic.setIrq(15, true);
    expect(apics[1]!.pendingVector()).toBe(0x87);
  });

  it('drops edges on masked pins and never lets software write remote IRR', () => {
    const { ioapic, wr, rd, apics } = io();
    wr(0x10, 0x10030);
    ioapic.setIrq(0, true);
    ioapic.setIrq(0, false);
    wr(0x10, 0x4030);
    expect(rd(0x10)).toBe(0x30);
    expect(apics[0]!.pendingVector()).toBe(-1);
  });
});
