// xen/memory.h: XENMEM_* sub-ops of __HYPERVISOR_memory_op, XENMAPSPACE_* for add_to_physmap,
// and their argument structs (xen_ulong_t / xen_pfn_t / handles shrink to 4 bytes on x86_32).
import { xenStruct, xenUnion } from './struct.ts';

export const header = 'xen/memory.h';

export const XENMEM_increase_reservation = 0;
export const XENMEM_decrease_reservation = 1;
export const XENMEM_maximum_ram_page = 2;
export const XENMEM_current_reservation = 3;
export const XENMEM_maximum_reservation = 4;
export const XENMEM_machphys_mfn_list = 5;
export const XENMEM_populate_physmap = 6;
export const XENMEM_add_to_physmap = 7;
export const XENMEM_memory_map = 9;
export const XENMEM_machine_memory_map = 10;
export const XENMEM_exchange = 11;
export const XENMEM_machphys_mapping = 12;
export const XENMEM_set_memory_map = 13;
export const XENMEM_maximum_gpfn = 14;
export const XENMEM_remove_from_physmap = 15;
export const XENMEM_set_pod_target = 16;
export const XENMEM_get_pod_target = 17;
export const XENMEM_get_sharing_freed_pages = 18;
export const XENMEM_get_sharing_shared_pages = 19;
export const XENMEM_paging_op = 20;
export const XENMEM_access_op = 21;
export const XENMEM_sharing_op = 22;
export const XENMEM_add_to_physmap_batch = 23;
export const XENMEM_claim_pages = 24;
export const XENMEM_machphys_compat_mfn_list = 25;
export const XENMEM_get_vnumainfo = 26;
export const XENMEM_reserved_device_memory_map = 27;
export const XENMEM_acquire_resource = 28;

// xen_memory_reservation.mem_flags
export const XENMEMF_populate_on_demand = 1 << 16;
export const XENMEMF_exact_node_request = 1 << 17;
export const XENMEMF_vnode = 1 << 18;

// xen_add_to_physmap.space
export const XENMAPSPACE_shared_info = 0;
export const XENMAPSPACE_grant_table = 1;
export const XENMAPSPACE_gmfn = 2;
export const XENMAPSPACE_gmfn_range = 3;
export const XENMAPSPACE_gmfn_foreign = 4;
export const XENMAPSPACE_dev_mmio = 5;
/** Set in xen_add_to_physmap.idx with XENMAPSPACE_grant_table to map a v2 status frame. */
export const XENMAPIDX_grant_table_status = 0x80000000;

export const XenMemoryReservationLayout = xenStruct('struct xen_memory_reservation', [
  ['extent_start', 'XEN_GUEST_HANDLE'],
  ['nr_extents', 'xen_ulong_t'],
  ['extent_order', 'unsigned int'],
  ['mem_flags', 'unsigned int'],
  ['domid', 'domid_t'],
]);

export const XenMemoryExchangeLayout = xenStruct('struct xen_memory_exchange', [
  ['in', XenMemoryReservationLayout],
  ['out', XenMemoryReservationLayout],
  ['nr_exchanged', 'xen_ulong_t'],
]);

export const XenMemoryDomainLayout = xenStruct('struct xen_memory_domain', [['domid', 'domid_t']]);

export const XenMachphysMfnListLayout = xenStruct('struct xen_machphys_mfn_list', [
  ['max_extents', 'unsigned int'],
  ['extent_start', 'XEN_GUEST_HANDLE'],
  ['nr_extents', 'unsigned int'],
]);

export const XenMachphysMappingLayout = xenStruct('struct xen_machphys_mapping', [
  ['v_start', 'xen_ulong_t'],
  ['v_end', 'xen_ulong_t'],
  ['max_mfn', 'xen_ulong_t'],
]);

export const XenAddToPhysmapLayout = xenStruct('struct xen_add_to_physmap', [
  ['domid', 'domid_t'],
  ['size', 'uint16_t'],
  ['space', 'unsigned int'],
  ['idx', 'xen_ulong_t'],
  ['gpfn', 'xen_pfn_t'],
]);

export const XenAddToPhysmapBatchExtraLayout = xenUnion('union xen_add_to_physmap_batch_extra', [
  ['foreign_domid', 'domid_t'],
  ['res0', 'uint16_t'],
]);

export const XenAddToPhysmapBatchLayout = xenStruct('struct xen_add_to_physmap_batch', [
  ['domid', 'domid_t'],
  ['space', 'uint16_t'],
  ['size', 'uint16_t'],
  ['u', XenAddToPhysmapBatchExtraLayout],
  ['idxs', 'XEN_GUEST_HANDLE'],
  ['gpfns', 'XEN_GUEST_HANDLE'],
  ['errs', 'XEN_GUEST_HANDLE'],
]);

export const XenRemoveFromPhysmapLayout = xenStruct('struct xen_remove_from_physmap', [
  ['domid', 'domid_t'],
  ['gpfn', 'xen_pfn_t'],
]);

// XENMEM_memory_map: IN nr_entries = buffer capacity, OUT = entries written, each an e820 entry.
/** Bytes per entry in a memory_map buffer: the packed BIOS e820 format {u64 addr, u64 size, u32 type}. */
export const xenMemoryMapEntrySize = 20;
export const XenMemoryMapLayout = xenStruct('struct xen_memory_map', [
  ['nr_entries', 'unsigned int'],
  ['buffer', 'XEN_GUEST_HANDLE'],
]);

export const XenForeignMemoryMapLayout = xenStruct('struct xen_foreign_memory_map', [
  ['domid', 'domid_t'],
  ['map', XenMemoryMapLayout],
]);

export const XenPodTargetLayout = xenStruct('struct xen_pod_target', [
  ['target_pages', 'uint64_t'],
  ['tot_pages', 'uint64_t'],
  ['pod_cache_pages', 'uint64_t'],
  ['pod_entries', 'uint64_t'],
  ['domid', 'domid_t'],
]);

// A tools-only struct, kept because it exercises uint64_aligned_t and XEN_GUEST_HANDLE_64 on x86_32.
export const XenMemPagingOpLayout = xenStruct('struct xen_mem_paging_op', [
  ['op', 'uint8_t'],
  ['domain', 'domid_t'],
  ['buffer', 'XEN_GUEST_HANDLE_64'],
  ['gfn', 'uint64_aligned_t'],
]);
