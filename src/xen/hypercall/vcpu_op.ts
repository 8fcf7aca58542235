// __HYPERVISOR_vcpu_op (public/vcpu.h; xen/common/domain.c do_vcpu_op, arch/x86 hvm).
// Args (cmd, vcpuid, arg); an unknown vCPU is -ENOENT. Secondary vCPUs start either with
// INIT/SIPI or, as PVH guests and XTF do, with VCPUOP_initialise (a vcpu_hvm_context, checked in
// ../vcpu_context.ts) then VCPUOP_up; VCPUOP_down parks one (the last one powers off). Timers raise VIRQ_TIMER. A singleshot
// deadline in the past fires at once (VCPU_SSHOTTMR_future is ignored, as Xen upstream, KVM and
// QEMU do: Linux BUG()s on -ETIME). Runstate and vcpu_info areas are translated once, at
// registration, to a guest-physical address (QEMU/KVM behaviour); ../runstate.ts keeps the
// runstate record and rewrites the area on every state change.
import { XEN_EEXIST, XEN_EFAULT, XEN_EINVAL, XEN_ENOENT, XEN_ENOSYS } from '../abi/errno.ts';
import { VcpuHvmContextLayout } from '../abi/hvm/hvm_vcpu.ts';
import { SHUTDOWN_poweroff } from '../abi/sched.ts';
import { DM_NMI } from '../../machine/lapic.ts';
import {
  VCPUOP_get_physid,
  VCPUOP_get_runstate_info,
  VCPUOP_is_up,
  VCPUOP_register_runstate_memory_area,
  VCPUOP_register_vcpu_info,
  VCPUOP_register_vcpu_time_memory_area,
  VCPUOP_send_nmi,
  VCPUOP_set_periodic_timer,
  VCPUOP_set_singleshot_timer,
  VCPUOP_stop_periodic_timer,
  VCPUOP_stop_singleshot_timer,
  VCPUOP_up,
  VCPUOP_down,
  VCPUOP_initialise,
  VcpuRegisterRunstateMemoryAreaLayout,
  VcpuRegisterTimeMemoryAreaLayout,
  VcpuRegisterVcpuInfoLayout,
  VcpuSetPeriodicTimerLayout,
  VcpuSetSingleshotTimerLayout,
} from '../abi/vcpu.ts';
import { GuestStruct, linearToPhys } from '../guest_copy.ts';
import type { Hypercall } from '../hypercall.ts';
import { checkHvmContext, loadHvmContext } from '../vcpu_context.ts';
import { writeVcpuTime } from '../xen_clock.ts';
import type { XenDomain } from '../xen_domain.ts';

/** Xen refuses periodic timers faster than 1 ms (MILLISECS(1)). */
const MIN_PERIOD_NS = 1_000_000;
const VCPU_INFO_SIZE = 64;

export function vcpuOp(d: XenDomain, h: Hypercall): number {
  const cmd = h.lo[0]!;
  const vcpu = h.lo[1]! >>> 0;
  const arg = h.a[2]!;
  if (vcpu >= d.machine.cpus.length) return -XEN_ENOENT;
  const clock = d.machine.platform.clock;
  switch (cmd) {
    case VCPUOP_is_up:
      // Xen's _VPF_down is our wait-for-SIPI: an AP not started yet, or taken down, is not up.
      return d.machine.platform.lapics[vcpu]?.waitingForSipi ? 0 : 1;
    case VCPUOP_initialise: {
      // common/domain.c: a vCPU without a vcpu_info (id >= 32, none registered) is refused;
      // x86 arch_initialise_vcpu: -EFAULT, then -EEXIST once initialised, then the checks.
      if (d.vcpuInfo[vcpu]! < 0) return -XEN_EINVAL;
      const ctx = new GuestStruct(h.g, VcpuHvmContextLayout, arg);
      if (!ctx.load()) return -XEN_EFAULT;
      if (d.initialised[vcpu]) return -XEN_EEXIST;
      const st = checkHvmContext(ctx);
      if (typeof st === 'number') return st;
      loadHvmContext(d.machine.cpus[vcpu]!, st);
      d.initialised[vcpu] = true; // and still down (_VPF_down) until VCPUOP_up
      d.machine.setVcpuDown(vcpu, true);
      return 0;
    }
    case VCPUOP_up:
      if (!d.initialised[vcpu]) return -XEN_EINVAL;
      if (d.machine.platform.lapics[vcpu]!.waitingForSipi) d.machine.setVcpuDown(vcpu, false);
      return 0;
    case VCPUOP_down: {
      // The last vCPU going down powers the domain off (domain_shutdown(SHUTDOWN_poweroff)).
      const lapics = d.machine.platform.lapics;
      if (!lapics.some((l, i) => i !== vcpu && !l.waitingForSipi)) {
        d.shutdown(SHUTDOWN_poweroff, h.vcpu);
        return 0;
      }
      if (!lapics[vcpu]!.waitingForSipi) d.machine.setVcpuDown(vcpu, true);
      return 0;
    }
    case VCPUOP_send_nmi:
      // arch/x86/domain.c: the argument must be NULL; the NMI is taken like one from the LAPIC.
      if (arg !== 0) return -XEN_EINVAL;
      d.machine.platform.lapics[vcpu]!.deliver(DM_NMI, 0, false);
      return 0;
    case VCPUOP_get_physid:
      return -XEN_EINVAL; // only for the hardware domain's pinned vCPUs
    case VCPUOP_get_runstate_info:
      return h.g.write(arg, d.runstate.info(vcpu, h.abi)) ? 0 : -XEN_EFAULT;
    case VCPUOP_register_runstate_memory_area: {
      const s = new GuestStruct(h.g, VcpuRegisterRunstateMemoryAreaLayout, arg);
      if (!s.load()) return -XEN_EFAULT;
      const va = s.get('addr.v');
      if (va === 0) { d.runstateArea[vcpu] = -1; return 0; }
      const pa = linearToPhys(h.cpu, d.mem, va, true);
      if (pa < 0) return -XEN_EFAULT;
      d.runstateArea[vcpu] = pa;
      d.runstate.register(vcpu, h.abi);
      return 0;
    }
    case VCPUOP_register_vcpu_time_memory_area: {
      const s = new GuestStruct(h.g, VcpuRegisterTimeMemoryAreaLayout, arg);
      if (!s.load()) return -XEN_EFAULT;
      const va = s.get('addr.v');
      if (va === 0) return 0;
      const pa = linearToPhys(h.cpu, d.mem, va, true);
      if (pa < 0 || (pa % 4096) + 32 > 4096) return -XEN_EFAULT;
      const host = d.mem.physPage(Math.floor(pa / 4096));
      if (host < 0) return -XEN_EFAULT;
      // writeVcpuTime writes at vcpu_info + 32: point it 32 bytes before the area.
      writeVcpuTime(d.dv, host + (pa % 4096) - 32, clock, d.scale);
      return 0;
    }
    case VCPUOP_register_vcpu_info: {
      const s = new GuestStruct(h.g, VcpuRegisterVcpuInfoLayout, arg);
      if (!s.load()) return -XEN_EFAULT;
      const gfn = s.get('mfn'), off = s.get('offset');
      if (off > 4096 - VCPU_INFO_SIZE || off < 0 || gfn < 0) return -XEN_EINVAL;
      if (d.registeredVcpuInfo[vcpu]) return -XEN_EINVAL; // Xen (map_vcpu_info) refuses re-registration
      const host = d.mem.physPage(gfn);
      if (host < 0) return -XEN_EINVAL;
      const vi = host + off;
      const old = d.vcpuInfo[vcpu]!;
      // Xen copies the current contents across so no pending event is lost.
      if (old >= 0) d.u8.copyWithin(vi, old, old + VCPU_INFO_SIZE);
      else d.u8.fill(0, vi, vi + VCPU_INFO_SIZE);
      d.vcpuInfo[vcpu] = vi;
      d.registeredVcpuInfo[vcpu] = true;
      writeVcpuTime(d.dv, vi, clock, d.scale);
      return 0;
    }
    case VCPUOP_set_periodic_timer: {
      const s = new GuestStruct(h.g, VcpuSetPeriodicTimerLayout, arg);
      if (!s.load()) return -XEN_EFAULT;
      const period = s.get('period_ns');
      if (period < MIN_PERIOD_NS) return -XEN_EINVAL;
      d.periodNs[vcpu] = period;
      d.periodic[vcpu]!.arm(clock.nowNs() + period);
      return 0;
    }
    case VCPUOP_stop_periodic_timer:
      d.periodNs[vcpu] = 0;
      d.periodic[vcpu]!.cancel();
      return 0;
    case VCPUOP_set_singleshot_timer: {
      if (vcpu !== h.vcpu) return -XEN_EINVAL;
      const s = new GuestStruct(h.g, VcpuSetSingleshotTimerLayout, arg);
      if (!s.load()) return -XEN_EFAULT;
      const t = s.get('timeout_abs_ns');
      d.singleshot[vcpu]!.arm(t < 0 ? Number.MAX_SAFE_INTEGER : t);
      return 0;
    }
    case VCPUOP_stop_singleshot_timer:
      if (vcpu !== h.vcpu) return -XEN_EINVAL;
      d.singleshot[vcpu]!.cancel();
      return 0;
    default:
      return -XEN_ENOSYS;
  }
}
