// xen/physdev.h: PHYSDEVOP_* sub-ops of __HYPERVISOR_physdev_op (PIRQ/EOI plumbing; an HVM
// guest without passthrough uses few of them) and their argument structs.
import { xenStruct } from './struct.ts';

export const header = 'xen/physdev.h';

export const PHYSDEVOP_IRQ_UNMASK_NOTIFY = 4;
export const PHYSDEVOP_irq_status_query = 5;
export const PHYSDEVOP_set_iopl = 6;
export const PHYSDEVOP_set_iobitmap = 7;
export const PHYSDEVOP_apic_read = 8;
export const PHYSDEVOP_apic_write = 9;
export const PHYSDEVOP_alloc_irq_vector = 10;
export const PHYSDEVOP_free_irq_vector = 11;
export const PHYSDEVOP_eoi = 12;
export const PHYSDEVOP_map_pirq = 13;
export const PHYSDEVOP_unmap_pirq = 14;
export const PHYSDEVOP_manage_pci_add = 15;
export const PHYSDEVOP_manage_pci_remove = 16;
export const PHYSDEVOP_pirq_eoi_gmfn_v1 = 17;
export const PHYSDEVOP_restore_msi = 19;
export const PHYSDEVOP_manage_pci_add_ext = 20;
export const PHYSDEVOP_setup_gsi = 21;
export const PHYSDEVOP_get_free_pirq = 23;
export const PHYSDEVOP_pci_mmcfg_reserved = 24;
export const PHYSDEVOP_pci_device_add = 25;
export const PHYSDEVOP_pci_device_remove = 26;
export const PHYSDEVOP_restore_msi_ext = 27;
export const PHYSDEVOP_pirq_eoi_gmfn_v2 = 28;
/** The current interface version's meaning of PHYSDEVOP_pirq_eoi_gmfn. */
export const PHYSDEVOP_pirq_eoi_gmfn = PHYSDEVOP_pirq_eoi_gmfn_v2;
export const PHYSDEVOP_dbgp_op = 29;
export const PHYSDEVOP_prepare_msix = 30;
export const PHYSDEVOP_release_msix = 31;

export const XENIRQSTAT_needs_eoi = 1 << 0;
export const XENIRQSTAT_shared = 1 << 1;

export const MAP_PIRQ_TYPE_MSI = 0;
export const MAP_PIRQ_TYPE_GSI = 1;
export const MAP_PIRQ_TYPE_UNKNOWN = 2;
export const MAP_PIRQ_TYPE_MSI_SEG = 3;
export const MAP_PIRQ_TYPE_MULTI_MSI = 4;

export const PhysdevEoiLayout = xenStruct('struct physdev_eoi', [['irq', 'uint32_t']]);
export const PhysdevPirqEoiGmfnLayout = xenStruct('struct physdev_pirq_eoi_gmfn', [['gmfn', 'xen_pfn_t']]);

export const PhysdevIrqStatusQueryLayout = xenStruct('struct physdev_irq_status_query', [
  ['irq', 'uint32_t'],
  ['flags', 'uint32_t'],
]);

export const PhysdevSetIoplLayout = xenStruct('struct physdev_set_iopl', [['iopl', 'uint32_t']]);

export const PhysdevSetIobitmapLayout = xenStruct('struct physdev_set_iobitmap', [
  ['bitmap', 'XEN_GUEST_HANDLE'],
  ['nr_ports', 'uint32_t'],
]);

export const PhysdevApicLayout = xenStruct('struct physdev_apic', [
  ['apic_physbase', 'unsigned long'],
  ['reg', 'uint32_t'],
  ['value', 'uint32_t'],
]);

export const PhysdevIrqLayout = xenStruct('struct physdev_irq', [
  ['irq', 'uint32_t'],
  ['vector', 'uint32_t'],
]);

export const PhysdevMapPirqLayout = xenStruct('struct physdev_map_pirq', [
  ['domid', 'domid_t'],
  ['type', 'int'],
  ['index', 'int'],
  ['pirq', 'int'],
  ['bus', 'int'],
  ['devfn', 'int'],
  ['entry_nr', 'int'],
  ['table_base', 'uint64_t'],
]);

export const PhysdevUnmapPirqLayout = xenStruct('struct physdev_unmap_pirq', [
  ['domid', 'domid_t'],
  ['pirq', 'int'],
]);
