// The 16550A UART (National Semiconductor PC16550D datasheet), with QEMU's behaviour where the
// datasheet leaves room (hw/char/serial.c): transmission completes instantly (THRE and TEMT
// stay set), the modem lines report DCD|DSR|CTS, and the interrupt is not gated by MCR.OUT2.
// Deterministic simplification: with the FIFO enabled and fewer bytes than the trigger level,
// the character-timeout interrupt is raised at once instead of after four character times.
import type { PortHandler } from './io_bus.ts';
import { NO_IRQ, type IrqLine } from './irq.ts';
import { putFields, takeFields, type PlainRecord } from './snapshot.ts';

const UART_FIELDS = [
  'divisor', 'ier', 'iir', 'fcr', 'lcr', 'mcr', 'lsr', 'msr', 'scr', 'thrPending', 'rx', 'rxHead', 'rxCount', 'irqLevel',
] as const;

export const COM1_PORT = 0x3f8;
export const COM1_IRQ = 4;

// Register offsets (datasheet Table II).
const RBR_THR_DLL = 0;
const IER_DLM = 1;
const IIR_FCR = 2;
const LCR = 3;
const MCR = 4;
const LSR = 5;
const MSR = 6;

const IER_RDI = 0x01;
const IER_THRI = 0x02;
const IER_RLSI = 0x04;
const IER_MSI = 0x08;

export const IIR_NO_INT = 0x01;
export const IIR_MSI = 0x00;
export const IIR_THRI = 0x02;
export const IIR_RDI = 0x04;
export const IIR_RLSI = 0x06;
export const IIR_CTI = 0x0c;
const IIR_FIFO_ENABLED = 0xc0;

const FCR_FE = 0x01;
const FCR_RFR = 0x02;
const FCR_XFR = 0x04;

const LCR_DLAB = 0x80;

const MCR_DTR = 0x01;
const MCR_RTS = 0x02;
const MCR_OUT1 = 0x04;
const MCR_OUT2 = 0x08;
const MCR_LOOP = 0x10;

export const LSR_DR = 0x01;
export const LSR_OE = 0x02;
export const LSR_BI = 0x10;
export const LSR_THRE = 0x20;
export const LSR_TEMT = 0x40;
const LSR_INT_ANY = 0x1e;

const MSR_CTS = 0x10;
const MSR_DSR = 0x20;
const MSR_RI = 0x40;
const MSR_DCD = 0x80;
/** DCTS|DDSR|TERI|DDCD: modem line changes (never happen here: the lines are fixed). */
const MSR_ANY_DELTA = 0x0f;

const FIFO_SIZE = 16;
const TRIGGER_LEVELS = [1, 4, 8, 14] as const;

export class Uart16550 implements PortHandler {
  private divisor = 12; // 9600 baud
  private ier = 0;
  private iir = IIR_NO_INT;
  private fcr = 0;
  private lcr = 0;
  private mcr = MCR_OUT2;
  private lsr = LSR_THRE | LSR_TEMT;
  private msr = MSR_DCD | MSR_DSR | MSR_CTS;
  private scr = 0;
  private thrPending = false;
  private readonly rx = new Uint8Array(FIFO_SIZE);
  private rxHead = 0;
  private rxCount = 0;
  private irqLevel = false;

  constructor(
    readonly base: number,
    private readonly output: (byte: number) => void,
    private readonly irq: IrqLine = NO_IRQ,
  ) {}

  saveState(): PlainRecord {
    return takeFields(this, UART_FIELDS);
  }

  loadState(s: PlainRecord): void {
    putFields(this, s, UART_FIELDS);
  }

  /** Free space in the receive FIFO (1 byte when the FIFO is off), for input pacing. */
  rxSpace(): number {
    return (this.fcr & FCR_FE ? FIFO_SIZE : 1) - this.rxCount;
  }

  /** Host input: queue bytes as received characters. Returns how many were accepted; extra bytes are dropped with OE. */
  receive(bytes: ArrayLike<number>): number {
    let n = 0;
    for (let i = 0; i < bytes.length; i++) {
      if (this.rxSpace() <= 0) {
        this.lsr |= LSR_OE;
        break;
      }
      this.rx[(this.rxHead + this.rxCount) % FIFO_SIZE] = bytes[i]! & 0xff;
      this.rxCount++;
      n++;
    }
    if (n) this.lsr |= LSR_DR;
    this.updateIrq();
    return n;
  }

  portIn(port: number): number {
    const reg = (port - this.base) & 7;
    switch (reg) {
      case RBR_THR_DLL:
        if (this.lcr & LCR_DLAB) return this.divisor & 0xff;
        return this.readRbr();
      case IER_DLM:
        return this.lcr & LCR_DLAB ? (this.divisor >>> 8) & 0xff : this.ier;
      case IIR_FCR: {
        const v = this.iir | (this.fcr & FCR_FE ? IIR_FIFO_ENABLED : 0);
        if ((this.iir & 0x0f) === IIR_THRI) {
          this.thrPending = false;
          this.updateIrq();
        }
        return v;
      }
      case LCR:
        return this.lcr;
      case MCR:
        return this.mcr;
      case LSR: {
        const v = this.lsr;
        // Reading LSR clears the error bits (datasheet 8.6.3).
        if (this.lsr & (LSR_BI | LSR_OE)) {
          this.lsr &= ~(LSR_BI | LSR_OE);
          this.updateIrq();
        }
        return v;
      }
      case MSR: {
        if (this.mcr & MCR_LOOP) {
          // Loopback: the modem outputs feed the inputs (datasheet 8.6.5).
          return (
            (this.mcr & MCR_RTS ? MSR_CTS : 0) |
            (this.mcr & MCR_DTR ? MSR_DSR : 0) |
            (this.mcr & MCR_OUT1 ? MSR_RI : 0) |
            (this.mcr & MCR_OUT2 ? MSR_DCD : 0)
          );
        }
        const v = this.msr;
        if (this.msr & MSR_ANY_DELTA) {
          this.msr &= ~MSR_ANY_DELTA;
          this.updateIrq();
        }
        return v;
      }
      default:
        return this.scr;
    }
  }

  portOut(port: number, _size: number, value: number): void {
    const reg = (port - this.base) & 7;
    value &= 0xff;
    switch (reg) {
      case RBR_THR_DLL:
        if (this.lcr & LCR_DLAB) {
          this.divisor = (this.divisor & 0xff00) | value;
          return;
        }
        this.thrPending = false;
        if (this.mcr & MCR_LOOP) this.receive([value]);
        else this.output(value);
        // Transmission completes at once: the holding register is empty again.
        this.lsr |= LSR_THRE | LSR_TEMT;
        this.thrPending = true;
        this.updateIrq();
        return;
      case IER_DLM:
        if (this.lcr & LCR_DLAB) {
          this.divisor = (this.divisor & 0xff) | (value << 8);
          return;
        }
        {
          const old = this.ier;
          this.ier = value & 0x0f;
          // Enabling THRI while the holding register is empty raises it (QEMU serial_ioport_write).
          if (!(old & IER_THRI) && this.ier & IER_THRI && this.lsr & LSR_THRE) this.thrPending = true;
          this.updateIrq();
        }
        return;
      case IIR_FCR:
        if (value & FCR_RFR) {
          this.rxHead = 0;
          this.rxCount = 0;
          this.lsr &= ~LSR_DR;
        }
        if (value & FCR_XFR) {
          this.lsr |= LSR_THRE | LSR_TEMT;
          this.thrPending = true;
        }
        if ((value ^ this.fcr) & FCR_FE) {
          // Changing the FIFO enable bit clears both FIFOs (datasheet 8.4).
          this.rxHead = 0;
          this.rxCount = 0;
          this.lsr &= ~LSR_DR;
        }
        this.fcr = value & 0xc9;
        this.updateIrq();
        return;
      case LCR:
        this.lcr = value;
        return;
      case MCR:
        this.mcr = value & 0x1f;
        return;
      case LSR:
        return; // read-only (factory test)
      case MSR:
        return;
      default:
        this.scr = value;
    }
  }

  private readRbr(): number {
    if (this.rxCount === 0) return 0;
    const v = this.rx[this.rxHead]!;
    this.rxHead = (this.rxHead + 1) % FIFO_SIZE;
    this.rxCount--;
    if (this.rxCount === 0) this.lsr &= ~LSR_DR;
    this.updateIrq();
    return v;
  }

  private updateIrq(): void {
    let id = IIR_NO_INT;
    const fifo = (this.fcr & FCR_FE) !== 0;
    const trigger = TRIGGER_LEVELS[this.fcr >>> 6]!;
    if (this.ier & IER_RLSI && this.lsr & LSR_INT_ANY) id = IIR_RLSI;
    else if (this.ier & IER_RDI && this.lsr & LSR_DR) id = fifo && this.rxCount < trigger ? IIR_CTI : IIR_RDI;
    else if (this.ier & IER_THRI && this.thrPending) id = IIR_THRI;
    else if (this.ier & IER_MSI && this.msr & MSR_ANY_DELTA) id = IIR_MSI;
    this.iir = id;
    const level = id !== IIR_NO_INT;
    if (level !== this.irqLevel) {
      this.irqLevel = level;
      this.irq(level);
    }
  }
}
