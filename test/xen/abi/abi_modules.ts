// Every src/xen/abi header module, for the probe (one import per public header).
import * as xen from '../../../src/xen/abi/xen.ts';
import * as eventChannel from '../../../src/xen/abi/event_channel.ts';
import * as grantTable from '../../../src/xen/abi/grant_table.ts';
import * as memory from '../../../src/xen/abi/memory.ts';
import * as hvmParams from '../../../src/xen/abi/hvm_params.ts';
import * as sched from '../../../src/xen/abi/sched.ts';
import * as vcpu from '../../../src/xen/abi/vcpu.ts';
import * as version from '../../../src/xen/abi/version.ts';
import * as physdev from '../../../src/xen/abi/physdev.ts';
import * as errno from '../../../src/xen/abi/errno.ts';
import * as startInfo from '../../../src/xen/abi/hvm/start_info.ts';
import * as hvmVcpu from '../../../src/xen/abi/hvm/hvm_vcpu.ts';
import * as ring from '../../../src/xen/abi/io/ring.ts';
import * as blkif from '../../../src/xen/abi/io/blkif.ts';
import * as netif from '../../../src/xen/abi/io/netif.ts';
import * as consoleIo from '../../../src/xen/abi/io/console.ts';
import * as xenbus from '../../../src/xen/abi/io/xenbus.ts';
import * as xsWire from '../../../src/xen/abi/io/xs_wire.ts';

export const ABI_MODULES = [
  xen,
  eventChannel,
  grantTable,
  memory,
  hvmParams,
  sched,
  vcpu,
  version,
  physdev,
  errno,
  startInfo,
  hvmVcpu,
  ring,
  blkif,
  netif,
  consoleIo,
  xenbus,
  xsWire,
];
