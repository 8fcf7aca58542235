// --expect / --send / --timeout on a console byte stream, independent of any machine so that it
// plugs into the real one later. Steps run in order: a send is typed as soon as every step
// before it is done; an expect waits until the console output (bytes, UTF-8 for the text)
// contains its text, matched across chunk boundaries. When the last step is an expect, its
// match ends the run with status 0; a script ending with a send keeps running after it.
import type { ConsoleStep, MachineConfig } from '../machine/config.ts';

const encoder = new TextEncoder();

/** Knuth–Morris–Pratt over bytes, so a match may straddle any number of chunks. */
export class ByteMatcher {
  private readonly pattern: Uint8Array;
  private readonly fail: Int32Array;
  private matched = 0;

  constructor(text: string) {
    this.pattern = encoder.encode(text);
    if (this.pattern.length === 0) throw new RangeError('empty pattern');
    this.fail = new Int32Array(this.pattern.length);
    for (let i = 1, k = 0; i < this.pattern.length; i++) {
      while (k > 0 && this.pattern[i] !== this.pattern[k]) k = this.fail[k - 1]!;
      if (this.pattern[i] === this.pattern[k]) k++;
      this.fail[i] = k;
    }
  }

  /** Feeds bytes from `start`; returns the index just past the match, or -1 if none yet. */
  feed(chunk: Uint8Array, start = 0): number {
    const p = this.pattern;
    let k = this.matched;
    for (let i = start; i < chunk.length; i++) {
      const b = chunk[i];
      while (k > 0 && b !== p[k]) k = this.fail[k - 1]!;
      if (b === p[k]) k++;
      if (k === p.length) {
        this.matched = 0;
        return i + 1;
      }
    }
    this.matched = k;
    return -1;
  }
}

export class ConsoleScript {
  private step = 0;
  private matcher: ByteMatcher | null = null;
  private readonly exitsOnMatch: boolean;
  private started = false;

  constructor(private readonly steps: readonly ConsoleStep[]) {
    const last = steps[steps.length - 1];
    this.exitsOnMatch = last !== undefined && 'expect' in last;
  }

  /** The text the script waits for now, or null. */
  get waitingFor(): string | null {
    const s = this.steps[this.step];
    return s !== undefined && 'expect' in s ? s.expect : null;
  }

  /** True once the final expect matched: the run should end with status 0. */
  get complete(): boolean {
    return this.exitsOnMatch && this.step >= this.steps.length;
  }

  /** Sends due before any output (steps before the first expect). */
  start(): Uint8Array[] {
    if (this.started) throw new Error('ConsoleScript.start called twice');
    this.started = true;
    return this.advance();
  }

  /** Console output arrived; returns the bytes to type now, in order. */
  output(chunk: Uint8Array): Uint8Array[] {
    if (!this.started) throw new Error('ConsoleScript.output before start');
    const sends: Uint8Array[] = [];
    let pos = 0;
    while (pos <= chunk.length && this.matcher !== null) {
      const end = this.matcher.feed(chunk, pos);
      if (end < 0) break;
      this.step++;
      this.matcher = null;
      sends.push(...this.advance());
      pos = end;
    }
    return sends;
  }

  private advance(): Uint8Array[] {
    const sends: Uint8Array[] = [];
    for (; this.step < this.steps.length; this.step++) {
      const s = this.steps[this.step]!;
      if ('expect' in s) {
        this.matcher = new ByteMatcher(s.expect);
        break;
      }
      sends.push(encoder.encode(s.send));
    }
    return sends;
  }
}

/**
 * The chardev the script watches and types into: the one on stdio (what the user sees), else
 * the first Xen console's, else the first serial port's; null when there is no console.
 */
export function scriptChardev(config: MachineConfig): string | null {
  const stdio = config.chardevs.find((c) => c.backend === 'stdio');
  if (stdio) return stdio.id;
  for (const driver of ['xen-console', 'isa-serial'] as const) {
    const d = config.devices.find((x) => x.driver === driver);
    if (d && 'chardev' in d) return d.chardev;
  }
  return null;
}

/** The console as the script sees it: output from the guest, input to the guest. */
export interface ConsolePort {
  onOutput(listener: (chunk: Uint8Array) => void): void;
  input(bytes: Uint8Array): void;
}

export type ScriptEnd = { reason: 'matched' } | { reason: 'timeout'; waitingFor: string | null };

/**
 * Runs the script on a console with a wall-clock timeout (null: none). The promise settles
 * when the last expect matches or the timeout fires; a script that never completes (no steps,
 * or ending with a send) settles only on timeout. `cancel()` stops the timer.
 */
export function runConsoleScript(
  port: ConsolePort,
  steps: readonly ConsoleStep[],
  timeoutSeconds: number | null,
): { done: Promise<ScriptEnd>; cancel(): void } {
  const script = new ConsoleScript(steps);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let settled = false;
  let resolveDone: (e: ScriptEnd) => void = () => undefined;
  const done = new Promise<ScriptEnd>((resolve) => (resolveDone = resolve));
  const finish = (e: ScriptEnd): void => {
    if (settled) return;
    settled = true;
    if (timer !== undefined) clearTimeout(timer);
    resolveDone(e);
  };
  if (timeoutSeconds !== null) {
    timer = setTimeout(() => finish({ reason: 'timeout', waitingFor: script.waitingFor }), timeoutSeconds * 1000);
  }
  port.onOutput((chunk) => {
    if (settled) return;
    for (const bytes of script.output(chunk)) port.input(bytes);
    if (script.complete) finish({ reason: 'matched' });
  });
  for (const bytes of script.start()) port.input(bytes);
  if (script.complete) finish({ reason: 'matched' });
  return {
    done,
    cancel() {
      settled = true;
      if (timer !== undefined) clearTimeout(timer);
    },
  };
}
