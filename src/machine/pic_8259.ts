// The cascaded 8259A pair of a PC (Intel 8259A datasheet; QEMU hw/intc/i8259.c for PC details):
// master at 0x20/0x21, slave at 0xA0/0xA1 on master input 2, ELCR at 0x4D0/0x4D1 (PIIX) choosing
// edge or level per line. Supports ICW1-4, OCW2 (EOI, specific EOI, rotations, set priority),
// OCW3 (read IRR/ISR, poll, special mask), auto-EOI, special fully nested mode.
import type { PortHandler } from './io_bus.ts';
import { putFields, takeFields, type PlainRecord } from './snapshot.ts';

const CHIP_FIELDS = [
  'irr', 'imr', 'isr', 'priorityAdd', 'irqBase', 'readRegSelect', 'poll', 'specialMask', 'initState', 'autoEoi',
  'rotateOnAutoEoi', 'specialFullyNested', 'init4', 'singleMode', 'lastIrr', 'elcr',
] as const;

class Chip {
  irr = 0;
  imr = 0;
  isr = 0;
  /** Rotation: the line with the highest priority is `priorityAdd`. */
  priorityAdd = 0;
  irqBase = 0;
  readRegSelect = 0;
  poll = false;
  specialMask = false;
  initState = 0;
  autoEoi = false;
  rotateOnAutoEoi = false;
  specialFullyNested = false;
  init4 = false;
  singleMode = false;
  /** Edge detection: the last level seen on each input. */
  lastIrr = 0;
  elcr = 0;

  constructor(
    readonly isMaster: boolean,
    readonly elcrMask: number,
  ) {}

  /** Priority (0 = highest) of the highest-priority bit in mask, or 8 if none. */
  priorityOf(mask: number): number {
    if (mask === 0) return 8;
    let p = 0;
    while ((mask & (1 << ((p + this.priorityAdd) & 7))) === 0) p++;
    return p;
  }

  /** The line that would be delivered now, or -1. */
  pendingIrq(): number {
    const p = this.priorityOf(this.irr & ~this.imr);
    if (p === 8) return -1;
    let inService = this.isr;
    if (this.specialMask) inService &= ~this.imr;
    // In special fully nested mode the slave's line in service does not block more slave requests.
    if (this.specialFullyNested && this.isMaster) inService &= ~(1 << 2);
    const cur = this.priorityOf(inService);
    return p < cur ? (p + this.priorityAdd) & 7 : -1;
  }

  setInput(irq: number, level: boolean): void {
    const mask = 1 << irq;
    if (this.elcr & mask) {
      if (level) {
        this.irr |= mask;
        this.lastIrr |= mask;
      } else {
        this.irr &= ~mask;
        this.lastIrr &= ~mask;
      }
    } else if (level) {
      if ((this.lastIrr & mask) === 0) this.irr |= mask;
      this.lastIrr |= mask;
    } else {
      this.lastIrr &= ~mask;
    }
  }

  /** Interrupt acknowledge for `irq`: move it to in-service (unless auto-EOI) and clear an edge request. */
  intack(irq: number): void {
    if (this.autoEoi) {
      if (this.rotateOnAutoEoi) this.priorityAdd = (irq + 1) & 7;
    } else {
      this.isr |= 1 << irq;
    }
    if (!(this.elcr & (1 << irq))) this.irr &= ~(1 << irq);
  }

  /** ICW1 re-initialises everything except the ELCR; level-triggered requests survive. */
  initReset(): void {
    this.lastIrr = 0;
    this.irr &= this.elcr;
    this.imr = 0;
    this.isr = 0;
    this.priorityAdd = 0;
    this.irqBase = 0;
    this.readRegSelect = 0;
    this.poll = false;
    this.specialMask = false;
    this.initState = 0;
    this.autoEoi = false;
    this.rotateOnAutoEoi = false;
    this.specialFullyNested = false;
    this.init4 = false;
    this.singleMode = false;
  }
}

export class Pic8259 implements PortHandler {
  private readonly master = new Chip(true, 0xf8);
  private readonly slave = new Chip(false, 0xde);
  private output = false;

  /** `onOutput` sees the master's INTR line change (to the CPU, or LAPIC LINT0 in ExtINT mode). */
  constructor(private readonly onOutput: (level: boolean) => void = () => {}) {}

  saveState(): PlainRecord {
    return { master: takeFields(this.master, CHIP_FIELDS), slave: takeFields(this.slave, CHIP_FIELDS), output: this.output };
  }

  loadState(s: PlainRecord): void {
    putFields(this.master, s.master as PlainRecord, CHIP_FIELDS);
    putFields(this.slave, s.slave as PlainRecord, CHIP_FIELDS);
    this.output = s.output as boolean;
  }

  /** Drive ISA IRQ line 0..15. */
  setIrq(irq: number, level: boolean): void {
    if (irq < 0 || irq > 15) return;
    if (irq < 8) this.master.setInput(irq, level);
    else this.slave.setInput(irq - 8, level);
    this.update();
  }

  /** The master's INTR output. */
  get interruptPending(): boolean {
    return this.output;
  }

  /** The INTA cycle: the vector of the highest-priority request (spurious IRQ7/IRQ15 if it vanished). */
  acknowledge(): number {
    let vector: number;
    const irq = this.master.pendingIrq();
    if (irq >= 0) {
      if (irq === 2) {
        let irq2 = this.slave.pendingIrq();
        if (irq2 >= 0) this.slave.intack(irq2);
        else irq2 = 7; // spurious slave interrupt
        vector = this.slave.irqBase + irq2;
      } else {
        vector = this.master.irqBase + irq;
      }
      this.master.intack(irq);
    } else {
      vector = this.master.irqBase + 7; // spurious master interrupt
    }
    this.update();
    return vector;
  }

  private update(): void {
    // Slave INTR drives master input 2.
    this.master.setInput(2, this.slave.pendingIrq() >= 0);
    const level = this.master.pendingIrq() >= 0;
    if (level !== this.output) {
      this.output = level;
      this.onOutput(level);
    }
  }

  portIn(port: number): number {
    if (port === 0x4d0) return this.master.elcr;
    if (port === 0x4d1) return this.slave.elcr;
    const chip = port < 0xa0 ? this.master : this.slave;
    if (chip.poll) {
      chip.poll = false;
      const irq = chip.pendingIrq();
      if (irq < 0) return 0;
      chip.intack(irq);
      this.update();
      return irq | 0x80;
    }
    if ((port & 1) === 0) return chip.readRegSelect ? chip.isr : chip.irr;
    return chip.imr;
  }

  portOut(port: number, _size: number, value: number): void {
    value &= 0xff;
    if (port === 0x4d0 || port === 0x4d1) {
      const chip = port === 0x4d0 ? this.master : this.slave;
      chip.elcr = value & chip.elcrMask;
      this.update();
      return;
    }
    const chip = port < 0xa0 ? this.master : this.slave;
    if ((port & 1) === 0) this.command(chip, value);
    else this.data(chip, value);
    this.update();
  }

  private command(c: Chip, v: number): void {
    if (v & 0x10) {
      // ICW1
      c.initReset();
      c.initState = 1;
      c.init4 = (v & 1) !== 0;
      c.singleMode = (v & 2) !== 0;
      return;
    }
    if (v & 0x08) {
      // OCW3
      if (v & 0x04) c.poll = true;
      if (v & 0x02) c.readRegSelect = v & 1;
      if (v & 0x40) c.specialMask = ((v >> 5) & 1) !== 0;
      return;
    }
    // OCW2
    const cmd = v >> 5;
    switch (cmd) {
      case 0: // rotate in auto-EOI mode clear
      case 4: // rotate in auto-EOI mode set
        c.rotateOnAutoEoi = cmd === 4;
        break;
      case 1: // non-specific EOI
      case 5: {
        // rotate on non-specific EOI
        const p = c.priorityOf(c.isr);
        if (p !== 8) {
          const irq = (p + c.priorityAdd) & 7;
          c.isr &= ~(1 << irq);
          if (cmd === 5) c.priorityAdd = (irq + 1) & 7;
        }
        break;
      }
      case 3: // specific EOI
        c.isr &= ~(1 << (v & 7));
        break;
      case 6: // set priority: line v&7 becomes the lowest
        c.priorityAdd = ((v & 7) + 1) & 7;
        break;
      case 7: {
        // rotate on specific EOI
        const irq = v & 7;
        c.isr &= ~(1 << irq);
        c.priorityAdd = (irq + 1) & 7;
        break;
      }
      default:
        break; // 2: no operation
    }
  }

  private data(c: Chip, v: number): void {
    switch (c.initState) {
      case 0: // OCW1
        c.imr = v;
        break;
      case 1: // ICW2
        c.irqBase = v & 0xf8;
        c.initState = c.singleMode ? (c.init4 ? 3 : 0) : 2;
        break;
      case 2: // ICW3 (cascade wiring: fixed on a PC)
        c.initState = c.init4 ? 3 : 0;
        break;
      case 3: // ICW4
        c.specialFullyNested = ((v >> 4) & 1) !== 0;
        c.autoEoi = ((v >> 1) & 1) !== 0;
        c.initState = 0;
        break;
    }
  }
}
