// __HYPERVISOR_physdev_op (public/physdev.h) for an HVM guest (QEMU xen_evtchn.c): map_pirq for
// GSIs (the PIRQ then appears as an event channel), unmap_pirq, eoi, irq_status_query,
// get_free_pirq. Everything that needs real hardware (IO-APIC access, MSI restore, PCI
// management, iopl) is -EPERM/-ENOSYS for a domU.
import { XEN_EFAULT, XEN_EINVAL, XEN_ENOENT, XEN_ENOSPC, XEN_ENOSYS, XEN_EPERM, XEN_ESRCH } from '../abi/errno.ts';
import {
  MAP_PIRQ_TYPE_GSI,
  PHYSDEVOP_eoi,
  PHYSDEVOP_get_free_pirq,
  PHYSDEVOP_irq_status_query,
  PHYSDEVOP_map_pirq,
  PHYSDEVOP_unmap_pirq,
  PHYSDEVOP_apic_read,
  PHYSDEVOP_apic_write,
  PHYSDEVOP_set_iopl,
  PHYSDEVOP_set_iobitmap,
  PhysdevMapPirqLayout,
  PhysdevUnmapPirqLayout,
} from '../abi/physdev.ts';
import { GuestStruct } from '../guest_copy.ts';
import type { Hypercall } from '../hypercall.ts';
import type { XenDomain } from '../xen_domain.ts';
import { isSelf } from './domid.ts';

/** QEMU allocate_pirq: GSI PIRQs 16..23 are identity, others count down; 0..15 never handed out. */
function freePirq(d: XenDomain, max: number): number {
  for (let p = max - 1; p >= 16; p--) if (!d.pirqs.has(p)) return p;
  return -1;
}

export function physdevOp(d: XenDomain, h: Hypercall): number {
  const cmd = h.lo[0]!;
  const arg = h.a[1]!;
  const max = d.opts.evtchnMaxPirq ?? 256;
  switch (cmd) {
    case PHYSDEVOP_map_pirq: {
      const s = new GuestStruct(h.g, PhysdevMapPirqLayout, arg);
      if (!s.load()) return -XEN_EFAULT;
      if (!isSelf(d, s.get('domid'))) return -XEN_ESRCH;
      if (s.get('type') !== MAP_PIRQ_TYPE_GSI) return -XEN_EINVAL; // MSI through PIRQs: not offered
      const gsi = s.get('index');
      if (gsi < 0 || gsi >= 24) return -XEN_EINVAL;
      let pirq = s.get('pirq');
      if (pirq < 0) pirq = gsi >= 16 && !d.pirqs.has(gsi) ? gsi : freePirq(d, max);
      if (pirq < 0) return -XEN_ENOSPC;
      if (pirq >= max) return -XEN_EINVAL;
      d.pirqs.set(pirq, gsi);
      s.set('pirq', pirq);
      return s.storeField('pirq') ? 0 : -XEN_EFAULT;
    }
    case PHYSDEVOP_unmap_pirq: {
      const s = new GuestStruct(h.g, PhysdevUnmapPirqLayout, arg);
      if (!s.load()) return -XEN_EFAULT;
      if (!isSelf(d, s.get('domid'))) return -XEN_ESRCH;
      const pirq = s.get('pirq');
      if (!d.pirqs.has(pirq)) return -XEN_ENOENT;
      if (d.evtchn.pirqPort(pirq)) return -XEN_EINVAL; // still bound
      d.pirqs.delete(pirq);
      return 0;
    }
    case PHYSDEVOP_eoi: {
      const b = h.g.read(arg, 4);
      if (!b) return -XEN_EFAULT;
      const pirq = new DataView(b.buffer).getUint32(0, true);
      return d.pirqs.has(pirq) ? 0 : -XEN_EINVAL;
    }
    case PHYSDEVOP_irq_status_query: {
      const b = h.g.read(arg, 8);
      if (!b) return -XEN_EFAULT;
      const dv = new DataView(b.buffer);
      if (!d.pirqs.has(dv.getUint32(0, true))) return -XEN_EINVAL;
      dv.setUint32(4, 0, true); // no XENIRQSTAT_needs_eoi
      return h.g.write(arg, b) ? 0 : -XEN_EFAULT;
    }
    case PHYSDEVOP_get_free_pirq: {
      const b = h.g.read(arg, 8);
      if (!b) return -XEN_EFAULT;
      const p = freePirq(d, max);
      if (p < 0) return -XEN_ENOSPC;
      new DataView(b.buffer).setUint32(4, p, true);
      return h.g.write(arg, b) ? 0 : -XEN_EFAULT;
    }
    case PHYSDEVOP_apic_read:
    case PHYSDEVOP_apic_write:
    case PHYSDEVOP_set_iopl:
    case PHYSDEVOP_set_iobitmap:
      return -XEN_EPERM;
    default:
      return -XEN_ENOSYS;
  }
}
