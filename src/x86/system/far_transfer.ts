// Far JMP, far CALL and far RET (SDM Vol 2 JMP/CALL/RET "Operation", Vol 3 §5.8): real-mode
// transfers, direct transfers to code segments with the conforming/non-conforming privilege
// rules, call gates (16/32-bit, and 64-bit in long mode) including the inner-stack switch from
// the TSS and parameter copying, and returns to an outer privilege level. Task gates and TSS
// targets (hardware task switches) are refused with #GP(selector) for now.

import type { Cpu } from '../cpu.ts';
import type { DecodedInsn } from '../decode/decoded_insn.ts';
import * as L from '../state_layout.ts';
import { K_IMM } from '../exec/operands.ts';
import { desc, descDpl, descLimit, descPresent, descS, descType, DESC_FAULT, DESC_LIMIT, loadCache, readDescriptor, segIndex, setDescriptorBits } from './descriptor_tables.ts';
import { loadCs, loadRealSeg, updateStackBits } from './segmentation.ts';
import { nullifyDataSegments } from './interrupts.ts';
import { TASK_CALL, TASK_JMP, taskSwitch } from './task_switch.ts';

/** Far pointer operand: offset (lo, hi) and selector. */
let fOffLo = 0, fOffHi = 0, fSel = 0;

function farOperand(c: Cpu, d: DecodedInsn): boolean {
  if (d.k1 === K_IMM) { fOffLo = d.osz === 1 ? d.imm & 0xffff : d.imm; fOffHi = 0; fSel = d.imm2 & 0xffff; return true; }
  const size = d.osz === 3 ? 3 : d.osz === 1 ? 1 : 2;
  c.ea(d);
  const eLo = c.eaLo, eHi = c.eaHi;
  fOffLo = c.read(size); fOffHi = size === 3 ? c.hi : 0;
  const a = (eLo + (1 << size)) | 0;
  c.eaLo = a; c.eaHi = (a >>> 0) < (eLo >>> 0) ? (eHi + 1) | 0 : eHi;
  fSel = c.read(1);
  return !c.fault;
}

const isPM = (c: Cpu): boolean => (c.s32[L.MODE_FLAGS >> 2]! & 9) === 1;

/** Target offset check: canonical for 64-bit code, within the limit otherwise (#GP(0)). */
function offsetOk(c: Cpu, w0: number, w1: number, long64: boolean, lo: number, hi: number): boolean {
  if (long64) { if (((hi << 16) >> 16) !== hi) { c.raiseGP0(); return false; } return true; }
  if ((lo >>> 0) > (descLimit(w0, w1) >>> 0)) { c.raiseGP0(); return false; }
  return true;
}

const is64Code = (c: Cpu, w1: number): boolean => (c.s32[L.MODE_FLAGS >> 2]! & 2) !== 0 && (w1 & 0x200000) !== 0;

/** JMPF (call false) and CALLF (call true). */
export function FARJMP(c: Cpu, d: DecodedInsn, call: boolean): void {
  if (!farOperand(c, d)) return;
  const s = c.s32;
  const size = d.osz === 3 ? 3 : d.osz === 1 ? 1 : 2;
  if (!isPM(c)) {
    if (call) {
      const sp = s[L.RSP << 1]!;
      if (!c.push(size, s[segIndex(L.CS)]!, 0) || !c.push(size, c.nextLo, 0)) { s[L.RSP << 1] = sp; return; }
    }
    loadRealSeg(c, L.CS, fSel);
    c.nextLo = fOffLo; c.nextHi = 0;
    return;
  }
  const sel = fSel, cpl = c.cpl, err = sel & ~3;
  if (err === 0) { c.raiseGP0(); return; }
  const long = (s[L.MODE_FLAGS >> 2]! & 2) !== 0;
  let r = readDescriptor(c, sel);
  if (r === DESC_FAULT) return;
  if (r === DESC_LIMIT) { c.raise(13, err); return; }
  let w0 = desc[0]!, w1 = desc[1]!;
  if (descS(w1)) {
    const t = descType(w1), dpl = descDpl(w1);
    if ((t & 8) === 0) { c.raise(13, err); return; }
    if ((t & 4) !== 0 ? dpl > cpl : ((sel & 3) > cpl || dpl !== cpl)) { c.raise(13, err); return; }
    if (!descPresent(w1)) { c.raise(11, err); return; }
    if (long && (w1 & 0x200000) !== 0 && (w1 & 0x400000) !== 0) { c.raise(13, err); return; }
    const to64 = is64Code(c, w1);
    let lo = fOffLo, hi = to64 ? fOffHi : 0;
    if (!to64 && size === 1) lo &= 0xffff;
    if (!offsetOk(c, w0, w1, to64, lo, hi)) return;
    if (call) {
      const spLo = s[L.RSP << 1]!, spHi = s[(L.RSP << 1) + 1]!;
      if (!c.push(size, s[segIndex(L.CS)]!, 0) || !c.push(size, c.nextLo, c.nextHi)) { s[L.RSP << 1] = spLo; s[(L.RSP << 1) + 1] = spHi; return; }
    }
    if (!setDescriptorBits(c, 0x100)) return;
    loadCs(c, sel, w0, desc[1]!, cpl);
    if (!to64) hi = 0;
    c.nextLo = lo; c.nextHi = hi;
    return;
  }
  // System descriptor: a call gate (4: 16-bit, 0xC: 32-bit, or 64-bit in long mode), or outside
  // long mode an available 16/32-bit TSS (1, 9) or a task gate (5): a task switch (SDM Vol 3 §8.3).
  const gt = descType(w1), gdpl = descDpl(w1);
  if (!long && (gt === 9 || gt === 1 || gt === 5)) {
    if (gdpl < cpl || gdpl < (sel & 3)) { c.raise(13, err); return; }
    if (!descPresent(w1)) { c.raise(11, err); return; }
    taskSwitch(c, gt === 5 ? w0 >>> 16 : sel, call ? TASK_CALL : TASK_JMP, c.nextLo);
    return;
  }
  if (long) {
    if (gt !== 0xc) { c.raise(13, err); return; }
    r = readDescriptor(c, sel, true);
    if (r === DESC_FAULT) return;
    if (r === DESC_LIMIT) { c.raise(13, err); return; }
    if (((desc[3]! >>> 8) & 0x1f) !== 0) { c.raise(13, err); return; }
  } else if (gt !== 4 && gt !== 0xc) { c.raise(13, err); return; } // task gates / TSS: not modelled
  if (gdpl < cpl || gdpl < (sel & 3)) { c.raise(13, err); return; }
  if (!descPresent(w1)) { c.raise(11, err); return; }
  const gate32 = gt === 0xc;
  const params = w1 & 0x1f;
  let lo = gate32 ? (w0 & 0xffff) | (w1 & 0xffff0000) : w0 & 0xffff;
  let hi = long ? desc[2]! : 0;
  const tsel = w0 >>> 16, terr = tsel & ~3;
  if (terr === 0) { c.raiseGP0(); return; }
  r = readDescriptor(c, tsel);
  if (r === DESC_FAULT) return;
  if (r === DESC_LIMIT) { c.raise(13, terr); return; }
  w0 = desc[0]!; w1 = desc[1]!;
  const t = descType(w1), dpl = descDpl(w1);
  if (!descS(w1) || (t & 8) === 0 || dpl > cpl) { c.raise(13, terr); return; }
  if (!call && (t & 4) === 0 && dpl !== cpl) { c.raise(13, terr); return; }
  if (!descPresent(w1)) { c.raise(11, terr); return; }
  if (long && ((w1 & 0x200000) === 0 || (w1 & 0x400000) !== 0)) { c.raise(13, terr); return; }
  lo |= 0;
  if (!offsetOk(c, w0, w1, long, lo, hi)) return;
  if (!long) hi = 0;
  const psize = long ? 3 : gate32 ? 2 : 1;
  const retLo = c.nextLo, retHi = c.nextHi;
  const oldCs = s[segIndex(L.CS)]! & 0xffff;
  if (call && (t & 4) === 0 && dpl < cpl) {
    // Inner stack from the TSS (SDM Vol 3 §5.8.5).
    const oldSs = s[segIndex(L.SS)]! & 0xffff, oldSpLo = s[L.RSP << 1]!, oldSpHi = s[(L.RSP << 1) + 1]!;
    const oldSsCache = [0, 1, 2, 3, 4].map((k) => s[segIndex(L.SS) + k]!);
    const oldStackBits = c.stackBits;
    // Parameters from the old stack (read before switching).
    const pv: number[] = [];
    for (let k = params - 1; k >= 0 && !long; k--) { pv.push(c.peek(psize, k << psize)); }
    if (c.fault) return;
    const tr = segIndex(L.TR);
    const tssLo = s[tr + 2]!, tssHi = s[tr + 3]!, tssLim = s[tr + 4]! >>> 0;
    const old = c.sysBegin();
    let nsLo: number, nsHi = 0, nss = 0;
    if (long) {
      const off = 4 + dpl * 8;
      if (off + 7 > tssLim) { c.sysEnd(old); c.raise(10, s[tr]! & ~3); return; }
      const sum = (tssLo >>> 0) + off;
      c.eaLo = sum | 0; c.eaHi = (tssHi + (sum > 0xffffffff ? 1 : 0)) | 0;
      nsLo = c.read(3); nsHi = c.hi;
    } else {
      const tss32 = (s[tr + 1]! & 8) !== 0;
      const off = tss32 ? 4 + dpl * 8 : 2 + dpl * 4;
      if (off + (tss32 ? 5 : 3) > tssLim) { c.sysEnd(old); c.raise(10, s[tr]! & ~3); return; }
      c.eaLo = (tssLo + off) | 0; c.eaHi = 0;
      nsLo = tss32 ? c.read(2) : c.read(1);
      c.eaLo = (tssLo + off + (tss32 ? 4 : 2)) | 0;
      nss = c.read(1);
    }
    c.sysEnd(old);
    if (c.fault) return;
    if (long) {
      const b = segIndex(L.SS);
      s[b] = dpl; s[b + 1] = (s[b + 1]! & 0x4000) | (dpl << 5); s[b + 2] = 0; s[b + 3] = 0; s[b + 4] = 0;
      s[L.RSP << 1] = nsLo; s[(L.RSP << 1) + 1] = nsHi;
      s[L.STACK_BITS >> 2] = 64;
    } else {
      if ((nss & ~3) === 0) { c.raise(10, 0); return; }
      const rs = readDescriptor(c, nss);
      if (rs === DESC_FAULT) return;
      if (rs === DESC_LIMIT) { c.raise(10, nss & ~3); return; }
      const sw1 = desc[1]!;
      if ((nss & 3) !== dpl || descDpl(sw1) !== dpl || !descS(sw1) || (descType(sw1) & 0xa) !== 2) { c.raise(10, nss & ~3); return; }
      if (!descPresent(sw1)) { c.raise(12, nss & ~3); return; }
      loadCache(c, L.SS, nss, desc[0]!, desc[1]!);
      s[L.RSP << 1] = nsLo; s[(L.RSP << 1) + 1] = 0;
      updateStackBits(c);
    }
    const oldCpl = cpl;
    c.setCpl(dpl);
    let ok = c.push(psize, oldSs, 0) && c.push(psize, oldSpLo, oldSpHi);
    for (let k = 0; ok && k < pv.length; k++) ok = c.push(psize, pv[k]!, 0);
    ok = ok && c.push(psize, oldCs, 0) && c.push(psize, retLo, retHi);
    if (!ok) {
      for (let k = 0; k < 5; k++) s[segIndex(L.SS) + k] = oldSsCache[k]!;
      s[L.RSP << 1] = oldSpLo; s[(L.RSP << 1) + 1] = oldSpHi; s[L.STACK_BITS >> 2] = oldStackBits;
      c.setCpl(oldCpl);
      return;
    }
    loadCs(c, tsel, w0, w1, dpl);
  } else {
    const newCpl = (t & 4) !== 0 ? cpl : dpl;
    if (call) {
      const spLo = s[L.RSP << 1]!, spHi = s[(L.RSP << 1) + 1]!;
      if (!c.push(psize, oldCs, 0) || !c.push(psize, retLo, retHi)) { s[L.RSP << 1] = spLo; s[(L.RSP << 1) + 1] = spHi; return; }
    }
    loadCs(c, tsel, w0, w1, newCpl);
  }
  c.nextLo = lo; c.nextHi = hi;
}

/** RETF [imm16]. */
export function RETF(c: Cpu, d: DecodedInsn): void {
  const s = c.s32;
  const size = d.osz === 3 ? 3 : d.osz === 1 ? 1 : 2;
  const n = 1 << size;
  const imm = d.k1 === K_IMM ? d.imm & 0xffff : 0;
  const ip = c.peek(size, 0), ipHi = c.hi;
  const cs = c.peek(size, n) & 0xffff;
  if (c.fault) return;
  if (!isPM(c)) {
    c.adjustSp(2 * n + imm);
    loadRealSeg(c, L.CS, cs);
    c.nextLo = size === 1 ? ip & 0xffff : ip; c.nextHi = 0;
    return;
  }
  const cpl = c.cpl, rpl = cs & 3, err = cs & ~3;
  if (err === 0) { c.raiseGP0(); return; }
  const r = readDescriptor(c, cs);
  if (r === DESC_FAULT) return;
  if (r === DESC_LIMIT) { c.raise(13, err); return; }
  const w0 = desc[0]!, w1 = desc[1]!, t = descType(w1), dpl = descDpl(w1);
  if (!descS(w1) || (t & 8) === 0 || rpl < cpl) { c.raise(13, err); return; }
  if ((t & 4) !== 0 ? dpl > rpl : dpl !== rpl) { c.raise(13, err); return; }
  if (!descPresent(w1)) { c.raise(11, err); return; }
  const to64 = is64Code(c, w1);
  let lo = ip;
  const hi = to64 && size === 3 ? ipHi : 0;
  if (!to64 && size === 1) lo &= 0xffff;
  if (!offsetOk(c, w0, w1, to64, lo, hi)) return;
  if (rpl === cpl) {
    c.adjustSp(2 * n + imm);
    loadCs(c, cs, w0, w1, cpl);
    c.nextLo = lo; c.nextHi = hi;
    return;
  }
  // Return to an outer level: SS:RSP follow the parameters.
  const spLo = c.peek(size, 2 * n + imm), spHi = c.hi;
  const ss = c.peek(size, 3 * n + imm) & 0xffff;
  if (c.fault) return;
  let sw0 = 0, sw1 = 0;
  if ((ss & ~3) === 0) {
    if (!(to64 && rpl !== 3)) { c.raiseGP0(); return; }
  } else {
    const rs = readDescriptor(c, ss);
    if (rs === DESC_FAULT) return;
    if (rs === DESC_LIMIT) { c.raise(13, ss & ~3); return; }
    sw0 = desc[0]!; sw1 = desc[1]!;
    if ((ss & 3) !== rpl || descDpl(sw1) !== rpl || !descS(sw1) || (descType(sw1) & 0xa) !== 2) { c.raise(13, ss & ~3); return; }
    if (!descPresent(sw1)) { c.raise(12, ss & ~3); return; }
  }
  if ((ss & ~3) === 0) {
    const b = segIndex(L.SS);
    s[b] = ss; s[b + 1] = (s[b + 1]! & 0x4000) | (rpl << 5); s[b + 2] = 0; s[b + 3] = 0; s[b + 4] = 0;
  } else loadCache(c, L.SS, ss, sw0, sw1 | 0x100);
  loadCs(c, cs, w0, w1, rpl);
  if (c.stackBits === 64) { s[L.RSP << 1] = spLo; s[(L.RSP << 1) + 1] = size === 3 ? spHi : 0; }
  else if (c.stackBits === 32) { s[L.RSP << 1] = spLo; s[(L.RSP << 1) + 1] = 0; }
  else c.s16[L.RSP << 2] = spLo;
  c.adjustSp(imm);
  nullifyDataSegments(c, rpl);
  c.nextLo = lo; c.nextHi = hi;
}
