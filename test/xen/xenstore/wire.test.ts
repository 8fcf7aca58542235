// The xs_wire protocol through the shared page, driven by a guest-side ring client written from
// xen/io/xs_wire.h (guest_ring.ts). Message numbers below are xs_wire.h's enum values as literals.
import { describe, it, expect } from 'vitest';
import { XenStore } from '../../../src/xen/xenstore/store.ts';
import { XenstoreRingServer, type XsWireTraceEvent } from '../../../src/xen/xenstore/wire.ts';
import { writeInitialTree } from '../../../src/xen/xenstore/initial_tree.ts';
import { GuestRing, frame, dec, REQ_CONS, REQ_PROD, RSP_CONS, RSP_PROD, type Msg } from './guest_ring.ts';

const T = {
  CONTROL: 0,
  DIRECTORY: 1,
  READ: 2,
  GET_PERMS: 3,
  WATCH: 4,
  UNWATCH: 5,
  TRANSACTION_START: 6,
  TRANSACTION_END: 7,
  INTRODUCE: 8,
  RELEASE: 9,
  GET_DOMAIN_PATH: 10,
  WRITE: 11,
  MKDIR: 12,
  RM: 13,
  SET_PERMS: 14,
  WATCH_EVENT: 15,
  ERROR: 16,
  IS_DOMAIN_INTRODUCED: 17,
  RESUME: 18,
  SET_TARGET: 19,
  RESET_WATCHES: 21,
  DIRECTORY_PART: 22,
} as const;

function setup() {
  const store = new XenStore();
  const dom0 = store.connect(0, () => {});
  writeInitialTree(store, dom0, { domid: 1, name: 'guest', vcpus: 1, storeRingRef: 0xfeff9, storePort: 1 });
  const g = new GuestRing();
  const server = new XenstoreRingServer(store, 1, { page: g.page, notify: () => g.notifications++ });
  const wireTrace: XsWireTraceEvent[] = [];
  server.observer = (e) => wireTrace.push(e);
  let reqId = 100;
  /** Sends one request, streaming it through the ring, and returns every message received. */
  const send = (type: number, payload: Uint8Array | string, txId = 0): Msg[] => {
    const bytes = frame(type, ++reqId, txId, payload);
    const got: Msg[] = [];
    let off = 0;
    for (let spins = 0; spins < 100; spins++) {
      off += g.push(bytes.subarray(off));
      server.process();
      g.pull();
      got.push(...g.messages());
      if (off === bytes.length && got.some((m) => m.reqId === reqId)) break;
    }
    server.process();
    g.pull();
    got.push(...g.messages());
    return got;
  };
  const reply = (type: number, payload: Uint8Array | string, txId = 0): { type: number; body: string; msg: Msg } => {
    const msgs = send(type, payload, txId);
    const m = msgs.find((x) => x.reqId === reqId);
    if (!m) throw new Error('no reply');
    return { type: m.type, body: dec(m.payload), msg: m };
  };
  return { store, dom0, g, server, send, reply, wireTrace, lastReqId: () => reqId };
}

describe('xs_wire requests', () => {
  it('READ, WRITE, MKDIR, RM, DIRECTORY with relative paths, as GRUB and Linux send them', () => {
    const { reply } = setup();
    expect(reply(T.READ, 'domid\0')).toMatchObject({ type: T.READ, body: '1' });
    expect(reply(T.WRITE, 'device/vbd/51712/state\x004')).toMatchObject({ type: T.WRITE, body: 'OK\0' });
    expect(reply(T.READ, 'device/vbd/51712/state\0').body).toBe('4');
    expect(reply(T.MKDIR, 'device/vif\0').body).toBe('OK\0');
    expect(reply(T.MKDIR, 'device/vif\0').body).toBe('OK\0');
    expect(reply(T.DIRECTORY, 'device\0').body).toBe('vbd\0vif\0');
    expect(reply(T.RM, 'device/vif\0').body).toBe('OK\0');
    expect(reply(T.DIRECTORY, 'device\0').body).toBe('vbd\0');
    // "XS_WRITE with an empty value is used to blank nodes" (GRUB).
    expect(reply(T.WRITE, 'device/vbd/51712/state\0').body).toBe('OK\0');
    expect(reply(T.READ, 'device/vbd/51712/state\0').body).toBe('');
  });

  it('replies echo req_id and tx_id; errors are XS_ERROR with the errno name', () => {
    const { reply, lastReqId } = setup();
    const r = reply(T.READ, 'nonexistent\0');
    expect(r).toMatchObject({ type: T.ERROR, body: 'ENOENT\0' });
    expect(r.msg.reqId).toBe(lastReqId());
    expect(r.msg.txId).toBe(0);
    expect(reply(T.READ, '/local/domain/0\0').body).toBe('EACCES\0');
    expect(reply(T.WRITE, 'name\0evil').body).toBe('EACCES\0');
    expect(reply(T.WRITE, 'newnode\0x').body).toBe('EACCES\0');
  });

  it('GET_PERMS and SET_PERMS use the n/r/w/b<domid> strings', () => {
    const { reply } = setup();
    expect(reply(T.GET_PERMS, 'domid\0').body).toBe('n0\0r1\0');
    reply(T.WRITE, 'data/p\0v');
    expect(reply(T.SET_PERMS, 'data/p\0n1\0r0\0').body).toBe('OK\0');
    expect(reply(T.GET_PERMS, 'data/p\0').body).toBe('n1\0r0\0');
    expect(reply(T.SET_PERMS, 'data/p\0').body).toBe('EINVAL\0');
    expect(reply(T.SET_PERMS, 'data/p\0q1\0').body).toBe('EINVAL\0');
  });

  it('DIRECTORY_PART takes <path>|<offset> and returns <gencnt>|children…|', () => {
    const { reply } = setup();
    const r = reply(T.DIRECTORY_PART, 'control\x000\0');
    const fields = r.body.split('\0');
    expect(fields[0]).toMatch(/^\d+$/);
    expect(fields.slice(1, 3)).toEqual(['platform-feature-xs_reset_watches', 'platform-feature-multiprocessor-suspend']);
    expect(r.body.endsWith('\0\0')).toBe(true);
    expect(reply(T.DIRECTORY_PART, 'control\0').body).toBe('EINVAL\0');
    expect(reply(T.DIRECTORY_PART, 'control\0x\0').body).toBe('EINVAL\0');
  });

  it('WATCH replies OK, then sends the initial WATCH_EVENT with req_id 0 and tx_id 0', () => {
    const { send, lastReqId } = setup();
    const msgs = send(T.WATCH, 'device\0tok\0');
    expect(msgs.map((m) => m.type)).toEqual([T.WATCH, T.WATCH_EVENT]);
    expect(msgs[0]!.reqId).toBe(lastReqId());
    expect(msgs[1]).toMatchObject({ reqId: 0, txId: 0 });
    expect(dec(msgs[1]!.payload)).toBe('device\0tok\0');
  });

  it('a change by dom0 reaches the guest as a WATCH_EVENT with the relative path, and notifies', () => {
    const { store, dom0, g, send } = setup();
    send(T.WATCH, 'device\0fe\0');
    const before = g.notifications;
    store.write(dom0, 0, '/local/domain/1/device/vbd/51712/state', '1');
    g.pull();
    const ev = g.messages();
    expect(ev).toHaveLength(1);
    expect(dec(ev[0]!.payload)).toBe('device/vbd/51712/state\0fe\0');
    expect(g.notifications).toBeGreaterThan(before);
  });

  it('a dom0 change pushes the event out at once but leaves pending guest requests for process()', () => {
    const { store, dom0, g, server, send } = setup();
    send(T.WATCH, 'device\0fe\0');
    g.push(frame(T.READ, 77, 0, 'domid\0'));
    store.write(dom0, 0, '/local/domain/1/device/x', '1');
    g.pull();
    expect(g.messages().map((m) => m.type)).toEqual([T.WATCH_EVENT]);
    server.process();
    g.pull();
    expect(g.messages().map((m) => m.reqId)).toEqual([77]);
  });

  it('a backend that writes from its watch callback (a XenBus handshake) sees a consistent store', () => {
    const { store, send, reply } = setup();
    // The backend: when the frontend says Initialised (3), answer Connected (4), as blkback does.
    store.write(store.connect(0, () => {}), 0, '/local/domain/0/backend/vbd/1/51712/state', '2');
    const be = store.connect(0, (path) => {
      if (path === '/local/domain/1/device/vbd/51712/state' && store.tryRead(be, 0, path) === '3') {
        store.write(be, 0, '/local/domain/0/backend/vbd/1/51712/state', '4');
      }
    });
    store.watch(be, '/local/domain/1/device/vbd', 'be');
    store.setPerms(be, 0, '/local/domain/0/backend/vbd/1/51712/state', ['n0', 'r1']);
    send(T.WATCH, '/local/domain/0/backend/vbd/1/51712/state\0fe\0');
    const msgs = send(T.WRITE, 'device/vbd/51712/state\x003');
    expect(msgs.filter((m) => m.type === T.WATCH_EVENT).map((m) => dec(m.payload))).toEqual(['/local/domain/0/backend/vbd/1/51712/state\0fe\0']);
    expect(reply(T.READ, '/local/domain/0/backend/vbd/1/51712/state\0').body).toBe('4');
  });

  it('UNWATCH and RESET_WATCHES', () => {
    const { reply } = setup();
    reply(T.WATCH, 'data\0a\0');
    expect(reply(T.UNWATCH, 'data\0a\0').body).toBe('OK\0');
    expect(reply(T.UNWATCH, 'data\0a\0').body).toBe('ENOENT\0');
    expect(reply(T.WATCH, 'data\0too-few-args').body).toBe('EINVAL\0');
    expect(reply(T.RESET_WATCHES, '\0').body).toBe('OK\0');
  });

  it('transactions: START returns the id, operations carry it, END T commits and END F aborts', () => {
    const { reply } = setup();
    const id = Number(reply(T.TRANSACTION_START, '\0').body.replace('\0', ''));
    expect(id).toBeGreaterThan(0);
    const w = reply(T.WRITE, 'data/tx\0v', id);
    expect(w.body).toBe('OK\0');
    expect(w.msg.txId).toBe(id);
    expect(reply(T.READ, 'data/tx\0').body).toBe('ENOENT\0');
    expect(reply(T.TRANSACTION_END, 'T\0', id).body).toBe('OK\0');
    expect(reply(T.READ, 'data/tx\0').body).toBe('v');
    expect(reply(T.READ, 'data/tx\0', id).body).toBe('ENOENT\0');
    const id2 = Number(reply(T.TRANSACTION_START, '\0').body.replace('\0', ''));
    expect(reply(T.TRANSACTION_START, '\0', id2).body).toBe('EBUSY\0');
    expect(reply(T.TRANSACTION_END, 'X\0', id2).body).toBe('EINVAL\0');
    expect(reply(T.TRANSACTION_END, 'F\0', id2).body).toBe('OK\0');
    expect(reply(T.TRANSACTION_END, 'T\0').body).toBe('ENOENT\0');
  });

  it('a conflicting commit is EAGAIN on the wire', () => {
    const { store, dom0, reply } = setup();
    const id = Number(reply(T.TRANSACTION_START, '\0').body.replace('\0', ''));
    reply(T.READ, 'control/shutdown\0', id);
    store.write(dom0, 0, '/local/domain/1/control/shutdown', 'poweroff');
    expect(reply(T.TRANSACTION_END, 'T\0', id).body).toBe('EAGAIN\0');
  });

  it('GET_DOMAIN_PATH', () => {
    const { reply } = setup();
    expect(reply(T.GET_DOMAIN_PATH, '1\0').body).toBe('/local/domain/1\0');
    expect(reply(T.GET_DOMAIN_PATH, 'one\0').body).toBe('EINVAL\0');
  });

  it.each([
    ['CONTROL', T.CONTROL, 'print\0hi\0'],
    ['IS_DOMAIN_INTRODUCED', T.IS_DOMAIN_INTRODUCED, '1\0'],
    ['INTRODUCE', T.INTRODUCE, '2\x00123\x001\0'],
    ['RELEASE', T.RELEASE, '1\0'],
    ['RESUME', T.RESUME, '1\0'],
    ['SET_TARGET', T.SET_TARGET, '2\x001\0'],
  ])('the toolstack-only %s is refused with EACCES', (_n, type, payload) => {
    const { reply } = setup();
    expect(reply(type, payload).body).toBe('EACCES\0');
  });

  it.each([
    ['WATCH_EVENT', T.WATCH_EVENT],
    ['ERROR', T.ERROR],
    ['removed RESTRICT (20)', 20],
    ['beyond XS_TYPE_COUNT', 23],
    ['XS_INVALID', 0xffff],
  ])('the type %s from a guest is ENOSYS', (_n, type) => {
    const { reply } = setup();
    expect(reply(type, 'x\0').body).toBe('ENOSYS\0');
  });

  it.each([
    ['no NUL', 'domid'],
    ['two strings', 'domid\0x\0'],
    ['empty', ''],
  ])('a one-argument request with %s is EINVAL', (_n, payload) => {
    const { reply } = setup();
    expect(reply(T.READ, payload).body).toBe('EINVAL\0');
  });
});

describe('xs_wire ring transport', () => {
  it('streams a 4000-byte value through the 1 KiB rings in both directions', () => {
    const { reply } = setup();
    const big = Array.from({ length: 2000 }, (_, i) => String.fromCharCode(65 + (i % 26))).join('');
    expect(reply(T.WRITE, `data/big\0${big}`).body).toBe('OK\0');
    expect(reply(T.READ, 'data/big\0').body).toBe(big);
  });

  it('accepts a request delivered one byte at a time, then notifies once per call that moved data', () => {
    const { g, server } = setup();
    const bytes = frame(T.READ, 7, 0, 'domid\0');
    for (const b of bytes) {
      g.push(Uint8Array.of(b));
      server.process();
    }
    g.pull();
    const [m] = g.messages();
    expect(m).toMatchObject({ type: T.READ, reqId: 7 });
    expect(dec(m!.payload)).toBe('1');
    expect(g.notifications).toBe(bytes.length);
    server.process();
    expect(g.notifications).toBe(bytes.length);
  });

  it('indices wrap around 2^32', () => {
    const { g, server } = setup();
    for (const off of [REQ_CONS, REQ_PROD, RSP_CONS, RSP_PROD]) g.set(off, 0xfffffff0);
    g.push(frame(T.READ, 9, 0, 'domid\0'));
    server.process();
    g.pull();
    expect(dec(g.messages()[0]!.payload)).toBe('1');
    expect(g.get(RSP_PROD)).toBeLessThan(0x100);
  });

  it('a payload longer than XENSTORE_PAYLOAD_MAX is fatal for the connection', () => {
    const { g, server, wireTrace } = setup();
    const hdr = frame(T.WRITE, 1, 0, '');
    new DataView(hdr.buffer).setUint32(12, 4097, true);
    g.push(hdr);
    server.process();
    expect(server.fatal).toMatch(/payload length 4097/);
    expect(wireTrace.at(-1)?.name).toBe('xenstore_fatal');
    g.push(frame(T.READ, 2, 0, 'domid\0'));
    server.process();
    g.pull();
    expect(g.messages()).toEqual([]);
  });

  it('request indices further apart than the ring are fatal', () => {
    const { g, server } = setup();
    g.set(REQ_PROD, 2000);
    server.process();
    expect(server.fatal).toMatch(/request ring indices/);
  });

  it('stops reading requests while the guest leaves replies unread', () => {
    const { g, server } = setup();
    reqLoop: for (let i = 0; i < 200; i++) {
      if (g.push(frame(T.READ, i, 0, 'name\0')) === 0) break reqLoop;
      server.process();
    }
    // The response ring is full and nobody reads it; the request ring fills up too.
    const used = (g.get(RSP_PROD) - g.get(RSP_CONS)) >>> 0;
    expect(used).toBe(1024);
    const reqUsed = (g.get(REQ_PROD) - g.get(REQ_CONS)) >>> 0;
    expect(reqUsed).toBeGreaterThan(0);
    // Once the guest drains, everything gets answered in order.
    const ids: number[] = [];
    for (let i = 0; i < 100; i++) {
      g.pull();
      ids.push(...g.messages().map((m) => m.reqId));
      server.process();
    }
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(ids.length).toBeGreaterThan(30);
  });
});

/** xorshift32: a seeded generator, so a failure reproduces. */
function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

describe('xs_wire fuzz', () => {
  it('malformed ring traffic never throws, and a fresh ring still works afterwards', () => {
    const rnd = prng(0x5eed);
    const words = ['', 'device', 'data', 'data/x', '/', '/local/domain/1', '@releaseDomain', 'a//b', 'T', 'F', 'n1', 'r0', '0', '4096', '..'];
    let replies = 0;
    let fatalRounds = 0;
    const ROUNDS = 150;
    for (let round = 0; round < ROUNDS; round++) {
      const { store, dom0, g, server } = setup();
      // Half the rounds never corrupt the framing, so they exercise the request handlers at length.
      const framingOnly = round % 2 === 0;
      for (let step = 0; step < 60; step++) {
        let r = rnd() % 10;
        if (framingOnly && (r === 5 || r === 6 || r === 7)) r = 0;
        if (r < 5) {
          // A message with a random type and a payload built from random words and NULs.
          let payload = '';
          const parts = rnd() % 4;
          for (let i = 0; i < parts; i++) payload += words[rnd() % words.length] + (rnd() % 4 ? '\0' : '');
          const type = rnd() % 3 === 0 ? rnd() % 0x10000 : rnd() % 24;
          const txId = rnd() % 4 === 0 ? rnd() % 5 : 0;
          g.push(frame(type, rnd(), txId, payload));
        } else if (r < 7) {
          // Raw garbage bytes.
          const n = rnd() % 64;
          g.push(Uint8Array.from({ length: n }, () => rnd() & 0xff));
        } else if (r < 8) {
          // Corrupt an index.
          const which = [REQ_CONS, REQ_PROD, RSP_CONS, RSP_PROD][rnd() % 4]!;
          g.set(which, rnd() % 3 === 0 ? rnd() : g.get(which) + (rnd() % 2048) - 1024);
        } else if (r < 9) {
          store.write(dom0, 0, `/local/domain/1/data/k${rnd() % 5}`, 'v');
        } else {
          g.pull();
          replies += g.messages().length;
        }
        expect(() => server.process()).not.toThrow();
      }
      if (server.fatal) fatalRounds++;
    }
    // The generator reached both the handlers and the fatal paths.
    expect(replies).toBeGreaterThan(500);
    expect(fatalRounds).toBeGreaterThan(10);
    expect(fatalRounds).toBeLessThan(ROUNDS);
    const { reply } = setup();
    expect(reply(T.READ, 'domid\0').body).toBe('1');
  });
});
