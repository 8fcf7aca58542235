// The XenStore wire protocol on a guest's shared ring page (xen/io/xs_wire.h,
// docs/misc/xenstore.txt): xsd_sockmsg messages streamed through the 1 KiB request and response
// rings of xenstore_domain_interface, answered from store.ts.
//
// The server sees the page through an abstract view (a Uint8Array over the guest page and a notify
// callback), so it runs without the rest of Xen. Call process() when the guest signals the store
// event channel (and at SCHEDOP_yield: GRUB polls). It consumes whole requests, answers them in
// order, and streams replies and watch events as the guest frees ring space. A watch event caused
// by another client (the toolstack, a backend) is written to the ring and notified at once; new
// requests are only read in process(), never from inside another client's store call.
//
// Guest-controlled input never throws out of process(): malformed messages get an XS_ERROR reply;
// a payload longer than XENSTORE_PAYLOAD_MAX or ring indices more than a ring apart are fatal for
// the connection (xenstored drops such a connection; QEMU stops the ring), after which the server
// ignores the ring and reports `fatal`.
//
// Output is bounded: a new request is only read once every earlier reply has been written to the
// ring, and at most MAX_QUEUED_EVENTS watch events wait for ring space; beyond that, events are
// dropped (watches "may be triggered spuriously", but a stalled guest must not grow our memory).
import {
  XS_CONTROL,
  XS_DIRECTORY,
  XS_DIRECTORY_PART,
  XS_ERROR,
  XS_GET_DOMAIN_PATH,
  XS_GET_PERMS,
  XS_INTRODUCE,
  XS_IS_DOMAIN_INTRODUCED,
  XS_MKDIR,
  XS_READ,
  XS_RELEASE,
  XS_RESET_WATCHES,
  XS_RESUME,
  XS_RM,
  XS_SET_PERMS,
  XS_SET_TARGET,
  XS_TRANSACTION_END,
  XS_TRANSACTION_START,
  XS_UNWATCH,
  XS_WATCH,
  XS_WATCH_EVENT,
  XS_WRITE,
  XENSTORE_PAYLOAD_MAX,
  XENSTORE_RING_SIZE,
  XenstoreDomainInterfaceLayout,
  XsdSockmsgLayout,
  type XsdError,
} from '../abi/io/xs_wire.ts';
import { XsError, xsBytes, xsString, type XenStore, type XsConnection, type XsConnectionState } from './store.ts';

/** The ring server's own state (the page itself is guest memory, saved with RAM). */
export interface XsRingServerState {
  readonly connection: XsConnectionState;
  /** The partly received request, as a byte string. */
  readonly input: string;
  /** Replies and events not yet (fully) written to the ring; the first is written up to outOff. */
  readonly output: readonly string[];
  readonly outOff: number;
  readonly queuedEvents: number;
  readonly fatal: string | null;
}

/** The guest's xenstore page as the server sees it. */
export interface XsRingView {
  /** At least sizeof(struct xenstore_domain_interface) bytes: the guest page. */
  readonly page: Uint8Array;
  /** Signal the guest (its store event channel). */
  notify(): void;
}

// xenstore_domain_interface is identical in both ABIs (chars and uint32s only).
const L = XenstoreDomainInterfaceLayout.x86_64;
const REQ = L.req;
const RSP = L.rsp;
const REQ_CONS = L.req_cons;
const REQ_PROD = L.req_prod;
const RSP_CONS = L.rsp_cons;
const RSP_PROD = L.rsp_prod;
const HDR = XsdSockmsgLayout.sizeof.x86_64;
const MASK = XENSTORE_RING_SIZE - 1;
const MAX_QUEUED_EVENTS = 1024;

/** Ring-level trace records (request-level ones come from the store's observer). */
export type XsWireTraceEvent =
  | { name: 'xenstore_request'; domid: number; type: number; reqId: number; txId: number; len: number }
  | { name: 'xenstore_error'; domid: number; reqId: number; txId: number; error: XsdError }
  | { name: 'xenstore_fatal'; domid: number; reason: string };

const OK = xsBytes('OK\0');

export class XenstoreRingServer {
  private readonly view: DataView;
  private readonly conn: XsConnection;
  /** Bytes of the request being assembled: header, then payload. */
  private readonly inBuf = new Uint8Array(HDR + XENSTORE_PAYLOAD_MAX);
  private inUsed = 0;
  /** Messages waiting for response-ring space; out[0] is partly written up to outOff. */
  private readonly out: Uint8Array[] = [];
  private outOff = 0;
  private handling = false;
  private processing = false;
  private readonly deferredEvents: Array<[string, string]> = [];
  private queuedEvents = 0;
  /** Set when the guest broke the protocol beyond repair; the ring is then ignored. */
  fatal: string | undefined;
  observer: ((ev: XsWireTraceEvent) => void) | undefined;

  constructor(
    private readonly store: XenStore,
    readonly domid: number,
    private readonly ring: XsRingView,
  ) {
    if (ring.page.byteLength < XenstoreDomainInterfaceLayout.sizeof.x86_64) throw new RangeError('xenstore page too small');
    this.view = new DataView(ring.page.buffer, ring.page.byteOffset, ring.page.byteLength);
    this.conn = store.connect(domid, (path, token) => this.onWatchEvent(path, token));
  }

  /** The store connection this ring speaks for (the guest's watches and transactions). */
  get connection(): XsConnection {
    return this.conn;
  }

  saveState(): XsRingServerState {
    return {
      connection: this.store.saveConnection(this.conn),
      input: xsString(this.inBuf.subarray(0, this.inUsed)),
      output: this.out.map(xsString),
      outOff: this.outOff,
      queuedEvents: this.queuedEvents,
      fatal: this.fatal ?? null,
    };
  }

  /** Restores a server created afresh over the restored page (its store already restored). */
  loadState(st: XsRingServerState): void {
    this.store.restoreConnection(this.conn, st.connection);
    const input = xsBytes(st.input);
    if (input.length > this.inBuf.length) throw new Error('xenstore ring state: input too long');
    this.inBuf.set(input);
    this.inUsed = input.length;
    this.out.length = 0;
    for (const m of st.output) this.out.push(xsBytes(m));
    this.outOff = st.outOff;
    this.queuedEvents = st.queuedEvents;
    this.fatal = st.fatal ?? undefined;
  }

  /** Drops the connection (domain destroyed or soft reset of the ring). */
  close(): void {
    this.store.disconnect(this.conn);
  }

  /** Moves as many bytes as possible both ways; notifies the guest once if anything moved. */
  process(): void {
    if (this.fatal || this.processing) return;
    this.processing = true;
    let moved = false;
    for (;;) {
      let progress = this.flushOut();
      if (this.fatal) break;
      if (this.out.length === 0) progress = this.readRequest() || progress;
      if (this.fatal) break;
      if (!progress) break;
      moved = true;
    }
    this.processing = false;
    if (moved) this.ring.notify();
  }

  private u32(off: number): number {
    return this.view.getUint32(off, true);
  }

  private fail(reason: string): void {
    this.fatal = reason;
    if (this.observer) this.observer({ name: 'xenstore_fatal', domid: this.domid, reason });
  }

  /** Reads request bytes; handles a request once complete. True if any byte was consumed. */
  private readRequest(): boolean {
    const cons = this.u32(REQ_CONS);
    const prod = this.u32(REQ_PROD);
    const avail = (prod - cons) >>> 0;
    if (avail > XENSTORE_RING_SIZE) {
      this.fail(`request ring indices cons ${cons} prod ${prod}`);
      return false;
    }
    if (avail === 0) return false;
    let need: number;
    if (this.inUsed < HDR) need = HDR - this.inUsed;
    else need = HDR + this.u32le(this.inBuf, 12) - this.inUsed;
    const n = Math.min(avail, need);
    const page = this.ring.page;
    for (let i = 0; i < n; i++) this.inBuf[this.inUsed + i] = page[REQ + ((cons + i) & MASK)]!;
    this.inUsed += n;
    this.view.setUint32(REQ_CONS, (cons + n) >>> 0, true);
    if (this.inUsed === HDR) {
      const len = this.u32le(this.inBuf, 12);
      if (len > XENSTORE_PAYLOAD_MAX) {
        this.fail(`payload length ${len}`);
        return true;
      }
    }
    if (this.inUsed >= HDR && this.inUsed === HDR + this.u32le(this.inBuf, 12)) {
      this.inUsed = 0;
      this.handle();
    }
    return true;
  }

  private u32le(b: Uint8Array, off: number): number {
    return (b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24)) >>> 0;
  }

  /** Writes queued output to the response ring. True if any byte was written. */
  private flushOut(): boolean {
    if (this.out.length === 0) return false;
    const cons = this.u32(RSP_CONS);
    let prod = this.u32(RSP_PROD);
    const used = (prod - cons) >>> 0;
    if (used > XENSTORE_RING_SIZE) {
      this.fail(`response ring indices cons ${cons} prod ${prod}`);
      return false;
    }
    let space = XENSTORE_RING_SIZE - used;
    const page = this.ring.page;
    let wrote = false;
    while (space > 0 && this.out.length > 0) {
      const msg = this.out[0]!;
      const n = Math.min(space, msg.length - this.outOff);
      for (let i = 0; i < n; i++) page[RSP + ((prod + i) & MASK)] = msg[this.outOff + i]!;
      prod = (prod + n) >>> 0;
      space -= n;
      this.outOff += n;
      wrote = wrote || n > 0;
      if (this.outOff === msg.length) {
        if (this.u32le(msg, 0) === XS_WATCH_EVENT) this.queuedEvents--;
        this.out.shift();
        this.outOff = 0;
      }
    }
    this.view.setUint32(RSP_PROD, prod, true);
    return wrote;
  }

  private queue(type: number, reqId: number, txId: number, payload: Uint8Array): void {
    const msg = new Uint8Array(HDR + payload.length);
    const v = new DataView(msg.buffer);
    v.setUint32(0, type, true);
    v.setUint32(4, reqId, true);
    v.setUint32(8, txId, true);
    v.setUint32(12, payload.length, true);
    msg.set(payload, HDR);
    this.out.push(msg);
  }

  private onWatchEvent(path: string, token: string): void {
    // Events raised while a request is handled go out after its reply.
    if (this.handling) {
      this.deferredEvents.push([path, token]);
      return;
    }
    this.queueEvent(path, token);
    // A change made by someone else (a backend, the toolstack): write the event out now, but read
    // no new request here — that would run guest requests inside another client's store call.
    if (this.fatal || this.processing) return;
    if (this.flushOut()) this.ring.notify();
  }

  private queueEvent(path: string, token: string): void {
    const payload = xsBytes(`${path}\0${token}\0`);
    if (payload.length > XENSTORE_PAYLOAD_MAX || this.queuedEvents >= MAX_QUEUED_EVENTS) return;
    this.queuedEvents++;
    this.queue(XS_WATCH_EVENT, 0, 0, payload);
  }

  /** Handles the complete request in inBuf. */
  private handle(): void {
    const b = this.inBuf;
    const type = this.u32le(b, 0);
    const reqId = this.u32le(b, 4);
    const txId = this.u32le(b, 8);
    const len = this.u32le(b, 12);
    const payload = b.slice(HDR, HDR + len);
    if (this.observer) this.observer({ name: 'xenstore_request', domid: this.domid, type, reqId, txId, len });
    this.handling = true;
    try {
      const reply = this.dispatch(type, txId, payload);
      this.queue(type, reqId, txId, reply);
    } catch (e) {
      if (!(e instanceof XsError)) throw e;
      if (this.observer) this.observer({ name: 'xenstore_error', domid: this.domid, reqId, txId, error: e.code });
      this.queue(XS_ERROR, reqId, txId, xsBytes(e.code + '\0'));
    } finally {
      this.handling = false;
    }
    for (const [p, t] of this.deferredEvents) this.queueEvent(p, t);
    this.deferredEvents.length = 0;
  }

  /** One request → its reply payload, or XsError. */
  private dispatch(type: number, txId: number, payload: Uint8Array): Uint8Array {
    const s = this.store;
    const c = this.conn;
    // xenstored looks the transaction up before dispatching: an unknown non-zero tx_id is ENOENT.
    if (txId !== 0 && !c.transactions.has(txId)) throw new XsError('ENOENT');
    switch (type) {
      case XS_READ:
        return checkedReply(s.read(c, txId, oneArg(payload)));
      case XS_WRITE: {
        const nul = payload.indexOf(0);
        if (nul < 0) throw new XsError('EINVAL');
        s.write(c, txId, xsString(payload.subarray(0, nul)), payload.subarray(nul + 1));
        return OK;
      }
      case XS_MKDIR:
        s.mkdir(c, txId, oneArg(payload));
        return OK;
      case XS_RM:
        s.rm(c, txId, oneArg(payload));
        return OK;
      case XS_DIRECTORY:
        return checkedReply(xsBytes(s.directory(c, txId, oneArg(payload)).map((n) => n + '\0').join('')));
      case XS_DIRECTORY_PART: {
        const args = strings(payload);
        if (args.length !== 2 || !/^\d{1,10}$/.test(args[1]!)) throw new XsError('EINVAL');
        return s.directoryPart(c, txId, args[0]!, Number(args[1]));
      }
      case XS_GET_PERMS:
        return checkedReply(xsBytes(s.getPerms(c, txId, oneArg(payload)).map((p) => p + '\0').join('')));
      case XS_SET_PERMS: {
        const args = strings(payload);
        if (args.length < 2) throw new XsError('EINVAL');
        s.setPerms(c, txId, args[0]!, args.slice(1));
        return OK;
      }
      case XS_WATCH:
      case XS_UNWATCH: {
        const args = strings(payload);
        if (args.length < 2) throw new XsError('EINVAL');
        if (type === XS_WATCH) s.watch(c, args[0]!, args[1]!);
        else s.unwatch(c, args[0]!, args[1]!);
        return OK;
      }
      case XS_RESET_WATCHES:
        s.resetWatches(c);
        return OK;
      case XS_TRANSACTION_START:
        // "It is not legal to send non-0 tx_id in TRANSACTION_START" (xenstored: EBUSY).
        if (txId !== 0) throw new XsError('EBUSY');
        return xsBytes(`${s.transactionStart(c)}\0`);
      case XS_TRANSACTION_END: {
        const arg = oneArg(payload);
        if (arg !== 'T' && arg !== 'F') throw new XsError('EINVAL');
        if (txId === 0) throw new XsError('ENOENT');
        s.transactionEnd(c, txId, arg === 'T');
        return OK;
      }
      case XS_GET_DOMAIN_PATH:
        return xsBytes(`${s.getDomainPath(domidArg(payload))}\0`);
      case XS_IS_DOMAIN_INTRODUCED:
      case XS_CONTROL:
      case XS_INTRODUCE:
      case XS_RELEASE:
      case XS_RESUME:
      case XS_SET_TARGET:
        // Toolstack-only requests: xenstored refuses them to unprivileged domains (checked
        // against xenstored 4.17, which refuses IS_DOMAIN_INTRODUCED too).
        throw new XsError('EACCES');
      default:
        // WATCH_EVENT and ERROR are server-to-client only; 20 (RESTRICT) was removed.
        throw new XsError('ENOSYS');
    }
  }
}

/** The NUL-terminated strings of a payload (bytes after the last NUL are ignored). */
function strings(payload: Uint8Array): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < payload.length; i++) {
    if (payload[i] === 0) {
      out.push(xsString(payload.subarray(start, i)));
      start = i + 1;
    }
  }
  return out;
}

/** xenstored onearg(): exactly one NUL, at the end. */
function oneArg(payload: Uint8Array): string {
  const nul = payload.indexOf(0);
  if (payload.length === 0 || nul !== payload.length - 1) throw new XsError('EINVAL');
  return xsString(payload.subarray(0, nul));
}

function domidArg(payload: Uint8Array): number {
  const s = oneArg(payload);
  if (!/^\d{1,5}$/.test(s) || Number(s) > 0xffff) throw new XsError('EINVAL');
  return Number(s);
}

/** xenstored send_reply(): a reply larger than XENSTORE_PAYLOAD_MAX becomes E2BIG. */
function checkedReply(p: Uint8Array): Uint8Array {
  if (p.length > XENSTORE_PAYLOAD_MAX) throw new XsError('E2BIG');
  return p;
}
