// The one API between the page (src/ui) and the machine worker (src/worker/main.ts).
//
// Two channels (reference ux-ecosystem §3.1):
// - control: `WorkerControl`, exposed with comlink on the worker itself; every call is an RPC
//   and nothing on it is per byte or per event;
// - streams: one MessagePort handed over with `connect(port)`. The worker posts at most one
//   `FrameMessage` per ~16 ms with every console's bytes (transferable Uint8Arrays), trace
//   events and the latest status, plus `ProgressMessage`s while images download.
// This file holds only types and constants, so the UI may import it without pulling the machine.
import type { MachineConfig } from '../machine/config.ts';
import type { ConsoleKind, ConsoleRoute } from './assemble.ts';

export type { MachineConfig, ConsoleKind, ConsoleRoute };

export const PROTOCOL_VERSION = 1;
/** The worker batches stream output for one animation frame. */
export const FRAME_MS = 16;
/** Status updates ride on frames at most this often. */
export const STATUS_MS = 250;

// ------------------------------------------------------------------ demos and images

/** One image a machine needs. `name` is what the config's FileRef.resolved names. */
export interface ImageRef {
  role: 'kernel' | 'module' | 'drive';
  name: string;
  /** Bytes; the download is refused if it differs. */
  size: number;
  /** Lower-case hex SHA-256; the image is refused if it differs. */
  sha256: string;
  /** Where to fetch it, relative to the page; empty when only the browser's cache can have it. */
  url: string;
}

/** Type `send` once a console shows `after` (text), or at exactly `after` retired instructions. */
export interface InputStep {
  after: string | number;
  send: string;
}

/** What `create` boots: a machine config (as `npx xentab --print-config` prints it) plus its images. */
export interface MachineSpec {
  config: MachineConfig;
  images: ImageRef[];
  /** Input typed into the first console that takes input once text appears (a scripted demo). */
  input?: InputStep[];
  /** A recorded run to reproduce exactly (a share link's): see replay.ts. */
  replay?: ReplayLog;
}

/** Everything besides config and images that decides a run: the RTC epoch and the recorded inputs. */
export interface ReplayLog {
  /** Seconds since 1970 at virtual time 0 (`-rtc base=utc` reads the wall clock otherwise). */
  epochSeconds: number;
  events: InputEvent[];
  /** Where the recording ended, to check the replay against; null: do not check. */
  end: Fingerprint | null;
}

/** The state of a run at an instruction count, in a form two runs can compare. */
export interface Fingerprint {
  /** Retired instructions. */
  at: number;
  /** Virtual time, ns. */
  ns: number;
  /** FNV-1a of every console byte, 8 hex digits. */
  output: string;
  /** FNV-1a of every Xen trace event (icount, name, arguments), 8 hex digits. */
  trace: string;
}

/** An entry of public/demos.json. */
export interface Demo extends MachineSpec {
  id: string;
  title: string;
  description: string;
  /** The command line that runs the same demo in a terminal. */
  cli: string;
  /** Chardev id of the tab to show first (default: the first console). */
  console?: string;
  /** Text the e2e test (and a visitor) can type, and what the guest answers. */
  try?: { type: string; expect: string };
}

export interface DemoManifest {
  format: 'xentab-demos/1';
  demos: Demo[];
}

// ------------------------------------------------------------------ machine state

export type RunState =
  | 'empty' // nothing created
  | 'loading' // downloading / verifying images
  | 'paused' // created (or paused): not running
  | 'running' // executing slices
  | 'halted' // running, but every vCPU waits for an interrupt
  | 'exited' // the guest ended (isa-debug-exit, reset without reboot support)
  | 'crashed'; // the machine stopped on an error; `message` says why

export interface MachineInfo {
  name: string | null;
  consoles: ConsoleRoute[];
  bootKind: 'multiboot' | 'pvh';
  /** Whether this machine emits trace events (it needs the Xen layer, not connected yet). */
  traceSource: boolean;
}

export interface DiskInfo {
  /** Drive id from the config. */
  drive: string;
  /** The guest's name for it (`xvda`). */
  vdev: string;
  /** The image file name. */
  image: string;
  bytes: number;
  /** persistent: writes kept in this browser; snapshot: writes dropped at the end; read-only. */
  keep: 'persistent' | 'snapshot' | 'read-only';
}

/** Counters for the status bar. Null means "this build has no such source yet". */
export interface Status {
  state: RunState;
  message: string | null;
  /** Retired instructions, all vCPUs. */
  instructions: number;
  /** Virtual time since boot, ns. */
  virtualNs: number;
  /** Guest MIPS over the last status period, counting only time spent executing. */
  mips: number;
  hypercallsPerSec: number | null;
  evtchnPerSec: number | null;
  sectorsRead: number | null;
  sectorsWritten: number | null;
  /** Exit status when state is 'exited'. */
  exitStatus: number | null;
  /** A recorded run being replayed, or how its replay ended (null: not a replay). */
  replay: 'replaying' | 'identical' | 'diverged' | null;
  /** Written chunks of writable disks not yet committed to browser storage (0: all saved). */
  unsavedChunks: number;
}

// ------------------------------------------------------------------ tracing

/** A trace event (DESIGN.md invariant 7), as the Xen layer will emit it. */
export interface TraceEvent {
  seq: number;
  icount: number;
  vcpu: number;
  layer: 'guest' | 'shim' | 'xen';
  /** The Xen layer's event name, QEMU trace-events style: `xen_hypercall`, `xen_evtchn_send`, `xen_xenstore_request`, … */
  kind: string;
  /** For hypercalls the hypercall name (`event_channel_op`); else a short subject. */
  name: string;
  /** Decoded arguments as text. */
  args: string;
  ret: number | null;
  flowId: number;
}

export interface TraceFilter {
  /** Collect events at all (tracing off costs nothing). */
  enabled: boolean;
  /** Only events whose kind or name contains this text (empty: all). */
  match: string;
  /** Pause the machine right after a hypercall with this name (null: never). */
  pauseOn: string | null;
}

// ------------------------------------------------------------------ input log (replay)

/** A non-deterministic input, at the instruction count it took effect (DESIGN.md invariant 1). */
export type InputEvent =
  | { icount: number; kind: 'input'; console: string; bytes: number[]; /** Virtual time then, ns. */ ns: number }
  | { icount: number; kind: 'idle'; toNs: number }
  /** A slice ended here though no grid line or guest event ended it (a hand step, a pause on a hypercall). */
  | { icount: number; kind: 'cut' };

// ------------------------------------------------------------------ stream port messages

export interface ConsoleChunk {
  console: string;
  bytes: Uint8Array;
}

export interface FrameMessage {
  type: 'frame';
  consoles: ConsoleChunk[];
  trace: TraceEvent[];
  /** Events dropped because the UI could not keep up (the panel says so). */
  traceDropped: number;
  status: Status | null;
}

export interface ProgressMessage {
  type: 'progress';
  image: string;
  loaded: number;
  total: number;
  /** The image came from this browser's cache, not the network. */
  cached: boolean;
}

export type StreamMessage = FrameMessage | ProgressMessage;

// ------------------------------------------------------------------ control (comlink)

export interface WorkerControl {
  hello(): { protocol: number };
  /** Hand over the stream port (transfer it). */
  connect(port: MessagePort): void;
  /** Why this build cannot run a config (null: it can); the gallery shows it before anyone waits. */
  whyNot(config: MachineConfig): string | null;
  /** Download, verify and boot a machine (replacing any current one). Rejects with a reason. */
  create(spec: MachineSpec): Promise<MachineInfo>;
  start(): void;
  pause(): void;
  /** Execute exactly `n` instructions (fewer if the guest halts or stops) while paused. */
  step(n: number): Promise<Status>;
  /** The machine's disks, for the disk panel. */
  disks(): DiskInfo[];
  /** A writable disk as it is now (base plus the guest's writes), for "export disk". */
  exportDisk(drive: string): Promise<Blob>;
  /**
   * Cache a local image file (a dropped disk) in the image store under its sha256, chunked like
   * a downloaded image, and describe it; attaching it to a machine is a `create` with it listed.
   */
  importDisk(file: Blob, name: string): Promise<ImageRef>;
  /**
   * Commit every write that writeback-cache disks hold in memory; resolves once the IndexedDB
   * transaction has committed (durability 'strict'). The page calls it when it is hidden or
   * unloaded, and pause() does it too. Resolves with the chunks committed.
   */
  flushDisks(): Promise<number>;
  /** Forget every guest write to the writable disks, then reboot (the panel asks first). */
  resetDisks(): Promise<MachineInfo>;
  /** Rebuild the machine from the same spec and images (a power cycle). */
  reset(): Promise<MachineInfo>;
  /** Bytes typed into a console (UTF-8). */
  sendInput(console: string, bytes: Uint8Array): void;
  counters(): Status;
  /** Hypercall names in number order (xen/xen.h), for the trace panel's "pause on" list. */
  hypercallNames(): string[];
  setTraceFilter(filter: TraceFilter): void;
  /** The inputs recorded since boot, for a replayable link. */
  inputLog(): InputEvent[];
  /** Instruction count, virtual time and output/trace hashes now (two runs compare them). */
  fingerprint(): Fingerprint;
  /** A share link fragment (`#v1.…`) for the current machine and the input typed so far. */
  makeLink(): Promise<string>;
  /** Decode and check a share link fragment; rejects with the reason, runs nothing. */
  openLink(fragment: string): Promise<MachineSpec>;
}
