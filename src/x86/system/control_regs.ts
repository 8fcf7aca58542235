// Control and debug registers (SDM Vol 3 §2.5, §2.8.6, §18.2; Vol 2 MOV CR/DR, CLTS, LMSW,
// SMSW, INVLPG): the reserved-bit and mode-transition checks that raise #GP(0), long-mode
// activation on CR0.PG with EFER.LME (and deactivation), and TLB flushes on CR3 writes and on
// CR0/CR4 paging changes. CR8 is the task-priority register's bits 7:4, read and written
// through the bus's local APIC (bus.cr8).

import type { Cpu } from '../cpu.ts';
import type { DecodedInsn } from '../decode/decoded_insn.ts';
import * as L from '../state_layout.ts';
import { K_MEM } from '../exec/operands.ts';
import { segIndex } from './descriptor_tables.ts';
import { debugRegsChanged, generalDetect } from './debug_registers.ts';
import { loadPdptes, paePaging } from './pdpte.ts';
import { CR0_CD, CR0_ET, CR0_NW, CR0_PE, CR0_PG, CR0_TS, CR0_WP, CR4_PAE, CR4_PGE, CR4_PSE, EFER_LMA, EFER_LME, updateMode } from './mode.ts';

/**
 * CR4 bits this CPU model implements: TSD DE PSE PAE MCE PGE PCE OSFXSR OSXMMEXCPT. VME and PVI
 * are not (CPUID.1:EDX.VME is clear; virtual-8086 mode runs without its extensions), so setting
 * them is #GP(0) like any reserved bit.
 */
export const CR4_VALID = 0x7fc;
/** CR0 bits that can be set: PE MP EM TS ET NE WP AM NW CD PG. */
const CR0_VALID = 0xe005003f | 0;

function priv(c: Cpu): boolean {
  if (c.cpl !== 0 || (c.s32[L.MODE_FLAGS >> 2]! & 8) !== 0) { c.raiseGP0(); return false; }
  return true;
}

/** Write CR0 with all checks; false after #GP(0). */
export function writeCr0(c: Cpu, v: number, vHi: number): boolean {
  const s = c.s32;
  if (vHi !== 0 || (v & ~CR0_VALID) !== 0) { c.raiseGP0(); return false; }
  if ((v & CR0_PG) !== 0 && (v & CR0_PE) === 0) { c.raiseGP0(); return false; }
  if ((v & CR0_NW) !== 0 && (v & CR0_CD) === 0) { c.raiseGP0(); return false; }
  const old = s[L.CR0 >> 2]!;
  let efer = s[L.MSR_EFER >> 2]!;
  if ((v & CR0_PG) !== 0 && (old & CR0_PG) === 0 && (efer & EFER_LME) !== 0) {
    // Activating IA-32e mode: PAE required, and not from a 64-bit code segment.
    if ((s[L.CR4 >> 2]! & CR4_PAE) === 0) { c.raiseGP0(); return false; }
    if ((s[segIndex(L.CS) + 1]! & 0x2000) !== 0) { c.raiseGP0(); return false; }
    efer |= EFER_LMA;
  } else if ((v & CR0_PG) === 0 && (old & CR0_PG) !== 0 && (efer & EFER_LMA) !== 0) {
    // Leaving IA-32e mode only from compatibility mode.
    if (c.codeBits === 64) { c.raiseGP0(); return false; }
    efer &= ~EFER_LMA;
  }
  // PAE paging turned on, or CD/NW changed under it: load the PDPTEs first (#GP if bad, SDM §4.4.1).
  if (((old ^ v) & (CR0_PG | CR0_CD | CR0_NW)) !== 0 && paePaging(v, s[L.CR4 >> 2]!, efer) && !loadPdptes(c, s[L.CR3 >> 2]!)) return false;
  s[L.MSR_EFER >> 2] = efer;
  s[L.CR0 >> 2] = v | CR0_ET;
  if (((old ^ v) & (CR0_PG | CR0_WP | CR0_PE)) !== 0) c.flushAllTranslations();
  if (((old ^ v) & (CR0_PG | CR0_PE)) !== 0) updateMode(c);
  return true;
}

function writeCr4(c: Cpu, v: number, vHi: number): boolean {
  const s = c.s32;
  if (vHi !== 0 || (v & ~CR4_VALID) !== 0) { c.raiseGP0(); return false; }
  const old = s[L.CR4 >> 2]!;
  if ((s[L.MSR_EFER >> 2]! & EFER_LMA) !== 0 && (v & CR4_PAE) === 0) { c.raiseGP0(); return false; }
  if (((old ^ v) & (CR4_PSE | CR4_PAE | CR4_PGE)) !== 0 && paePaging(s[L.CR0 >> 2]!, v, s[L.MSR_EFER >> 2]!) && !loadPdptes(c, s[L.CR3 >> 2]!)) return false;
  s[L.CR4 >> 2] = v;
  if (((old ^ v) & (CR4_PSE | CR4_PAE | CR4_PGE)) !== 0) c.flushAllTranslations();
  if (((old ^ v) & 8) !== 0) debugRegsChanged(c); // CR4.DE turns DR7's I/O breakpoints on or off
  return true;
}

/** MOV Rd,Cd (toCr false) / MOV Cd,Rd (toCr true). */
export function MOVCR(c: Cpu, d: DecodedInsn, toCr: boolean): void {
  if (!priv(c)) return;
  const s = c.s32;
  const cr = toCr ? d.r1 : d.r2, gpr = toCr ? d.r2 : d.r1;
  const wide = c.codeBits === 64;
  if (!toCr) {
    let lo: number, hi = 0;
    switch (cr) {
      case 0: lo = s[L.CR0 >> 2]!; break;
      case 2: lo = s[L.CR2 >> 2]!; hi = s[(L.CR2 >> 2) + 1]!; break;
      case 3: lo = s[L.CR3 >> 2]!; hi = s[(L.CR3 >> 2) + 1]!; break;
      case 4: lo = s[L.CR4 >> 2]!; break;
      case 8: lo = c.bus.cr8 ? c.bus.cr8(-1) : s[L.CR8 >> 2]! & 0xf; break;
      default: c.raiseUD(); return;
    }
    c.setReg(wide ? 3 : 2, gpr, lo, wide ? hi : 0);
    return;
  }
  const lo = s[gpr << 1]!, hi = wide ? s[(gpr << 1) + 1]! : 0;
  switch (cr) {
    case 0: writeCr0(c, lo, hi); return;
    case 2: s[L.CR2 >> 2] = lo; s[(L.CR2 >> 2) + 1] = hi; return;
    case 3:
      // Bits 63:52 reserved in long mode (MAXPHYADDR 40 here: bits 51:40 too).
      if ((hi & ~0xff) !== 0) { c.raiseGP0(); return; }
      if (paePaging(s[L.CR0 >> 2]!, s[L.CR4 >> 2]!, s[L.MSR_EFER >> 2]!) && !loadPdptes(c, lo)) return;
      s[L.CR3 >> 2] = lo; s[(L.CR3 >> 2) + 1] = hi;
      c.newAddressSpace(); // non-global entries dropped, global ones kept (SDM Vol 3 §4.10.4.1)
      return;
    case 4: writeCr4(c, lo, hi); return;
    case 8:
      if (hi !== 0 || (lo & ~0xf) !== 0) { c.raiseGP0(); return; }
      s[L.CR8 >> 2] = lo;
      c.bus.cr8?.(lo);
      c.eventCheck = true; // a lower priority may let a pending interrupt in
      return;
    default: c.raiseUD(); return;
  }
}

/** MOV Rd,Dd / MOV Dd,Rd: DR4/DR5 alias DR6/DR7 unless CR4.DE (then #UD). */
export function MOVDR(c: Cpu, d: DecodedInsn, toDr: boolean): void {
  if (!priv(c)) return;
  const s = c.s32;
  let dr = toDr ? d.r1 : d.r2;
  const gpr = toDr ? d.r2 : d.r1;
  if (dr > 7) { c.raiseUD(); return; }
  if (dr === 4 || dr === 5) {
    if ((s[L.CR4 >> 2]! & 8) !== 0) { c.raiseUD(); return; }
    dr += 2;
  }
  if (generalDetect(c)) return;
  const wide = c.codeBits === 64;
  const idx = (L.DR >> 2) + dr * 2;
  if (!toDr) {
    let lo = s[idx]!;
    const hi = dr < 4 ? s[idx + 1]! : 0;
    if (dr === 6) lo = (lo & 0x0000e00f) | 0xffff0ff0;
    else if (dr === 7) lo = (lo & ~0xd800) | 0x400;
    c.setReg(wide ? 3 : 2, gpr, lo, wide ? hi : 0);
    return;
  }
  const lo = s[gpr << 1]!, hi = wide ? s[(gpr << 1) + 1]! : 0;
  if (dr >= 6 && hi !== 0) { c.raiseGP0(); return; }
  s[idx] = lo; s[idx + 1] = dr < 4 ? hi : 0;
  if (dr !== 6) debugRegsChanged(c);
}

export function CLTS(c: Cpu): void {
  if (!priv(c)) return;
  c.s32[L.CR0 >> 2] = c.s32[L.CR0 >> 2]! & ~CR0_TS;
}

/** LMSW: loads CR0 bits 3:0 but cannot clear PE. */
export function LMSW(c: Cpu, d: DecodedInsn): void {
  if (!priv(c)) return;
  let v: number;
  if (d.k1 === K_MEM) { c.ea(d); v = c.read(1); if (c.fault) return; } else v = c.getReg(1, d.r1);
  const old = c.s32[L.CR0 >> 2]!;
  writeCr0(c, (old & ~0xe) | (v & 0xe) | ((old | v) & 1), 0);
}

/** SMSW: memory gets the low 16 bits; a register gets CR0 at the operand size. */
export function SMSW(c: Cpu, d: DecodedInsn): void {
  const cr0 = c.s32[L.CR0 >> 2]!;
  if (d.k1 === K_MEM) { c.ea(d); c.write(1, cr0 & 0xffff, 0); return; }
  if (d.osz === 1) c.setReg(1, d.r1, cr0 & 0xffff, 0);
  else c.setReg(d.osz === 3 ? 3 : 2, d.r1, cr0, 0);
}

export function INVLPG(c: Cpu, d: DecodedInsn): void {
  if (!priv(c)) return;
  // INVLPG makes no segment checks: a null selector or an offset past the limit still names a
  // linear address to invalidate (as Xen and hardware do; XTF's invlpg test checks it).
  const chk = c.segChk;
  c.segChk = 0;
  c.ea(d);
  c.segChk = chk;
  if (c.codeBits !== 64) c.eaHi = 0;
  c.invalidatePage(c.eaLo, c.eaHi);
}

/** INVD / WBINVD: caches are not modelled. */
export function CACHEOP(c: Cpu): void {
  priv(c);
}

/** EFER write (WRMSR 0xC0000080): SCE LME NXE writable, LMA read-only; LME frozen while paging is on. */
export function writeEfer(c: Cpu, lo: number, hi: number): boolean {
  const s = c.s32;
  if (hi !== 0 || (lo & ~(0x1 | 0x100 | 0x400 | 0x800)) !== 0) return false;
  const old = s[L.MSR_EFER >> 2]!;
  if ((s[L.CR0 >> 2]! & CR0_PG) !== 0 && ((old ^ lo) & EFER_LME) !== 0) return false;
  const v = (lo & ~EFER_LMA) | (old & EFER_LMA);
  s[L.MSR_EFER >> 2] = v;
  s[(L.MSR_EFER >> 2) + 1] = 0;
  if (((old ^ v) & 0x800) !== 0) c.flushAllTranslations();
  return true;
}
