// The disk panel: browser storage used by xentab (navigator.storage.estimate()), the machine's
// PV disks and how their writes are kept, "Reset disks…" (asks first, then forgets every write
// and reboots), "Export disk" (the disk as the guest sees it now, as a file), and "Attach disk
// image…" (a file chosen or dropped on the console or this panel becomes the next xvd disk;
// the machine reboots with it, because a running machine cannot take a new disk yet), with a
// "Remove" button for each attached disk.
import type { DiskInfo } from '../worker/protocol.ts';
import { formatBytes } from './format.ts';

export interface DiskActions {
  reset(): Promise<void>;
  exportDisk(drive: string): Promise<Blob>;
  /** Cache the file and reboot the machine with it as a new PV disk. */
  attach(file: File): Promise<string>;
  /** Reboot the machine without the attached disk `drive`. */
  detach(drive: string): Promise<void>;
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
  private readonly attachButton: HTMLButtonElement;
  private readonly fileInput: HTMLInputElement;
  private disks: DiskInfo[] = [];
  private hasMachine = false;

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
    this.attachButton = root.querySelector('#disk-attach')!;
    this.fileInput = root.querySelector('#disk-file')!;
    this.resetButton.addEventListener('click', () => void this.reset());
    this.exportButton.addEventListener('click', () => void this.exportAll());
    this.attachButton.addEventListener('click', () => this.fileInput.click());
    this.fileInput.addEventListener('change', () => {
      const f = this.fileInput.files?.[0];
      this.fileInput.value = '';
      if (f) void this.attach(f);
    });
    for (const target of [dropTarget, root]) {
      target.addEventListener('dragover', (e) => {
        if (!e.dataTransfer?.types.includes('Files')) return;
        e.preventDefault();
        target.classList.add('drop-hover');
      });
      target.addEventListener('dragleave', () => target.classList.remove('drop-hover'));
      target.addEventListener('drop', (e) => {
        target.classList.remove('drop-hover');
        const f = e.dataTransfer?.files[0];
        if (!f) return;
        e.preventDefault();
        void this.attach(f);
      });
    }
    void this.refreshUsage();
  }

  /** A new machine: its disks, and which of them were attached here (and can be removed). */
  setDisks(disks: DiskInfo[], attached: ReadonlySet<string> = new Set()): void {
    this.disks = disks;
    this.hasMachine = true;
    this.attachButton.disabled = false;
    this.list.replaceChildren(
      ...disks.map((d) => {
        const li = document.createElement('li');
        li.textContent = `${d.vdev}: ${d.image}, ${formatBytes(d.bytes)}, ${KEEP_TEXT[d.keep]}`;
        if (attached.has(d.drive)) {
          const b = document.createElement('button');
          b.type = 'button';
          b.className = 'disk-remove';
          b.textContent = 'Remove';
          b.setAttribute('aria-label', `Remove ${d.vdev} (${d.image})`);
          b.addEventListener('click', () => void this.detach(d));
          li.append(' ', b);
        }
        return li;
      }),
    );
    const writable = disks.some((d) => d.keep !== 'read-only');
    this.resetButton.disabled = !disks.some((d) => d.keep === 'persistent');
    this.exportButton.disabled = !writable;
    this.note.textContent = disks.length === 0 ? 'This machine has no PV disk. Drop a disk image here to attach one.' : '';
  }

  /** The machine's disks have `n` written chunks not yet committed to browser storage. */
  setUnsaved(n: number): void {
    this.list.closest('.panel')?.classList.toggle('unsaved', n > 0);
    const flag = this.list.parentElement?.querySelector('.disk-unsaved');
    if (flag) flag.textContent = n > 0 ? `unsaved: ${n} chunk${n === 1 ? '' : 's'} not yet in browser storage` : '';
  }

  async refreshUsage(): Promise<void> {
    if (!navigator.storage?.estimate) {
      this.usage.textContent = 'not reported by this browser';
      return;
    }
    const { usage = 0, quota = 0 } = await navigator.storage.estimate();
    this.usage.textContent = `${formatBytes(usage)} of ${formatBytes(quota)}`;
  }

  private async attach(f: File): Promise<void> {
    if (!this.hasMachine) {
      this.note.textContent = `Boot a demo first, then drop ${f.name} to attach it as a disk.`;
      return;
    }
    // No PV hot-plug yet: the disk joins the machine's config and the machine restarts.
    if (!confirm(`Attach ${f.name} (${formatBytes(f.size)}) as a new Xen PV disk? A running machine cannot take a new disk yet, so it will reboot.`)) return;
    this.note.textContent = `Attaching ${f.name}…`;
    try {
      const vdev = await this.actions.attach(f);
      this.note.textContent = `${f.name} is attached as ${vdev}; the machine rebooted with it. It stays attached to this demo in this browser.`;
    } catch (e) {
      this.note.textContent = `Could not attach ${f.name}: ${e instanceof Error ? e.message : String(e)}`;
    }
    void this.refreshUsage();
  }

  private async detach(d: DiskInfo): Promise<void> {
    if (!confirm(`Remove ${d.vdev} (${d.image}) from this machine and reboot it?`)) return;
    try {
      await this.actions.detach(d.drive);
      this.note.textContent = `${d.vdev} (${d.image}) removed; the machine rebooted without it.`;
    } catch (e) {
      this.note.textContent = `Could not remove ${d.vdev}: ${e instanceof Error ? e.message : String(e)}`;
    }
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
