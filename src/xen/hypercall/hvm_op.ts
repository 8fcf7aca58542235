// __HYPERVISOR_hvm_op (public/hvm/hvm_op.h, params.h; xen/arch/x86/hvm/hvm.c do_hvm_op).
// The guest may read its params (index < HVM_NR_PARAMS, else -EINVAL) and set only
// HVM_PARAM_CALLBACK_IRQ (others -EPERM, as hvm_allow_set_param refuses them to the domain
// itself). CONSOLE_PFN/EVTCHN without a primary console are -EINVAL (QEMU). Setting the
// callback latches the shared_info layout from the caller's mode.
import { XEN_EFAULT, XEN_EINVAL, XEN_ENOSYS, XEN_EPERM, XEN_ESRCH } from '../abi/errno.ts';
import {
  HVMOP_flush_tlbs,
  HVMOP_get_param,
  HVMOP_get_time,
  HVMOP_pagetable_dying,
  HVMOP_set_evtchn_upcall_vector,
  HVMOP_set_param,
  HVM_NR_PARAMS,
  HVM_PARAM_CALLBACK_IRQ,
  HVM_PARAM_CALLBACK_TYPE_GSI,
  HVM_PARAM_CALLBACK_TYPE_PCI_INTX,
  HVM_PARAM_CALLBACK_TYPE_VECTOR,
  HVM_PARAM_CONSOLE_EVTCHN,
  HVM_PARAM_CONSOLE_PFN,
  XenHvmEvtchnUpcallVectorLayout,
  XenHvmParamLayout,
} from '../abi/hvm_params.ts';
import { DM_FIXED } from '../../machine/lapic.ts';
import { GuestStruct } from '../guest_copy.ts';
import type { Hypercall } from '../hypercall.ts';
import type { XenDomain } from '../xen_domain.ts';
import { isSelf } from './domid.ts';

const TWO32 = 4294967296;
/** The platform device's INTA routes to this GSI (PIIX: device 3 pin A → PIRQ C → GSI 10 in QEMU's default routing). */
const PLATFORM_INTX_GSI = 10;

/** Decode HVM_PARAM_CALLBACK_IRQ's value (type in bits 63:56) into the domain's callback. */
export function setCallbackIrq(d: XenDomain, lo: number, hi: number): number {
  const type = (hi >>> 24) & 0xff;
  switch (type) {
    case HVM_PARAM_CALLBACK_TYPE_GSI:
      d.callback = lo === 0 ? { type: 'none', value: 0 } : { type: 'gsi', value: lo >>> 0 };
      if (lo >= 24) return -XEN_EINVAL;
      break;
    case HVM_PARAM_CALLBACK_TYPE_PCI_INTX:
      if ((hi & 0xffff) !== 0) return -XEN_EINVAL; // PCI domain must be 0
      d.callback = { type: 'pci_intx', value: PLATFORM_INTX_GSI };
      break;
    case HVM_PARAM_CALLBACK_TYPE_VECTOR:
      d.callback = { type: 'vector', value: lo & 0xff };
      break;
    default:
      break; // unknown types are accepted and ignored (Xen compatible)
  }
  d.callbackIrqRaw[0] = lo;
  d.callbackIrqRaw[1] = hi;
  return 0;
}

export function hvmOp(d: XenDomain, h: Hypercall): number {
  const op = h.lo[0]!;
  const arg = h.a[1]!;
  switch (op) {
    case HVMOP_set_param:
    case HVMOP_get_param: {
      const s = new GuestStruct(h.g, XenHvmParamLayout, arg);
      if (!s.load()) return -XEN_EFAULT;
      if (!isSelf(d, s.get('domid'))) return -XEN_ESRCH;
      const index = s.get('index');
      if (index >= HVM_NR_PARAMS) return -XEN_EINVAL;
      if (op === HVMOP_set_param) {
        if (index !== HVM_PARAM_CALLBACK_IRQ) return -XEN_EPERM;
        d.latchShinfoAbi(h.abi);
        const [lo, hi] = s.halves('value');
        return setCallbackIrq(d, lo, hi);
      }
      if (!d.console && (index === HVM_PARAM_CONSOLE_PFN || index === HVM_PARAM_CONSOLE_EVTCHN)) return -XEN_EINVAL;
      if (index === HVM_PARAM_CALLBACK_IRQ) s.setHalves('value', d.callbackIrqRaw[0]!, d.callbackIrqRaw[1]!);
      else s.set('value', d.params[index]!);
      return s.storeField('value') ? 0 : -XEN_EFAULT;
    }
    case HVMOP_set_evtchn_upcall_vector: {
      const s = new GuestStruct(h.g, XenHvmEvtchnUpcallVectorLayout, arg);
      if (!s.load()) return -XEN_EFAULT;
      const vcpu = s.get('vcpu'), vector = s.get('vector');
      if (vector < 0x10 || vcpu >= d.machine.cpus.length) return -XEN_EINVAL;
      d.upcallVector[vcpu] = vector;
      // hvm.c: then hvm_assert_evtchn_irq() raises the vector once if the vLAPIC is enabled, so
      // an upcall already pending (evtchn_upcall_pending = 1, which no later event re-raises)
      // is not lost. (The Xen shim's console input was, forever.)
      const lapic = d.machine.platform.lapics[vcpu];
      if (lapic?.hwEnabled && lapic.swEnabled) lapic.deliver(DM_FIXED, vector, false);
      return 0;
    }
    case HVMOP_get_time: {
      const b = new Uint8Array(8);
      const ns = d.machine.platform.clock.nowNs();
      const dv = new DataView(b.buffer);
      dv.setUint32(0, ns % TWO32, true);
      dv.setUint32(4, Math.floor(ns / TWO32), true);
      return h.g.write(arg, b) ? 0 : -XEN_EFAULT;
    }
    case HVMOP_flush_tlbs:
      // hvm.c: the argument must be NULL; every vCPU's TLB is flushed.
      if (arg !== 0) return -XEN_EINVAL;
      for (const c of d.machine.cpus) c.flushTlb();
      return 0;
    case HVMOP_pagetable_dying:
      return -XEN_ENOSYS;
    default:
      return -XEN_ENOSYS;
  }
}
