// __HYPERVISOR_event_channel_op (public/event_channel.h; xen/common/event_channel.c).
// Remote domains: dom0 (our backends) and the guest itself (loopback). The FIFO ABI is not offered
// (QEMU neither), but its ops fail as Xen's would where Xen fails (xen/common/event_fifo.c):
// init_control with an unknown vCPU is -ENOENT, with a control block crossing the page, misaligned
// or on a frame that is not our RAM -EINVAL (XTF xsa-188 checks this); a request Xen would accept
// gets -ENOSYS, so guests stay with the 2-level ABI. expand_array before a successful init_control
// is -EOPNOTSUPP, as in Xen; set_priority is -ENOSYS (2-level ports have no priority).
import { XEN_EEXIST, XEN_EFAULT, XEN_EINVAL, XEN_ENOENT, XEN_ENOSPC, XEN_ENOSYS, XEN_EOPNOTSUPP, XEN_ESRCH } from '../abi/errno.ts';
import {
  EVTCHNOP_alloc_unbound,
  EVTCHNOP_bind_interdomain,
  EVTCHNOP_bind_ipi,
  EVTCHNOP_bind_pirq,
  EVTCHNOP_bind_vcpu,
  EVTCHNOP_bind_virq,
  EVTCHNOP_close,
  EVTCHNOP_expand_array,
  EVTCHNOP_init_control,
  EVTCHNOP_reset,
  EVTCHNOP_send,
  EVTCHNOP_set_priority,
  EVTCHNOP_status,
  EVTCHNOP_unmask,
  EvtchnAllocUnboundLayout,
  EvtchnBindInterdomainLayout,
  EvtchnBindIpiLayout,
  EvtchnBindPirqLayout,
  EvtchnBindVcpuLayout,
  EvtchnBindVirqLayout,
  EvtchnResetLayout,
  EvtchnStatusLayout,
  EvtchnExpandArrayLayout,
  EvtchnFifoControlBlockLayout,
  EvtchnInitControlLayout,
} from '../abi/event_channel.ts';
import { NR_VIRQS, VIRQ_DEBUG, VIRQ_TIMER, VIRQ_XENOPROF, VIRQ_XENPMU } from '../abi/xen.ts';
import { ECS_FREE, ECS_INTERDOMAIN, ECS_IPI, ECS_PIRQ, ECS_UNBOUND, ECS_VIRQ, STATUS_OF } from '../evtchn.ts';
import { GuestStruct } from '../guest_copy.ts';
import type { Hypercall } from '../hypercall.ts';
import type { XenDomain } from '../xen_domain.ts';
import { isSelf } from './domid.ts';

const DOMID_SELF = 0x7ff0;

/** Per-vCPU VIRQs (xen.h "VIRQ_* (per-vcpu)"); the rest must be bound on vCPU 0. */
function virqIsGlobal(virq: number): boolean {
  return virq !== VIRQ_TIMER && virq !== VIRQ_DEBUG && virq !== VIRQ_XENOPROF && virq !== VIRQ_XENPMU;
}

/** EVTCHNOP_send on `port`: backends run synchronously; loopback/IPI ports are set pending. */
export function evtchnSend(d: XenDomain, vcpu: number, port: number): number {
  const p = d.evtchn.get(port);
  if (!p) return -XEN_EINVAL;
  if (d.trace.on) d.trace.emit('xen_evtchn_send', vcpu, { port });
  switch (p.state) {
    case ECS_INTERDOMAIN:
      if (p.backend) p.backend(port);
      else if (p.remoteDom === d.domid) d.evtchn.setPending(p.remotePort);
      return 0;
    case ECS_IPI:
      d.evtchn.setPending(port);
      return 0;
    case ECS_UNBOUND:
      return 0; // nobody listens yet: dropped, as in Xen
    default:
      return -XEN_EINVAL;
  }
}

export function eventChannelOp(d: XenDomain, h: Hypercall): number {
  const cmd = h.lo[0]!;
  const arg = h.a[1]!;
  const ev = d.evtchn;
  const ncpu = d.machine.cpus.length;
  const load = (layout: Parameters<typeof structOf>[1]): GuestStruct | null => structOf(h, layout, arg);
  switch (cmd) {
    case EVTCHNOP_alloc_unbound: {
      const s = load(EvtchnAllocUnboundLayout);
      if (!s) return -XEN_EFAULT;
      if (!isSelf(d, s.get('dom'))) return -XEN_ESRCH;
      const remote = s.get('remote_dom');
      const rd = remote === DOMID_SELF ? d.domid : remote;
      if (rd !== 0 && rd !== d.domid) return -XEN_ESRCH;
      const port = ev.allocate(ECS_UNBOUND, 0);
      if (port < 0) return -XEN_ENOSPC;
      ev.ports[port]!.remoteDom = rd;
      s.set('port', port);
      return s.storeField('port') ? 0 : -XEN_EFAULT;
    }
    case EVTCHNOP_bind_interdomain: {
      const s = load(EvtchnBindInterdomainLayout);
      if (!s) return -XEN_EFAULT;
      const remote = s.get('remote_dom');
      const rport = s.get('remote_port');
      // Only loopback: dom0 (our backends) has no unbound port offered to the guest (-EINVAL,
      // as Xen finds none); other domains do not exist (-ESRCH).
      if (remote === 0) return -XEN_EINVAL;
      if (!isSelf(d, remote)) return -XEN_ESRCH;
      const r = ev.get(rport);
      if (!r || r.state !== ECS_UNBOUND || r.remoteDom !== d.domid) return -XEN_EINVAL;
      const port = ev.allocate(ECS_INTERDOMAIN, 0);
      if (port < 0) return -XEN_ENOSPC;
      ev.ports[port]!.remoteDom = d.domid;
      ev.ports[port]!.remotePort = rport;
      r.state = ECS_INTERDOMAIN;
      r.remotePort = port;
      s.set('local_port', port);
      if (!s.storeField('local_port')) return -XEN_EFAULT;
      ev.setPending(port); // Xen: the local port is set pending on bind
      return 0;
    }
    case EVTCHNOP_bind_virq: {
      const s = load(EvtchnBindVirqLayout);
      if (!s) return -XEN_EFAULT;
      const virq = s.get('virq'), vcpu = s.get('vcpu');
      if (virq >= NR_VIRQS) return -XEN_EINVAL;
      if (virqIsGlobal(virq) && vcpu !== 0) return -XEN_EINVAL;
      if (vcpu >= ncpu) return -XEN_ENOENT;
      if (ev.virqPort(virq, vcpu)) return -XEN_EEXIST;
      const port = ev.allocate(ECS_VIRQ, vcpu);
      if (port < 0) return -XEN_ENOSPC;
      ev.ports[port]!.irq = virq;
      s.set('port', port);
      return s.storeField('port') ? 0 : -XEN_EFAULT;
    }
    case EVTCHNOP_bind_ipi: {
      const s = load(EvtchnBindIpiLayout);
      if (!s) return -XEN_EFAULT;
      const vcpu = s.get('vcpu');
      if (vcpu >= ncpu) return -XEN_ENOENT;
      const port = ev.allocate(ECS_IPI, vcpu);
      if (port < 0) return -XEN_ENOSPC;
      s.set('port', port);
      return s.storeField('port') ? 0 : -XEN_EFAULT;
    }
    case EVTCHNOP_bind_pirq: {
      const s = load(EvtchnBindPirqLayout);
      if (!s) return -XEN_EFAULT;
      const pirq = s.get('pirq');
      if (pirq >= (d.opts.evtchnMaxPirq ?? 256)) return -XEN_EINVAL;
      if (!d.pirqMapped(pirq)) return -XEN_EINVAL;
      if (ev.pirqPort(pirq)) return -XEN_EEXIST;
      const port = ev.allocate(ECS_PIRQ, 0);
      if (port < 0) return -XEN_ENOSPC;
      ev.ports[port]!.irq = pirq;
      s.set('port', port);
      return s.storeField('port') ? 0 : -XEN_EFAULT;
    }
    case EVTCHNOP_close: {
      const b = h.g.read(arg, 4);
      if (!b) return -XEN_EFAULT;
      const port = new DataView(b.buffer).getUint32(0, true);
      if (!ev.valid(port)) return -XEN_EINVAL;
      const p = ev.ports[port];
      if (!p || p.state === ECS_FREE) return 0; // closing a closed port is fine
      if (p.backend) return -XEN_EINVAL; // console/xenstore ports are reserved (QEMU)
      if (p.state === ECS_INTERDOMAIN && p.remoteDom === d.domid) {
        const r = ev.ports[p.remotePort];
        if (r && r.state === ECS_INTERDOMAIN && p.remotePort !== port) { r.state = ECS_UNBOUND; r.remotePort = 0; }
      }
      if (d.trace.on) d.trace.emit('xen_evtchn_close', h.vcpu, { port });
      ev.free(port);
      return 0;
    }
    case EVTCHNOP_send: {
      const b = h.g.read(arg, 4);
      if (!b) return -XEN_EFAULT;
      return evtchnSend(d, h.vcpu, new DataView(b.buffer).getUint32(0, true));
    }
    case EVTCHNOP_status: {
      const s = load(EvtchnStatusLayout);
      if (!s) return -XEN_EFAULT;
      if (!isSelf(d, s.get('dom'))) return -XEN_ESRCH;
      const port = s.get('port');
      if (!ev.valid(port)) return -XEN_EINVAL;
      const p = ev.ports[port];
      const st = p ? p.state : ECS_FREE;
      s.set('status', STATUS_OF[st]!);
      s.set('vcpu', p ? p.vcpu : 0);
      if (st === ECS_UNBOUND) s.set('u.unbound.dom', p!.remoteDom);
      else if (st === ECS_INTERDOMAIN) { s.set('u.interdomain.dom', p!.remoteDom); s.set('u.interdomain.port', p!.remotePort); }
      else if (st === ECS_PIRQ) s.set('u.pirq', p!.irq);
      else if (st === ECS_VIRQ) s.set('u.virq', p!.irq);
      return s.store() ? 0 : -XEN_EFAULT;
    }
    case EVTCHNOP_bind_vcpu: {
      const s = load(EvtchnBindVcpuLayout);
      if (!s) return -XEN_EFAULT;
      const port = s.get('port'), vcpu = s.get('vcpu');
      const p = ev.get(port);
      if (!p) return -XEN_EINVAL;
      if (vcpu >= ncpu) return -XEN_ENOENT;
      if (p.state === ECS_VIRQ && virqIsGlobal(p.irq) === false) return -XEN_EINVAL;
      if (p.state === ECS_IPI) return -XEN_EINVAL;
      ev.rebind(port, vcpu);
      return 0;
    }
    case EVTCHNOP_unmask: {
      const b = h.g.read(arg, 4);
      if (!b) return -XEN_EFAULT;
      const port = new DataView(b.buffer).getUint32(0, true);
      if (!ev.valid(port)) return -XEN_EINVAL;
      ev.unmask(port);
      return 0;
    }
    case EVTCHNOP_reset: {
      const s = load(EvtchnResetLayout);
      if (!s) return -XEN_EFAULT;
      if (!isSelf(d, s.get('dom'))) return -XEN_ESRCH;
      // Xen: everything but the ports the toolstack set up (xenstore, console) is closed.
      for (let i = 1; i < ev.ports.length; i++) {
        const p = ev.ports[i];
        if (p && p.state !== ECS_FREE && !p.backend) ev.free(i);
      }
      return 0;
    }
    case EVTCHNOP_init_control: {
      const s = new GuestStruct(h.g, EvtchnInitControlLayout, arg);
      if (!s.load()) return -XEN_EFAULT;
      if (s.get('vcpu') >>> 0 >= d.machine.cpus.length) return -XEN_ENOENT;
      const offset = s.get('offset') >>> 0;
      if (offset > 4096 - EvtchnFifoControlBlockLayout.sizeof.x86_64 || (offset & 7) !== 0) return -XEN_EINVAL;
      const [lo, hi] = s.halves('control_gfn');
      const gfn = hi * 4294967296 + lo;
      if (hi >= 0x100000 || !d.mem.isRam(gfn) || d.mem.overlayAt(gfn) !== undefined || d.ballooned.has(gfn)) return -XEN_EINVAL;
      return -XEN_ENOSYS; // Xen would switch to FIFO here; we do not offer it
    }
    case EVTCHNOP_expand_array: {
      const s = new GuestStruct(h.g, EvtchnExpandArrayLayout, arg);
      if (!s.load()) return -XEN_EFAULT;
      return -XEN_EOPNOTSUPP; // no FIFO control block set up (evtchn_fifo_expand_array)
    }
    case EVTCHNOP_set_priority:
      return -XEN_ENOSYS;
    default:
      return -XEN_ENOSYS;
  }
}

function structOf(h: Hypercall, layout: ConstructorParameters<typeof GuestStruct>[1], arg: number): GuestStruct | null {
  const s = new GuestStruct(h.g, layout, arg);
  return s.load() ? s : null;
}
