// Worker entry: the machine service exposed with comlink. Host facilities are bound here and
// nowhere else: fetch, the wall clock (RTC base and pacing), and the event loop (MessageChannel
// for "as soon as possible", which setTimeout(0) would clamp to 4 ms after a few nestings).
import { expose } from 'comlink';
import { IdbChunkStore } from '../storage/idb_chunk_store.ts';
import { MemoryChunkStore } from '../storage/chunk_store.ts';
import { MachineService } from './machine_service.ts';
import type { Scheduler } from './run_loop.ts';

function workerScheduler(): Scheduler {
  const queue: Array<() => void> = [];
  const channel = new MessageChannel();
  channel.port1.onmessage = () => {
    const fn = queue.shift();
    fn?.();
  };
  return {
    now: () => performance.now(),
    soon: (fn) => {
      queue.push(fn);
      channel.port2.postMessage(0);
    },
    after: (ms, fn) => {
      const t = setTimeout(fn, ms);
      return () => clearTimeout(t);
    },
  };
}

// Images are cached in IndexedDB; where it does not exist (some private modes), in memory only.
const imageStore = typeof indexedDB === 'undefined' ? new MemoryChunkStore() : IdbChunkStore.open();

const service = new MachineService({
  fetch: (input, init) => fetch(input, init),
  imageStore,
  baseUrl: self.location.href, // the page sends absolute image URLs; this is a fallback
  epochMs: () => Date.now(),
  tzOffsetMinutes: () => new Date().getTimezoneOffset(),
  sched: workerScheduler(),
});

expose(service);
