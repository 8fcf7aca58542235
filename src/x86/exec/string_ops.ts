// String instructions MOVS CMPS STOS LODS SCAS INS OUTS with REP/REPE/REPNE, both directions
// and 16/32/64-bit address sizes (SDM Vol 2 "REP/REPE/REPZ/REPNE/REPNZ", Vol 1 §7.3.9).
// A repeated instruction runs at most CHUNK iterations per execution and then re-executes
// (RIP unchanged), so interrupts and the instruction budget are honoured. Registers are
// updated per iteration, so a fault leaves a restartable state, as on hardware.

import type { Cpu } from '../cpu.ts';
import type { DecodedInsn } from '../decode/decoded_insn.ts';
import { CC_SUB, DF, getFlags, setLazy, setLazy64, ZF, getFlag } from '../flags.ts';
import { ES, RCX, RDI, RFLAGS, RIP, RSI } from '../state_layout.ts';
import { hiAfterAdd } from '../u64.ts';
import { ioPortAllowed } from '../system/io_bitmap.ts';

const CHUNK = 4096;
const ARITH = 0x8d5;

function regAdd(c: Cpu, r: number, asz: number, delta: number): void {
  const s = c.s32;
  if (asz === 3) {
    const lo = s[r << 1]!, sum = (lo + delta) | 0;
    s[r << 1] = sum;
    s[(r << 1) + 1] = hiAfterAdd(lo, s[(r << 1) + 1]!, delta, sum);
  } else if (asz === 2) c.setReg(2, r, (s[r << 1]! + delta) | 0, 0);
  else c.s16[r << 2] = (c.s16[r << 2]! + delta) & 0xffff;
}

function addrOf(c: Cpu, seg: number, r: number, asz: number, n: number): void {
  const s = c.s32;
  c.linear(seg, s[r << 1]!, s[(r << 1) + 1]!, asz, n);
}

function countZero(c: Cpu, asz: number): boolean {
  const s = c.s32;
  if (asz === 3) return (s[RCX << 1]! | s[(RCX << 1) + 1]!) === 0;
  if (asz === 2) return s[RCX << 1] === 0;
  return c.s16[RCX << 2] === 0;
}

export function STRING(c: Cpu, d: DecodedInsn): void {
  const op = d.sub, size = d.osz, asz = d.asz;
  const n = 1 << size;
  const delta = (getFlags(c) & DF) !== 0 ? -n : n;
  const rep = d.rep;
  if ((op === 5 || op === 6) && !ioPortAllowed(c, c.s16[8]!, n)) { c.raiseGP0(); return; }
  if (rep !== 0 && countZero(c, asz)) return;
  const seg = d.seg;
  for (let it = 0; ; it++) {
    switch (op) {
      case 0: { // MOVS
        addrOf(c, seg, RSI, asz, n);
        const v = c.read(size);
        if (c.fault) return;
        const vh = c.hi;
        addrOf(c, ES, RDI, asz, n);
        c.write(size, v, vh);
        if (c.fault) return;
        regAdd(c, RSI, asz, delta); regAdd(c, RDI, asz, delta);
        break;
      }
      case 1: case 4: { // CMPS, SCAS
        let a: number, ah = 0;
        if (op === 1) {
          addrOf(c, seg, RSI, asz, n);
          a = c.read(size);
          if (c.fault) return;
          ah = c.hi;
        } else { a = c.getReg(size, 0); ah = c.hi; }
        addrOf(c, ES, RDI, asz, n);
        const b = c.read(size);
        if (c.fault) return;
        const bh = c.hi;
        if (size === 3) {
          const dif = (a >>> 0) - (b >>> 0);
          setLazy64(c, CC_SUB, a, ah, b, bh, dif | 0, (ah - bh - (dif < 0 ? 1 : 0)) | 0, ARITH);
        } else setLazy(c, CC_SUB, size, a, b, (a - b) | 0, ARITH);
        if (op === 1) regAdd(c, RSI, asz, delta);
        regAdd(c, RDI, asz, delta);
        break;
      }
      case 2: { // STOS
        const v = c.getReg(size, 0), vh = c.hi;
        addrOf(c, ES, RDI, asz, n);
        c.write(size, v, vh);
        if (c.fault) return;
        regAdd(c, RDI, asz, delta);
        break;
      }
      case 3: { // LODS
        addrOf(c, seg, RSI, asz, n);
        const v = c.read(size);
        if (c.fault) return;
        c.setReg(size, 0, v, c.hi);
        regAdd(c, RSI, asz, delta);
        break;
      }
      case 5: { // INS: ES:rDI ← port DX
        addrOf(c, ES, RDI, asz, n);
        if (!c.probeWrite(c.eaLo, c.eaHi, n)) return;
        const v = c.bus.portIn(c.s16[8]!, n);
        c.write(size, v, 0);
        if (c.fault) return;
        regAdd(c, RDI, asz, delta);
        break;
      }
      default: { // OUTS: port DX ← seg:rSI
        addrOf(c, seg, RSI, asz, n);
        const v = c.read(size);
        if (c.fault) return;
        c.bus.portOut(c.s16[8]!, n, size === 0 ? v & 0xff : size === 1 ? v & 0xffff : v);
        regAdd(c, RSI, asz, delta);
        break;
      }
    }
    if (rep === 0) return;
    regAdd(c, RCX, asz, -1);
    if (countZero(c, asz)) return;
    if (op === 1 || op === 4) {
      const zf = getFlag(c, ZF) !== 0;
      if (rep === 3 ? !zf : zf) return;
    }
    if (it + 1 >= CHUNK || c.dbgHits !== 0) {
      // Re-execute this instruction: leave RIP where it is. Between iterations RF is set (SDM
      // Vol 3 §18.3.1.1): an event taken here pushes RF = 1 and, on the way back, the
      // instruction's own breakpoint does not fire again. A data breakpoint hit ends the chunk
      // so its trap follows this iteration.
      c.nextLo = c.s32[RIP >> 2]!;
      c.nextHi = c.s32[(RIP >> 2) + 1]!;
      c.s32[RFLAGS >> 2] = c.s32[RFLAGS >> 2]! | 0x10000;
      c.eventCheck = true;
      return;
    }
  }
}
