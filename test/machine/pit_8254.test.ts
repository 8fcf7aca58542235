import { describe, it, expect } from 'vitest';
import { Pit8254, PIT_HZ } from '../../src/machine/pit_8254.ts';
import { VirtualClock } from '../../src/machine/virtual_clock.ts';

function setup() {
  const t = { ns: 0 };
  const clock = new VirtualClock({ tscKHz: 1_000_000, icountShift: 0 }, () => t.ns);
  const edges: [number, boolean][] = [];
  const pit = new Pit8254(clock, (l) => edges.push([t.ns, l]));
  /** Advance virtual time to `ns`, firing timers at their deadlines on the way. */
  const advance = (ns: number) => {
    while (clock.nextDeadline() <= ns) {
      t.ns = clock.nextDeadline();
      clock.runDue();
    }
    t.ns = ns;
  };
  return { t, clock, pit, edges, advance };
}
const tickNs = (n: number) => Math.ceil((n * 1e9) / PIT_HZ);

describe('8254 PIT', () => {
  it('counts down in mode 2 and raises IRQ0 once per period (rate generator)', () => {
    const { pit, edges, advance } = setup();
    pit.portOut(0x43, 1, 0x34); // channel 0, lobyte/hibyte, mode 2
    pit.portOut(0x40, 1, 1000 & 0xff);
    pit.portOut(0x40, 1, 1000 >> 8);
    advance(tickNs(10));
    pit.portOut(0x43, 1, 0x00); // latch channel 0
    const lo = pit.portIn(0x40);
    const hi = pit.portIn(0x40);
    expect(lo | (hi << 8)).toBe(990);
    advance(tickNs(1000 * 5 + 10));
    const rising = edges.filter(([, l]) => l).length;
    expect(rising).toBe(5); // one rising edge at the end of each period (none when programmed, as in QEMU)
  });

  it('in mode 0 raises OUT once when the count expires and stays high', () => {
    const { pit, edges, advance } = setup();
    pit.portOut(0x43, 1, 0x30); // mode 0
    pit.portOut(0x40, 1, 100);
    pit.portOut(0x40, 1, 0);
    advance(tickNs(99));
    expect(edges.some(([, l]) => l)).toBe(false);
    advance(tickNs(500));
    expect(edges.filter(([, l]) => l).length).toBe(1);
    expect(edges.find(([, l]) => l)![0]).toBe(tickNs(100));
  });

  it('a count of 0 means 65536', () => {
    const { pit, advance } = setup();
    pit.portOut(0x43, 1, 0x30);
    pit.portOut(0x40, 1, 0);
    pit.portOut(0x40, 1, 0);
    advance(tickNs(1));
    pit.portOut(0x43, 1, 0x00);
    expect(pit.portIn(0x40) | (pit.portIn(0x40) << 8)).toBe(0xffff);
  });

  it('gates channel 2 from port 0x61 and shows its OUT in bit 5 (mode 0 one-shot delay)', () => {
    const { pit, advance } = setup();
    pit.portOut(0x61, 1, 0x00);
    pit.portOut(0x43, 1, 0xb0); // channel 2, mode 0
    pit.portOut(0x42, 1, 50);
    pit.portOut(0x42, 1, 0);
    pit.portOut(0x61, 1, 0x01);
    expect(pit.portIn(0x61) & 0x21).toBe(0x01);
    advance(tickNs(60));
    expect(pit.portIn(0x61) & 0x20).toBe(0x20);
  });

  it('toggles the refresh bit (4) of port 0x61 on each read', () => {
    const { pit } = setup();
    const a = pit.portIn(0x61) & 0x10;
    const b = pit.portIn(0x61) & 0x10;
    expect(a ^ b).toBe(0x10);
  });

  it('answers the read-back command with status (OUT, access, mode, BCD) then the latched count', () => {
    const { pit, advance } = setup();
    pit.portOut(0x43, 1, 0x36); // channel 0, lo/hi, mode 3
    pit.portOut(0x40, 1, 0x00);
    pit.portOut(0x40, 1, 0x10); // 4096
    advance(tickNs(100));
    pit.portOut(0x43, 1, 0xc2); // read-back: latch count and status of channel 0
    expect(pit.portIn(0x40)).toBe(0x80 | 0x30 | 0x06);
    const v = pit.portIn(0x40) | (pit.portIn(0x40) << 8);
    expect(v).toBe(4096 - 200); // mode 3 counts down by two
  });

  it('reads a channel in lobyte-only mode', () => {
    const { pit, advance } = setup();
    pit.portOut(0x43, 1, 0x50); // channel 1, lobyte only, mode 0
    pit.portOut(0x41, 1, 200);
    advance(tickNs(5));
    expect(pit.portIn(0x41)).toBe(195);
  });
});
