// xen/event_channel.h: EVTCHNOP_* sub-ops of __HYPERVISOR_event_channel_op and their argument
// structs (identical in both ABIs except evtchn_init_control's alignment), evtchn_status values.
import { xenStruct, struct, union, type PerAbi } from './struct.ts';

export const header = 'xen/event_channel.h';

export const EVTCHNOP_bind_interdomain = 0;
export const EVTCHNOP_bind_virq = 1;
export const EVTCHNOP_bind_pirq = 2;
export const EVTCHNOP_close = 3;
export const EVTCHNOP_send = 4;
export const EVTCHNOP_status = 5;
export const EVTCHNOP_alloc_unbound = 6;
export const EVTCHNOP_bind_ipi = 7;
export const EVTCHNOP_bind_vcpu = 8;
export const EVTCHNOP_unmask = 9;
export const EVTCHNOP_reset = 10;
export const EVTCHNOP_init_control = 11;
export const EVTCHNOP_expand_array = 12;
export const EVTCHNOP_set_priority = 13;

export const BIND_PIRQ__WILL_SHARE = 1;

// evtchn_status.status
export const EVTCHNSTAT_closed = 0;
export const EVTCHNSTAT_unbound = 1;
export const EVTCHNSTAT_interdomain = 2;
export const EVTCHNSTAT_pirq = 3;
export const EVTCHNSTAT_virq = 4;
export const EVTCHNSTAT_ipi = 5;

/** 2-level ABI capacity: sizeof(xen_ulong_t)² × 64 ports (EVTCHN_2L_NR_CHANNELS). */
export const EVTCHN_2L_NR_CHANNELS: PerAbi<number> = { x86_64: 4096, x86_32: 1024 };

export const EVTCHN_FIFO_PRIORITY_MAX = 0;
export const EVTCHN_FIFO_PRIORITY_DEFAULT = 7;
export const EVTCHN_FIFO_PRIORITY_MIN = 15;
export const EVTCHN_FIFO_LINK_BITS = 17;

export const EvtchnAllocUnboundLayout = xenStruct('struct evtchn_alloc_unbound', [
  ['dom', 'domid_t'],
  ['remote_dom', 'domid_t'],
  ['port', 'evtchn_port_t'],
]);

export const EvtchnBindInterdomainLayout = xenStruct('struct evtchn_bind_interdomain', [
  ['remote_dom', 'domid_t'],
  ['remote_port', 'evtchn_port_t'],
  ['local_port', 'evtchn_port_t'],
]);

export const EvtchnBindVirqLayout = xenStruct('struct evtchn_bind_virq', [
  ['virq', 'uint32_t'],
  ['vcpu', 'uint32_t'],
  ['port', 'evtchn_port_t'],
]);

export const EvtchnBindPirqLayout = xenStruct('struct evtchn_bind_pirq', [
  ['pirq', 'uint32_t'],
  ['flags', 'uint32_t'],
  ['port', 'evtchn_port_t'],
]);

export const EvtchnBindIpiLayout = xenStruct('struct evtchn_bind_ipi', [
  ['vcpu', 'uint32_t'],
  ['port', 'evtchn_port_t'],
]);

export const EvtchnCloseLayout = xenStruct('struct evtchn_close', [['port', 'evtchn_port_t']]);
export const EvtchnSendLayout = xenStruct('struct evtchn_send', [['port', 'evtchn_port_t']]);

export const EvtchnStatusLayout = xenStruct('struct evtchn_status', [
  ['dom', 'domid_t'],
  ['port', 'evtchn_port_t'],
  ['status', 'uint32_t'],
  ['vcpu', 'uint32_t'],
  [
    'u',
    union(undefined, [
      ['unbound', struct(undefined, [['dom', 'domid_t']])],
      ['interdomain', struct(undefined, [['dom', 'domid_t'], ['port', 'evtchn_port_t']])],
      ['pirq', 'uint32_t'],
      ['virq', 'uint32_t'],
    ]),
  ],
]);

export const EvtchnBindVcpuLayout = xenStruct('struct evtchn_bind_vcpu', [
  ['port', 'evtchn_port_t'],
  ['vcpu', 'uint32_t'],
]);

export const EvtchnUnmaskLayout = xenStruct('struct evtchn_unmask', [['port', 'evtchn_port_t']]);
export const EvtchnResetLayout = xenStruct('struct evtchn_reset', [['dom', 'domid_t']]);

export const EvtchnInitControlLayout = xenStruct('struct evtchn_init_control', [
  ['control_gfn', 'uint64_t'],
  ['offset', 'uint32_t'],
  ['vcpu', 'uint32_t'],
  ['link_bits', 'uint8_t'],
  ['_pad', 'uint8_t', 7],
]);

export const EvtchnExpandArrayLayout = xenStruct('struct evtchn_expand_array', [['array_gfn', 'uint64_t']]);

export const EvtchnSetPriorityLayout = xenStruct('struct evtchn_set_priority', [
  ['port', 'evtchn_port_t'],
  ['priority', 'uint32_t'],
]);

// The old multiplexed form used by __HYPERVISOR_event_channel_op_compat.
export const EvtchnOpLayout = xenStruct('struct evtchn_op', [
  ['cmd', 'uint32_t'],
  [
    'u',
    union(undefined, [
      ['alloc_unbound', EvtchnAllocUnboundLayout],
      ['bind_interdomain', EvtchnBindInterdomainLayout],
      ['bind_virq', EvtchnBindVirqLayout],
      ['bind_pirq', EvtchnBindPirqLayout],
      ['bind_ipi', EvtchnBindIpiLayout],
      ['close', EvtchnCloseLayout],
      ['send', EvtchnSendLayout],
      ['status', EvtchnStatusLayout],
      ['bind_vcpu', EvtchnBindVcpuLayout],
      ['unmask', EvtchnUnmaskLayout],
    ]),
  ],
]);

export const EvtchnFifoControlBlockLayout = xenStruct('struct evtchn_fifo_control_block', [
  ['ready', 'uint32_t'],
  ['_rsvd', 'uint32_t'],
  ['head', 'uint32_t', EVTCHN_FIFO_PRIORITY_MIN + 1],
]);
