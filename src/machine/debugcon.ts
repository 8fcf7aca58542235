// QEMU's `-debugcon` ISA debug console (hw/char/debugcon.c): every byte written to the port
// (0xE9 by default) goes to the output; reads return the "readback" value 0xE9, which guests
// use to detect the port.
import type { PortHandler } from './io_bus.ts';

export const DEBUGCON_PORT = 0xe9;

export class DebugCon implements PortHandler {
  constructor(private readonly output: (byte: number) => void, readonly readback = 0xe9) {}

  portIn(): number {
    return this.readback;
  }

  portOut(_port: number, _size: number, value: number): void {
    this.output(value & 0xff);
  }
}
