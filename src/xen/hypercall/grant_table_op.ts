// __HYPERVISOR_grant_table_op (public/grant_table.h; xen/common/grant_table.c), for an HVM guest:
// v1 only, so set_version(2) is refused; setup_table returns the frames' guest frame numbers
// (or INVALID_GFN for frames not mapped yet); map_grant_ref, unmap_grant_ref and copy of the
// domain's own grants (../gnttab_guest.ts) and swap_grant_ref are what hvm_grant_table_op lets
// through; dump_table and the rest are not allowed for HVM (-ENOSYS).
// Per-op failures go in the op's status field; the hypercall itself returns 0 unless the op
// array cannot be read (-EFAULT) or the count is negative/absurd (-EINVAL).
import { XEN_EFAULT, XEN_EINVAL, XEN_ENOSYS } from '../abi/errno.ts';
import {
  GNTST_bad_domain,
  GNTST_general_error,
  GNTST_okay,
  GNTCOPY_dest_gref,
  GNTCOPY_source_gref,
  GNTTABOP_copy,
  GNTTABOP_dump_table,
  GNTTABOP_get_version,
  GNTTABOP_map_grant_ref,
  GNTTABOP_swap_grant_ref,
  GNTTABOP_unmap_grant_ref,
  GnttabCopyLayout,
  GnttabMapGrantRefLayout,
  GnttabSwapGrantRefLayout,
  GnttabUnmapGrantRefLayout,
  GNTTABOP_query_size,
  GNTTABOP_set_version,
  GNTTABOP_setup_table,
  GnttabGetVersionLayout,
  GnttabQuerySizeLayout,
  GnttabSetVersionLayout,
  GnttabSetupTableLayout,
} from '../abi/grant_table.ts';
import { GuestStruct } from '../guest_copy.ts';
import type { Hypercall } from '../hypercall.ts';
import type { XenDomain } from '../xen_domain.ts';
import { isSelf } from './domid.ts';

/** More ops per call than this is a guest bug; Xen would preempt, we refuse. */
const MAX_COUNT = 4096;

export function grantTableOp(d: XenDomain, h: Hypercall): number {
  const cmd = h.lo[0]!;
  const uop = h.a[1]!;
  const count = h.lo[2]!;
  if (count < 0 || count > MAX_COUNT) return -XEN_EINVAL;
  const gt = d.gnttab;
  switch (cmd) {
    case GNTTABOP_setup_table: {
      for (let i = 0; i < count; i++) {
        const s = new GuestStruct(h.g, GnttabSetupTableLayout, uop + i * GnttabSetupTableLayout.sizeof[h.abi]);
        if (!s.load()) return -XEN_EFAULT;
        const n = s.get('nr_frames');
        let st = GNTST_okay;
        if (!isSelf(d, s.get('dom'))) st = GNTST_bad_domain;
        else if (n > gt.maxFrames || !gt.grow(n)) st = GNTST_general_error;
        else {
          const w = h.word;
          const list = new Uint8Array(n * w);
          const dv = new DataView(list.buffer);
          for (let f = 0; f < n; f++) {
            const gfn = gt.gfns[f]!;
            // INVALID_GFN (~0) truncated to the caller's xen_pfn_t.
            if (gfn < 0) { dv.setInt32(f * w, -1, true); if (w === 8) dv.setInt32(f * w + 4, -1, true); }
            else { dv.setUint32(f * w, gfn % 4294967296, true); if (w === 8) dv.setUint32(f * w + 4, Math.floor(gfn / 4294967296), true); }
          }
          if (n > 0 && !h.g.write(s.get('frame_list'), list)) return -XEN_EFAULT;
        }
        s.set('status', st);
        if (!s.storeField('status')) return -XEN_EFAULT;
      }
      return 0;
    }
    case GNTTABOP_query_size: {
      for (let i = 0; i < count; i++) {
        const s = new GuestStruct(h.g, GnttabQuerySizeLayout, uop + i * GnttabQuerySizeLayout.sizeof[h.abi]);
        if (!s.load()) return -XEN_EFAULT;
        if (!isSelf(d, s.get('dom'))) s.set('status', GNTST_bad_domain);
        else {
          s.set('nr_frames', gt.nrFrames);
          s.set('max_nr_frames', gt.maxFrames);
          s.set('status', GNTST_okay);
        }
        if (!s.store()) return -XEN_EFAULT;
      }
      return 0;
    }
    case GNTTABOP_set_version: {
      if (count !== 1) return -XEN_EINVAL;
      const s = new GuestStruct(h.g, GnttabSetVersionLayout, uop);
      if (!s.load()) return -XEN_EFAULT;
      const v = s.get('version');
      let rc = 0;
      if (v !== 1 && v !== 2) rc = -XEN_EINVAL;
      else if (v === 2) rc = -XEN_ENOSYS; // v2 not offered (QEMU)
      s.set('version', gt.version);
      if (!s.storeField('version')) return -XEN_EFAULT;
      return rc;
    }
    case GNTTABOP_get_version: {
      if (count !== 1) return -XEN_EINVAL;
      const s = new GuestStruct(h.g, GnttabGetVersionLayout, uop);
      if (!s.load()) return -XEN_EFAULT;
      if (!isSelf(d, s.get('dom'))) return -XEN_EINVAL;
      s.set('version', gt.version);
      return s.storeField('version') ? 0 : -XEN_EFAULT;
    }
    case GNTTABOP_map_grant_ref: {
      for (let i = 0; i < count; i++) {
        const s = new GuestStruct(h.g, GnttabMapGrantRefLayout, uop + i * GnttabMapGrantRefLayout.sizeof[h.abi]);
        if (!s.load()) return -XEN_EFAULT;
        const r = d.grants.map(s.get('host_addr'), s.get('flags'), s.get('ref'), s.get('dom'));
        s.set('status', r.status);
        if (r.status === GNTST_okay) {
          s.set('handle', r.handle);
          s.set('dev_bus_addr', r.devBusAddr);
        }
        if (!s.store()) return -XEN_EFAULT;
      }
      return 0;
    }
    case GNTTABOP_unmap_grant_ref: {
      for (let i = 0; i < count; i++) {
        const s = new GuestStruct(h.g, GnttabUnmapGrantRefLayout, uop + i * GnttabUnmapGrantRefLayout.sizeof[h.abi]);
        if (!s.load()) return -XEN_EFAULT;
        s.set('status', d.grants.unmap(s.get('host_addr'), s.get('handle')));
        if (!s.storeField('status')) return -XEN_EFAULT;
      }
      return 0;
    }
    case GNTTABOP_copy: {
      for (let i = 0; i < count; i++) {
        const s = new GuestStruct(h.g, GnttabCopyLayout, uop + i * GnttabCopyLayout.sizeof[h.abi]);
        if (!s.load()) return -XEN_EFAULT;
        const flags = s.get('flags');
        const ptr = (p: 'source' | 'dest', gref: number): [number, number, number] =>
          [(flags & gref) !== 0 ? s.get(`${p}.u.ref`) : s.get(`${p}.u.gmfn`), s.get(`${p}.domid`), s.get(`${p}.offset`)];
        s.set('status', d.grants.copy(ptr('source', GNTCOPY_source_gref), ptr('dest', GNTCOPY_dest_gref), s.get('len'), flags));
        if (!s.storeField('status')) return -XEN_EFAULT;
      }
      return 0;
    }
    case GNTTABOP_swap_grant_ref: {
      for (let i = 0; i < count; i++) {
        const s = new GuestStruct(h.g, GnttabSwapGrantRefLayout, uop + i * GnttabSwapGrantRefLayout.sizeof[h.abi]);
        if (!s.load()) return -XEN_EFAULT;
        s.set('status', gt.swap(s.get('ref_a'), s.get('ref_b')));
        if (!s.storeField('status')) return -XEN_EFAULT;
      }
      return 0;
    }
    case GNTTABOP_dump_table:
      return -XEN_ENOSYS; // not in hvm_grant_table_op's allow-list
    default:
      return -XEN_ENOSYS;
  }
}
