// Glue between the guest's XenStore ring page / event channel and the store (src/xen/xenstore):
// the page is a special frame announced by HVM_PARAM_STORE_PFN/EVTCHN; the server runs when the
// guest signals the port or yields, and signals the port when it moved bytes.
import { XenStore } from './xenstore/store.ts';
import { XenstoreRingServer } from './xenstore/wire.ts';
import { writeInitialTree } from './xenstore/initial_tree.ts';

export class XenstoreRing {
  readonly store: XenStore;
  readonly server: XenstoreRingServer;

  constructor(
    u8: Uint8Array,
    page: number,
    domid: number,
    opts: { vcpus: number; storeGfn: number; storePort: number; console: { gfn: number; port: number } | null },
    notify: () => void,
  ) {
    this.store = new XenStore();
    const dom0 = this.store.connect(0, () => undefined);
    writeInitialTree(this.store, dom0, {
      domid,
      name: `xentab-${domid}`,
      vcpus: 0,
      storeRingRef: opts.storeGfn,
      storePort: opts.storePort,
      ...(opts.console ? { console: { ringRef: opts.console.gfn, port: opts.console.port } } : {}),
    });
    this.server = new XenstoreRingServer(this.store, domid, { page: u8.subarray(page, page + 4096), notify });
  }

  process(): void {
    this.server.process();
  }
}
