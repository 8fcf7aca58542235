// xen/grant_table.h: grant entries (v1, v2), GNTTABOP_* sub-ops of __HYPERVISOR_grant_table_op
// with their argument structs, GTF_* entry flags, GNTMAP_* map flags and GNTST_* status codes.
import { xenStruct, xenUnion, struct, union } from './struct.ts';

export const header = 'xen/grant_table.h';

export const GNTTAB_NR_RESERVED_ENTRIES = 8;
export const GNTTAB_RESERVED_CONSOLE = 0;
export const GNTTAB_RESERVED_XENSTORE = 1;

// grant_entry.flags: type in bits 0-1, then per-type flags.
export const GTF_invalid = 0;
export const GTF_permit_access = 1;
export const GTF_accept_transfer = 2;
export const GTF_transitive = 3;
export const GTF_type_mask = 3;
export const _GTF_readonly = 2;
export const GTF_readonly = 1 << 2;
export const _GTF_reading = 3;
export const GTF_reading = 1 << 3;
export const _GTF_writing = 4;
export const GTF_writing = 1 << 4;
export const GTF_PWT = 1 << 5;
export const GTF_PCD = 1 << 6;
export const GTF_PAT = 1 << 7;
export const _GTF_sub_page = 8;
export const GTF_sub_page = 1 << 8;
export const GTF_transfer_committed = 1 << 2;
export const GTF_transfer_completed = 1 << 3;

export const GNTTABOP_map_grant_ref = 0;
export const GNTTABOP_unmap_grant_ref = 1;
export const GNTTABOP_setup_table = 2;
export const GNTTABOP_dump_table = 3;
export const GNTTABOP_transfer = 4;
export const GNTTABOP_copy = 5;
export const GNTTABOP_query_size = 6;
export const GNTTABOP_unmap_and_replace = 7;
export const GNTTABOP_set_version = 8;
export const GNTTABOP_get_status_frames = 9;
export const GNTTABOP_get_version = 10;
export const GNTTABOP_swap_grant_ref = 11;
export const GNTTABOP_cache_flush = 12;

export const GNTCOPY_source_gref = 1 << 0;
export const GNTCOPY_dest_gref = 1 << 1;

export const GNTMAP_device_map = 1 << 0;
export const GNTMAP_host_map = 1 << 1;
export const GNTMAP_readonly = 1 << 2;
export const GNTMAP_application_map = 1 << 3;
export const GNTMAP_contains_pte = 1 << 4;
/** Bits 16-31 of the map flags are free for the guest (XENFEAT_gnttab_map_avail_bits). */
export const GNTMAP_guest_avail_mask = 0xffff0000;

export const GNTTAB_CACHE_CLEAN = 1 << 0;
export const GNTTAB_CACHE_INVAL = 1 << 1;

export const GNTST_okay = 0;
export const GNTST_general_error = -1;
export const GNTST_bad_domain = -2;
export const GNTST_bad_gntref = -3;
export const GNTST_bad_handle = -4;
export const GNTST_bad_virt_addr = -5;
export const GNTST_bad_dev_addr = -6;
export const GNTST_no_device_space = -7;
export const GNTST_permission_denied = -8;
export const GNTST_bad_page = -9;
export const GNTST_bad_copy_arg = -10;
export const GNTST_address_too_big = -11;
export const GNTST_eagain = -12;
export const GNTST_no_space = -13;

/** GNTTABOP_error_msgs, indexed by -GNTST_*. */
export const gnttabopErrorMsgs: readonly string[] = [
  'okay',
  'undefined error',
  'unrecognised domain id',
  'invalid grant reference',
  'invalid mapping handle',
  'invalid virtual address',
  'invalid device address',
  'no spare translation slot in the I/O MMU',
  'permission denied',
  'bad page',
  'copy arguments cross page boundary',
  'page address size too large',
  'operation not done; try again',
  'out of space',
];

export const GrantEntryV1Layout = xenStruct('struct grant_entry_v1', [
  ['flags', 'uint16_t'],
  ['domid', 'domid_t'],
  ['frame', 'uint32_t'],
]);

export const GrantEntryHeaderLayout = xenStruct('struct grant_entry_header', [
  ['flags', 'uint16_t'],
  ['domid', 'domid_t'],
]);

export const GrantEntryV2Layout = xenUnion('union grant_entry_v2', [
  ['hdr', GrantEntryHeaderLayout],
  ['full_page', struct(undefined, [['hdr', GrantEntryHeaderLayout], ['pad0', 'uint32_t'], ['frame', 'uint64_t']])],
  [
    'sub_page',
    struct(undefined, [['hdr', GrantEntryHeaderLayout], ['page_off', 'uint16_t'], ['length', 'uint16_t'], ['frame', 'uint64_t']]),
  ],
  [
    'transitive',
    struct(undefined, [['hdr', GrantEntryHeaderLayout], ['trans_domid', 'domid_t'], ['pad0', 'uint16_t'], ['gref', 'grant_ref_t']]),
  ],
  ['__spacer', 'uint32_t', 4],
]);

export const GnttabMapGrantRefLayout = xenStruct('struct gnttab_map_grant_ref', [
  ['host_addr', 'uint64_t'],
  ['flags', 'uint32_t'],
  ['ref', 'grant_ref_t'],
  ['dom', 'domid_t'],
  ['status', 'int16_t'],
  ['handle', 'grant_handle_t'],
  ['dev_bus_addr', 'uint64_t'],
]);

export const GnttabUnmapGrantRefLayout = xenStruct('struct gnttab_unmap_grant_ref', [
  ['host_addr', 'uint64_t'],
  ['dev_bus_addr', 'uint64_t'],
  ['handle', 'grant_handle_t'],
  ['status', 'int16_t'],
]);

// frame_list is XEN_GUEST_HANDLE(xen_pfn_t): its elements are 8 bytes on x86_64, 4 on x86_32.
export const GnttabSetupTableLayout = xenStruct('struct gnttab_setup_table', [
  ['dom', 'domid_t'],
  ['nr_frames', 'uint32_t'],
  ['status', 'int16_t'],
  ['frame_list', 'XEN_GUEST_HANDLE'],
]);

export const GnttabDumpTableLayout = xenStruct('struct gnttab_dump_table', [
  ['dom', 'domid_t'],
  ['status', 'int16_t'],
]);

export const GnttabTransferLayout = xenStruct('struct gnttab_transfer', [
  ['mfn', 'xen_pfn_t'],
  ['domid', 'domid_t'],
  ['ref', 'grant_ref_t'],
  ['status', 'int16_t'],
]);

export const GnttabCopyPtrLayout = xenStruct('struct gnttab_copy_ptr', [
  ['u', union(undefined, [['ref', 'grant_ref_t'], ['gmfn', 'xen_pfn_t']])],
  ['domid', 'domid_t'],
  ['offset', 'uint16_t'],
]);

export const GnttabCopyLayout = xenStruct('struct gnttab_copy', [
  ['source', GnttabCopyPtrLayout],
  ['dest', GnttabCopyPtrLayout],
  ['len', 'uint16_t'],
  ['flags', 'uint16_t'],
  ['status', 'int16_t'],
]);

export const GnttabQuerySizeLayout = xenStruct('struct gnttab_query_size', [
  ['dom', 'domid_t'],
  ['nr_frames', 'uint32_t'],
  ['max_nr_frames', 'uint32_t'],
  ['status', 'int16_t'],
]);

export const GnttabUnmapAndReplaceLayout = xenStruct('struct gnttab_unmap_and_replace', [
  ['host_addr', 'uint64_t'],
  ['new_addr', 'uint64_t'],
  ['handle', 'grant_handle_t'],
  ['status', 'int16_t'],
]);

export const GnttabSetVersionLayout = xenStruct('struct gnttab_set_version', [['version', 'uint32_t']]);

export const GnttabGetStatusFramesLayout = xenStruct('struct gnttab_get_status_frames', [
  ['nr_frames', 'uint32_t'],
  ['dom', 'domid_t'],
  ['status', 'int16_t'],
  ['frame_list', 'XEN_GUEST_HANDLE'],
]);

export const GnttabGetVersionLayout = xenStruct('struct gnttab_get_version', [
  ['dom', 'domid_t'],
  ['pad', 'uint16_t'],
  ['version', 'uint32_t'],
]);

export const GnttabSwapGrantRefLayout = xenStruct('struct gnttab_swap_grant_ref', [
  ['ref_a', 'grant_ref_t'],
  ['ref_b', 'grant_ref_t'],
  ['status', 'int16_t'],
]);

export const GnttabCacheFlushLayout = xenStruct('struct gnttab_cache_flush', [
  ['a', union(undefined, [['dev_bus_addr', 'uint64_t'], ['ref', 'grant_ref_t']])],
  ['offset', 'uint16_t'],
  ['length', 'uint16_t'],
  ['op', 'uint32_t'],
]);
