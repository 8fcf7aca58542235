// QEMU's pc-testdev (hw/misc/pc-testdev.c), used by kvm-unit-tests:
//   0xE0..0xE3  a 32-bit scratch register, any access size at any byte offset
//   0xE4        "flush page" (4-byte write of a physical address): a no-op for an emulator
//               without host page protection; we invalidate decoded code for that page
//   0xE8..0xEB  the same scratch register, accessed a byte at a time
//   0x2000+n    writing a byte sets ISA IRQ line n (0..23) to (value != 0)
//   0xFF000000  64 KiB of scratch MMIO memory
import type { PortHandler } from './io_bus.ts';
import type { MmioHandler } from './mmio.ts';
import { putFields, takeFields, type PlainRecord } from './snapshot.ts';

const TESTDEV_FIELDS = ['data', 'iomem'] as const;

export const PC_TESTDEV_IOMEM_BASE = 0xff000000;
export const PC_TESTDEV_IOMEM_SIZE = 0x10000;

export class PcTestdev implements PortHandler, MmioHandler {
  private data = 0;
  readonly iomem = new Uint8Array(PC_TESTDEV_IOMEM_SIZE);

  constructor(
    private readonly setIrq: (line: number, level: boolean) => void,
    private readonly flushPage: (paddr: number) => void = () => {},
  ) {}

  saveState(): PlainRecord {
    return takeFields(this, TESTDEV_FIELDS);
  }

  loadState(s: PlainRecord): void {
    putFields(this, s, TESTDEV_FIELDS);
  }

  portIn(port: number, size: 1 | 2 | 4): number {
    if (port >= 0xe0 && port <= 0xe3) return this.readData(port, size);
    if (port >= 0xe8 && port <= 0xeb) return this.readData(port, 1);
    return size === 4 ? 0xffffffff : (1 << (size * 8)) - 1;
  }

  portOut(port: number, size: 1 | 2 | 4, value: number): void {
    if ((port >= 0xe0 && port <= 0xe3) || (port >= 0xe8 && port <= 0xeb)) {
      // The 0xE8 window is byte-wide (registered byteOnly on the bus), so size is 1 there.
      const shift = (port & 3) * 8;
      const mask = size === 4 ? 0xffffffff : ((1 << (size * 8)) - 1) << shift;
      this.data = ((this.data & ~mask) | ((value << shift) & mask)) >>> 0;
    } else if (port >= 0xe4 && port <= 0xe7) {
      if (size === 4) this.flushPage((value >>> 0) - ((value >>> 0) % 4096));
    } else if (port >= 0x2000 && port < 0x2018) {
      this.setIrq(port - 0x2000, (value & 0xff) !== 0);
    }
  }

  private readData(port: number, size: 1 | 2 | 4): number {
    const shift = (port & 3) * 8;
    const v = this.data >>> shift;
    return size === 4 ? v >>> 0 : v & ((1 << (size * 8)) - 1);
  }

  mmioRead(offset: number, size: 1 | 2 | 4): number {
    let v = 0;
    for (let i = 0; i < size; i++) v |= (this.iomem[(offset + i) & 0xffff]! << (8 * i));
    return v >>> 0;
  }

  mmioWrite(offset: number, size: 1 | 2 | 4, value: number): void {
    for (let i = 0; i < size; i++) this.iomem[(offset + i) & 0xffff] = (value >>> (8 * i)) & 0xff;
  }
}
