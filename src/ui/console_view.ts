// One guest console in xterm.js: output bytes are written once per frame (term.write takes raw
// UTF-8 and handles split sequences), the terminal fits its pane through a ResizeObserver, and
// typed text goes to the guest as UTF-8. Phones: xterm's own hidden textarea receives input;
// when the keyboard reports `Unidentified` keys (Android), Enter and Backspace only arrive as
// `beforeinput` events, which are translated here. Copy/paste: Ctrl+Shift+C / Ctrl+Shift+V
// (plain Ctrl+C goes to the guest), and the browser's own paste. The key bar's sticky Ctrl
// applies to the next typed character.
import { Terminal } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import type { ConsoleRoute } from '../worker/protocol.ts';

const encoder = new TextEncoder();

export class ConsoleView {
  readonly term: Terminal;
  private readonly fit = new FitAddon();
  private readonly observer: ResizeObserver;
  private ctrlLatched = false;
  private unidentifiedKey = false;
  /** Called when the sticky Ctrl is used up, so the key bar can show it released. */
  onCtrlReleased: () => void = () => undefined;

  constructor(
    readonly route: ConsoleRoute,
    readonly element: HTMLElement,
    private readonly send: (bytes: Uint8Array) => void,
  ) {
    this.term = new Terminal({
      scrollback: 10_000,
      convertEol: route.kind === 'xen-log' || route.kind === 'debugcon',
      disableStdin: !route.input,
      cursorBlink: route.input,
      fontFamily: 'ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace',
      fontSize: 14,
      // At line height 1.0 the DOM renderer clips underscores in common monospace fonts.
      lineHeight: 1.15,
      theme: { background: '#101418', foreground: '#d8dee9' },
    });
    this.term.loadAddon(this.fit);
    this.term.open(element);
    this.term.onData((s) => this.typed(s));
    this.term.attachCustomKeyEventHandler((e) => this.keyHandler(e));
    const ta = this.term.textarea;
    if (ta) {
      ta.setAttribute('aria-label', `${route.label} terminal input (F6 leaves the terminal)`);
      ta.addEventListener('keydown', (e) => (this.unidentifiedKey = e.key === 'Unidentified' || e.keyCode === 229), true);
      ta.addEventListener('beforeinput', (e) => this.beforeInput(e));
    }
    this.observer = new ResizeObserver(() => this.refit());
    this.observer.observe(element);
  }

  write(bytes: Uint8Array): void {
    this.term.write(bytes);
  }

  refit(): void {
    if (this.element.offsetParent !== null) this.fit.fit();
  }

  focus(): void {
    this.term.focus();
  }

  /** The key bar: a control sequence, or toggling the sticky Ctrl. */
  key(name: 'ctrl' | 'esc' | 'tab' | 'up' | 'down' | 'right' | 'left' | 'ctrl-c'): boolean {
    if (name === 'ctrl') {
      this.ctrlLatched = !this.ctrlLatched;
      return this.ctrlLatched;
    }
    const seq = { esc: '\x1b', tab: '\t', up: '\x1b[A', down: '\x1b[B', right: '\x1b[C', left: '\x1b[D', 'ctrl-c': '\x03' }[name];
    this.input(seq);
    this.focus();
    return false;
  }

  /** The rendered text (scrollback + screen), for the test hook and "copy all". */
  text(): string {
    const b = this.term.buffer.active;
    const lines: string[] = [];
    for (let i = 0; i < b.length; i++) {
      const line = b.getLine(i);
      if (line) lines.push(line.translateToString(true));
    }
    while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    return lines.join('\n');
  }

  dispose(): void {
    this.observer.disconnect();
    this.term.dispose();
  }

  private typed(s: string): void {
    if (this.ctrlLatched && s.length === 1) {
      const c = s.toUpperCase().charCodeAt(0);
      if (c >= 0x40 && c <= 0x5f) s = String.fromCharCode(c & 0x1f);
      this.ctrlLatched = false;
      this.onCtrlReleased();
    }
    this.input(s);
  }

  private input(s: string): void {
    if (this.route.input) this.send(encoder.encode(s));
  }

  /** F6 was pressed: the terminal keeps Tab for the guest, so F6 is the way out (no keyboard trap). */
  onLeave: (() => void) | null = null;

  private keyHandler(e: KeyboardEvent): boolean {
    if (e.key === 'F6' && !e.ctrlKey && !e.altKey && !e.metaKey) {
      if (e.type === 'keydown') {
        e.preventDefault();
        this.onLeave?.();
      }
      return false;
    }
    if (e.type !== 'keydown' || !e.ctrlKey || !e.shiftKey) return true;
    if (e.code === 'KeyC') {
      if (this.term.hasSelection()) void navigator.clipboard?.writeText(this.term.getSelection());
      return false;
    }
    if (e.code === 'KeyV') {
      void navigator.clipboard?.readText().then((t) => this.term.paste(t));
      return false;
    }
    return true;
  }

  private beforeInput(e: InputEvent): void {
    if (!this.unidentifiedKey) return; // desktop keyboards go through xterm's keydown path
    if (e.inputType === 'insertLineBreak' || e.inputType === 'insertParagraph') {
      e.preventDefault();
      this.typed('\r');
    } else if (e.inputType === 'deleteContentBackward') {
      e.preventDefault();
      this.typed('\x7f');
    }
  }
}
