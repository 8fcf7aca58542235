// Hardware task switching (SDM Vol 3 §8.3): JMP/CALL to a TSS descriptor or a task gate,
// INT/exceptions through a task gate, IRET with NT = 1 back along the link. The current state
// goes to the old TSS, the busy bits and the back link are kept as the SDM table 8-2 says,
// CR0.TS is set, and the new task's CR3, LDTR, segment registers, EFLAGS and general registers
// are loaded. Both TSS formats (Figure 8-2 32-bit, Figure 8-11 16-bit): a 16-bit TSS holds no
// CR3, FS, GS or upper register halves (the switch loads null FS/GS and keeps the upper halves
// of the general registers and of EFLAGS, as QEMU does).

import type { Cpu } from '../cpu.ts';
import * as L from '../state_layout.ts';
import { commitFlags, getFlags } from '../flags.ts';
import { DESC_FAULT, DESC_LIMIT, desc, descLimit, descType, loadCache, readDescriptor, segIndex } from './descriptor_tables.ts';
import { loadSegment, csChanged } from './segmentation.ts';
import { updateMode } from './mode.ts';
import { taskSwitchDebug } from './debug_registers.ts';
import { loadPdptes, paePaging } from './pdpte.ts';
import { enterVm86 } from './vm86.ts';

export const TASK_JMP = 0, TASK_CALL = 1, TASK_IRET = 2, TASK_INT = 3;
const NT = 0x4000;
/** Where each format keeps IP, FLAGS, the 8 registers (size code, stride), ES..GS, LDT. */
const TSS32 = { ip: 0x20, fl: 0x24, regs: 0x28, size: 2, stride: 4, segs: [0x48, 0x4c, 0x50, 0x54, 0x58, 0x5c], ldt: 0x60, minLimit: 0x67 };
const TSS16 = { ip: 0x0e, fl: 0x10, regs: 0x12, size: 1, stride: 2, segs: [0x22, 0x24, 0x26, 0x28], ldt: 0x2a, minLimit: 0x2b };

function rd(c: Cpu, base: number, off: number, size: number): number {
  c.eaLo = (base + off) | 0; c.eaHi = 0;
  return c.read(size);
}
function wr(c: Cpu, base: number, off: number, size: number, v: number): void {
  c.eaLo = (base + off) | 0; c.eaHi = 0;
  c.write(size, v, 0);
}
/** Flip the busy bit (0x200 of word 1) of the TSS descriptor `sel` in the GDT. */
function setBusy(c: Cpu, sel: number, busy: boolean): void {
  const s = c.s32;
  const a = (s[L.GDTR >> 2]! + (sel & ~7) + 4) | 0;
  c.eaLo = a; c.eaHi = 0;
  const w1 = c.read(2);
  c.eaLo = a; c.eaHi = 0;
  c.write(2, busy ? w1 | 0x200 : w1 & ~0x200, 0);
}

/**
 * Switch to the task whose TSS selector is `sel` (SDM Vol 3 §8.3). `ripLo` is the EIP saved
 * in the old task. Returns false with an exception recorded.
 */
export function taskSwitch(c: Cpu, sel: number, source: number, ripLo: number): boolean {
  const s = c.s32;
  if ((sel & 4) !== 0 || (sel & ~3) === 0) { c.raise(10, sel & ~3); return false; }
  const old = c.sysBegin();
  const r = readDescriptor(c, sel);
  if (r === DESC_FAULT) { c.sysEnd(old); return false; }
  if (r === DESC_LIMIT) { c.sysEnd(old); c.raise(13, sel & ~3); return false; }
  const w0 = desc[0]!, w1 = desc[1]!, t = descType(w1);
  const wantBusy = source === TASK_IRET;
  if ((w1 & 0x1000) !== 0 || (t & 5) !== 1 || (t & 2) !== (wantBusy ? 2 : 0)) { c.sysEnd(old); c.raise(source === TASK_IRET ? 10 : 13, sel & ~3); return false; }
  if ((w1 & 0x8000) === 0) { c.sysEnd(old); c.raise(11, sel & ~3); return false; }
  const nf = (t & 8) !== 0 ? TSS32 : TSS16;
  if (descLimit(w0, w1) < nf.minLimit) { c.sysEnd(old); c.raise(10, sel & ~3); return false; }
  const nb = ((w0 >>> 16) | ((w1 & 0xff) << 16) | (w1 & 0xff000000)) | 0;
  const tr = segIndex(L.TR), ob = s[tr + 2]!, oldSel = s[tr]! & 0xffff;
  const of = (s[tr + 1]! & 8) !== 0 ? TSS32 : TSS16;
  // Save the outgoing task (NT cleared in the image for JMP and IRET).
  let fl = getFlags(c);
  if (source === TASK_JMP || source === TASK_IRET) fl &= ~NT;
  wr(c, ob, of.ip, of.size, ripLo);
  wr(c, ob, of.fl, of.size, fl);
  for (let g = 0; g < 8; g++) wr(c, ob, of.regs + g * of.stride, of.size, s[g << 1]!);
  for (let k = 0; k < of.segs.length; k++) wr(c, ob, of.segs[k]!, 1, s[segIndex(k)]! & 0xffff);
  // Read the incoming task before touching anything else.
  const ncr3 = nf === TSS32 ? rd(c, nb, 0x1c, 2) : 0, neip = rd(c, nb, nf.ip, nf.size);
  let nfl = rd(c, nb, nf.fl, nf.size);
  const regs = new Int32Array(8);
  for (let g = 0; g < 8; g++) regs[g] = rd(c, nb, nf.regs + g * nf.stride, nf.size);
  const sels = [0, 0, 0, 0, 0, 0];
  for (let k = 0; k < nf.segs.length; k++) sels[k] = rd(c, nb, nf.segs[k]!, 1) & 0xffff;
  const nldt = rd(c, nb, nf.ldt, 1) & 0xffff;
  if (nf === TSS16) {
    // A 16-bit task: the upper halves of EFLAGS and of the registers stay as they are.
    nfl = (getFlags(c) & ~0xffff & ~NT) | (nfl & 0xffff);
    for (let g = 0; g < 8; g++) regs[g] = (s[g << 1]! & ~0xffff) | (regs[g]! & 0xffff);
  }
  if (c.fault) { c.sysEnd(old); return false; }
  if (source === TASK_JMP || source === TASK_IRET) setBusy(c, oldSel, false);
  if (source === TASK_CALL || source === TASK_INT) { wr(c, nb, 0, 1, oldSel); nfl |= NT; }
  if (source !== TASK_IRET) setBusy(c, sel, true);
  c.sysEnd(old);
  if (c.fault) return false;
  // Commit: TR, CR0.TS, CR3, registers, flags, LDTR, segments.
  loadCache(c, L.TR, sel, w0, w1 | 0x200);
  s[L.CR0 >> 2] = s[L.CR0 >> 2]! | 8;
  if (nf === TSS32 && (s[L.CR0 >> 2]! & 0x80000000) !== 0) {
    s[L.CR3 >> 2] = ncr3; s[(L.CR3 >> 2) + 1] = 0; c.flushTlb();
    // PAE: the new CR3's PDPTEs (a bad one leaves the registers unloaded: walks read the PDPT).
    if (paePaging(s[L.CR0 >> 2]!, s[L.CR4 >> 2]!, s[L.MSR_EFER >> 2]!) && !loadPdptes(c, ncr3)) { c.fault = false; c.clearException(); }
  }
  for (let g = 0; g < 8; g++) { s[g << 1] = regs[g]!; s[(g << 1) + 1] = 0; }
  commitFlags(c);
  s[L.RFLAGS >> 2] = (nfl | 2) & ~0x8028;
  s[L.LAZY_MASK >> 2] = 0;
  c.eventCheck = true;
  taskSwitchDebug(c);
  s[L.RIP >> 2] = neip; s[(L.RIP >> 2) + 1] = 0;
  c.nextLo = neip; c.nextHi = 0;
  s[L.MODE_FLAGS >> 2] = s[L.MODE_FLAGS >> 2]! & ~8; // out of virtual-8086 mode (enterVm86 below re-enters)
  updateMode(c);
  // LDTR, then CS (sets CPL), then the data segments with the ordinary checks (faults are
  // raised in the context of the new task, SDM §8.3 step 14).
  const ldt = segIndex(L.LDTR);
  if ((nldt & ~3) === 0) { s[ldt] = 0; s[ldt + 1] = 0; }
  else {
    const rl = readDescriptor(c, nldt);
    if (rl !== 0 || descType(desc[1]!) !== 2 || (desc[1]! & 0x1000) !== 0) { if (!c.fault) c.raise(10, nldt & ~3); return false; }
    loadCache(c, L.LDTR, nldt, desc[0]!, desc[1]!);
  }
  if ((nfl & 0x20000) !== 0) {
    // A virtual-8086 task: every segment register real-mode style, CPL 3 (SDM Vol 3 §20.2.5).
    enterVm86(c, sels);
    return true;
  }
  const cs = sels[1]!;
  const rc = readDescriptor(c, cs);
  if (rc !== 0 || (desc[1]! & 0x1800) !== 0x1800) { if (!c.fault) c.raise(10, cs & ~3); return false; }
  if ((desc[1]! & 0x8000) === 0) { c.raise(11, cs & ~3); return false; }
  loadCache(c, L.CS, cs, desc[0]!, desc[1]!);
  csChanged(c, cs & 3);
  for (const k of [L.SS, L.ES, L.DS, L.FS, L.GS]) {
    if (!loadSegment(c, k, sels[k]!)) { if (s[L.EXC_VECTOR >> 2] === 13) s[L.EXC_VECTOR >> 2] = 10; return false; }
  }
  return true;
}
