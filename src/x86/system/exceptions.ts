// Exception and event bookkeeping (SDM Vol 3 §6.3–6.9, §6.15): delivering the exception an
// instruction recorded, the double-fault rules (Table 6-5: contributory + contributory or
// #PF + (#PF or contributory) → #DF; a fault while delivering #DF → shutdown), and the
// instruction-boundary checks run when `cpu.eventCheck` is set: the single-step trap (TF),
// NMI (blocked until IRET) and maskable external interrupts from the bus, honouring the
// interrupt shadow of STI / MOV SS / POP SS.

import type { Cpu } from '../cpu.ts';
import { Exit } from '../cpu.ts';
import * as L from '../state_layout.ts';
import { EventKind, deliverInterrupt } from './interrupts.ts';

const I = (off: number): number => off >> 2;
const TF = 0x100, IF = 0x200;
/** DR6.BS: single-step trap (SDM Vol 3 §18.2.3). */
const DR6_BS = 0x4000;

const contributory = (v: number): boolean => v === 0 || (v >= 10 && v <= 13);

/**
 * Deliver `vector` (error -1: none) of `kind`, applying the double/triple-fault rules if the
 * delivery itself faults. False: triple fault (shutdown).
 */
export function deliverEvent(c: Cpu, vector: number, error: number, kind: number): boolean {
  const s = c.s32;
  for (;;) {
    c.clearException();
    if (vector === 14 && kind === EventKind.EXCEPTION) {
      s[I(L.CR2)] = s[I(L.EXC_ADDR)]!; s[I(L.CR2) + 1] = s[I(L.EXC_ADDR) + 1]!;
    }
    if (deliverInterrupt(c, vector, error, kind)) {
      c.fault = false;
      c.stepArmed = false;
      c.eventCheck = true;
      return true;
    }
    c.fault = false;
    if (kind === EventKind.SOFTWARE || kind === EventKind.ICEBP) {
      // The software interrupt's return address was past the instruction; the fault raised while
      // delivering it is a fault of the INT instruction, so it returns to the INT itself.
      s[I(L.RIP)] = c.intRipLo; s[I(L.RIP) + 1] = c.intRipHi;
    }
    const nv = s[I(L.EXC_VECTOR)]!, ne = s[I(L.EXC_ERROR)]!;
    if (kind === EventKind.EXCEPTION && vector === 8) { s[I(L.EXC_VECTOR)] = 8; return false; }
    const firstExc = kind === EventKind.EXCEPTION;
    if (firstExc && ((contributory(vector) && contributory(nv)) || (vector === 14 && (nv === 14 || contributory(nv))))) {
      vector = 8; error = 0;
    } else { vector = nv; error = ne; }
    kind = EventKind.EXCEPTION;
  }
}

/** Deliver the exception recorded in the state block (called by the run loop). */
export function deliverPending(c: Cpu): boolean {
  const s = c.s32;
  const vector = s[I(L.EXC_VECTOR)]!, error = s[I(L.EXC_ERROR)]!;
  const n = s[I(L.EXC_NESTING)]!;
  s[I(L.EXC_NESTING)] = 0;
  if (s[I(L.IDTR) + 2] === 0) {
    // No IDT: hardware would shut down; stop with the exception recorded so the host (tests,
    // the ISA differential harness, a diagnostic) sees the original vector and RIP.
    c.faultExit = Exit.EXCEPTION;
    return false;
  }
  c.faultExit = Exit.SHUTDOWN;
  const kind = n === 1 ? EventKind.SOFTWARE : n === 2 ? EventKind.ICEBP : EventKind.EXCEPTION;
  return deliverEvent(c, vector, error, kind);
}

/**
 * Instruction-boundary events. Returns -1 on shutdown, 1 when an event was delivered (RIP
 * changed), 0 otherwise.
 */
export function checkEvents(c: Cpu): number {
  const s = c.s32;
  c.eventCheck = false;
  let delivered = 0;
  if (c.stepArmed) {
    // Single-step trap after an instruction that began with TF = 1.
    c.stepArmed = false;
    s[I(L.DR) + 12] = s[I(L.DR) + 12]! | DR6_BS;
    if (!deliverEvent(c, 1, -1, EventKind.EXCEPTION)) return -1;
    delivered = 1;
  } else if (c.shadow) {
    c.shadow = false;
    c.eventCheck = true;
  } else if (s[I(L.NMI_PENDING)] !== 0 && s[I(L.NMI_BLOCKED)] === 0) {
    s[I(L.NMI_PENDING)] = 0;
    s[I(L.NMI_BLOCKED)] = 1;
    s[I(L.HALTED)] = 0;
    if (!deliverEvent(c, 2, -1, EventKind.EXTERNAL)) return -1;
    delivered = 1;
  } else if ((s[I(L.RFLAGS)]! & IF) !== 0) {
    const v = c.bus.pendingInterrupt();
    if (v >= 0) {
      s[I(L.HALTED)] = 0;
      if (!deliverEvent(c, v, -1, EventKind.EXTERNAL)) return -1;
      delivered = 1;
    }
  }
  if ((s[I(L.RFLAGS)]! & TF) !== 0) { c.stepArmed = true; c.eventCheck = true; }
  return delivered;
}
