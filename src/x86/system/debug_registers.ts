// Debug registers DR0–DR3/DR6/DR7 (SDM Vol 3 §18.2–18.3): instruction breakpoints (faults,
// checked at the instruction boundary before the instruction, suppressed by RFLAGS.RF) and data
// breakpoints (traps after the instruction that touched the watched bytes).
//
// Cost model: `debugRegsChanged` runs on every write to DR0–DR3/DR7 and on task switches and
// summarises DR7 into `cpu.dbgExec` / `cpu.dbgData` (bit i: breakpoint i enabled with that
// type). With both zero nothing here is ever called. With data breakpoints enabled, the pages
// they watch never enter the data TLB (cpu.ts translate), so every access to them takes the slow
// path, which calls `dataBreakpointHit`; accesses to other pages stay on the fast path. With
// instruction breakpoints enabled, `cpu.eventCheck` stays set so that checkEvents (exceptions.ts)
// looks at every instruction boundary.

import type { Cpu } from '../cpu.ts';
import * as L from '../state_layout.ts';

const I = (off: number): number => off >> 2;
const I_DR = I(L.DR);
/** DR6 bits (SDM Vol 3 §18.2.3): B0–B3, BD (debug-register access), BS (single step), BT (task switch). */
export const DR6_B = 0xf, DR6_BD = 0x2000, DR6_BS = 0x4000;
/** DR7.GD: general detect, MOV DR raises #DB (SDM Vol 3 §18.2.4). */
export const DR7_GD = 0x2000;
/** DR7 local enables L0–L3 and LE, cleared by hardware task switches (SDM Vol 3 §18.2.4). */
const DR7_LOCAL = 0x155;
const RF = 0x10000, CR4_DE = 8;

/** DR7 R/Wn field of breakpoint i: 0 execute, 1 write, 2 I/O (CR4.DE), 3 read/write. */
const rwOf = (dr7: number, i: number): number => (dr7 >>> (16 + i * 4)) & 3;
/** DR7 LENn of breakpoint i in bytes (00 1, 01 2, 10 8, 11 4). */
const lenOf = (dr7: number, i: number): number => {
  const l = (dr7 >>> (18 + i * 4)) & 3;
  return l === 2 ? 8 : l + 1;
};

/** Summarise DR7 into the CPU's breakpoint masks (after MOV DR0–3/DR7, task switches). */
export function debugRegsChanged(c: Cpu): void {
  const s = c.s32, dr7 = s[I_DR + 14]!, de = (s[I(L.CR4)]! & CR4_DE) !== 0;
  let exec = 0, data = 0, io = 0;
  for (let i = 0; i < 4; i++) {
    if (((dr7 >>> (i * 2)) & 3) === 0) continue;
    const rw = rwOf(dr7, i);
    if (rw === 0) exec |= 1 << i;
    else if (rw !== 2) data |= 1 << i;
    else if (de) io |= 1 << i; // I/O breakpoints exist only with CR4.DE (SDM Vol 3 §18.2.4)
  }
  c.dbgIo = io;
  const hadData = c.dbgData !== 0;
  c.dbgExec = exec;
  c.dbgData = data;
  // Watched pages must leave the data TLB (and stay out: translate() refuses to cache them).
  if (data !== 0 || hadData) c.flushTlb();
  if (exec !== 0) c.eventCheck = true;
}

/** A task switch clears the local enables L0–L3 and LE (SDM Vol 3 §18.2.4). */
export function taskSwitchDebug(c: Cpu): void {
  const s = c.s32;
  if ((s[I_DR + 14]! & DR7_LOCAL) === 0) return;
  s[I_DR + 14] = s[I_DR + 14]! & ~DR7_LOCAL;
  debugRegsChanged(c);
}

/**
 * An I/O instruction about to access `size` bytes of ports at `port`: record the enabled I/O
 * breakpoints whose port range it touches (a trap after the instruction, like data breakpoints).
 */
export function ioBreakpointHit(c: Cpu, port: number, size: number): void {
  const s = c.s32, m = c.dbgIo, dr7 = s[I_DR + 14]!;
  let hits = 0;
  for (let i = 0; i < 4; i++) {
    if (((m >>> i) & 1) === 0) continue;
    const len = lenOf(dr7, i), a = s[I_DR + i * 2]! & 0xffff & ~(len - 1);
    if (((port - a) >>> 0) < len || ((a - port) >>> 0) < size) hits |= 1 << i;
  }
  if (hits !== 0) { c.dbgHits |= hits; c.eventCheck = true; }
}

/** Does an enabled data breakpoint watch a byte of the 4 KiB page holding linear (lo, hi)? */
export function dataBreakpointOnPage(c: Cpu, lo: number, hi: number): boolean {
  const s = c.s32, m = c.dbgData, long = c.codeBits === 64;
  for (let i = 0; i < 4; i++) {
    if (((m >>> i) & 1) === 0) continue;
    if (((s[I_DR + i * 2]! ^ lo) & ~0xfff) === 0 && (!long || s[I_DR + i * 2 + 1] === hi)) return true;
  }
  return false;
}

/**
 * A data access of `n` bytes at linear (lo, hi) (slow path only): record which enabled data
 * breakpoints it hits (write-only ones only for writes); the #DB trap follows the instruction.
 */
export function dataBreakpointHit(c: Cpu, lo: number, hi: number, n: number, write: boolean): void {
  const s = c.s32, m = c.dbgData, dr7 = s[I_DR + 14]!, long = c.codeBits === 64;
  let hits = 0;
  for (let i = 0; i < 4; i++) {
    if (((m >>> i) & 1) === 0) continue;
    if (!write && rwOf(dr7, i) === 1) continue;
    const len = lenOf(dr7, i);
    // The watched range is aligned to its length (SDM Vol 3 §18.2.5: the low address bits are ignored).
    const a = s[I_DR + i * 2]! & ~(len - 1);
    if (long && s[I_DR + i * 2 + 1] !== hi) continue;
    if (((lo - a) >>> 0) < len || ((a - lo) >>> 0) < n) hits |= 1 << i;
  }
  if (hits !== 0) { c.dbgHits |= hits; c.eventCheck = true; }
}

/**
 * Instruction breakpoints enabled for the instruction at RIP (RF clear)? Returns the B0–B3 mask.
 * Linear addresses: RIP plus the CS base outside 64-bit mode.
 */
export function instructionBreakpoints(c: Cpu): number {
  const s = c.s32;
  if ((s[I(L.RFLAGS)]! & RF) !== 0) return 0;
  const m = c.dbgExec, long = c.codeBits === 64;
  const ripLo = s[I(L.RIP)]!, ripHi = s[I(L.RIP) + 1]!;
  const lo = long ? ripLo : (ripLo + s[I(L.SEG) + L.CS * 8 + 2]!) | 0;
  let hits = 0;
  for (let i = 0; i < 4; i++) {
    if (((m >>> i) & 1) === 0) continue;
    if (s[I_DR + i * 2] === lo && (!long || s[I_DR + i * 2 + 1] === ripHi)) hits |= 1 << i;
  }
  return hits;
}

/**
 * DR6 for a #DB about to be delivered: breakpoint conditions replace B0–B3, BS/BD accumulate
 * (SDM Vol 3 §18.2.3; QEMU and hardware clear B0–B3 when a breakpoint is reported).
 */
export function recordDr6(c: Cpu, bits: number): void {
  const s = c.s32;
  let dr6 = s[I_DR + 12]!;
  if ((bits & DR6_B) !== 0) dr6 &= ~DR6_B;
  s[I_DR + 12] = dr6 | bits;
}

/** Entering the #DB handler clears DR7.GD so the handler may use the debug registers (§18.2.4). */
export function enterDebugHandler(c: Cpu): void {
  const s = c.s32;
  s[I_DR + 14] = s[I_DR + 14]! & ~DR7_GD;
}

/** MOV to/from DRn with DR7.GD set: #DB (fault) with DR6.BD. True when raised. */
export function generalDetect(c: Cpu): boolean {
  const s = c.s32;
  if ((s[I_DR + 14]! & DR7_GD) === 0) return false;
  recordDr6(c, DR6_BD);
  c.raise(1, -1);
  return true;
}
