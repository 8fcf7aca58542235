// The XenStore database: a tree of nodes (value bytes, ordered children, permissions, a generation
// number), transactions, watches, permissions and quotas, following Xen's docs/misc/xenstore.txt
// and the behaviour of xenstored (tools/xenstore) where the text is silent. Both the guest (through
// wire.ts) and our own dom0-side code (toolstack, PV backends) use it through a connection.
//
// Errors are thrown as XsError carrying one of the xsd_errors names; wire.ts turns them into
// XS_ERROR replies. Nothing here reads host time or randomness.
//
// The reference is Xen 4.17's C xenstored: test/xen/xenstore/xenstored_oracle.test.ts runs it on
// this host and checks that scripted and random sessions (dom0 and guest) get identical replies and
// watch events from it and from us. Where the two documents disagree, xenstored wins.
//
// Decisions, with the trade-off each one makes:
// - Nodes live in a flat Map keyed by absolute path. Paths are short and the tree is small (hundreds
//   of nodes), so a flat map keeps transactions and snapshots simple.
// - Transactions are an overlay (path → node or deleted) over the live tree. Like xenstored, a
//   transaction keeps a copy of each node the first time it touches it (so re-reading it repeats
//   the first answer) and records that node's generation (or its absence). Conflicts are per node:
//   TRANSACTION_END(T) fails with EAGAIN if any node it touched has changed in the live tree since.
//   Creating or deleting a child touches the parent (its child list changes).
// - Generation numbers come from one store-wide counter, so a node deleted and re-created gets a new
//   one, and DIRECTORY_PART's <gencnt> changes whenever the child list changes.
// - Quotas apply to unprivileged connections only (xenstored's defaults): 1000 nodes owned per
//   domain (ENOSPC), a node record (24-byte header, 8 bytes per permission, value, child names)
//   under 2048 bytes (ENOSPC), 5 permissions per node (ENOSPC), 128 watches (E2BIG) and 10 open
//   transactions (ENOSPC) per connection, where xenstored lets one more watch and transaction than
//   the quota exist.
// - Watch events reach a watcher who may read the node, its old permissions (SET_PERMS) or its
//   parent; a removal fires the watches at or above the removed node once, and the watches on each
//   deleted node below it; two watches producing the same message send it once.
import { XENSTORE_ABS_PATH_MAX, XENSTORE_PAYLOAD_MAX, XENSTORE_REL_PATH_MAX, type XsdError } from '../abi/io/xs_wire.ts';

export class XsError extends Error {
  constructor(readonly code: XsdError) {
    super(code);
  }
}

/** Access bits, as in xenstored's enum xs_perm_type. */
export const XS_PERM_NONE = 0;
export const XS_PERM_READ = 1;
export const XS_PERM_WRITE = 2;
export const XS_PERM_OWNER = 4;

/** One permission entry: the first of a node's list is the owner and everyone's default access. */
export interface XsPerm {
  readonly id: number;
  /** XS_PERM_READ | XS_PERM_WRITE bits. */
  readonly access: number;
}

interface Node {
  value: Uint8Array;
  children: string[];
  perms: readonly XsPerm[];
  gen: number;
}

export interface XsQuota {
  nodesPerDomain: number;
  entrySize: number;
  permsPerNode: number;
  watchesPerConnection: number;
  transactionsPerConnection: number;
}

export const DEFAULT_QUOTA: Readonly<XsQuota> = {
  nodesPerDomain: 1000,
  entrySize: 2048,
  permsPerNode: 5,
  watchesPerConnection: 128,
  transactionsPerConnection: 10,
};

/** A trace record, named after QEMU's hw/i386/kvm/trace-events `xenstore_*` events. */
export type XsTraceEvent =
  | { name: 'xenstore_read' | 'xenstore_write' | 'xenstore_mkdir' | 'xenstore_rm' | 'xenstore_directory' | 'xenstore_get_perms' | 'xenstore_set_perms'; domid: number; txId: number; path: string }
  | { name: 'xenstore_directory_part'; domid: number; txId: number; path: string; offset: number }
  | { name: 'xenstore_watch' | 'xenstore_unwatch' | 'xenstore_watch_event'; domid: number; path: string; token: string }
  | { name: 'xenstore_transaction_start'; domid: number; txId: number }
  | { name: 'xenstore_transaction_end'; domid: number; txId: number; commit: boolean; result: 'OK' | 'EAGAIN' }
  | { name: 'xenstore_reset_watches'; domid: number };

export type XsObserver = (ev: XsTraceEvent) => void;

/** A node as saved: the value as a byte string (one char per byte), permissions as strings. */
export interface XsNodeState {
  readonly path: string;
  readonly value: string;
  readonly children: readonly string[];
  readonly perms: readonly string[];
  readonly gen: number;
}

/** The database, JSON-serialisable (DESIGN.md invariant 8). Connections are saved separately. */
export interface XenStoreState {
  readonly nodes: readonly XsNodeState[];
  readonly nextGen: number;
  readonly nextTxId: number;
  readonly introduced: readonly number[];
  readonly specialPerms: ReadonlyArray<readonly [string, readonly string[]]>;
}

interface ChangeState {
  readonly path: string;
  readonly perms: readonly string[];
  readonly oldPerms?: readonly string[];
  readonly removed?: ReadonlyArray<readonly [string, readonly string[]]>;
}

interface TransactionState {
  readonly id: number;
  readonly overlay: ReadonlyArray<readonly [string, XsNodeState | null]>;
  readonly accessed: ReadonlyArray<readonly [string, number]>;
  readonly seen: ReadonlyArray<readonly [string, XsNodeState | null]>;
  readonly changes: readonly ChangeState[];
  readonly ownerDelta: ReadonlyArray<readonly [number, number]>;
}

/** One connection's watches (in registration order) and open transactions. */
export interface XsConnectionState {
  readonly domid: number;
  readonly watches: ReadonlyArray<{ readonly path: string; readonly token: string }>;
  readonly transactions: readonly TransactionState[];
}

interface Watch {
  /** As registered (relative or absolute or @special). */
  readonly path: string;
  /** Canonical absolute path, or the @special name. */
  readonly absPath: string;
  readonly token: string;
  readonly relative: boolean;
}

/** A client of the store: the guest's ring (wire.ts) or an in-process dom0 component. */
export class XsConnection {
  /** @internal */ readonly watches: Watch[] = [];
  /** @internal */ readonly transactions = new Map<number, Transaction>();
  constructor(
    readonly domid: number,
    /** Domain 0 bypasses permission checks and quotas. */
    readonly privileged: boolean,
    /** Receives WATCH_EVENTs: the event path (relative if the watch was) and the watch's token. */
    readonly onWatchEvent: (path: string, token: string) => void,
  ) {}
}

interface Change {
  readonly path: string;
  /** For a removal: every node deleted (the subtree) with its permissions; watches on them fire too. */
  readonly removed: ReadonlyMap<string, readonly XsPerm[]> | undefined;
  /** The node's permissions (before removal) decide who may see the event. */
  readonly perms: readonly XsPerm[];
  /** For a permission change, the permissions before it: readers under either hear the event. */
  readonly oldPerms?: readonly XsPerm[];
}

interface Transaction {
  readonly id: number;
  readonly overlay: Map<string, Node | null>;
  /** Generation of each node touched, as first seen in the live tree (-1 = absent). */
  readonly accessed: Map<string, number>;
  /** Each node as first seen (undefined = absent): later reads in the transaction repeat it. */
  readonly seen: Map<string, Node | undefined>;
  readonly changes: Change[];
  /** Change in owned-node count per domain caused by this transaction. */
  readonly ownerDelta: Map<number, number>;
}

// Paths, tokens and values cross as bytes; strings here hold one byte per char (Latin-1), so any
// byte sequence a guest sends round-trips unchanged. Valid paths are ASCII anyway.
export function xsBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}
export function xsString(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 1024) s += String.fromCharCode(...b.subarray(i, i + 1024));
  return s;
}

/** Xen's domain home, the base of relative paths. */
export const domainPath = (domid: number): string => `/local/domain/${domid}`;

const VALID_CHARS = /^[A-Za-z0-9\-/_@]*$/;
const LOCAL_DOMAIN_PREFIX = /^\/local\/domain\/\d{1,5}\//;

/** Path rules of xenstore.txt / xenstored is_valid_nodename; false means EINVAL. */
export function isValidPath(path: string): boolean {
  if (!path.startsWith('/')) return false;
  if (path !== '/' && path.endsWith('/')) return false;
  if (path.includes('//')) return false;
  if (path.length > XENSTORE_ABS_PATH_MAX) return false;
  const m = LOCAL_DOMAIN_PREFIX.exec(path);
  if (path.length - (m ? m[0].length : 0) > XENSTORE_REL_PATH_MAX) return false;
  return VALID_CHARS.test(path);
}

/** `<parent>` is a parent of `<child>` in the xenstore.txt sense (a path is its own child). */
export function isChildPath(child: string, parent: string): boolean {
  return child === parent || parent === '/' || child.startsWith(parent + '/');
}

const parentOf = (path: string): string => {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
};
const baseName = (path: string): string => path.slice(path.lastIndexOf('/') + 1);

const PERM_LETTERS = 'nrwb';

/** Parses `n0`, `r1`, `b5`, `w7`: EINVAL on anything else. */
export function parsePerm(s: string): XsPerm {
  const access = PERM_LETTERS.indexOf(s.charAt(0));
  const digits = s.slice(1);
  if (access < 0 || !/^\d{1,5}$/.test(digits)) throw new XsError('EINVAL');
  const id = Number(digits);
  if (id > 0xffff) throw new XsError('EINVAL');
  return { id, access };
}

export const formatPerm = (p: XsPerm): string => PERM_LETTERS.charAt(p.access & 3) + String(p.id);

/**
 * What xenstored charges a node against the entry-size quota: its database record, a 24-byte
 * header (generation, counts), 8 bytes per permission, the value and the NUL-terminated child names.
 */
function entrySize(n: Node): number {
  let size = 24 + 8 * n.perms.length + n.value.length;
  for (const c of n.children) size += c.length + 1;
  return size;
}

function saveNode(path: string, n: Node): XsNodeState {
  return { path, value: xsString(n.value), children: n.children.slice(), perms: n.perms.map(formatPerm), gen: n.gen };
}

function loadNode(n: XsNodeState): Node {
  return { value: xsBytes(n.value), children: n.children.slice(), perms: n.perms.map(parsePerm), gen: n.gen };
}

export class XenStore {
  private readonly nodes = new Map<string, Node>();
  private readonly ownerCount = new Map<number, number>();
  private readonly connections = new Set<XsConnection>();
  private readonly introduced = new Set<number>();
  /** Permissions of the special watch paths: who hears @introduceDomain / @releaseDomain. */
  private readonly specialPerms = new Map<string, readonly XsPerm[]>([
    ['@introduceDomain', [{ id: 0, access: XS_PERM_NONE }]],
    ['@releaseDomain', [{ id: 0, access: XS_PERM_NONE }]],
  ]);
  private nextGen = 1;
  private nextTxId = 1;
  readonly quota: Readonly<XsQuota>;

  constructor(
    opts: { quota?: Partial<XsQuota>; observer?: XsObserver } = {},
  ) {
    this.quota = { ...DEFAULT_QUOTA, ...opts.quota };
    this.observer = opts.observer;
    // The root exists from the start, owned by dom0 with no access for others.
    this.putLive('/', { value: new Uint8Array(0), children: [], perms: [{ id: 0, access: XS_PERM_NONE }], gen: this.nextGen++ });
    this.introduced.add(0);
  }

  /** Optional trace hook; costs one branch when unset. */
  observer: XsObserver | undefined;

  connect(domid: number, onWatchEvent: (path: string, token: string) => void): XsConnection {
    const conn = new XsConnection(domid, domid === 0, onWatchEvent);
    this.connections.add(conn);
    return conn;
  }

  /** Drops the connection's watches and open transactions. */
  disconnect(conn: XsConnection): void {
    conn.watches.length = 0;
    conn.transactions.clear();
    this.connections.delete(conn);
  }

  // ---- domains ----

  getDomainPath(domid: number): string {
    return domainPath(domid);
  }

  isDomainIntroduced(domid: number): boolean {
    return this.introduced.has(domid);
  }

  /** The toolstack introduced a domain: fires @introduceDomain. */
  introduceDomain(domid: number): void {
    this.introduced.add(domid);
    this.fireSpecial('@introduceDomain');
  }

  /** The domain went away: fires @releaseDomain. */
  releaseDomain(domid: number): void {
    this.introduced.delete(domid);
    this.fireSpecial('@releaseDomain');
  }

  // ---- database operations ----

  read(conn: XsConnection, txId: number, path: string): Uint8Array {
    const tx = this.tx(conn, txId);
    const abs = this.canonical(conn, path);
    this.trace({ name: 'xenstore_read', domid: conn.domid, txId, path: abs });
    return this.getNode(conn, tx, abs, XS_PERM_READ).value;
  }

  /** Like read, but undefined instead of ENOENT/EACCES: for toolstack and backend code. */
  tryRead(conn: XsConnection, txId: number, path: string): string | undefined {
    try {
      return xsString(this.read(conn, txId, path));
    } catch (e) {
      if (e instanceof XsError) return undefined;
      throw e;
    }
  }

  /** Stores `value` at `path`, creating missing parents with empty values. */
  write(conn: XsConnection, txId: number, path: string, value: Uint8Array | string): void {
    const tx = this.tx(conn, txId);
    const abs = this.canonical(conn, path);
    const bytes = typeof value === 'string' ? xsBytes(value) : value;
    this.trace({ name: 'xenstore_write', domid: conn.domid, txId, path: abs });
    const existing = this.getNodeOrMissing(conn, tx, abs, XS_PERM_WRITE);
    let node: Node;
    if (existing) {
      node = { ...existing, value: bytes.slice(), gen: this.nextGen++ };
      this.checkEntrySize(conn, node);
      this.put(tx, abs, node);
    } else {
      node = this.create(conn, tx, abs, bytes.slice());
    }
    this.changed(tx, { path: abs, removed: undefined, perms: node.perms });
  }

  /** Ensures `path` exists; existing nodes keep their value. */
  mkdir(conn: XsConnection, txId: number, path: string): void {
    const tx = this.tx(conn, txId);
    const abs = this.canonical(conn, path);
    this.trace({ name: 'xenstore_mkdir', domid: conn.domid, txId, path: abs });
    if (this.getNodeOrMissing(conn, tx, abs, XS_PERM_WRITE)) return;
    const node = this.create(conn, tx, abs, new Uint8Array(0));
    this.changed(tx, { path: abs, removed: undefined, perms: node.perms });
  }

  /** Removes `path` and its subtree. A missing node is fine if its parent exists. */
  rm(conn: XsConnection, txId: number, path: string): void {
    const tx = this.tx(conn, txId);
    const abs = this.canonical(conn, path);
    this.trace({ name: 'xenstore_rm', domid: conn.domid, txId, path: abs });
    const node = this.getNodeOrMissing(conn, tx, abs, XS_PERM_WRITE);
    // Checked after the permission, as xenstored does: a guest removing / gets EACCES.
    if (abs === '/') throw new XsError('EINVAL');
    if (!node) {
      if (this.lookup(tx, parentOf(abs))) return;
      throw new XsError('ENOENT');
    }
    const parentPath = parentOf(abs);
    const parent = this.lookup(tx, parentPath);
    if (!parent) throw new XsError('EINVAL');
    // In a transaction, copies taken at different times may disagree: a child list naming a child
    // deleted outside since, or a parent not listing a child created outside since. xenstored
    // cannot walk such a subtree and answers EIO.
    const removed = new Map<string, readonly XsPerm[]>();
    if (tx) {
      this.checkSubtree(tx, abs);
      if (!parent.children.includes(baseName(abs))) {
        // xenstored has deleted the subtree by the time it fails to unlink it from the parent.
        this.removeSubtree(tx, abs, removed);
        throw new XsError('EIO');
      }
    }
    this.removeSubtree(tx, abs, removed);
    const name = baseName(abs);
    this.put(tx, parentPath, { ...parent, children: parent.children.filter((c) => c !== name), gen: this.nextGen++ });
    this.changed(tx, { path: abs, removed, perms: node.perms });
  }

  directory(conn: XsConnection, txId: number, path: string): string[] {
    const tx = this.tx(conn, txId);
    const abs = this.canonical(conn, path);
    this.trace({ name: 'xenstore_directory', domid: conn.domid, txId, path: abs });
    return this.getNode(conn, tx, abs, XS_PERM_READ).children.slice();
  }

  /**
   * The DIRECTORY_PART reply payload: `<gencnt>\0` then whole child names (each NUL-terminated)
   * from byte `offset` of the child list, as many as fit in XENSTORE_PAYLOAD_MAX; an extra NUL
   * (an empty name) marks the end of the list.
   */
  directoryPart(conn: XsConnection, txId: number, path: string, offset: number): Uint8Array {
    const tx = this.tx(conn, txId);
    const abs = this.canonical(conn, path);
    this.trace({ name: 'xenstore_directory_part', domid: conn.domid, txId, path: abs, offset });
    const node = this.getNode(conn, tx, abs, XS_PERM_READ);
    const all = xsBytes(node.children.map((c) => c + '\0').join(''));
    const gen = xsBytes(String(node.gen) + '\0');
    const max = XENSTORE_PAYLOAD_MAX - gen.length - 1;
    let end = offset;
    if (offset < all.length) {
      // Take whole names while they fit.
      for (let p = offset; p < all.length; ) {
        let q = p;
        while (all[q] !== 0) q++;
        if (q + 1 - offset > max) break;
        end = p = q + 1;
      }
    }
    const done = offset >= all.length || end === all.length;
    const out = new Uint8Array(gen.length + Math.max(0, end - offset) + (done ? 1 : 0));
    out.set(gen, 0);
    if (end > offset) out.set(all.subarray(offset, end), gen.length);
    return out;
  }

  getPerms(conn: XsConnection, txId: number, path: string): string[] {
    const tx = this.tx(conn, txId);
    const abs = this.canonical(conn, path);
    this.trace({ name: 'xenstore_get_perms', domid: conn.domid, txId, path: abs });
    return this.getNode(conn, tx, abs, XS_PERM_READ).perms.map(formatPerm);
  }

  /**
   * Only the owner (or dom0) may set permissions; a guest may not give its node away (EPERM).
   * The special watch paths have permissions too (who may watch them); only dom0 may set those.
   */
  setPerms(conn: XsConnection, txId: number, path: string, perms: readonly string[]): void {
    const tx = this.tx(conn, txId);
    if (perms.length === 0) throw new XsError('EINVAL');
    const parsed = perms.map(parsePerm);
    if (!conn.privileged && parsed.length > this.quota.permsPerNode) throw new XsError('ENOSPC');
    const special = this.specialPerms.get(path);
    if (special) {
      this.trace({ name: 'xenstore_set_perms', domid: conn.domid, txId, path });
      const need = XS_PERM_WRITE | XS_PERM_OWNER;
      if ((this.access(conn, special) & need) !== need) throw new XsError('EACCES');
      this.specialPerms.set(path, parsed);
      return;
    }
    const abs = this.canonical(conn, path);
    this.trace({ name: 'xenstore_set_perms', domid: conn.domid, txId, path: abs });
    const node = this.getNode(conn, tx, abs, XS_PERM_WRITE | XS_PERM_OWNER);
    if (!conn.privileged && parsed[0]!.id !== node.perms[0]!.id) throw new XsError('EPERM');
    const next = { ...node, perms: parsed, gen: this.nextGen++ };
    this.checkEntrySize(conn, next);
    this.put(tx, abs, next);
    this.changed(tx, { path: abs, removed: undefined, perms: next.perms, oldPerms: node.perms });
  }

  // ---- watches ----

  /** Adds a watch and fires it once straight away (xenstore.txt WATCH). */
  watch(conn: XsConnection, path: string, token: string): void {
    let abs: string;
    if (path.startsWith('@')) {
      if (path.length > XENSTORE_REL_PATH_MAX) throw new XsError('EINVAL');
      abs = path;
    } else {
      abs = this.canonical(conn, path);
    }
    this.trace({ name: 'xenstore_watch', domid: conn.domid, path, token });
    // Watches are identified by canonical path and token: `data` and `/local/domain/1/data` are one.
    if (conn.watches.some((w) => w.absPath === abs && w.token === token)) throw new XsError('EEXIST');
    // Like transactions, xenstored refuses only once more than the quota exist.
    if (!conn.privileged && conn.watches.length > this.quota.watchesPerConnection) throw new XsError('E2BIG');
    conn.watches.push({ path, absPath: abs, token, relative: !path.startsWith('/') && !path.startsWith('@') });
    this.deliver(conn, path, token);
  }

  unwatch(conn: XsConnection, path: string, token: string): void {
    this.trace({ name: 'xenstore_unwatch', domid: conn.domid, path, token });
    const abs = path.startsWith('@') ? path : this.canonical(conn, path);
    const i = conn.watches.findIndex((w) => w.absPath === abs && w.token === token);
    if (i < 0) throw new XsError('ENOENT');
    conn.watches.splice(i, 1);
  }

  /** RESET_WATCHES: "Reset all watches and transactions of the caller". */
  resetWatches(conn: XsConnection): void {
    this.trace({ name: 'xenstore_reset_watches', domid: conn.domid });
    conn.watches.length = 0;
    conn.transactions.clear();
  }

  // ---- transactions ----

  transactionStart(conn: XsConnection): number {
    // xenstored refuses once more than the quota are open, so quota + 1 may be open at once.
    if (!conn.privileged && conn.transactions.size > this.quota.transactionsPerConnection) throw new XsError('ENOSPC');
    // Ids are unsigned 32-bit and never 0 (0 means "no transaction").
    let id = this.nextTxId;
    while (id === 0 || this.txIdInUse(id)) id = (id + 1) >>> 0;
    this.nextTxId = (id + 1) >>> 0;
    conn.transactions.set(id, { id, overlay: new Map(), accessed: new Map(), seen: new Map(), changes: [], ownerDelta: new Map() });
    this.trace({ name: 'xenstore_transaction_start', domid: conn.domid, txId: id });
    return id;
  }

  /** Ends a transaction: commit (EAGAIN on conflict, the transaction is gone either way) or abort. */
  transactionEnd(conn: XsConnection, txId: number, commit: boolean): void {
    const tx = conn.transactions.get(txId);
    if (!tx) throw new XsError('ENOENT');
    conn.transactions.delete(txId);
    if (!commit) {
      this.trace({ name: 'xenstore_transaction_end', domid: conn.domid, txId, commit, result: 'OK' });
      return;
    }
    for (const [path, gen] of tx.accessed) {
      const live = this.nodes.get(path);
      if ((live ? live.gen : -1) !== gen) {
        this.trace({ name: 'xenstore_transaction_end', domid: conn.domid, txId, commit, result: 'EAGAIN' });
        throw new XsError('EAGAIN');
      }
    }
    // Owner quota is checked against the live tree as it is now.
    if (!conn.privileged) {
      const d = tx.ownerDelta.get(conn.domid) ?? 0;
      if (d > 0 && (this.ownerCount.get(conn.domid) ?? 0) + d > this.quota.nodesPerDomain) throw new XsError('ENOSPC');
    }
    for (const [path, node] of tx.overlay) {
      if (node) this.putLive(path, { ...node, gen: this.nextGen++ });
      else this.deleteLive(path);
    }
    this.trace({ name: 'xenstore_transaction_end', domid: conn.domid, txId, commit, result: 'OK' });
    // Each node changed in the transaction fires once at commit, with its last change.
    const last = new Map<string, Change>();
    for (const c of tx.changes) {
      last.delete(c.path);
      last.set(c.path, c);
    }
    for (const c of last.values()) this.fireWatches(c);
  }

  // ---- snapshot ----

  /** Every node, parents before children, for save/restore and debugging views. */
  dump(): Array<{ path: string; value: Uint8Array; perms: string[] }> {
    const out: Array<{ path: string; value: Uint8Array; perms: string[] }> = [];
    const walk = (path: string): void => {
      const n = this.nodes.get(path)!;
      out.push({ path, value: n.value, perms: n.perms.map(formatPerm) });
      for (const c of n.children) walk(path === '/' ? `/${c}` : `${path}/${c}`);
    };
    walk('/');
    return out;
  }

  /** Number of nodes owned by a domain (the node quota counts these). */
  ownedNodes(domid: number): number {
    return this.ownerCount.get(domid) ?? 0;
  }

  // ---- save / restore (DESIGN.md invariant 8) ----

  saveState(): XenStoreState {
    return {
      nodes: [...this.nodes].map(([path, n]) => saveNode(path, n)),
      nextGen: this.nextGen,
      nextTxId: this.nextTxId,
      introduced: [...this.introduced],
      specialPerms: [...this.specialPerms].map(([k, v]) => [k, v.map(formatPerm)] as const),
    };
  }

  /** Replaces the whole database (connections keep their objects; restore them with restoreConnection). */
  loadState(st: XenStoreState): void {
    this.nodes.clear();
    this.ownerCount.clear();
    for (const n of st.nodes) this.putLive(n.path, loadNode(n));
    if (!this.nodes.has('/')) throw new Error('xenstore state without a root');
    this.nextGen = st.nextGen;
    this.nextTxId = st.nextTxId;
    this.introduced.clear();
    for (const d of st.introduced) this.introduced.add(d);
    this.specialPerms.clear();
    for (const [k, v] of st.specialPerms) this.specialPerms.set(k, v.map(parsePerm));
  }

  saveConnection(conn: XsConnection): XsConnectionState {
    const perms = (p: readonly XsPerm[]) => p.map(formatPerm);
    return {
      domid: conn.domid,
      watches: conn.watches.map((w) => ({ path: w.path, token: w.token })),
      transactions: [...conn.transactions.values()].map((t) => ({
        id: t.id,
        overlay: [...t.overlay].map(([p, n]) => [p, n ? saveNode(p, n) : null] as const),
        accessed: [...t.accessed],
        seen: [...t.seen].map(([p, n]) => [p, n ? saveNode(p, n) : null] as const),
        changes: t.changes.map((c) => ({
          path: c.path,
          perms: perms(c.perms),
          ...(c.oldPerms ? { oldPerms: perms(c.oldPerms) } : {}),
          ...(c.removed ? { removed: [...c.removed].map(([p, q]) => [p, perms(q)] as const) } : {}),
        })),
        ownerDelta: [...t.ownerDelta],
      })),
    };
  }

  /** Gives `conn` (connected to this store, same domid) the saved watches and transactions. */
  restoreConnection(conn: XsConnection, st: XsConnectionState): void {
    if (conn.domid !== st.domid) throw new Error('xenstore connection state for another domain');
    conn.watches.length = 0;
    for (const w of st.watches) {
      const abs = w.path.startsWith('@') ? w.path : this.canonical(conn, w.path);
      conn.watches.push({ path: w.path, absPath: abs, token: w.token, relative: !w.path.startsWith('/') && !w.path.startsWith('@') });
    }
    conn.transactions.clear();
    for (const t of st.transactions) {
      conn.transactions.set(t.id, {
        id: t.id,
        overlay: new Map(t.overlay.map(([p, n]) => [p, n ? loadNode(n) : null])),
        accessed: new Map(t.accessed),
        seen: new Map(t.seen.map(([p, n]) => [p, n ? loadNode(n) : undefined])),
        changes: t.changes.map((c) => ({
          path: c.path,
          perms: c.perms.map(parsePerm),
          ...(c.oldPerms ? { oldPerms: c.oldPerms.map(parsePerm) } : {}),
          removed: c.removed ? new Map(c.removed.map(([p, q]) => [p, q.map(parsePerm)])) : undefined,
        })),
        ownerDelta: new Map(t.ownerDelta),
      });
    }
  }

  // ---- internals ----

  private trace(ev: XsTraceEvent): void {
    if (this.observer) this.observer(ev);
  }

  private txIdInUse(id: number): boolean {
    for (const c of this.connections) if (c.transactions.has(id)) return true;
    return false;
  }

  private tx(conn: XsConnection, txId: number): Transaction | undefined {
    if (txId === 0) return undefined;
    const tx = conn.transactions.get(txId);
    if (!tx) throw new XsError('ENOENT');
    return tx;
  }

  /**
   * Relative paths are under the caller's domain home; then the path rules apply. `@` names are
   * only watch paths: as node paths they are EINVAL (xenstored 4.17 keeps them unprefixed).
   */
  private canonical(conn: XsConnection, path: string): string {
    if (path.startsWith('@')) throw new XsError('EINVAL');
    const abs = path.startsWith('/') ? path : `${domainPath(conn.domid)}/${path}`;
    if (!isValidPath(abs)) throw new XsError('EINVAL');
    return abs;
  }

  private access(conn: XsConnection, perms: readonly XsPerm[]): number {
    const owner = perms[0]!;
    if (conn.privileged || owner.id === conn.domid) return XS_PERM_READ | XS_PERM_WRITE | XS_PERM_OWNER;
    for (let i = 1; i < perms.length; i++) if (perms[i]!.id === conn.domid) return perms[i]!.access;
    return owner.access;
  }

  /**
   * The node as this transaction (or the live tree) sees it, recording the access. Within a
   * transaction a node reads the same every time once seen, as in xenstored, which copies each
   * node a transaction touches.
   */
  private lookup(tx: Transaction | undefined, path: string): Node | undefined {
    if (!tx) return this.nodes.get(path);
    if (tx.overlay.has(path)) return tx.overlay.get(path) ?? undefined;
    if (tx.seen.has(path)) return tx.seen.get(path);
    const live = this.nodes.get(path);
    tx.accessed.set(path, live ? live.gen : -1);
    tx.seen.set(path, live);
    return live;
  }

  private getNode(conn: XsConnection, tx: Transaction | undefined, path: string, perm: number): Node {
    const n = this.getNodeOrMissing(conn, tx, path, perm);
    if (!n) throw new XsError('ENOENT');
    return n;
  }

  /**
   * The node if it exists and `perm` is granted; undefined if it does not exist and the nearest
   * existing ancestor grants `perm` (so the caller may learn it is missing, or create it); EACCES
   * otherwise (xenstored get_node + errno_from_parents).
   */
  private getNodeOrMissing(conn: XsConnection, tx: Transaction | undefined, path: string, perm: number): Node | undefined {
    const n = this.lookup(tx, path);
    if (n) {
      if ((this.access(conn, n.perms) & perm) !== perm) throw new XsError('EACCES');
      return n;
    }
    let p = path;
    let anc: Node | undefined;
    do {
      p = parentOf(p);
      anc = this.lookup(tx, p);
    } while (!anc && p !== '/');
    if (!anc || (this.access(conn, anc.perms) & perm) === 0) throw new XsError('EACCES');
    return undefined;
  }

  /** Creates `path` and any missing parents; each inherits its parent's permissions, owned by the caller. */
  private create(conn: XsConnection, tx: Transaction | undefined, path: string, value: Uint8Array): Node {
    const missing: string[] = [];
    let p = path;
    while (!this.lookup(tx, p)) {
      missing.push(p);
      p = parentOf(p);
    }
    if (!conn.privileged && this.ownedCount(tx, conn.domid) + missing.length > this.quota.nodesPerDomain) throw new XsError('ENOSPC');
    let parentPath = p;
    let parent = this.lookup(tx, parentPath)!;
    let node: Node | undefined;
    for (let i = missing.length - 1; i >= 0; i--) {
      const here = missing[i]!;
      const perms = parent.perms.slice();
      if (!conn.privileged) perms[0] = { id: conn.domid, access: perms[0]!.access };
      node = { value: i === 0 ? value : new Uint8Array(0), children: [], perms, gen: this.nextGen++ };
      const nextParent = { ...parent, children: [...parent.children, baseName(here)], gen: this.nextGen++ };
      this.checkEntrySize(conn, nextParent);
      this.checkEntrySize(conn, node);
      this.put(tx, parentPath, nextParent);
      this.put(tx, here, node);
      parentPath = here;
      parent = node;
    }
    return node!;
  }

  private checkEntrySize(conn: XsConnection, n: Node): void {
    if (!conn.privileged && entrySize(n) >= this.quota.entrySize) throw new XsError('ENOSPC');
  }

  private ownedCount(tx: Transaction | undefined, domid: number): number {
    return (this.ownerCount.get(domid) ?? 0) + (tx?.ownerDelta.get(domid) ?? 0);
  }

  private put(tx: Transaction | undefined, path: string, node: Node | null): void {
    if (!tx) {
      if (node) this.putLive(path, node);
      else this.deleteLive(path);
      return;
    }
    const old = this.lookup(tx, path);
    if (old) tx.ownerDelta.set(old.perms[0]!.id, (tx.ownerDelta.get(old.perms[0]!.id) ?? 0) - 1);
    if (node) tx.ownerDelta.set(node.perms[0]!.id, (tx.ownerDelta.get(node.perms[0]!.id) ?? 0) + 1);
    tx.overlay.set(path, node);
  }

  private putLive(path: string, node: Node): void {
    const old = this.nodes.get(path);
    if (old) this.countOwner(old.perms[0]!.id, -1);
    this.countOwner(node.perms[0]!.id, 1);
    this.nodes.set(path, node);
  }

  private deleteLive(path: string): void {
    const old = this.nodes.get(path);
    if (!old) return;
    this.countOwner(old.perms[0]!.id, -1);
    this.nodes.delete(path);
  }

  private countOwner(domid: number, d: number): void {
    this.ownerCount.set(domid, (this.ownerCount.get(domid) ?? 0) + d);
  }

  private checkSubtree(tx: Transaction, path: string): void {
    const n = this.lookup(tx, path);
    if (!n) throw new XsError('EIO');
    for (const c of n.children) this.checkSubtree(tx, `${path}/${c}`);
  }

  private removeSubtree(tx: Transaction | undefined, path: string, removed: Map<string, readonly XsPerm[]>): void {
    const n = this.lookup(tx, path);
    if (!n) return;
    for (const c of n.children) this.removeSubtree(tx, `${path}/${c}`, removed);
    this.put(tx, path, null);
    removed.set(path, n.perms);
  }

  private changed(tx: Transaction | undefined, c: Change): void {
    if (tx) tx.changes.push(c);
    else this.fireWatches(c);
  }

  /**
   * A change at `path` fires every watch at or above it; a removal also fires the watches on the
   * nodes it deleted below it, with the watch's own path (xenstore.txt WATCH_EVENT). xenstored 4.17
   * does not fire watches below on paths that did not exist, and neither do we. Watchers must be
   * able to read the node.
   */
  private fireWatches(c: Change): void {
    // Decide every delivery first, then make them: a watcher's callback may change the store
    // (a backend answering a state change), which must not disturb this walk.
    const out: Array<[XsConnection, string, string]> = [];
    for (const conn of this.connections) {
      // Two watches that would send the same message (same event path and token) send it once,
      // as xenstored 4.17 does.
      let sent: Set<string> | undefined;
      for (const w of conn.watches) {
        if (w.absPath.startsWith('@')) continue;
        let epath: string;
        let perms: readonly XsPerm[];
        if (isChildPath(c.path, w.absPath)) {
          epath = c.path;
          perms = c.oldPerms && this.access(conn, c.oldPerms) & XS_PERM_READ ? c.oldPerms : c.perms;
        } else {
          // A watch on a node deleted below the removed one: xenstored fires it as it walks the
          // deleted subtree, with that node's own permissions.
          const p = c.removed?.get(w.absPath);
          if (!p) continue;
          epath = w.absPath;
          perms = p;
        }
        if (!this.watchPermitted(conn, epath, perms, c.removed)) continue;
        const shown = w.relative ? epath.slice(domainPath(conn.domid).length + 1) : epath;
        const key = `${shown}\0${w.token}`;
        sent ??= new Set();
        if (sent.has(key)) continue;
        sent.add(key);
        out.push([conn, shown, w.token]);
      }
    }
    for (const [conn, path, token] of out) if (this.connections.has(conn)) this.deliver(conn, path, token);
  }

  /**
   * xenstored watch_permitted(): the watcher may read the changed node or its parent (for a node
   * deleted with its parent, the parent as it was).
   */
  private watchPermitted(conn: XsConnection, path: string, perms: readonly XsPerm[], removed: ReadonlyMap<string, readonly XsPerm[]> | undefined): boolean {
    if (this.access(conn, perms) & XS_PERM_READ) return true;
    const pp = parentOf(path);
    const parentPerms = removed?.get(pp) ?? this.nodes.get(pp)?.perms;
    return parentPerms !== undefined && (this.access(conn, parentPerms) & XS_PERM_READ) !== 0;
  }

  /** Special events go to watchers allowed to read the special path (by default dom0 only). */
  private fireSpecial(name: '@introduceDomain' | '@releaseDomain'): void {
    const perms = this.specialPerms.get(name)!;
    const out: Array<[XsConnection, string]> = [];
    for (const conn of this.connections) {
      if ((this.access(conn, perms) & XS_PERM_READ) === 0) continue;
      for (const w of conn.watches) if (w.absPath === name) out.push([conn, w.token]);
    }
    for (const [conn, token] of out) if (this.connections.has(conn)) this.deliver(conn, name, token);
  }

  private deliver(conn: XsConnection, path: string, token: string): void {
    this.trace({ name: 'xenstore_watch_event', domid: conn.domid, path, token });
    conn.onWatchEvent(path, token);
  }
}
