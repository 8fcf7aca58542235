// The 8254 programmable interval timer (Intel 8254 datasheet) at 0x40-0x43, clocked at
// 1.193182 MHz, and the port 0x61 "NMI status and control" bits it shares with the speaker:
// bit 0 gates channel 2, bit 1 enables the speaker, bit 5 reads channel 2's OUT, bit 4
// toggles on every read (the refresh-clock bit firmware uses for short delays).
// Counts are computed from virtual time when read, as QEMU's hw/timer/i8254.c does: the state
// is (mode, count, load time), and channel 0's OUT drives IRQ 0 through a timer armed for its
// next transition. Mode 2 follows QEMU rather than the datasheet: OUT is high for the one tick
// at the end of each period (the datasheet has it low for that tick). Both give one rising
// edge per period, but QEMU's gives none when the mode is programmed, so IRQ 0 arrives at the
// same times as under QEMU, and the read-back OUT bit matches QEMU's.
import type { PortHandler } from './io_bus.ts';
import { NO_IRQ, type IrqLine } from './irq.ts';
import type { Timer, VirtualClock } from './virtual_clock.ts';
import { putFields, takeFields, type PlainRecord } from './snapshot.ts';

const CHANNEL_FIELDS = [
  'count', 'loadTime', 'latchedCount', 'countLatched', 'statusLatched', 'status', 'readState', 'writeState', 'writeLatch',
  'rwMode', 'mode', 'bcd', 'gate', 'programmed', 'irqLevel',
] as const;

export const PIT_HZ = 1_193_182;
const NS_PER_S = 1e9;

const RW_LSB = 1;
const RW_MSB = 2;
const RW_WORD0 = 3;
const RW_WORD1 = 4;

/** floor(a * mul / div) for non-negative integers with div * mul < 2^53. */
function mulDiv(a: number, mul: number, div: number): number {
  const q = Math.floor(a / div);
  const r = a - q * div;
  return q * mul + Math.floor((r * mul) / div);
}

class Channel {
  count = 0x10000;
  loadTime = 0;
  latchedCount = 0;
  countLatched = 0;
  statusLatched = false;
  status = 0;
  readState = RW_LSB;
  writeState = RW_LSB;
  writeLatch = 0;
  rwMode = RW_LSB;
  mode = 0;
  bcd = 0;
  gate = false;
  /** OUT before the first programming (datasheet: undefined; QEMU: low). */
  programmed = false;
  timer: Timer | undefined;
  irqLevel = false;
}

export class Pit8254 implements PortHandler {
  private readonly ch = [new Channel(), new Channel(), new Channel()] as const;
  private speakerData = 0;
  private refreshToggle = 0;

  constructor(
    private readonly clock: VirtualClock,
    private readonly irq0: IrqLine = NO_IRQ,
  ) {
    this.ch[0].gate = true;
    this.ch[1].gate = true;
    const t = clock.createTimer(() => this.updateIrq(t.lastDeadline), 'pit0');
    this.ch[0].timer = t;
  }

  saveState(): PlainRecord {
    return {
      channels: this.ch.map((c) => takeFields(c, CHANNEL_FIELDS)),
      speakerData: this.speakerData,
      refreshToggle: this.refreshToggle,
    };
  }

  loadState(s: PlainRecord): void {
    (s.channels as PlainRecord[]).forEach((c, i) => putFields(this.ch[i]!, c, CHANNEL_FIELDS));
    this.speakerData = s.speakerData as number;
    this.refreshToggle = s.refreshToggle as number;
  }

  private ticks(c: Channel, now: number): number {
    return mulDiv(now - c.loadTime, PIT_HZ, NS_PER_S);
  }

  /** The counter value a latch would capture now. */
  private currentCount(c: Channel, now: number): number {
    const d = this.ticks(c, now);
    switch (c.mode) {
      case 0:
      case 1:
      case 4:
      case 5:
        return (((c.count - d) % 0x10000) + 0x10000) % 0x10000;
      case 3:
        return c.count - ((2 * d) % c.count);
      default:
        return c.count - (d % c.count);
    }
  }

  /** The OUT pin (datasheet figures "Mode 0" to "Mode 5"). */
  out(channel: number, now = this.clock.nowNs()): boolean {
    const c = this.ch[channel]!;
    const d = this.ticks(c, now);
    switch (c.mode) {
      case 0:
        return d >= c.count;
      case 1:
        return d < c.count;
      case 2:
        return d % c.count === 0 && d !== 0;
      case 3:
        return d % c.count < (c.count + 1) >> 1;
      case 4:
      case 5:
        return d !== c.count;
      default:
        return false;
    }
  }

  /** Time (ns) of OUT's next change after `now`, or Infinity. */
  private nextTransition(c: Channel, now: number): number {
    const d = this.ticks(c, now);
    let next: number;
    switch (c.mode) {
      case 0:
      case 1:
        if (d >= c.count) return Infinity;
        next = c.count;
        break;
      case 2: {
        // High for one tick at each multiple of count, low otherwise.
        const base = Math.floor(d / c.count) * c.count;
        next = d - base === 0 && d !== 0 ? base + 1 : base + c.count;
        break;
      }
      case 3: {
        const base = Math.floor(d / c.count) * c.count;
        const half = (c.count + 1) >> 1;
        next = d - base < half ? base + half : base + c.count;
        break;
      }
      case 4:
      case 5:
        if (d < c.count) next = c.count;
        else if (d === c.count) next = c.count + 1;
        else return Infinity;
        break;
      default:
        return Infinity;
    }
    // First ns at which `next` ticks have elapsed (always after `now`, since next > d).
    let t = c.loadTime + Math.ceil((next * NS_PER_S) / PIT_HZ);
    while (this.ticks(c, t) < next) t++;
    while (t > c.loadTime && this.ticks(c, t - 1) >= next) t--;
    return t;
  }

  /** Drive IRQ 0 from OUT as of time `at` (a timer's own deadline, so late firing loses no edge). */
  private updateIrq(at = this.clock.nowNs()): void {
    const c = this.ch[0];
    if (!c.programmed) return;
    const level = this.out(0, at);
    if (level !== c.irqLevel) {
      c.irqLevel = level;
      this.irq0(level);
    }
    const next = this.nextTransition(c, at);
    if (next === Infinity) c.timer!.cancel();
    else c.timer!.arm(next);
  }

  private loadCount(i: number, value: number): void {
    const c = this.ch[i]!;
    c.count = value === 0 ? 0x10000 : value;
    c.loadTime = this.clock.nowNs();
    c.programmed = true;
    if (i === 0) this.updateIrq();
  }

  private setGate(i: number, gate: boolean): void {
    const c = this.ch[i]!;
    if (!c.gate && gate && c.mode !== 0 && c.mode !== 4) {
      // A rising gate edge (re)starts modes 1, 2, 3 and 5 (datasheet Table 5).
      c.loadTime = this.clock.nowNs();
      if (i === 0) this.updateIrq();
    }
    c.gate = gate;
  }

  private latch(c: Channel): void {
    if (!c.countLatched) {
      c.latchedCount = this.currentCount(c, this.clock.nowNs());
      c.countLatched = c.rwMode;
    }
  }

  portIn(port: number): number {
    if (port === 0x61) {
      this.refreshToggle ^= 0x10;
      return (
        (this.ch[2].gate ? 1 : 0) | (this.speakerData << 1) | this.refreshToggle | (this.out(2) ? 0x20 : 0)
      );
    }
    const i = port & 3;
    if (i === 3) return 0xff; // the control word register cannot be read
    const c = this.ch[i]!;
    if (c.statusLatched) {
      c.statusLatched = false;
      return c.status;
    }
    if (c.countLatched) {
      switch (c.countLatched) {
        case RW_LSB:
          c.countLatched = 0;
          return c.latchedCount & 0xff;
        case RW_MSB:
          c.countLatched = 0;
          return (c.latchedCount >> 8) & 0xff;
        default:
          c.countLatched = RW_MSB;
          return c.latchedCount & 0xff;
      }
    }
    const count = this.currentCount(c, this.clock.nowNs());
    switch (c.readState) {
      case RW_LSB:
        return count & 0xff;
      case RW_MSB:
        return (count >> 8) & 0xff;
      case RW_WORD0:
        c.readState = RW_WORD1;
        return count & 0xff;
      default:
        c.readState = RW_WORD0;
        return (count >> 8) & 0xff;
    }
  }

  portOut(port: number, _size: number, value: number): void {
    value &= 0xff;
    if (port === 0x61) {
      this.setGate(2, (value & 1) !== 0);
      this.speakerData = (value >> 1) & 1;
      return;
    }
    const i = port & 3;
    if (i === 3) {
      const sel = value >> 6;
      if (sel === 3) {
        // Read-back command (datasheet "Read-Back Command"): bits 1-3 select channels.
        for (let n = 0; n < 3; n++) {
          if (!(value & (2 << n))) continue;
          const c = this.ch[n]!;
          if (!(value & 0x20)) this.latch(c);
          if (!(value & 0x10) && !c.statusLatched) {
            c.status = ((this.out(n) ? 1 : 0) << 7) | (c.rwMode << 4) | (c.mode << 1) | c.bcd;
            c.statusLatched = true;
          }
        }
        return;
      }
      const c = this.ch[sel]!;
      const access = (value >> 4) & 3;
      if (access === 0) {
        this.latch(c);
        return;
      }
      c.rwMode = access;
      c.readState = access;
      c.writeState = access;
      c.mode = (value >> 1) & 7;
      if (c.mode > 5) c.mode -= 4; // modes 6 and 7 are aliases of 2 and 3
      c.bcd = value & 1;
      return;
    }
    const c = this.ch[i]!;
    switch (c.writeState) {
      case RW_LSB:
        this.loadCount(i, value);
        break;
      case RW_MSB:
        this.loadCount(i, value << 8);
        break;
      case RW_WORD0:
        c.writeLatch = value;
        c.writeState = RW_WORD1;
        break;
      default:
        this.loadCount(i, c.writeLatch | (value << 8));
        c.writeState = RW_WORD0;
        break;
    }
  }
}
