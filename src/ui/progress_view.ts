// Download progress: one labelled <progress> per image while a machine loads.
import type { ProgressMessage } from '../worker/protocol.ts';
import { formatBytes } from './format.ts';

export class ProgressView {
  private readonly bars = new Map<string, { bar: HTMLProgressElement; label: HTMLElement }>();

  constructor(private readonly root: HTMLElement) {}

  clear(): void {
    this.bars.clear();
    this.root.replaceChildren();
  }

  /** The machine booted: every image passed its sha256 check. */
  verified(): void {
    for (const { label } of this.bars.values()) label.textContent = (label.textContent ?? '').replace(', checking sha256', ', sha256 verified');
  }

  update(p: ProgressMessage): void {
    let e = this.bars.get(p.image);
    if (!e) {
      const row = document.createElement('div');
      row.className = 'progress-row';
      const label = document.createElement('label');
      const bar = document.createElement('progress');
      bar.id = `progress-${p.image}`;
      label.htmlFor = bar.id;
      row.append(label, bar);
      this.root.append(row);
      e = { bar, label };
      this.bars.set(p.image, e);
    }
    e.bar.max = Math.max(1, p.total);
    e.bar.value = p.loaded;
    e.label.textContent = p.cached
      ? `${p.image}: ${formatBytes(p.total)} from this browser's cache, sha256 verified`
      : `${p.image}: ${formatBytes(p.loaded)} of ${formatBytes(p.total)}${p.loaded === p.total ? ', checking sha256' : ''}`;
  }
}
