// The worker's side of the protocol (WorkerControl): builds the machine from a MachineSpec,
// runs it through the RunLoop, queues typed input into the guest's UART at slice boundaries
// (recording each delivery with its instruction count), and streams console bytes, trace
// events and status through a FrameBatcher. Host facilities come in through ServiceHost, so
// the whole service runs under Node in tests exactly as it runs in the worker.
import { checkMachineConfig } from '../machine/config.ts';
import type { StopReason } from '../machine/machine.ts';
import * as xenAbi from '../xen/abi/xen.ts';
import type { XenTraceEvent } from '../xen/trace_events.ts';
import { assembleMachine, rtcEpochSeconds, UnsupportedMachine, unsupportedReason, type AssembledMachine } from './assemble.ts';
import { FrameBatcher } from './frame_batcher.ts';
import pkg from '../../package.json' with { type: 'json' };
import type { BlockDevice } from '../machine/block_device.ts';
import type { DriveConfig } from '../machine/config.ts';
import { openBrowserDisk } from '../storage/browser_disk.ts';
import { MemoryChunkStore, type ChunkStore } from '../storage/chunk_store.ts';
import { CowOverlay } from '../storage/cow_overlay.ts';
import { downloadImage, importImageBlob } from '../storage/image_download.ts';
import type {
  DiskInfo,
  Fingerprint,
  ImageRef,
  InputEvent,
  InputStep,
  MachineConfig,
  MachineInfo,
  MachineSpec,
  ProgressMessage,
  ReplayLog,
  RunState,
  Status,
  StreamMessage,
  TraceEvent,
  TraceFilter,
  WorkerControl,
} from './protocol.ts';
import { PROTOCOL_VERSION, STATUS_MS } from './protocol.ts';
import { base64urlDecode, base64urlEncode, decodeShareLink, encodeShareLink, SHARE_LINK_VERSION, type ShareLink } from './share_link.ts';
import { RunLoop, type LoopState, type Runnable, type Scheduler } from './run_loop.ts';
import { FNV_OFFSET, fnv1a, fnv1aString, hex8, Replayer } from './replay.ts';
import { gridBudget, runOnGrid } from './slice_grid.ts';

export interface ServiceHost {
  fetch: typeof fetch;
  /** The image cache: IndexedDB in the browser (src/storage), a memory store in tests. */
  imageStore: ChunkStore;
  /** Images' URLs are relative to this (the page's URL). */
  baseUrl: string;
  /** Wall clock for `-rtc base=utc|localtime`: epoch ms and the time-zone offset in minutes. */
  epochMs(): number;
  tzOffsetMinutes(): number;
  sched: Scheduler;
}

/** Refuse a malformed image reference before anything is downloaded. */
export function checkImageRef(img: ImageRef): string | null {
  if (typeof img !== 'object' || img === null) return 'an image entry is not an object';
  if (typeof img.name !== 'string' || img.name === '') return 'an image has no name';
  if (typeof img.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(img.sha256)) return `image ${img.name}: sha256 must be 64 lower-case hex digits`;
  if (!Number.isSafeInteger(img.size) || img.size < 0 || img.size > MAX_IMAGE_BYTES) return `image ${img.name}: bad size`;
  if (typeof img.url !== 'string') return `image ${img.name}: url must be a string`;
  return null;
}

/** Kernels and modules are copied into guest RAM (3.5 GiB at most). */
export const MAX_IMAGE_BYTES = 2 ** 32;

/**
 * The overlay's name in the store: machine name, drive id and the base image's hash (so a link
 * with another image under the same names gets its own overlay), in the characters it allows.
 */
function overlayId(spec: MachineSpec, drive: DriveConfig, sha256: string): string {
  const name = `${spec.config.name ?? 'machine'}.${drive.id}`.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 48);
  return `${name}.${sha256.slice(0, 12)}`;
}

/** A dropped disk image may be this large (the overlay is chunked; the base stays in IndexedDB). */
export const MAX_DISK_BYTES = 2 ** 36;

/** A link carries at most this many input steps (share_link.ts). */
const MAX_LINK_STEPS = 256;
/** Output kept to match an input step's `after` text. */
const TAIL_BYTES = 4096;

/** Typed input waiting for room in the guest's UART, per console, at most this many bytes. */
export const INPUT_QUEUE_MAX = 1 << 20;

export class MachineService implements WorkerControl {
  private port: MessagePort | null = null;
  private readonly batcher: FrameBatcher;
  private spec: MachineSpec | null = null;
  private bytes = new Map<string, Uint8Array>();
  /** Open disks by drive id; they outlive a guest reboot and close with the machine. */
  private drives = new Map<string, BlockDevice>();
  private asm: AssembledMachine | null = null;
  private loop: RunLoop | null = null;
  private state: RunState = 'empty';
  private message: string | null = null;
  private exitStatus: number | null = null;
  private internalError: unknown = null;
  private readonly inputQueues = new Map<string, number[]>();
  private log: InputEvent[] = [];
  private busyMs = 0;
  private window = { at: 0, instructions: 0, busyMs: 0, mips: 0, hypercalls: 0, evtchn: 0, hypercallRate: 0, evtchnRate: 0 };
  /** Totals since boot, counted from the Xen layer's trace events. */
  private hypercalls = 0;
  private evtchnSends = 0;
  private traceSeq = 0;
  private filter: TraceFilter = { enabled: false, match: '', pauseOn: null };
  private generation = 0;
  /** Input steps still to type (a share link's script), and the output they wait for. */
  private script: InputStep[] = [];
  private readonly tail = new Uint8Array(TAIL_BYTES);
  private tailLen = 0;
  /** The recorded run being replayed (a share link's), until it ends or diverges. */
  private replayer: Replayer | null = null;
  /** A pause on a hypercall ended the current slice early: record it after the slice. */
  private cutPending = false;
  /** How the replay ended, shown while the machine runs on. */
  private replayNote: string | null = null;
  /** Whether this boot is the one `create` made (a recording from a later boot cannot be replayed from the images). */
  private firstBoot = false;
  /** The RTC epoch this boot used (recorded in links). */
  private epochSeconds = 0;
  private outputHash = FNV_OFFSET;
  private traceHash = FNV_OFFSET;

  constructor(private readonly host: ServiceHost) {
    this.batcher = new FrameBatcher((msg, transfer) => this.port?.postMessage(msg, transfer), () => host.sched.now());
  }

  hello(): { protocol: number } {
    return { protocol: PROTOCOL_VERSION };
  }

  connect(port: MessagePort): void {
    this.port = port;
  }

  whyNot(config: MachineConfig): string | null {
    const problems = checkMachineConfig(config);
    return problems.length > 0 ? `not a valid machine config: ${problems[0]}` : unsupportedReason(config);
  }

  async create(spec: MachineSpec): Promise<MachineInfo> {
    const problems = checkMachineConfig(spec.config);
    for (const img of spec.images ?? []) {
      const bad = checkImageRef(img);
      if (bad) problems.push(bad);
    }
    const input: unknown = spec.input;
    if (input !== undefined && (!Array.isArray(input) || !input.every((s) => typeof s?.send === 'string' && (typeof s.after === 'string' || Number.isSafeInteger(s.after))))) {
      problems.push('input: expected steps of { after: text or instruction count, send: text }');
    }
    const replay: unknown = spec.replay;
    if (replay !== undefined && !(typeof replay === 'object' && replay !== null && Number.isSafeInteger((replay as ReplayLog).epochSeconds) && Array.isArray((replay as ReplayLog).events))) {
      problems.push('replay: expected { epochSeconds, events, end } (share links make it)');
    }
    if (problems.length > 0) throw new Error(`this machine config is not valid: ${problems.slice(0, 5).join('; ')}`);
    this.dispose();
    this.spec = null; // a failed create leaves nothing that reset() could rebuild
    const gen = ++this.generation;
    const reason = unsupportedReason(spec.config);
    if (reason !== null) {
      this.setState('empty', `This machine cannot run in this build yet: ${reason}.`);
      throw new UnsupportedMachine(reason);
    }
    this.setState('loading', null);
    const wanted = [spec.config.boot.kernel!.resolved, ...spec.config.boot.modules.map((m) => m.file.resolved)];
    const bytes = new Map<string, Uint8Array>();
    try {
      for (const name of wanted) {
        if (bytes.has(name)) continue;
        const img = spec.images.find((i) => i.name === name);
        if (!img) throw new Error(`the config names the image '${name}', which the spec does not list`);
        bytes.set(name, await this.loadImage(img));
      }
    } catch (e) {
      if (gen === this.generation) this.setState('empty', e instanceof Error ? e.message : String(e));
      throw e;
    }
    const drives = new Map<string, BlockDevice>();
    try {
      for (const drive of spec.config.drives) {
        const img = spec.images.find((i) => i.name === drive.file!.resolved);
        if (!img) throw new Error(`the config names the disk image '${drive.file!.resolved}', which the spec does not list`);
        drives.set(drive.id, await this.openDrive(spec, drive, img));
      }
    } catch (e) {
      for (const d of drives.values()) void d.close().catch(() => undefined);
      if (gen === this.generation) this.setState('empty', e instanceof Error ? e.message : String(e));
      throw e;
    }
    if (gen !== this.generation) {
      for (const d of drives.values()) void d.close().catch(() => undefined);
      throw new Error('superseded by another create()');
    }
    this.spec = spec;
    this.bytes = bytes;
    this.drives = drives;
    return this.build(true);
  }

  /**
   * A drive's disk: read-only → the cached image itself; snapshot → a throw-away overlay in
   * memory; otherwise a copy-on-write overlay in the image store (IndexedDB), so the guest's
   * writes survive a reload. The base image is never written (DESIGN.md invariant 5).
   */
  private async openDrive(spec: MachineSpec, drive: DriveConfig, img: ImageRef): Promise<BlockDevice> {
    const image = { name: img.name, sha256: img.sha256, size: img.size };
    const urls = img.url ? [new URL(img.url, this.host.baseUrl).href] : [];
    const opts = { fetch: this.host.fetch, onProgress: (loaded: number, total: number) => this.progress(img.name, loaded, total, false) };
    if (drive.readOnly) return (await downloadImage(this.host.imageStore, image, urls, opts)).disk;
    const diskId = overlayId(spec, drive, img.sha256);
    if (drive.snapshot) {
      const { disk } = await downloadImage(this.host.imageStore, image, urls, opts);
      return CowOverlay.open({ base: disk, baseId: img.sha256, store: new MemoryChunkStore(), diskId, writeCache: true, ownsBase: true });
    }
    // QEMU's cache modes: writethrough and directsync have no write cache, so each write is committed
    // before it completes (GRUB's save_env never flushes); the others complete writes at once and
    // commit them behind the guest's back right away (a worker dies with its tab, taking anything
    // only in memory), and a guest flush waits for that. The status bar counts what is unsaved.
    const writeCache = drive.cache !== 'writethrough' && drive.cache !== 'directsync';
    return openBrowserDisk({ store: this.host.imageStore, image, urls, diskId, writeCache, writeBehind: true, onUnsavedChange: () => this.publish(true), ...opts });
  }

  private progress(image: string, loaded: number, total: number, cached: boolean): void {
    const m: ProgressMessage = { type: 'progress', image, loaded, total, cached };
    this.port?.postMessage(m satisfies StreamMessage);
  }

  /** From the cache, or downloaded, verified and cached (src/storage); the whole image in memory. */
  private async loadImage(img: ImageRef): Promise<Uint8Array> {
    const progress = (loaded: number, total: number, cached: boolean): void => this.progress(img.name, loaded, total, cached);
    const { disk, fromCache } = await downloadImage(this.host.imageStore, { name: img.name, sha256: img.sha256, size: img.size }, [new URL(img.url, this.host.baseUrl).href], {
      fetch: this.host.fetch,
      onProgress: (loaded, total) => progress(loaded, total, false),
    });
    if (fromCache) progress(img.size, img.size, true);
    const buf = new Uint8Array(disk.sectorCount * 512);
    try {
      await disk.read(0, buf);
    } finally {
      await disk.close();
    }
    return buf.subarray(0, img.size);
  }

  /**
   * Assemble from the loaded spec and bytes; the loop starts paused. `first`: the boot `create`
   * asked for, which replays the spec's recording (a reboot or reset starts live).
   */
  private build(first = false): MachineInfo {
    const spec = this.spec!;
    const cfg = spec.config;
    const replay = first ? (spec.replay ?? null) : null;
    this.epochSeconds = replay?.epochSeconds ?? rtcEpochSeconds(cfg.rtc.base, this.host.epochMs(), this.host.tzOffsetMinutes());
    this.outputHash = FNV_OFFSET;
    this.traceHash = FNV_OFFSET;
    let asm: AssembledMachine;
    try {
      asm = assembleMachine(
        cfg,
        { kernel: this.bytes.get(cfg.boot.kernel!.resolved) ?? null, modules: cfg.boot.modules.map((m) => this.bytes.get(m.file.resolved)!), drives: this.drives },
        this.epochSeconds,
        (chardev, b) => {
          this.outputHash = fnv1a(this.outputHash, b);
          this.batcher.consoleByte(chardev, b);
          if (this.script.length > 0) this.tailByte(b);
        },
      );
    } catch (e) {
      this.setState('crashed', e instanceof Error ? e.message : String(e));
      throw e;
    }
    this.asm = asm;
    this.log = [];
    this.firstBoot = first;
    this.replayer = replay ? new Replayer(replay.events, replay.end, () => this.fingerprint()) : null;
    this.replayNote = null;
    this.inputQueues.clear();
    this.script = (spec.input ?? []).slice(0, MAX_LINK_STEPS);
    this.tailLen = 0;
    this.exitStatus = null;
    this.internalError = null;
    this.busyMs = 0;
    this.hypercalls = 0;
    this.evtchnSends = 0;
    this.traceSeq = 0;
    this.window = { at: this.host.sched.now(), instructions: 0, busyMs: 0, mips: 0, hypercalls: 0, evtchn: 0, hypercallRate: 0, evtchnRate: 0 };
    // The status bar counts hypercalls and notifications, so the Xen layer always has a sink;
    // events reach the page only when the trace panel records (observing never changes the guest).
    asm.xen?.trace.attach((ev) => this.xenEvent(ev));
    const m = asm.machine;
    const runnable: Runnable = {
      run: (budget, idle, exact) => {
        try {
          // Slices end on a fixed grid of instruction counts (below), so where they end never
          // depends on how fast the host is. A step due at an instruction count, or a recorded
          // event being replayed, ends the slice exactly there (a boundary the recording had too).
          const now = m.totalInstructions();
          let cap = exact ? budget : gridBudget(now, budget, m.maxSlice);
          for (const due of [this.nextCountStep(), this.replayer?.stopAt() ?? null]) {
            if (due !== null) cap = Math.max(1, Math.min(cap, due - now));
          }
          return runOnGrid(m, cap, idle);
        } catch (e) {
          this.internalError = e; // a bug of ours: stop this machine, keep the worker (invariant 4)
          return 'exception';
        }
      },
      instructions: () => m.totalInstructions(),
      nowNs: () => m.clock.nowNs(),
      nextDeadlineNs: () => m.clock.nextDeadline(),
      skipIdleTo: (ns) => m.skipIdleTo(ns),
    };
    this.loop = new RunLoop(
      runnable,
      this.host.sched,
      {
        beforeSlice: () => {
          this.replayInputs();
          this.runScript();
          this.deliverInput();
        },
        afterSlice: (_r, _n, ms) => {
          this.busyMs += ms;
          if (this.cutPending) this.cut();
          this.runScript();
          // Paused inside the slice (pause on a hypercall): the counts at the stop, now.
          this.publish(this.loop?.state === 'paused');
        },
        inputReady: () => this.inputReady(),
        settle: () => this.settle(),
        stopped: (r) => this.guestStopped(r),
        // A skip that reached the timer deadline is what a replay does by itself (replay.ts).
        idleSkipped: (icount, toNs, toDeadline) => {
          if (!toDeadline) this.log.push({ icount, kind: 'idle', toNs });
        },
        replayIdle: () => this.replayIdle(),
        stateChanged: (s) => this.loopState(s),
      },
      cfg.icount.sleep ? 'wall' : 'skip',
    );
    this.setState('paused', null);
    return { name: cfg.name, consoles: asm.consoles, bootKind: asm.bootKind, traceSource: asm.xen !== null };
  }

  start(): void {
    this.loop?.start();
  }

  /** Pausing also writes back the disks' caches: a paused tab may be closed at any moment. */
  pause(): void {
    this.loop?.pause();
    void this.flushDisks().catch(() => undefined);
  }

  async flushDisks(): Promise<number> {
    // Requests the guest already issued complete first, so their writes are in the caches.
    await this.settle();
    let n = 0;
    const failures: string[] = [];
    for (const [id, d] of this.drives) {
      if (!(d instanceof CowOverlay) || d.unsavedChunks === 0 || !this.keeps(id)) continue;
      const pending = d.unsavedChunks;
      try {
        await d.flush();
        n += pending;
      } catch (e) {
        failures.push(e instanceof Error ? e.message : String(e));
      }
    }
    this.publish(true);
    if (failures.length > 0) throw new Error(`could not save the disks: ${failures.join('; ')}`);
    return n;
  }

  async step(n: number): Promise<Status> {
    if (!Number.isSafeInteger(n) || n < 1) throw new RangeError('step: n must be a positive integer');
    const stopped = this.loop?.step(Math.min(n, 1e9)) ?? null;
    if (stopped !== null) this.cut();
    await this.settle();
    this.publish(true);
    return this.counters();
  }

  disks(): DiskInfo[] {
    const cfg = this.spec?.config;
    if (!cfg) return [];
    const vdevOf = (id: string): string => {
      for (const x of cfg.devices) if (x.driver === 'xen-disk' && x.drive === id) return x.vdev;
      return id;
    };
    return cfg.drives.map((d) => ({
      drive: d.id,
      vdev: vdevOf(d.id),
      image: d.file?.path ?? '',
      bytes: (this.drives.get(d.id)?.sectorCount ?? 0) * 512,
      keep: d.readOnly ? 'read-only' : d.snapshot ? 'snapshot' : 'persistent',
    }));
  }

  async exportDisk(drive: string): Promise<Blob> {
    const dev = this.drives.get(drive);
    if (!(dev instanceof CowOverlay)) throw new Error(`drive ${drive}: only a writable disk can be exported (a read-only one is its image)`);
    await this.settle();
    return dev.exportBlob();
  }

  async importDisk(file: Blob, name: string): Promise<ImageRef> {
    if (!(file instanceof Blob)) throw new Error('importDisk: expected a file');
    if (typeof name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/.test(name)) throw new Error(`importDisk: '${String(name)}' is not an image name`);
    if (file.size === 0) throw new Error(`${name} is empty: a disk needs at least one sector`);
    if (file.size > MAX_DISK_BYTES) throw new Error(`${name} is larger than ${MAX_DISK_BYTES / 2 ** 30} GiB`);
    const spec = await importImageBlob(this.host.imageStore, file, { name, onProgress: (loaded, total) => this.progress(name, loaded, total, false) });
    return { role: 'drive', name, size: spec.size, sha256: spec.sha256, url: '' };
  }

  async resetDisks(): Promise<MachineInfo> {
    if (!this.spec) throw new Error('there is no machine');
    this.loop?.dispose();
    await this.settle();
    for (const dev of this.drives.values()) if (dev instanceof CowOverlay) await dev.reset();
    return this.build(); // a reboot on the fresh disks
  }

  async reset(): Promise<MachineInfo> {
    if (!this.spec) throw new Error('reset: no machine');
    this.loop?.dispose();
    return this.build();
  }

  sendInput(console: string, bytes: Uint8Array): void {
    if (!this.asm?.consoles.some((c) => c.id === console && c.input)) return;
    let q = this.inputQueues.get(console);
    if (!q) this.inputQueues.set(console, (q = []));
    const room = INPUT_QUEUE_MAX - q.length;
    for (let i = 0; i < bytes.length && i < room; i++) q.push(bytes[i]!);
    this.loop?.wake();
  }

  counters(): Status {
    const m = this.asm?.machine;
    return {
      state: this.state,
      message: this.message,
      instructions: m ? m.totalInstructions() : 0,
      virtualNs: m ? m.clock.nowNs() : 0,
      mips: this.window.mips,
      hypercallsPerSec: this.asm?.xen ? this.window.hypercallRate : null,
      evtchnPerSec: this.asm?.xen ? this.window.evtchnRate : null,
      sectorsRead: this.sectors('sectorsRead'),
      sectorsWritten: this.sectors('sectorsWritten'),
      exitStatus: this.exitStatus,
      replay: this.replayer?.state ?? null,
      unsavedChunks: this.unsavedChunks(),
    };
  }

  /** Written chunks held in memory by writeback-cache disks (not yet in browser storage). */
  private unsavedChunks(): number {
    let n = 0;
    for (const [id, d] of this.drives) if (d instanceof CowOverlay && this.keeps(id)) n += d.unsavedChunks;
    return n;
  }

  /** Whether drive `id` keeps its writes in browser storage (not read-only, not a snapshot). */
  private keeps(id: string): boolean {
    const d = this.spec?.config.drives.find((x) => x.id === id);
    return d !== undefined && !d.readOnly && !d.snapshot;
  }

  fingerprint(): Fingerprint {
    const m = this.asm?.machine;
    return { at: m ? m.totalInstructions() : 0, ns: m ? m.clock.nowNs() : 0, output: hex8(this.outputHash), trace: hex8(this.traceHash) };
  }

  private sectors(which: 'sectorsRead' | 'sectorsWritten'): number | null {
    const b = this.asm?.xen?.blockBackends;
    return b && b.length > 0 ? b.reduce((n, x) => n + x.stats[which], 0) : null;
  }

  hypercallNames(): string[] {
    return Object.entries(xenAbi)
      .filter(([k, v]) => k.startsWith('__HYPERVISOR_') && typeof v === 'number' && !k.startsWith('__HYPERVISOR_arch_'))
      .sort((a, b) => (a[1] as number) - (b[1] as number))
      .map(([k]) => k.slice('__HYPERVISOR_'.length));
  }

  setTraceFilter(filter: TraceFilter): void {
    this.filter = { enabled: !!filter.enabled, match: String(filter.match ?? ''), pauseOn: filter.pauseOn ? String(filter.pauseOn) : null };
  }

  /** A Xen trace event: counted for the status bar, and passed on when the panel records. */
  private xenEvent(ev: XenTraceEvent): void {
    this.traceHash = fnv1aString(this.traceHash, `${ev.icount} ${ev.vcpu} ${ev.name} ${JSON.stringify(ev.args)}\n`);
    if (ev.name === 'xen_hypercall') this.hypercalls++;
    else if (ev.name === 'xen_evtchn_send') this.evtchnSends++;
    if (!this.filter.enabled && this.filter.pauseOn === null) return;
    const a = ev.args;
    const isCall = ev.name === 'xen_hypercall';
    const subjectKey = isCall ? 'name' : a['port'] !== undefined ? 'port' : a['path'] !== undefined ? 'path' : a['type'] !== undefined ? 'type' : '';
    const subject = subjectKey === 'port' ? `port ${a['port']}` : subjectKey ? String(a[subjectKey]) : '';
    const args = Object.entries(a)
      .filter(([k]) => k !== subjectKey && k !== 'ret')
      .map(([k, v]) => `${k}=${typeof v === 'number' && !['port', 'vcpu', 'cpl', 'nr'].includes(k) ? `0x${v.toString(16)}` : String(v)}`)
      .join(' ');
    this.traceSink({
      seq: ++this.traceSeq,
      icount: ev.icount,
      vcpu: ev.vcpu,
      layer: ev.layer,
      kind: ev.name,
      name: subject,
      args,
      ret: typeof a['ret'] === 'number' ? a['ret'] : null,
      flowId: ev.flow,
    });
  }

  /** Where trace events enter the stream (DESIGN.md invariant 7); filtering never changes the guest. */
  traceSink(e: TraceEvent): void {
    if (this.filter.pauseOn !== null && e.kind === 'xen_hypercall' && e.name === this.filter.pauseOn) {
      this.message = `paused after hypercall ${e.name}`; // before pause(): the state change carries it
      this.asm?.machine.requestStop('requested');
      this.cutPending = true; // the slice ends after this instruction: recorded there (afterSlice)
      this.loop?.pause();
    }
    if (!this.filter.enabled) return;
    const m = this.filter.match;
    if (m === '' || e.kind.includes(m) || e.name.includes(m)) this.batcher.traceEvent(e);
  }

  inputLog(): InputEvent[] {
    return this.log.slice();
  }

  /**
   * A link that reproduces this run: the config, the images, the RTC epoch, every recorded input
   * and idle period, and the fingerprint now, which the replay checks itself against.
   */
  async makeLink(): Promise<string> {
    const spec = this.spec;
    if (!spec || !this.asm) throw new Error('there is no machine to link to');
    const link: ShareLink = {
      v: SHARE_LINK_VERSION,
      emu: pkg.version,
      machine: spec.config,
      images: spec.images.map((i) => ({ role: i.role, name: i.name, sha256: i.sha256, size: i.size, urls: i.url ? [i.url] : [] })),
    };
    // After a reboot or reset the recording no longer starts from the images as they were at boot.
    if (this.firstBoot) {
      link.replay = {
        epoch: this.epochSeconds,
        events: this.log.map((e) =>
          e.kind === 'input' ? { at: e.icount, ns: e.ns, console: e.console, input: base64urlEncode(Uint8Array.from(e.bytes)) } : e.kind === 'idle' ? { at: e.icount, idle: e.toNs } : { at: e.icount, cut: true as const },
        ),
        end: this.fingerprint(),
      };
    }
    return encodeShareLink(link);
  }

  async openLink(fragment: string): Promise<MachineSpec> {
    const link = await decodeShareLink(String(fragment));
    const spec: MachineSpec = {
      config: link.machine,
      images: link.images.map((i) => ({ role: i.role, name: i.name, sha256: i.sha256, size: i.size, url: i.urls[0] ?? '' })),
    };
    if (link.input) spec.input = link.input;
    if (link.replay) {
      const r = link.replay;
      spec.replay = {
        epochSeconds: r.epoch,
        events: r.events.map((e): InputEvent => ('input' in e ? { icount: e.at, kind: 'input', console: e.console, bytes: [...base64urlDecode(e.input)], ns: e.ns } : 'cut' in e ? { icount: e.at, kind: 'cut' } : { icount: e.at, kind: 'idle', toNs: e.idle })),
        end: r.end,
      };
      // The recording started from the disks' images: so does the replay, on throw-away copies
      // (this browser's own changes to the same demo's disks stay where they are).
      spec.config = { ...link.machine, drives: link.machine.drives.map((d) => (d.readOnly ? d : { ...d, snapshot: true })) };
    }
    return spec;
  }

  /** Stop the current machine for good. */
  dispose(): void {
    this.loop?.dispose();
    this.loop = null;
    const xen = this.asm?.xen;
    const drives = [...this.drives.values()];
    this.drives = new Map();
    this.asm = null;
    // Writes the guest was answered for are committed before the disks close.
    void (async () => {
      await xen?.settleIo().catch(() => undefined);
      for (const d of drives) await d.close().catch(() => undefined);
    })();
  }

  private tailByte(b: number): void {
    if (this.tailLen === TAIL_BYTES) {
      this.tail.copyWithin(0, TAIL_BYTES / 2);
      this.tailLen = TAIL_BYTES / 2;
    }
    this.tail[this.tailLen++] = b;
  }

  private nextCountStep(): number | null {
    const s = this.script[0];
    return s !== undefined && typeof s.after === 'number' ? s.after : null;
  }

  /** Type the script's steps that are due: at their instruction count, or once their text appeared. */
  private runScript(): void {
    const asm = this.asm;
    if (!asm || this.script.length === 0) return;
    const primary = asm.consoles.find((c) => c.input)?.id;
    while (this.script.length > 0) {
      const s = this.script[0]!;
      if (typeof s.after === 'number') {
        if (asm.machine.totalInstructions() < s.after) return;
      } else {
        const seen = new TextDecoder().decode(this.tail.subarray(0, this.tailLen));
        const at = seen.indexOf(s.after);
        if (at < 0) return;
        this.tailLen = 0; // output before the match cannot satisfy a later step
      }
      this.script.shift();
      if (primary !== undefined) this.sendInput(primary, new TextEncoder().encode(s.send));
    }
  }

  /** Disk I/O the guest is waiting for: completes before the next slice (blkback.ts). */
  private settle(): Promise<void> | null {
    const xen = this.asm?.xen;
    if (!xen || !xen.ioPending()) return null;
    return xen.settleIo().catch((e: unknown) => {
      this.internalError = e;
      this.loop?.dispose();
      this.guestStopped('exception');
    });
  }

  private inputReady(): boolean {
    const asm = this.asm;
    if (!asm) return false;
    for (const [console, q] of this.inputQueues) if (q.length > 0 && asm.inputSpace(console) > 0) return true;
    return false;
  }

  /** The debugger ended a slice off the grid: recorded, so a replay ends one there too (replay.ts). */
  private cut(): void {
    this.cutPending = false;
    const m = this.asm?.machine;
    if (!m || this.replayer?.active) return;
    const at = m.totalInstructions();
    const last = this.log.at(-1);
    if (at % m.maxSlice !== 0 && !(last?.kind === 'cut' && last.icount === at)) this.log.push({ icount: at, kind: 'cut' });
  }

  /** Replaying: give the guest the bytes recorded for this instruction count. */
  private replayInputs(): void {
    const r = this.replayer;
    const asm = this.asm;
    if (!r?.active || !asm) return;
    const m = asm.machine;
    for (const e of r.inputsDue(m.totalInstructions(), m.clock.nowNs())) {
      this.log.push(e);
      if (e.kind === 'cut') continue;
      const accepted = asm.input(e.console, Uint8Array.from(e.bytes));
      if (accepted !== e.bytes.length) r.diverge(`the guest took ${accepted} of ${e.bytes.length} recorded bytes at instruction ${e.icount}`);
    }
    if (!r.active) this.replayEnded();
  }

  /** Replaying: the guest idles; what the recording did next (replay.ts). */
  private replayIdle(): number | 'run' | null {
    const r = this.replayer;
    const m = this.asm?.machine;
    if (!r?.active || !m) return null;
    const next = r.onIdle(m.totalInstructions(), m.clock.nowNs(), m.clock.nextDeadline());
    if (!r.active) this.replayEnded();
    if (next === null || next === 'run') return next;
    if (next.logged) this.log.push(next.logged);
    return next.to;
  }

  private replayEnded(): void {
    const r = this.replayer!;
    this.replayNote = r.state === 'identical' ? `Replay done: ${r.detail}.` : `The replay diverged from the recording: ${r.detail}. The machine goes on live.`;
    this.message = this.replayNote;
    this.publish(true);
  }

  private deliverInput(): void {
    const asm = this.asm;
    if (!asm || this.replayer?.active) return; // typing waits until the recording is replayed
    for (const [console, q] of this.inputQueues) {
      if (q.length === 0) continue;
      const n = Math.min(q.length, asm.inputSpace(console));
      if (n === 0) continue;
      const chunk = q.splice(0, n);
      asm.input(console, Uint8Array.from(chunk));
      this.log.push({ icount: asm.machine.totalInstructions(), kind: 'input', console, bytes: chunk, ns: asm.machine.clock.nowNs() });
    }
  }

  private loopState(s: LoopState): void {
    if (s === 'stopped') return; // guestStopped sets the state with its reason
    this.setState(s, s === 'paused' ? this.message : this.replayNote);
  }

  private guestStopped(r: StopReason): void {
    const m = this.asm?.machine;
    if (r === 'exit') {
      this.exitStatus = m?.exitStatus ?? 0;
      this.setState('exited', `The guest exited with status ${this.exitStatus}.`);
    } else if (r === 'poweroff') {
      this.exitStatus = 0;
      this.setState('exited', 'The guest powered off.');
    } else if (r === 'reset') {
      if (this.spec?.config.noReboot) {
        this.setState('exited', 'The guest reset the machine (-no-reboot).');
      } else {
        this.build();
        this.loop!.start();
        this.message = 'The guest reset the machine; it was rebooted.';
      }
    } else if (this.internalError !== null) {
      const e = this.internalError;
      this.setState('crashed', `Internal error in the emulator (the machine was stopped): ${e instanceof Error ? e.message : String(e)}`);
    } else {
      const x = m?.lastException;
      this.setState('crashed', x ? `vCPU ${x.cpu} stopped on exception ${x.vector} (error code ${x.error}) at rip 0x${x.rip.toString(16)}.` : `The machine stopped (${r}).`);
    }
  }

  private setState(s: RunState, message: string | null): void {
    this.state = s;
    this.message = message;
    this.publish(true);
  }

  /** Status on the stream: every STATUS_MS while running, at once on a state change. */
  private publish(force: boolean): void {
    const now = this.host.sched.now();
    const dt = now - this.window.at;
    if (force || dt >= STATUS_MS) {
      const instr = this.asm ? this.asm.machine.totalInstructions() : 0;
      const busy = this.busyMs - this.window.busyMs;
      if (dt >= STATUS_MS) {
        const w = this.window;
        this.window = {
          at: now,
          instructions: instr,
          busyMs: this.busyMs,
          mips: busy > 0 ? (instr - w.instructions) / busy / 1000 : 0,
          hypercalls: this.hypercalls,
          evtchn: this.evtchnSends,
          hypercallRate: ((this.hypercalls - w.hypercalls) * 1000) / dt,
          evtchnRate: ((this.evtchnSends - w.evtchn) * 1000) / dt,
        };
      }
      this.batcher.setStatus(this.counters());
    }
    this.batcher.flush(force);
  }
}
