// Event delivery through the IVT/IDT (SDM Vol 3 §6.10–6.14) and IRET (Vol 2 IRET).
//
//   real mode       IVT of 4-byte CS:IP vectors; push FLAGS, CS, IP.
//   protected mode  8-byte interrupt/trap gates (16- and 32-bit), privilege change through the
//                   TSS's SSn:ESPn, push [SS, ESP,] EFLAGS, CS, EIP [, error].
//   long mode       16-byte gates, 64-bit target code only, RSPn or IST stacks aligned to 16,
//                   always push SS, RSP, RFLAGS, CS, RIP [, error].
// Error codes for IDT problems are (vector << 3) | 2 | EXT (§6.13); EXT is set for hardware
// events (exceptions, external interrupts, INT1) and clear for INT n / INT3 / INTO.
//
// Pushes go through the ordinary stack helpers: for a privilege change the new SS and RSP are
// installed first (with the new CPL) and everything is restored if a push faults, so the
// event that faulted during delivery sees the interrupted context (double-fault logic in
// exceptions.ts).

import type { Cpu } from '../cpu.ts';
import type { DecodedInsn } from '../decode/decoded_insn.ts';
import * as L from '../state_layout.ts';
import { commitFlags, getFlags } from '../flags.ts';
import { desc, descDpl, descPresent, descS, descType, DESC_FAULT, DESC_LIMIT, loadCache, readDescriptor, segIndex, setDescriptorBits } from './descriptor_tables.ts';
import { loadCs, loadRealSeg, updateStackBits } from './segmentation.ts';
import { TASK_INT, TASK_IRET, taskSwitch } from './task_switch.ts';
import { iretToVm86, leaveVm86, pushVm86DataSegs, vm86IoplFault } from './vm86.ts';

/** How an event was raised (changes EXT, the gate DPL check and what RIP is pushed). */
export const enum EventKind {
  /** Processor-detected exception. */
  EXCEPTION = 0,
  /** INT n, INT3, INTO: gate DPL checked against CPL. */
  SOFTWARE = 1,
  /** INT1 (ICEBP): like a hardware #DB for the checks. */
  ICEBP = 2,
  /** External interrupt or NMI. */
  EXTERNAL = 3,
}

const TF = 0x100, IF = 0x200, NT = 0x4000, RF = 0x10000, VM = 0x20000, AC = 0x40000;

/** Saved context for rolling back a stack switch: SS cache (5 words), RSP lo/hi, CPL, stack bits. */
const saved = new Int32Array(10);
function saveStack(c: Cpu): void {
  const s = c.s32, b = segIndex(L.SS);
  for (let k = 0; k < 5; k++) saved[k] = s[b + k]!;
  saved[5] = s[L.RSP << 1]!; saved[6] = s[(L.RSP << 1) + 1]!;
  saved[7] = s[L.CPL >> 2]!; saved[8] = s[L.STACK_BITS >> 2]!;
}
function restoreStack(c: Cpu): void {
  const s = c.s32, b = segIndex(L.SS);
  for (let k = 0; k < 5; k++) s[b + k] = saved[k]!;
  s[L.RSP << 1] = saved[5]!; s[(L.RSP << 1) + 1] = saved[6]!;
  s[L.STACK_BITS >> 2] = saved[8]!;
  c.setCpl(saved[7]!);
}

/** Read `size` (2 or 3) from the current TR's TSS at `off`; -1 on limit violation with #TS raised. */
function tssRead(c: Cpu, off: number, size: number, ext: number): number {
  const s = c.s32, tr = segIndex(L.TR);
  if (off + (1 << size) - 1 > (s[tr + 4]! >>> 0)) { c.raise(10, (s[tr]! & ~3) | ext); return 0; }
  const lo = s[tr + 2]!, sum = (lo >>> 0) + off;
  c.eaLo = sum | 0;
  c.eaHi = (s[L.MODE_FLAGS >> 2]! & 2) !== 0 ? (s[tr + 3]! + (sum > 0xffffffff ? 1 : 0)) | 0 : 0;
  const old = c.sysBegin();
  const v = c.read(size);
  c.sysEnd(old);
  return v;
}

/**
 * Deliver event `vector` with `error` (-1: none). RIP in the state block is the return address.
 * Returns false with a new exception recorded when delivery itself faults.
 */
export function deliverInterrupt(c: Cpu, vector: number, error: number, kind: number): boolean {
  const mode = c.s32[L.MODE_FLAGS >> 2]!;
  if ((mode & 1) === 0) return deliverReal(c, vector);
  return deliverProtected(c, vector, error, kind, (mode & 2) !== 0, (mode & 8) !== 0);
}

function deliverReal(c: Cpu, vector: number): boolean {
  const s = c.s32;
  const limit = s[(L.IDTR >> 2) + 2]!;
  if (vector * 4 + 3 > limit) { c.raiseGP0(); return false; }
  c.eaLo = (s[L.IDTR >> 2]! + vector * 4) | 0; c.eaHi = 0;
  const ip = c.read(1);
  c.eaLo = (c.eaLo + 2) | 0;
  const cs = c.read(1);
  if (c.fault) return false;
  const flags = getFlags(c);
  const sp = s[L.RSP << 1]!;
  if (!c.push(1, flags, 0) || !c.push(1, s[segIndex(L.CS)]!, 0) || !c.push(1, s[L.RIP >> 2]!, 0)) {
    s[L.RSP << 1] = sp;
    return false;
  }
  commitFlags(c);
  s[L.RFLAGS >> 2] = s[L.RFLAGS >> 2]! & ~(IF | TF | AC | RF);
  loadRealSeg(c, L.CS, cs);
  s[L.RIP >> 2] = ip; s[(L.RIP >> 2) + 1] = 0;
  return true;
}

function deliverProtected(c: Cpu, vector: number, error: number, kind: number, long: boolean, vm86: boolean): boolean {
  const s = c.s32;
  const ext = kind === EventKind.SOFTWARE ? 0 : 1;
  const idtErr = (vector << 3) | 2 | ext;
  const esz = long ? 16 : 8;
  const limit = s[(L.IDTR >> 2) + 2]!;
  if (vector * esz + esz - 1 > limit) { c.raise(13, idtErr); return false; }
  // Gate (implicit supervisor read).
  const sum = (s[L.IDTR >> 2]! >>> 0) + vector * esz;
  const old = c.sysBegin();
  c.eaLo = sum | 0; c.eaHi = long ? (s[(L.IDTR >> 2) + 1]! + (sum > 0xffffffff ? 1 : 0)) | 0 : 0;
  const g0 = c.read(2);
  c.eaLo = (sum + 4) | 0;
  const g1 = c.read(2);
  let g2 = 0;
  if (long) { c.eaLo = (sum + 8) | 0; g2 = c.read(2); }
  c.sysEnd(old);
  if (c.fault) return false;
  const gt = descType(g1);
  const okType = long ? gt === 0xe || gt === 0xf : gt === 6 || gt === 7 || gt === 0xe || gt === 0xf || gt === 5;
  if (descS(g1) || !okType) { c.raise(13, idtErr); return false; }
  const cpl = c.cpl;
  if (kind === EventKind.SOFTWARE && descDpl(g1) < cpl) { c.raise(13, idtErr); return false; }
  if (!descPresent(g1)) { c.raise(11, idtErr); return false; }
  if (gt === 5) {
    // Task gate: switch tasks, then push the error code on the new task's stack (SDM §6.12.2).
    if (!taskSwitch(c, g0 >>> 16, TASK_INT, s[L.RIP >> 2]!)) return false;
    return error < 0 || c.push((s[segIndex(L.TR) + 1]! & 8) !== 0 ? 2 : 1, error, 0); // 16-bit TSS: a word
  }
  const sel = g0 >>> 16;
  if ((sel & ~3) === 0) { c.raise(13, ext); return false; }
  const r = readDescriptor(c, sel);
  if (r === DESC_FAULT) return false;
  const selErr = (sel & ~3) | ext;
  if (r === DESC_LIMIT) { c.raise(13, selErr); return false; }
  const w0 = desc[0]!, w1 = desc[1]!, t = descType(w1), dpl = descDpl(w1);
  if (!descS(w1) || (t & 8) === 0 || dpl > cpl) { c.raise(13, selErr); return false; }
  if (!descPresent(w1)) { c.raise(11, selErr); return false; }
  if (long && ((w1 & 0x200000) === 0 || (w1 & 0x400000) !== 0)) { c.raise(13, selErr); return false; }
  const newCpl = (t & 4) !== 0 ? cpl : dpl;
  // From virtual-8086 mode only to a ring-0 non-conforming handler (SDM Vol 3 §20.3.1.1).
  if (vm86 && newCpl !== 0) { c.raise(13, selErr); return false; }
  const gate32 = (gt & 8) !== 0;
  let offLo = long || gate32 ? (g0 & 0xffff) | (g1 & 0xffff0000) : g0 & 0xffff;
  const offHi = long ? g2 : 0;
  offLo |= 0;
  const flags = getFlags(c);
  const oldSs = s[segIndex(L.SS)]! & 0xffff, oldSpLo = s[L.RSP << 1]!, oldSpHi = s[(L.RSP << 1) + 1]!;
  const oldCs = s[segIndex(L.CS)]! & 0xffff, ripLo = s[L.RIP >> 2]!, ripHi = s[(L.RIP >> 2) + 1]!;
  saveStack(c);

  if (long) {
    const ist = g1 & 7;
    let spLo = oldSpLo, spHi = oldSpHi;
    if (ist !== 0 || newCpl < cpl) {
      const off = ist !== 0 ? 0x24 + (ist - 1) * 8 : 4 + newCpl * 8;
      spLo = tssRead(c, off, 3, ext); spHi = c.hi;
      if (c.fault) return false;
      if (((spHi << 16) >> 16) !== spHi) { c.raise(12, ext); return false; }
    }
    if (newCpl < cpl) {
      // SS becomes a null selector with RPL = new CPL (SDM Vol 3 §6.14.4).
      const b = segIndex(L.SS);
      s[b] = newCpl; s[b + 1] = (s[b + 1]! & 0x4000) | (newCpl << 5); s[b + 2] = 0; s[b + 3] = 0; s[b + 4] = 0;
    }
    s[L.RSP << 1] = spLo & ~15; s[(L.RSP << 1) + 1] = spHi;
    s[L.STACK_BITS >> 2] = 64;
    c.setCpl(newCpl);
    const ok = c.push(3, oldSs, 0) && c.push(3, oldSpLo, oldSpHi) && c.push(3, flags, 0) &&
      c.push(3, oldCs, 0) && c.push(3, ripLo, ripHi) && (error < 0 || c.push(3, error, 0));
    if (!ok) { restoreStack(c); return false; }
  } else {
    const size = gate32 ? 2 : 1;
    if (newCpl < cpl) {
      // New stack from the TSS (32-bit TSS: ESPn at 4+8n, SSn at 8+8n; 16-bit: 2+4n, 4+4n).
      const tss32 = (s[segIndex(L.TR) + 1]! & 8) !== 0;
      const espOff = tss32 ? 4 + newCpl * 8 : 2 + newCpl * 4;
      const sp = tssRead(c, espOff, tss32 ? 2 : 1, ext);
      if (c.fault) return false;
      const ss = tssRead(c, espOff + (tss32 ? 4 : 2), 1, ext) & 0xffff;
      if (c.fault) return false;
      if ((ss & ~3) === 0) { c.raise(10, ext); return false; }
      const rs = readDescriptor(c, ss);
      if (rs === DESC_FAULT) return false;
      const ssErr = (ss & ~3) | ext;
      if (rs === DESC_LIMIT) { c.raise(10, ssErr); return false; }
      const sw1 = desc[1]!;
      if ((ss & 3) !== newCpl || descDpl(sw1) !== newCpl || !descS(sw1) || (descType(sw1) & 0xa) !== 2) { c.raise(10, ssErr); return false; }
      if (!descPresent(sw1)) { c.raise(12, ssErr); return false; }
      if (!setDescriptorBits(c, 0x100)) return false;
      loadCache(c, L.SS, ss, desc[0]!, desc[1]!);
      s[L.RSP << 1] = tss32 ? sp : (s[L.RSP << 1]! & ~0xffff) | (sp & 0xffff);
      updateStackBits(c);
      c.setCpl(newCpl);
      if (vm86 && !pushVm86DataSegs(c, size)) { restoreStack(c); return false; }
      if (!c.push(size, oldSs, 0) || !c.push(size, oldSpLo, 0)) { restoreStack(c); return false; }
    }
    const ok = c.push(size, flags, 0) && c.push(size, oldCs, 0) && c.push(size, ripLo, 0) && (error < 0 || c.push(size, error, 0));
    if (!ok) { restoreStack(c); return false; }
  }
  // Commit: flags, CS:RIP.
  commitFlags(c);
  let f = s[L.RFLAGS >> 2]! & ~(TF | NT | RF | VM);
  if ((gt & 1) === 0) f &= ~IF; // interrupt gate
  s[L.RFLAGS >> 2] = f;
  if (vm86) leaveVm86(c);
  loadCs(c, sel, w0, w1, newCpl);
  s[L.RIP >> 2] = offLo; s[(L.RIP >> 2) + 1] = offHi;
  return true;
}

// ------------------------------------------------------------------ IRET

/** IRET/IRETD/IRETQ (SDM Vol 2 IRET "Operation"). */
export function IRET(c: Cpu, d: DecodedInsn): void {
  const s = c.s32;
  const size = d.osz === 3 ? 3 : d.osz === 1 ? 1 : 2;
  const n = 1 << size;
  const mode = s[L.MODE_FLAGS >> 2]!;
  const vm86 = (mode & 8) !== 0;
  if (vm86 && vm86IoplFault(c)) return; // IOPL-sensitive in virtual-8086 mode
  const ip = c.peek(size, 0); const ipHi = c.hi;
  const cs = c.peek(size, n) & 0xffff;
  const fl = c.peek(size, 2 * n);
  if (c.fault) return;
  const old = getFlags(c);
  if ((mode & 1) === 0 || vm86) {
    // Real mode: VM/VIP/VIF and (16-bit) the upper half are kept; virtual-8086 mode (IOPL 3)
    // also keeps IOPL and stays in VM86.
    const keep = (size === 1 ? 0xffff0000 | 0 : VM | 0x180000) | (vm86 ? 0x3000 : 0);
    c.adjustSp(3 * n);
    loadRealSeg(c, L.CS, cs);
    c.nextLo = size === 1 || vm86 ? ip & 0xffff : ip; c.nextHi = 0;
    const nf = (old & keep) | (fl & ~keep);
    writeFlags(c, vm86 ? nf | VM : nf & ~VM);
    s[L.NMI_BLOCKED >> 2] = 0; // every IRET ends NMI blocking, in real mode too (SDM Vol 3 §6.7.1)
    return;
  }
  if ((old & NT) !== 0) {
    if ((mode & 2) !== 0) { c.raiseGP0(); return; } // no task switches in IA-32e mode
    // Nested task: back to the task in the current TSS's link field (SDM Vol 2 IRET).
    const tr = segIndex(L.TR);
    const o = c.sysBegin();
    c.eaLo = s[tr + 2]!; c.eaHi = 0;
    const link = c.read(1);
    c.sysEnd(o);
    if (c.fault) return;
    taskSwitch(c, link & 0xffff, TASK_IRET, c.nextLo);
    return;
  }
  const cpl = c.cpl;
  if ((fl & VM) !== 0 && cpl === 0 && size === 2 && (mode & 2) === 0) { iretToVm86(c, ip, cs, fl); return; }
  if ((cs & ~3) === 0) { c.raiseGP0(); return; }
  const rpl = cs & 3, err = cs & ~3;
  const r = readDescriptor(c, cs);
  if (r === DESC_FAULT) return;
  if (r === DESC_LIMIT) { c.raise(13, err); return; }
  const w0 = desc[0]!, w1 = desc[1]!, t = descType(w1), dpl = descDpl(w1);
  if (!descS(w1) || (t & 8) === 0 || rpl < cpl) { c.raise(13, err); return; }
  if ((t & 4) !== 0 ? dpl > rpl : dpl !== rpl) { c.raise(13, err); return; }
  if (!descPresent(w1)) { c.raise(11, err); return; }
  const long = (mode & 2) !== 0;
  const to64 = long && (w1 & 0x200000) !== 0;
  if (long && (w1 & 0x200000) !== 0 && (w1 & 0x400000) !== 0) { c.raise(13, err); return; }
  // In 64-bit mode IRET always pops SS:RSP; elsewhere only on a return to an outer level.
  const popStack = c.codeBits === 64 || rpl > cpl;
  let spLo = 0, spHi = 0, ss = 0, sw0 = 0, sw1 = 0;
  if (popStack) {
    spLo = c.peek(size, 3 * n); spHi = c.hi;
    ss = c.peek(size, 4 * n) & 0xffff;
    if (c.fault) return;
    if ((ss & ~3) === 0) {
      // Null SS only when returning to 64-bit code at CPL < 3 (SDM Vol 2 IRET).
      if (!(to64 && rpl !== 3 && (ss & 3) === rpl)) { c.raiseGP0(); return; }
    } else {
      const rs = readDescriptor(c, ss);
      if (rs === DESC_FAULT) return;
      if (rs === DESC_LIMIT) { c.raise(13, ss & ~3); return; }
      sw0 = desc[0]!; sw1 = desc[1]!;
      if ((ss & 3) !== rpl || descDpl(sw1) !== rpl || !descS(sw1) || (descType(sw1) & 0xa) !== 2) { c.raise(13, ss & ~3); return; }
      if (!descPresent(sw1)) { c.raise(12, ss & ~3); return; }
      if (!setDescriptorBits(c, 0x100)) return;
      sw1 = desc[1]!;
    }
  }
  // Return RIP: canonical for 64-bit code, within the CS limit otherwise.
  let nLo = ip, nHi = 0;
  if (to64) {
    nHi = size === 3 ? ipHi : 0;
    if (((nHi << 16) >> 16) !== nHi) { c.raiseGP0(); return; }
  } else {
    if (size === 1) nLo &= 0xffff;
    const lim = (w1 & 0x800000) !== 0 ? (((w0 & 0xffff) | (w1 & 0xf0000)) << 12) | 0xfff : (w0 & 0xffff) | (w1 & 0xf0000);
    if ((nLo >>> 0) > (lim >>> 0)) { c.raiseGP0(); return; }
  }
  // Flags: IOPL only at CPL 0, IF only if CPL <= IOPL; VIP/VIF at CPL 0 only (SDM Vol 2 IRET).
  const iopl = (old >> 12) & 3;
  let m = 0x1 | 0x4 | 0x10 | 0x40 | 0x80 | TF | 0x400 | 0x800 | NT | RF | AC | 0x200000;
  if (cpl <= iopl) m |= IF;
  if (cpl === 0) m |= 0x3000 | 0x180000;
  if (size === 1) m &= 0xffff;
  const nf = (old & ~m) | (fl & m);
  // Commit.
  if (popStack) {
    if ((ss & ~3) === 0) {
      const b = segIndex(L.SS);
      s[b] = ss; s[b + 1] = (s[b + 1]! & 0x4000) | (rpl << 5); s[b + 2] = 0; s[b + 3] = 0; s[b + 4] = 0;
    } else loadCache(c, L.SS, ss, sw0, sw1);
  } else c.adjustSp(3 * n);
  loadCs(c, cs, w0, w1, rpl);
  if (popStack) {
    if (c.stackBits === 64) { s[L.RSP << 1] = spLo; s[(L.RSP << 1) + 1] = size === 3 ? spHi : 0; }
    else if (c.stackBits === 32) { s[L.RSP << 1] = spLo; s[(L.RSP << 1) + 1] = 0; }
    else c.s16[L.RSP << 2] = spLo;
    if (rpl > cpl) nullifyDataSegments(c, rpl);
  }
  writeFlags(c, nf);
  c.nextLo = nLo; c.nextHi = nHi;
  s[L.NMI_BLOCKED >> 2] = 0;
}

/** After a return to an outer level: data segments the new CPL may not use become null (SDM Vol 3 §5.8.6). */
export function nullifyDataSegments(c: Cpu, cpl: number): void {
  const s = c.s32;
  for (const seg of [L.ES, L.DS, L.FS, L.GS]) {
    const b = segIndex(seg), attr = s[b + 1]!;
    const dpl = (attr >> 5) & 3, t = attr & 0xf;
    const dataOrNc = (attr & 0x10) !== 0 && ((t & 8) === 0 || (t & 4) === 0);
    if ((s[b]! & ~3) !== 0 && dataOrNc && dpl < cpl) { s[b] = 0; s[b + 1] = 0; }
  }
  c.refreshSegChecks();
}

/** Write RFLAGS eagerly and look for events (IF or TF may have changed). */
export function writeFlags(c: Cpu, f: number): void {
  const s = c.s32;
  s[L.RFLAGS >> 2] = (f | 2) & ~0x8028;
  s[L.LAZY_MASK >> 2] = 0;
  c.eventCheck = true; // also clears an RF loaded here after the breakpoint check (exceptions.ts)
}

