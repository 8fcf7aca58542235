// The slice run loop against a clockwork machine: a manual scheduler (time moves only when the
// test says so) and a fake Runnable whose speed, halts and timers the test controls.
import { describe, it, expect } from 'vitest';
import type { StopReason } from '../../src/machine/machine.ts';
import { RunLoop, SliceSizer, SLICE_MAX, SLICE_MIN, IDLE_MAX_WAIT_MS, type Runnable, type RunLoopHooks, type Scheduler } from '../../src/worker/run_loop.ts';

class ManualScheduler implements Scheduler {
  t = 0;
  queue: Array<() => void> = [];
  timers: Array<{ at: number; fn: () => void; live: boolean }> = [];
  now(): number {
    return this.t;
  }
  soon(fn: () => void): void {
    this.queue.push(fn);
  }
  after(ms: number, fn: () => void): () => void {
    const t = { at: this.t + ms, fn, live: true };
    this.timers.push(t);
    return () => (t.live = false);
  }
  /** Run queued turns (at most n). */
  turns(n = 1): void {
    for (let i = 0; i < n && this.queue.length; i++) this.queue.shift()!();
  }
  /** Advance the clock to `ms`, firing due timers. */
  advance(ms: number): void {
    this.t += ms;
    for (const t of this.timers) {
      if (t.live && t.at <= this.t) {
        t.live = false;
        t.fn();
      }
    }
  }
}

/** Runs `ips` instructions per ms of scheduler time; halts after `haltAt` instructions. */
class Clockwork implements Runnable {
  icount = 0;
  ns = 0;
  haltAt = Infinity;
  deadline = Infinity;
  budgets: number[] = [];
  skips: number[] = [];
  constructor(
    private readonly sched: ManualScheduler,
    private readonly ips: number,
  ) {}
  run(budget: number): StopReason {
    this.budgets.push(budget);
    const n = Math.max(0, Math.min(budget, this.haltAt - this.icount));
    this.icount += n;
    this.ns += n;
    this.sched.t += n / this.ips;
    return n < budget ? 'idle' : 'budget';
  }
  instructions(): number {
    return this.icount;
  }
  nowNs(): number {
    return this.ns;
  }
  nextDeadlineNs(): number {
    return this.deadline;
  }
  skipIdleTo(ns: number): void {
    this.skips.push(ns);
    this.ns = ns;
  }
}

function hooks(log: string[]): RunLoopHooks {
  return {
    beforeSlice: () => log.push('before'),
    afterSlice: (r) => log.push(`after:${r}`),
    stopped: (r) => log.push(`stopped:${r}`),
    idleSkipped: (i, ns) => log.push(`idle:${i}:${ns}`),
    stateChanged: (s) => log.push(`state:${s}`),
    inputReady: () => false,
    settle: () => null,
  };
}

describe('SliceSizer', () => {
  it('converges on the budget that takes the target time', () => {
    const s = new SliceSizer(10, 100_000);
    for (let i = 0; i < 30; i++) s.record(s.next(), s.next() / 50_000, true); // 50 M instructions/s
    expect(s.next()).toBeGreaterThan(490_000);
    expect(s.next()).toBeLessThan(510_000);
  });
  it('doubles when a slice is too fast to measure, within bounds', () => {
    const s = new SliceSizer(10, SLICE_MIN);
    s.record(SLICE_MIN, 0, true);
    expect(s.next()).toBe(2 * SLICE_MIN);
    for (let i = 0; i < 40; i++) s.record(s.next(), 0, true);
    expect(s.next()).toBe(SLICE_MAX);
  });
});

describe('RunLoop', () => {
  it('runs one slice per event-loop turn and adapts the budget to ~10 ms', () => {
    const sched = new ManualScheduler();
    const m = new Clockwork(sched, 20_000); // 20 M instructions/s
    const log: string[] = [];
    const loop = new RunLoop(m, sched, hooks(log), 'wall');
    loop.start();
    expect(m.budgets).toEqual([]); // nothing runs inside start(): the caller's turn stays short
    sched.turns(1);
    expect(m.budgets.length).toBe(1);
    sched.turns(20);
    expect(m.budgets.length).toBe(21);
    expect(m.budgets.at(-1)).toBeGreaterThan(180_000);
    expect(m.budgets.at(-1)).toBeLessThan(220_000);
    loop.pause();
    sched.turns(5);
    expect(m.budgets.length).toBe(21);
    expect(log.filter((l) => l.startsWith('state'))).toEqual(['state:running', 'state:paused']);
  });

  it('paces a halted guest to wall time, capped at its timer deadline, and records the skip', () => {
    const sched = new ManualScheduler();
    const m = new Clockwork(sched, 1000);
    m.haltAt = 500;
    m.deadline = 500 + 3_000_000; // 3 ms of virtual time after the halt
    const log: string[] = [];
    const loop = new RunLoop(m, sched, hooks(log), 'wall');
    loop.start();
    sched.turns(1);
    expect(loop.state).toBe('halted');
    sched.advance(2);
    expect(loop.state).toBe('halted');
    sched.advance(5); // the 3 ms timer fired at +3 ms; 7 ms passed in all
    expect(m.skips).toEqual([500 + 3_000_000]);
    expect(log).toContain(`idle:500:${500 + 3_000_000}`);
    expect(loop.state).toBe('running');
  });

  it('wakes on input before the deadline, advancing virtual time by the wall time that passed', () => {
    const sched = new ManualScheduler();
    const m = new Clockwork(sched, 1000);
    m.haltAt = 100;
    const loop = new RunLoop(m, sched, hooks([]), 'wall');
    loop.start();
    sched.turns(1);
    expect(loop.state).toBe('halted');
    sched.t += 0.25; // 250 µs later a key arrives
    m.haltAt = Infinity;
    loop.wake();
    expect(m.skips).toEqual([100 + 250_000]);
    expect(loop.state).toBe('running');
    sched.turns(1);
    expect(m.budgets.length).toBe(2);
  });

  it('with no timer armed, re-checks at most every IDLE_MAX_WAIT_MS', () => {
    const sched = new ManualScheduler();
    const m = new Clockwork(sched, 1000);
    m.haltAt = 0;
    const loop = new RunLoop(m, sched, hooks([]), 'wall');
    loop.start();
    sched.turns(1);
    expect(sched.timers.filter((t) => t.live).map((t) => t.at)).toEqual([IDLE_MAX_WAIT_MS]);
  });

  it("in 'skip' mode a guest with no timer waits for input, and no virtual time is invented", () => {
    const sched = new ManualScheduler();
    const m = new Clockwork(sched, 1000);
    m.haltAt = 10;
    const loop = new RunLoop(m, sched, hooks([]), 'skip');
    loop.start();
    sched.turns(1);
    expect(loop.state).toBe('halted');
    expect(sched.timers).toEqual([]);
    sched.t += 100;
    loop.wake();
    expect(m.skips).toEqual([]);
    expect(loop.state).toBe('running');
  });

  it('waits for host work after a slice before the next one', async () => {
    const sched = new ManualScheduler();
    const m = new Clockwork(sched, 1000);
    let release: () => void = () => undefined;
    const h = { ...hooks([]), settle: () => (m.budgets.length === 1 ? new Promise<void>((r) => (release = r)) : null) };
    const loop = new RunLoop(m, sched, h, 'wall');
    loop.start();
    sched.turns(5);
    expect(m.budgets.length).toBe(1); // the first slice's I/O is in flight: nothing is scheduled
    release();
    await Promise.resolve();
    sched.turns(1);
    expect(m.budgets.length).toBe(2);
  });

  it('steps an exact count only while paused, and stops for good on a guest exit', () => {
    const sched = new ManualScheduler();
    const m = new Clockwork(sched, 1000);
    const log: string[] = [];
    const loop = new RunLoop(m, sched, hooks(log), 'wall');
    expect(loop.step(123)).toBe('budget');
    expect(m.icount).toBe(123);
    loop.start();
    expect(loop.step(5)).toBeNull();
    m.run = () => 'exit';
    sched.turns(1);
    expect(loop.state).toBe('stopped');
    expect(log).toContain('stopped:exit');
    loop.start();
    expect(sched.queue).toEqual([]);
  });
});
