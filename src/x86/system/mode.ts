// Operating-mode bookkeeping (SDM Vol 3 §2.5, §9.8–9.9, §10.8.5 in older numbering: "Initializing
// IA-32e mode"): MODE_FLAGS from CR0.PE/PG, EFER.LMA and RFLAGS.VM, and the derived CPL / code
// and stack sizes after a control-register or EFER change.

import type { Cpu } from '../cpu.ts';
import { ModeFlag } from '../cpu.ts';
import * as L from '../state_layout.ts';
import { csChanged } from './segmentation.ts';

export const CR0_PE = 1, CR0_TS = 8, CR0_ET = 0x10, CR0_NE = 0x20, CR0_WP = 0x10000, CR0_NW = 0x20000000, CR0_CD = 0x40000000, CR0_PG = 0x80000000 | 0;
export const EFER_SCE = 1, EFER_LME = 0x100, EFER_LMA = 0x400, EFER_NXE = 0x800;
export const CR4_PSE = 0x10, CR4_PAE = 0x20, CR4_PGE = 0x80;

/** Recompute MODE_FLAGS and everything derived from the mode (call after CR0/EFER/RFLAGS.VM change). */
export function updateMode(c: Cpu): void {
  const s = c.s32;
  const cr0 = s[L.CR0 >> 2]!, efer = s[L.MSR_EFER >> 2]!;
  let mf = s[L.MODE_FLAGS >> 2]! & ModeFlag.VM86;
  if ((cr0 & CR0_PE) !== 0) mf |= ModeFlag.PE;
  if ((cr0 & CR0_PG) !== 0) mf |= ModeFlag.PG;
  if ((efer & EFER_LMA) !== 0) mf |= ModeFlag.LMA;
  s[L.MODE_FLAGS >> 2] = mf;
  // Real mode runs at CPL 0; in protected mode CPL stays what CS.RPL says (SDM Vol 3 §9.9.1).
  const cpl = (mf & ModeFlag.PE) === 0 ? 0 : (mf & ModeFlag.VM86) !== 0 ? 3 : s[L.CPL >> 2]!;
  csChanged(c, cpl);
}
