// The status bar: machine state, guest MIPS, virtual time, hypercalls/s, event channel
// notifications/s and disk sectors. A counter this build has no source for shows a dash.
// Updated at most once per frame, only where the text changed.
import type { Status } from '../worker/protocol.ts';
import { formatCount, formatInstructions, formatMips, formatVirtualTime } from './format.ts';

const STATE_TEXT: Record<Status['state'], string> = {
  empty: 'no machine',
  loading: 'loading images',
  paused: 'paused',
  running: 'running',
  halted: 'running (halted, waiting for an interrupt)',
  exited: 'guest exited',
  crashed: 'stopped on an error',
};

export class StatusBar {
  private readonly cells = new Map<string, HTMLElement>();

  constructor(root: HTMLElement) {
    for (const el of root.querySelectorAll<HTMLElement>('[data-stat]')) this.cells.set(el.dataset['stat']!, el);
  }

  update(s: Status): void {
    this.set('state', STATE_TEXT[s.state] + (s.state === 'exited' && s.exitStatus !== null ? ` (${s.exitStatus})` : ''));
    this.set('mips', formatMips(s.mips));
    this.set('vtime', formatVirtualTime(s.virtualNs));
    this.set('instructions', formatInstructions(s.instructions));
    this.set('hypercalls', formatCount(s.hypercallsPerSec));
    this.set('evtchn', formatCount(s.evtchnPerSec));
    this.set('sectors', s.sectorsRead === null ? '—' : `${formatCount(s.sectorsRead)} / ${formatCount(s.sectorsWritten)}`);
  }

  private set(key: string, text: string): void {
    const el = this.cells.get(key);
    if (el && el.textContent !== text) el.textContent = text;
  }
}
