// The console area: one tab per console the machine has (hvc0, the Xen log, serial ports,
// debugcon), WAI-ARIA tabs (arrow keys move between tabs), and the on-screen key bar for
// phones (sticky Ctrl, Esc, Tab, arrows, ^C) acting on the visible console.
import type { ConsoleRoute } from '../worker/protocol.ts';
import { ConsoleView } from './console_view.ts';

const KEYS = [
  ['ctrl', 'Ctrl'],
  ['esc', 'Esc'],
  ['tab', 'Tab'],
  ['left', '←'],
  ['up', '↑'],
  ['down', '↓'],
  ['right', '→'],
  ['ctrl-c', '^C'],
] as const;

export class ConsoleTabs {
  private views = new Map<string, ConsoleView>();
  private active: string | null = null;
  private readonly tablist: HTMLElement;
  private readonly panels: HTMLElement;
  private readonly ctrlButton: HTMLButtonElement;

  constructor(
    root: HTMLElement,
    private readonly send: (console: string, bytes: Uint8Array) => void,
  ) {
    this.tablist = root.querySelector<HTMLElement>('[role=tablist]')!;
    this.panels = root.querySelector<HTMLElement>('.console-panels')!;
    const bar = root.querySelector<HTMLElement>('.keybar')!;
    let ctrl: HTMLButtonElement | null = null;
    for (const [name, label] of KEYS) {
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = label;
      b.setAttribute('aria-label', name === 'ctrl' ? 'Ctrl (applies to the next key)' : `send ${name}`);
      if (name === 'ctrl') {
        b.setAttribute('aria-pressed', 'false');
        ctrl = b;
      }
      // Keep the terminal focused (and the phone keyboard open) when a key is tapped.
      b.addEventListener('mousedown', (e) => e.preventDefault());
      b.addEventListener('click', () => {
        const v = this.current();
        if (!v) return;
        const latched = v.key(name);
        if (name === 'ctrl') b.setAttribute('aria-pressed', String(latched));
      });
      bar.append(b);
    }
    this.ctrlButton = ctrl!;
    this.tablist.addEventListener('keydown', (e) => this.tabKey(e));
  }

  /** Replace the consoles with those of a new machine. */
  setConsoles(routes: ConsoleRoute[], first: string | undefined): void {
    for (const v of this.views.values()) v.dispose();
    this.views.clear();
    this.tablist.replaceChildren();
    this.panels.replaceChildren();
    for (const r of routes) {
      const tab = document.createElement('button');
      tab.type = 'button';
      tab.setAttribute('role', 'tab');
      tab.id = `tab-${r.id}`;
      tab.textContent = r.label;
      tab.setAttribute('aria-controls', `panel-${r.id}`);
      tab.addEventListener('click', () => this.show(r.id, true));
      this.tablist.append(tab);
      const panel = document.createElement('div');
      panel.setAttribute('role', 'tabpanel');
      panel.id = `panel-${r.id}`;
      panel.className = 'console-panel';
      panel.setAttribute('aria-labelledby', tab.id);
      this.panels.append(panel);
      const view = new ConsoleView(r, panel, (bytes) => this.send(r.id, bytes));
      view.onCtrlReleased = () => this.ctrlButton.setAttribute('aria-pressed', 'false');
      view.onLeave = () => tab.focus();
      this.views.set(r.id, view);
    }
    const start = routes.find((r) => r.id === first)?.id ?? routes[0]?.id ?? null;
    if (start !== null) this.show(start, false);
  }

  write(console: string, bytes: Uint8Array): void {
    this.views.get(console)?.write(bytes);
  }

  text(console: string): string | null {
    return this.views.get(console)?.text() ?? null;
  }

  consoles(): string[] {
    return [...this.views.keys()];
  }

  show(id: string, focus: boolean): void {
    this.active = id;
    for (const [vid, v] of this.views) {
      const on = vid === id;
      const tab = document.getElementById(`tab-${vid}`)!;
      tab.setAttribute('aria-selected', String(on));
      tab.tabIndex = on ? 0 : -1;
      v.element.hidden = !on;
      if (on) {
        v.refit();
        if (focus) v.focus();
      }
    }
  }

  focus(): void {
    this.current()?.focus();
  }

  private current(): ConsoleView | undefined {
    return this.active === null ? undefined : this.views.get(this.active);
  }

  private tabKey(e: KeyboardEvent): void {
    const ids = [...this.views.keys()];
    const i = this.active === null ? -1 : ids.indexOf(this.active);
    let next = -1;
    if (e.key === 'ArrowRight') next = (i + 1) % ids.length;
    else if (e.key === 'ArrowLeft') next = (i - 1 + ids.length) % ids.length;
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = ids.length - 1;
    if (next < 0 || ids.length === 0) return;
    e.preventDefault();
    this.show(ids[next]!, false);
    document.getElementById(`tab-${ids[next]}`)?.focus();
  }
}
