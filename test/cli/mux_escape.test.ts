// The C-a escapes of a mux chardev, as QEMU's char-mux.c defines them.
import { describe, expect, it } from 'vitest';
import { MuxEscape } from '../../src/cli/mux_escape.ts';
import type { MuxEvent } from '../../src/cli/mux_escape.ts';

const show = (events: MuxEvent[]): string[] =>
  events.map((e) => (e.kind === 'data' ? `data:${new TextDecoder().decode(e.bytes)}` : e.kind));

describe('MuxEscape', () => {
  it('passes plain input through', () => {
    expect(show(new MuxEscape().feed(new TextEncoder().encode('ls\r')))).toEqual(['data:ls\r']);
  });

  it('turns C-a x, C-a h and C-a c into commands between data', () => {
    const m = new MuxEscape();
    expect(show(m.feed(Uint8Array.of(0x61, 0x01, 0x68, 0x62, 0x01, 0x63, 0x01, 0x78)))).toEqual(['data:a', 'help', 'data:b', 'switch', 'exit']);
  });

  it('types one C-a for C-a C-a and drops unknown escapes', () => {
    const m = new MuxEscape();
    expect(show(m.feed(Uint8Array.of(0x01, 0x01, 0x01, 0x7a, 0x41)))).toEqual(['data:\x01', 'data:A']);
  });

  it('keeps an escape pending across reads', () => {
    const m = new MuxEscape();
    expect(show(m.feed(Uint8Array.of(0x71, 0x01)))).toEqual(['data:q']);
    expect(show(m.feed(Uint8Array.of(0x78)))).toEqual(['exit']);
  });
});
