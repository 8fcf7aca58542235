// The disk panel: browser storage used by xentab (navigator.storage.estimate()), and the disk
// actions — reset with confirmation, export as a file, attach a dropped image. The actions act
// on the current machine's PV disks, which exist only once the Xen block backend is connected;
// until then they are shown disabled with the reason, and a dropped file is refused with it.
import { formatBytes } from './format.ts';

export class DiskPanel {
  private readonly usage: HTMLElement;
  private readonly note: HTMLElement;
  private readonly buttons: HTMLButtonElement[];

  constructor(root: HTMLElement, dropTarget: HTMLElement) {
    this.usage = root.querySelector('.storage-usage')!;
    this.note = root.querySelector('.disk-note')!;
    this.buttons = [...root.querySelectorAll<HTMLButtonElement>('button')];
    dropTarget.addEventListener('dragover', (e) => {
      e.preventDefault();
      dropTarget.classList.add('drop-hover');
    });
    dropTarget.addEventListener('dragleave', () => dropTarget.classList.remove('drop-hover'));
    dropTarget.addEventListener('drop', (e) => {
      e.preventDefault();
      dropTarget.classList.remove('drop-hover');
      const f = e.dataTransfer?.files[0];
      if (f) this.note.textContent = `Cannot attach ${f.name} (${formatBytes(f.size)}): ${this.reason}.`;
    });
    void this.refreshUsage();
  }

  private reason = 'this machine has no PV disk';

  /** A new machine: whether it has disks, and if not, why the actions are off. */
  setDisks(count: number, reason: string | null): void {
    this.reason = reason ?? 'this machine has no PV disk';
    const off = count === 0 || reason !== null;
    for (const b of this.buttons) {
      b.disabled = off;
      b.title = off ? this.reason : '';
    }
    this.note.textContent = off ? `Disk actions are off: ${this.reason}.` : `${count} disk(s); writes persist in this browser.`;
  }

  async refreshUsage(): Promise<void> {
    if (!navigator.storage?.estimate) {
      this.usage.textContent = 'not reported by this browser';
      return;
    }
    const { usage = 0, quota = 0 } = await navigator.storage.estimate();
    this.usage.textContent = `${formatBytes(usage)} of ${formatBytes(quota)}`;
  }
}
