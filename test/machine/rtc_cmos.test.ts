import { describe, it, expect } from 'vitest';
import { RtcCmos, civilFromDays, daysFromCivil } from '../../src/machine/rtc_cmos.ts';
import { VirtualClock } from '../../src/machine/virtual_clock.ts';

// 2024-02-29 23:59:58 UTC, a Thursday.
const BASE = Date.UTC(2024, 1, 29, 23, 59, 58) / 1000;

function setup() {
  const t = { ns: 0 };
  const clock = new VirtualClock({ tscKHz: 1_000_000, icountShift: 0 }, () => t.ns);
  const irq: boolean[] = [];
  const rtc = new RtcCmos(clock, { baseEpochSeconds: BASE }, (l) => irq.push(l));
  const read = (i: number) => {
    rtc.portOut(0x70, 1, i);
    return rtc.portIn(0x71);
  };
  const write = (i: number, v: number) => {
    rtc.portOut(0x70, 1, i);
    rtc.portOut(0x71, 1, v);
  };
  const advance = (ns: number) => {
    while (clock.nextDeadline() <= ns) {
      t.ns = clock.nextDeadline();
      clock.runDue();
    }
    t.ns = ns;
  };
  return { t, rtc, read, write, irq, advance };
}

describe('MC146818 RTC', () => {
  it('converts dates like the host calendar', () => {
    for (const ms of [0, Date.UTC(2000, 1, 29), Date.UTC(2100, 2, 1), Date.UTC(1999, 11, 31)]) {
      const d = new Date(ms);
      expect(daysFromCivil(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate())).toBe(ms / 86400000);
      expect(civilFromDays(ms / 86400000)).toEqual({ y: d.getUTCFullYear(), m: d.getUTCMonth() + 1, d: d.getUTCDate() });
    }
  });

  it('shows the configured date in BCD 24-hour form and rolls over with virtual time', () => {
    const { read, advance } = setup();
    expect([read(9), read(8), read(7), read(4), read(2), read(0), read(6), read(0x32)]).toEqual([
      0x24, 0x02, 0x29, 0x23, 0x59, 0x58, 0x05, 0x20,
    ]);
    advance(2e9);
    expect([read(9), read(8), read(7), read(4), read(2), read(0), read(6)]).toEqual([0x24, 0x03, 0x01, 0x00, 0x00, 0x00, 0x06]);
  });

  it('switches to binary and 12-hour formats with REG_B', () => {
    const { read, write } = setup();
    write(0x0b, 0x04); // binary, 12 hour
    expect(read(4)).toBe(0x80 | 11); // 23h = 11 PM
    expect(read(0)).toBe(58);
  });

  it('reports update-in-progress for the last 244 us of each second', () => {
    const { read, advance } = setup();
    advance(999_800_000);
    expect(read(0x0a) & 0x80).toBe(0x80);
    advance(1_000_000_001);
    expect(read(0x0a) & 0x80).toBe(0);
  });

  it('keeps a time set by the guest (SET bit) and runs on from it', () => {
    const { read, write, advance } = setup();
    write(0x0b, 0x82);
    write(0, 0x30);
    write(2, 0x15);
    write(4, 0x10);
    write(7, 0x01);
    write(8, 0x01);
    write(9, 0x25);
    write(0x0b, 0x02);
    advance(3e9);
    expect([read(9), read(8), read(7), read(4), read(2), read(0)]).toEqual([0x25, 0x01, 0x01, 0x10, 0x15, 0x33]);
  });

  it('raises IRQ8 for the periodic interrupt and clears it on reading REG_C', () => {
    const { read, write, irq, advance } = setup();
    write(0x0a, 0x26); // 1024 Hz
    write(0x0b, 0x42); // PIE
    advance(1e6);
    expect(irq).toEqual([true]);
    expect(read(0x0c) & 0xc0).toBe(0xc0);
    expect(irq).toEqual([true, false]);
    expect(read(0x0c)).toBe(0);
  });

  it('sets the update-ended and alarm flags at the second boundary', () => {
    const { read, write, irq, advance } = setup();
    write(1, 0x59); // alarm 23:59:59
    write(3, 0x59);
    write(5, 0x23);
    write(0x0b, 0x22); // AIE
    advance(1.5e9);
    expect(irq[0]).toBe(true);
    expect(read(0x0c) & 0xb0).toBe(0xb0); // IRQF | AF | UF
  });

  it('holds battery-backed RAM and reads the index port as 0xFF', () => {
    const { rtc, read, write } = setup();
    write(0x40, 0x5a);
    expect(read(0x40)).toBe(0x5a);
    expect(rtc.portIn(0x70)).toBe(0xff);
    expect(read(0x0d)).toBe(0x80);
  });
});
