// The MC146818 real-time clock and CMOS RAM (Motorola MC146818A datasheet; PC usage and
// QEMU's hw/rtc/mc146818rtc.c): index port 0x70 (bit 7 = NMI mask), data port 0x71, IRQ 8.
// The date comes from the machine config (seconds since the Unix epoch at virtual time 0) and
// advances with virtual time, never the host clock. BCD or binary (REG_B.DM), 12 or 24 hour
// (REG_B.24/12), the update-in-progress bit for the last 244 us of each second, and the
// periodic, alarm and update-ended interrupts with their REG_C flags.
import type { PortHandler } from './io_bus.ts';
import { NO_IRQ, type IrqLine } from './irq.ts';
import type { Timer, VirtualClock } from './virtual_clock.ts';
import { putFields, takeFields, type PlainRecord } from './snapshot.ts';

const RTC_FIELDS = ['cmos', 'index', 'baseSeconds', 'phaseNs', 'checkedNs', 'irqLevel'] as const;

export const RTC_SECONDS = 0x00;
export const RTC_SECONDS_ALARM = 0x01;
export const RTC_MINUTES = 0x02;
export const RTC_MINUTES_ALARM = 0x03;
export const RTC_HOURS = 0x04;
export const RTC_HOURS_ALARM = 0x05;
export const RTC_DAY_OF_WEEK = 0x06;
export const RTC_DAY_OF_MONTH = 0x07;
export const RTC_MONTH = 0x08;
export const RTC_YEAR = 0x09;
export const RTC_REG_A = 0x0a;
export const RTC_REG_B = 0x0b;
export const RTC_REG_C = 0x0c;
export const RTC_REG_D = 0x0d;
/** IBM PS/2 century byte (where QEMU and SeaBIOS keep it; the FADT CENTURY field points here). */
export const RTC_CENTURY = 0x32;

const REG_A_UIP = 0x80;
const REG_B_SET = 0x80;
const REG_B_PIE = 0x40;
const REG_B_AIE = 0x20;
const REG_B_UIE = 0x10;
const REG_B_DM = 0x04;
const REG_B_24H = 0x02;
const REG_C_IRQF = 0x80;
const REG_C_PF = 0x40;
const REG_C_AF = 0x20;
const REG_C_UF = 0x10;
const REG_D_VRT = 0x80;

const NS_PER_S = 1e9;
/** Update cycle: UIP is high for 244 us before the seconds register changes (datasheet Fig. 13). */
const UIP_NS = 244_000;

/** Days since 1970-01-01 for a proleptic Gregorian date (integer arithmetic only). */
export function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export function civilFromDays(z: number): { y: number; m: number; d: number } {
  z += 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return { y: yoe + era * 400 + (m <= 2 ? 1 : 0), m, d };
}

export interface RtcConfig {
  /** Seconds since the Unix epoch (UTC) at virtual time 0. */
  baseEpochSeconds: number;
}

export class RtcCmos implements PortHandler {
  /** 128 bytes of CMOS: clock registers 0x00-0x0D and battery-backed RAM 0x0E-0x7F. */
  readonly cmos = new Uint8Array(128);
  private index = 0;
  /** Epoch seconds shown at virtual time 0; guest writes to the clock move it. */
  private baseSeconds: number;
  /** Virtual ns at which the current "second" began (the divider chain phase). */
  private phaseNs = 0;
  /** Virtual time up to which events were folded into REG_C. */
  private checkedNs = 0;
  private irqLevel = false;
  private readonly timer: Timer;

  constructor(
    private readonly clock: VirtualClock,
    cfg: RtcConfig,
    private readonly irq: IrqLine = NO_IRQ,
  ) {
    this.baseSeconds = Math.floor(cfg.baseEpochSeconds);
    this.cmos[RTC_REG_A] = 0x26; // 32.768 kHz time base, 1024 Hz periodic rate
    this.cmos[RTC_REG_B] = REG_B_24H; // BCD, 24 hour
    this.cmos[RTC_REG_D] = REG_D_VRT;
    this.timer = clock.createTimer(() => this.onTimer(), 'rtc');
  }

  saveState(): PlainRecord {
    return takeFields(this, RTC_FIELDS);
  }

  loadState(s: PlainRecord): void {
    putFields(this, s, RTC_FIELDS);
  }

  /** Whole seconds since the epoch now, and ns into the current second. */
  private nowSeconds(now: number): { sec: number; frac: number } {
    const t = now - this.phaseNs;
    const s = Math.floor(t / NS_PER_S);
    return { sec: this.baseSeconds + s, frac: t - s * NS_PER_S };
  }

  private running(): boolean {
    return (this.cmos[RTC_REG_B]! & REG_B_SET) === 0 && (this.cmos[RTC_REG_A]! & 0x70) === 0x20;
  }

  private toReg(v: number): number {
    return this.cmos[RTC_REG_B]! & REG_B_DM ? v : ((v / 10) | 0) * 16 + (v % 10);
  }

  private fromReg(v: number): number {
    return this.cmos[RTC_REG_B]! & REG_B_DM ? v : (v >> 4) * 10 + (v & 0xf);
  }

  private hourToReg(h: number): number {
    if (this.cmos[RTC_REG_B]! & REG_B_24H) return this.toReg(h);
    const pm = h >= 12;
    const h12 = h % 12 === 0 ? 12 : h % 12;
    return this.toReg(h12) | (pm ? 0x80 : 0);
  }

  private hourFromReg(v: number): number {
    if (this.cmos[RTC_REG_B]! & REG_B_24H) return this.fromReg(v);
    const h = this.fromReg(v & 0x7f) % 12;
    return v & 0x80 ? h + 12 : h;
  }

  /** Write the clock registers for epoch second `sec`. */
  private storeTime(sec: number): void {
    const days = Math.floor(sec / 86400);
    let rem = sec - days * 86400;
    const { y, m, d } = civilFromDays(days);
    const hour = Math.floor(rem / 3600);
    rem -= hour * 3600;
    const c = this.cmos;
    c[RTC_SECONDS] = this.toReg(rem % 60);
    c[RTC_MINUTES] = this.toReg(Math.floor(rem / 60));
    c[RTC_HOURS] = this.hourToReg(hour);
    c[RTC_DAY_OF_WEEK] = this.toReg((((days + 4) % 7) + 7) % 7 + 1); // 1970-01-01 was a Thursday; Sunday = 1
    c[RTC_DAY_OF_MONTH] = this.toReg(d);
    c[RTC_MONTH] = this.toReg(m);
    c[RTC_YEAR] = this.toReg(y % 100);
    c[RTC_CENTURY] = this.toReg(Math.floor(y / 100));
  }

  /** Epoch seconds described by the clock registers (after a guest set the time). */
  private loadTime(): number {
    const c = this.cmos;
    const y = this.fromReg(c[RTC_CENTURY]!) * 100 + this.fromReg(c[RTC_YEAR]!);
    const days = daysFromCivil(y, this.fromReg(c[RTC_MONTH]!), this.fromReg(c[RTC_DAY_OF_MONTH]!));
    return days * 86400 + this.hourFromReg(c[RTC_HOURS]!) * 3600 + this.fromReg(c[RTC_MINUTES]!) * 60 + this.fromReg(c[RTC_SECONDS]!);
  }

  /** Periodic interrupt period in ns (0 = off), from REG_A rate select (datasheet Table 5). */
  private periodNs(): number {
    let rate = this.cmos[RTC_REG_A]! & 0x0f;
    if (rate === 0) return 0;
    if (rate <= 2) rate += 7;
    return ((1 << (rate - 1)) * NS_PER_S) / 32768;
  }

  private alarmMatches(sec: number): boolean {
    const c = this.cmos;
    const days = Math.floor(sec / 86400);
    let rem = sec - days * 86400;
    const h = Math.floor(rem / 3600);
    rem -= h * 3600;
    const m = Math.floor(rem / 60);
    const s = rem % 60;
    const dc = (v: number): boolean => (v & 0xc0) === 0xc0; // "don't care" codes
    const sa = c[RTC_SECONDS_ALARM]!;
    const ma = c[RTC_MINUTES_ALARM]!;
    const ha = c[RTC_HOURS_ALARM]!;
    return (
      (dc(sa) || this.fromReg(sa) === s) &&
      (dc(ma) || this.fromReg(ma) === m) &&
      (dc(ha) || this.hourFromReg(ha) === h)
    );
  }

  /** Fold periodic, update and alarm events that happened in (checkedNs, now] into REG_C. */
  private collect(now: number): void {
    if (now <= this.checkedNs) return;
    const from = this.checkedNs;
    this.checkedNs = now;
    if (!this.running()) return;
    let flags = 0;
    const period = this.periodNs();
    if (period > 0 && Math.floor((now - this.phaseNs) / period) > Math.floor((from - this.phaseNs) / period)) flags |= REG_C_PF;
    const s0 = Math.floor((from - this.phaseNs) / NS_PER_S);
    const s1 = Math.floor((now - this.phaseNs) / NS_PER_S);
    if (s1 > s0) {
      flags |= REG_C_UF;
      // The alarm is compared at each update; look at most one day back.
      for (let s = Math.max(s0 + 1, s1 - 86400); s <= s1; s++) {
        if (this.alarmMatches(this.baseSeconds + s)) {
          flags |= REG_C_AF;
          break;
        }
      }
    }
    if (flags) {
      const c = this.cmos[RTC_REG_C]! | flags;
      const enabled = this.cmos[RTC_REG_B]! & (REG_B_PIE | REG_B_AIE | REG_B_UIE);
      this.cmos[RTC_REG_C] = c & enabled & 0x70 ? c | REG_C_IRQF : c;
    }
    this.updateIrq();
  }

  private updateIrq(): void {
    const level = (this.cmos[RTC_REG_C]! & REG_C_IRQF) !== 0;
    if (level !== this.irqLevel) {
      this.irqLevel = level;
      this.irq(level);
    }
  }

  /** Arm the timer for the next enabled event. */
  private rearm(): void {
    const b = this.cmos[RTC_REG_B]!;
    if (!this.running() || !(b & (REG_B_PIE | REG_B_AIE | REG_B_UIE))) {
      this.timer.cancel();
      return;
    }
    const now = this.clock.nowNs();
    let next = Infinity;
    const period = this.periodNs();
    if (b & REG_B_PIE && period > 0) {
      next = this.phaseNs + Math.ceil((Math.floor((now - this.phaseNs) / period) + 1) * period);
    }
    if (b & (REG_B_AIE | REG_B_UIE)) {
      next = Math.min(next, this.phaseNs + (Math.floor((now - this.phaseNs) / NS_PER_S) + 1) * NS_PER_S);
    }
    if (next <= now) next = now + 1;
    this.timer.arm(next);
  }

  private onTimer(): void {
    this.collect(this.clock.nowNs());
    this.rearm();
  }

  portIn(port: number): number {
    if ((port & 1) === 0) return 0xff; // the index register is write-only
    const i = this.index;
    const now = this.clock.nowNs();
    if (i <= RTC_YEAR || i === RTC_CENTURY) {
      if (this.running()) this.storeTime(this.nowSeconds(now).sec);
      return this.cmos[i]!;
    }
    switch (i) {
      case RTC_REG_A: {
        const uip = this.running() && this.nowSeconds(now).frac >= NS_PER_S - UIP_NS ? REG_A_UIP : 0;
        return (this.cmos[RTC_REG_A]! & 0x7f) | uip;
      }
      case RTC_REG_C: {
        this.collect(now);
        const v = this.cmos[RTC_REG_C]!;
        this.cmos[RTC_REG_C] = 0; // reading REG_C clears all flags and the interrupt
        this.updateIrq();
        this.rearm();
        return v;
      }
      default:
        return this.cmos[i]!;
    }
  }

  portOut(port: number, _size: number, value: number): void {
    value &= 0xff;
    if ((port & 1) === 0) {
      this.index = value & 0x7f;
      return;
    }
    const i = this.index;
    const now = this.clock.nowNs();
    if (i <= RTC_YEAR || i === RTC_CENTURY) {
      const isTime = i !== RTC_SECONDS_ALARM && i !== RTC_MINUTES_ALARM && i !== RTC_HOURS_ALARM;
      if (isTime && this.running()) this.storeTime(this.nowSeconds(now).sec);
      this.cmos[i] = value;
      if (isTime && this.running()) this.setFromRegisters(now);
      this.collect(now);
      this.rearm();
      return;
    }
    switch (i) {
      case RTC_REG_A: {
        this.collect(now);
        const wasRunning = this.running();
        this.cmos[RTC_REG_A] = value & 0x7f;
        if (!wasRunning && this.running()) this.phaseNs = now; // divider reset: the first update comes a second later
        this.rearm();
        return;
      }
      case RTC_REG_B: {
        this.collect(now);
        const b = this.cmos[RTC_REG_B]!;
        if (!(b & REG_B_SET) && value & REG_B_SET) {
          this.storeTime(this.nowSeconds(now).sec); // freeze the registers for the guest to edit
          value &= ~REG_B_UIE; // setting SET clears UIE (datasheet)
        }
        const leavingSet = b & REG_B_SET && !(value & REG_B_SET);
        this.cmos[RTC_REG_B] = value;
        if (leavingSet) this.setFromRegisters(now);
        this.rearm();
        return;
      }
      case RTC_REG_C:
      case RTC_REG_D:
        return; // read-only
      default:
        this.cmos[i] = value;
    }
  }

  private setFromRegisters(now: number): void {
    const t = now - this.phaseNs;
    this.baseSeconds = this.loadTime() - Math.floor(t / NS_PER_S);
  }
}
