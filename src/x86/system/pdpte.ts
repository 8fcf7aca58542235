// PAE paging's PDPTE registers (SDM Vol 3 §4.4.1): with PAE paging (CR0.PG, CR4.PAE, not IA-32e)
// the processor loads the four PDPTEs from CR3[31:5] on MOV to CR3, on a MOV to CR0 that turns
// paging on (or changes CD/NW) and on a MOV to CR4 that changes PAE, PGE or PSE, and walks
// through these registers afterwards: a memory write to the PDPT changes nothing until the next
// load. A present PDPTE with a reserved bit makes the loading instruction #GP(0), leaving every
// register as it was.
//
// The registers live in the state block (PDPTE, PDPTE_TAG) so snapshots keep them; the page
// walk (paging.ts) uses them while PDPTE_TAG names the current CR3 and reads memory otherwise
// (state set up directly by a loader or an older snapshot).

import type { Cpu } from '../cpu.ts';
import * as L from '../state_layout.ts';
import { paeEntryReserved } from '../paging.ts';

const I = (off: number): number => off >> 2;
const CR0_PG = 0x80000000 | 0, CR4_PAE = 0x20, EFER_LMA = 0x400, EFER_NXE = 0x800;

/** Would CR0/CR4/EFER values select PAE paging (not IA-32e)? */
export function paePaging(cr0: number, cr4: number, efer: number): boolean {
  return (cr0 & CR0_PG) !== 0 && (cr4 & CR4_PAE) !== 0 && (efer & EFER_LMA) === 0;
}

/**
 * Load the PDPTE registers from the PDPT at `cr3Lo` (physical, below 4 GiB). False with #GP(0)
 * recorded, and nothing changed, if a present entry sets a reserved bit.
 */
export function loadPdptes(c: Cpu, cr3Lo: number): boolean {
  const s = c.s32, base = cr3Lo & ~0x1f;
  const host = c.bus.physPage(Math.floor((base >>> 0) / 4096));
  const nxe = (s[I(L.MSR_EFER)]! & EFER_NXE) !== 0;
  const e = scratch;
  for (let k = 0; k < 4; k++) {
    // A PDPT outside RAM reads as all-ones: present with reserved bits set, so #GP.
    const p = host + (base & 0xfff) + k * 8;
    e[k * 2] = host < 0 ? -1 : c.dv.getInt32(p, true);
    e[k * 2 + 1] = host < 0 ? -1 : c.dv.getInt32(p + 4, true);
    if ((e[k * 2]! & 1) !== 0 && paeEntryReserved(false, nxe, 2, e[k * 2]!, e[k * 2 + 1]!)) { c.raiseGP0(); return false; }
  }
  for (let k = 0; k < 8; k++) s[I(L.PDPTE) + k] = e[k]!;
  s[I(L.PDPTE_TAG)] = base | 1;
  return true;
}
const scratch = new Int32Array(8);
