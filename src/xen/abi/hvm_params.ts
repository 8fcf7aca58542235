// xen/hvm/params.h and xen/hvm/hvm_op.h: HVM_PARAM_* indices, the CALLBACK_IRQ encoding, and the
// HVMOP_* sub-ops of __HYPERVISOR_hvm_op with their argument structs.
import { xenStruct } from './struct.ts';

export const header = ['xen/hvm/params.h', 'xen/hvm/hvm_op.h'];

export const HVM_PARAM_CALLBACK_IRQ = 0;
export const HVM_PARAM_STORE_PFN = 1;
export const HVM_PARAM_STORE_EVTCHN = 2;
export const HVM_PARAM_PAE_ENABLED = 4;
export const HVM_PARAM_IOREQ_PFN = 5;
export const HVM_PARAM_BUFIOREQ_PFN = 6;
export const HVM_PARAM_VIRIDIAN = 9;
export const HVM_PARAM_TIMER_MODE = 10;
export const HVM_PARAM_HPET_ENABLED = 11;
export const HVM_PARAM_IDENT_PT = 12;
export const HVM_PARAM_DM_DOMAIN = 13;
export const HVM_PARAM_ACPI_S_STATE = 14;
export const HVM_PARAM_VM86_TSS = 15;
export const HVM_PARAM_VPT_ALIGN = 16;
export const HVM_PARAM_CONSOLE_PFN = 17;
export const HVM_PARAM_CONSOLE_EVTCHN = 18;
export const HVM_PARAM_ACPI_IOPORTS_LOCATION = 19;
export const HVM_PARAM_MEMORY_EVENT_CR0 = 20;
export const HVM_PARAM_MEMORY_EVENT_CR3 = 21;
export const HVM_PARAM_MEMORY_EVENT_CR4 = 22;
export const HVM_PARAM_MEMORY_EVENT_INT3 = 23;
export const HVM_PARAM_NESTEDHVM = 24;
export const HVM_PARAM_MEMORY_EVENT_SINGLE_STEP = 25;
export const HVM_PARAM_BUFIOREQ_EVTCHN = 26;
export const HVM_PARAM_PAGING_RING_PFN = 27;
export const HVM_PARAM_MONITOR_RING_PFN = 28;
export const HVM_PARAM_SHARING_RING_PFN = 29;
export const HVM_PARAM_MEMORY_EVENT_MSR = 30;
export const HVM_PARAM_TRIPLE_FAULT_REASON = 31;
export const HVM_PARAM_IOREQ_SERVER_PFN = 32;
export const HVM_PARAM_NR_IOREQ_SERVER_PAGES = 33;
export const HVM_PARAM_VM_GENERATION_ID_ADDR = 34;
export const HVM_PARAM_ALTP2M = 35;
export const HVM_PARAM_X87_FIP_WIDTH = 36;
export const HVM_PARAM_VM86_TSS_SIZED = 37;
export const HVM_PARAM_MCA_CAP = 38;
export const HVM_NR_PARAMS = 39;

// HVM_PARAM_CALLBACK_IRQ: delivery type in bits 63:56, the rest type-specific.
export const HVM_PARAM_CALLBACK_TYPE_GSI = 0;
export const HVM_PARAM_CALLBACK_TYPE_PCI_INTX = 1;
export const HVM_PARAM_CALLBACK_TYPE_VECTOR = 2;
/** Bits 63:56 of the CALLBACK_IRQ value (a BigInt-free split: the type is value_hi >>> 24). */
export const HVM_PARAM_CALLBACK_IRQ_TYPE_MASK = 0xff00000000000000;

export const HVMOP_set_param = 0;
export const HVMOP_get_param = 1;
// 2-4 (set_pci_intx_level, set_isa_irq_level, set_pci_link_route) are toolstack-only (dm_op now).
export const HVMOP_flush_tlbs = 5;
export const HVMOP_pagetable_dying = 9;
export const HVMOP_get_time = 10;
export const HVMOP_xentrace = 11;
export const HVMOP_set_mem_access = 12;
export const HVMOP_get_mem_access = 13;
export const HVMOP_get_mem_type = 15;
export const HVMOP_set_evtchn_upcall_vector = 23;
export const HVMOP_guest_request_vm_event = 24;
export const HVMOP_altp2m = 25;

export const XenHvmParamLayout = xenStruct('struct xen_hvm_param', [
  ['domid', 'domid_t'],
  ['pad', 'uint16_t'],
  ['index', 'uint32_t'],
  ['value', 'uint64_t'],
]);

export const XenHvmPagetableDyingLayout = xenStruct('struct xen_hvm_pagetable_dying', [
  ['domid', 'domid_t'],
  ['pad', 'uint16_t', 3],
  ['gpa', 'uint64_t'],
]);

export const XenHvmGetTimeLayout = xenStruct('struct xen_hvm_get_time', [['now', 'uint64_t']]);

export const XenHvmGetMemTypeLayout = xenStruct('struct xen_hvm_get_mem_type', [
  ['domid', 'domid_t'],
  ['mem_type', 'uint16_t'],
  ['pad', 'uint16_t', 2],
  ['pfn', 'uint64_t'],
]);

export const XenHvmEvtchnUpcallVectorLayout = xenStruct('struct xen_hvm_evtchn_upcall_vector', [
  ['vcpu', 'uint32_t'],
  ['vector', 'uint8_t'],
]);
