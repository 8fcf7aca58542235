// __HYPERVISOR_memory_op (public/memory.h; xen/arch/x86/mm.c arch_memory_op, common/memory.c).
// add_to_physmap overlays shared_info or a grant frame at any guest frame (in or outside RAM,
// above 4 GiB too); memory_map returns the E820 (GRUB PVH and the shim panic without it);
// set_memory_map replaces it for later memory_map calls. Ballooning records given-back frames.
import { XEN_EFAULT, XEN_EINVAL, XEN_ENOSYS, XEN_EOPNOTSUPP, XEN_EPERM, XEN_ESRCH } from '../abi/errno.ts';
import {
  XENMAPIDX_grant_table_status,
  XENMAPSPACE_dev_mmio,
  XENMAPSPACE_gmfn,
  XENMAPSPACE_gmfn_foreign,
  XENMAPSPACE_gmfn_range,
  XENMAPSPACE_grant_table,
  XENMAPSPACE_shared_info,
  XENMEM_add_to_physmap,
  XENMEM_add_to_physmap_batch,
  XENMEM_current_reservation,
  XENMEM_decrease_reservation,
  XENMEM_increase_reservation,
  XENMEM_populate_physmap,
  XENMEM_maximum_gpfn,
  XENMEM_maximum_ram_page,
  XENMEM_maximum_reservation,
  XENMEM_memory_map,
  XENMEM_set_memory_map,
  XenAddToPhysmapBatchLayout,
  XenAddToPhysmapLayout,
  XenForeignMemoryMapLayout,
  XenMemoryMapLayout,
  XenMemoryReservationLayout,
} from '../abi/memory.ts';
import { MAX_PFN } from '../../machine/memory.ts';
import { GuestStruct } from '../guest_copy.ts';
import type { Hypercall } from '../hypercall.ts';
import type { XenDomain } from '../xen_domain.ts';
import { isSelf } from './domid.ts';

/** MEMOP_CMD_MASK: the low 6 bits are the command; the rest is a continuation start extent. */
const MEMOP_CMD_MASK = 0x3f;
const E820_ENTRY = 20;
/** Xen's E820MAX for a guest-set map. */
const E820MAX = 1024;

/** Map one frame of `space`/`idx` at `gfn`; returns 0 or -errno (QEMU xen_overlay / xen_gnttab). */
export function addToPhysmap(d: XenDomain, space: number, idx: number, gfn: number): number {
  if (!Number.isSafeInteger(gfn) || gfn < 0 || gfn >= MAX_PFN) return -XEN_EINVAL;
  switch (space) {
    case XENMAPSPACE_shared_info:
      if (idx !== 0) return -XEN_EINVAL;
      d.mapSharedInfo(gfn);
      return 0;
    case XENMAPSPACE_grant_table: {
      if (idx < 0 || (idx & XENMAPIDX_grant_table_status) !== 0 || idx >= d.gnttab.maxFrames) return -XEN_EINVAL;
      if (!d.gnttab.grow(idx + 1)) return -XEN_EINVAL;
      const old = d.gnttab.gfns[idx]!;
      if (old >= 0 && old !== gfn) d.mem.clearOverlay(old);
      d.gnttab.gfns[idx] = gfn;
      d.mem.setOverlay(gfn, d.gnttab.frames[idx]!);
      return 0;
    }
    case XENMAPSPACE_gmfn:
    case XENMAPSPACE_gmfn_range:
      return -XEN_EOPNOTSUPP;
    case XENMAPSPACE_gmfn_foreign:
    case XENMAPSPACE_dev_mmio:
      return -XEN_EPERM;
    default:
      return -XEN_EINVAL;
  }
}

/** At most this many extents per call (Xen preempts long lists; we refuse them). */
const MAX_EXTENTS = 1 << 16;

/**
 * Ballooning (common/memory.c): decrease_reservation gives frames back, populate_physmap and
 * increase_reservation ask for them again. Guest RAM is fixed here: a frame given back is zeroed
 * and recorded in `d.ballooned` (its p2m entry is gone in Xen), so giving it back again fails
 * (guest_remove_page finds nothing: the list stops there, as XTF's xsa-277 test expects) and
 * populate_physmap of it brings it back zeroed. Populating a RAM frame that is present zeroes it
 * (Xen puts a fresh page there); a frame outside RAM cannot be populated and stops the list.
 * The result is the number of extents done, as in Xen.
 */
function reservation(d: XenDomain, h: Hypercall, cmd: number, arg: number): number {
  const s = new GuestStruct(h.g, XenMemoryReservationLayout, arg);
  if (!s.load()) return -XEN_EFAULT;
  if (!isSelf(d, s.get('domid'))) return -XEN_ESRCH;
  const n = s.get('nr_extents'), order = s.get('extent_order');
  if (n < 0 || n > MAX_EXTENTS || order > 9) return -XEN_EINVAL;
  if (cmd === XENMEM_increase_reservation) return 0; // no machine frames to hand out to an HVM guest
  const w = h.word;
  const list = s.get('extent_start');
  const decrease = cmd === XENMEM_decrease_reservation;
  for (let i = 0; i < n; i++) {
    const b = h.g.read(list + i * w, w);
    if (!b) return i;
    const dv = new DataView(b.buffer);
    const gfn = w === 8 ? dv.getUint32(0, true) + dv.getUint32(4, true) * 4294967296 : dv.getUint32(0, true);
    const pages = 2 ** order;
    if (gfn % pages !== 0) return i;
    for (let p = 0; p < pages; p++) {
      if (!d.mem.isRam(gfn + p)) return i;
    }
    if (decrease) {
      // Page by page, as Xen's loop: pages before a missing one stay given back.
      for (let p = 0; p < pages; p++) {
        if (d.ballooned.has(gfn + p)) return i;
        d.ballooned.add(gfn + p);
        d.mem.fill((gfn + p) * 4096, 4096, 0);
      }
    } else {
      for (let p = 0; p < pages; p++) d.ballooned.delete(gfn + p);
      d.mem.fill(gfn * 4096, pages * 4096, 0);
    }
    for (const c of d.machine.cpus) c.invalidatePhysicalRange(gfn * 4096, pages * 4096);
  }
  return n;
}

export function memoryOp(d: XenDomain, h: Hypercall): number {
  const cmd = h.lo[0]! & MEMOP_CMD_MASK;
  const arg = h.a[1]!;
  switch (cmd) {
    case XENMEM_add_to_physmap: {
      const s = new GuestStruct(h.g, XenAddToPhysmapLayout, arg);
      if (!s.load()) return -XEN_EFAULT;
      if (!isSelf(d, s.get('domid'))) return -XEN_ESRCH;
      const space = s.get('space');
      if (space === XENMAPSPACE_gmfn_range) return -XEN_EOPNOTSUPP;
      return addToPhysmap(d, space, s.get('idx'), s.get('gpfn'));
    }
    case XENMEM_add_to_physmap_batch: {
      const s = new GuestStruct(h.g, XenAddToPhysmapBatchLayout, arg);
      if (!s.load()) return -XEN_EFAULT;
      if (!isSelf(d, s.get('domid'))) return -XEN_ESRCH;
      const space = s.get('space');
      const size = s.get('size');
      const w = h.word;
      for (let i = 0; i < size; i++) {
        const idx = h.g.read(s.get('idxs') + i * w, w);
        const gpfn = h.g.read(s.get('gpfns') + i * w, w);
        if (!idx || !gpfn) return -XEN_EFAULT;
        const rd = (b: Uint8Array): number => (w === 8 ? new DataView(b.buffer).getUint32(0, true) + new DataView(b.buffer).getUint32(4, true) * 4294967296 : new DataView(b.buffer).getUint32(0, true));
        const rc = space === XENMAPSPACE_gmfn_range ? -XEN_EINVAL : addToPhysmap(d, space, rd(idx), rd(gpfn));
        const err = new Uint8Array(4);
        new DataView(err.buffer).setInt32(0, rc, true);
        if (!h.g.write(s.get('errs') + i * 4, err)) return -XEN_EFAULT;
      }
      return 0;
    }
    case XENMEM_memory_map: {
      const s = new GuestStruct(h.g, XenMemoryMapLayout, arg);
      if (!s.load()) return -XEN_EFAULT;
      const map = d.e820Bytes();
      const n = Math.min(s.get('nr_entries'), map.length / E820_ENTRY);
      if (!h.g.write(s.get('buffer'), map.subarray(0, n * E820_ENTRY))) return -XEN_EFAULT;
      s.set('nr_entries', n);
      return s.storeField('nr_entries') ? 0 : -XEN_EFAULT;
    }
    case XENMEM_set_memory_map: {
      const s = new GuestStruct(h.g, XenForeignMemoryMapLayout, arg);
      if (!s.load()) return -XEN_EFAULT;
      if (!isSelf(d, s.get('domid'))) return -XEN_ESRCH;
      const n = s.get('map.nr_entries');
      if (n > E820MAX) return -XEN_EINVAL;
      const b = h.g.read(s.get('map.buffer'), n * E820_ENTRY);
      if (!b) return -XEN_EFAULT;
      d.e820Override = b;
      return 0;
    }
    case XENMEM_increase_reservation:
    case XENMEM_decrease_reservation:
    case XENMEM_populate_physmap:
      return reservation(d, h, cmd, arg);
    case XENMEM_maximum_ram_page:
      return Math.floor((d.mem.lowRamBytes + d.mem.highRamBytes) / 4096);
    case XENMEM_current_reservation:
    case XENMEM_maximum_reservation: {
      const dom = h.g.read(arg, 2);
      if (!dom) return -XEN_EFAULT;
      if (!isSelf(d, dom[0]! | (dom[1]! << 8))) return -XEN_ESRCH;
      // tot_pages drops with every frame given back; max_pages stays.
      return d.mem.ramBytes / 4096 - (cmd === XENMEM_current_reservation ? d.ballooned.size : 0);
    }
    case XENMEM_maximum_gpfn: {
      const dom = h.g.read(arg, 2);
      if (!dom) return -XEN_EFAULT;
      if (!isSelf(d, dom[0]! | (dom[1]! << 8))) return -XEN_ESRCH;
      const top = d.mem.highRamBytes > 0 ? 0x100000000 + d.mem.highRamBytes : d.mem.lowRamBytes;
      return top / 4096 - 1;
    }
    default:
      return -XEN_ENOSYS;
  }
}
