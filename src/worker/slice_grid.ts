// Where slices end must not depend on the host's speed, or a replay would not see what the
// recording saw: the CPU publishes its instruction count (what RDTSC and device clocks read) only
// when a slice returns (machine.ts), so moving a slice boundary moves what the guest reads. The
// worker sizes slices by wall time (run_loop.ts SliceSizer), so it rounds every slice up to a
// fixed grid of instruction counts and runs it as machine runs that never cross a grid line;
// the machine's own boundaries (timer deadlines, stops) are deterministic already.
import type { StopReason } from '../machine/machine.ts';

export interface GridMachine {
  /** The machine's longest CPU slice: the grid. */
  readonly maxSlice: number;
  totalInstructions(): number;
  run(budget: number, opts: { idle: 'skip' | 'return' }): StopReason;
}

/** `budget` made larger, at most by one grid step, so the slice ends on a grid line. */
export function gridBudget(now: number, budget: number, grid: number): number {
  return Math.ceil((now + Math.max(1, budget)) / grid) * grid - now;
}

/** Runs up to `budget` instructions as machine runs that each end at or before the next grid line. */
export function runOnGrid(m: GridMachine, budget: number, idle: 'skip' | 'return'): StopReason {
  let left = budget;
  while (true) {
    const now = m.totalInstructions();
    const r = m.run(Math.min(left, m.maxSlice - (now % m.maxSlice)), { idle });
    const done = m.totalInstructions() - now;
    left -= done;
    if (r !== 'budget' || left <= 0 || done === 0) return r;
  }
}
