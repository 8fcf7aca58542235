import { describe, it, expect } from 'vitest';
import { VirtualClock } from '../../src/machine/virtual_clock.ts';

describe('VirtualClock', () => {
  it('derives ns from the instruction count with 2^shift ns per instruction', () => {
    let n = 0;
    const c = new VirtualClock({ tscKHz: 1_000_000, icountShift: 3 }, () => n);
    n = 1000;
    expect(c.nowNs()).toBe(8000);
    expect(c.instructionsUntil(8001)).toBe(1);
    expect(c.instructionsUntil(16000)).toBe(1000);
    expect(c.instructionsUntil(100)).toBe(0);
  });

  it('computes the TSC exactly at non-round frequencies and inverts it', () => {
    let n = 0;
    const c = new VirtualClock({ tscKHz: 2_893_441, icountShift: 0 }, () => n);
    n = 1e9; // one second
    expect(c.tsc()).toBe(2_893_441_000);
    n = 1e12 + 7; // 1000 s and 7 ns: 7 ns * 2.893441 GHz = 20.25 ticks
    expect(c.tsc()).toBe(2_893_441_000_000 + 20);
    expect(c.tscToNs(2_893_441_000_000 + 20)).toBe(1e12 + 7);
    expect(c.nsToTsc(c.tscToNs(12345))).toBeGreaterThanOrEqual(12345);
    expect(c.nsToTsc(c.tscToNs(12345) - 1)).toBeLessThan(12345);
  });

  it('fires timers in deadline order, ties in arm order, and supports re-arming from a callback', () => {
    let n = 0;
    const c = new VirtualClock({ tscKHz: 1_000_000, icountShift: 0 }, () => n);
    const log: string[] = [];
    const a = c.createTimer(() => log.push('a'), 'a');
    const b = c.createTimer(() => log.push('b'), 'b');
    const p = c.createTimer(() => {
      log.push('p');
      if (log.length < 6) p.arm(p.lastDeadline + 20);
    }, 'periodic');
    b.arm(50);
    a.arm(50);
    p.arm(10);
    expect(c.nextDeadline()).toBe(10);
    n = 60;
    c.runDue();
    // p at 10, 30, 50 (armed after b and a, so after them on the tie)
    expect(log).toEqual(['p', 'p', 'b', 'a', 'p']);
    expect(c.nextDeadline()).toBe(70);
    a.arm(65);
    a.cancel();
    expect(c.nextDeadline()).toBe(70);
  });

  it('skips idle time to the next deadline without retiring instructions', () => {
    const n = 5;
    const c = new VirtualClock({ tscKHz: 1_000_000, icountShift: 0 }, () => n);
    let fired = 0;
    c.createTimer(() => fired++, 't').arm(1_000_000);
    c.skipTo(c.nextDeadline());
    expect(c.nowNs()).toBe(1_000_000);
    expect(c.runDue()).toBe(1);
    expect(fired).toBe(1);
  });

  it('rejects configurations outside the supported range', () => {
    expect(() => new VirtualClock({ tscKHz: 0, icountShift: 0 }, () => 0)).toThrow();
    expect(() => new VirtualClock({ tscKHz: 1000, icountShift: 11 }, () => 0)).toThrow();
  });
});

describe('VirtualClock limits', () => {
  it('stops a timer that keeps re-arming in the past after the limit instead of hanging', () => {
    const c = new VirtualClock({ tscKHz: 1_000_000, icountShift: 0 }, () => 10);
    let n = 0;
    const t = c.createTimer(() => {
      n++;
      t.arm(5);
    }, 'storm');
    t.arm(5);
    expect(c.runDue(1000)).toBe(1000);
    expect(n).toBe(1000);
    expect(c.nextDeadline()).toBe(5);
  });
});
