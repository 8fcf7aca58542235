// QEMU's pci-testdev (hw/misc/pci-testdev.c), which kvm-unit-tests' x86/run always adds:
// PCI 1b36:0005 (Red Hat test device), class 00ffh, no interrupt pin; BAR0 4 KiB of MMIO and
// BAR1 256 I/O ports, both decoding the same six tests, chosen by writing a test number to
// byte 0 of either window (0 no-eventfd, 1 wildcard-eventfd, 2 datamatch-eventfd; the window's
// type picks mmio-* or portio-*). The current test's header reads back from offset 0:
//   u8 test, u8 width (1), u8 pad[2], u32 offset, u8 data (FAh or CEh), u8 pad[3], u32 count, name
// and each byte write at `offset` counts, unless an eventfd swallows it: without KVM, QEMU's
// memory core matches ioeventfds itself (memory_region_dispatch_write_eventfds) and never calls
// the device, so the eventfd tests count nothing. The device decodes bytes only: wider accesses
// are split into byte accesses, low address first (access_with_adjusted_size).
import type { IoBus, PortHandler } from './io_bus.ts';
import type { MmioBus, MmioHandler } from './mmio.ts';
import { PCI_BAR0, PCI_COMMAND, PCI_COMMAND_IO, PCI_COMMAND_MEMORY, type PciBus } from './pci.ts';
import type { PlainRecord } from './snapshot.ts';

export const PCI_VENDOR_ID_REDHAT = 0x1b36;
export const PCI_DEVICE_ID_REDHAT_TEST = 0x0005;
const MMIO_TEST_BASE = 2048, PIO_TEST_BASE = 128;
const DATAMATCH = 0xfa, NOMATCH = 0xce;
const TESTS_PER_TYPE = 3;
const MMIO_SIZE = 0x1000, IO_SIZE = 0x100;
/** Where SeaBIOS leaves the BARs under QEMU's pc with -nodefaults (the device at 00:02.0). */
export const PCI_TESTDEV_MMIO_DEFAULT = 0xfebff000, PCI_TESTDEV_IO_DEFAULT = 0xc000;

interface IoTest {
  hdr: Uint8Array;
  offset: number;
  matchData: boolean;
  hasEventfd: boolean;
}

export class PciTestdev {
  private readonly tests: IoTest[] = [];
  private current = -1;
  private ioBase = -1;
  readonly mmio: MmioHandler;
  readonly portio: PortHandler;

  constructor() {
    for (let i = 0; i < 2 * TESTS_PER_TYPE; i++) {
      const mem = i < TESTS_PER_TYPE;
      const kind = ['no-eventfd', 'wildcard-eventfd', 'datamatch-eventfd'][i % TESTS_PER_TYPE]!;
      const name = `${mem ? 'mmio' : 'portio'}-${kind}`;
      const hdr = new Uint8Array(16 + name.length + 1);
      const offset = (mem ? MMIO_TEST_BASE : PIO_TEST_BASE) + i;
      const matchData = kind !== 'wildcard-eventfd';
      hdr[0] = i;
      hdr[1] = 1;
      new DataView(hdr.buffer).setUint32(4, offset, true);
      hdr[8] = matchData ? DATAMATCH : NOMATCH;
      for (let k = 0; k < name.length; k++) hdr[16 + k] = name.charCodeAt(k);
      this.tests.push({ hdr, offset, matchData, hasEventfd: kind !== 'no-eventfd' });
    }
    this.mmio = {
      mmioRead: (off, size) => this.read(off, size),
      mmioWrite: (off, size, v) => this.write(0, off, size, v),
    };
    this.portio = {
      portIn: (port, size) => this.read(port - this.ioBase, size),
      portOut: (port, size, v) => this.write(1, port - this.ioBase, size, v),
    };
  }

  /**
   * Put the device in the first free slot (00:02.0 under -nodefaults, as in QEMU) with its BARs
   * where SeaBIOS leaves them and decoding on. A guest may move a BAR; a window that would
   * overlap another device's ports or MMIO does not decode (a guest cannot break the wiring).
   */
  plug(pci: PciBus, io: IoBus, mmio: MmioBus): number {
    const device = pci.freeSlot();
    let memBase = -1;
    pci.register({
      device, function: 0, vendorId: PCI_VENDOR_ID_REDHAT, deviceId: PCI_DEVICE_ID_REDHAT_TEST,
      classCode: 0x00ff00, subsystemVendorId: 0x1af4, subsystemId: 0x1100, interruptPin: 0,
      bars: [
        {
          size: MMIO_SIZE, kind: 'mem32', onMap: (addr) => {
            if (memBase >= 0) mmio.unregister(memBase);
            memBase = -1;
            if (addr < 0) return;
            try { mmio.register(addr, MMIO_SIZE, this.mmio); memBase = addr; } catch { /* overlaps: no decode */ }
          },
        },
        {
          size: IO_SIZE, kind: 'io', onMap: (addr) => {
            if (this.ioBase >= 0) io.unregister(this.ioBase, IO_SIZE);
            this.ioBase = -1;
            if (addr < 0 || addr + IO_SIZE > 0x10000) return;
            for (let p = addr; p < addr + IO_SIZE; p++) if (io.isClaimed(p)) return;
            io.register(addr, IO_SIZE, this.portio);
            this.ioBase = addr;
          },
        },
      ],
    });
    pci.configWrite(device, 0, PCI_BAR0, 4, PCI_TESTDEV_MMIO_DEFAULT);
    pci.configWrite(device, 0, PCI_BAR0 + 4, 4, PCI_TESTDEV_IO_DEFAULT | 1);
    pci.configWrite(device, 0, PCI_COMMAND, 2, PCI_COMMAND_IO | PCI_COMMAND_MEMORY);
    return device;
  }

  reset(): void {
    this.current = -1;
  }

  private read(addr: number, size: number): number {
    let v = 0;
    for (let i = 0; i < size; i++) v |= this.readByte(addr + i) << (8 * i);
    return v >>> 0;
  }

  private readByte(addr: number): number {
    if (this.current < 0) return 0;
    const hdr = this.tests[this.current]!.hdr;
    return addr + 1 >= hdr.length ? 0 : hdr[addr]!;
  }

  /** `type` 0 = the MMIO window, 1 = the I/O window. */
  private write(type: number, addr: number, size: number, value: number): void {
    if (this.current >= 0) {
      const t = this.tests[this.current]!;
      // A software ioeventfd of the current test (registered on its own window, 1 byte wide).
      const sameWindow = (this.current < TESTS_PER_TYPE) === (type === 0);
      if (t.hasEventfd && sameWindow && addr === t.offset && size === 1 && (!t.matchData || value === t.hdr[8])) return;
    }
    for (let i = 0; i < size; i++) this.writeByte(type, addr + i, (value >>> (8 * i)) & 0xff);
  }

  private writeByte(type: number, addr: number, value: number): void {
    if (addr === 0) {
      this.current = -1;
      if (value >= TESTS_PER_TYPE) return;
      this.current = type * TESTS_PER_TYPE + value;
      new DataView(this.tests[this.current]!.hdr.buffer).setUint32(12, 0, true);
      return;
    }
    if (this.current < 0) return;
    const t = this.tests[this.current]!;
    if (addr !== t.offset) return;
    if (t.matchData && value !== t.hdr[8]) return;
    const dv = new DataView(t.hdr.buffer);
    dv.setUint32(12, (dv.getUint32(12, true) + 1) >>> 0, true);
  }

  saveState(): PlainRecord {
    return { current: this.current, counts: this.tests.map((t) => new DataView(t.hdr.buffer).getUint32(12, true)) };
  }

  loadState(s: PlainRecord): void {
    this.current = s.current as number;
    (s.counts as number[]).forEach((c, i) => new DataView(this.tests[i]!.hdr.buffer).setUint32(12, c, true));
  }
}
