// xen/xen.h (+ arch-x86/xen.h, xen-x86_32.h, xen-x86_64.h): hypercall numbers, VIRQs, domain ids,
// MMU operations, console_io, and the shared_info / vcpu_info pages.
import { xenStruct, struct, union } from './struct.ts';

/** The public header this file mirrors; the probe includes it. */
export const header = 'xen/xen.h';

// Hypercall numbers (xen.h "HYPERCALLS").
export const __HYPERVISOR_set_trap_table = 0;
export const __HYPERVISOR_mmu_update = 1;
export const __HYPERVISOR_set_gdt = 2;
export const __HYPERVISOR_stack_switch = 3;
export const __HYPERVISOR_set_callbacks = 4;
export const __HYPERVISOR_fpu_taskswitch = 5;
export const __HYPERVISOR_sched_op_compat = 6;
export const __HYPERVISOR_platform_op = 7;
export const __HYPERVISOR_set_debugreg = 8;
export const __HYPERVISOR_get_debugreg = 9;
export const __HYPERVISOR_update_descriptor = 10;
export const __HYPERVISOR_memory_op = 12;
export const __HYPERVISOR_multicall = 13;
export const __HYPERVISOR_update_va_mapping = 14;
export const __HYPERVISOR_set_timer_op = 15;
export const __HYPERVISOR_event_channel_op_compat = 16;
export const __HYPERVISOR_xen_version = 17;
export const __HYPERVISOR_console_io = 18;
export const __HYPERVISOR_physdev_op_compat = 19;
export const __HYPERVISOR_grant_table_op = 20;
export const __HYPERVISOR_vm_assist = 21;
export const __HYPERVISOR_update_va_mapping_otherdomain = 22;
export const __HYPERVISOR_iret = 23;
export const __HYPERVISOR_vcpu_op = 24;
export const __HYPERVISOR_set_segment_base = 25;
export const __HYPERVISOR_mmuext_op = 26;
export const __HYPERVISOR_xsm_op = 27;
export const __HYPERVISOR_nmi_op = 28;
export const __HYPERVISOR_sched_op = 29;
export const __HYPERVISOR_callback_op = 30;
export const __HYPERVISOR_xenoprof_op = 31;
export const __HYPERVISOR_event_channel_op = 32;
export const __HYPERVISOR_physdev_op = 33;
export const __HYPERVISOR_hvm_op = 34;
export const __HYPERVISOR_sysctl = 35;
export const __HYPERVISOR_domctl = 36;
export const __HYPERVISOR_kexec_op = 37;
export const __HYPERVISOR_tmem_op = 38;
export const __HYPERVISOR_argo_op = 39;
export const __HYPERVISOR_xenpmu_op = 40;
export const __HYPERVISOR_dm_op = 41;
export const __HYPERVISOR_hypfs_op = 42;
export const __HYPERVISOR_arch_0 = 48;
export const __HYPERVISOR_arch_1 = 49;
export const __HYPERVISOR_arch_2 = 50;
export const __HYPERVISOR_arch_3 = 51;
export const __HYPERVISOR_arch_4 = 52;
export const __HYPERVISOR_arch_5 = 53;
export const __HYPERVISOR_arch_6 = 54;
export const __HYPERVISOR_arch_7 = 55;

// Virtual interrupts (xen.h "VIRTUAL INTERRUPTS"); VIRQ_ARCH_0.. are arch-specific.
export const VIRQ_TIMER = 0;
export const VIRQ_DEBUG = 1;
export const VIRQ_CONSOLE = 2;
export const VIRQ_DOM_EXC = 3;
export const VIRQ_TBUF = 4;
export const VIRQ_DEBUGGER = 6;
export const VIRQ_XENOPROF = 7;
export const VIRQ_CON_RING = 8;
export const VIRQ_PCPU_STATE = 9;
export const VIRQ_MEM_EVENT = 10;
export const VIRQ_ARGO = 11;
export const VIRQ_ENOMEM = 12;
export const VIRQ_XENPMU = 13;
export const VIRQ_ARCH_0 = 16;
export const VIRQ_ARCH_1 = 17;
export const VIRQ_ARCH_2 = 18;
export const VIRQ_ARCH_3 = 19;
export const VIRQ_ARCH_4 = 20;
export const VIRQ_ARCH_5 = 21;
export const VIRQ_ARCH_6 = 22;
export const VIRQ_ARCH_7 = 23;
export const NR_VIRQS = 24;

// MMU_UPDATE command in the low 2 bits of mmu_update.ptr.
export const MMU_NORMAL_PT_UPDATE = 0;
export const MMU_MACHPHYS_UPDATE = 1;
export const MMU_PT_UPDATE_PRESERVE_AD = 2;
export const MMU_PT_UPDATE_NO_TRANSLATE = 3;

// MMUEXT_OP commands.
export const MMUEXT_PIN_L1_TABLE = 0;
export const MMUEXT_PIN_L2_TABLE = 1;
export const MMUEXT_PIN_L3_TABLE = 2;
export const MMUEXT_PIN_L4_TABLE = 3;
export const MMUEXT_UNPIN_TABLE = 4;
export const MMUEXT_NEW_BASEPTR = 5;
export const MMUEXT_TLB_FLUSH_LOCAL = 6;
export const MMUEXT_INVLPG_LOCAL = 7;
export const MMUEXT_TLB_FLUSH_MULTI = 8;
export const MMUEXT_INVLPG_MULTI = 9;
export const MMUEXT_TLB_FLUSH_ALL = 10;
export const MMUEXT_INVLPG_ALL = 11;
export const MMUEXT_FLUSH_CACHE = 12;
export const MMUEXT_SET_LDT = 13;
export const MMUEXT_NEW_USER_BASEPTR = 15;
export const MMUEXT_CLEAR_PAGE = 16;
export const MMUEXT_COPY_PAGE = 17;
export const MMUEXT_FLUSH_CACHE_GLOBAL = 18;
export const MMUEXT_MARK_SUPER = 19;
export const MMUEXT_UNMARK_SUPER = 20;

// update_va_mapping flags.
export const UVMF_NONE = 0;
export const UVMF_TLB_FLUSH = 1;
export const UVMF_INVLPG = 2;
export const UVMF_FLUSHTYPE_MASK = 3;
export const UVMF_MULTI = 0;
export const UVMF_LOCAL = 0;
export const UVMF_ALL = 4;

// console_io commands (xen.h "HYPERVISOR_console_io").
export const CONSOLEIO_write = 0;
export const CONSOLEIO_read = 1;

// vm_assist.
export const VMASST_CMD_enable = 0;
export const VMASST_CMD_disable = 1;
export const VMASST_TYPE_4gb_segments = 0;
export const VMASST_TYPE_4gb_segments_notify = 1;
export const VMASST_TYPE_writable_pagetables = 2;
export const VMASST_TYPE_pae_extended_cr3 = 3;
export const VMASST_TYPE_architectural_iopl = 4;
export const VMASST_TYPE_runstate_update_flag = 5;
export const VMASST_TYPE_m2p_strict = 32;

// Reserved domain ids.
export const DOMID_FIRST_RESERVED = 0x7ff0;
export const DOMID_SELF = 0x7ff0;
export const DOMID_IO = 0x7ff1;
export const DOMID_XEN = 0x7ff2;
export const DOMID_COW = 0x7ff3;
export const DOMID_INVALID = 0x7ff4;
export const DOMID_IDLE = 0x7fff;
export const DOMID_MASK = 0x7fff;

// start_info.flags.
export const SIF_PRIVILEGED = 1 << 0;
export const SIF_INITDOMAIN = 1 << 1;
export const SIF_MULTIBOOT_MOD = 1 << 2;
export const SIF_MOD_START_PFN = 1 << 3;
export const SIF_VIRT_P2M_4TOOLS = 1 << 4;
export const SIF_PM_MASK = 0xff << 8;
export const MAX_GUEST_CMDLINE = 1024;

// vcpu_time_info.flags.
export const XEN_PVCLOCK_TSC_STABLE_BIT = 1 << 0;
export const XEN_PVCLOCK_GUEST_STOPPED = 1 << 1;

export const XEN_LEGACY_MAX_VCPUS = 32;

/** arch-x86/xen.h: the port of Xen's HVM debug console (guests write bytes to it with OUTB). */
export const XEN_HVM_DEBUGCONS_IOPORT = 0xe9;

export const MmuUpdateLayout = xenStruct('struct mmu_update', [
  ['ptr', 'uint64_t'],
  ['val', 'uint64_t'],
]);

export const MmuextOpLayout = xenStruct('struct mmuext_op', [
  ['cmd', 'unsigned int'],
  ['arg1', union(undefined, [['mfn', 'xen_pfn_t'], ['linear_addr', 'unsigned long']])],
  ['arg2', union(undefined, [['nr_ents', 'unsigned int'], ['vcpumask', 'XEN_GUEST_HANDLE'], ['src_mfn', 'xen_pfn_t']])],
]);

export const MulticallEntryLayout = xenStruct('struct multicall_entry', [
  ['op', 'xen_ulong_t'],
  ['result', 'xen_ulong_t'],
  ['args', 'xen_ulong_t', 6],
]);

// The pvclock record at vcpu_info + 32 (interface version > 0x040600 has `flags`).
export const VcpuTimeInfoLayout = xenStruct('struct vcpu_time_info', [
  ['version', 'uint32_t'],
  ['pad0', 'uint32_t'],
  ['tsc_timestamp', 'uint64_t'],
  ['system_time', 'uint64_t'],
  ['tsc_to_system_mul', 'uint32_t'],
  ['tsc_shift', 'int8_t'],
  ['flags', 'uint8_t'],
  ['pad1', 'uint8_t', 2],
]);

// arch-x86/xen-x86_{32,64}.h: pad sized so that vcpu_info is 64 bytes in both ABIs.
export const ArchVcpuInfoLayout = xenStruct('struct arch_vcpu_info', [
  ['cr2', 'unsigned long'],
  ['pad', 'unsigned long', { x86_64: 1, x86_32: 5 }],
]);

export const VcpuInfoLayout = xenStruct('struct vcpu_info', [
  ['evtchn_upcall_pending', 'uint8_t'],
  ['evtchn_upcall_mask', 'uint8_t'],
  ['evtchn_pending_sel', 'xen_ulong_t'],
  ['arch', ArchVcpuInfoLayout],
  ['time', VcpuTimeInfoLayout],
]);

export const ArchSharedInfoLayout = xenStruct('struct arch_shared_info', [
  ['max_pfn', 'unsigned long'],
  ['pfn_to_mfn_frame_list_list', 'xen_pfn_t'],
  ['nmi_reason', 'unsigned long'],
  ['p2m_cr3', 'unsigned long'],
  ['p2m_vaddr', 'unsigned long'],
  ['p2m_generation', 'unsigned long'],
  // "There's no room for this field in the generic structure" on i386.
  ['wc_sec_hi', 'uint32_t', 1, 'x86_32'],
]);

// evtchn_pending/mask hold sizeof(xen_ulong_t)*8 words: 4096 ports on x86_64, 1024 on x86_32.
export const SharedInfoLayout = xenStruct('struct shared_info', [
  ['vcpu_info', VcpuInfoLayout, XEN_LEGACY_MAX_VCPUS],
  ['evtchn_pending', 'xen_ulong_t', { x86_64: 64, x86_32: 32 }],
  ['evtchn_mask', 'xen_ulong_t', { x86_64: 64, x86_32: 32 }],
  ['wc_version', 'uint32_t'],
  ['wc_sec', 'uint32_t'],
  ['wc_nsec', 'uint32_t'],
  ['wc_sec_hi', 'uint32_t', 1, 'x86_64'],
  ['arch', ArchSharedInfoLayout],
]);

// The PV start-of-day page (the shim hands one to PV GRUB and Linux).
export const StartInfoLayout = xenStruct('struct start_info', [
  ['magic', 'char', 32],
  ['nr_pages', 'unsigned long'],
  ['shared_info', 'unsigned long'],
  ['flags', 'uint32_t'],
  ['store_mfn', 'xen_pfn_t'],
  ['store_evtchn', 'uint32_t'],
  [
    'console',
    union(undefined, [
      ['domU', struct(undefined, [['mfn', 'xen_pfn_t'], ['evtchn', 'uint32_t']])],
      ['dom0', struct(undefined, [['info_off', 'uint32_t'], ['info_size', 'uint32_t']])],
    ]),
  ],
  ['pt_base', 'unsigned long'],
  ['nr_pt_frames', 'unsigned long'],
  ['mfn_list', 'unsigned long'],
  ['mod_start', 'unsigned long'],
  ['mod_len', 'unsigned long'],
  ['cmd_line', 'int8_t', MAX_GUEST_CMDLINE],
  ['first_p2m_pfn', 'unsigned long'],
  ['nr_p2m_frames', 'unsigned long'],
]);
