// The only door a PV backend has into the rest of Xen (style-models §7.6 habit 9): XenStore as
// dom0, one interdomain event channel per ring, and grant map/unmap/copy with Xen's permission
// checks. A backend uses nothing else, so a test can hand it a fake and a snapshot can find all
// of a backend's links to the domain in one place.
//
// Event channels: the guest allocates an unbound port for remote domain 0 (EVTCHNOP_alloc_unbound)
// and writes its number to XenStore; bindInterdomain turns that guest port into an interdomain
// port whose remote end is the backend (like dom0's EVTCHNOP_bind_interdomain). The guest's
// EVTCHNOP_send on it calls the backend synchronously; notify() sets it pending in the guest.
// When the backend closes its end, the guest port goes back to unbound, as in Xen
// (evtchn_close: the remote end of an interdomain channel becomes ECS_UNBOUND).
import type { GuestMemory } from '../../machine/memory.ts';
import { ECS_INTERDOMAIN, ECS_UNBOUND, type EventChannels } from '../evtchn.ts';
import type { GrantTable } from '../gnttab.ts';
import type { XenTrace, XenTraceName } from '../trace_events.ts';
import type { XenStore, XsConnection } from '../xenstore/store.ts';

export interface BackendOps {
  /** The frontend's domain id. */
  readonly frontendDomid: number;
  /** Guest RAM, for rings mapped with grantMap (host offsets index mem.u8 / mem.view). */
  readonly mem: GuestMemory;

  /** XenStore as dom0; undefined when the node is missing. */
  xsRead(path: string): string | undefined;
  xsWrite(path: string, value: string): void;
  xsSetPerms(path: string, perms: readonly string[]): void;
  xsRemove(path: string): void;
  /** Calls `onChange(path)` for every change at or below `path` (and once at registration). */
  xsWatch(path: string, onChange: (path: string) => void): void;
  xsUnwatch(path: string): void;

  /** Binds the guest's unbound port (remote dom 0); returns it, or -1 if it is not bindable. */
  evtchnBind(guestPort: number, onNotify: () => void): number;
  evtchnUnbind(guestPort: number): void;
  /** After a snapshot restore: the port is interdomain to dom0 again; route its sends to us. */
  evtchnReattach(guestPort: number, onNotify: () => void): boolean;
  evtchnNotify(guestPort: number): void;

  /** Maps a granted page: its host offset in mem, or a negative GNTST_* status. */
  grantMap(ref: number, write: boolean): number;
  grantUnmap(ref: number, write: boolean): void;
  /** GNTTABOP_copy of data to/from `offset` in the granted page: a GNTST_* status (0 = okay). */
  grantCopy(ref: number, offset: number, data: Uint8Array, toGuest: boolean): number;

  /** Emits a trace event (cheap when tracing is off: check `tracing` first). */
  readonly tracing: boolean;
  /**
   * The causal flow id the next events carry (DESIGN.md invariant 7): a backend records it when a
   * notify starts work and restores it when that work completes, so ring push → notify →
   * backend → response → upcall share one id. 0 when tracing is off.
   */
  flow: number;
  trace(name: XenTraceName, args: Record<string, number | string>): void;
  /** Ends the current execution slice so the host can settle asynchronous I/O (see blkback.ts). */
  endSlice(): void;
}

/** What of a XenDomain the ops need (structural, so this file does not import xen_domain.ts). */
export interface BackendHost {
  readonly domid: number;
  readonly mem: GuestMemory;
  readonly evtchn: EventChannels;
  readonly gnttab: GrantTable;
  readonly trace: XenTrace;
  readonly store: XenStore;
  readonly vcpu: () => number;
  readonly endSlice: () => void;
}

/** The ops over a domain: one dom0 XenStore connection per backend instance. */
export function domainBackendOps(h: BackendHost): BackendOps {
  const watchers = new Map<string, (path: string) => void>();
  // Watch events arrive synchronously inside another client's store call; queue them and run
  // the handlers one at a time, never nested, in arrival order.
  const queue: Array<[string, string]> = [];
  let draining = false;
  const conn: XsConnection = h.store.connect(0, (path, token) => {
    queue.push([path, token]);
    if (draining) return;
    draining = true;
    try {
      for (let e = queue.shift(); e; e = queue.shift()) watchers.get(e[1])?.(e[0]);
    } finally {
      draining = false;
    }
  });
  const ev = h.evtchn;
  return {
    frontendDomid: h.domid,
    mem: h.mem,
    xsRead: (path) => h.store.tryRead(conn, 0, path),
    xsWrite: (path, value) => h.store.write(conn, 0, path, value),
    xsSetPerms: (path, perms) => h.store.setPerms(conn, 0, path, perms),
    xsRemove: (path) => {
      if (h.store.tryRead(conn, 0, path) !== undefined) h.store.rm(conn, 0, path);
    },
    xsWatch: (path, onChange) => {
      watchers.set(path, onChange);
      h.store.watch(conn, path, path);
    },
    xsUnwatch: (path) => {
      if (!watchers.delete(path)) return;
      h.store.unwatch(conn, path, path);
    },
    evtchnBind: (guestPort, onNotify) => {
      const p = ev.get(guestPort);
      if (!p || p.state !== ECS_UNBOUND || p.remoteDom !== 0) return -1;
      p.state = ECS_INTERDOMAIN;
      p.remotePort = guestPort;
      p.backend = () => onNotify();
      if (h.trace.on) h.trace.emit('xen_evtchn_bind', h.vcpu(), { port: guestPort, remote_dom: 0 }, 'xen');
      return guestPort;
    },
    evtchnUnbind: (guestPort) => {
      const p = ev.get(guestPort);
      if (!p || p.state !== ECS_INTERDOMAIN || p.remoteDom !== 0 || !p.backend) return;
      p.state = ECS_UNBOUND;
      p.remotePort = 0;
      p.backend = null;
    },
    evtchnReattach: (guestPort, onNotify) => {
      const p = ev.get(guestPort);
      if (!p || p.state !== ECS_INTERDOMAIN || p.remoteDom !== 0) return false;
      p.backend = () => onNotify();
      return true;
    },
    evtchnNotify: (guestPort) => ev.setPending(guestPort),
    grantMap: (ref, write) => {
      const gfn = h.gnttab.map(ref, write);
      if (h.trace.on) h.trace.emit('xen_gnttab_map', h.vcpu(), { ref, write: write ? 1 : 0, ret: gfn }, 'xen');
      if (gfn < 0) return gfn;
      const host = h.mem.physPage(gfn);
      if (host < 0) {
        h.gnttab.unmap(ref, write);
        return -1; // GNTST_general_error: the granted frame is not memory
      }
      return host;
    },
    grantUnmap: (ref, write) => {
      h.gnttab.unmap(ref, write);
      if (h.trace.on) h.trace.emit('xen_gnttab_unmap', h.vcpu(), { ref, write: write ? 1 : 0 }, 'xen');
    },
    grantCopy: (ref, offset, data, toGuest) => {
      const st = h.gnttab.copy(ref, offset, data, toGuest);
      if (h.trace.on) h.trace.emit('xen_gnttab_copy', h.vcpu(), { ref, offset, len: data.length, to_guest: toGuest ? 1 : 0, ret: st }, 'xen');
      return st;
    },
    get tracing() {
      return h.trace.on;
    },
    get flow() {
      return h.trace.flow;
    },
    set flow(f: number) {
      h.trace.flow = f;
    },
    trace: (name, args) => h.trace.emit(name, h.vcpu(), args, 'xen'),
    endSlice: () => h.endSlice(),
  };
}
