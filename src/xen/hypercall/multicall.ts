// __HYPERVISOR_multicall (xen.h struct multicall_entry; xen/common/multicall.c): run each entry
// in order and store its result. A nested multicall fails that entry with -EINVAL. The entries
// use the caller's ABI (xen_ulong_t fields).
import { XEN_EFAULT, XEN_EINVAL } from '../abi/errno.ts';
import { MulticallEntryLayout, __HYPERVISOR_multicall } from '../abi/xen.ts';
import { GuestStruct } from '../guest_copy.ts';
import { dispatchHypercall, traceHypercall, type Hypercall } from '../hypercall.ts';
import type { XenDomain } from '../xen_domain.ts';

const TWO32 = 4294967296;
/** More entries than this in one call is refused (Xen would preempt and continue). */
const MAX_ENTRIES = 1024;

export function multicall(d: XenDomain, h: Hypercall): number {
  const list = h.a[0]!;
  const n = h.lo[1]! >>> 0;
  if (n > MAX_ENTRIES) return -XEN_EINVAL;
  const size = MulticallEntryLayout.sizeof[h.abi];
  const saveA = Float64Array.from(h.a), saveLo = Int32Array.from(h.lo), saveNr = h.nr;
  try {
    for (let i = 0; i < n; i++) {
      const e = new GuestStruct(h.g, MulticallEntryLayout, list + i * size);
      if (!e.load()) return -XEN_EFAULT;
      const op = e.get('op');
      for (let k = 0; k < 6; k++) {
        const v = e.get('args', k);
        h.a[k] = h.abi === 'x86_64' ? v : v >>> 0;
        h.lo[k] = (v - Math.floor(v / TWO32) * TWO32) | 0;
      }
      h.nr = op;
      const rc = op === __HYPERVISOR_multicall ? -XEN_EINVAL : dispatchHypercall(d, h);
      if (d.trace.on) traceHypercall(d, h, h.vcpu, h.cpu.cpl, rc, i + 1);
      e.set('result', rc);
      if (!e.storeField('result')) return -XEN_EFAULT;
    }
    return 0;
  } finally {
    h.a.set(saveA);
    h.lo.set(saveLo);
    h.nr = saveNr;
  }
}
