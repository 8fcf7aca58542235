// The worker's Scheduler on Node's event loop, as src/worker/main.ts gives it in a browser: the
// run loop's slices, pacing and frame batching see real time.
import type { Scheduler } from '../../src/worker/run_loop.ts';

export function nodeScheduler(): Scheduler {
  return {
    now: () => performance.now(),
    soon: (fn) => setImmediate(fn),
    after: (ms, fn) => {
      const t = setTimeout(fn, ms);
      return () => clearTimeout(t);
    },
  };
}
