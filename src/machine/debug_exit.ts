// QEMU's isa-debug-exit (hw/misc/debugexit.c): a write of `value` at any port in
// [iobase, iobase+iosize) ends the emulator with exit status (value << 1) | 1, so a test kernel
// reports success or failure as an odd status. Reads return 0.
import type { PortHandler } from './io_bus.ts';

export class DebugExit implements PortHandler {
  constructor(private readonly onExit: (status: number) => void) {}

  portIn(): number {
    return 0;
  }

  portOut(_port: number, _size: number, value: number): void {
    // Process exit statuses are 8 bits; keep the full value for callers that want it.
    this.onExit(((value >>> 0) * 2 + 1) % 0x2_0000_0000);
  }
}
