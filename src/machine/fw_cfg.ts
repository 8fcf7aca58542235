// QEMU's firmware configuration device (QEMU docs/specs/fw_cfg.rst), x86 I/O ports: selector
// 0x510 (16-bit write), data 0x511 (byte reads advance through the selected item), and the DMA
// address register 0x514 (big-endian, the low half at 0x518 starts the transfer). Test kernels
// (kvm-unit-tests among them) read the CPU count and RAM size here. Items are the legacy
// numbered ones; the file directory is empty.
import type { GuestMemory } from './memory.ts';
import type { PortHandler } from './io_bus.ts';
import { putFields, takeFields, type PlainRecord } from './snapshot.ts';

export const FW_CFG_PORT_SEL = 0x510;
export const FW_CFG_PORT_DATA = 0x511;
export const FW_CFG_PORT_DMA = 0x514;

export const FW_CFG_SIGNATURE = 0x00;
export const FW_CFG_ID = 0x01;
export const FW_CFG_UUID = 0x02;
export const FW_CFG_RAM_SIZE = 0x03;
export const FW_CFG_NOGRAPHIC = 0x04;
export const FW_CFG_NB_CPUS = 0x05;
export const FW_CFG_MACHINE_ID = 0x06;
export const FW_CFG_NUMA = 0x0d;
export const FW_CFG_BOOT_MENU = 0x0e;
export const FW_CFG_MAX_CPUS = 0x0f;
export const FW_CFG_FILE_DIR = 0x19;

/** ID bits: traditional interface, DMA interface. */
const FW_CFG_VERSION = 0x01;
const FW_CFG_VERSION_DMA = 0x02;

// FWCfgDmaAccess.control bits.
const DMA_ERROR = 0x01;
const DMA_READ = 0x02;
const DMA_SKIP = 0x04;
const DMA_SELECT = 0x08;
const DMA_WRITE = 0x10;

/** "QEMU CFG", what a read of the DMA port returns (big-endian). */
const DMA_SIGNATURE = [0x51, 0x45, 0x4d, 0x55, 0x20, 0x43, 0x46, 0x47];

function le(value: number, bytes: number): Uint8Array {
  const out = new Uint8Array(bytes);
  let v = value;
  for (let i = 0; i < bytes; i++) {
    out[i] = v % 256;
    v = Math.floor(v / 256);
  }
  return out;
}

const FIELDS = ['key', 'offset', 'dmaHi'] as const;

export class FwCfg implements PortHandler {
  private readonly items = new Map<number, Uint8Array>();
  private key = 0;
  private offset = 0;
  private dmaHi = 0;

  constructor(
    private readonly mem: GuestMemory,
    cfg: { ramBytes: number; cpus: number },
  ) {
    this.items.set(FW_CFG_SIGNATURE, new Uint8Array([0x51, 0x45, 0x4d, 0x55])); // "QEMU"
    this.items.set(FW_CFG_ID, le(FW_CFG_VERSION | FW_CFG_VERSION_DMA, 4));
    this.items.set(FW_CFG_UUID, new Uint8Array(16));
    this.items.set(FW_CFG_RAM_SIZE, le(cfg.ramBytes, 8));
    this.items.set(FW_CFG_NOGRAPHIC, le(0, 2));
    this.items.set(FW_CFG_NB_CPUS, le(cfg.cpus, 2));
    this.items.set(FW_CFG_MACHINE_ID, le(0, 4));
    this.items.set(FW_CFG_NUMA, le(0, 8));
    this.items.set(FW_CFG_BOOT_MENU, le(0, 2));
    this.items.set(FW_CFG_MAX_CPUS, le(cfg.cpus, 2));
    this.items.set(FW_CFG_FILE_DIR, new Uint8Array(4)); // big-endian count 0
  }

  saveState(): PlainRecord {
    return takeFields(this, FIELDS);
  }

  loadState(s: PlainRecord): void {
    putFields(this, s, FIELDS);
  }

  private select(key: number): void {
    this.key = key & 0xffff;
    this.offset = 0;
  }

  private readByte(): number {
    const item = this.items.get(this.key);
    if (!item || this.offset >= item.length) return 0;
    return item[this.offset++]!;
  }

  portIn(port: number, size: 1 | 2 | 4): number {
    if (port === FW_CFG_PORT_DATA) {
      let v = 0;
      for (let i = 0; i < size; i++) v |= this.readByte() << (8 * i);
      return size === 4 ? v >>> 0 : v;
    }
    if (port >= FW_CFG_PORT_DMA && port < FW_CFG_PORT_DMA + 8) {
      // The signature's bytes in port order (a 32-bit read at 0x514 gives "QEMU" in memory).
      let v = 0;
      for (let i = 0; i < size; i++) v |= DMA_SIGNATURE[(port - FW_CFG_PORT_DMA + i) & 7]! << (8 * i);
      return size === 4 ? v >>> 0 : v;
    }
    return 0;
  }

  portOut(port: number, size: 1 | 2 | 4, value: number): void {
    if (port === FW_CFG_PORT_SEL) {
      this.select(value & (size === 1 ? 0xff : 0xffff));
      return;
    }
    if (port === FW_CFG_PORT_DMA && size === 4) {
      this.dmaHi = bswap32(value);
    } else if (port === FW_CFG_PORT_DMA + 4 && size === 4) {
      const addr = this.dmaHi * 0x1_0000_0000 + bswap32(value);
      this.dmaHi = 0;
      this.dma(addr);
    }
  }

  /** Run one FWCfgDmaAccess {be32 control; be32 length; be64 address} at `addr`. */
  private dma(addr: number): void {
    const m = this.mem;
    const control = bswap32(m.read32(addr));
    const length = bswap32(m.read32(addr + 4));
    const target = bswap32(m.read32(addr + 8)) * 0x1_0000_0000 + bswap32(m.read32(addr + 12));
    if (control & DMA_SELECT) this.select(control >>> 16);
    let status = 0;
    if (control & DMA_WRITE) {
      status = DMA_ERROR; // no writable items
    } else if (control & (DMA_READ | DMA_SKIP)) {
      // Bytes past the end of the item read as zero; the work is bounded by the item size.
      const item = this.items.get(this.key);
      const avail = item ? Math.max(0, item.length - this.offset) : 0;
      const n = Math.min(length, avail);
      if (control & DMA_READ) {
        if (!m.isBacked(target, length)) {
          status = DMA_ERROR;
        } else {
          if (n > 0) m.writeBytes(target, item!.subarray(this.offset, this.offset + n));
          m.fill(target + n, length - n, 0);
        }
      }
      this.offset += n;
    }
    m.write32(addr, bswap32(status));
  }
}

function bswap32(v: number): number {
  return (((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24)) >>> 0;
}
