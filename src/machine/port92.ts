// PS/2 "system control port A" at 0x92 (IBM PS/2 technical reference; QEMU hw/i386/pc.c
// port92): bit 1 is the fast A20 gate, bit 0 a write-only-pulse fast reset. A20 is always
// enabled here (we never wrap at 1 MiB), so the bit reads as set and clearing it has no effect.
import type { PortHandler } from './io_bus.ts';

export const PORT92 = 0x92;

export class Port92 implements PortHandler {
  private outport = 0x02;

  constructor(private readonly onReset: () => void) {}

  portIn(): number {
    return this.outport | 0x02;
  }

  portOut(_port: number, _size: number, value: number): void {
    const old = this.outport;
    this.outport = value & 0xfe;
    if (value & 1 && !(old & 1)) this.onReset();
  }
}
