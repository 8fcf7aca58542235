// The demo gallery: one card per entry of public/demos.json, with its description, the
// equivalent command line, its download size, and — before anyone clicks — whether this build
// can run it (the worker's whyNot), so a demo that cannot boot yet says so instead of hanging.
import type { Demo } from '../worker/protocol.ts';
import { formatBytes } from './format.ts';

export class Gallery {
  constructor(
    private readonly list: HTMLElement,
    private readonly boot: (demo: Demo) => void,
  ) {}

  render(demos: Demo[], whyNot: Map<string, string | null>): void {
    this.list.replaceChildren();
    for (const d of demos) {
      const li = document.createElement('li');
      li.className = 'demo';
      li.dataset['demo'] = d.id;
      const h = document.createElement('h3');
      h.id = `demo-title-${d.id}`;
      h.textContent = d.title;
      const p = document.createElement('p');
      p.textContent = d.description;
      const size = d.images.reduce((n, i) => n + i.size, 0);
      const meta = document.createElement('p');
      meta.className = 'meta';
      meta.textContent = `${d.images.length} image${d.images.length === 1 ? '' : 's'}, ${formatBytes(size)}`;
      const cli = document.createElement('details');
      const summary = document.createElement('summary');
      summary.textContent = 'Run it in a terminal';
      const code = document.createElement('code');
      code.textContent = d.cli;
      cli.append(summary, code);
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = 'Boot';
      b.setAttribute('aria-describedby', h.id);
      const reason = whyNot.get(d.id) ?? null;
      li.append(h, p, meta);
      if (reason !== null) {
        const note = document.createElement('p');
        note.className = 'not-yet';
        note.textContent = `Not runnable in this build yet: ${reason}.`;
        li.append(note);
        b.disabled = true;
      }
      b.addEventListener('click', () => this.boot(d));
      li.append(b, cli);
      this.list.append(li);
    }
  }
}
