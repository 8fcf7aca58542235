// Domain ids a guest may name: DOMID_SELF or its own id (everything else: -ESRCH, as QEMU).
import { DOMID_SELF } from '../abi/xen.ts';
import type { XenDomain } from '../xen_domain.ts';

export function isSelf(d: XenDomain, domid: number): boolean {
  return domid === DOMID_SELF || domid === d.domid;
}
