// Page-table walk (SDM Vol 3 ch. 4): 32-bit (with PSE), PAE and 4-level paging, with
// accessed/dirty updates, U/S, R/W (CR0.WP), NX (EFER.NXE), reserved-bit checks and #PF error
// codes. Not modelled: PCID, SMEP/SMAP, protection keys (none is advertised).

import type { Cpu } from './cpu.ts';
import { CR0, CR3, CR4, EXC_ADDR, MSR_EFER, PDPTE, PDPTE_TAG } from './state_layout.ts';
import { FEATURES_1_EDX, FEATURES_81_EDX, MAXPHYADDR } from './exec/cpuid.ts';

export const PTE_P = 1, PTE_W = 2, PTE_U = 4, PTE_A = 0x20, PTE_D = 0x40, PTE_PS = 0x80, PTE_G = 0x100;
const CR4_PSE = 0x10, CR4_PAE = 0x20, CR4_PGE = 0x80, CR0_WP = 0x10000, EFER_NXE = 0x800, EFER_LMA = 0x400;

/** #PF error code bits (SDM Vol 3 §4.7). */
const PF_P = 1, PF_W = 2, PF_U = 4, PF_RSVD = 8, PF_I = 16;

// Reserved bits of paging-structure entries (SDM Vol 3 Tables 4-4, 4-8..4-11, 4-14..4-19), as
// masks over an entry's low and high dwords. MAXPHYADDR (M) is the CPUID 80000008h width (> 32).
/** High-dword bits that carry physical-address bits M-1:32. */
const HI_ADDR = lowBits(MAXPHYADDR - 32);
/** 4-level paging: bits 51:M. (Bits 62:52 are ignored; bit 63 is XD, reserved when EFER.NXE=0.) */
const RSVD_HI_LONG = 0x000fffff & ~HI_ADDR;
/** PAE paging: bits 62:M. */
const RSVD_HI_PAE = 0x7fffffff & ~HI_ADDR;
const BIT63 = 0x80000000 | 0;
/** PAE PDPTE (Table 4-8): bits 2:1 and 8:5; bits 63:M in the high dword. */
const RSVD_LO_PAE_PDPTE = 0x1e6, RSVD_HI_PAE_PDPTE = RSVD_HI_PAE | BIT63;
/** 2 MiB page (PS=1 in a PDE): bits 20:13 (bit 12 is PAT). */
const RSVD_LO_2M = 0x001fe000;
/** 1 GiB page (PS=1 in a PDPTE): bits 29:13. */
const RSVD_LO_1G = 0x3fffe000;
/** 32-bit 4 MiB page (Table 4-4): bit 21, and bits 20:13 beyond min(M, 40) (all of 21:13 without PSE-36). */
const RSVD_LO_4M_PSE36 = 0x003fe000 & ~(lowBits(Math.min(MAXPHYADDR, 40) - 32) << 13);
const RSVD_LO_4M_NO_PSE36 = 0x003fe000;
/** CPUID 1 EDX PSE-36 (17); CPUID 80000001h EDX Page1GB (26). */
const CPUID_PSE36 = 1 << 17, CPUID_PAGE1GB = 1 << 26;

function lowBits(n: number): number { return n >= 32 ? -1 : (1 << n) - 1; }

/** True if a 32-bit-paging PDE that maps a 4 MiB page (PS=1, CR4.PSE=1) sets a reserved bit (Table 4-4). */
export function pse4MReserved(pde: number): boolean {
  return (pde & ((FEATURES_1_EDX & CPUID_PSE36) !== 0 ? RSVD_LO_4M_PSE36 : RSVD_LO_4M_NO_PSE36)) !== 0;
}

/**
 * True if a present PAE or 4-level paging-structure entry (eLo, eHi) at `level` (3 PML4E,
 * 2 PDPTE, 1 PDE, 0 PTE) sets a reserved bit. Shared with Xen's side-effect-free walk of
 * hypercall pointers (src/xen/guest_copy.ts), which must fail exactly where the CPU faults.
 */
export function paeEntryReserved(long: boolean, nxe: boolean, level: number, eLo: number, eHi: number): boolean {
  let rLo = 0, rHi = (long ? RSVD_HI_LONG : RSVD_HI_PAE) | (nxe ? 0 : BIT63);
  // PS in a PML4E; a PAE PDPTE's own layout; big-page low bits (PS in a PDPTE without Page1GB).
  if (level === 3) rLo = PTE_PS;
  else if (!long && level === 2) { rLo = RSVD_LO_PAE_PDPTE; rHi = RSVD_HI_PAE_PDPTE; }
  else if ((eLo & PTE_PS) !== 0 && level !== 0) {
    rLo = level === 1 ? RSVD_LO_2M : long && (FEATURES_81_EDX & CPUID_PAGE1GB) !== 0 ? RSVD_LO_1G : PTE_PS;
  }
  return (eLo & rLo) !== 0 || (eHi & rHi) !== 0;
}

function pageFault(c: Cpu, lo: number, hi: number, err: number): number {
  c.raise(14, err);
  c.s32[EXC_ADDR >> 2] = lo;
  c.s32[(EXC_ADDR >> 2) + 1] = hi;
  return -1;
}

/**
 * Walk the page tables for linear (lo, hi) and access 0 read / 1 write / 2 fetch at `cpl`.
 * Returns the physical frame number (a double) or -1 after raising #PF. Sets c.walkPerms
 * (effective U and W bits) and c.walkDirty (false if the final entry is not dirty yet).
 */
export function walkPageTables(c: Cpu, lo: number, hi: number, access: number, cpl: number): number {
  const s = c.s32;
  const cr4 = s[CR4 >> 2]!, cr0 = s[CR0 >> 2]!, efer = s[MSR_EFER >> 2]!;
  const user = cpl === 3;
  const write = access === 1;
  const nxe = (efer & EFER_NXE) !== 0;
  // I/D is reported only when NX applies: PAE or 4-level paging with EFER.NXE (SDM Vol 3 §4.7).
  const errBase = (write ? PF_W : 0) | (user ? PF_U : 0) | (access === 2 && nxe && (cr4 & CR4_PAE) !== 0 ? PF_I : 0);
  const errRsvd = errBase | PF_P | PF_RSVD;
  const cr3Lo = s[CR3 >> 2]!, cr3Hi = s[(CR3 >> 2) + 1]!;
  let allowU = true, allowW = true, nx = false;
  const dv = c.dv;

  if ((cr4 & CR4_PAE) === 0) {
    // 32-bit paging: 2 levels of 4-byte entries.
    let table = (cr3Lo >>> 12) * 4096;
    for (let level = 1; level >= 0; level--) {
      const idx = level === 1 ? lo >>> 22 : (lo >>> 12) & 0x3ff;
      const host = c.bus.physPage(Math.floor(table / 4096));
      if (host < 0) return pageFault(c, lo, hi, errBase);
      const p = host + idx * 4;
      let e = dv.getInt32(p, true);
      if ((e & PTE_P) === 0) return pageFault(c, lo, hi, errBase);
      allowU = allowU && (e & PTE_U) !== 0;
      allowW = allowW && (e & PTE_W) !== 0;
      const big = level === 1 && (e & PTE_PS) !== 0 && (cr4 & CR4_PSE) !== 0;
      if (big && pse4MReserved(e)) return pageFault(c, lo, hi, errRsvd);
      if (level === 0 || big) {
        if (!checkPerms(user, write, allowU, allowW, cr0)) return pageFault(c, lo, hi, errBase | PF_P);
        const want = PTE_A | (write ? PTE_D : 0);
        if ((e & want) !== want) { e |= want; dv.setInt32(p, e, true); }
        c.walkPerms = (allowU ? PTE_U : 0) | (allowW ? PTE_W : 0);
        c.walkDirty = (e & PTE_D) !== 0;
        c.walkGlobal = (e & PTE_G) !== 0 && (cr4 & CR4_PGE) !== 0; // survives CR3 writes (cpu.ts TLB tags)
        c.walkLarge = big ? 10 : 0;
        if (big) {
          // PSE-36: bits 20:13 give physical address bits 39:32.
          const hiBits = (e >>> 13) & 0xff;
          return hiBits * 1048576 + ((e >>> 22) << 10) + ((lo >>> 12) & 0x3ff);
        }
        return e >>> 12;
      }
      if ((e & PTE_A) === 0) dv.setInt32(p, e | PTE_A, true);
      table = (e >>> 12) * 4096;
    }
    return pageFault(c, lo, hi, errBase);
  }

  // PAE / 4-level: 8-byte entries; physical address bits 51:12.
  const long = (efer & EFER_LMA) !== 0;
  let levels = long ? 4 : 3;
  let tableLo: number, tableHi: number;
  if (long) { tableLo = cr3Lo & ~0xfff; tableHi = cr3Hi & 0xfffff; }
  else {
    // PAE PDPTEs (part 2 should load them at CR3 write; read them here).
    tableLo = cr3Lo & ~0x1f; tableHi = 0;
  }
  for (; levels > 0; levels--) {
    const level = levels - 1; // 3 = PML4, 2 = PDPT, 1 = PD, 0 = PT
    let idx: number;
    switch (level) {
      case 3: idx = ((hi & 0xffff) >>> 7) & 0x1ff; break;
      case 2: idx = long ? (((hi & 0x7f) << 2) | (lo >>> 30)) & 0x1ff : lo >>> 30; break;
      case 1: idx = (lo >>> 21) & 0x1ff; break;
      default: idx = (lo >>> 12) & 0x1ff; break;
    }
    const pae3 = !long && level === 2;
    let eLo: number, eHi: number, p = -1;
    if (pae3 && s[PDPTE_TAG >> 2] === ((cr3Lo & ~0x1f) | 1)) {
      // The PDPTE registers loaded by the last MOV CR3/CR0/CR4 (system/pdpte.ts, SDM Vol 3 §4.4.1).
      eLo = s[(PDPTE >> 2) + idx * 2]!; eHi = s[(PDPTE >> 2) + idx * 2 + 1]!;
    } else {
      // The table's frame in integers while it lies below 4 GiB (no double division per level).
      const pfn = tableHi === 0 ? tableLo >>> 12 : (tableHi >>> 0) * 1048576 + (tableLo >>> 12);
      const host = c.bus.physPage(pfn);
      if (host < 0) return pageFault(c, lo, hi, errBase);
      p = host + (tableLo & 0xfff) + idx * 8;
      eLo = dv.getInt32(p, true);
      eHi = dv.getInt32(p + 4, true);
    }
    if ((eLo & PTE_P) === 0) return pageFault(c, lo, hi, errBase);
    if (paeEntryReserved(long, nxe, level, eLo, eHi)) return pageFault(c, lo, hi, errRsvd);
    if (!pae3) {
      allowU = allowU && (eLo & PTE_U) !== 0;
      allowW = allowW && (eLo & PTE_W) !== 0;
      if (nxe && eHi < 0) nx = true;
    }
    const big = !pae3 && (level === 1 || level === 2) && (eLo & PTE_PS) !== 0;
    if (level === 0 || big) {
      if (!checkPerms(user, write, allowU, allowW, cr0)) return pageFault(c, lo, hi, errBase | PF_P);
      if (access === 2 && nx) return pageFault(c, lo, hi, errBase | PF_P);
      const want = PTE_A | (write ? PTE_D : 0);
      if ((eLo & want) !== want) { eLo |= want; dv.setInt32(p, eLo, true); }
      c.walkPerms = (allowU ? PTE_U : 0) | (allowW ? PTE_W : 0);
      c.walkDirty = (eLo & PTE_D) !== 0;
      c.walkGlobal = (eLo & PTE_G) !== 0 && (cr4 & CR4_PGE) !== 0; // survives CR3 writes (cpu.ts TLB tags)
      c.walkLarge = level === 0 ? 0 : level === 1 ? 9 : 18;
      const frameHi = eHi & 0xfffff;
      const baseFrame = frameHi * 1048576 + (eLo >>> 12);
      if (level === 0) return baseFrame;
      const within = level === 1 ? (lo >>> 12) & 0x1ff : (((hi & 0x7f) << 20) * 0) + ((lo >>> 12) & 0x3ffff);
      const mask = level === 1 ? 0x1ff : 0x3ffff;
      return baseFrame - (baseFrame % (mask + 1)) + within;
    }
    if (!pae3 && (eLo & PTE_A) === 0) dv.setInt32(p, eLo | PTE_A, true);
    tableLo = eLo & ~0xfff; tableHi = eHi & 0xfffff;
  }
  return pageFault(c, lo, hi, errBase);
}

function checkPerms(user: boolean, write: boolean, allowU: boolean, allowW: boolean, cr0: number): boolean {
  if (user && !allowU) return false;
  if (write && !allowW && (user || (cr0 & CR0_WP) !== 0)) return false;
  return true;
}
