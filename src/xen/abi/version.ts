// xen/version.h (+ xen/features.h): XENVER_* sub-ops of __HYPERVISOR_xen_version, their
// fixed-size string buffers, and the XENFEAT_* bits XENVER_get_features reports.
import { xenStruct } from './struct.ts';

export const header = 'xen/version.h';

export const XENVER_version = 0;
export const XENVER_extraversion = 1;
export const XENVER_compile_info = 2;
export const XENVER_capabilities = 3;
export const XENVER_changeset = 4;
export const XENVER_platform_parameters = 5;
export const XENVER_get_features = 6;
export const XENVER_pagesize = 7;
export const XENVER_guest_handle = 8;
export const XENVER_commandline = 9;
export const XENVER_build_id = 10;

// sizeof(xen_extraversion_t), xen_capabilities_info_t, xen_changeset_info_t, xen_domain_handle_t,
// xen_commandline_t.
export const XEN_EXTRAVERSION_LEN = 16;
export const XEN_CAPABILITIES_INFO_LEN = 1024;
export const XEN_CHANGESET_INFO_LEN = 64;
export const xenCommandlineLen = 1024;
export const xenDomainHandleLen = 16;

export const XENFEAT_writable_page_tables = 0;
export const XENFEAT_writable_descriptor_tables = 1;
export const XENFEAT_auto_translated_physmap = 2;
export const XENFEAT_supervisor_mode_kernel = 3;
export const XENFEAT_pae_pgdir_above_4gb = 4;
export const XENFEAT_mmu_pt_update_preserve_ad = 5;
export const XENFEAT_highmem_assist = 6;
export const XENFEAT_gnttab_map_avail_bits = 7;
export const XENFEAT_hvm_callback_vector = 8;
export const XENFEAT_hvm_safe_pvclock = 9;
export const XENFEAT_hvm_pirqs = 10;
export const XENFEAT_dom0 = 11;
export const XENFEAT_memory_op_vnode_supported = 13;
export const XENFEAT_ARM_SMCCC_supported = 14;
export const XENFEAT_linux_rsdp_unrestricted = 15;
export const XENFEAT_not_direct_mapped = 16;
export const XENFEAT_direct_mapped = 17;
export const XENFEAT_NR_SUBMAPS = 1;

export const XenCompileInfoLayout = xenStruct('struct xen_compile_info', [
  ['compiler', 'char', 64],
  ['compile_by', 'char', 16],
  ['compile_domain', 'char', 32],
  ['compile_date', 'char', 32],
]);

export const XenPlatformParametersLayout = xenStruct('struct xen_platform_parameters', [['virt_start', 'xen_ulong_t']]);

export const XenFeatureInfoLayout = xenStruct('struct xen_feature_info', [
  ['submap_idx', 'unsigned int'],
  ['submap', 'uint32_t'],
]);

export const XenBuildIdLayout = xenStruct('struct xen_build_id', [
  ['len', 'uint32_t'],
  ['buf', 'uint8_t', 0],
]);
