// xen/io/netif.h: the PV network protocol, copy mode: TX (guest → backend) and RX (backend →
// guest) rings, their flags and the extra-info slots. All fields are fixed-width: both ABIs agree.
import { xenStruct, struct, union } from '../struct.ts';
import { defineRing } from './ring.ts';

export const header = 'xen/io/netif.h';

/** A backend must accept packets spread over at least this many TX slots. */
export const XEN_NETIF_NR_SLOTS_MIN = 18;

export const NETTXF_csum_blank = 1 << 0;
export const NETTXF_data_validated = 1 << 1;
export const NETTXF_more_data = 1 << 2;
export const NETTXF_extra_info = 1 << 3;
export const XEN_NETIF_MAX_TX_SIZE = 0xffff;

export const XEN_NETIF_EXTRA_TYPE_NONE = 0;
export const XEN_NETIF_EXTRA_TYPE_GSO = 1;
export const XEN_NETIF_EXTRA_TYPE_MCAST_ADD = 2;
export const XEN_NETIF_EXTRA_TYPE_MCAST_DEL = 3;
export const XEN_NETIF_EXTRA_TYPE_HASH = 4;
export const XEN_NETIF_EXTRA_TYPE_MAX = 5;
export const XEN_NETIF_EXTRA_FLAG_MORE = 1 << 0;

export const XEN_NETIF_GSO_TYPE_NONE = 0;
export const XEN_NETIF_GSO_TYPE_TCPV4 = 1;
export const XEN_NETIF_GSO_TYPE_TCPV6 = 2;

export const NETRXF_data_validated = 1 << 0;
export const NETRXF_csum_blank = 1 << 1;
export const NETRXF_more_data = 1 << 2;
export const NETRXF_extra_info = 1 << 3;
export const NETRXF_gso_prefix = 1 << 4;

export const NETIF_RSP_DROPPED = -2;
export const NETIF_RSP_ERROR = -1;
export const NETIF_RSP_OKAY = 0;
export const NETIF_RSP_NULL = 1;

export const NetifTxRequestLayout = xenStruct('struct netif_tx_request', [
  ['gref', 'grant_ref_t'],
  ['offset', 'uint16_t'],
  ['flags', 'uint16_t'],
  ['id', 'uint16_t'],
  ['size', 'uint16_t'],
]);

export const NetifExtraInfoLayout = xenStruct('struct netif_extra_info', [
  ['type', 'uint8_t'],
  ['flags', 'uint8_t'],
  [
    'u',
    union(undefined, [
      ['gso', struct(undefined, [['size', 'uint16_t'], ['type', 'uint8_t'], ['pad', 'uint8_t'], ['features', 'uint16_t']])],
      ['mcast', struct(undefined, [['addr', 'uint8_t', 6]])],
      ['hash', struct(undefined, [['type', 'uint8_t'], ['algorithm', 'uint8_t'], ['value', 'uint8_t', 4]])],
      ['pad', 'uint16_t', 3],
    ]),
  ],
]);

export const NetifTxResponseLayout = xenStruct('struct netif_tx_response', [
  ['id', 'uint16_t'],
  ['status', 'int16_t'],
]);

export const NetifRxRequestLayout = xenStruct('struct netif_rx_request', [
  ['id', 'uint16_t'],
  ['pad', 'uint16_t'],
  ['gref', 'grant_ref_t'],
]);

export const NetifRxResponseLayout = xenStruct('struct netif_rx_response', [
  ['id', 'uint16_t'],
  ['offset', 'uint16_t'],
  ['flags', 'uint16_t'],
  ['status', 'int16_t'],
]);

export const NetifTxRing = defineRing('netif_tx', NetifTxRequestLayout, NetifTxResponseLayout);
export const NetifRxRing = defineRing('netif_rx', NetifRxRequestLayout, NetifRxResponseLayout);
