// The local APIC (Intel SDM Vol. 3A ch. 11 "Advanced Programmable Interrupt Controller"):
// the xAPIC register page at 0xFEE00000 and the x2APIC MSR view (0x800 + register index),
// interrupt acceptance with IRR/ISR/TMR and task/processor priority (§11.8), EOI with
// broadcast to the I/O APICs for level-triggered vectors, the ICR (fixed, lowest priority,
// NMI, INIT, SIPI, shorthands, self-IPI), the LVT, the error status register and the timer in
// one-shot, periodic and TSC-deadline modes (§11.5.4). Like QEMU the timer counts at 1 GHz
// (one tick per virtual ns) before the divide configuration.
import type { MmioHandler } from './mmio.ts';
import type { Timer, VirtualClock } from './virtual_clock.ts';
import type { ApicBus } from './apic_bus.ts';
import { putFields, takeFields, type PlainRecord } from './snapshot.ts';
import { FEATURES_1_ECX } from '../x86/exec/cpuid.ts';

const LAPIC_FIELDS = [
  'apicBase', 'id', 'irr', 'isr', 'tmr', 'tpr', 'ldr', 'dfr', 'svr', 'esr', 'esrPending', 'icrLo', 'icrHi', 'lvt',
  'timerInitial', 'timerLoadNs', 'timerDivide', 'timerShift', 'tscDeadline', 'lintLevel', 'nmiPending', 'initPending',
  'sipiVector', 'waitingForSipi',
] as const;

export const APIC_DEFAULT_BASE = 0xfee00000;
export const MSR_IA32_APICBASE = 0x1b;
export const MSR_IA32_TSC_DEADLINE = 0x6e0;
/** CPUID.1:ECX bit 24: the TSC-deadline timer mode and IA32_TSC_DEADLINE exist. */
export const CPUID_TSC_DEADLINE = 1 << 24;
export const APICBASE_BSP = 0x100;
export const APICBASE_EXTD = 0x400;
export const APICBASE_EN = 0x800;

/** Version register: version 0x14 with 6 LVT entries (max LVT index 5), as QEMU reports. */
export const APIC_VERSION = 0x00050014;

// Register indexes (offset >> 4), SDM Table 11-1.
export const REG_ID = 0x02;
export const REG_VERSION = 0x03;
export const REG_TPR = 0x08;
export const REG_APR = 0x09;
export const REG_PPR = 0x0a;
export const REG_EOI = 0x0b;
export const REG_LDR = 0x0d;
export const REG_DFR = 0x0e;
export const REG_SVR = 0x0f;
export const REG_ISR = 0x10;
export const REG_TMR = 0x18;
export const REG_IRR = 0x20;
export const REG_ESR = 0x28;
export const REG_ICR_LO = 0x30;
export const REG_ICR_HI = 0x31;
export const REG_LVT_TIMER = 0x32;
export const REG_LVT_THERMAL = 0x33;
export const REG_LVT_PERF = 0x34;
export const REG_LVT_LINT0 = 0x35;
export const REG_LVT_LINT1 = 0x36;
export const REG_LVT_ERROR = 0x37;
export const REG_TIMER_ICR = 0x38;
export const REG_TIMER_CCR = 0x39;
export const REG_TIMER_DCR = 0x3e;
export const REG_SELF_IPI = 0x3f;

const LVT_TIMER = 0;
const LVT_LINT0 = 3;
const LVT_LINT1 = 4;
const LVT_ERROR = 5;
const LVT_MASKED = 0x10000;
/** Writable bits per LVT entry (SDM Figure 11-8). */
const LVT_WRITE_MASK = [0x700ff, 0x107ff, 0x107ff, 0x1a7ff, 0x1a7ff, 0x100ff] as const;

export const SVR_ENABLE = 0x100;
const SVR_WRITE_MASK = 0x13ff;

// Delivery modes (SDM Table 11-2 / ICR bits 10:8).
export const DM_FIXED = 0;
export const DM_LOWEST = 1;
export const DM_SMI = 2;
export const DM_NMI = 4;
export const DM_INIT = 5;
export const DM_STARTUP = 6;
export const DM_EXTINT = 7;

// Error status bits (SDM Figure 11-9).
export const ESR_SEND_ILLEGAL_VECTOR = 0x20;
export const ESR_RECEIVE_ILLEGAL_VECTOR = 0x40;
export const ESR_ILLEGAL_REGISTER = 0x80;

// Timer modes, LVT timer bits 18:17: 0 one-shot, 1 periodic, 2 TSC-deadline.
const TIMER_PERIODIC = 1;
const TIMER_TSC_DEADLINE = 2;

function highestBit(words: Uint32Array): number {
  for (let i = 7; i >= 0; i--) {
    const w = words[i]!;
    if (w !== 0) return i * 32 + 31 - Math.clz32(w);
  }
  return -1;
}

export class LocalApic implements MmioHandler {
  /** IA32_APIC_BASE value (base | EN | EXTD | BSP). */
  apicBase: number;
  id: number;
  /** The hardware-assigned (initial) APIC ID: the x2APIC ID, and the xAPIC ID after a global disable. */
  readonly initialId: number;
  readonly irr = new Uint32Array(8);
  /** Number of bits set in IRR: lets the CPU's per-instruction interrupt check exit early. */
  irrCount = 0;
  readonly isr = new Uint32Array(8);
  readonly tmr = new Uint32Array(8);
  tpr = 0;
  ldr = 0;
  dfr = 0xffffffff;
  svr = 0xff;
  /** ESR as last latched by a write, and errors seen since. */
  esr = 0;
  private esrPending = 0;
  icrLo = 0;
  icrHi = 0;
  readonly lvt = new Uint32Array(6);
  timerInitial = 0;
  private timerLoadNs = 0;
  /** A one-shot count that reached 0 before a switch to periodic: it stays 0 until TMICT is written. */
  private timerStopped = false;
  private timerDivide = 0;
  private timerShift = 1;
  /** IA32_TSC_DEADLINE (0 = disarmed). */
  tscDeadline = 0;
  private readonly timer: Timer;
  private lintLevel = [false, false];

  /** Set by NMI delivery (ICR, LINT1); the CPU clears it when it takes the NMI. */
  nmiPending = false;
  /** Set by an INIT IPI; the machine resets the vCPU to wait-for-SIPI and clears it. */
  initPending = false;
  /** SIPI vector received while waiting for SIPI, or -1. */
  sipiVector = -1;
  /** True while the vCPU waits for a start-up IPI (after INIT, or an AP at power-on). */
  waitingForSipi = false;
  /** Called when something may now be deliverable (wakes a halted vCPU). */
  onWake: () => void = () => {};

  constructor(
    readonly index: number,
    apicId: number,
    readonly isBsp: boolean,
    private readonly clock: VirtualClock,
    private readonly bus: ApicBus,
  ) {
    this.initialId = apicId;
    this.id = apicId;
    this.apicBase = (APIC_DEFAULT_BASE | APICBASE_EN | (isBsp ? APICBASE_BSP : 0)) >>> 0;
    this.waitingForSipi = !isBsp;
    this.timer = clock.createTimer(() => this.onTimer(), `lapic${index}`);
    this.resetRegisters();
  }

  /** Registers and pins; the timer's deadline is saved with the clock. */
  saveState(): PlainRecord {
    return { ...takeFields(this, LAPIC_FIELDS), timerStopped: this.timerStopped };
  }

  loadState(s: PlainRecord): void {
    putFields(this, s, LAPIC_FIELDS);
    this.timerStopped = s['timerStopped'] === true; // absent in snapshots taken before it existed
    this.recountIrr();
  }

  private recountIrr(): void {
    let n = 0;
    for (let i = 0; i < 8; i++) {
      let w = this.irr[i]!;
      while (w !== 0) {
        w &= w - 1;
        n++;
      }
    }
    this.irrCount = n;
  }

  get hwEnabled(): boolean {
    return (this.apicBase & APICBASE_EN) !== 0;
  }

  get x2apic(): boolean {
    return (this.apicBase & APICBASE_EXTD) !== 0;
  }

  get swEnabled(): boolean {
    return (this.svr & SVR_ENABLE) !== 0;
  }

  /** Register state after RESET or INIT (SDM §11.4.7.3): everything but the ID and APIC base. */
  resetRegisters(): void {
    this.irr.fill(0);
    this.irrCount = 0;
    this.isr.fill(0);
    this.tmr.fill(0);
    this.tpr = 0;
    this.ldr = 0;
    this.dfr = 0xffffffff;
    this.svr = 0xff;
    this.esr = 0;
    this.esrPending = 0;
    this.icrLo = 0;
    this.icrHi = 0;
    this.lvt.fill(LVT_MASKED);
    this.timerInitial = 0;
    this.timerDivide = 0;
    this.timerShift = 1;
    this.tscDeadline = 0;
    this.timerStopped = false;
    this.timer.cancel();
    this.nmiPending = false;
    this.sipiVector = -1;
    if (this.x2apic) this.ldr = this.x2apicLdr();
  }

  /** The state SeaBIOS leaves on the BSP before a direct-boot kernel runs under QEMU (smp.c). */
  applyFirmwareState(): void {
    this.svr |= SVR_ENABLE;
    this.lvt[LVT_LINT0] = 0x8700; // ExtINT, level
    this.lvt[LVT_LINT1] = 0x8400; // NMI, level
  }

  private x2apicLdr(): number {
    return (((this.id >>> 4) << 16) | (1 << (this.id & 0xf))) >>> 0;
  }

  // --- IA32_APIC_BASE (SDM §11.4.4, §11.12.5) ---

  /** Write IA32_APIC_BASE; false means the transition is illegal (#GP). */
  writeApicBase(value: number): boolean {
    const en = (value & APICBASE_EN) !== 0;
    const extd = (value & APICBASE_EXTD) !== 0;
    if (extd && !en) return false;
    if (this.x2apic && en && !extd) return false; // x2APIC -> xAPIC must go through disabled
    if (!this.hwEnabled && extd) return false; // disabled -> x2APIC must go through xAPIC (§11.12.5, Figure 11-28)
    const wasEnabled = this.hwEnabled;
    const wasX2 = this.x2apic;
    this.apicBase = (value - (value % 0x1000)) + (value & (APICBASE_EN | APICBASE_EXTD)) + (this.isBsp ? APICBASE_BSP : 0);
    if (wasEnabled && !en) {
      // Globally disabling returns the APIC to its power-up state, including the xAPIC ID
      // software may have written (SDM Vol 3 §11.4.3); INIT keeps it (resetRegisters).
      this.resetRegisters();
      this.id = this.initialId;
    }
    if (!wasX2 && extd) {
      this.id = this.initialId; // the x2APIC ID is the read-only initial ID (SDM Vol 3 §11.12.5.1)
      this.ldr = this.x2apicLdr();
    }
    this.onWake();
    return true;
  }

  // --- interrupt acceptance (SDM §11.8) ---

  /** Processor priority: the higher class of TPR and the highest in-service vector. */
  ppr(): number {
    const isrv = Math.max(highestBit(this.isr), 0);
    return (this.tpr & 0xf0) >= (isrv & 0xf0) ? this.tpr & 0xff : isrv & 0xf0;
  }

  /** Accept a fixed-mode interrupt into the IRR. */
  acceptFixed(vector: number, level: boolean): void {
    vector &= 0xff;
    if (vector < 16) {
      this.error(ESR_RECEIVE_ILLEGAL_VECTOR);
      return;
    }
    const w = vector >>> 5;
    const b = 1 << (vector & 31);
    if (!(this.irr[w]! & b)) this.irrCount++;
    this.irr[w] = this.irr[w]! | b;
    if (level) this.tmr[w] = this.tmr[w]! | b;
    else this.tmr[w] = this.tmr[w]! & ~b;
    this.onWake();
  }

  /** A message from the APIC bus (IPI or I/O APIC). */
  deliver(mode: number, vector: number, level: boolean): void {
    if (!this.hwEnabled) return;
    switch (mode) {
      case DM_FIXED:
      case DM_LOWEST:
        this.acceptFixed(vector, level);
        break;
      case DM_NMI:
        this.nmiPending = true;
        this.onWake();
        break;
      case DM_INIT:
        // INIT discards an earlier start-up; a SIPI sent right after it (before this vCPU ran
        // again) must still start it, as kvm-unit-tests' INIT + SIPI broadcast expects.
        this.initPending = true;
        this.sipiVector = -1;
        this.onWake();
        break;
      case DM_STARTUP:
        if ((this.waitingForSipi || this.initPending) && this.sipiVector < 0) {
          this.sipiVector = vector & 0xff;
          this.onWake();
        }
        break;
      default:
        break; // SMI and ExtINT messages are not modelled
    }
  }

  /** The highest pending vector the CPU may take now (interrupts enabled), or -1. */
  pendingVector(): number {
    if (this.irrCount === 0 || !this.hwEnabled || !this.swEnabled) return -1;
    const v = highestBit(this.irr);
    if (v < 0 || (v & 0xf0) <= (this.ppr() & 0xf0)) return -1;
    return v;
  }

  /** INTA: move the highest pending vector from IRR to ISR and return it (-1 if none). */
  acknowledge(): number {
    const v = this.pendingVector();
    if (v < 0) return -1;
    const w = v >>> 5;
    const b = 1 << (v & 31);
    this.irr[w] = this.irr[w]! & ~b;
    this.irrCount--;
    this.isr[w] = this.isr[w]! | b;
    return v;
  }

  private eoi(): void {
    const v = highestBit(this.isr);
    if (v < 0) return;
    const w = v >>> 5;
    const b = 1 << (v & 31);
    this.isr[w] = this.isr[w]! & ~b;
    // Level-triggered vectors are broadcast to the I/O APICs unless suppressed (SVR bit 12).
    if (this.tmr[w]! & b && !(this.svr & 0x1000)) this.bus.eoiBroadcast(v);
    this.onWake();
  }

  private error(bits: number): void {
    this.esrPending |= bits;
    const lvt = this.lvt[LVT_ERROR]!;
    if (lvt & LVT_MASKED) return;
    // An illegal vector in LVT Error itself only records "receive illegal vector": delivering it
    // would raise the same error again, without end (XSA-462; SDM Vol 3 §11.5.3).
    if ((lvt & 0xff) < 16) { this.esrPending |= ESR_RECEIVE_ILLEGAL_VECTOR; return; }
    this.acceptFixed(lvt & 0xff, false);
  }

  /** Whether the 8259's INTR reaches this CPU: APIC disabled, or LINT0 unmasked in ExtINT mode. */
  acceptsPicInterrupt(): boolean {
    if (!this.hwEnabled) return true;
    const l = this.lvt[LVT_LINT0]!;
    return (l & LVT_MASKED) === 0 && ((l >>> 8) & 7) === DM_EXTINT;
  }

  /** Drive LINT0/LINT1. Fixed and NMI entries act on the rising edge; ExtINT is polled by the machine. */
  setLint(pin: 0 | 1, level: boolean): void {
    const was = this.lintLevel[pin];
    this.lintLevel[pin] = level;
    const l = this.lvt[pin === 0 ? LVT_LINT0 : LVT_LINT1]!;
    if (!this.hwEnabled) {
      if (pin === 1 && level && !was) this.nmiPending = true; // LINT1 is the NMI pin when the APIC is off
      if (level && !was) this.onWake();
      return;
    }
    if (l & LVT_MASKED || !level || was) {
      if (level) this.onWake();
      return;
    }
    const dm = (l >>> 8) & 7;
    if (dm === DM_FIXED) this.acceptFixed(l & 0xff, false);
    else if (dm === DM_NMI) this.nmiPending = true;
    this.onWake();
  }

  // --- the timer (SDM §11.5.4) ---

  private timerMode(): number {
    return (this.lvt[LVT_TIMER]! >>> 17) & 3;
  }

  private tickNs(): number {
    return 2 ** this.timerShift;
  }

  /** Current count register. */
  currentCount(): number {
    if (this.timerMode() === TIMER_TSC_DEADLINE || this.timerInitial === 0 || this.timerStopped) return 0;
    const d = Math.floor((this.clock.nowNs() - this.timerLoadNs) / this.tickNs());
    if (this.timerMode() === TIMER_PERIODIC) return this.timerInitial - (d % this.timerInitial);
    return d >= this.timerInitial ? 0 : this.timerInitial - d;
  }

  private armCountdown(): void {
    if (this.timerInitial === 0 || this.timerMode() === TIMER_TSC_DEADLINE || this.timerStopped) {
      this.timer.cancel();
      return;
    }
    const now = this.clock.nowNs();
    const period = this.timerInitial * this.tickNs();
    if (this.timerMode() === TIMER_PERIODIC) {
      const n = Math.floor((now - this.timerLoadNs) / period) + 1;
      this.timer.arm(this.timerLoadNs + n * period);
    } else {
      const at = this.timerLoadNs + period;
      if (at > now) this.timer.arm(at);
      else this.timer.cancel();
    }
  }

  private onTimer(): void {
    const lvt = this.lvt[LVT_TIMER]!;
    if (!(lvt & LVT_MASKED)) this.acceptFixed(lvt & 0xff, false);
    const mode = this.timerMode();
    if (mode === TIMER_TSC_DEADLINE) this.tscDeadline = 0;
    else if (mode === TIMER_PERIODIC) this.armCountdown();
  }

  /** IA32_TSC_DEADLINE write: arm for that TSC value (0 disarms); ignored outside deadline mode. */
  writeTscDeadline(tsc: number): void {
    if (this.timerMode() !== TIMER_TSC_DEADLINE) return;
    this.tscDeadline = tsc;
    if (tsc === 0) this.timer.cancel();
    else if (tsc <= this.clock.tsc()) {
      // Already passed: the interrupt is pending right after the WRMSR (SDM Vol 3 §11.5.4.1),
      // not at the next timer poll (kvm-unit-tests apic writes the current TSC and expects it).
      this.timer.cancel();
      this.onTimer();
    } else this.timer.arm(this.clock.tscToNs(tsc));
  }

  readTscDeadline(): number {
    return this.timerMode() === TIMER_TSC_DEADLINE ? this.tscDeadline : 0;
  }

  // --- register file ---

  /** Read register `reg` (offset >> 4); undefined for a reserved register. */
  readRegister(reg: number): number | undefined {
    if (reg >= REG_ISR && reg < REG_ISR + 8) return this.isr[reg - REG_ISR]!;
    if (reg >= REG_TMR && reg < REG_TMR + 8) return this.tmr[reg - REG_TMR]!;
    if (reg >= REG_IRR && reg < REG_IRR + 8) return this.irr[reg - REG_IRR]!;
    if (reg >= REG_LVT_TIMER && reg <= REG_LVT_ERROR) return this.lvt[reg - REG_LVT_TIMER]!;
    switch (reg) {
      case REG_ID:
        return this.x2apic ? this.id : (this.id << 24) >>> 0;
      case REG_VERSION:
        return APIC_VERSION;
      case REG_TPR:
        return this.tpr;
      case REG_APR:
        return 0;
      case REG_PPR:
        return this.ppr();
      case REG_EOI:
        return 0;
      case REG_LDR:
        return this.ldr;
      case REG_DFR:
        return this.x2apic ? undefined : this.dfr;
      case REG_SVR:
        return this.svr;
      case REG_ESR:
        return this.esr;
      case REG_ICR_LO:
        return this.icrLo;
      case REG_ICR_HI:
        return this.x2apic ? undefined : this.icrHi;
      case REG_TIMER_ICR:
        return this.timerInitial;
      case REG_TIMER_CCR:
        return this.currentCount();
      case REG_TIMER_DCR:
        return this.timerDivide;
      default:
        return undefined;
    }
  }

  /** Write register `reg`; false for a reserved or read-only register. */
  writeRegister(reg: number, value: number): boolean {
    value >>>= 0;
    if (reg >= REG_LVT_TIMER && reg <= REG_LVT_ERROR) {
      const i = reg - REG_LVT_TIMER;
      let v = value & LVT_WRITE_MASK[i]!;
      // Timer mode bit 18 (10b = TSC-deadline) is reserved without CPUID.1:ECX[24] (SDM Vol 3 §11.5.1).
      if (i === LVT_TIMER && (FEATURES_1_ECX & CPUID_TSC_DEADLINE) === 0) v &= ~0x40000;
      if (!this.swEnabled) v |= LVT_MASKED; // software-disabled: LVT mask bits stay set (§11.4.7.2)
      const oldMode = this.timerMode();
      const count = i === LVT_TIMER ? this.currentCount() : 0;
      this.lvt[i] = v;
      if (i === LVT_TIMER && this.timerMode() !== oldMode) {
        // Switching to or from TSC-deadline mode disarms the timer (§11.5.4.1).
        if (oldMode === TIMER_TSC_DEADLINE || this.timerMode() === TIMER_TSC_DEADLINE) {
          this.timer.cancel();
          this.tscDeadline = 0;
          this.timerInitial = 0;
        } else if (this.timerInitial !== 0) {
          // One-shot <-> periodic keeps the current count: an expired one-shot stays at 0, a
          // running count goes on from where it is (KVM's apic_update_lvtt; kvm-unit-tests apic
          // "TMCCT should stay at zero").
          if (count === 0) this.timerStopped = true;
          else this.timerLoadNs = this.clock.nowNs() - (this.timerInitial - count) * this.tickNs();
          this.armCountdown();
        }
      }
      return true;
    }
    switch (reg) {
      case REG_ID:
        if (this.x2apic) return false;
        this.id = value >>> 24;
        return true;
      case REG_TPR:
        this.tpr = value & 0xff;
        this.onWake();
        return true;
      case REG_EOI:
        this.eoi();
        return true;
      case REG_LDR:
        if (this.x2apic) return false;
        this.ldr = value & 0xff000000;
        return true;
      case REG_DFR:
        if (this.x2apic) return false;
        this.dfr = (value | 0x0fffffff) >>> 0;
        return true;
      case REG_SVR:
        this.svr = value & SVR_WRITE_MASK;
        if (!this.swEnabled) for (let i = 0; i < 6; i++) this.lvt[i] = this.lvt[i]! | LVT_MASKED;
        this.onWake();
        return true;
      case REG_ESR:
        this.esr = this.esrPending;
        this.esrPending = 0;
        return true;
      case REG_ICR_LO:
        this.icrLo = value & 0x000ccfff;
        this.bus.sendIpi(this, this.icrLo, this.x2apic ? this.icrHi : this.icrHi >>> 24);
        return true;
      case REG_ICR_HI:
        if (this.x2apic) return false;
        this.icrHi = value & 0xff000000;
        return true;
      case REG_TIMER_ICR:
        if (this.timerMode() === TIMER_TSC_DEADLINE) return true; // ignored in deadline mode
        this.timerInitial = value;
        this.timerStopped = false;
        this.timerLoadNs = this.clock.nowNs();
        this.armCountdown();
        return true;
      case REG_TIMER_DCR: {
        // Divide value: bits 0,1,3 (SDM Figure 11-10); 0b1011 is divide by 1.
        const code = (value & 3) | ((value >>> 1) & 4);
        const count = this.currentCount();
        this.timerDivide = value & 0xb;
        this.timerShift = (code + 1) & 7;
        // Keep counting from the current value at the new rate.
        if (this.timerInitial !== 0 && this.timerMode() !== TIMER_TSC_DEADLINE) {
          this.timerLoadNs = this.clock.nowNs() - (this.timerInitial - count) * this.tickNs();
          this.armCountdown();
        }
        return true;
      }
      default:
        return false;
    }
  }

  // --- xAPIC MMIO view ---

  mmioRead(offset: number, size: 1 | 2 | 4): number {
    if (!this.hwEnabled || this.x2apic) return 0xffffffff;
    if (size !== 4 || (offset & 0xf) !== 0) return 0; // registers are 32-bit, 16-byte aligned (QEMU returns 0)
    const reg = offset >>> 4;
    const v = this.readRegister(reg);
    if (v === undefined) {
      this.error(ESR_ILLEGAL_REGISTER);
      return 0;
    }
    return v >>> 0;
  }

  mmioWrite(offset: number, size: 1 | 2 | 4, value: number): void {
    if (!this.hwEnabled || this.x2apic) return;
    if (size !== 4 || (offset & 0xf) !== 0) return;
    const reg = offset >>> 4;
    if (reg === REG_SELF_IPI || !this.writeRegister(reg, value)) {
      if (reg !== REG_VERSION && reg !== REG_PPR && reg !== REG_TIMER_CCR && !(reg >= REG_ISR && reg < REG_IRR + 8)) {
        this.error(ESR_ILLEGAL_REGISTER);
      }
    }
  }

  // --- x2APIC MSR view (SDM §11.12.1) ---

  /** RDMSR 0x800-0x8FF: writes [lo, hi] into out; false means #GP. */
  readMsr(msr: number, out: Uint32Array): boolean {
    if (!this.x2apic) return false;
    const reg = msr - 0x800;
    if (reg === REG_EOI || reg === REG_SELF_IPI) return false; // write-only
    if (reg === REG_ICR_LO) {
      out[0] = this.icrLo;
      out[1] = this.icrHi;
      return true;
    }
    const v = this.readRegister(reg);
    if (v === undefined) return false;
    out[0] = v;
    out[1] = 0;
    return true;
  }

  /** WRMSR 0x800-0x8FF; false means #GP. */
  writeMsr(msr: number, lo: number, hi: number): boolean {
    if (!this.x2apic) return false;
    const reg = msr - 0x800;
    switch (reg) {
      case REG_ID:
      case REG_VERSION:
      case REG_PPR:
      case REG_LDR:
      case REG_TIMER_CCR:
        return false;
      case REG_EOI:
        if (lo !== 0 || hi !== 0) return false;
        this.eoi();
        return true;
      case REG_ESR:
        if (lo !== 0 || hi !== 0) return false;
        return this.writeRegister(REG_ESR, 0);
      case REG_ICR_LO:
        this.icrHi = hi >>> 0;
        return this.writeRegister(REG_ICR_LO, lo);
      case REG_SELF_IPI:
        this.acceptFixed(lo & 0xff, false);
        return true;
      default:
        if (reg >= REG_ISR && reg < REG_IRR + 8) return false;
        if (hi !== 0) return false;
        return this.writeRegister(reg, lo);
    }
  }

  /** Report an illegal vector in a sent IPI (called by the bus). */
  sendError(): void {
    this.error(ESR_SEND_ILLEGAL_VECTOR);
  }
}
