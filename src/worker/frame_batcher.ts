// Collects what the worker streams to the page (console bytes, trace events, status) and posts
// it as one FrameMessage per frame period: bytes are appended to per-console growable buffers
// (no allocation per byte) and handed over as transferable Uint8Arrays.
import type { ConsoleChunk, FrameMessage, Status, TraceEvent } from './protocol.ts';
import { FRAME_MS } from './protocol.ts';

/** Trace events kept per frame at most; the rest are counted as dropped. */
export const TRACE_PER_FRAME = 2000;

/** A growable byte buffer. */
export class ByteQueue {
  private buf = new Uint8Array(256);
  length = 0;

  push(byte: number): void {
    if (this.length === this.buf.length) {
      const bigger = new Uint8Array(this.buf.length * 2);
      bigger.set(this.buf);
      this.buf = bigger;
    }
    this.buf[this.length++] = byte;
  }

  /** The queued bytes as a fresh array (ready to transfer); the queue is emptied. */
  take(): Uint8Array {
    const out = this.buf.slice(0, this.length);
    this.length = 0;
    return out;
  }
}

export type Post = (message: FrameMessage, transfer: Transferable[]) => void;

export class FrameBatcher {
  private readonly consoles = new Map<string, ByteQueue>();
  private trace: TraceEvent[] = [];
  private traceDropped = 0;
  private status: Status | null = null;
  private lastFlush = -Infinity;

  constructor(
    private readonly post: Post,
    private readonly now: () => number,
    private readonly periodMs = FRAME_MS,
  ) {}

  private lastId = '';
  private lastQueue: ByteQueue | null = null;

  consoleByte(console: string, byte: number): void {
    // Bytes come in runs from one console: skip the map lookup for the common case.
    if (console !== this.lastId || this.lastQueue === null) {
      let q = this.consoles.get(console);
      if (!q) this.consoles.set(console, (q = new ByteQueue()));
      this.lastId = console;
      this.lastQueue = q;
    }
    this.lastQueue.push(byte);
  }

  traceEvent(e: TraceEvent): void {
    if (this.trace.length < TRACE_PER_FRAME) this.trace.push(e);
    else this.traceDropped++;
  }

  setStatus(s: Status): void {
    this.status = s;
  }

  /** Post if a frame period has passed since the last post (or `force`) and there is anything to say. */
  flush(force = false): boolean {
    const t = this.now();
    if (!force && t - this.lastFlush < this.periodMs) return false;
    const chunks: ConsoleChunk[] = [];
    for (const [console, q] of this.consoles) if (q.length > 0) chunks.push({ console, bytes: q.take() });
    if (chunks.length === 0 && this.trace.length === 0 && this.traceDropped === 0 && this.status === null) return false;
    const msg: FrameMessage = { type: 'frame', consoles: chunks, trace: this.trace, traceDropped: this.traceDropped, status: this.status };
    this.trace = [];
    this.traceDropped = 0;
    this.status = null;
    this.lastFlush = t;
    this.post(msg, chunks.map((c) => c.bytes.buffer));
    return true;
  }
}
