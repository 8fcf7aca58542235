// The guest side of a xenstore ring, written from xen/io/xs_wire.h for the tests: it writes
// xsd_sockmsg requests into req[] and reads replies from rsp[], with free-running indices masked by
// XENSTORE_RING_SIZE, like GRUB's and Linux's clients. Offsets are the ones gcc printed for
// struct xenstore_domain_interface (req 0, rsp 1024, req_cons 2048 … rsp_prod 2060), written here
// as literals on purpose so the test does not trust our own layout code.
export const REQ = 0;
export const RSP = 1024;
export const REQ_CONS = 2048;
export const REQ_PROD = 2052;
export const RSP_CONS = 2056;
export const RSP_PROD = 2060;
export const PAGE = 4096;

export interface Msg {
  type: number;
  reqId: number;
  txId: number;
  payload: Uint8Array;
}

export const enc = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
export const dec = (b: Uint8Array): string => String.fromCharCode(...b);

export function frame(type: number, reqId: number, txId: number, payload: Uint8Array | string): Uint8Array {
  const p = typeof payload === 'string' ? enc(payload) : payload;
  const m = new Uint8Array(16 + p.length);
  const v = new DataView(m.buffer);
  v.setUint32(0, type, true);
  v.setUint32(4, reqId, true);
  v.setUint32(8, txId, true);
  v.setUint32(12, p.length, true);
  m.set(p, 16);
  return m;
}

export class GuestRing {
  readonly page = new Uint8Array(PAGE);
  readonly v = new DataView(this.page.buffer);
  /** Received bytes not yet parsed into messages (guest memory). */
  rx: number[] = [];
  notifications = 0;

  get(off: number): number {
    return this.v.getUint32(off, true);
  }
  set(off: number, val: number): void {
    this.v.setUint32(off, val >>> 0, true);
  }

  /** Pushes as many bytes as fit; returns how many were written. */
  push(bytes: Uint8Array): number {
    const cons = this.get(REQ_CONS);
    let prod = this.get(REQ_PROD);
    const space = Math.max(0, 1024 - ((prod - cons) >>> 0));
    const n = Math.min(space, bytes.length);
    for (let i = 0; i < n; i++) this.page[REQ + ((prod + i) & 1023)] = bytes[i]!;
    prod = (prod + n) >>> 0;
    this.set(REQ_PROD, prod);
    return n;
  }

  /** Drains the response ring into the receive buffer. */
  pull(): void {
    let cons = this.get(RSP_CONS);
    const prod = this.get(RSP_PROD);
    // Like Linux, refuse indices further apart than the ring.
    if (((prod - cons) >>> 0) > 1024) return;
    while (cons !== prod) {
      this.rx.push(this.page[RSP + (cons & 1023)]!);
      cons = (cons + 1) >>> 0;
    }
    this.set(RSP_CONS, cons);
  }

  /** Complete messages received so far. */
  messages(): Msg[] {
    const out: Msg[] = [];
    for (;;) {
      if (this.rx.length < 16) return out;
      const h = new DataView(Uint8Array.from(this.rx.slice(0, 16)).buffer);
      const len = h.getUint32(12, true);
      if (this.rx.length < 16 + len) return out;
      out.push({ type: h.getUint32(0, true), reqId: h.getUint32(4, true), txId: h.getUint32(8, true), payload: Uint8Array.from(this.rx.slice(16, 16 + len)) });
      this.rx = this.rx.slice(16 + len);
    }
  }
}
