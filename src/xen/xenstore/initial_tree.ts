// The tree a toolstack writes for a new guest before it runs: what xl/libxl and QEMU's
// xen_xenstore_reset create under /local/domain/<domid>, minus what would change guest behaviour
// for no benefit. Sources: reference/qemu-xen-inventory.md §6.4, reference/pv-guest-requirements.md
// §4.1 (what GRUB and Linux 6.1 read, write and watch).
//
// Permissions follow libxl: the domain home and its toolstack-owned nodes are dom0-owned and
// guest-readable (`n0 r<domid>`); the nodes a guest must write (device, data, error, control/shutdown,
// control/feature-*, …) are guest-owned (`n<domid>`). A guest cannot create nodes directly under its
// home, so everything it writes must hang under one of those.
import type { XenStore, XsConnection } from './store.ts';
import { domainPath } from './store.ts';

export interface InitialTreeConfig {
  readonly domid: number;
  /** D/name; libxl writes it, no guest needs it. */
  readonly name: string;
  /** Writes D/cpu/<n>/availability = online for n < vcpus (PV Linux watches `cpu`). 0 omits them. */
  readonly vcpus: number;
  /** The xenstore ring's frame number and the guest's store event channel (D/store/*). */
  readonly storeRingRef: number;
  readonly storePort: number;
  /** Primary console page and port (D/console/*), when there is one. */
  readonly console?: { readonly ringRef: number; readonly port: number };
  /**
   * D/memory/target and static-max in KiB. Omitted by default: when present Linux's balloon driver
   * acts on them, and under the PV shim a mismatch makes it give memory back.
   */
  readonly memoryKiB?: number;
  /** Writes D/vm = /vm/<uuid> and /vm/<uuid>/{name,uuid} (only /sys/hypervisor/uuid reads it). */
  readonly uuid?: string;
}

/** Nodes the guest writes into; each is created guest-owned. */
const GUEST_OWNED = ['device', 'data', 'error', 'drivers', 'attr', 'feature'];
/** control/ nodes Linux watches or writes: the toolstack writes a shutdown request, the guest clears it. */
const GUEST_CONTROL = ['shutdown', 'sysrq', 'feature-poweroff', 'feature-reboot', 'feature-suspend', 'feature-s3', 'feature-s4'];

/**
 * Writes the initial tree for `cfg.domid` through `dom0` (a privileged connection) and introduces
 * the domain (firing @introduceDomain). Existing nodes are overwritten; nothing is removed.
 */
export function writeInitialTree(store: XenStore, dom0: XsConnection, cfg: InitialTreeConfig): void {
  if (!dom0.privileged) throw new Error('writeInitialTree needs a dom0 connection');
  const d = domainPath(cfg.domid);
  const readable = ['n0', `r${cfg.domid}`];
  const owned = [`n${cfg.domid}`];
  const put = (path: string, value: string, perms: string[]): void => {
    store.write(dom0, 0, path, value);
    store.setPerms(dom0, 0, path, perms);
  };

  for (const p of ['/local', '/local/domain']) if (store.tryRead(dom0, 0, p) === undefined) put(p, '', ['n0']);
  put(d, '', readable);
  put(`${d}/domid`, String(cfg.domid), readable);
  put(`${d}/name`, cfg.name, readable);
  put(`${d}/control`, '', readable);
  put(`${d}/control/platform-feature-xs_reset_watches`, '1', readable);
  put(`${d}/control/platform-feature-multiprocessor-suspend`, '1', readable);
  for (const n of GUEST_CONTROL) put(`${d}/control/${n}`, '', owned);
  for (const n of GUEST_OWNED) put(`${d}/${n}`, '', owned);

  put(`${d}/store`, '', readable);
  put(`${d}/store/ring-ref`, String(cfg.storeRingRef), readable);
  put(`${d}/store/port`, String(cfg.storePort), readable);
  if (cfg.console) {
    put(`${d}/console`, '', readable);
    put(`${d}/console/ring-ref`, String(cfg.console.ringRef), readable);
    put(`${d}/console/port`, String(cfg.console.port), readable);
  }
  if (cfg.vcpus > 0) {
    put(`${d}/cpu`, '', readable);
    // cpu/<n> is created by the write and inherits cpu's permissions.
    for (let i = 0; i < cfg.vcpus; i++) put(`${d}/cpu/${i}/availability`, 'online', readable);
  }
  if (cfg.memoryKiB !== undefined) {
    put(`${d}/memory`, '', readable);
    put(`${d}/memory/target`, String(cfg.memoryKiB), readable);
    put(`${d}/memory/static-max`, String(cfg.memoryKiB), readable);
  }
  if (cfg.uuid !== undefined) {
    put(`${d}/vm`, `/vm/${cfg.uuid}`, readable);
    put(`/vm/${cfg.uuid}`, '', readable);
    put(`/vm/${cfg.uuid}/name`, cfg.name, readable);
    put(`/vm/${cfg.uuid}/uuid`, cfg.uuid, readable);
  }
  store.introduceDomain(cfg.domid);
}
