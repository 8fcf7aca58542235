// The escape keys of a QEMU mux chardev on stdin (chardev/char-mux.c, "C-a h" help): C-a x
// exits, C-a h prints the help, C-a c switches between the front ends (console ↔ monitor),
// C-a C-a types one C-a; other keys after C-a are dropped. Everything else passes through.

export const MUX_ESCAPE = 0x01; // Ctrl-A

export type MuxEvent =
  | { kind: 'data'; bytes: Uint8Array }
  | { kind: 'exit' }
  | { kind: 'help' }
  | { kind: 'switch' };

export const MUX_HELP =
  '\r\nC-a h    print this help\r\nC-a x    exit xentab\r\nC-a c    switch between console and monitor\r\nC-a C-a  type C-a\r\n';

export class MuxEscape {
  private pendingEscape = false;

  /** Splits typed bytes into data for the guest and escape commands, in order. */
  feed(chunk: Uint8Array): MuxEvent[] {
    const events: MuxEvent[] = [];
    let start = 0;
    const flush = (end: number): void => {
      if (end > start) events.push({ kind: 'data', bytes: chunk.slice(start, end) });
    };
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (!this.pendingEscape) {
        if (b === MUX_ESCAPE) {
          flush(i);
          this.pendingEscape = true;
          start = i + 1;
        }
        continue;
      }
      this.pendingEscape = false;
      start = i + 1;
      if (b === MUX_ESCAPE) events.push({ kind: 'data', bytes: Uint8Array.of(MUX_ESCAPE) });
      else if (b === 0x78) events.push({ kind: 'exit' }); // x
      else if (b === 0x68 || b === 0x3f) events.push({ kind: 'help' }); // h, ?
      else if (b === 0x63) events.push({ kind: 'switch' }); // c
    }
    flush(chunk.length);
    return events;
  }
}
