// xen/io/console.h: the PV console page. The guest produces `out`, the backend consumes it; the
// backend produces `in`. Indices are free-running u32s masked with the ring size (MASK_XENCONS_IDX).
import { xenStruct } from '../struct.ts';

export const header = 'xen/io/console.h';

export const xenconsInSize = 1024;
export const xenconsOutSize = 2048;

export const XenconsInterfaceLayout = xenStruct('struct xencons_interface', [
  ['in', 'char', xenconsInSize],
  ['out', 'char', xenconsOutSize],
  ['in_cons', 'uint32_t'],
  ['in_prod', 'uint32_t'],
  ['out_cons', 'uint32_t'],
  ['out_prod', 'uint32_t'],
]);
