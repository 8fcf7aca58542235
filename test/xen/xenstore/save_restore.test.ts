// Save/restore (DESIGN.md invariant 8): a session cut at any point, saved to JSON, restored into a
// fresh store and fresh ring servers over a copy of the pages, continues exactly as if it had never
// been interrupted: same replies, same watch events, same ring bytes.
import { describe, it, expect } from 'vitest';
import { XenStore, type XenStoreState } from '../../../src/xen/xenstore/store.ts';
import { XenstoreRingServer, type XsRingServerState } from '../../../src/xen/xenstore/wire.ts';
import { writeInitialTree } from '../../../src/xen/xenstore/initial_tree.ts';
import { GuestRing, frame, dec } from './guest_ring.ts';

function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>>= 0);
  };
}

/** Random well-formed requests from domain 1 (index 0) and dom0 (index 1), split into byte chunks. */
function script(seed: number, n: number): Array<{ who: 0 | 1; bytes: Uint8Array; pull: boolean }> {
  const rnd = prng(seed);
  const pick = <T,>(a: readonly T[]): T => a[rnd() % a.length]!;
  const paths = ['data', 'data/a', 'data/a/b', 'device/vbd/0/state', 'control/shutdown', 'name', '/local/domain/1/data/c'];
  const out: Array<{ who: 0 | 1; bytes: Uint8Array; pull: boolean }> = [];
  let tx = 0;
  for (let i = 0; i < n; i++) {
    const who = rnd() % 4 === 0 ? 1 : 0;
    const p = who === 1 ? `/local/domain/1/${pick(paths).replace('/local/domain/1/', '')}` : pick(paths);
    const r = rnd() % 10;
    let type: number;
    let payload: string;
    if (r < 3) [type, payload] = [11, `${p}\0${'v'.repeat(rnd() % 1500)}`];
    else if (r < 5) [type, payload] = [2, `${p}\0`];
    else if (r < 6) [type, payload] = [4, `${p}\0t${rnd() % 3}\0`];
    else if (r < 7) [type, payload] = [13, `${p}\0`];
    else if (r < 8) [type, payload] = [1, `${p}\0`];
    else if (r < 9) [type, payload] = [6, '\0'];
    else [type, payload] = [7, 'T\0'];
    const txId = who === 0 && (type === 7 || (tx && rnd() % 2)) ? tx : 0;
    out.push({ who, bytes: frame(type, i + 1, txId, payload), pull: rnd() % 3 !== 0 });
    if (type === 6 && who === 0) tx = 1 + (rnd() % 2);
  }
  return out;
}

interface World {
  store: XenStore;
  rings: [GuestRing, GuestRing];
  servers: [XenstoreRingServer, XenstoreRingServer];
  /** Request bytes each guest has not pushed yet (guest memory, so it survives the cut). */
  carry: [number[], number[]];
}

function fresh(): World {
  const store = new XenStore();
  writeInitialTree(store, store.connect(0, () => {}), { domid: 1, name: 'g', vcpus: 1, storeRingRef: 1, storePort: 1 });
  const rings: [GuestRing, GuestRing] = [new GuestRing(), new GuestRing()];
  const servers: [XenstoreRingServer, XenstoreRingServer] = [
    new XenstoreRingServer(store, 1, { page: rings[0].page, notify: () => {} }),
    new XenstoreRingServer(store, 0, { page: rings[1].page, notify: () => {} }),
  ];
  return { store, rings, servers, carry: [[], []] };
}

/** Runs steps [from, to), pushing request bytes in pieces; returns what each side received. */
function run(w: World, steps: ReturnType<typeof script>, from: number, to: number, log: string[]): void {
  for (let i = from; i < to; i++) {
    const s = steps[i]!;
    const g = w.rings[s.who];
    // Push only part of what is pending: the rest waits for this side's next step, so cuts fall
    // inside messages.
    const pending = Uint8Array.from([...w.carry[s.who], ...s.bytes]);
    const n = g.push(pending.subarray(0, Math.max(1, Math.floor(pending.length * 0.7))));
    w.carry[s.who] = Array.from(pending.subarray(n));
    w.servers[s.who].process();
    if (s.pull) {
      g.pull();
      for (const m of g.messages()) log.push(`${i} ${s.who}: ${m.type} ${m.reqId} ${m.txId} ${JSON.stringify(dec(m.payload))}`);
    }
  }
}

function snapshot(w: World): string {
  return JSON.stringify({
    store: w.store.saveState(),
    servers: w.servers.map((s) => s.saveState()),
    pages: w.rings.map((r) => Array.from(r.page)),
    rx: w.rings.map((r) => r.rx),
    carry: w.carry,
  });
}

function restore(json: string): World {
  const st = JSON.parse(json) as { store: XenStoreState; servers: XsRingServerState[]; pages: number[][]; rx: number[][]; carry: [number[], number[]] };
  const store = new XenStore();
  store.loadState(st.store);
  const rings: [GuestRing, GuestRing] = [new GuestRing(), new GuestRing()];
  rings.forEach((r, i) => {
    r.page.set(st.pages[i]!);
    r.rx = st.rx[i]!;
  });
  const servers: [XenstoreRingServer, XenstoreRingServer] = [
    new XenstoreRingServer(store, 1, { page: rings[0].page, notify: () => {} }),
    new XenstoreRingServer(store, 0, { page: rings[1].page, notify: () => {} }),
  ];
  servers.forEach((s, i) => s.loadState(st.servers[i]!));
  return { store, rings, servers, carry: st.carry };
}

describe('xenstore save/restore', () => {
  it.each([1, 2, 3, 4])('a session cut and restored at random points continues identically (seed %i)', (seed) => {
    const steps = script(seed, 300);
    const whole: string[] = [];
    const a = fresh();
    run(a, steps, 0, steps.length, whole);

    const cut: string[] = [];
    let w = fresh();
    const rnd = prng(seed * 7919);
    let at = 0;
    while (at < steps.length) {
      const next = Math.min(steps.length, at + 1 + (rnd() % 60));
      run(w, steps, at, next, cut);
      w = restore(snapshot(w));
      at = next;
    }
    expect(cut).toEqual(whole);
    expect(cut.length).toBeGreaterThan(200);
    expect(snapshot(w)).toBe(snapshot(a));
  });
});
