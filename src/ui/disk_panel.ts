// The disk panel: browser storage used by xentab (navigator.storage.estimate()), the machine's
// PV disks and how their writes are kept, "Reset disks…" (asks first, then forgets every write
// and reboots), "Export disk" (the disk as the guest sees it now, as a file), and drop-to-attach,
// which is refused with the reason while disks cannot be added to a running machine.
import type { DiskInfo } from '../worker/protocol.ts';
import { formatBytes } from './format.ts';

export interface DiskActions {
  reset(): Promise<void>;
  exportDisk(drive: string): Promise<Blob>;
}

const KEEP_TEXT: Record<DiskInfo['keep'], string> = {
  persistent: 'writes kept in this browser',
  snapshot: 'writes dropped when the machine stops',
  'read-only': 'read-only',
};

export class DiskPanel {
  private readonly usage: HTMLElement;
  private readonly note: HTMLElement;
  private readonly list: HTMLUListElement;
  private readonly resetButton: HTMLButtonElement;
  private readonly exportButton: HTMLButtonElement;
  private disks: DiskInfo[] = [];

  constructor(
    root: HTMLElement,
    dropTarget: HTMLElement,
    private readonly actions: DiskActions,
  ) {
    this.usage = root.querySelector('.storage-usage')!;
    this.note = root.querySelector('.disk-note')!;
    this.list = root.querySelector('.disk-list')!;
    this.resetButton = root.querySelector('#disk-reset')!;
    this.exportButton = root.querySelector('#disk-export')!;
    this.resetButton.addEventListener('click', () => void this.reset());
    this.exportButton.addEventListener('click', () => void this.exportAll());
    dropTarget.addEventListener('dragover', (e) => {
      e.preventDefault();
      dropTarget.classList.add('drop-hover');
    });
    dropTarget.addEventListener('dragleave', () => dropTarget.classList.remove('drop-hover'));
    dropTarget.addEventListener('drop', (e) => {
      e.preventDefault();
      dropTarget.classList.remove('drop-hover');
      const f = e.dataTransfer?.files[0];
      if (f) this.note.textContent = `Cannot attach ${f.name} (${formatBytes(f.size)}): disks cannot be added to a running machine yet.`;
    });
    void this.refreshUsage();
  }

  /** A new machine: its disks. */
  setDisks(disks: DiskInfo[]): void {
    this.disks = disks;
    this.list.replaceChildren(
      ...disks.map((d) => Object.assign(document.createElement('li'), { textContent: `${d.vdev}: ${d.image}, ${formatBytes(d.bytes)}, ${KEEP_TEXT[d.keep]}` })),
    );
    const writable = disks.some((d) => d.keep !== 'read-only');
    this.resetButton.disabled = !disks.some((d) => d.keep === 'persistent');
    this.exportButton.disabled = !writable;
    this.note.textContent = disks.length === 0 ? 'This machine has no PV disk.' : '';
  }

  async refreshUsage(): Promise<void> {
    if (!navigator.storage?.estimate) {
      this.usage.textContent = 'not reported by this browser';
      return;
    }
    const { usage = 0, quota = 0 } = await navigator.storage.estimate();
    this.usage.textContent = `${formatBytes(usage)} of ${formatBytes(quota)}`;
  }

  private async reset(): Promise<void> {
    const names = this.disks.filter((d) => d.keep === 'persistent').map((d) => d.vdev).join(', ');
    if (!confirm(`Forget every change made to ${names} and reboot the machine?`)) return;
    try {
      await this.actions.reset();
      this.note.textContent = `${names}: back to the original image; the machine rebooted.`;
    } catch (e) {
      this.note.textContent = `Reset failed: ${e instanceof Error ? e.message : String(e)}`;
    }
    void this.refreshUsage();
  }

  private async exportAll(): Promise<void> {
    for (const d of this.disks.filter((x) => x.keep !== 'read-only')) {
      try {
        const blob = await this.actions.exportDisk(d.drive);
        const a = document.createElement('a');
        a.href = URL.createObjectURL(blob);
        a.download = `${d.vdev}-${d.image}`;
        a.click();
        setTimeout(() => URL.revokeObjectURL(a.href), 60_000);
        this.note.textContent = `Exported ${d.vdev} as ${a.download}.`;
      } catch (e) {
        this.note.textContent = `Export of ${d.vdev} failed: ${e instanceof Error ? e.message : String(e)}`;
      }
    }
  }
}
