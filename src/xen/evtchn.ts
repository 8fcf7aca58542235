// 2-level event channels (xen/include/public/event_channel.h, xen/common/event_2l.c): a port
// table, and the pending/mask bitmaps in shared_info plus the per-vCPU selector and
// evtchn_upcall_pending in vcpu_info, set in exactly Xen's order:
//   pending[p] (stop if it was set, or if mask[p] is set) → sel[p / BITS_PER_XEN_ULONG]
//   → upcall_pending → the upcall (callback interrupt) for the port's vCPU.
// Bit p lives at byte p >> 3, bit p & 7 of a bitmap in both ABIs (little-endian words); only
// the selector granularity (64 or 32 ports) and the port limit (4096 or 1024) differ.
import {
  EVTCHNSTAT_closed,
  EVTCHNSTAT_interdomain,
  EVTCHNSTAT_ipi,
  EVTCHNSTAT_pirq,
  EVTCHNSTAT_unbound,
  EVTCHNSTAT_virq,
} from './abi/event_channel.ts';
import { SharedInfoLayout, VcpuInfoLayout } from './abi/xen.ts';
import type { Abi } from './abi/struct.ts';

export const ECS_FREE = 0;
export const ECS_UNBOUND = 1;
export const ECS_INTERDOMAIN = 2;
export const ECS_PIRQ = 3;
export const ECS_VIRQ = 4;
export const ECS_IPI = 5;

/** EVTCHNOP_status codes by port state. */
export const STATUS_OF = [EVTCHNSTAT_closed, EVTCHNSTAT_unbound, EVTCHNSTAT_interdomain, EVTCHNSTAT_pirq, EVTCHNSTAT_virq, EVTCHNSTAT_ipi];

export interface Port {
  state: number;
  /** vCPU that gets the upcall. */
  vcpu: number;
  /** Unbound / interdomain: the remote domain; interdomain: the remote port (backend port). */
  remoteDom: number;
  remotePort: number;
  /** VIRQ or PIRQ number. */
  irq: number;
  /** Set for interdomain ports whose remote end is one of our backends: called on EVTCHNOP_send. */
  backend: ((port: number) => void) | null;
}

/** Where the pending bits end up: raises the callback for a vCPU. */
export type UpcallSink = (vcpu: number) => void;

const V_PENDING = VcpuInfoLayout.x86_64.evtchn_upcall_pending; // same in both ABIs
const V_SEL = VcpuInfoLayout.x86_64.evtchn_pending_sel;
const V_SEL32 = VcpuInfoLayout.x86_32.evtchn_pending_sel;

export class EventChannels {
  readonly ports: Port[] = [];
  /** shared_info's ABI (latched by the domain, like Xen's has_32bit_shinfo). */
  abi: Abi = 'x86_64';

  constructor(
    private readonly u8: Uint8Array,
    /** Host offset of the shared_info page. */
    private readonly shinfo: number,
    /** Host offset of each vCPU's vcpu_info, or -1 if it has none (vCPU ≥ 32 not registered). */
    private readonly vcpuInfo: (vcpu: number) => number,
    private readonly upcall: UpcallSink,
    /** Told about every newly pending port (wakes SCHEDOP_poll, which also watches masked ports). */
    private readonly onPending: (port: number, vcpu: number) => void = () => undefined,
  ) {}

  get maxPorts(): number {
    return this.abi === 'x86_64' ? 4096 : 1024;
  }

  private get pendingOff(): number {
    return this.shinfo + SharedInfoLayout[this.abi].evtchn_pending;
  }

  private get maskOff(): number {
    return this.shinfo + SharedInfoLayout[this.abi].evtchn_mask;
  }

  valid(port: number): boolean {
    return Number.isInteger(port) && port > 0 && port < this.maxPorts;
  }

  get(port: number): Port | undefined {
    if (!this.valid(port)) return undefined;
    const p = this.ports[port];
    return p && p.state !== ECS_FREE ? p : undefined;
  }

  /** Lowest free port ≥ 1, or -1 (-ENOSPC). */
  allocate(state: number, vcpu: number): number {
    for (let i = 1; i < this.maxPorts; i++) {
      const p = this.ports[i];
      if (p && p.state !== ECS_FREE) continue;
      this.ports[i] = { state, vcpu, remoteDom: 0, remotePort: 0, irq: 0, backend: null };
      return i;
    }
    return -1;
  }

  free(port: number): void {
    const p = this.ports[port];
    if (!p) return;
    p.state = ECS_FREE;
    p.backend = null;
    this.clearBit(this.pendingOff, port);
  }

  private testBit(base: number, bit: number): boolean {
    return (this.u8[base + (bit >> 3)]! & (1 << (bit & 7))) !== 0;
  }

  private setBit(base: number, bit: number): boolean {
    const o = base + (bit >> 3), m = 1 << (bit & 7), old = this.u8[o]!;
    this.u8[o] = old | m;
    return (old & m) !== 0;
  }

  private clearBit(base: number, bit: number): void {
    this.u8[base + (bit >> 3)]! &= ~(1 << (bit & 7));
  }

  isPending(port: number): boolean {
    return this.testBit(this.pendingOff, port);
  }

  isMasked(port: number): boolean {
    return this.testBit(this.maskOff, port);
  }

  /** Mark the port pending and, if unmasked, signal its vCPU (event_2l.c evtchn_2l_set_pending). */
  setPending(port: number): void {
    const p = this.get(port);
    if (!p) return;
    if (this.setBit(this.pendingOff, port)) return;
    this.onPending(port, p.vcpu);
    if (this.isMasked(port)) return;
    this.markVcpu(p.vcpu, port);
  }

  private markVcpu(vcpu: number, port: number): void {
    const vi = this.vcpuInfo(vcpu);
    if (vi < 0) return;
    const bits = this.abi === 'x86_64' ? 64 : 32;
    const sel = vi + (this.abi === 'x86_64' ? V_SEL : V_SEL32);
    if (this.setBit(sel, Math.floor(port / bits))) return;
    const up = vi + V_PENDING;
    if (this.u8[up] !== 0) return;
    this.u8[up] = 1;
    this.upcall(vcpu);
  }

  /** EVTCHNOP_unmask (evtchn_2l_unmask): clear the mask, re-deliver if pending. */
  unmask(port: number): void {
    const p = this.get(port);
    if (!p) return;
    this.clearBit(this.maskOff, port);
    if (this.isPending(port)) this.markVcpu(p.vcpu, port);
  }

  /** EVTCHNOP_bind_vcpu: move the port and re-deliver a pending event on the new vCPU. */
  rebind(port: number, vcpu: number): void {
    const p = this.get(port);
    if (!p) return;
    p.vcpu = vcpu;
    if (this.isPending(port) && !this.isMasked(port)) this.markVcpu(vcpu, port);
  }

  /** Port bound to VIRQ `virq` on `vcpu`, or 0. */
  virqPort(virq: number, vcpu: number): number {
    for (let i = 1; i < this.ports.length; i++) {
      const p = this.ports[i];
      if (p && p.state === ECS_VIRQ && p.irq === virq && p.vcpu === vcpu) return i;
    }
    return 0;
  }

  /** Port bound to PIRQ `pirq`, or 0. */
  pirqPort(pirq: number): number {
    for (let i = 1; i < this.ports.length; i++) {
      const p = this.ports[i];
      if (p && p.state === ECS_PIRQ && p.irq === pirq) return i;
    }
    return 0;
  }

  /** EVTCHNOP_reset: close every port. */
  reset(): void {
    for (let i = 1; i < this.ports.length; i++) if (this.ports[i]?.state) this.free(i);
  }

  /** Port table as plain data: [port, state, vcpu, remoteDom, remotePort, irq] (bitmaps live in shared_info). */
  saveState(): number[][] {
    const out: number[][] = [];
    this.ports.forEach((p, i) => {
      if (p && p.state !== ECS_FREE) out.push([i, p.state, p.vcpu, p.remoteDom, p.remotePort, p.irq]);
    });
    return out;
  }

  /** Restore into a table whose backend ports were set up by the same domain constructor. */
  loadState(abi: Abi, list: number[][]): void {
    this.abi = abi;
    const backends = new Map<number, (port: number) => void>();
    this.ports.forEach((p, i) => {
      if (p?.backend) backends.set(i, p.backend);
    });
    this.ports.length = 0;
    for (const [i, state, vcpu, remoteDom, remotePort, irq] of list) {
      if (!this.valid(i!)) throw new Error(`snapshot: bad event channel port ${i}`);
      this.ports[i!] = { state: state!, vcpu: vcpu!, remoteDom: remoteDom!, remotePort: remotePort!, irq: irq!, backend: backends.get(i!) ?? null };
    }
  }
}
