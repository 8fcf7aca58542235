// __HYPERVISOR_set_timer_op (xen/common/sched/core.c do_set_timer_op): one absolute deadline in
// Xen system time (ns), 0 = cancel. A 32-bit caller passes it as (a1 << 32 | a0). A deadline
// in the past fires at once (Xen: "timeout in the past → send the timer event immediately").
import type { Hypercall } from '../hypercall.ts';
import type { XenDomain } from '../xen_domain.ts';

const TWO32 = 4294967296;

export function setTimerOp(d: XenDomain, h: Hypercall): number {
  const t = h.abi === 'x86_64' ? h.a[0]! : (h.lo[1]! >>> 0) * TWO32 + (h.lo[0]! >>> 0);
  const timer = d.singleshot[h.vcpu]!;
  if (t === 0) timer.cancel();
  else timer.arm(t < 0 ? Number.MAX_SAFE_INTEGER : t);
  return 0;
}
