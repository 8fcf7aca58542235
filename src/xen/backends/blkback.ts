// The PV block backend (xen/include/public/io/blkif.h): one vbd of one guest, served from a
// BlockDevice. XenStore layout as libxl writes it (reference/pv-guest-requirements.md §4.2):
//   /local/domain/0/backend/vbd/<domid>/<vdev>/  frontend, frontend-id, online, state, dev, type,
//       params, mode, sectors, sector-size, info, feature-flush-cache, …   (dom0-owned, guest-readable)
//   /local/domain/<domid>/device/vbd/<vdev>/      backend, backend-id, state = 1, virtual-device,
//       device-type = disk                                                   (guest-owned)
// `dev` (= "xvda") is what makes GRUB call the disk (xen/xvda) (grub-core/disk/xen/xendisk.c).
//
// Requests: READ, WRITE, FLUSH_DISKCACHE (with segments: a flushed write). WRITE_BARRIER, DISCARD and INDIRECT are not advertised
// and are answered BLKIF_RSP_EOPNOTSUPP; anything malformed (segment count outside 1..11,
// first_sect > last_sect or last_sect > 7, sectors past the end, a grant we may not use, a write
// to a read-only disk, an unknown op) gets BLKIF_RSP_ERROR. The request is copied out of the ring
// before it is checked, so the guest cannot change it under us. A frontend whose req_prod runs
// more than a ring ahead of req_cons is broken: the ring is left alone until it reconnects
// (Linux blkback: "Frontend provided bogus ring requests"). Work per notify is bounded by the
// ring size.
//
// Determinism (DESIGN.md invariant 1). The BlockDevice is asynchronous, so the guest must never
// see a completion "when the promise settles". The rule:
//   1. The guest's notify (EVTCHNOP_send, or SCHEDOP_yield) consumes requests synchronously,
//      copies write data into private buffers and starts the device operations, then ends the
//      execution slice (ops.endSlice()).
//   2. The host, seeing ioPending(), awaits settle() before it runs the machine again. settle()
//      waits for every operation, then writes all responses (and read data) into the guest and
//      notifies — so responses appear at exactly the instruction count of the notify that issued
//      them, however long the I/O took in wall time. A host that keeps running without settling
//      only delays completions (the guest polls), it never makes them nondeterministic.
// Flushes wait for every operation issued before them, then flush the device (the BlockDevice
// only promises durability for writes that resolved before flush() was called).
import { SECTOR_SIZE, type BlockDevice } from '../../machine/block_device.ts';
import {
  BLKIF_MAX_SEGMENTS_PER_REQUEST,
  BLKIF_OP_DISCARD,
  BLKIF_OP_FLUSH_DISKCACHE,
  BLKIF_OP_INDIRECT,
  BLKIF_OP_READ,
  BLKIF_OP_WRITE,
  BLKIF_OP_WRITE_BARRIER,
  BLKIF_RSP_EOPNOTSUPP,
  BLKIF_RSP_ERROR,
  BLKIF_RSP_OKAY,
  BlkifRequestLayout,
  BlkifResponseLayout,
  BlkifRing,
  VDISK_READONLY,
  XEN_IO_PROTO_ABI_X86_32,
  XEN_IO_PROTO_ABI_X86_64,
} from '../abi/io/blkif.ts';
import { XenbusStateClosed, XenbusStateConnected, XenbusStateInitialising, XenbusStateInitWait, xenbusStateNames } from '../abi/io/xenbus.ts';
import type { Abi } from '../abi/struct.ts';
import type { BackendOps } from './backend_ops.ts';
import type { Vdev } from './vbd_vdev.ts';
import { backendTransition, parseXenbusState } from './xenbus_state.ts';

const SECTORS_PER_PAGE = 4096 / SECTOR_SIZE;
/** sring header offsets (io/ring.h), the same in both ABIs. */
const REQ_PROD = 0;
const REQ_EVENT = 4;
const RSP_PROD = 8;
const RSP_EVENT = 12;
const SEG_SIZE = 8;

/** Per-ABI request/response offsets, copied once (hot path reads plain numbers). */
interface RingAbi {
  readonly abi: Abi;
  readonly ringOffset: number;
  readonly entrySize: number;
  readonly entries: number;
  readonly nrSegments: number;
  readonly handle: number;
  readonly id: number;
  readonly sector: number;
  readonly seg: number;
  readonly rspId: number;
  readonly rspOp: number;
  readonly rspStatus: number;
}

function ringAbi(abi: Abi): RingAbi {
  const q = BlkifRequestLayout[abi], r = BlkifResponseLayout[abi];
  return {
    abi,
    ringOffset: BlkifRing.ringOffset[abi],
    entrySize: BlkifRing.entrySize[abi],
    entries: BlkifRing.entries[abi],
    nrSegments: q.nr_segments,
    handle: q.handle,
    id: q.id,
    sector: q.sector_number,
    seg: q.seg,
    rspId: r.id,
    rspOp: r.operation,
    rspStatus: r.status,
  };
}
const RING_ABI: Record<Abi, RingAbi> = { x86_64: ringAbi('x86_64'), x86_32: ringAbi('x86_32') };

interface Segment {
  readonly gref: number;
  readonly first: number;
  readonly last: number;
}

/** A request taken off the ring, waiting for its device operation. */
interface Inflight {
  readonly idLo: number;
  readonly idHi: number;
  readonly op: number;
  status: number;
  /** Read: the sectors read, copied to the segments at completion. */
  readonly buffer: Uint8Array | null;
  readonly segs: readonly Segment[];
  /** The connection it came from: responses for an earlier connection are dropped. */
  readonly gen: number;
  /** The trace flow of the notify that started it. */
  readonly flow: number;
  done: Promise<void>;
}

export interface BlkbackOptions {
  readonly vdev: Vdev;
  /** Shown in `params` (a file name, or an image's name). */
  readonly params: string;
  /** Read-only even if the device is writable (`mode = r`). */
  readonly readOnly?: boolean;
}

export interface BlkbackStats {
  requests: number;
  sectorsRead: number;
  sectorsWritten: number;
  flushes: number;
  errors: number;
}

/** What a snapshot keeps of a backend (DESIGN.md invariant 8); taken only with no I/O in flight. */
export interface BlkbackState {
  readonly state: number;
  /** Host offset of the mapped ring page (guest memory is saved whole), or -1. */
  readonly ring: number;
  readonly ringRef: number;
  readonly port: number;
  readonly abi: Abi;
  readonly reqCons: number;
  readonly rspProdPvt: number;
  readonly broken: string | null;
  readonly gen: number;
  readonly stats: BlkbackStats;
}

export class Blkback {
  readonly backendPath: string;
  readonly frontendPath: string;
  readonly readOnly: boolean;
  readonly stats: BlkbackStats = { requests: 0, sectorsRead: 0, sectorsWritten: 0, flushes: 0, errors: 0 };
  state = XenbusStateInitialising;
  /** Why the ring was abandoned (a broken frontend), or null. */
  broken: string | null = null;
  private ring = -1;
  private ringRef = -1;
  private port = -1;
  private layout: RingAbi = RING_ABI.x86_64;
  private reqCons = 0;
  private rspProdPvt = 0;
  private inflight: Inflight[] = [];
  private gen = 0;
  /** Settles when every operation issued so far has (flushes chain on it). */
  private lastOp: Promise<void> = Promise.resolve();

  constructor(
    private readonly ops: BackendOps,
    private readonly dev: BlockDevice,
    readonly opts: BlkbackOptions,
  ) {
    const vd = opts.vdev.number;
    const domid = ops.frontendDomid;
    this.backendPath = `/local/domain/0/backend/vbd/${domid}/${vd}`;
    this.frontendPath = `/local/domain/${domid}/device/vbd/${vd}`;
    this.readOnly = (opts.readOnly ?? false) || dev.readOnly;
    this.publish();
    ops.xsWatch(`${this.frontendPath}/state`, () => this.frontendChanged());
  }

  /** The toolstack's part: both directories, then InitWait once the features are out. */
  private publish(): void {
    const o = this.ops, b = this.backendPath, f = this.frontendPath, domid = o.frontendDomid;
    const w = (p: string, v: string): void => o.xsWrite(p, v);
    w(b, '');
    o.xsSetPerms(b, ['n0', `r${domid}`]);
    w(`${b}/frontend`, f);
    w(`${b}/frontend-id`, String(domid));
    w(`${b}/online`, '1');
    w(`${b}/dev`, this.opts.vdev.name);
    w(`${b}/type`, 'phy');
    w(`${b}/params`, this.opts.params);
    w(`${b}/mode`, this.readOnly ? 'r' : 'w');
    w(`${b}/removable`, '0');
    w(`${b}/sectors`, String(this.dev.sectorCount));
    w(`${b}/sector-size`, String(SECTOR_SIZE));
    w(`${b}/info`, String(this.readOnly ? VDISK_READONLY : 0));
    w(`${b}/feature-flush-cache`, '1');
    w(f, '');
    o.xsSetPerms(f, [`n${domid}`, 'r0']);
    w(`${f}/backend`, b);
    w(`${f}/backend-id`, '0');
    w(`${f}/virtual-device`, String(this.opts.vdev.number));
    w(`${f}/device-type`, 'disk');
    w(`${f}/state`, String(XenbusStateInitialising));
    this.setState(XenbusStateInitWait);
  }

  private setState(s: number): void {
    if (s === this.state) return;
    if (this.ops.tracing) {
      this.ops.trace('xen_device_backend_state', { type: 'vbd', devid: this.opts.vdev.number, from: xenbusStateNames[this.state] ?? String(this.state), to: xenbusStateNames[s] ?? String(s) });
    }
    this.state = s;
    this.ops.xsWrite(`${this.backendPath}/state`, String(s));
  }

  private frontendChanged(): void {
    const fe = parseXenbusState(this.ops.xsRead(`${this.frontendPath}/state`));
    if (this.ops.tracing) this.ops.trace('xen_device_frontend_state', { type: 'vbd', devid: this.opts.vdev.number, state: xenbusStateNames[fe] ?? String(fe) });
    const t = backendTransition(this.state, fe);
    if (t.action === 'connect') {
      const err = this.connect();
      if (err !== null) {
        this.ops.xsWrite(`/local/domain/0/error/backend/vbd/${this.ops.frontendDomid}/${this.opts.vdev.number}/error`, err);
        if (this.ops.tracing) this.ops.trace('xen_block_connect_error', { devid: this.opts.vdev.number, reason: err });
        return; // stay in InitWait: a frontend may write its ring details and try again
      }
    } else if (t.action === 'disconnect') {
      this.disconnect();
    }
    this.setState(t.state);
  }

  /** Reads ring-ref, event-channel and protocol, maps the ring and binds the port; an error text or null. */
  private connect(): string | null {
    const o = this.ops, f = this.frontendPath;
    const order = o.xsRead(`${f}/ring-page-order`);
    if (order !== undefined && order !== '0') return `ring-page-order ${order} not supported`;
    const ref = parseU32(o.xsRead(`${f}/ring-ref`) ?? o.xsRead(`${f}/ring-ref0`));
    const port = parseU32(o.xsRead(`${f}/event-channel`));
    if (ref === null) return 'reading ring-ref';
    if (port === null) return 'reading event-channel';
    const proto = o.xsRead(`${f}/protocol`);
    let abi: Abi;
    if (proto === undefined || proto === XEN_IO_PROTO_ABI_X86_64) abi = 'x86_64';
    else if (proto === XEN_IO_PROTO_ABI_X86_32) abi = 'x86_32';
    else return `unknown fe protocol ${proto}`;
    const ring = o.grantMap(ref, true);
    if (ring < 0) return `mapping ring-ref ${ref} failed (${ring})`;
    const bound = o.evtchnBind(port, () => this.notified());
    if (bound < 0) {
      o.grantUnmap(ref, true);
      return `binding port ${port} failed`;
    }
    this.ring = ring;
    this.ringRef = ref;
    this.port = port;
    this.layout = RING_ABI[abi];
    // BACK_RING_INIT: the frontend initialised the page (SHARED_RING_INIT); both indices from 0.
    this.reqCons = 0;
    this.rspProdPvt = 0;
    this.gen++;
    this.broken = null;
    if (o.tracing) o.trace('xen_block_connect', { devid: this.opts.vdev.number, ring_ref: ref, port, protocol: abi });
    // Requests pushed before we connected (a frontend may not notify again).
    this.consume();
    return null;
  }

  private disconnect(): void {
    if (this.ring < 0) return;
    this.ops.evtchnUnbind(this.port);
    this.ops.grantUnmap(this.ringRef, true);
    if (this.ops.tracing) this.ops.trace('xen_block_disconnect', { devid: this.opts.vdev.number });
    this.ring = -1;
    this.ringRef = -1;
    this.port = -1;
    // Operations still in flight complete into nothing: their responses are dropped at settle.
  }

  get connected(): boolean {
    return this.ring >= 0 && this.state === XenbusStateConnected;
  }

  /** The guest notified us (EVTCHNOP_send on the ring's port). */
  private notified(): void {
    this.consume();
  }

  /** Runs at SCHEDOP_yield too (GRUB polls with yield; a notify may have been skipped). */
  poll(): void {
    this.consume();
  }

  /** True while device operations are in flight: the host must await settle() before running on. */
  ioPending(): boolean {
    return this.inflight.length > 0;
  }

  /** Takes every request the frontend has pushed (at most one ring's worth) and starts them. */
  private consume(): void {
    if (this.ring < 0 || this.broken !== null) return;
    const v = this.ops.mem.view, L = this.layout, ring = this.ring;
    let started = 0;
    for (let pass = 0; pass < 2; pass++) {
      const rp = v.getUint32(ring + REQ_PROD, true) >>> 0;
      const pending = (rp - this.reqCons) >>> 0;
      if (pending > L.entries) {
        this.broken = `req_prod ${rp} - req_cons ${this.reqCons} = ${pending} > ${L.entries}`;
        if (this.ops.tracing) this.ops.trace('xen_block_ring_broken', { devid: this.opts.vdev.number, reason: this.broken });
        return;
      }
      while (this.reqCons !== rp) {
        const slot = ring + L.ringOffset + (this.reqCons & (L.entries - 1)) * L.entrySize;
        this.reqCons = (this.reqCons + 1) >>> 0;
        this.start(v, slot);
        started++;
      }
      // RING_FINAL_CHECK_FOR_REQUESTS: ask for a notify at the next request, then look again.
      v.setUint32(ring + REQ_EVENT, (this.reqCons + 1) >>> 0, true);
      if ((v.getUint32(ring + REQ_PROD, true) >>> 0) === this.reqCons) break;
    }
    if (started > 0 && this.inflight.length > 0) this.ops.endSlice();
  }

  /** Copies one request out of the ring, checks it and starts its operation. */
  private start(v: DataView, slot: number): void {
    const L = this.layout;
    const op = v.getUint8(slot);
    const idLo = v.getUint32(slot + L.id, true), idHi = v.getUint32(slot + L.id + 4, true);
    const n = v.getUint8(slot + L.nrSegments);
    const sectorLo = v.getUint32(slot + L.sector, true) >>> 0, sectorHi = v.getUint32(slot + L.sector + 4, true) >>> 0;
    this.stats.requests++;
    const fail = (status: number, why: string): void => {
      this.stats.errors++;
      if (this.ops.tracing) this.ops.trace('xen_block_request_error', { devid: this.opts.vdev.number, op, status, reason: why });
      this.queue({ idLo, idHi, op, status, buffer: null, segs: [], gen: this.gen, flow: this.ops.flow, done: Promise.resolve() });
    };
    if (op === BLKIF_OP_FLUSH_DISKCACHE) this.stats.flushes++;
    if (op === BLKIF_OP_FLUSH_DISKCACHE && n === 0) {
      if (this.ops.tracing) this.ops.trace('xen_block_flush', { devid: this.opts.vdev.number });
      const req: Inflight = { idLo, idHi, op, status: BLKIF_RSP_OKAY, buffer: null, segs: [], gen: this.gen, flow: this.ops.flow, done: Promise.resolve() };
      req.done = this.lastOp.then(() => this.dev.flush()).then(
        () => undefined,
        () => {
          req.status = BLKIF_RSP_ERROR;
        },
      );
      this.queue(req);
      return;
    }
    if (op === BLKIF_OP_WRITE_BARRIER || op === BLKIF_OP_DISCARD || op === BLKIF_OP_INDIRECT) {
      fail(BLKIF_RSP_EOPNOTSUPP, 'not advertised');
      return;
    }
    if (op !== BLKIF_OP_READ && op !== BLKIF_OP_WRITE && op !== BLKIF_OP_FLUSH_DISKCACHE) {
      fail(BLKIF_RSP_ERROR, 'unknown operation');
      return;
    }
    // A FLUSH_DISKCACHE with segments is Linux blkfront's FUA/preflush write: flush, write, flush
    // (blkback treats it as a REQ_PREFLUSH write; QEMU as a write with presync).
    const write = op !== BLKIF_OP_READ;
    if (n === 0 || n > BLKIF_MAX_SEGMENTS_PER_REQUEST) {
      fail(BLKIF_RSP_ERROR, `nr_segments ${n}`);
      return;
    }
    const segs: Segment[] = [];
    let sectors = 0;
    for (let i = 0; i < n; i++) {
      const s = slot + L.seg + i * SEG_SIZE;
      const gref = v.getUint32(s, true) >>> 0, first = v.getUint8(s + 4), last = v.getUint8(s + 5);
      if (first > last || last >= SECTORS_PER_PAGE) {
        fail(BLKIF_RSP_ERROR, `segment ${i} sectors ${first}..${last}`);
        return;
      }
      segs.push({ gref, first, last });
      sectors += last - first + 1;
    }
    const sector = sectorHi * 0x1_0000_0000 + sectorLo;
    if (sectorHi >= 0x200000 || sector + sectors > this.dev.sectorCount) {
      fail(BLKIF_RSP_ERROR, `sectors ${sector}+${sectors} past ${this.dev.sectorCount}`);
      return;
    }
    const buffer = new Uint8Array(sectors * SECTOR_SIZE);
    if (write) {
      if (this.readOnly) {
        fail(BLKIF_RSP_ERROR, 'read-only disk');
        return;
      }
      let at = 0;
      for (const g of segs) {
        const len = (g.last - g.first + 1) * SECTOR_SIZE;
        const st = this.ops.grantCopy(g.gref, g.first * SECTOR_SIZE, buffer.subarray(at, at + len), false);
        if (st !== 0) {
          fail(BLKIF_RSP_ERROR, `grant ${g.gref} (${st})`);
          return;
        }
        at += len;
      }
      this.stats.sectorsWritten += sectors;
    } else {
      this.stats.sectorsRead += sectors;
    }
    if (this.ops.tracing) this.ops.trace(write ? 'xen_block_write' : 'xen_block_read', { devid: this.opts.vdev.number, sector, sectors, segs: n, flush: op === BLKIF_OP_FLUSH_DISKCACHE ? 1 : 0 });
    const req: Inflight = { idLo, idHi, op, status: BLKIF_RSP_OKAY, buffer: write ? null : buffer, segs, gen: this.gen, flow: this.ops.flow, done: Promise.resolve() };
    const dev = this.dev;
    const io =
      op === BLKIF_OP_READ ? dev.read(sector, buffer)
      : op === BLKIF_OP_WRITE ? dev.write(sector, buffer)
      : this.lastOp.then(() => dev.flush()).then(() => dev.write(sector, buffer)).then(() => dev.flush());
    // The device may reject (never throw); a rejection is the guest's BLKIF_RSP_ERROR.
    req.done = io.then(
      () => undefined,
      () => {
        req.status = BLKIF_RSP_ERROR;
        this.stats.errors++;
      },
    );
    this.queue(req);
  }

  private queue(req: Inflight): void {
    this.inflight.push(req);
    this.lastOp = Promise.all([this.lastOp, req.done]).then(() => undefined);
  }

  /**
   * Waits for every operation in flight, then writes their responses (and read data) into the
   * ring in issue order and notifies the frontend if it asked (RING_PUSH_RESPONSES_AND_CHECK_NOTIFY).
   * The guest sees nothing of the I/O until this runs.
   */
  async settle(): Promise<void> {
    while (this.inflight.length > 0) {
      const batch = this.inflight;
      this.inflight = [];
      await Promise.all(batch.map((r) => r.done));
      this.complete(batch.filter((r) => r.gen === this.gen));
    }
  }

  private complete(batch: readonly Inflight[]): void {
    if (this.ring < 0 || batch.length === 0) return; // disconnected meanwhile: nobody to answer
    const v = this.ops.mem.view, L = this.layout, ring = this.ring;
    // The completion belongs to the notify that started it (its trace flow).
    this.ops.flow = batch[0]!.flow;
    for (const r of batch) {
      let status = r.status;
      if (status === BLKIF_RSP_OKAY && r.buffer) {
        let at = 0;
        for (const g of r.segs) {
          const len = (g.last - g.first + 1) * SECTOR_SIZE;
          if (this.ops.grantCopy(g.gref, g.first * SECTOR_SIZE, r.buffer.subarray(at, at + len), true) !== 0) {
            status = BLKIF_RSP_ERROR;
            this.stats.errors++;
            break;
          }
          at += len;
        }
      }
      const slot = ring + L.ringOffset + (this.rspProdPvt & (L.entries - 1)) * L.entrySize;
      v.setUint32(slot + L.rspId, r.idLo, true);
      v.setUint32(slot + L.rspId + 4, r.idHi, true);
      v.setUint8(slot + L.rspOp, r.op);
      v.setInt16(slot + L.rspStatus, status, true);
      this.rspProdPvt = (this.rspProdPvt + 1) >>> 0;
    }
    const old = v.getUint32(ring + RSP_PROD, true) >>> 0, nw = this.rspProdPvt;
    v.setUint32(ring + RSP_PROD, nw, true);
    const event = v.getUint32(ring + RSP_EVENT, true) >>> 0;
    if (((nw - event) >>> 0) < ((nw - old) >>> 0)) this.ops.evtchnNotify(this.port);
    if (this.ops.tracing) this.ops.trace('xen_block_complete', { devid: this.opts.vdev.number, responses: batch.length, rsp_prod: nw });
    // More requests may have been pushed without a notify (the frontend saw our req_event).
    this.consume();
  }

  saveState(): BlkbackState {
    if (this.ioPending()) throw new Error('blkback: snapshot with disk I/O in flight (settleIo() first)');
    return {
      state: this.state,
      ring: this.ring,
      ringRef: this.ringRef,
      port: this.port,
      abi: this.layout.abi,
      reqCons: this.reqCons,
      rspProdPvt: this.rspProdPvt,
      broken: this.broken,
      gen: this.gen,
      stats: { ...this.stats },
    };
  }

  /**
   * Restore into a backend built the same way, after the domain restored guest memory, event
   * channels, grant pins and XenStore (the dom0 watch is this instance's own registration).
   */
  loadState(s: BlkbackState): void {
    this.inflight = [];
    this.state = s.state;
    this.ring = s.ring;
    this.ringRef = s.ringRef;
    this.port = s.port;
    this.layout = RING_ABI[s.abi === 'x86_32' ? 'x86_32' : 'x86_64'];
    this.reqCons = s.reqCons >>> 0;
    this.rspProdPvt = s.rspProdPvt >>> 0;
    this.broken = s.broken;
    this.gen = s.gen;
    Object.assign(this.stats, s.stats);
    if (this.ring >= 0 && !this.ops.evtchnReattach(this.port, () => this.notified())) throw new Error(`snapshot: vbd port ${this.port} is not bound to dom0`);
  }

  /** The device is going away (machine teardown). */
  close(): void {
    this.disconnect();
    this.ops.xsUnwatch(`${this.frontendPath}/state`);
    this.setState(XenbusStateClosed);
  }
}

function parseU32(s: string | undefined): number | null {
  if (s === undefined || !/^[0-9]{1,10}$/.test(s)) return null;
  const n = Number(s);
  return n <= 0xffffffff ? n : null;
}
