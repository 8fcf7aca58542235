// The HPET (IA-PC HPET specification 1.0a) as QEMU's pc machine has it (hw/timer/hpet.c, QEMU
// 7.2): one timer block at 0xFED00000 with 3 comparators, a 64-bit main counter at 100 MHz
// (period 10,000,000 fs), LegacyReplacementRoute, every comparator periodic- and 64-bit-capable,
// no FSB capability, and an interrupt route capability mask that the board sets (the pc machine
// advertises GSI 2 only).
//
// Registers (spec §2.3): GCAP_ID 0x00, GEN_CONF 0x10 (ENABLE_CNF, LEG_RT_CNF), GINTR_STA 0x20
// (write 1 to clear a level-triggered status bit), MAIN_CNT 0xF0, and per timer N at 0x100+0x20*N:
// Tn_CONF, Tn_COMPARATOR at +8, Tn_FSB_ROUTE at +0x10. Only aligned 32-bit accesses are valid, as
// in QEMU 7.2 (machine.ts splits 8-byte accesses into two); other reads return 0, writes are lost.
//
// Behaviour follows QEMU where the spec leaves room: the counter runs from virtual time only
// while ENABLE_CNF is set (writes to it while enabled are lost when it is next halted); periodic
// comparators advance by the period past the counter when they fire; a 32-bit one-shot timer
// also interrupts when the counter's low half wraps; disabling a timer (or the block) clears
// its status bit and lowers its line. In legacy mode timer 0 drives IRQ0 (I/O APIC pin 2) and
// timer 1 IRQ8, and the PIT's and RTC's own lines are cut off (QEMU feeds both through the HPET).
//
// 64-bit values are kept as two unsigned 32-bit halves (hi, lo) in typed arrays: exact, and no
// BigInt. Deterministic: time is the virtual clock's.
import type { MmioHandler } from './mmio.ts';
import type { Timer, VirtualClock } from './virtual_clock.ts';
import { putFields, takeFields, type PlainRecord } from './snapshot.ts';

export const HPET_BASE = 0xfed00000;
export const HPET_LEN = 0x400;
export const HPET_NUM_TIMERS = 3;
/** Main counter period in femtoseconds (GCAP_ID bits 63:32): 10 ns, a 100 MHz counter. */
export const HPET_PERIOD_FS = 10_000_000;
const NS_PER_TICK = 10;
/** GCAP_ID low half: vendor 8086h, LEG_RT_CAP (bit 15), COUNT_SIZE_CAP (bit 13), NUM_TIM_CAP, revision 1. */
export const HPET_CAP_ID = (0x8086a001 | ((HPET_NUM_TIMERS - 1) << 8)) >>> 0;
/** Tn_INT_ROUTE_CAP of QEMU's pc (i440FX) machine: GSI 2 only. */
export const HPET_PC_INTCAP = 0x4;

// GEN_CONF
export const HPET_CFG_ENABLE = 0x1;
export const HPET_CFG_LEGACY = 0x2;
const HPET_CFG_WRITE_MASK = 0x3;
// Tn_CONF (spec Table 8)
export const HPET_TN_TYPE_LEVEL = 0x002;
export const HPET_TN_ENABLE = 0x004;
export const HPET_TN_PERIODIC = 0x008;
export const HPET_TN_PERIODIC_CAP = 0x010;
export const HPET_TN_SIZE_CAP = 0x020;
export const HPET_TN_SETVAL = 0x040;
export const HPET_TN_32BIT = 0x100;
export const HPET_TN_INT_ROUTE_SHIFT = 9;
export const HPET_TN_FSB_ENABLE = 0x4000;
/** The Tn_CONF bits software may write (QEMU's HPET_TN_CFG_WRITE_MASK). */
const HPET_TN_CFG_WRITE_MASK = 0x7f4e;

const RTC_ISA_IRQ = 8;
const TWO32 = 0x1_0000_0000;
/** Differences up to this many ticks are exact in a double. */
const EXACT = Number.MAX_SAFE_INTEGER;

export interface HpetWiring {
  /** Drive GSI `gsi` (0..23; ISA numbering below 16, IRQ0 reaching I/O APIC pin 2). */
  setIrq(gsi: number, level: boolean): void;
  /** A 32-bit FSB (MSI) write of `data` to `addr`, for timers with Tn_FSB_EN_CNF. */
  fsbWrite(addr: number, data: number): void;
}

const FIELDS = [
  'config', 'isr', 'counterHi', 'counterLo', 'baseHi', 'baseLo', 'enableNs', 'pitLevel', 'rtcLevel',
  'tConfig', 'cmpHi', 'cmpLo', 'periodHi', 'periodLo', 'fsbHi', 'fsbLo', 'wrap',
] as const;

export class Hpet implements MmioHandler {
  /** GEN_CONF low bits (ENABLE_CNF, LEG_RT_CNF). */
  config = 0;
  /** GINTR_STA: level-triggered timers whose interrupt is active. */
  isr = 0;
  /** MAIN_CNT while halted; the value it resumes from when enabled. */
  counterHi = 0;
  counterLo = 0;
  /** MAIN_CNT when ENABLE_CNF was last set, and the virtual ns at that moment. */
  baseHi = 0;
  baseLo = 0;
  enableNs = 0;
  /** The PIT's and RTC's own output lines, which reach IRQ0/IRQ8 only outside legacy mode. */
  pitLevel = false;
  rtcLevel = false;
  readonly tConfig = new Uint32Array(HPET_NUM_TIMERS);
  readonly cmpHi = new Uint32Array(HPET_NUM_TIMERS);
  readonly cmpLo = new Uint32Array(HPET_NUM_TIMERS);
  readonly periodHi = new Uint32Array(HPET_NUM_TIMERS);
  readonly periodLo = new Uint32Array(HPET_NUM_TIMERS);
  readonly fsbHi = new Uint32Array(HPET_NUM_TIMERS);
  readonly fsbLo = new Uint32Array(HPET_NUM_TIMERS);
  /** 32-bit one-shot: the armed deadline is the counter's wrap, not the comparator. */
  readonly wrap = new Uint8Array(HPET_NUM_TIMERS);
  private readonly timers: Timer[] = [];
  // Results of the 64-bit helpers (no allocation).
  private rHi = 0;
  private rLo = 0;

  constructor(
    private readonly clock: VirtualClock,
    private readonly wiring: HpetWiring,
    private readonly intcap = HPET_PC_INTCAP,
  ) {
    for (let n = 0; n < HPET_NUM_TIMERS; n++) {
      const t = clock.createTimer(() => this.fire(n, t.lastDeadline), `hpet${n}`);
      this.timers.push(t);
    }
    this.reset();
  }

  /** Power-on state (QEMU's hpet_reset). */
  reset(): void {
    for (let n = 0; n < HPET_NUM_TIMERS; n++) {
      this.timers[n]!.cancel();
      this.tConfig[n] = HPET_TN_PERIODIC_CAP | HPET_TN_SIZE_CAP;
      this.cmpHi[n] = 0xffffffff;
      this.cmpLo[n] = 0xffffffff;
      this.periodHi[n] = 0;
      this.periodLo[n] = 0;
      this.fsbHi[n] = 0;
      this.fsbLo[n] = 0;
      this.wrap[n] = 0;
    }
    this.counterHi = 0;
    this.counterLo = 0;
    this.config = 0;
    this.isr = 0;
    this.rtcLevel = false;
  }

  saveState(): PlainRecord {
    return takeFields(this, FIELDS);
  }

  loadState(s: PlainRecord): void {
    putFields(this, s, FIELDS);
  }

  get enabled(): boolean {
    return (this.config & HPET_CFG_ENABLE) !== 0;
  }

  get legacy(): boolean {
    return (this.config & HPET_CFG_LEGACY) !== 0;
  }

  // ------------------------------------------------------------------ legacy inputs

  /** The PIT's channel 0 OUT; reaches IRQ0 unless legacy replacement has taken it over. */
  pitIrq(level: boolean): void {
    this.pitLevel = level;
    if (!this.legacy) this.wiring.setIrq(0, level);
  }

  /** The RTC's IRQ output; reaches IRQ8 unless legacy replacement has taken it over. */
  rtcIrq(level: boolean): void {
    this.rtcLevel = level;
    if (!this.legacy) this.wiring.setIrq(RTC_ISA_IRQ, level);
  }

  // ------------------------------------------------------------------ counter

  /** MAIN_CNT at virtual time `ns`, into (rHi, rLo). */
  private ticksAt(ns: number): void {
    if (!this.enabled) {
      this.rHi = this.counterHi;
      this.rLo = this.counterLo;
      return;
    }
    const e = Math.floor((ns - this.enableNs) / NS_PER_TICK);
    const eHi = Math.floor(e / TWO32);
    const lo = this.baseLo + (e - eHi * TWO32);
    const carry = lo >= TWO32 ? 1 : 0;
    this.rLo = (lo - carry * TWO32) >>> 0;
    this.rHi = (this.baseHi + eHi + carry) >>> 0;
  }

  /** MAIN_CNT now, as a [hi, lo] pair (for tests and the debugger). */
  counter(): [number, number] {
    this.ticksAt(this.clock.nowNs());
    return [this.rHi, this.rLo];
  }

  // ------------------------------------------------------------------ timers

  private is32(n: number): boolean {
    return (this.tConfig[n]! & HPET_TN_32BIT) !== 0;
  }

  private isPeriodic(n: number): boolean {
    return (this.tConfig[n]! & HPET_TN_PERIODIC) !== 0;
  }

  /** Ticks from counter (cHi, cLo) to timer n's comparator; at least 1 when it is not ahead (QEMU's hpet_calculate_diff). */
  private diff(n: number, cHi: number, cLo: number): number {
    if (this.is32(n)) {
      const d = (this.cmpLo[n]! - cLo) | 0;
      return d > 0 ? d : 1;
    }
    const borrow = this.cmpLo[n]! < cLo ? 1 : 0;
    const dLo = (this.cmpLo[n]! - cLo) >>> 0;
    const dHi = (this.cmpHi[n]! - cHi - borrow) >>> 0;
    if (dHi & 0x80000000 || (dHi === 0 && dLo === 0)) return 1;
    return dHi * TWO32 + dLo;
  }

  /** Arm timer n for its next event as seen at virtual time `ns` (QEMU's hpet_set_timer). */
  private setTimer(n: number, ns: number): void {
    this.ticksAt(ns);
    const cHi = this.rHi;
    const cLo = this.rLo;
    this.wrap[n] = 0;
    let d = this.diff(n, cHi, cLo);
    // Spec §2.3.9.2.4: a 32-bit one-shot timer also interrupts when the counter wraps.
    if (this.is32(n) && !this.isPeriodic(n)) {
      const wrapDiff = (0xffffffff - cLo) >>> 0;
      if (wrapDiff < d) {
        d = wrapDiff;
        this.wrap[n] = 1;
      }
    }
    this.timers[n]!.arm(ns + d * NS_PER_TICK);
  }

  /** Stop timer n and drop its interrupt (QEMU 7.2's hpet_del_timer). */
  private delTimer(n: number): void {
    this.timers[n]!.cancel();
    this.updateIrq(n, false);
  }

  /** Timer n's deadline has passed; `ns` is the deadline itself, so periods do not drift. */
  private fire(n: number, ns: number): void {
    this.ticksAt(ns);
    const cHi = this.rHi;
    const cLo = this.rLo;
    const periodic = this.isPeriodic(n);
    if (periodic && (this.periodHi[n]! | this.periodLo[n]!) !== 0) {
      this.advancePastCounter(n, cHi, cLo);
      this.timers[n]!.arm(ns + this.diff(n, cHi, cLo) * NS_PER_TICK);
    } else if (this.is32(n) && !periodic && this.wrap[n]) {
      this.timers[n]!.arm(ns + this.diff(n, cHi, cLo) * NS_PER_TICK);
      this.wrap[n] = 0;
    }
    this.updateIrq(n, true);
  }

  /**
   * Periodic mode: move the comparator past the counter by whole periods. The spec adds the
   * period on the match itself (counter == comparator); QEMU 7.2 tests "counter after
   * comparator", which with its host-late timers amounts to the same, but on a clock that fires
   * exactly on time would interrupt twice per period.
   */
  private advancePastCounter(n: number, cHi: number, cLo: number): void {
    if (this.is32(n)) {
      const behind = (cLo - this.cmpLo[n]!) | 0; // >= 0 once the counter has reached the comparator
      const p = this.periodLo[n]!;
      if (behind >= 0 && p !== 0) {
        const k = Math.floor(behind / p) + 1;
        this.cmpLo[n] = (this.cmpLo[n]! + ((k * p) % TWO32)) >>> 0;
      }
      return;
    }
    const borrow = cLo < this.cmpLo[n]! ? 1 : 0;
    const bLo = (cLo - this.cmpLo[n]!) >>> 0;
    const bHi = (cHi - this.cmpHi[n]! - borrow) >>> 0;
    if (bHi & 0x80000000) return; // comparator still ahead
    const pHi = this.periodHi[n]!;
    const pLo = this.periodLo[n]!;
    const behind = bHi * TWO32 + bLo;
    if (pHi > bHi || (pHi === bHi && pLo > bLo)) {
      this.add64(this.cmpHi[n]!, this.cmpLo[n]!, pHi, pLo); // one period is enough
    } else if (behind <= EXACT) {
      const r = pHi * TWO32 + pLo - (behind % (pHi * TWO32 + pLo));
      this.add64(cHi, cLo, Math.floor(r / TWO32), r % TWO32);
    } else {
      // More than 2^53 ticks (2.8 years) behind: realign on the counter plus one tick.
      this.add64(cHi, cLo, 0, 1);
    }
    this.cmpHi[n] = this.rHi;
    this.cmpLo[n] = this.rLo;
  }

  private add64(aHi: number, aLo: number, bHi: number, bLo: number): void {
    const lo = aLo + bLo;
    const carry = lo >= TWO32 ? 1 : 0;
    this.rLo = (lo - carry * TWO32) >>> 0;
    this.rHi = (aHi + bHi + carry) >>> 0;
  }

  /** Drive timer n's interrupt (QEMU's update_irq). */
  private updateIrq(n: number, set: boolean): void {
    const cfg = this.tConfig[n]!;
    const route = n <= 1 && this.legacy ? (n === 0 ? 0 : RTC_ISA_IRQ) : (cfg >>> HPET_TN_INT_ROUTE_SHIFT) & 0x1f;
    const mask = 1 << n;
    const fsb = (cfg & HPET_TN_FSB_ENABLE) !== 0;
    if (!set || !(cfg & HPET_TN_ENABLE) || !this.enabled) {
      this.isr &= ~mask;
      if (!fsb) this.drive(route, false);
    } else if (fsb) {
      this.wiring.fsbWrite(this.fsbHi[n]!, this.fsbLo[n]!);
    } else if (cfg & HPET_TN_TYPE_LEVEL) {
      this.isr |= mask;
      this.drive(route, true);
    } else {
      this.isr &= ~mask;
      this.drive(route, true);
      this.drive(route, false);
    }
  }

  /** QEMU wires HPET output n to GSI n for n < 24; routes 24..31 go nowhere. */
  private drive(gsi: number, level: boolean): void {
    if (gsi < 24) this.wiring.setIrq(gsi, level);
  }

  // ------------------------------------------------------------------ registers

  private readReg(offset: number): number {
    if (offset >= 0x100) {
      const n = (offset - 0x100) >> 5;
      if (n >= HPET_NUM_TIMERS) return 0;
      switch (offset & 0x1f) {
        case 0x00: return this.tConfig[n]!;
        case 0x04: return this.intcap >>> 0; // Tn_INT_ROUTE_CAP
        case 0x08: return this.cmpLo[n]!;
        case 0x0c: return this.cmpHi[n]!;
        case 0x10: return this.fsbLo[n]!;
        case 0x14: return this.fsbHi[n]!;
        default: return 0;
      }
    }
    switch (offset) {
      case 0x00: return HPET_CAP_ID;
      case 0x04: return HPET_PERIOD_FS;
      case 0x10: return this.config;
      case 0x20: return this.isr;
      case 0xf0:
        this.ticksAt(this.clock.nowNs());
        return this.rLo;
      case 0xf4:
        this.ticksAt(this.clock.nowNs());
        return this.rHi;
      default: return 0;
    }
  }

  private writeTimer(n: number, reg: number, v: number): void {
    const now = this.clock.nowNs();
    const old = this.tConfig[n]!;
    switch (reg) {
      case 0x00: {
        if (~old & v & HPET_TN_FSB_ENABLE) this.updateIrq(n, false);
        this.tConfig[n] = ((old & ~HPET_TN_CFG_WRITE_MASK) | (v & HPET_TN_CFG_WRITE_MASK)) >>> 0;
        if (v & HPET_TN_32BIT) {
          this.cmpHi[n] = 0;
          this.periodHi[n] = 0;
        }
        if (~old & v & HPET_TN_ENABLE) {
          if (this.enabled) this.setTimer(n, now);
        } else if (old & ~v & HPET_TN_ENABLE) {
          this.delTimer(n);
        }
        return;
      }
      case 0x08:
      case 0x0c: {
        // Tn_COMPARATOR. In periodic mode a write sets the period, and also the comparator
        // (the next match) when Tn_VAL_SET_CNF was set just before (spec §2.3.9.2.2).
        const high = reg === 0x0c;
        const periodic = this.isPeriodic(n);
        const setval = (old & HPET_TN_SETVAL) !== 0;
        if (!high) {
          if (!periodic || setval) this.cmpLo[n] = v;
          if (periodic) this.periodLo[n] = this.is32(n) ? v & 0x7fffffff : v;
        } else if (!periodic || setval) {
          this.cmpHi[n] = v;
        } else {
          this.periodHi[n] = this.is32(n) ? v & 0x7fffffff : v;
        }
        this.tConfig[n] = this.tConfig[n]! & ~HPET_TN_SETVAL;
        if (this.enabled) this.setTimer(n, now);
        return;
      }
      case 0x10:
        this.fsbLo[n] = v;
        return;
      case 0x14:
        this.fsbHi[n] = v;
        return;
      default:
    }
  }

  private writeGeneral(offset: number, v: number): void {
    const now = this.clock.nowNs();
    switch (offset) {
      case 0x10: {
        const old = this.config;
        if (old & ~v & HPET_CFG_ENABLE) {
          // Halt: MAIN_CNT keeps the value it had (read while still enabled).
          this.ticksAt(now);
          this.counterHi = this.rHi;
          this.counterLo = this.rLo;
        }
        this.config = (old & ~HPET_CFG_WRITE_MASK) | (v & HPET_CFG_WRITE_MASK);
        if (~old & v & HPET_CFG_ENABLE) {
          // The counter resumes from MAIN_CNT; armed comparators start counting down.
          this.enableNs = now;
          this.baseHi = this.counterHi;
          this.baseLo = this.counterLo;
          for (let n = 0; n < HPET_NUM_TIMERS; n++) {
            if (this.cmpHi[n] !== 0xffffffff || this.cmpLo[n] !== 0xffffffff) this.setTimer(n, now);
          }
        } else if (old & ~v & HPET_CFG_ENABLE) {
          for (let n = 0; n < HPET_NUM_TIMERS; n++) this.delTimer(n);
        }
        if (~old & v & HPET_CFG_LEGACY) {
          this.wiring.setIrq(0, false);
          this.wiring.setIrq(RTC_ISA_IRQ, false);
        } else if (old & ~v & HPET_CFG_LEGACY) {
          this.wiring.setIrq(0, this.pitLevel);
          this.wiring.setIrq(RTC_ISA_IRQ, this.rtcLevel);
        }
        return;
      }
      case 0x20: {
        // GINTR_STA: writing 1 acknowledges a level-triggered interrupt.
        const ack = v & this.isr;
        for (let n = 0; n < HPET_NUM_TIMERS; n++) if (ack & (1 << n)) this.updateIrq(n, false);
        return;
      }
      case 0xf0:
        this.counterLo = v;
        return;
      case 0xf4:
        this.counterHi = v;
        return;
      default:
    }
  }

  mmioRead(offset: number, size: 1 | 2 | 4): number {
    if (size !== 4 || offset & 3 || offset >= HPET_LEN) return 0;
    return this.readReg(offset) >>> 0;
  }

  mmioWrite(offset: number, size: 1 | 2 | 4, value: number): void {
    if (size !== 4 || offset & 3 || offset >= HPET_LEN) return;
    const v = value >>> 0;
    if (offset >= 0x100) {
      const n = (offset - 0x100) >> 5;
      if (n < HPET_NUM_TIMERS) this.writeTimer(n, offset & 0x1f, v);
    } else {
      this.writeGeneral(offset, v);
    }
  }
}
