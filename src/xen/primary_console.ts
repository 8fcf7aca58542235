// The primary console (xen/io/console.h, QEMU hw/char/xen_console.c + xen_primary_console.c):
// a xencons_interface page at a special frame, announced by HVM_PARAM_CONSOLE_PFN/EVTCHN.
// The guest writes out[] and advances out_prod; we drain it into the xen-console chardev when
// the guest notifies or yields (GRUB spins on SCHEDOP_yield until out_cons == out_prod), and
// feed typed bytes into in[]. Indices are free-running u32; a producer more than a ring ahead
// of the consumer is a broken guest: we resynchronise to its producer instead of trusting it.
import { XenconsInterfaceLayout, xenconsInSize, xenconsOutSize } from './abi/io/console.ts';

const L = XenconsInterfaceLayout.x86_64; // chars and u32s: the same in both ABIs

export class PrimaryConsole {
  private readonly dv: DataView;
  /** Typed bytes waiting for room in in[]. */
  private readonly pending: number[] = [];

  constructor(
    private readonly u8: Uint8Array,
    /** Host offset of the ring page. */
    readonly page: number,
    private readonly output: (bytes: Uint8Array) => void,
    /** Signal the guest's console port. */
    private readonly notify: () => void,
  ) {
    this.dv = new DataView(u8.buffer);
  }

  private u32(o: number): number {
    return this.dv.getUint32(this.page + o, true);
  }

  /** Drain out[] and push pending input; notifies the guest once if anything moved. */
  process(): number {
    let cons = this.u32(L.out_cons);
    const prod = this.u32(L.out_prod);
    let n = (prod - cons) >>> 0;
    if (n > xenconsOutSize) {
      cons = prod; // inconsistent indices: drop what we cannot trust
      n = 0;
    }
    let moved = false;
    if (n > 0) {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = this.u8[this.page + L.out + ((cons + i) & (xenconsOutSize - 1))]!;
      this.output(out);
      moved = true;
    }
    if (cons + n !== this.u32(L.out_cons) || n > 0) {
      this.dv.setUint32(this.page + L.out_cons, (cons + n) >>> 0, true);
      moved = true;
    }
    if (this.feed()) moved = true;
    if (moved) this.notify();
    return n;
  }

  /** Queue typed bytes for the guest; they enter in[] as it makes room. */
  input(bytes: ArrayLike<number>): void {
    for (let i = 0; i < bytes.length; i++) this.pending.push(bytes[i]! & 0xff);
    if (this.feed()) this.notify();
  }

  saveState(): number[] {
    return [...this.pending];
  }

  loadState(pending: number[]): void {
    this.pending.length = 0;
    this.pending.push(...pending);
  }

  /** Hand over the typed bytes not yet in the ring (the guest reads with CONSOLEIO_read instead). */
  takePending(): number[] {
    return this.pending.splice(0, this.pending.length);
  }

  get inputPending(): number {
    return this.pending.length;
  }

  private feed(): boolean {
    if (this.pending.length === 0) return false;
    const cons = this.u32(L.in_cons);
    let prod = this.u32(L.in_prod);
    const used = (prod - cons) >>> 0;
    if (used > xenconsInSize) return false; // broken indices: wait for the guest to fix them
    let room = xenconsInSize - used;
    let k = 0;
    while (room > 0 && k < this.pending.length) {
      this.u8[this.page + L.in + (prod & (xenconsInSize - 1))] = this.pending[k++]!;
      prod = (prod + 1) >>> 0;
      room--;
    }
    if (k === 0) return false;
    this.pending.splice(0, k);
    this.dv.setUint32(this.page + L.in_prod, prod, true);
    return true;
  }
}
