// xen/sched.h: SCHEDOP_* sub-ops of __HYPERVISOR_sched_op, SHUTDOWN_* reasons, argument structs.
import { xenStruct } from './struct.ts';

export const header = 'xen/sched.h';

export const SCHEDOP_yield = 0;
export const SCHEDOP_block = 1;
export const SCHEDOP_shutdown = 2;
export const SCHEDOP_poll = 3;
export const SCHEDOP_remote_shutdown = 4;
export const SCHEDOP_shutdown_code = 5;
export const SCHEDOP_watchdog = 6;
export const SCHEDOP_pin_override = 7;

export const SHUTDOWN_poweroff = 0;
export const SHUTDOWN_reboot = 1;
export const SHUTDOWN_suspend = 2;
export const SHUTDOWN_crash = 3;
export const SHUTDOWN_watchdog = 4;
export const SHUTDOWN_soft_reset = 5;
export const SHUTDOWN_MAX = 5;

export const SchedShutdownLayout = xenStruct('struct sched_shutdown', [['reason', 'unsigned int']]);

export const SchedPollLayout = xenStruct('struct sched_poll', [
  ['ports', 'XEN_GUEST_HANDLE'],
  ['nr_ports', 'unsigned int'],
  ['timeout', 'uint64_t'],
]);

export const SchedRemoteShutdownLayout = xenStruct('struct sched_remote_shutdown', [
  ['domain_id', 'domid_t'],
  ['reason', 'unsigned int'],
]);

export const SchedWatchdogLayout = xenStruct('struct sched_watchdog', [
  ['id', 'uint32_t'],
  ['timeout', 'uint32_t'],
]);

export const SchedPinOverrideLayout = xenStruct('struct sched_pin_override', [['pcpu', 'int32_t']]);
