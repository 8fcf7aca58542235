// Virtual-8086 mode (SDM Vol 3 ch. 20), without the VME/PVI extensions (not advertised):
//   entering   IRET at CPL 0 popping an EFLAGS image with VM = 1 (a 9-dword frame: EIP CS
//              EFLAGS ESP SS ES DS FS GS), or a task switch to a TSS whose EFLAGS has VM = 1;
//   running    CPL 3, every segment real-mode style (base = selector << 4, limit FFFFh),
//              16-bit code and stack; CLI STI PUSHF POPF INT n IRET are IOPL-sensitive
//              (#GP(0) unless IOPL = 3, §20.2.7), I/O goes through the TSS bitmap (io_bitmap.ts);
//   leaving    an interrupt or exception through a gate to a DPL 0 non-conforming code segment
//              (interrupts.ts): the ring-0 stack from the TSS gets GS FS DS ES, then SS ESP
//              EFLAGS CS EIP [error], and DS ES FS GS become null (§20.3.1.1, Figure 20-2).
// MODE_FLAGS.VM86 mirrors RFLAGS.VM; updateMode (mode.ts) derives CPL 3 from it.

import type { Cpu } from '../cpu.ts';
import { ModeFlag } from '../cpu.ts';
import * as L from '../state_layout.ts';
import { getFlags } from '../flags.ts';
import { segIndex } from './descriptor_tables.ts';
import { updateMode } from './mode.ts';

const VM = 0x20000;

export const inVm86 = (c: Cpu): boolean => (c.s32[L.MODE_FLAGS >> 2]! & ModeFlag.VM86) !== 0;

/** In virtual-8086 mode with IOPL < 3, CLI STI PUSHF POPF INT n IRET raise #GP(0): true if raised. */
export function vm86IoplFault(c: Cpu): boolean {
  if (!inVm86(c) || ((getFlags(c) >> 12) & 3) === 3) return false;
  c.raiseGP0();
  return true;
}

/** Load a segment register virtual-8086 style: base = sel << 4, limit FFFFh, DPL 3 data/code. */
function loadVmSeg(c: Cpu, seg: number, sel: number): void {
  const s = c.s32, b = segIndex(seg);
  s[b] = sel & 0xffff; s[b + 1] = seg === L.CS ? 0xfb : 0xf3; s[b + 2] = (sel & 0xffff) << 4; s[b + 3] = 0; s[b + 4] = 0xffff;
}

/**
 * Enter virtual-8086 mode with the given selectors (ES CS SS DS FS GS order of `sels`), after
 * RFLAGS (with VM set) has been written: segments, MODE_FLAGS.VM86, CPL 3, 16-bit code/stack.
 */
export function enterVm86(c: Cpu, sels: ArrayLike<number>): void {
  const s = c.s32;
  for (let k = 0; k < 6; k++) loadVmSeg(c, k, sels[k]!);
  s[L.MODE_FLAGS >> 2] = s[L.MODE_FLAGS >> 2]! | ModeFlag.VM86;
  updateMode(c);
  c.refreshSegChecks();
}

/** Leave virtual-8086 mode for the protected-mode handler (interrupts.ts delivers the frame). */
export function leaveVm86(c: Cpu): void {
  const s = c.s32;
  s[L.MODE_FLAGS >> 2] = s[L.MODE_FLAGS >> 2]! & ~ModeFlag.VM86;
  for (const seg of [L.ES, L.DS, L.FS, L.GS]) { const b = segIndex(seg); s[b] = 0; s[b + 1] = 0; s[b + 2] = 0; s[b + 3] = 0; s[b + 4] = 0; }
  c.refreshSegChecks();
}

/** Push GS FS DS ES (zero-extended at the gate's size) onto the ring-0 stack; false on a fault. */
export function pushVm86DataSegs(c: Cpu, size: number): boolean {
  const s = c.s32;
  return c.push(size, s[segIndex(L.GS)]! & 0xffff, 0) && c.push(size, s[segIndex(L.FS)]! & 0xffff, 0) &&
    c.push(size, s[segIndex(L.DS)]! & 0xffff, 0) && c.push(size, s[segIndex(L.ES)]! & 0xffff, 0);
}

const frame = new Int32Array(6);

/**
 * IRETD at CPL 0 to an EFLAGS image with VM = 1 (SDM Vol 2 IRET, RETURN-TO-VIRTUAL-8086-MODE):
 * EIP CS EFLAGS were peeked by the caller; pops ESP SS ES DS FS GS too. Returns false on a fault.
 */
export function iretToVm86(c: Cpu, eip: number, cs: number, fl: number): boolean {
  const s = c.s32;
  for (let k = 0; k < 6; k++) frame[k] = c.peek(2, 12 + k * 4);
  if (c.fault) return false;
  const esp = frame[0]!;
  // ES CS SS DS FS GS for enterVm86.
  const sels = [frame[2]!, cs, frame[1]!, frame[3]!, frame[4]!, frame[5]!];
  s[L.RFLAGS >> 2] = (fl | 2 | VM) & ~0x8028;
  s[L.LAZY_MASK >> 2] = 0;
  c.eventCheck = true;
  enterVm86(c, sels);
  s[L.RSP << 1] = esp; s[(L.RSP << 1) + 1] = 0;
  c.nextLo = eip & 0xffff; c.nextHi = 0;
  s[L.NMI_BLOCKED >> 2] = 0;
  return true;
}
