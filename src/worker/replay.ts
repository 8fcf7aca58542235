// Replaying a recorded run (DESIGN.md M8): the machine is a pure function of its config, image
// bytes, RTC epoch and the inputs the worker recorded, so a share link that carries those
// reproduces the run bit for bit. The recording holds only what is not deterministic:
// - typed bytes, at the instruction count and virtual time where the worker gave them to the
//   guest (always a slice boundary; the time says how far an idle guest had slept first);
// - slice ends the debugger made (a hand step, a pause on a hypercall): the CPU publishes its
//   instruction count to the clocks per slice (machine.ts), so they matter to the guest too;
// - idle periods that input or a pause cut short, with the virtual time they reached. An idle
//   period that ran to its timer deadline is not recorded: a replay redoes it (it is what
//   `-icount sleep=off` does);
// - the end: instruction count, virtual time and the hashes of console output and Xen trace
//   events when the link was made, so the replay can say whether it reproduced the run.
// The replay runs as fast as it can: it stops each slice at the next recorded instruction count,
// gives recorded bytes to the guest there, and when the guest idles applies the recorded skip or
// skips to the deadline. Anything else (a recorded count already passed, an idle guest with no
// timer and nothing recorded) means the run diverged; the machine then simply goes on live.
import type { Fingerprint, InputEvent } from './protocol.ts';

export type ReplayState = 'replaying' | 'identical' | 'diverged';

export class Replayer {
  state: ReplayState = 'replaying';
  /** Why it diverged, or what it verified. */
  detail = '';
  private next = 0;

  constructor(
    private readonly events: readonly InputEvent[],
    private readonly end: Fingerprint | null,
    /** The machine's fingerprint now (hashes so far). */
    private readonly fingerprint: () => Fingerprint,
  ) {
    if (events.length === 0 && end === null) this.finish('identical', 'nothing to replay');
  }

  get active(): boolean {
    return this.state === 'replaying';
  }

  /** The instruction count the current slice must stop at, or null. */
  stopAt(): number | null {
    if (!this.active) return null;
    const e = this.events[this.next];
    return e !== undefined ? e.icount : (this.end?.at ?? null);
  }

  /** Before a slice at `icount`: the recorded inputs (and slice ends) due now, in order. */
  inputsDue(icount: number, nowNs: number): Array<Extract<InputEvent, { kind: 'input' | 'cut' }>> {
    const due: Array<Extract<InputEvent, { kind: 'input' | 'cut' }>> = [];
    while (this.active) {
      const e = this.events[this.next];
      if (e === undefined) {
        this.checkEnd(icount, nowNs, false);
        break;
      }
      if (e.icount < icount) {
        this.finish('diverged', `the recording has ${e.kind === 'input' ? 'input' : e.kind === 'cut' ? 'a slice end' : 'an idle period'} at instruction ${e.icount}, but the replay was already at ${icount}`);
        break;
      }
      if (e.icount === icount && e.kind === 'cut') {
        due.push(e); // the slice ended here, as in the recording
        this.next++;
        continue;
      }
      if (e.icount > icount || e.kind !== 'input') break;
      if (e.ns > nowNs) break; // the guest sleeps first (onIdle)
      if (e.ns < nowNs) {
        this.finish('diverged', `the recording has input at instruction ${e.icount} and ${e.ns} ns, but the replay was already at ${nowNs} ns`);
        break;
      }
      due.push(e);
      this.next++;
    }
    return due;
  }

  /**
   * The guest idles at `icount`: the virtual time to skip to (`logged` says whether it was a
   * recorded event, which the caller records again), 'run' to go on, or null when not replaying.
   */
  onIdle(icount: number, nowNs: number, deadlineNs: number): { to: number; logged: InputEvent | null } | 'run' | null {
    if (!this.active) return null;
    const e = this.events[this.next];
    if (e !== undefined && e.icount < icount) {
      this.finish('diverged', `the recording has an event at instruction ${e.icount}, but the replay was already at ${icount}`);
      return null;
    }
    if (e !== undefined && e.icount === icount) {
      // Input after a sleep: sleep until its time (deadline first), then it is delivered.
      if (e.kind === 'input') return e.ns > nowNs ? { to: Math.min(e.ns, deadlineNs), logged: null } : 'run';
      if (e.kind === 'cut') return 'run'; // consumed before the next slice
      // A recorded skip never passes the deadline; one that does comes after a full skip.
      if (e.toNs <= deadlineNs) {
        this.next++;
        return { to: e.toNs, logged: e };
      }
      return { to: deadlineNs, logged: null };
    }
    if (e === undefined && this.end !== null && icount === this.end.at) {
      if (deadlineNs <= this.end.ns) return { to: deadlineNs, logged: null };
      this.checkEnd(icount, nowNs, true);
      return this.active ? 'run' : null;
    }
    if (deadlineNs !== Infinity) return { to: deadlineNs, logged: null };
    this.finish('diverged', `the guest idled at instruction ${icount} with no timer, and the recording has nothing there`);
    return null;
  }

  /** Ends the replay early (the caller found a difference). */
  diverge(detail: string): void {
    if (this.active) this.finish('diverged', detail);
  }

  private checkEnd(icount: number, nowNs: number, idle: boolean): void {
    const end = this.end;
    if (end === null) {
      this.finish('identical', `replayed ${this.events.length} recorded events`);
      return;
    }
    if (icount > end.at) return this.finish('diverged', `the recording ended at instruction ${end.at}, but the replay was already at ${icount}`);
    if (icount < end.at || (nowNs < end.ns && !idle)) return; // not there yet (or idle time still to pass)
    const fp = this.fingerprint();
    const diffs: string[] = [];
    if (fp.ns !== end.ns) diffs.push(`virtual time ${fp.ns} ns, recorded ${end.ns} ns`);
    if (fp.output !== end.output) diffs.push(`console output hash ${fp.output}, recorded ${end.output}`);
    if (fp.trace !== end.trace) diffs.push(`trace hash ${fp.trace}, recorded ${end.trace}`);
    if (diffs.length > 0) this.finish('diverged', `at instruction ${end.at}: ${diffs.join('; ')}`);
    else this.finish('identical', `replayed ${end.at} instructions: the same console output (${fp.output}) and trace hash (${fp.trace}) as the recording`);
  }

  private finish(state: Exclude<ReplayState, 'replaying'>, detail: string): void {
    this.state = state;
    this.detail = detail;
  }
}

/** FNV-1a, 32 bits: a cheap running hash of console bytes and trace events (not for security). */
export const FNV_OFFSET = 0x811c9dc5;
export function fnv1a(h: number, byte: number): number {
  return Math.imul(h ^ byte, 0x01000193) >>> 0;
}
export function fnv1aString(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h = fnv1a(h, c & 0xff);
    if (c > 0xff) h = fnv1a(h, c >>> 8);
  }
  return h;
}
export const hex8 = (h: number): string => (h >>> 0).toString(16).padStart(8, '0');
