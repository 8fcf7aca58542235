// The trace panel (first version): a live list of the trace events the Xen layer emits, filtered
// by text, with "pause on hypercall", single-step and resume. Rows are appended once per frame
// and the list keeps the newest MAX_ROWS. Filtering happens in the worker, so a filtered-out
// event never crosses the channel.
import type { TraceEvent, TraceFilter } from '../worker/protocol.ts';
import { formatInstructions } from './format.ts';

export const MAX_ROWS = 1000;

export interface TraceControls {
  setFilter(f: TraceFilter): void;
  step(n: number): void;
  resume(): void;
}

export class TracePanel {
  private readonly list: HTMLOListElement;
  private readonly note: HTMLElement;
  private readonly enabled: HTMLInputElement;
  private readonly match: HTMLInputElement;
  private readonly pauseOn: HTMLSelectElement;
  private readonly stepCount: HTMLInputElement;

  constructor(
    root: HTMLElement,
    /** The toolbar's instruction count, shared by both Step buttons. */
    stepCount: HTMLInputElement,
    private readonly controls: TraceControls,
  ) {
    this.list = root.querySelector('ol')!;
    this.note = root.querySelector('.trace-note')!;
    this.enabled = root.querySelector('#trace-enabled')!;
    this.match = root.querySelector('#trace-match')!;
    this.pauseOn = root.querySelector('#trace-pause-on')!;
    this.stepCount = stepCount;
    const send = (): void => this.controls.setFilter(this.filter());
    this.enabled.addEventListener('change', send);
    this.match.addEventListener('input', send);
    this.pauseOn.addEventListener('change', send);
    root.querySelector('#trace-step')!.addEventListener('click', () => {
      const n = Number(this.stepCount.value);
      this.controls.step(Number.isSafeInteger(n) && n > 0 ? n : 1);
    });
    root.querySelector('#trace-resume')!.addEventListener('click', () => this.controls.resume());
  }

  setHypercalls(names: string[]): void {
    const none = document.createElement('option');
    none.value = '';
    none.textContent = '(never)';
    this.pauseOn.replaceChildren(none, ...names.map((n) => Object.assign(document.createElement('option'), { value: n, textContent: n })));
  }

  /** A new machine: clear the list and say whether it can produce events at all. */
  reset(traceSource: boolean): void {
    this.list.replaceChildren();
    this.note.textContent = traceSource
      ? 'Tick "record" to see hypercalls, event channels, grants and XenStore traffic.'
      : 'This machine has no Xen layer, so there are no hypercalls or event channels to trace. Stepping works on any machine.';
  }

  filter(): TraceFilter {
    return { enabled: this.enabled.checked, match: this.match.value.trim(), pauseOn: this.pauseOn.value || null };
  }

  add(events: TraceEvent[], dropped: number): void {
    if (events.length === 0 && dropped === 0) return;
    const frag = document.createDocumentFragment();
    for (const e of events) {
      const li = document.createElement('li');
      const ret = e.ret === null ? '' : ` = ${e.ret}`;
      const call = e.args ? `${e.name}(${e.args})` : e.name;
      li.textContent = `${formatInstructions(e.icount)} v${e.vcpu} ${e.layer} ${e.kind} ${call}${ret}`;
      frag.append(li);
    }
    if (dropped > 0) {
      const li = document.createElement('li');
      li.className = 'dropped';
      li.textContent = `… ${dropped} events not shown (too many for one frame)`;
      frag.append(li);
    }
    this.list.append(frag);
    while (this.list.childElementCount > MAX_ROWS) this.list.firstElementChild!.remove();
  }
}
