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
import { DR6_BS, enterDebugHandler, instructionBreakpoints, recordDr6 } from './debug_registers.ts';

const I = (off: number): number => off >> 2;
const TF = 0x100, IF = 0x200, RF = 0x10000;

const contributory = (v: number): boolean => v === 0 || (v >= 10 && v <= 13);
/**
 * Fault-class exceptions (SDM Vol 3 Table 6-1): the EFLAGS image they push has RF set, so the
 * restarted instruction does not hit its own instruction breakpoint again (SDM Vol 3 §18.3.1.1).
 * #DB is a fault for general detect (raised by MOV DR); instruction-breakpoint #DBs and #DB traps
 * push RF as it is (`keepRf`).
 */
const FAULTS = 0x1b7ce3; // 0 1 5 6 7 10 11 12 13 14 16 17 19 20

/**
 * Deliver `vector` (error -1: none) of `kind`, applying the double/triple-fault rules if the
 * delivery itself faults. False: triple fault (shutdown). `keepRf`: push RF as it is even for
 * a fault-class vector (#DB for breakpoints and single step).
 */
export function deliverEvent(c: Cpu, vector: number, error: number, kind: number, keepRf = false): boolean {
  const s = c.s32;
  for (;;) {
    c.clearException();
    if (vector === 14 && kind === EventKind.EXCEPTION) {
      s[I(L.CR2)] = s[I(L.EXC_ADDR)]!; s[I(L.CR2) + 1] = s[I(L.EXC_ADDR) + 1]!;
    }
    if (kind === EventKind.EXCEPTION && vector < 32 && ((FAULTS >>> vector) & 1) !== 0 && !keepRf) s[I(L.RFLAGS)] = s[I(L.RFLAGS)]! | RF;
    if (vector === 1 && kind !== EventKind.SOFTWARE) enterDebugHandler(c);
    if (deliverInterrupt(c, vector, error, kind)) {
      c.fault = false;
      c.stepArmed = false;
      c.eventCheck = true;
      // The event ends any shadow, RF's one instruction and the aborted instruction's data hits.
      c.shadow = false; c.ssShadow = false; c.inhibited = false;
      c.dbgHits = 0;
      c.dbgDeferred &= ~DR6_BS;
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
  if (kind === EventKind.ICEBP && (c.dbgDeferred & 0xf) !== 0) {
    // ICEBP right after MOV SS: a data breakpoint (B0-B3) the shadow held back is reported by ICEBP's
    // own #DB (one handler invocation, as hardware does in kvm-unit-tests debug "MOV SS +
    // watchpoint + ICEBP"); INT 1 and INT3 are software interrupts and get a second #DB.
    recordDr6(c, c.dbgDeferred & 0xf);
    c.dbgDeferred &= ~0xf;
  }
  if (!deliverEvent(c, vector, error, kind)) return false;
  return (c.dbgExec | c.dbgDeferred) === 0 || debugAtHandlerEntry(c) >= 0;
}

/** Deliver a #DB trap reporting DR6 `bits` (single step, data breakpoints). False: shutdown. */
function deliverDebugTrap(c: Cpu, bits: number): boolean {
  recordDr6(c, bits);
  return deliverEvent(c, 1, -1, EventKind.EXCEPTION, true);
}

/**
 * After an event was delivered: data breakpoints a MOV SS held back across the instruction that
 * raised it are reported now, at the handler's first instruction (SDM Vol 3 §6.8.3), and an
 * instruction breakpoint on that first instruction fires. -1: shutdown, 1: delivered, 0: none.
 */
function debugAtHandlerEntry(c: Cpu): number {
  if (c.dbgDeferred !== 0) {
    const bits = c.dbgDeferred;
    c.dbgDeferred = 0;
    if (!deliverDebugTrap(c, bits)) return -1;
    return 1;
  }
  const hits = c.dbgExec !== 0 ? instructionBreakpoints(c) : 0;
  if (hits === 0) return 0;
  recordDr6(c, hits);
  return deliverEvent(c, 1, -1, EventKind.EXCEPTION, true) ? 1 : -1;
}

/**
 * Instruction-boundary events, in the priority order of SDM Vol 3 Table 6-2: traps of the
 * instruction just retired (single step, data breakpoints), NMI, maskable interrupts, then an
 * instruction breakpoint on the next instruction. `entry`: the boundary where `run` starts (its
 * instruction-completion part was already handled when the previous `run` retired it).
 * Returns -1 on shutdown, 1 when an event was delivered (RIP changed), 0 otherwise.
 */
export function checkEvents(c: Cpu, entry = false): number {
  const s = c.s32;
  c.eventCheck = false;
  let delivered = 0;
  if (!entry) {
    let traps = (c.stepArmed ? DR6_BS : 0) | c.dbgHits;
    c.stepArmed = false;
    c.dbgHits = 0;
    c.inhibited = c.shadow;
    c.shadow = false;
    if (c.ssShadow) {
      // MOV SS / POP SS: debug traps and interrupts wait until after the next instruction.
      c.ssShadow = false;
      c.dbgDeferred |= traps;
      c.eventCheck = true;
      if ((s[I(L.RFLAGS)]! & TF) !== 0) c.stepArmed = true;
      return 0;
    }
    traps |= c.dbgDeferred;
    c.dbgDeferred = 0;
    if (traps !== 0) {
      if (!deliverDebugTrap(c, traps)) return -1;
      delivered = 1;
      // A debug exception resumes a halted processor (SDM Vol 2A HLT): single-stepping HLT
      // delivers the #DB past it instead of halting with IF cleared by the #DB gate.
      if (s[I(L.HALTED)] !== 0) {
        s[I(L.HALTED)] = 0;
        if (c.pendingExit === Exit.HLT) c.pendingExit = -1;
      }
    }
  }
  if (delivered !== 0) {
    // the trap's delivery ended the shadow
  } else if (c.inhibited) {
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
  if (c.dbgExec !== 0 && !c.inhibited) {
    // Instruction breakpoints are faults on the next instruction; they keep the boundary checks on.
    c.eventCheck = true;
    const hits = instructionBreakpoints(c);
    if (hits !== 0) {
      recordDr6(c, hits);
      if (!deliverEvent(c, 1, -1, EventKind.EXCEPTION, true)) return -1;
      delivered = 1;
    }
  }
  const f = s[I(L.RFLAGS)]!;
  // RF has done its work (suppressing the instruction breakpoint just checked): the processor
  // clears it at the start of the next instruction (SDM Vol 3 §18.3.1.1), so a fault there
  // pushes RF = 1 by the fault rule, and INT n or a trap after it pushes 0.
  if ((f & RF) !== 0) s[I(L.RFLAGS)] = f & ~RF;
  if ((f & TF) !== 0) { c.stepArmed = true; c.eventCheck = true; }
  return delivered;
}
