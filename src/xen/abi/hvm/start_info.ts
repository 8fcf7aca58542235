// xen/arch-x86/hvm/start_info.h: the PVH boot ABI (the start info the loader leaves in %ebx),
// its module list and memory map entries. Identical in both ABIs (all fields fixed-width).
import { xenStruct } from '../struct.ts';

export const header = 'xen/arch-x86/hvm/start_info.h';

export const XEN_HVM_START_MAGIC_VALUE = 0x336ec578;

export const XEN_HVM_MEMMAP_TYPE_RAM = 1;
export const XEN_HVM_MEMMAP_TYPE_RESERVED = 2;
export const XEN_HVM_MEMMAP_TYPE_ACPI = 3;
export const XEN_HVM_MEMMAP_TYPE_NVS = 4;
export const XEN_HVM_MEMMAP_TYPE_UNUSABLE = 5;
export const XEN_HVM_MEMMAP_TYPE_DISABLED = 6;
export const XEN_HVM_MEMMAP_TYPE_PMEM = 7;

export const HvmStartInfoLayout = xenStruct('struct hvm_start_info', [
  ['magic', 'uint32_t'],
  ['version', 'uint32_t'],
  ['flags', 'uint32_t'],
  ['nr_modules', 'uint32_t'],
  ['modlist_paddr', 'uint64_t'],
  ['cmdline_paddr', 'uint64_t'],
  ['rsdp_paddr', 'uint64_t'],
  ['memmap_paddr', 'uint64_t'],
  ['memmap_entries', 'uint32_t'],
  ['reserved', 'uint32_t'],
]);

export const HvmModlistEntryLayout = xenStruct('struct hvm_modlist_entry', [
  ['paddr', 'uint64_t'],
  ['size', 'uint64_t'],
  ['cmdline_paddr', 'uint64_t'],
  ['reserved', 'uint64_t'],
]);

export const HvmMemmapTableEntryLayout = xenStruct('struct hvm_memmap_table_entry', [
  ['addr', 'uint64_t'],
  ['size', 'uint64_t'],
  ['type', 'uint32_t'],
  ['reserved', 'uint32_t'],
]);
