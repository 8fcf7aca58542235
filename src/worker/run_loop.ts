// Runs the machine in slices so the worker stays responsive without SharedArrayBuffer: execute N
// instructions, yield to the event loop (where control calls and input are served), repeat. N
// adapts so a slice takes about SLICE_TARGET_MS of wall time. When every vCPU halts, the loop
// either paces virtual time to wall time (interactive: `-icount sleep=on`, the default) or jumps
// to the next timer deadline (`sleep=off`), and waits for that deadline or for input. Each
// paced skip is reported so one that input or a pause cut short can be recorded for replay; while a
// recording is replayed (replay.ts), idle periods follow the recording instead of the wall clock.
import type { StopReason } from '../machine/machine.ts';

/** What the loop drives (the assembled machine, or a fake clockwork in tests). */
export interface Runnable {
  /** `exact`: exactly `budget` (a user's step); otherwise the runnable may round it (slice_grid.ts). */
  run(budget: number, idle: 'skip' | 'return', exact?: boolean): StopReason;
  instructions(): number;
  nowNs(): number;
  /** Next timer deadline in virtual ns, Infinity when none is armed. */
  nextDeadlineNs(): number;
  skipIdleTo(ns: number): void;
}

/** The host's clock and event loop (worker: performance.now, MessageChannel, setTimeout). */
export interface Scheduler {
  /** Milliseconds, monotonic. */
  now(): number;
  /** Run `fn` on a later turn of the event loop, as soon as possible. */
  soon(fn: () => void): void;
  /** Run `fn` after `ms`; returns a cancel function. */
  after(ms: number, fn: () => void): () => void;
}

export type LoopState = 'paused' | 'running' | 'halted' | 'stopped';

export interface RunLoopHooks {
  /** Before each slice (and each step): deliver queued input. */
  beforeSlice(): void;
  /** After each slice: flush output. `busyMs` is the wall time the slice took. */
  afterSlice(reason: StopReason, instructions: number, busyMs: number): void;
  /** The guest stopped the machine (exit, reset, exception): the loop is now 'stopped'. */
  stopped(reason: StopReason): void;
  /**
   * A halted period ended: virtual time was advanced to `toNs` at instruction count `icount`;
   * `toDeadline` when it reached the timer deadline (what `sleep=off` would have done, so a
   * replay can redo it without a record), false when input or a pause cut it short.
   */
  idleSkipped(icount: number, toNs: number, toDeadline: boolean): void;
  /**
   * Replaying a recorded run: the guest idles, and the recording says what happened next —
   * skip virtual time to this ns (then run), 'run' at once, or null: not replaying, pace live.
   */
  replayIdle?(): number | 'run' | null;
  /** The loop state changed. */
  stateChanged(state: LoopState): void;
  /** Input is waiting that the guest can take now: do not go idle. */
  inputReady(): boolean;
  /**
   * Host work the next slice must wait for (a PV disk's I/O: blkback.ts), or null. Its results
   * reach the guest at the instruction count where this slice ended, however long it takes.
   */
  settle(): Promise<void> | null;
}

export const SLICE_TARGET_MS = 10;
export const SLICE_MIN = 10_000;
export const SLICE_MAX = 50_000_000;
/** Never sleep longer than this while halted: the loop re-checks (and the page sees progress). */
export const IDLE_MAX_WAIT_MS = 1000;

/** Chooses the next slice's instruction budget from the measured speed. */
export class SliceSizer {
  private budget: number;
  /** Instructions per ms, smoothed; 0 until measured. */
  private rate = 0;

  constructor(
    private readonly targetMs = SLICE_TARGET_MS,
    initial = 100_000,
  ) {
    this.budget = initial;
  }

  next(): number {
    return this.budget;
  }

  /** A slice ran `instructions` in `ms`; `full` when it used its whole budget. */
  record(instructions: number, ms: number, full: boolean): void {
    if (ms >= 1 && instructions > 0) {
      const r = instructions / ms;
      this.rate = this.rate === 0 ? r : this.rate * 0.7 + r * 0.3;
      this.budget = Math.round(this.rate * this.targetMs);
    } else if (full) {
      this.budget *= 2; // too fast to measure: grow until a slice takes a millisecond
    }
    this.budget = Math.min(SLICE_MAX, Math.max(SLICE_MIN, this.budget));
  }
}

export class RunLoop {
  state: LoopState = 'paused';
  readonly sizer = new SliceSizer();
  private scheduled = false;
  private cancelIdle: (() => void) | null = null;
  private idleStartMs = 0;
  private idleStartNs = 0;
  private idleDeadlineNs = Infinity;

  constructor(
    private readonly target: Runnable,
    private readonly sched: Scheduler,
    private readonly hooks: RunLoopHooks,
    /** 'wall': halted time passes at wall speed; 'skip': it jumps to the next deadline. */
    private readonly pacing: 'wall' | 'skip',
  ) {}

  start(): void {
    if (this.state !== 'paused') return;
    this.setState('running');
    this.schedule();
  }

  pause(): void {
    if (this.state === 'halted') this.endIdle(false);
    if (this.state === 'running' || this.state === 'halted') this.setState('paused');
  }

  /** Input arrived (or anything else that may wake a halted guest). */
  wake(): void {
    if (this.state === 'halted') this.endIdle(true);
  }

  /** Execute up to `n` instructions while paused. */
  step(n: number): StopReason | null {
    if (this.state !== 'paused') return null;
    this.hooks.beforeSlice();
    const before = this.target.instructions();
    const t0 = this.sched.now();
    const r = this.target.run(n, 'return', true);
    this.hooks.afterSlice(r, this.target.instructions() - before, this.sched.now() - t0);
    if (r === 'exit' || r === 'reset' || r === 'poweroff' || r === 'exception') this.stop(r);
    return r;
  }

  /** Stop for good (the machine is being replaced). */
  dispose(): void {
    if (this.state === 'halted') this.endIdle(false);
    this.state = 'stopped';
  }

  private setState(s: LoopState): void {
    if (this.state === s) return;
    this.state = s;
    this.hooks.stateChanged(s);
  }

  private stop(reason: StopReason): void {
    this.setState('stopped');
    this.hooks.stopped(reason);
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.sched.soon(() => {
      this.scheduled = false;
      this.tick();
    });
  }

  private tick(): void {
    if (this.state !== 'running') return;
    this.hooks.beforeSlice();
    const budget = this.sizer.next();
    const before = this.target.instructions();
    const t0 = this.sched.now();
    const r = this.target.run(budget, this.pacing === 'wall' ? 'return' : 'skip');
    const ms = this.sched.now() - t0;
    const done = this.target.instructions() - before;
    this.sizer.record(done, ms, r === 'budget');
    this.hooks.afterSlice(r, done, ms);
    const wait = this.hooks.settle();
    if (wait === null) this.afterSlice(r);
    else wait.then(() => this.afterSlice(r));
  }

  private afterSlice(r: StopReason): void {
    if (this.state === 'stopped') return;
    switch (r) {
      case 'budget':
      case 'requested':
        this.schedule();
        return;
      case 'idle': {
        if (this.state !== 'running') return; // paused while the host work settled
        const replay = this.hooks.replayIdle?.() ?? null;
        if (replay !== null) {
          if (replay !== 'run' && replay > this.target.nowNs()) this.target.skipIdleTo(replay);
          this.schedule();
          return;
        }
        if (this.hooks.inputReady()) this.schedule();
        else this.beginIdle();
        return;
      }
      default:
        this.stop(r);
    }
  }

  private beginIdle(): void {
    this.setState('halted');
    this.idleStartMs = this.sched.now();
    this.idleStartNs = this.target.nowNs();
    this.idleDeadlineNs = this.target.nextDeadlineNs();
    const waitMs = this.idleDeadlineNs === Infinity ? IDLE_MAX_WAIT_MS : Math.min(IDLE_MAX_WAIT_MS, (this.idleDeadlineNs - this.idleStartNs) / 1e6);
    if (this.pacing === 'skip' && this.idleDeadlineNs === Infinity) {
      this.cancelIdle = null; // only input can wake a guest with no timer
      return;
    }
    this.cancelIdle = this.sched.after(Math.max(0, waitMs), () => {
      this.cancelIdle = null;
      this.endIdle(true);
    });
  }

  /** Leave the halted state, advancing virtual time by the wall time that passed (capped at the deadline). */
  private endIdle(resume: boolean): void {
    this.cancelIdle?.();
    this.cancelIdle = null;
    if (this.pacing === 'wall') {
      const elapsedNs = Math.max(0, Math.round((this.sched.now() - this.idleStartMs) * 1e6));
      const to = Math.min(this.idleDeadlineNs, this.idleStartNs + elapsedNs);
      if (to > this.target.nowNs()) {
        this.target.skipIdleTo(to);
        this.hooks.idleSkipped(this.target.instructions(), to, to === this.idleDeadlineNs);
      }
    }
    if (resume) {
      this.setState('running');
      this.schedule();
    }
  }
}
