// xen/io/blkif.h: the PV block protocol (requests, responses, the blkif ring). On x86_32 the
// 8-byte id and sector are only 4-aligned, so requests are 108 bytes and responses 12; QEMU warns
// "32-bit blkif_response ring entries are 12 bytes". The frontend names its ABI in `protocol`.
import { xenStruct } from '../struct.ts';
import { defineRing } from './ring.ts';

export const header = 'xen/io/blkif.h';

export const BLKIF_OP_READ = 0;
export const BLKIF_OP_WRITE = 1;
export const BLKIF_OP_WRITE_BARRIER = 2;
export const BLKIF_OP_FLUSH_DISKCACHE = 3;
export const BLKIF_OP_RESERVED_1 = 4;
export const BLKIF_OP_DISCARD = 5;
export const BLKIF_OP_INDIRECT = 6;

export const BLKIF_MAX_SEGMENTS_PER_REQUEST = 11;
export const BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST = 8;
export const BLKIF_DISCARD_SECURE = 1 << 0;

export const BLKIF_RSP_EOPNOTSUPP = -2;
export const BLKIF_RSP_ERROR = -1;
export const BLKIF_RSP_OKAY = 0;

// <backend>/info bits.
export const VDISK_CDROM = 0x1;
export const VDISK_REMOVABLE = 0x2;
export const VDISK_READONLY = 0x4;

/** The `protocol` node values (xen/io/protocols.h). */
export const XEN_IO_PROTO_ABI_X86_32 = 'x86_32-abi';
export const XEN_IO_PROTO_ABI_X86_64 = 'x86_64-abi';

export const BlkifRequestSegmentLayout = xenStruct('struct blkif_request_segment', [
  ['gref', 'grant_ref_t'],
  ['first_sect', 'uint8_t'],
  ['last_sect', 'uint8_t'],
]);

export const BlkifRequestLayout = xenStruct('struct blkif_request', [
  ['operation', 'uint8_t'],
  ['nr_segments', 'uint8_t'],
  ['handle', 'uint16_t'],
  ['id', 'uint64_t'],
  ['sector_number', 'uint64_t'],
  ['seg', BlkifRequestSegmentLayout, BLKIF_MAX_SEGMENTS_PER_REQUEST],
]);

export const BlkifRequestDiscardLayout = xenStruct('struct blkif_request_discard', [
  ['operation', 'uint8_t'],
  ['flag', 'uint8_t'],
  ['handle', 'uint16_t'],
  ['id', 'uint64_t'],
  ['sector_number', 'uint64_t'],
  ['nr_sectors', 'uint64_t'],
]);

export const BlkifRequestIndirectLayout = xenStruct('struct blkif_request_indirect', [
  ['operation', 'uint8_t'],
  ['indirect_op', 'uint8_t'],
  ['nr_segments', 'uint16_t'],
  ['id', 'uint64_t'],
  ['sector_number', 'uint64_t'],
  ['handle', 'uint16_t'],
  ['indirect_grefs', 'grant_ref_t', BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST],
  // "Make it 64 byte aligned on i386".
  ['pad', 'uint64_t', 1, 'x86_32'],
]);

export const BlkifResponseLayout = xenStruct('struct blkif_response', [
  ['id', 'uint64_t'],
  ['operation', 'uint8_t'],
  ['status', 'int16_t'],
]);

export const BlkifRing = defineRing('blkif', BlkifRequestLayout, BlkifResponseLayout);
