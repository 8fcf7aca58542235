// xen/io/xs_wire.h: the XenStore wire protocol: xsd_sockmsg header, XS_* message types, the error
// names sent in XS_ERROR replies, and the shared ring page (xenstore_domain_interface).
import { xenStruct } from '../struct.ts';

export const header = 'xen/io/xs_wire.h';

// enum xsd_sockmsg_type
export const XS_CONTROL = 0;
export const XS_DEBUG = 0;
export const XS_DIRECTORY = 1;
export const XS_READ = 2;
export const XS_GET_PERMS = 3;
export const XS_WATCH = 4;
export const XS_UNWATCH = 5;
export const XS_TRANSACTION_START = 6;
export const XS_TRANSACTION_END = 7;
export const XS_INTRODUCE = 8;
export const XS_RELEASE = 9;
export const XS_GET_DOMAIN_PATH = 10;
export const XS_WRITE = 11;
export const XS_MKDIR = 12;
export const XS_RM = 13;
export const XS_SET_PERMS = 14;
export const XS_WATCH_EVENT = 15;
export const XS_ERROR = 16;
export const XS_IS_DOMAIN_INTRODUCED = 17;
export const XS_RESUME = 18;
export const XS_SET_TARGET = 19;
// 20 was XS_RESTRICT, removed.
export const XS_RESET_WATCHES = 21;
export const XS_DIRECTORY_PART = 22;
export const XS_TYPE_COUNT = 23;
export const XS_INVALID = 0xffff;

/** Message type names for traces, indexed by type. */
export const xsTypeNames: readonly string[] = [
  'CONTROL',
  'DIRECTORY',
  'READ',
  'GET_PERMS',
  'WATCH',
  'UNWATCH',
  'TRANSACTION_START',
  'TRANSACTION_END',
  'INTRODUCE',
  'RELEASE',
  'GET_DOMAIN_PATH',
  'WRITE',
  'MKDIR',
  'RM',
  'SET_PERMS',
  'WATCH_EVENT',
  'ERROR',
  'IS_DOMAIN_INTRODUCED',
  'RESUME',
  'SET_TARGET',
  'RESTRICT',
  'RESET_WATCHES',
  'DIRECTORY_PART',
];

// enum xs_watch_type: field index in a WATCH_EVENT payload.
export const XS_WATCH_PATH = 0;
export const XS_WATCH_TOKEN = 1;

/**
 * The errors a XenStore server may report, in xsd_errors[] order. An XS_ERROR reply carries the
 * name (NUL-terminated); the numbers are Linux's, which the guest maps back by name.
 */
export const xsdErrors: readonly string[] = [
  'EINVAL',
  'EACCES',
  'EEXIST',
  'EISDIR',
  'ENOENT',
  'ENOMEM',
  'ENOSPC',
  'EIO',
  'ENOTEMPTY',
  'ENOSYS',
  'EROFS',
  'EBUSY',
  'EAGAIN',
  'EISCONN',
  'E2BIG',
  'EPERM',
];
export type XsdError = 'EINVAL' | 'EACCES' | 'EEXIST' | 'EISDIR' | 'ENOENT' | 'ENOMEM' | 'ENOSPC' | 'EIO' | 'ENOTEMPTY' | 'ENOSYS' | 'EROFS' | 'EBUSY' | 'EAGAIN' | 'EISCONN' | 'E2BIG' | 'EPERM';

export const XENSTORE_RING_SIZE = 1024;
export const XENSTORE_PAYLOAD_MAX = 4096;
export const XENSTORE_ABS_PATH_MAX = 3072;
export const XENSTORE_REL_PATH_MAX = 2048;

export const XENSTORE_SERVER_FEATURE_RECONNECTION = 1;
export const XENSTORE_SERVER_FEATURE_ERROR = 2;
export const XENSTORE_CONNECTED = 0;
export const XENSTORE_RECONNECT = 1;
export const XENSTORE_ERROR_NONE = 0;
export const XENSTORE_ERROR_COMM = 1;
export const XENSTORE_ERROR_RINGIDX = 2;
export const XENSTORE_ERROR_PROTO = 3;

export const XsdSockmsgLayout = xenStruct('struct xsd_sockmsg', [
  ['type', 'uint32_t'],
  ['req_id', 'uint32_t'],
  ['tx_id', 'uint32_t'],
  ['len', 'uint32_t'],
]);

export const XenstoreDomainInterfaceLayout = xenStruct('struct xenstore_domain_interface', [
  ['req', 'char', XENSTORE_RING_SIZE],
  ['rsp', 'char', XENSTORE_RING_SIZE],
  ['req_cons', 'uint32_t'],
  ['req_prod', 'uint32_t'],
  ['rsp_cons', 'uint32_t'],
  ['rsp_prod', 'uint32_t'],
  ['server_features', 'uint32_t'],
  ['connection', 'uint32_t'],
  ['error', 'uint32_t'],
]);
