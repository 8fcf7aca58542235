// A fake blkfront written for the tests: it plays the guest's side of the vbd protocol through
// the same doors a real frontend uses (XenStore as domain 1, a port from alloc_unbound, grant
// entries in the domain's grant table, EVTCHNOP_send) and lays requests out with literal offsets
// from gcc on Xen 4.17's io/blkif.h (reference/pv-guest-requirements.md appendix A), not with
// src/xen/abi, so a wrong layout there shows up here.
import { ECS_UNBOUND } from '../../../src/xen/evtchn.ts';
import { evtchnSend } from '../../../src/xen/hypercall/event_channel_op.ts';
import type { XenDomain } from '../../../src/xen/xen_domain.ts';
import type { XsConnection } from '../../../src/xen/xenstore/store.ts';

export type FrontAbi = 'x86_64' | 'x86_32';

/** gcc -m64 / -m32 on struct blkif_request / blkif_response / blkif_sring (rspSize: sizeof the response alone). */
export const LAYOUT = {
  x86_64: { reqSize: 112, id: 8, sector: 16, seg: 24, rspSize: 16 },
  x86_32: { reqSize: 108, id: 4, sector: 12, seg: 20, rspSize: 12 },
} as const;
export const RING_HDR = 64;
export const RING_SLOTS = 32;

export interface Seg {
  gref: number;
  first: number;
  last: number;
}

export interface Req {
  op: number;
  nr?: number;
  handle?: number;
  idLo: number;
  idHi?: number;
  sector: number;
  segs?: Seg[];
}

export interface Rsp {
  idLo: number;
  idHi: number;
  op: number;
  status: number;
}

export class FakeBlkfront {
  readonly conn: XsConnection;
  readonly ringGfn = 0x200;
  /** Data pages: gfn 0x210 + i, granted as ref 8 + i (Linux also keeps refs below 8 reserved). */
  readonly dataGfn = 0x210;
  port = 0;
  reqProd = 0;
  rspCons = 0;
  readonly watchEvents: string[] = [];

  constructor(
    readonly d: XenDomain,
    readonly abi: FrontAbi,
    readonly dir = '/local/domain/1/device/vbd/51712',
  ) {
    this.conn = d.xenstore.store.connect(1, (path) => this.watchEvents.push(path));
  }

  get mem() {
    return this.d.mem;
  }

  host(gfn: number): number {
    return this.mem.physPage(gfn);
  }

  read(path: string): string | undefined {
    return this.d.xenstore.store.tryRead(this.conn, 0, path);
  }

  write(path: string, value: string): void {
    this.d.xenstore.store.write(this.conn, 0, path, value);
  }

  /** grant_entry_v1 {u16 flags; u16 domid; u32 frame}. */
  grant(ref: number, gfn: number, flags = 1, domid = 0): void {
    const e = this.d.gnttab.entry(ref);
    const v = this.mem.view;
    v.setUint16(e, flags, true);
    v.setUint16(e + 2, domid, true);
    v.setUint32(e + 4, gfn, true);
  }

  dataRef(i: number): number {
    return 8 + i;
  }

  /** SHARED_RING_INIT, grants, alloc_unbound(remote 0), then the XenStore handshake up to `state`. */
  connect(state = 3, protocol: string | null = this.abi === 'x86_64' ? 'x86_64-abi' : 'x86_32-abi'): void {
    const r = this.host(this.ringGfn);
    this.mem.u8.fill(0, r, r + 4096);
    this.reqProd = 0;
    this.rspCons = 0;
    this.grant(7, this.ringGfn);
    for (let i = 0; i < 16; i++) this.grant(this.dataRef(i), this.dataGfn + i);
    const ev = this.d.evtchn;
    this.port = ev.allocate(ECS_UNBOUND, 0);
    ev.ports[this.port]!.remoteDom = 0;
    this.write(`${this.dir}/ring-ref`, '7');
    this.write(`${this.dir}/event-channel`, String(this.port));
    if (protocol !== null) this.write(`${this.dir}/protocol`, protocol);
    this.write(`${this.dir}/state`, String(state));
  }

  /** Puts a request in the next slot (does not publish it). */
  put(q: Req): void {
    const L = LAYOUT[this.abi];
    const v = this.mem.view;
    const slot = this.host(this.ringGfn) + RING_HDR + (this.reqProd % RING_SLOTS) * L.reqSize;
    const segs = q.segs ?? [];
    v.setUint8(slot, q.op);
    v.setUint8(slot + 1, q.nr ?? segs.length);
    v.setUint16(slot + 2, q.handle ?? 51712, true);
    v.setUint32(slot + L.id, q.idLo, true);
    v.setUint32(slot + L.id + 4, q.idHi ?? 0, true);
    v.setUint32(slot + L.sector, q.sector % 0x1_0000_0000, true);
    v.setUint32(slot + L.sector + 4, Math.floor(q.sector / 0x1_0000_0000), true);
    segs.forEach((s, i) => {
      v.setUint32(slot + L.seg + i * 8, s.gref, true);
      v.setUint8(slot + L.seg + i * 8 + 4, s.first);
      v.setUint8(slot + L.seg + i * 8 + 5, s.last);
    });
    this.reqProd++;
  }

  /** RING_PUSH_REQUESTS then EVTCHNOP_send, as GRUB does. */
  push(...qs: Req[]): void {
    for (const q of qs) this.put(q);
    this.mem.view.setUint32(this.host(this.ringGfn), this.reqProd >>> 0, true);
    this.notify();
  }

  notify(): number {
    return evtchnSend(this.d, 0, this.port);
  }

  setReqProd(n: number): void {
    this.mem.view.setUint32(this.host(this.ringGfn), n >>> 0, true);
  }

  get rspProd(): number {
    return this.mem.view.getUint32(this.host(this.ringGfn) + 8, true);
  }

  get reqEvent(): number {
    return this.mem.view.getUint32(this.host(this.ringGfn) + 4, true);
  }

  /** Asks for a notify on the next response (RING_FINAL_CHECK_FOR_RESPONSES). */
  armRspEvent(): void {
    this.mem.view.setUint32(this.host(this.ringGfn) + 12, this.rspCons + 1, true);
  }

  /** Takes every response published so far. */
  take(): Rsp[] {
    const L = LAYOUT[this.abi];
    const v = this.mem.view;
    const out: Rsp[] = [];
    const prod = this.rspProd;
    while (this.rspCons !== prod) {
      // Slots are sizeof(union blkif_sring_entry): the request size, for responses too.
      const slot = this.host(this.ringGfn) + RING_HDR + (this.rspCons % RING_SLOTS) * L.reqSize;
      out.push({ idLo: v.getUint32(slot, true), idHi: v.getUint32(slot + 4, true), op: v.getUint8(slot + 8), status: v.getInt16(slot + 10, true) });
      this.rspCons++;
    }
    return out;
  }

  data(i: number): Uint8Array {
    const h = this.host(this.dataGfn + i);
    return this.mem.u8.subarray(h, h + 4096);
  }
}
