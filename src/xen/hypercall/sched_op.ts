// __HYPERVISOR_sched_op (public/sched.h; xen/common/sched/core.c do_sched_op).
// yield ends the slice after running the backends (GRUB busy-polls its rings with yield);
// block halts until an event is pending for the vCPU; poll halts until one of the ports is
// pending or the timeout passes; shutdown stops the machine with the reason.
import { XEN_EFAULT, XEN_EINVAL, XEN_ENOSYS, XEN_EPERM } from '../abi/errno.ts';
import {
  SCHEDOP_block,
  SCHEDOP_poll,
  SCHEDOP_remote_shutdown,
  SCHEDOP_shutdown,
  SCHEDOP_shutdown_code,
  SCHEDOP_watchdog,
  SCHEDOP_yield,
  SCHEDOP_pin_override,
  SHUTDOWN_MAX,
  SchedPollLayout,
} from '../abi/sched.ts';
import { GuestStruct } from '../guest_copy.ts';
import type { Hypercall } from '../hypercall.ts';
import type { XenDomain } from '../xen_domain.ts';

/** sched.c: at most this many ports in one poll. */
const MAX_POLL_PORTS = 128;

export function schedOp(d: XenDomain, h: Hypercall): number {
  const cmd = h.lo[0]!;
  const arg = h.a[1]!;
  switch (cmd) {
    case SCHEDOP_yield:
      d.runBackends();
      d.pollCallbackLevel();
      h.cpu.requestExit();
      return 0;
    case SCHEDOP_block: {
      // Events are enabled by block (evtchn_upcall_mask cleared), then the vCPU sleeps.
      const vi = d.vcpuInfo[h.vcpu]!;
      if (vi >= 0) d.u8[vi + 1] = 0;
      if (vi >= 0 && d.u8[vi] !== 0) return 0;
      d.block(h.vcpu, null);
      return 0;
    }
    case SCHEDOP_poll: {
      const s = new GuestStruct(h.g, SchedPollLayout, arg);
      if (!s.load()) return -XEN_EFAULT;
      const n = s.get('nr_ports');
      if (n > MAX_POLL_PORTS) return -XEN_EINVAL;
      const raw = h.g.read(s.get('ports'), n * 4);
      if (!raw) return -XEN_EFAULT;
      const dv = new DataView(raw.buffer);
      const ports: number[] = [];
      for (let i = 0; i < n; i++) {
        const p = dv.getUint32(i * 4, true);
        if (!d.evtchn.valid(p)) return -XEN_EINVAL;
        if (d.evtchn.isPending(p)) return 0;
        ports.push(p);
      }
      const timeout = s.get('timeout');
      const clock = d.machine.platform.clock;
      if (timeout !== 0 && timeout <= clock.nowNs()) return 0;
      d.block(h.vcpu, ports);
      if (timeout > 0) d.pollTimer[h.vcpu]!.arm(timeout);
      return 0;
    }
    case SCHEDOP_shutdown: {
      const b = h.g.read(arg, 4);
      if (!b) return -XEN_EFAULT;
      const reason = new DataView(b.buffer).getUint32(0, true);
      if (reason > SHUTDOWN_MAX) return -XEN_EINVAL;
      d.shutdown(reason, h.vcpu);
      return 0;
    }
    case SCHEDOP_shutdown_code: {
      const b = h.g.read(arg, 4);
      if (!b) return -XEN_EFAULT;
      d.shutdownCode = new DataView(b.buffer).getUint32(0, true);
      return 0;
    }
    case SCHEDOP_remote_shutdown:
    case SCHEDOP_pin_override:
      return -XEN_EPERM; // privileged (XSM_DM_PRIV / hardware domain only)
    case SCHEDOP_watchdog:
      return -XEN_ENOSYS;
    default:
      return -XEN_ENOSYS;
  }
}
