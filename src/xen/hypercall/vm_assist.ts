// __HYPERVISOR_vm_assist (xen.h VMASST_*; xen/common/domain.c vm_assist): an HVM guest may only
// toggle VMASST_TYPE_runstate_update_flag (arch-x86 VM_ASSIST_VALID for HVM); anything else is
// -EINVAL. Linux asks for it before registering its runstate area.
import { XEN_EINVAL } from '../abi/errno.ts';
import { VMASST_CMD_disable, VMASST_CMD_enable, VMASST_TYPE_runstate_update_flag } from '../abi/xen.ts';
import type { Hypercall } from '../hypercall.ts';
import type { XenDomain } from '../xen_domain.ts';

export function vmAssist(d: XenDomain, h: Hypercall): number {
  const cmd = h.lo[0]!, type = h.lo[1]!;
  if (type !== VMASST_TYPE_runstate_update_flag) return -XEN_EINVAL;
  if (cmd === VMASST_CMD_enable) d.vmAssist |= 1 << type;
  else if (cmd === VMASST_CMD_disable) d.vmAssist &= ~(1 << type);
  else return -XEN_EINVAL;
  return 0;
}
