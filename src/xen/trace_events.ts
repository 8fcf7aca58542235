// Typed trace events of the Xen layer (DESIGN.md invariant 7): every hypercall, event channel
// send and upcall, grant operation and XenStore request, with the instruction count, the vCPU,
// the layer it came from and a flow id linking cause to effect (a guest's EVTCHNOP_send gets a
// new flow; the backend work and the notify it causes carry the same id). Names follow QEMU's
// trace-events spelling, prefixed so every event of this layer starts with `xen_` and
// `-trace 'xen_*'` (issue 5's example) shows them all: hypercalls are `xen_hypercall` (QEMU's
// kvm_xen_hypercall would not match that glob), XenStore requests `xen_xenstore_request`. Emitting costs one branch when no sink is
// attached; observing never changes guest-visible state (flow ids only exist while tracing).

export type XenLayer = 'guest' | 'shim' | 'xen';

export type XenTraceName =
  | 'xen_hypercall'
  | 'xen_evtchn_send'
  | 'xen_evtchn_upcall'
  | 'xen_evtchn_bind'
  | 'xen_evtchn_close'
  | 'xen_gnttab_map'
  | 'xen_gnttab_unmap'
  | 'xen_gnttab_copy'
  | 'xen_xenstore_request'
  | 'xen_xenstore_fatal'
  | 'xen_primary_console_output'
  | 'xen_primary_console_input'
  | 'xen_console_io'
  | 'xen_set_shared_info'
  | 'xen_shutdown'
  // PV backends (src/xen/backends), after QEMU's hw/xen and hw/block trace-events.
  | 'xen_device_backend_state'
  | 'xen_device_frontend_state'
  | 'xen_block_connect'
  | 'xen_block_connect_error'
  | 'xen_block_disconnect'
  | 'xen_block_read'
  | 'xen_block_write'
  | 'xen_block_flush'
  | 'xen_block_request_error'
  | 'xen_block_complete'
  | 'xen_block_ring_broken';

export interface XenTraceEvent {
  readonly name: XenTraceName;
  /** Retired instructions of the whole machine when the event happened. */
  readonly icount: number;
  readonly vcpu: number;
  readonly layer: XenLayer;
  /** Links cause and effect; 0 = none. */
  readonly flow: number;
  readonly args: Readonly<Record<string, number | string>>;
}

export type XenTraceSink = (ev: XenTraceEvent) => void;

export class XenTrace {
  private sink: XenTraceSink | undefined;
  private nextFlow = 1;
  /** The flow of the work being done now (a hypercall and what it triggers). */
  flow = 0;

  constructor(private readonly icount: () => number) {}

  get on(): boolean {
    return this.sink !== undefined;
  }

  attach(sink: XenTraceSink | undefined): void {
    this.sink = sink;
  }

  /** Start a new causal chain (only while tracing, so ids never influence the guest). */
  begin(): number {
    this.flow = this.sink ? this.nextFlow++ : 0;
    return this.flow;
  }

  emit(name: XenTraceName, vcpu: number, args: Record<string, number | string>, layer: XenLayer = 'guest'): void {
    const s = this.sink;
    if (s) s({ name, icount: this.icount(), vcpu, layer, flow: this.flow, args });
  }
}

/** Glob match for `-trace 'xen_*'` patterns; a leading '-' disables. */
export function traceFilter(patterns: readonly string[]): (name: string) => boolean {
  const rules = patterns.map((p) => {
    const neg = p.startsWith('-');
    const body = (neg ? p.slice(1) : p).replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
    return { neg, re: new RegExp(`^${body}$`) };
  });
  return (name) => {
    let on = false;
    for (const r of rules) if (r.re.test(name)) on = !r.neg;
    return on;
  };
}

/** One line per event, like QEMU's log backend. */
export function formatTraceEvent(ev: XenTraceEvent): string {
  const args = Object.entries(ev.args)
    .map(([k, v]) => `${k}=${typeof v === 'number' && k !== 'ret' && k !== 'port' && k !== 'vcpu' ? `0x${v.toString(16)}` : String(v)}`)
    .join(' ');
  return `${ev.name} icount=${ev.icount} vcpu=${ev.vcpu} layer=${ev.layer} flow=${ev.flow} ${args}`;
}
