// The time-stamp counter (SDM Vol 3 §18.17): TSC = the machine's virtual clock (bus.tsc(),
// derived from retired instructions; DESIGN.md invariant 1) + a per-vCPU offset that WRMSR to
// IA32_TIME_STAMP_COUNTER (0x10) adjusts. RDTSC / RDTSCP (with IA32_TSC_AUX in ECX); CR4.TSD
// makes them privileged.

import type { Cpu } from '../cpu.ts';
import * as L from '../state_layout.ts';

const TWO32 = 4294967296;
const I = (off: number): number => off >> 2;

/** The guest-visible TSC into (lo, hi=c.hi). */
export function readTsc(c: Cpu): number {
  const base = c.bus.tsc !== undefined ? c.bus.tsc() : c.icount;
  const bLo = base % TWO32, bHi = Math.floor(base / TWO32);
  const s = c.s32, o = I(L.MSR_TSC_OFFSET);
  const sum = bLo + (s[o]! >>> 0);
  c.hi = (bHi + s[o + 1]! + (sum >= TWO32 ? 1 : 0)) | 0;
  return sum | 0;
}

/** WRMSR IA32_TIME_STAMP_COUNTER: choose the offset so the TSC reads (lo, hi) now. */
export function writeTsc(c: Cpu, lo: number, hi: number): void {
  const base = c.bus.tsc !== undefined ? c.bus.tsc() : c.icount;
  const bLo = base % TWO32, bHi = Math.floor(base / TWO32);
  const diff = (lo >>> 0) - bLo;
  const s = c.s32, o = I(L.MSR_TSC_OFFSET);
  s[o] = diff | 0;
  s[o + 1] = (hi - bHi - (diff < 0 ? 1 : 0)) | 0;
}

export function RDTSC(c: Cpu, withAux: boolean): void {
  const s = c.s32;
  if ((s[I(L.CR4)]! & 4) !== 0 && c.cpl !== 0 && (s[I(L.MODE_FLAGS)]! & 1) !== 0) { c.raiseGP0(); return; }
  const lo = readTsc(c), hi = c.hi;
  c.setReg(2, L.RAX, lo, 0);
  c.setReg(2, L.RDX, hi, 0);
  if (withAux) c.setReg(2, L.RCX, s[I(L.MSR_TSC_AUX)]!, 0);
}
