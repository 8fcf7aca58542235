// XenStore semantics as docs/misc/xenstore.txt states them (quoted in the test names where it
// says something testable) and as xenstored implements them where the text is silent.
import { describe, it, expect } from 'vitest';
import { XenStore, XsError, xsString, type XsConnection, type XsTraceEvent } from '../../../src/xen/xenstore/store.ts';

function setup(quota = {}) {
  const trace: XsTraceEvent[] = [];
  const store = new XenStore({ quota, observer: (e) => trace.push(e) });
  const ev0: Array<[string, string]> = [];
  const ev1: Array<[string, string]> = [];
  const dom0 = store.connect(0, (p, t) => ev0.push([p, t]));
  const guest = store.connect(1, (p, t) => ev1.push([p, t]));
  // The part of the initial tree these tests rely on: a dom0-owned, guest-readable home with a
  // guest-owned `data` directory (as libxl creates it).
  store.write(dom0, 0, '/local/domain/1', '');
  store.setPerms(dom0, 0, '/local/domain/1', ['n0', 'r1']);
  store.write(dom0, 0, '/local/domain/1/data', '');
  store.setPerms(dom0, 0, '/local/domain/1/data', ['n1']);
  ev0.length = 0;
  ev1.length = 0;
  return { store, dom0, guest, ev0, ev1, trace };
}

function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof XsError) return e.code;
    throw e;
  }
  return 'OK';
}

const read = (s: XenStore, c: XsConnection, p: string, tx = 0) => xsString(s.read(c, tx, p));

describe('XenStore tree', () => {
  it('"WRITE creates any missing parent paths, with empty values"', () => {
    const { store, dom0 } = setup();
    store.write(dom0, 0, '/a/b/c', 'v');
    expect(read(store, dom0, '/a/b/c')).toBe('v');
    expect(read(store, dom0, '/a/b')).toBe('');
    expect(store.directory(dom0, 0, '/a')).toEqual(['b']);
  });

  it('values are binary-safe, including NUL bytes', () => {
    const { store, dom0 } = setup();
    store.write(dom0, 0, '/bin', Uint8Array.of(0, 255, 0, 7));
    expect([...store.read(dom0, 0, '/bin')]).toEqual([0, 255, 0, 7]);
  });

  it('"MKDIR … If <path> or any parent already exists, its value is left unchanged"', () => {
    const { store, dom0 } = setup();
    store.write(dom0, 0, '/x', 'keep');
    store.mkdir(dom0, 0, '/x');
    store.mkdir(dom0, 0, '/x/y/z');
    expect(read(store, dom0, '/x')).toBe('keep');
    expect(read(store, dom0, '/x/y/z')).toBe('');
  });

  it('"RM … It is not an error if <path> does not exist, but it _is_ an error if <path>\'s immediate parent does not exist either"', () => {
    const { store, dom0 } = setup();
    store.write(dom0, 0, '/p/q/r', '1');
    store.rm(dom0, 0, '/p/q');
    expect(code(() => store.read(dom0, 0, '/p/q/r'))).toBe('ENOENT');
    expect(store.directory(dom0, 0, '/p')).toEqual([]);
    expect(code(() => store.rm(dom0, 0, '/p/q'))).toBe('OK');
    expect(code(() => store.rm(dom0, 0, '/p/nope/deeper'))).toBe('ENOENT');
    expect(code(() => store.rm(dom0, 0, '/'))).toBe('EINVAL');
  });

  it('DIRECTORY lists children in creation order, READ of a missing node is ENOENT', () => {
    const { store, dom0 } = setup();
    for (const n of ['b', 'a', 'c']) store.write(dom0, 0, `/d/${n}`, '');
    expect(store.directory(dom0, 0, '/d')).toEqual(['b', 'a', 'c']);
    expect(code(() => store.read(dom0, 0, '/d/zz'))).toBe('ENOENT');
  });

  it('relative paths are "relative to /local/domain/<domid>"', () => {
    const { store, dom0, guest } = setup();
    store.write(guest, 0, 'data/x', 'rel');
    expect(read(store, dom0, '/local/domain/1/data/x')).toBe('rel');
    expect(store.getDomainPath(7)).toBe('/local/domain/7');
  });

  it.each([
    ['', 'empty'],
    ['/a//b', 'doubled slash'],
    ['/a/', 'trailing slash'],
    ['/a b', 'space'],
    ['/a.b', 'dot'],
    ['/' + 'x'.repeat(3072), 'longer than XENSTORE_ABS_PATH_MAX'],
    ['/local/domain/1/' + 'x'.repeat(2049), 'relative part longer than XENSTORE_REL_PATH_MAX'],
  ])('rejects the path %j (%s) with EINVAL', (p) => {
    const { store, dom0 } = setup();
    expect(code(() => store.write(dom0, 0, p, 'v'))).toBe('EINVAL');
  });

  it('accepts the four punctuation characters -/_@ and the longest paths allowed', () => {
    const { store, dom0 } = setup();
    expect(code(() => store.write(dom0, 0, '/a-b_c@d', 'v'))).toBe('OK');
    expect(code(() => store.write(dom0, 0, '/local/domain/1/' + 'x'.repeat(2048), 'v'))).toBe('OK');
  });

  it('DIRECTORY_PART returns <gencnt> and whole names from a byte offset, ending with an empty name', () => {
    const { store, dom0 } = setup();
    const names = Array.from({ length: 400 }, (_, i) => `child-number-${String(i).padStart(4, '0')}`);
    for (const n of names) store.mkdir(dom0, 0, `/big/${n}`);
    expect(() => store.directory(dom0, 0, '/big')).not.toThrow();
    const got: string[] = [];
    let offset = 0;
    let gen: string | undefined;
    for (let rounds = 0; rounds < 10; rounds++) {
      const part = xsString(store.directoryPart(dom0, 0, '/big', offset));
      expect(part.length).toBeLessThanOrEqual(4096);
      const fields = part.split('\0');
      gen ??= fields[0];
      expect(fields[0]).toBe(gen);
      const body = fields.slice(1, -1);
      const ended = body.length > 0 && body[body.length - 1] === '';
      const list = ended ? body.slice(0, -1) : body;
      got.push(...list);
      offset += list.reduce((n, s) => n + s.length + 1, 0);
      if (ended) break;
    }
    expect(got).toEqual(names);
    // The generation changes when the child list changes.
    store.mkdir(dom0, 0, '/big/new');
    expect(xsString(store.directoryPart(dom0, 0, '/big', 0)).split('\0')[0]).not.toBe(gen);
    // Offset past the end: just the generation and an empty list.
    expect(xsString(store.directoryPart(dom0, 0, '/big', 1e6)).split('\0').slice(1)).toEqual(['', '']);
  });
});

describe('XenStore permissions', () => {
  it('an unreadable node is EACCES; a missing one under an unreadable parent is EACCES, not ENOENT', () => {
    const { store, dom0, guest } = setup();
    store.write(dom0, 0, '/secret/x', 's');
    expect(code(() => store.read(guest, 0, '/secret/x'))).toBe('EACCES');
    expect(code(() => store.read(guest, 0, '/secret/missing'))).toBe('EACCES');
    expect(code(() => store.read(guest, 0, '/local/domain/1/missing'))).toBe('ENOENT');
  });

  it('creating needs write access on the nearest existing ancestor; the creator owns the new node', () => {
    const { store, guest } = setup();
    expect(code(() => store.write(guest, 0, 'newtop', 'x'))).toBe('EACCES');
    store.write(guest, 0, 'data/a/b', 'x');
    expect(store.getPerms(guest, 0, 'data/a/b')).toEqual(['n1']);
    expect(store.ownedNodes(1)).toBe(3);
  });

  it('per-domain entries override the default; "r" does not grant write, "w" does not grant read', () => {
    const { store, dom0, guest } = setup();
    store.write(dom0, 0, '/shared', 'v');
    store.setPerms(dom0, 0, '/shared', ['n0', 'r1']);
    expect(read(store, guest, '/shared')).toBe('v');
    expect(code(() => store.write(guest, 0, '/shared', 'w'))).toBe('EACCES');
    store.setPerms(dom0, 0, '/shared', ['r0', 'w1']);
    expect(code(() => store.read(guest, 0, '/shared'))).toBe('EACCES');
    expect(code(() => store.write(guest, 0, '/shared', 'w'))).toBe('OK');
    store.setPerms(dom0, 0, '/shared', ['b0']);
    expect(read(store, guest, '/shared')).toBe('w');
  });

  it('only the owner may SET_PERMS, and a guest may not give its node away (EPERM)', () => {
    const { store, guest } = setup();
    expect(code(() => store.setPerms(guest, 0, '/local/domain/1', ['n1']))).toBe('EACCES');
    store.write(guest, 0, 'data/mine', '');
    expect(code(() => store.setPerms(guest, 0, 'data/mine', ['n1', 'r0', 'b2']))).toBe('OK');
    expect(store.getPerms(guest, 0, 'data/mine')).toEqual(['n1', 'r0', 'b2']);
    expect(code(() => store.setPerms(guest, 0, 'data/mine', ['n2']))).toBe('EPERM');
  });

  it.each([['x1'], ['r'], ['r-1'], ['r70000'], ['r1x'], ['']])('refuses the malformed permission %j with EINVAL', (p) => {
    const { store, dom0 } = setup();
    store.write(dom0, 0, '/n', '');
    expect(code(() => store.setPerms(dom0, 0, '/n', [p]))).toBe('EINVAL');
  });
});

describe('XenStore quotas (unprivileged connections only)', () => {
  it('at most 5 permissions per node (ENOSPC)', () => {
    const { store, guest } = setup();
    store.write(guest, 0, 'data/q', '');
    expect(code(() => store.setPerms(guest, 0, 'data/q', ['n1', 'r2', 'r3', 'r4', 'r5', 'r6']))).toBe('ENOSPC');
  });

  it('the node count per domain (ENOSPC), while dom0 is unlimited', () => {
    const { store, dom0, guest } = setup({ nodesPerDomain: 10 });
    const before = store.ownedNodes(1);
    let i = 0;
    while (code(() => store.write(guest, 0, `data/n${i}`, '')) === 'OK') i++;
    expect(store.ownedNodes(1)).toBe(10);
    expect(i).toBe(10 - before);
    expect(code(() => store.write(guest, 0, `data/n${i}`, ''))).toBe('ENOSPC');
    for (let j = 0; j < 20; j++) store.write(dom0, 0, `/dom0/n${j}`, '');
  });

  it('the entry size: a 24-byte header, 8 bytes per permission, value and child names under 2048 (ENOSPC)', () => {
    const { store, guest } = setup();
    expect(code(() => store.write(guest, 0, 'data/v', 'x'.repeat(2015)))).toBe('OK');
    expect(code(() => store.write(guest, 0, 'data/v', 'x'.repeat(2016)))).toBe('ENOSPC');
  });

  it('watches per connection (E2BIG) and open transactions (ENOSPC)', () => {
    const { store, guest } = setup({ watchesPerConnection: 3, transactionsPerConnection: 2 });
    for (let i = 0; i < 4; i++) store.watch(guest, 'data', `t${i}`);
    expect(code(() => store.watch(guest, 'data', 't4'))).toBe('E2BIG');
    // xenstored refuses only once more than the quota are open (checked against xenstored 4.17).
    for (let i = 0; i < 3; i++) store.transactionStart(guest);
    expect(code(() => store.transactionStart(guest))).toBe('ENOSPC');
  });
});

describe('XenStore watches', () => {
  it('"When a watch is first set up it is triggered once straight away, with <path> equal to <wpath>"', () => {
    const { store, guest, ev1 } = setup();
    store.watch(guest, 'data/none/yet', 'tok');
    expect(ev1).toEqual([['data/none/yet', 'tok']]);
  });

  it('a change fires watches at or above it, not siblings; relative watches get relative paths', () => {
    const { store, dom0, guest, ev0, ev1 } = setup();
    store.watch(guest, 'data', 'rel');
    store.watch(guest, '/local/domain/1/data/a', 'abs');
    store.watch(dom0, '/local/domain/1/data/b', 'sib');
    ev0.length = ev1.length = 0;
    store.write(dom0, 0, '/local/domain/1/data/a/x', '1');
    expect(ev1).toEqual([
      ['data/a/x', 'rel'],
      ['/local/domain/1/data/a/x', 'abs'],
    ]);
    expect(ev0).toEqual([]);
  });

  it('"if the event was the recursive removal of a parent of <wpath>, <epath> is just <wpath>" (for nodes that existed)', () => {
    const { store, dom0, guest, ev1 } = setup();
    store.write(dom0, 0, '/local/domain/1/data/x/y/z', '');
    store.watch(guest, 'data/x/y/z', 'deep');
    store.watch(guest, 'data/x/never', 'absent');
    store.watch(guest, 'data', 'up');
    ev1.length = 0;
    store.rm(dom0, 0, '/local/domain/1/data/x');
    expect(ev1).toEqual(
      expect.arrayContaining([
        ['data/x/y/z', 'deep'],
        ['data/x', 'up'],
      ]),
    );
    expect(ev1).toHaveLength(2);
  });

  it('a permission change fires, and watchers that cannot read the node hear nothing', () => {
    const { store, dom0, guest, ev1 } = setup();
    store.write(dom0, 0, '/hidden', '');
    store.watch(guest, '/hidden', 't');
    ev1.length = 0;
    store.write(dom0, 0, '/hidden', 'changed');
    expect(ev1).toEqual([]);
    store.setPerms(dom0, 0, '/hidden', ['r0']);
    expect(ev1).toEqual([['/hidden', 't']]);
  });

  it('duplicate WATCH is EEXIST, UNWATCH of an unknown watch is ENOENT, RESET_WATCHES drops all', () => {
    const { store, dom0, guest, ev1 } = setup();
    store.watch(guest, 'data', 't');
    expect(code(() => store.watch(guest, 'data', 't'))).toBe('EEXIST');
    expect(code(() => store.unwatch(guest, 'data', 'other'))).toBe('ENOENT');
    store.unwatch(guest, 'data', 't');
    store.watch(guest, 'data', 't2');
    const tx = store.transactionStart(guest);
    store.resetWatches(guest);
    ev1.length = 0;
    store.write(dom0, 0, '/local/domain/1/data/q', '');
    expect(ev1).toEqual([]);
    expect(code(() => store.transactionEnd(guest, tx, true))).toBe('ENOENT');
  });

  it('@introduceDomain and @releaseDomain fire for dom0 watchers only, after the initial fire', () => {
    const { store, dom0, guest, ev0, ev1 } = setup();
    store.watch(dom0, '@releaseDomain', 'r');
    store.watch(dom0, '@introduceDomain', 'i');
    store.watch(guest, '@releaseDomain', 'g');
    expect(ev0).toEqual([
      ['@releaseDomain', 'r'],
      ['@introduceDomain', 'i'],
    ]);
    ev0.length = ev1.length = 0;
    store.introduceDomain(2);
    store.releaseDomain(2);
    store.write(dom0, 0, '/x', '');
    expect(ev0).toEqual([
      ['@introduceDomain', 'i'],
      ['@releaseDomain', 'r'],
    ]);
    expect(ev1).toEqual([]);
    expect(store.isDomainIntroduced(2)).toBe(false);
  });
});

describe('XenStore transactions', () => {
  it('a transaction sees its own writes; others see them only after commit, when the watches fire', () => {
    const { store, dom0, guest, ev0 } = setup();
    store.watch(dom0, '/local/domain/1/data', 'w');
    ev0.length = 0;
    const tx = store.transactionStart(guest);
    store.write(guest, tx, 'data/t', 'in-tx');
    expect(read(store, guest, 'data/t', tx)).toBe('in-tx');
    expect(code(() => store.read(guest, 0, 'data/t'))).toBe('ENOENT');
    expect(ev0).toEqual([]);
    store.transactionEnd(guest, tx, true);
    expect(read(store, guest, 'data/t')).toBe('in-tx');
    expect(ev0).toEqual([['/local/domain/1/data/t', 'w']]);
  });

  it('TRANSACTION_END F discards everything', () => {
    const { store, guest } = setup();
    const tx = store.transactionStart(guest);
    store.write(guest, tx, 'data/gone', '1');
    store.rm(guest, tx, 'data');
    store.transactionEnd(guest, tx, false);
    expect(store.directory(guest, 0, 'data')).toEqual([]);
  });

  it('commit fails with EAGAIN when a node the transaction read was changed meanwhile', () => {
    const { store, dom0, guest } = setup();
    store.write(dom0, 0, '/local/domain/1/data/state', '1');
    const tx = store.transactionStart(guest);
    expect(read(store, guest, 'data/state', tx)).toBe('1');
    store.write(guest, tx, 'data/other', 'x');
    store.write(dom0, 0, '/local/domain/1/data/state', '2');
    expect(code(() => store.transactionEnd(guest, tx, true))).toBe('EAGAIN');
    expect(code(() => store.read(guest, 0, 'data/other'))).toBe('ENOENT');
  });

  it('commit fails when a node the transaction found missing was created meanwhile', () => {
    const { store, dom0, guest } = setup();
    const tx = store.transactionStart(guest);
    expect(code(() => store.read(guest, tx, 'data/flag'))).toBe('ENOENT');
    store.write(dom0, 0, '/local/domain/1/data/flag', 'set');
    expect(code(() => store.transactionEnd(guest, tx, true))).toBe('EAGAIN');
  });

  it('conflicts are per node: an unrelated change does not fail the commit', () => {
    const { store, dom0, guest } = setup();
    const tx = store.transactionStart(guest);
    store.write(guest, tx, 'data/mine', 'x');
    store.write(dom0, 0, '/elsewhere', 'y');
    expect(code(() => store.transactionEnd(guest, tx, true))).toBe('OK');
  });

  it('two transactions adding children to the same directory: the second commit gets EAGAIN', () => {
    const { store, guest } = setup();
    const a = store.transactionStart(guest);
    const b = store.transactionStart(guest);
    expect(a).not.toBe(b);
    store.write(guest, a, 'data/a', '');
    store.write(guest, b, 'data/b', '');
    store.transactionEnd(guest, a, true);
    expect(code(() => store.transactionEnd(guest, b, true))).toBe('EAGAIN');
    expect(store.directory(guest, 0, 'data')).toEqual(['a']);
  });

  it('delete and re-create inside a transaction commits as the new node', () => {
    const { store, guest } = setup();
    store.write(guest, 0, 'data/r/child', 'old');
    const tx = store.transactionStart(guest);
    store.rm(guest, tx, 'data/r');
    store.write(guest, tx, 'data/r', 'new');
    store.transactionEnd(guest, tx, true);
    expect(read(store, guest, 'data/r')).toBe('new');
    expect(store.directory(guest, 0, 'data/r')).toEqual([]);
    expect(store.ownedNodes(1)).toBe(2);
  });

  it('an unknown transaction id, or another connection\'s, is ENOENT', () => {
    const { store, dom0, guest } = setup();
    const tx = store.transactionStart(dom0);
    expect(code(() => store.read(guest, tx, 'data'))).toBe('ENOENT');
    expect(code(() => store.transactionEnd(guest, 12345, true))).toBe('ENOENT');
  });

  it('the observer sees every operation under QEMU\'s trace-event names', () => {
    const { store, guest, trace } = setup();
    trace.length = 0;
    const tx = store.transactionStart(guest);
    store.write(guest, tx, 'data/x', '1');
    store.transactionEnd(guest, tx, true);
    expect(trace.map((e) => e.name)).toEqual(['xenstore_transaction_start', 'xenstore_write', 'xenstore_transaction_end']);
  });
});
