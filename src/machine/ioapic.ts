// The I/O APIC (Intel 82093AA datasheet; version 0x20 with the EOI register, as QEMU's default):
// IOREGSEL at +0x00, IOWIN at +0x10, EOI at +0x40; 24 redirection entries with edge or level
// trigger, remote IRR for level interrupts, cleared by an EOI broadcast from a local APIC.
import type { MmioHandler } from './mmio.ts';
import type { ApicBus } from './apic_bus.ts';
import { putFields, takeFields, type PlainRecord } from './snapshot.ts';

const IOAPIC_FIELDS = ['id', 'ioregsel', 'rteLo', 'rteHi', 'irr'] as const;

export const IOAPIC_DEFAULT_BASE = 0xfec00000;
export const IOAPIC_PINS = 24;
export const IOAPIC_VERSION = 0x20;

const RTE_MASKED = 0x10000;
const RTE_TRIGGER_LEVEL = 0x8000;
const RTE_REMOTE_IRR = 0x4000;
const RTE_DELIVERY_STATUS = 0x1000;
/** Bits of the low dword software can write (delivery status and remote IRR are read-only). */
const RTE_LO_WRITABLE = 0x1afff;

export class IoApic implements MmioHandler {
  id = 0;
  private ioregsel = 0;
  /** Redirection table: low and high dwords per pin. */
  readonly rteLo = new Uint32Array(IOAPIC_PINS).fill(RTE_MASKED);
  readonly rteHi = new Uint32Array(IOAPIC_PINS);
  /** Input levels (for level-triggered re-delivery) and latched edge requests. */
  private irr = 0;

  constructor(private readonly bus: ApicBus) {
    bus.onEoi((v) => this.eoi(v));
  }

  saveState(): PlainRecord {
    return takeFields(this, IOAPIC_FIELDS);
  }

  loadState(s: PlainRecord): void {
    putFields(this, s, IOAPIC_FIELDS);
  }

  /** Drive input pin `pin`. Edge requests on masked pins are dropped (82093AA §3.2.4). */
  setIrq(pin: number, level: boolean): void {
    if (pin < 0 || pin >= IOAPIC_PINS) return;
    const mask = 1 << pin;
    const lo = this.rteLo[pin]!;
    if (lo & RTE_TRIGGER_LEVEL) {
      if (level) {
        this.irr |= mask;
        this.service();
      } else {
        this.irr &= ~mask;
      }
    } else if (level && !(lo & RTE_MASKED)) {
      this.irr |= mask;
      this.service();
    }
  }

  private service(): void {
    for (let pin = 0; pin < IOAPIC_PINS; pin++) {
      const mask = 1 << pin;
      if (!(this.irr & mask)) continue;
      const lo = this.rteLo[pin]!;
      if (lo & RTE_MASKED) continue;
      const level = (lo & RTE_TRIGGER_LEVEL) !== 0;
      if (level) {
        if (lo & RTE_REMOTE_IRR) continue;
        this.rteLo[pin] = lo | RTE_REMOTE_IRR;
      } else {
        this.irr &= ~mask;
      }
      const vector = lo & 0xff;
      const mode = (lo >>> 8) & 7;
      const logical = (lo & 0x800) !== 0;
      this.bus.deliver(this.rteHi[pin]! >>> 24, logical, mode, vector, level);
    }
  }

  /** EOI for `vector` (broadcast from a local APIC or written to the EOI register). */
  eoi(vector: number): void {
    let any = false;
    for (let pin = 0; pin < IOAPIC_PINS; pin++) {
      const lo = this.rteLo[pin]!;
      if ((lo & 0xff) === vector && lo & RTE_REMOTE_IRR) {
        this.rteLo[pin] = lo & ~RTE_REMOTE_IRR;
        any = true;
      }
    }
    // A level input still asserted is delivered again.
    if (any) this.service();
  }

  private readReg(): number {
    const r = this.ioregsel;
    if (r === 0x00) return (this.id & 0xf) << 24;
    if (r === 0x01) return ((IOAPIC_PINS - 1) << 16) | IOAPIC_VERSION;
    if (r === 0x02) return (this.id & 0xf) << 24; // arbitration ID
    if (r >= 0x10 && r < 0x10 + 2 * IOAPIC_PINS) {
      const pin = (r - 0x10) >> 1;
      return r & 1 ? this.rteHi[pin]! : this.rteLo[pin]! & ~RTE_DELIVERY_STATUS;
    }
    return 0xffffffff;
  }

  private writeReg(v: number): void {
    const r = this.ioregsel;
    if (r === 0x00) {
      this.id = (v >>> 24) & 0xf;
    } else if (r >= 0x10 && r < 0x10 + 2 * IOAPIC_PINS) {
      const pin = (r - 0x10) >> 1;
      if (r & 1) {
        this.rteHi[pin] = v & 0xff000000;
      } else {
        const old = this.rteLo[pin]!;
        let lo = (old & ~RTE_LO_WRITABLE) | (v & RTE_LO_WRITABLE);
        if (!(lo & RTE_TRIGGER_LEVEL)) lo &= ~RTE_REMOTE_IRR; // edge entries have no remote IRR
        this.rteLo[pin] = lo >>> 0;
        this.service();
      }
    }
  }

  mmioRead(offset: number, size: 1 | 2 | 4): number {
    let v: number;
    if (offset < 0x10) v = this.ioregsel;
    else if (offset >= 0x10 && offset < 0x20) v = this.readReg();
    else return 0;
    const shift = (offset & 3) * 8;
    v >>>= shift;
    return size === 4 ? v >>> 0 : v & ((1 << (size * 8)) - 1);
  }

  mmioWrite(offset: number, size: 1 | 2 | 4, value: number): void {
    if (offset === 0x00) this.ioregsel = value & 0xff;
    else if (offset === 0x10 && size === 4) this.writeReg(value >>> 0);
    else if (offset === 0x40) this.eoi(value & 0xff);
  }
}
