// PCI bus 0 with configuration mechanism #1 (PCI Local Bus Spec 3.0 §3.2.2.3.2): CONFIG_ADDRESS
// at 0xCF8 (32-bit accesses only), CONFIG_DATA at 0xCFC-0xCFF. Functions are registered with
// their IDs and BARs; BAR sizing (write all-ones, read the size mask) and the command register
// decode bits drive `onMap` callbacks. Since we boot without firmware, `assignResources()` does
// what SeaBIOS would: place BARs, enable decoding and fill the interrupt line via the PIIX
// PIRQ routing QEMU's pc uses (slot swizzle onto links A-D = IRQ 10, 10, 11, 11).
import type { PortHandler } from './io_bus.ts';
import type { PlainRecord } from './snapshot.ts';

export const PCI_CONFIG_ADDRESS = 0xcf8;
export const PCI_CONFIG_DATA = 0xcfc;

// Standard header offsets (PCI 3.0 Figure 6-1).
export const PCI_VENDOR_ID = 0x00;
export const PCI_DEVICE_ID = 0x02;
export const PCI_COMMAND = 0x04;
export const PCI_STATUS = 0x06;
export const PCI_REVISION_ID = 0x08;
export const PCI_CLASS_PROG = 0x09;
export const PCI_HEADER_TYPE = 0x0e;
export const PCI_BAR0 = 0x10;
export const PCI_SUBSYSTEM_VENDOR_ID = 0x2c;
export const PCI_SUBSYSTEM_ID = 0x2e;
export const PCI_INTERRUPT_LINE = 0x3c;
export const PCI_INTERRUPT_PIN = 0x3d;

export const PCI_COMMAND_IO = 0x1;
export const PCI_COMMAND_MEMORY = 0x2;

export interface PciBar {
  /** Size in bytes, a power of two (I/O BARs at least 4, memory BARs at least 16). */
  size: number;
  kind: 'io' | 'mem32';
  prefetchable?: boolean;
  /** Called with the BAR's address when decoding is enabled, and -1 when it is disabled or moved away. */
  onMap?: (addr: number) => void;
}

export interface PciFunctionSpec {
  /** Device number 0..31 and function 0..7 on bus 0. */
  device: number;
  function: number;
  vendorId: number;
  deviceId: number;
  /** (class << 16) | (subclass << 8) | prog-if */
  classCode: number;
  revision?: number;
  subsystemVendorId?: number;
  subsystemId?: number;
  headerType?: number;
  /** 1 = INTA# .. 4 = INTD#, 0 = none. */
  interruptPin?: number;
  bars?: PciBar[];
  /** Extra config-space registers: called for offsets 0x40-0xFF; return undefined to use plain RAM. */
  configRead?: (offset: number, size: number) => number | undefined;
  configWrite?: (offset: number, size: number, value: number) => boolean;
}

class PciFunction {
  readonly config = new Uint8Array(256);
  /** Bits software may write, per byte. */
  readonly wmask = new Uint8Array(256);
  readonly barAddr: number[] = [];

  constructor(readonly spec: PciFunctionSpec) {
    const c = new DataView(this.config.buffer);
    c.setUint16(PCI_VENDOR_ID, spec.vendorId, true);
    c.setUint16(PCI_DEVICE_ID, spec.deviceId, true);
    c.setUint8(PCI_REVISION_ID, spec.revision ?? 0);
    c.setUint8(PCI_CLASS_PROG, spec.classCode & 0xff);
    c.setUint16(0x0a, spec.classCode >>> 8, true);
    c.setUint8(PCI_HEADER_TYPE, spec.headerType ?? 0);
    c.setUint16(PCI_SUBSYSTEM_VENDOR_ID, spec.subsystemVendorId ?? 0, true);
    c.setUint16(PCI_SUBSYSTEM_ID, spec.subsystemId ?? 0, true);
    c.setUint8(PCI_INTERRUPT_PIN, spec.interruptPin ?? 0);
    // Command: I/O, memory, bus master, SERR, INTx disable are writable.
    this.wmask[PCI_COMMAND] = 0x07;
    this.wmask[PCI_COMMAND + 1] = 0x05;
    this.wmask[PCI_INTERRUPT_LINE] = 0xff;
    this.wmask[0x0c] = 0xff; // cache line size
    this.wmask[0x0d] = 0xff; // latency timer
    for (let i = 0x40; i < 256; i++) this.wmask[i] = 0xff;
    (spec.bars ?? []).forEach((b, i) => {
      if (b.size & (b.size - 1) || b.size < (b.kind === 'io' ? 4 : 16)) throw new Error(`BAR ${i}: bad size ${b.size}`);
      this.barAddr[i] = -1;
      const mask = ~(b.size - 1) >>> 0;
      const off = PCI_BAR0 + 4 * i;
      c.setUint32(off, this.barFlags(b), true);
      for (let k = 0; k < 4; k++) this.wmask[off + k] = (mask >>> (8 * k)) & 0xff;
      this.wmask[off] = this.wmask[off]! & (b.kind === 'io' ? 0xfc : 0xf0);
    });
  }

  barFlags(b: PciBar): number {
    return b.kind === 'io' ? 1 : b.prefetchable ? 0x8 : 0;
  }

  read(offset: number, size: number): number {
    if (offset >= 0x40 && this.spec.configRead) {
      const v = this.spec.configRead(offset, size);
      if (v !== undefined) return v;
    }
    let v = 0;
    for (let i = 0; i < size; i++) v |= this.config[offset + i]! << (8 * i);
    return v >>> 0;
  }

  write(offset: number, size: number, value: number): void {
    if (offset >= 0x40 && this.spec.configWrite?.(offset, size, value)) return;
    for (let i = 0; i < size; i++) {
      const o = offset + i;
      const m = this.wmask[o]!;
      this.config[o] = (this.config[o]! & ~m) | ((value >>> (8 * i)) & m);
    }
    if (offset < PCI_BAR0 + 24 && offset + size > PCI_COMMAND) this.updateMappings();
  }

  /** Re-evaluate where each BAR decodes and tell the device about changes. */
  updateMappings(): void {
    const cmd = this.config[PCI_COMMAND]!;
    const v = new DataView(this.config.buffer);
    (this.spec.bars ?? []).forEach((b, i) => {
      const raw = v.getUint32(PCI_BAR0 + 4 * i, true);
      const base = b.kind === 'io' ? raw & 0xfffc : (raw & 0xfffffff0) >>> 0;
      const enabled = b.kind === 'io' ? cmd & PCI_COMMAND_IO : cmd & PCI_COMMAND_MEMORY;
      // An all-ones (sizing) or zero address is not a mapping.
      const sizing = base === ((~(b.size - 1) >>> 0) & (b.kind === 'io' ? 0xfffc : 0xfffffff0));
      const addr = enabled && base !== 0 && !sizing ? base : -1;
      if (addr !== this.barAddr[i]) {
        this.barAddr[i] = addr;
        b.onMap?.(addr);
      }
    });
  }
}

export class PciBus implements PortHandler {
  private address = 0;
  /** PIIX reset control register 0xCF9: a write with bit 2 (RST_CPU) set resets the machine. */
  onReset: () => void = () => {};
  private readonly fns = new Map<number, PciFunction>();

  /** Bus 0 of QEMU's pc: i440FX host bridge at 00:00.0 and PIIX3 ISA bridge at 00:01.0. */
  static pc(): PciBus {
    const bus = new PciBus();
    bus.register({ device: 0, function: 0, vendorId: 0x8086, deviceId: 0x1237, classCode: 0x060000, revision: 2 });
    bus.register({ device: 1, function: 0, vendorId: 0x8086, deviceId: 0x7000, classCode: 0x060100, headerType: 0x80 });
    return bus;
  }

  /** CONFIG_ADDRESS and every function's configuration space; BAR mappings are re-announced on load. */
  saveState(): PlainRecord {
    const fns: PlainRecord = {};
    for (const [key, f] of this.fns) fns[String(key)] = Array.from(f.config);
    return { address: this.address, fns };
  }

  loadState(s: PlainRecord): void {
    this.address = s.address as number;
    const fns = s.fns as Record<string, number[]>;
    for (const [key, f] of this.fns) {
      const c = fns[String(key)];
      if (!c || c.length !== 256) throw new Error(`snapshot: PCI function ${key} missing`);
      f.config.set(c);
      f.updateMappings();
    }
  }

  register(spec: PciFunctionSpec): void {
    const key = (spec.device << 3) | spec.function;
    if (spec.device < 0 || spec.device > 31 || spec.function < 0 || spec.function > 7) throw new RangeError('bad PCI address');
    if (this.fns.has(key)) throw new Error(`PCI 00:${spec.device.toString(16)}.${spec.function} already present`);
    this.fns.set(key, new PciFunction(spec));
  }

  /** A free device number (slot) on bus 0. */
  freeSlot(): number {
    for (let d = 0; d < 32; d++) if (!this.fns.has(d << 3)) return d;
    throw new Error('PCI bus full');
  }

  configRead(device: number, fn: number, offset: number, size: number): number {
    const f = this.fns.get((device << 3) | fn);
    if (!f) return size === 4 ? 0xffffffff : (1 << (size * 8)) - 1;
    return f.read(offset, size);
  }

  configWrite(device: number, fn: number, offset: number, size: number, value: number): void {
    this.fns.get((device << 3) | fn)?.write(offset, size, value);
  }

  /** Firmware's job: assign BARs from the given windows, enable decoding, route INTx to IRQs. */
  assignResources(ioBase = 0xc000, memBase = 0xf0000000): void {
    let io = ioBase;
    let mem = memBase;
    const pirqIrq = [10, 10, 11, 11];
    for (const [key, f] of [...this.fns.entries()].sort((a, b) => a[0] - b[0])) {
      const device = key >> 3;
      let cmd = 0;
      (f.spec.bars ?? []).forEach((b, i) => {
        const off = PCI_BAR0 + 4 * i;
        if (b.kind === 'io') {
          io = Math.ceil(io / b.size) * b.size;
          f.write(off, 4, io | 1);
          io += b.size;
          cmd |= PCI_COMMAND_IO;
        } else {
          mem = Math.ceil(mem / b.size) * b.size;
          f.write(off, 4, mem);
          mem += b.size;
          cmd |= PCI_COMMAND_MEMORY;
        }
      });
      const pin = f.spec.interruptPin ?? 0;
      if (pin) f.write(PCI_INTERRUPT_LINE, 1, pirqIrq[(device + pin - 1) & 3]!);
      if (cmd) f.write(PCI_COMMAND, 2, cmd | 0x4);
    }
  }

  /** The ISA IRQ that INTx of a device routes to (after assignResources). */
  irqOf(device: number, fn = 0): number {
    return this.configRead(device, fn, PCI_INTERRUPT_LINE, 1);
  }

  portIn(port: number, size: 1 | 2 | 4): number {
    if (port >= PCI_CONFIG_ADDRESS && port < PCI_CONFIG_ADDRESS + 4) {
      if (port === PCI_CONFIG_ADDRESS && size === 4) return this.address;
      return size === 4 ? 0xffffffff : (1 << (size * 8)) - 1;
    }
    const a = this.address;
    const ones = size === 4 ? 0xffffffff : (1 << (size * 8)) - 1;
    if (!(a & 0x80000000)) return ones;
    const bus = (a >>> 16) & 0xff;
    if (bus !== 0) return ones;
    const offset = (a & 0xfc) + (port & 3);
    if (offset + size > 256) return ones;
    return this.configRead((a >>> 11) & 0x1f, (a >>> 8) & 7, offset, size);
  }

  portOut(port: number, size: 1 | 2 | 4, value: number): void {
    if (port >= PCI_CONFIG_ADDRESS && port < PCI_CONFIG_ADDRESS + 4) {
      // Only a dword access hits CONFIG_ADDRESS (byte accesses to 0xCF8-0xCFB are other chipset registers).
      if (port === PCI_CONFIG_ADDRESS && size === 4) this.address = (value & 0x80fffffc) >>> 0;
      else if (port === 0xcf9 && size === 1 && value & 0x04) this.onReset();
      return;
    }
    const a = this.address;
    if (!(a & 0x80000000) || ((a >>> 16) & 0xff) !== 0) return;
    const offset = (a & 0xfc) + (port & 3);
    if (offset + size > 256) return;
    this.configWrite((a >>> 11) & 0x1f, (a >>> 8) & 7, offset, size, value);
  }
}
