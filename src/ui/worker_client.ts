// The page's end of the worker protocol: starts the module worker, wraps its control API with
// comlink, and receives the stream port. Stream messages are queued as they arrive and handed
// to listeners once per animation frame, so a flood of console output costs one DOM update
// per frame.
import { transfer, wrap, type Remote } from 'comlink';
import type { FrameMessage, ProgressMessage, StreamMessage, WorkerControl } from '../worker/protocol.ts';

export interface StreamListener {
  frame(frames: FrameMessage[]): void;
  progress(p: ProgressMessage): void;
}

export class WorkerClient {
  readonly api: Remote<WorkerControl>;
  private readonly worker: Worker;
  private pending: FrameMessage[] = [];
  private rafId = 0;
  private listeners: StreamListener[] = [];

  constructor(onError: (message: string) => void) {
    this.worker = new Worker(new URL('../worker/main.ts', import.meta.url), { type: 'module', name: 'xentab-machine' });
    this.worker.addEventListener('error', (e) => onError(`the machine worker failed: ${e.message || 'could not load'}`));
    this.api = wrap<WorkerControl>(this.worker);
    const channel = new MessageChannel();
    channel.port1.onmessage = (e: MessageEvent<StreamMessage>) => this.receive(e.data);
    void this.api.connect(transfer(channel.port2, [channel.port2]));
  }

  listen(l: StreamListener): void {
    this.listeners.push(l);
  }

  private receive(m: StreamMessage): void {
    if (m.type === 'progress') {
      for (const l of this.listeners) l.progress(m);
      return;
    }
    this.pending.push(m);
    if (this.rafId === 0) this.rafId = requestAnimationFrame(() => this.deliver());
  }

  private deliver(): void {
    this.rafId = 0;
    const frames = this.pending;
    this.pending = [];
    for (const l of this.listeners) l.frame(frames);
  }
}
