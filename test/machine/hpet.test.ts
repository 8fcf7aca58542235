// The HPET against the IA-PC HPET specification 1.0a and QEMU 7.2's hw/timer/hpet.c (the
// behaviours the hpet test kernel cannot time exactly under QEMU, whose clock is the host's):
// interrupts at exactly the comparator's tick, periods without drift, the 32-bit wrap, legacy
// replacement cutting off the PIT and RTC, FSB delivery, snapshots, hostile values.
import { describe, it, expect } from 'vitest';
import {
  Hpet, HPET_BASE, HPET_CAP_ID, HPET_TN_32BIT, HPET_TN_ENABLE, HPET_TN_FSB_ENABLE, HPET_TN_PERIODIC, HPET_TN_SETVAL,
  HPET_TN_TYPE_LEVEL,
} from '../../src/machine/hpet.ts';
import { PcPlatform } from '../../src/machine/pc_platform.ts';
import { VirtualClock } from '../../src/machine/virtual_clock.ts';
import { parseArgs } from '../../src/cli/parse_args.ts';
import { platformSpec } from '../../src/worker/assemble.ts';

const CFG = 0x10, STA = 0x20, CNT = 0xf0;
const TCFG = (n: number) => 0x100 + 0x20 * n;
const TCMP = (n: number) => 0x108 + 0x20 * n;
const TFSB = (n: number) => 0x110 + 0x20 * n;
const ROUTE = (g: number) => g << 9;

function setup() {
  const t = { ns: 0 };
  const clock = new VirtualClock({ tscKHz: 1_000_000, icountShift: 0 }, () => t.ns);
  const irqs: [number, number, boolean][] = []; // [ns, gsi, level]
  const fsb: [number, number, number][] = [];
  const hpet = new Hpet(clock, {
    setIrq: (gsi, level) => irqs.push([t.ns, gsi, level]),
    fsbWrite: (addr, data) => fsb.push([t.ns, addr, data]),
  });
  /** Advance virtual time to `ns`, firing timers at their deadlines on the way. */
  const advance = (ns: number) => {
    while (clock.nextDeadline() <= ns) {
      t.ns = Math.max(t.ns, clock.nextDeadline());
      clock.runDue();
    }
    t.ns = ns;
  };
  const w = (o: number, v: number) => hpet.mmioWrite(o, 4, v);
  const r = (o: number) => hpet.mmioRead(o, 4);
  const rises = (gsi: number) => irqs.filter(([, g, l]) => g === gsi && l).map(([ns]) => ns);
  return { t, clock, hpet, irqs, fsb, advance, w, r, rises };
}

describe('HPET', () => {
  it('reports QEMU pc capabilities: 3 timers, 64-bit, legacy capable, 10 ns period, GSI 2 only', () => {
    const { r } = setup();
    expect(r(0x00)).toBe(0x8086a201);
    expect(HPET_CAP_ID).toBe(0x8086a201);
    expect(r(0x04)).toBe(10_000_000);
    for (let n = 0; n < 3; n++) {
      expect(r(TCFG(n))).toBe(0x30); // Tn_PER_INT_CAP | Tn_SIZE_CAP
      expect(r(TCFG(n) + 4)).toBe(0x4);
      expect([r(TCMP(n)), r(TCMP(n) + 4)]).toEqual([0xffffffff, 0xffffffff]);
    }
  });

  it('counts at 100 MHz from the written value while enabled and holds it while halted', () => {
    const { t, w, r } = setup();
    w(CNT, 0xfffffff0);
    w(CNT + 4, 5);
    t.ns = 1000;
    expect(r(CNT)).toBe(0xfffffff0); // halted
    w(CFG, 1);
    t.ns = 1000 + 10 * 0x20 + 9;
    expect([r(CNT + 4), r(CNT)]).toEqual([6, 0x10]); // carried into the high half
    w(CFG, 0);
    t.ns += 1e6;
    expect([r(CNT + 4), r(CNT)]).toEqual([6, 0x10]);
  });

  it('fires a 64-bit one-shot comparator exactly at its tick, edge-triggered through its route, once', () => {
    const { w, r, advance, rises } = setup();
    w(TCMP(2), 1000);
    w(TCMP(2) + 4, 0); // the reset value is all ones: a comparator "behind" fires after one tick, as in QEMU
    w(TCFG(2), ROUTE(2) | HPET_TN_ENABLE);
    w(CFG, 1);
    advance(1e6);
    expect(rises(2)).toEqual([10_000]); // 1000 ticks of 10 ns
    expect(r(STA)).toBe(0); // edge-triggered: no status bit
  });

  it('periodic with Tn_VAL_SET: first match at the comparator, then every period without drift', () => {
    const { w, r, advance, rises } = setup();
    w(CFG, 1);
    w(TCFG(2), ROUTE(2) | HPET_TN_PERIODIC | HPET_TN_SETVAL);
    w(TCMP(2), 500); // comparator (VAL_SET)
    w(TCMP(2), 300); // period
    expect(r(TCFG(2)) & HPET_TN_SETVAL).toBe(0);
    w(TCMP(2) + 4, 0); // period high half (no VAL_SET any more)
    expect([r(TCMP(2) + 4), r(TCMP(2))]).toEqual([0xffffffff, 500]);
    w(TCFG(2), ROUTE(2) | HPET_TN_PERIODIC | HPET_TN_SETVAL);
    w(TCMP(2) + 4, 0); // comparator high half
    w(TCFG(2), ROUTE(2) | HPET_TN_ENABLE | HPET_TN_PERIODIC);
    advance(5000 + 300 * 10 * 4);
    expect(rises(2)).toEqual([5000, 8000, 11000, 14000, 17000]);
    expect(r(TCMP(2))).toBe(500 + 5 * 300); // the next match
  });

  it('32-bit periodic keeps the comparator in 32 bits across the counter wrap', () => {
    const { w, r, advance, rises } = setup();
    w(CNT, 0xffffff00);
    w(TCFG(2), ROUTE(2) | HPET_TN_ENABLE | HPET_TN_PERIODIC | HPET_TN_SETVAL | HPET_TN_32BIT);
    w(TCMP(2), 0xffffff80);
    w(TCMP(2), 0x100);
    w(CFG, 1);
    advance(0x400 * 10);
    expect(rises(2)).toEqual([0x80 * 10, 0x180 * 10, 0x280 * 10, 0x380 * 10]);
    expect([r(TCMP(2) + 4), r(TCMP(2))]).toEqual([0, 0x380]);
    expect(r(CNT + 4)).toBe(1);
  });

  it('a 32-bit one-shot also interrupts when the counter wraps (spec 2.3.9.2.4)', () => {
    const { w, advance, rises } = setup();
    w(CNT, 0xfffffff0);
    w(TCFG(2), ROUTE(2) | HPET_TN_ENABLE | HPET_TN_32BIT);
    w(TCMP(2), 0x20);
    w(CFG, 1);
    advance(1e6);
    expect(rises(2)).toEqual([0xf * 10, 0x30 * 10]); // at 0xFFFFFFFF (QEMU) and at the comparator
  });

  it('level-triggered: GINTR_STA holds the bit and the line until written with 1', () => {
    const { w, r, advance, irqs } = setup();
    w(CFG, 1);
    w(TCMP(1), 100);
    w(TCMP(1) + 4, 0);
    w(TCFG(1), ROUTE(2) | HPET_TN_ENABLE | HPET_TN_TYPE_LEVEL);
    advance(2000);
    expect(r(STA)).toBe(2);
    expect(irqs.at(-1)).toEqual([1000, 2, true]);
    w(STA, 1); // not its bit
    expect(r(STA)).toBe(2);
    w(STA, 2);
    expect(r(STA)).toBe(0);
    expect(irqs.at(-1)).toEqual([2000, 2, false]);
  });

  it('legacy replacement: timer 0 on IRQ0, timer 1 on IRQ8, the PIT and RTC lines cut off until it is cleared', () => {
    const { hpet, w, advance, irqs, rises } = setup();
    hpet.pitIrq(true);
    hpet.rtcIrq(true);
    expect(irqs.splice(0)).toEqual([[0, 0, true], [0, 8, true]]);
    w(CFG, 2);
    expect(irqs.splice(0)).toEqual([[0, 0, false], [0, 8, false]]);
    hpet.pitIrq(false);
    hpet.pitIrq(true);
    hpet.rtcIrq(false);
    expect(irqs).toEqual([]);
    w(TCMP(0), 10);
    w(TCMP(0) + 4, 0);
    w(TCFG(0), ROUTE(11) | HPET_TN_ENABLE);
    w(TCMP(1), 20);
    w(TCMP(1) + 4, 0);
    w(TCFG(1), ROUTE(11) | HPET_TN_ENABLE);
    w(CFG, 3);
    advance(1000);
    expect(rises(0)).toEqual([100]);
    expect(rises(8)).toEqual([200]);
    expect(rises(11)).toEqual([]);
    irqs.length = 0;
    w(CFG, 1); // leaving legacy mode restores the PIT's and RTC's current levels
    expect(irqs).toEqual([[1000, 0, true], [1000, 8, false]]);
  });

  it('FSB delivery writes Tn_FSB_INT_VAL to Tn_FSB_INT_ADDR', () => {
    const { w, advance, fsb, irqs } = setup();
    w(TFSB(0), 0x4041);
    w(TFSB(0) + 4, 0xfee01000);
    w(TCMP(0), 5);
    w(TCMP(0) + 4, 0);
    w(TCFG(0), HPET_TN_ENABLE | HPET_TN_FSB_ENABLE);
    w(CFG, 1);
    advance(100);
    expect(fsb).toEqual([[50, 0xfee01000, 0x4041]]);
    expect(irqs.filter(([, , l]) => l)).toEqual([]);
  });

  it('clearing ENABLE_CNF stops the timers and drops pending level interrupts', () => {
    const { w, r, advance, rises } = setup();
    w(CFG, 1);
    w(TCMP(0), 10);
    w(TCMP(0) + 4, 0);
    w(TCFG(0), ROUTE(2) | HPET_TN_ENABLE | HPET_TN_TYPE_LEVEL);
    w(TCMP(2), 50);
    w(TCMP(2) + 4, 0);
    w(TCFG(2), ROUTE(2) | HPET_TN_ENABLE);
    advance(200);
    expect(r(STA)).toBe(1);
    w(CFG, 0);
    expect(r(STA)).toBe(0);
    advance(10_000);
    expect(rises(2)).toEqual([100]);
  });

  it('ignores writes to read-only bits and non-dword accesses; timer 3 does not exist', () => {
    const { w, r, hpet } = setup();
    w(0, 0);
    expect(r(0)).toBe(0x8086a201);
    w(TCFG(1), 0xffffffff);
    expect(r(TCFG(1))).toBe(0x7f7e); // QEMU's Tn_CONF write mask 0x7F4E plus the capability bits
    w(TCFG(1) + 4, 0);
    expect(r(TCFG(1) + 4)).toBe(4);
    hpet.mmioWrite(CFG, 1, 1);
    expect(r(CFG)).toBe(0);
    expect(hpet.mmioRead(0, 2)).toBe(0);
    w(TCFG(3), HPET_TN_ENABLE);
    expect(r(TCFG(3))).toBe(0);
  });

  it('survives hostile programming without hanging the host (32-bit period 0 with a high half, 1-tick periods, 2^63 periods)', () => {
    const { clock, w, advance, rises } = setup();
    w(CFG, 1);
    w(TCFG(2), ROUTE(2) | HPET_TN_ENABLE | HPET_TN_PERIODIC | HPET_TN_SETVAL);
    w(TCMP(2) + 4, 0x80000000); // comparator high half
    w(TCMP(2) + 4, 0xffffffff); // period 0xffffffff_00000000
    w(TCMP(2), 1); // period low half
    w(TCFG(2), ROUTE(2) | HPET_TN_ENABLE | HPET_TN_PERIODIC | HPET_TN_32BIT);
    w(TCMP(2), 0);
    advance(100);
    expect(clock.runDue()).toBe(0);
    w(TCFG(2), ROUTE(2) | HPET_TN_ENABLE | HPET_TN_PERIODIC | HPET_TN_SETVAL);
    w(TCMP(2), 0);
    w(TCMP(2), 1); // a 10 ns period: bounded by the clock's per-call limit, not a loop
    advance(1000);
    expect(rises(2).length).toBeGreaterThan(50);
    expect(Number.isFinite(clock.nextDeadline())).toBe(true);
  });

  it('restores from a snapshot and continues identically', () => {
    const a = setup();
    a.w(CFG, 1);
    a.w(TCFG(2), ROUTE(2) | HPET_TN_PERIODIC | HPET_TN_SETVAL);
    a.w(TCMP(2), 700);
    a.w(TCMP(2), 250);
    a.w(TCFG(2), ROUTE(2) | HPET_TN_PERIODIC | HPET_TN_SETVAL);
    a.w(TCMP(2) + 4, 0);
    a.w(TCFG(2), ROUTE(2) | HPET_TN_PERIODIC | HPET_TN_ENABLE);
    a.advance(10_000);
    const b = setup();
    b.t.ns = a.t.ns;
    b.clock.loadState(JSON.parse(JSON.stringify(a.clock.saveState())));
    b.hpet.loadState(JSON.parse(JSON.stringify(a.hpet.saveState())));
    a.irqs.length = 0;
    a.advance(30_000);
    b.advance(30_000);
    expect(b.irqs).toEqual(a.irqs);
    expect(b.r(CNT)).toBe(a.r(CNT));
    expect(b.r(TCMP(2))).toBe(a.r(TCMP(2)));
  });

  it('is on the pc platform at 0xFED00000 unless the spec turns it off, with the ACPI HPET table to match', () => {
    const spec = {
      ramBytes: 16 << 20, cpus: 1, cpuStateBytes: 4096, tscKHz: 1_000_000, icountShift: 0, rtcEpochSeconds: 0,
      serials: [], debugcon: null, debugExit: null, pcTestdev: false,
    };
    const host = { serialOut: () => {}, debugconOut: () => {}, debugExit: () => {}, resetRequest: () => {} };
    const p = new PcPlatform(spec, host);
    expect(p.mmio.read(HPET_BASE, 4)).toBe(0x8086a201);
    const tbl = p.acpi.tables.HPET!;
    expect(p.mem.read32(tbl + 36)).toBe(0x8086a201);
    expect(p.mem.read32(tbl + 44)).toBe(HPET_BASE);
    const off = new PcPlatform({ ...spec, hpet: false }, host);
    expect(off.mmio.read(HPET_BASE, 4)).toBe(0xffffffff);
    expect(off.acpi.tables.HPET).toBeUndefined();
  });

  it('is turned off by -machine pc,hpet=off and -no-hpet, as QEMU 7.2 accepts them', () => {
    const spec = (argv: string[]) => {
      const r = parseArgs(argv, { cwd: '/' });
      if (r.kind !== 'config') throw new Error(`parse failed: ${JSON.stringify(r)}`);
      return platformSpec(r.config, 0).hpet;
    };
    expect(spec([])).toBe(true);
    expect(spec(['-machine', 'pc,hpet=off'])).toBe(false);
    expect(spec(['-machine', 'hpet=on'])).toBe(true);
    expect(spec(['-no-hpet'])).toBe(false);
  });
});
