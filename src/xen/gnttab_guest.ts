// The guest's own GNTTABOP_map_grant_ref, unmap_grant_ref and copy, as Xen 4.17 runs them for an
// HVM domU (xen/common/grant_table.c map_grant_ref, unmap_common, gnttab_copy; the p2m side in
// xen/arch/x86/mm/p2m.c create/replace_grant_p2m_mapping). QEMU answers -ENOSYS here; Xen does not.
//
// Which domains exist: ours, and dom0, which here is the emulator itself (its backends consume
// grants through gnttab.ts) and has no grant table a guest could map from. So a map or unmap
// naming any domain but our own id is GNTST_bad_domain (DOMID_SELF is no domain id to Xen's
// rcu_lock_domain_by_id either); copy also accepts DOMID_SELF (rcu_lock_domain_by_any_id), and
// only DOMID_SELF may name a frame instead of a grant (else GNTST_permission_denied).
// A domain may map and copy its own grants: the entry must be GTF_permit_access to our own id.
//
// Map flags: neither GNTMAP_host_map nor GNTMAP_device_map → GNTST_bad_gntref; device, application
// or contains_pte maps → GNTST_general_error ("No device mapping in HVM domain"). The frame lands
// at guest frame host_addr >> 12 in our physical map (an overlay) and leaves it at unmap, where
// host_addr must name the same frame (else GNTST_general_error); an unmap with host_addr 0 does
// nothing and keeps the handle. Unknown or free handles → GNTST_bad_handle. The granted frame must
// be ordinary RAM of ours (else GNTST_bad_page). dev_bus_addr reports the frame's address
// (guest-physical: there are no machine frames here).
// Differences, deliberate: a target frame that already holds an overlay (shared_info, a grant
// frame, another map) is refused with GNTST_general_error where Xen would replace it; read-only
// maps are writable through the new frame (only our own pages can be granted, so nothing leaks);
// at most MAX_MAPTRACK handles (Xen allows far more) before GNTST_no_space.
import {
  GNTCOPY_dest_gref,
  GNTCOPY_source_gref,
  GNTMAP_application_map,
  GNTMAP_contains_pte,
  GNTMAP_device_map,
  GNTMAP_host_map,
  GNTMAP_readonly,
  GNTST_bad_copy_arg,
  GNTST_bad_domain,
  GNTST_bad_gntref,
  GNTST_bad_handle,
  GNTST_bad_page,
  GNTST_general_error,
  GNTST_no_space,
  GNTST_okay,
  GNTST_permission_denied,
} from './abi/grant_table.ts';
import { DOMID_SELF } from './abi/xen.ts';
import type { XenDomain } from './xen_domain.ts';

const PAGE = 4096;
export const MAX_MAPTRACK = 1024;
/** Frames a guest-physical address can name with the CPU's 36-bit MAXPHYADDR. */
const MAX_GFN = 2 ** 24;

/** One active map: the ref, GNTMAP_* flags still held, the target frame and the granted frame. */
export interface MaptrackEntry {
  ref: number;
  flags: number;
  gfn: number;
  frame: number;
}

/** Result of a map: status, and on success the handle and bus address. */
export interface MapResult {
  status: number;
  handle: number;
  devBusAddr: number;
}

/** The host offset of guest frame `gfn` if it is ordinary RAM of ours (no overlay, not given back). */
function ownRamPage(d: XenDomain, gfn: number): number {
  if (!Number.isSafeInteger(gfn) || !d.mem.isRam(gfn) || d.mem.overlayAt(gfn) !== undefined || d.ballooned.has(gfn)) return -1;
  return d.mem.physPage(gfn);
}

export class GuestGrants {
  /** Maptrack handles: null = free. */
  maptrack: (MaptrackEntry | null)[] = [];

  constructor(private readonly d: XenDomain) {}

  map(hostAddr: number, flags: number, ref: number, dom: number): MapResult {
    const r = this.doMap(hostAddr, flags, ref, dom);
    const t = this.d.trace;
    if (t.on) t.emit('xen_gnttab_map', this.d.machine.current, { ref, dom, flags, host_gfn: Math.floor(hostAddr / PAGE), ret: r.status, handle: r.handle });
    return r;
  }

  unmap(hostAddr: number, handle: number): number {
    const st = this.doUnmap(hostAddr, handle);
    const t = this.d.trace;
    if (t.on) t.emit('xen_gnttab_unmap', this.d.machine.current, { handle, host_gfn: Math.floor(hostAddr / PAGE), ret: st });
    return st;
  }

  copy(src: readonly [number, number, number], dst: readonly [number, number, number], len: number, flags: number): number {
    const st = this.doCopy(src, dst, len, flags);
    const t = this.d.trace;
    if (t.on) t.emit('xen_gnttab_copy', this.d.machine.current, { src: src[0], src_dom: src[1], dst: dst[0], dst_dom: dst[1], len, flags, ret: st });
    return st;
  }

  private doMap(hostAddr: number, flags: number, ref: number, dom: number): MapResult {
    const d = this.d;
    const fail = (status: number): MapResult => ({ status, handle: 0, devBusAddr: 0 });
    if ((flags & (GNTMAP_host_map | GNTMAP_device_map)) === 0) return fail(GNTST_bad_gntref);
    if ((flags & (GNTMAP_device_map | GNTMAP_application_map | GNTMAP_contains_pte)) !== 0) return fail(GNTST_general_error);
    if (dom !== d.domid) return fail(GNTST_bad_domain);
    let handle = this.maptrack.indexOf(null);
    if (handle < 0) {
      if (this.maptrack.length >= MAX_MAPTRACK) return fail(GNTST_no_space);
      handle = this.maptrack.length;
    }
    const write = (flags & GNTMAP_readonly) === 0;
    const frame = d.gnttab.pin(ref, write, d.domid, true);
    if (frame < 0) return fail(frame);
    const host = ownRamPage(d, frame);
    // create_grant_p2m_mapping: only host_map (and readonly) may remain in the flags.
    const gfn = Math.floor(hostAddr / PAGE);
    let status = GNTST_okay;
    if (host < 0) status = GNTST_bad_page;
    else if ((flags & ~GNTMAP_readonly) !== GNTMAP_host_map || gfn < 0 || gfn >= MAX_GFN || d.mem.overlayAt(gfn) !== undefined) status = GNTST_general_error;
    if (status !== GNTST_okay) {
      d.gnttab.unmap(ref, write);
      return fail(status);
    }
    d.mem.setOverlay(gfn, host);
    this.maptrack[handle] = { ref, flags: flags & (GNTMAP_host_map | GNTMAP_readonly), gfn, frame };
    return { status: GNTST_okay, handle, devBusAddr: frame * PAGE };
  }

  private doUnmap(hostAddr: number, handle: number): number {
    const d = this.d;
    const m = Number.isInteger(handle) ? this.maptrack[handle] : undefined;
    if (!m) return GNTST_bad_handle;
    if (hostAddr !== 0 && (m.flags & GNTMAP_host_map) !== 0) {
      // replace_grant_p2m_mapping: the frame at host_addr must be this grant's.
      const gfn = Math.floor(hostAddr / PAGE);
      if (gfn !== m.gfn || d.mem.overlayAt(gfn) !== d.mem.physPage(m.frame)) return GNTST_general_error;
      d.mem.clearOverlay(gfn);
      d.gnttab.unmap(m.ref, (m.flags & GNTMAP_readonly) === 0);
      m.flags &= ~GNTMAP_host_map;
    }
    if ((m.flags & GNTMAP_host_map) === 0) this.maptrack[handle] = null;
    return GNTST_okay;
  }

  /** One gnttab_copy op. `src`/`dst`: [ref or gmfn, domid, offset]; flags GNTCOPY_*. */
  private doCopy(src: readonly [number, number, number], dst: readonly [number, number, number], len: number, flags: number): number {
    const d = this.d;
    const lock = (domid: number, gref: boolean): number =>
      domid !== DOMID_SELF && !gref ? GNTST_permission_denied : domid !== DOMID_SELF && domid !== d.domid ? GNTST_bad_domain : GNTST_okay;
    const sGref = (flags & GNTCOPY_source_gref) !== 0, dGref = (flags & GNTCOPY_dest_gref) !== 0;
    let rc = lock(src[1], sGref);
    if (rc === GNTST_okay) rc = lock(dst[1], dGref);
    if (rc !== GNTST_okay) return rc;
    const held: [number, boolean][] = [];
    // gnttab_copy_claim_buf: a grant (read for the source, write for the destination) or a frame.
    const claim = (p: readonly [number, number, number], gref: boolean, write: boolean): number => {
      if (!gref) {
        const host = ownRamPage(d, p[0]);
        return host < 0 ? GNTST_bad_page : host;
      }
      const frame = d.gnttab.pin(p[0], write, d.domid, false);
      if (frame < 0) return frame;
      held.push([p[0], write]);
      const host = ownRamPage(d, frame);
      return host < 0 ? GNTST_bad_page : host;
    };
    const s = claim(src, sGref, false);
    const t = s < 0 ? s : claim(dst, dGref, true);
    if (s < 0) rc = s;
    else if (t < 0) rc = t;
    else if (src[2] + len > PAGE || dst[2] + len > PAGE) rc = GNTST_bad_copy_arg;
    else d.u8.copyWithin(t + dst[2], s + src[2], s + src[2] + len);
    for (const [ref, write] of held) d.gnttab.unmap(ref, write);
    return rc;
  }

  saveState(): (number[] | null)[] {
    return this.maptrack.map((m) => (m ? [m.ref, m.flags, m.gfn, m.frame] : null));
  }

  loadState(s: (number[] | null)[] | undefined): void {
    this.maptrack = (s ?? []).map((m) => (m ? { ref: m[0]!, flags: m[1]!, gfn: m[2]!, frame: m[3]! } : null));
  }
}
