import { describe, it, expect } from 'vitest';
import { ByteQueue, FrameBatcher, TRACE_PER_FRAME } from '../../src/worker/frame_batcher.ts';
import type { FrameMessage, TraceEvent } from '../../src/worker/protocol.ts';

function setup() {
  let t = 0;
  const posts: Array<{ msg: FrameMessage; transfer: Transferable[] }> = [];
  const b = new FrameBatcher((msg, transfer) => posts.push({ msg, transfer }), () => t, 16);
  return { b, posts, tick: (ms: number) => (t += ms) };
}

const ev = (seq: number): TraceEvent => ({ seq, icount: seq, vcpu: 0, layer: 'xen', kind: 'hypercall', name: 'sched_op', args: '', ret: 0, flowId: 0 });

describe('FrameBatcher', () => {
  it('posts many bytes of several consoles as one message per frame period, buffers transferred', () => {
    const { b, posts, tick } = setup();
    for (const c of 'hello') b.consoleByte('hvc0', c.charCodeAt(0));
    b.consoleByte('serial0', 0x41);
    expect(b.flush()).toBe(true);
    for (const c of ' world') b.consoleByte('hvc0', c.charCodeAt(0));
    expect(b.flush()).toBe(false); // within the same 16 ms
    tick(16);
    expect(b.flush()).toBe(true);
    expect(posts.length).toBe(2);
    const [a, c] = posts;
    expect(a!.msg.consoles.map((x) => [x.console, Buffer.from(x.bytes).toString()])).toEqual([['hvc0', 'hello'], ['serial0', 'A']]);
    expect(a!.transfer).toEqual(a!.msg.consoles.map((x) => x.bytes.buffer));
    expect(c!.msg.consoles.map((x) => Buffer.from(x.bytes).toString())).toEqual([' world']);
  });

  it('stays silent when there is nothing to say, and force flushes immediately', () => {
    const { b, posts } = setup();
    expect(b.flush(true)).toBe(false);
    b.setStatus({ state: 'paused', message: null, instructions: 0, virtualNs: 0, mips: 0, hypercallsPerSec: null, evtchnPerSec: null, sectorsRead: null, sectorsWritten: null, exitStatus: null, replay: null, unsavedChunks: 0 });
    expect(b.flush(true)).toBe(true);
    expect(posts[0]!.msg.status?.state).toBe('paused');
  });

  it('caps trace events per frame and counts the rest as dropped', () => {
    const { b, posts } = setup();
    for (let i = 0; i < TRACE_PER_FRAME + 7; i++) b.traceEvent(ev(i));
    b.flush(true);
    expect(posts[0]!.msg.trace.length).toBe(TRACE_PER_FRAME);
    expect(posts[0]!.msg.traceDropped).toBe(7);
  });
});

describe('ByteQueue', () => {
  it('grows past its initial size and keeps byte order', () => {
    const q = new ByteQueue();
    for (let i = 0; i < 1000; i++) q.push(i & 0xff);
    const out = q.take();
    expect(out.length).toBe(1000);
    expect(Array.from(out.subarray(250, 260))).toEqual([250, 251, 252, 253, 254, 255, 0, 1, 2, 3]);
    expect(q.take().length).toBe(0);
  });
});
