// xen/vcpu.h: VCPUOP_* sub-ops of __HYPERVISOR_vcpu_op (runstate area, timers, vcpu_info
// placement) and their argument structs.
import { xenStruct, union } from './struct.ts';

export const header = 'xen/vcpu.h';

export const VCPUOP_initialise = 0;
export const VCPUOP_up = 1;
export const VCPUOP_down = 2;
export const VCPUOP_is_up = 3;
export const VCPUOP_get_runstate_info = 4;
export const VCPUOP_register_runstate_memory_area = 5;
export const VCPUOP_set_periodic_timer = 6;
export const VCPUOP_stop_periodic_timer = 7;
export const VCPUOP_set_singleshot_timer = 8;
export const VCPUOP_stop_singleshot_timer = 9;
export const VCPUOP_register_vcpu_info = 10;
export const VCPUOP_send_nmi = 11;
export const VCPUOP_get_physid = 12;
export const VCPUOP_register_vcpu_time_memory_area = 13;

export const RUNSTATE_running = 0;
export const RUNSTATE_runnable = 1;
export const RUNSTATE_blocked = 2;
export const RUNSTATE_offline = 3;
/** Bit 63 of state_entry_time while Xen updates the area (VMASST_TYPE_runstate_update_flag). */
export const XEN_RUNSTATE_UPDATE = 2 ** 63;

export const VCPU_SSHOTTMR_future = 1;

export const VcpuRunstateInfoLayout = xenStruct('struct vcpu_runstate_info', [
  ['state', 'int'],
  ['state_entry_time', 'uint64_t'],
  ['time', 'uint64_t', 4],
]);

export const VcpuRegisterRunstateMemoryAreaLayout = xenStruct('struct vcpu_register_runstate_memory_area', [
  ['addr', union(undefined, [['h', 'XEN_GUEST_HANDLE'], ['v', 'void *'], ['p', 'uint64_t']])],
]);

export const VcpuSetPeriodicTimerLayout = xenStruct('struct vcpu_set_periodic_timer', [['period_ns', 'uint64_t']]);

export const VcpuSetSingleshotTimerLayout = xenStruct('struct vcpu_set_singleshot_timer', [
  ['timeout_abs_ns', 'uint64_t'],
  ['flags', 'uint32_t'],
]);

export const VcpuRegisterVcpuInfoLayout = xenStruct('struct vcpu_register_vcpu_info', [
  ['mfn', 'uint64_t'],
  ['offset', 'uint32_t'],
  ['rsvd', 'uint32_t'],
]);

export const VcpuGetPhysidLayout = xenStruct('struct vcpu_get_physid', [['phys_id', 'uint64_t']]);

export const VcpuRegisterTimeMemoryAreaLayout = xenStruct('struct vcpu_register_time_memory_area', [
  ['addr', union(undefined, [['h', 'XEN_GUEST_HANDLE'], ['v', 'void *'], ['p', 'uint64_t']])],
]);
