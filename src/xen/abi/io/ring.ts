// xen/io/ring.h: the generic shared ring of split drivers (blkif, netif, …). DEFINE_RING_TYPES
// makes a union of request and response as the slot type and a page holding a 64-byte header
// (req_prod, req_event, rsp_prod, rsp_event, pvt, pad) followed by the slots; the slot count is
// the largest power of two that fits in the page (__CONST_RING_SIZE).
import { struct, union, type Abi, type Aggregate, type PerAbi } from '../struct.ts';

export const header = 'xen/io/ring.h';

/** The sring header fields before `ring[]`, identical for every ring type. */
export const SringHeaderLayout = struct(undefined, [
  ['req_prod', 'uint32_t'],
  ['req_event', 'uint32_t'],
  ['rsp_prod', 'uint32_t'],
  ['rsp_event', 'uint32_t'],
  [
    'pvt',
    union(undefined, [
      ['netif', struct(undefined, [['smartpoll_active', 'uint8_t']])],
      ['tapif_user', struct(undefined, [['msg', 'uint8_t']])],
      ['pvt_pad', 'uint8_t', 4],
    ]),
  ],
  ['__pad', 'uint8_t', 44],
]);

export interface RingLayout {
  /** The DEFINE_RING_TYPES name (`blkif`): the probe checks `struct <name>_sring`. */
  readonly name: string;
  readonly req: Aggregate;
  readonly rsp: Aggregate;
  /** offsetof(struct <name>_sring, ring): 64. */
  readonly ringOffset: PerAbi<number>;
  /** sizeof(union <name>_sring_entry). */
  readonly entrySize: PerAbi<number>;
  /** __CONST_RING_SIZE(<name>, XEN_PAGE_SIZE). */
  readonly entries: PerAbi<number>;
}

/** Xen's page size (not a public-header macro; Linux calls it XEN_PAGE_SIZE). */
export const xenPageSize = 4096;

/** Every ring defined, for the header probe. */
export const ALL_RINGS: RingLayout[] = [];

/**
 * Slots in a shared ring of `bytes` bytes (a multi-page ring has 2^ring-page-order pages): what
 * __CONST_RING_SIZE computes.
 */
export function ringEntries(ring: RingLayout, abi: Abi, bytes: number): number {
  return roundDownPow2(Math.floor((bytes - ring.ringOffset[abi]) / ring.entrySize[abi]));
}

/** Largest power of two ≤ n (the __RD32 rounding), 0 for n = 0. */
function roundDownPow2(n: number): number {
  if (n < 1) return 0;
  return 2 ** Math.floor(Math.log2(n));
}

/** The layout DEFINE_RING_TYPES(name, req, rsp) produces for a page of `pageSize` bytes. */
export function defineRing(name: string, req: Aggregate, rsp: Aggregate, pageSize = xenPageSize): RingLayout {
  const entry = union(undefined, [
    ['req', req],
    ['rsp', rsp],
  ]);
  const sizes = (abi: Abi) => {
    const align = Math.max(4, entry.alignof[abi]);
    const ringOffset = Math.ceil(SringHeaderLayout.sizeof[abi] / align) * align;
    return { ringOffset, entrySize: entry.sizeof[abi], entries: roundDownPow2(Math.floor((pageSize - ringOffset) / entry.sizeof[abi])) };
  };
  const a = sizes('x86_64');
  const b = sizes('x86_32');
  const ring: RingLayout = Object.freeze({
    name,
    req,
    rsp,
    ringOffset: Object.freeze({ x86_64: a.ringOffset, x86_32: b.ringOffset }),
    entrySize: Object.freeze({ x86_64: a.entrySize, x86_32: b.entrySize }),
    entries: Object.freeze({ x86_64: a.entries, x86_32: b.entries }),
  });
  if (pageSize === xenPageSize) ALL_RINGS.push(ring);
  return ring;
}
