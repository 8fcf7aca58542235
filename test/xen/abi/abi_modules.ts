// Every src/xen/abi header module, for the probe (one import per public header).
import * as xen from '../../../src/xen/abi/xen.ts';
import * as ring from '../../../src/xen/abi/io/ring.ts';

export const ABI_MODULES = [xen, ring];
