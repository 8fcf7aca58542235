// Virtual time (DESIGN.md invariant 1): nanoseconds and the TSC are functions of the
// retired-instruction count, never of the host clock. Like QEMU's `-icount shift=N`, every
// instruction advances time by 2^N ns. Idle (HLT with nothing pending) skips straight to the
// next timer deadline; the skipped span is kept in `idleNs`, part of the saved state.
//
// Numbers are doubles holding integers: nanoseconds stay exact for 2^53 ns (104 days), the
// TSC for 2^53 ticks (34 days at 3 GHz).

export interface ClockConfig {
  /** TSC frequency in kHz (an integer, e.g. 2_000_000 for 2 GHz). */
  tscKHz: number;
  /** ns per instruction = 2^icountShift; -8 <= shift <= 10 (QEMU allows 0..10). */
  icountShift: number;
}

import type { PlainRecord } from './snapshot.ts';

export type TimerCallback = () => void;

/** One timer: armed with an absolute deadline in virtual ns; fires once per arm. */
export class Timer {
  deadline = Infinity;
  /** The deadline of the most recent firing, for periodic re-arming from the callback. */
  lastDeadline = 0;
  /** Arm order, breaks ties between equal deadlines so firing order is deterministic. */
  seq = 0;
  constructor(
    private readonly clock: VirtualClock,
    readonly callback: TimerCallback,
    readonly name: string,
  ) {}

  get armed(): boolean {
    return this.deadline !== Infinity;
  }

  /** Arm (or re-arm) for absolute virtual time `deadlineNs`. A deadline in the past fires at the next check. */
  arm(deadlineNs: number): void {
    this.clock.schedule(this, deadlineNs);
  }

  cancel(): void {
    this.clock.unschedule(this);
  }
}

function floorDiv(a: number, b: number): number {
  let q = Math.floor(a / b);
  if (q * b > a) q--;
  else if ((q + 1) * b <= a) q++;
  return q;
}

export class VirtualClock {
  readonly tscKHz: number;
  readonly icountShift: number;
  private readonly nsPerInstruction: number;
  /** Virtual ns skipped while idle. */
  idleNs = 0;
  private queue: Timer[] = [];
  private seqCounter = 0;
  /** Every timer in creation order: a machine built from the same spec creates the same list. */
  private readonly timers: Timer[] = [];

  /** `instructions` returns the retired-instruction count (summed over vCPUs by the machine). */
  constructor(
    cfg: ClockConfig,
    private instructions: () => number,
  ) {
    if (!Number.isInteger(cfg.tscKHz) || cfg.tscKHz <= 0 || cfg.tscKHz > 100_000_000) {
      throw new RangeError(`bad TSC frequency ${cfg.tscKHz} kHz`);
    }
    if (!Number.isInteger(cfg.icountShift) || cfg.icountShift < -8 || cfg.icountShift > 10) {
      throw new RangeError(`bad icount shift ${cfg.icountShift}`);
    }
    this.tscKHz = cfg.tscKHz;
    this.icountShift = cfg.icountShift;
    this.nsPerInstruction = 2 ** cfg.icountShift;
  }

  setInstructionSource(f: () => number): void {
    this.instructions = f;
  }

  /** Current virtual time in ns. */
  nowNs(): number {
    return Math.floor(this.instructions() * this.nsPerInstruction) + this.idleNs;
  }

  nsToTsc(ns: number): number {
    const ms = Math.floor(ns / 1e6);
    const rest = ns - ms * 1e6;
    return ms * this.tscKHz + floorDiv(rest * this.tscKHz, 1e6);
  }

  /** The smallest ns at which the TSC has reached `tsc`. */
  tscToNs(tsc: number): number {
    const ms = floorDiv(tsc, this.tscKHz);
    const rest = tsc - ms * this.tscKHz;
    return ms * 1e6 + Math.ceil((rest * 1e6) / this.tscKHz);
  }

  tsc(): number {
    return this.nsToTsc(this.nowNs());
  }

  /** Instructions to retire before virtual time reaches `ns` (0 if already there). */
  instructionsUntil(ns: number): number {
    const now = this.nowNs();
    if (ns <= now) return 0;
    if (ns === Infinity) return Infinity;
    return Math.ceil((ns - now) / this.nsPerInstruction);
  }

  /** Idle skip: advance virtual time to `ns` without retiring instructions. */
  skipTo(ns: number): void {
    const now = this.nowNs();
    if (ns > now && ns !== Infinity) this.idleNs += ns - now;
  }

  createTimer(callback: TimerCallback, name: string): Timer {
    const t = new Timer(this, callback, name);
    this.timers.push(t);
    return t;
  }

  /** idleNs and every timer's deadline (-1 = disarmed), arm order and last deadline. */
  saveState(): PlainRecord {
    return {
      idleNs: this.idleNs,
      seqCounter: this.seqCounter,
      timers: this.timers.map((t) => [t.name, t.deadline === Infinity ? -1 : t.deadline, t.seq, t.lastDeadline]),
    };
  }

  loadState(s: PlainRecord): void {
    const list = s.timers as [string, number, number, number][];
    if (!Array.isArray(list) || list.length !== this.timers.length) throw new Error('snapshot: timer list does not match');
    this.idleNs = s.idleNs as number;
    this.seqCounter = s.seqCounter as number;
    this.queue = [];
    list.forEach(([name, deadline, seq, last], i) => {
      const t = this.timers[i]!;
      if (t.name !== name) throw new Error(`snapshot: timer ${i} is ${t.name}, not ${name}`);
      t.deadline = deadline < 0 ? Infinity : deadline;
      t.seq = seq;
      t.lastDeadline = last;
      if (t.deadline !== Infinity) this.queue.push(t);
    });
    this.queue.sort((a, b) => a.deadline - b.deadline || a.seq - b.seq);
  }

  /** Earliest armed deadline, or Infinity. */
  nextDeadline(): number {
    return this.queue.length ? this.queue[0]!.deadline : Infinity;
  }

  /**
   * Fire every timer whose deadline has passed, earliest first (arm order on ties). Returns how
   * many fired. At most `limit` per call, so a guest programming a timer faster than time
   * advances slows itself down instead of hanging the host; the rest fire on the next call.
   */
  runDue(limit = 100_000): number {
    let fired = 0;
    const now = this.nowNs();
    while (this.queue.length && this.queue[0]!.deadline <= now && fired < limit) {
      const t = this.queue.shift()!;
      t.lastDeadline = t.deadline;
      t.deadline = Infinity;
      t.callback();
      fired++;
    }
    return fired;
  }

  /** @internal used by Timer.arm */
  schedule(t: Timer, deadline: number): void {
    if (Number.isNaN(deadline)) throw new RangeError(`timer ${t.name}: NaN deadline`);
    this.unschedule(t);
    if (deadline === Infinity) return;
    t.deadline = deadline;
    t.seq = this.seqCounter++;
    let i = this.queue.length;
    while (i > 0) {
      const o = this.queue[i - 1]!;
      if (o.deadline < deadline || (o.deadline === deadline && o.seq < t.seq)) break;
      i--;
    }
    this.queue.splice(i, 0, t);
  }

  /** @internal used by Timer.cancel */
  unschedule(t: Timer): void {
    if (t.deadline === Infinity) return;
    const i = this.queue.indexOf(t);
    if (i >= 0) this.queue.splice(i, 1);
    t.deadline = Infinity;
  }
}
