// Fast system calls (SDM Vol 2 SYSCALL/SYSRET/SYSENTER/SYSEXIT/SWAPGS). This model is an Intel
// CPU: SYSCALL/SYSRET only in 64-bit mode (#UD elsewhere), SYSENTER/SYSEXIT in protected mode.
// The segment caches are loaded with the fixed flat values the SDM lists, not from the GDT.

import type { Cpu } from '../cpu.ts';
import type { DecodedInsn } from '../decode/decoded_insn.ts';
import * as L from '../state_layout.ts';
import { commitFlags, getFlags } from '../flags.ts';
import { segIndex } from './descriptor_tables.ts';
import { csChanged, updateStackBits } from './segmentation.ts';

const IF = 0x200, RF = 0x10000, VM = 0x20000;
const I = (off: number): number => off >> 2;

/** Flat segment cache: base 0, limit 4 GiB, attributes `attr` (cache layout). */
function flat(c: Cpu, seg: number, sel: number, attr: number): void {
  const s = c.s32, b = segIndex(seg);
  s[b] = sel & 0xffff; s[b + 1] = attr; s[b + 2] = 0; s[b + 3] = 0; s[b + 4] = -1;
  c.refreshSegChecks();
}

const in64 = (c: Cpu): boolean => c.codeBits === 64;

export function SYSCALL(c: Cpu): void {
  const s = c.s32;
  if (!in64(c) || (s[I(L.MSR_EFER)]! & 1) === 0) { c.raiseUD(); return; }
  const star = s[I(L.MSR_STAR) + 1]!;
  s[L.RCX << 1] = c.nextLo; s[(L.RCX << 1) + 1] = c.nextHi;
  const f = getFlags(c);
  s[11 << 1] = f & ~RF; s[(11 << 1) + 1] = 0;
  commitFlags(c);
  s[I(L.RFLAGS)] = (f & ~s[I(L.MSR_SFMASK)]! & ~RF) | 2;
  flat(c, L.CS, star & 0xfffc, 0xa09b);
  flat(c, L.SS, (star + 8) & 0xfffc, 0xc093);
  csChanged(c, 0);
  c.nextLo = s[I(L.MSR_LSTAR)]!; c.nextHi = s[I(L.MSR_LSTAR) + 1]!;
  c.eventCheck = true;
}

export function SYSRET(c: Cpu, d: DecodedInsn): void {
  const s = c.s32;
  if (!in64(c) || (s[I(L.MSR_EFER)]! & 1) === 0) { c.raiseUD(); return; }
  if (c.cpl !== 0) { c.raiseGP0(); return; }
  const base = (s[I(L.MSR_STAR) + 1]! >>> 16) & 0xffff;
  const rcxLo = s[L.RCX << 1]!, rcxHi = s[(L.RCX << 1) + 1]!;
  const q = d.osz === 3;
  if (q && ((rcxHi << 16) >> 16) !== rcxHi) { c.raiseGP0(); return; }
  const r11 = s[11 << 1]!;
  if (q) flat(c, L.CS, (base + 16) | 3, 0xa0fb);
  else flat(c, L.CS, base | 3, 0xc0fb);
  // SS: selector from STAR, DPL 3 flat data (SDM: the cache is fixed, whatever the GDT says).
  const ssb = segIndex(L.SS);
  s[ssb] = ((base + 8) | 3) & 0xffff;
  s[ssb + 1] = 0xc0f3; s[ssb + 2] = 0; s[ssb + 3] = 0; s[ssb + 4] = -1;
  commitFlags(c);
  s[I(L.RFLAGS)] = (r11 & 0x3c7fd7) | 2;
  s[I(L.LAZY_MASK)] = 0;
  csChanged(c, 3);
  c.nextLo = rcxLo; c.nextHi = q ? rcxHi : 0;
  c.eventCheck = true;
}

export function SWAPGS(c: Cpu): void {
  if (!in64(c)) { c.raiseUD(); return; }
  if (c.cpl !== 0) { c.raiseGP0(); return; }
  const s = c.s32, b = segIndex(L.GS), k = I(L.MSR_KERNEL_GS_BASE);
  const lo = s[b + 2]!, hi = s[b + 3]!;
  s[b + 2] = s[k]!; s[b + 3] = s[k + 1]!;
  s[k] = lo; s[k + 1] = hi;
}

export function SYSENTER(c: Cpu): void {
  const s = c.s32;
  const cs = s[I(L.MSR_SYSENTER_CS)]! & 0xfffc;
  if ((s[I(L.MODE_FLAGS)]! & 1) === 0 || cs === 0) { c.raiseGP0(); return; }
  const long = (s[I(L.MODE_FLAGS)]! & 2) !== 0;
  commitFlags(c);
  s[I(L.RFLAGS)] = s[I(L.RFLAGS)]! & ~(VM | IF | RF);
  s[I(L.MODE_FLAGS)] = s[I(L.MODE_FLAGS)]! & ~8;
  flat(c, L.CS, cs, long ? 0xa09b : 0xc09b);
  flat(c, L.SS, cs + 8, 0xc093);
  csChanged(c, 0);
  const esp = I(L.MSR_SYSENTER_ESP), eip = I(L.MSR_SYSENTER_EIP);
  s[L.RSP << 1] = s[esp]!; s[(L.RSP << 1) + 1] = long ? s[esp + 1]! : 0;
  c.nextLo = s[eip]!; c.nextHi = long ? s[eip + 1]! : 0;
  updateStackBits(c);
}

export function SYSEXIT(c: Cpu, d: DecodedInsn): void {
  const s = c.s32;
  const base = s[I(L.MSR_SYSENTER_CS)]! & 0xffff;
  if ((s[I(L.MODE_FLAGS)]! & 1) === 0 || c.cpl !== 0 || (base & 0xfffc) === 0) { c.raiseGP0(); return; }
  const q = d.osz === 3;
  const rdxLo = s[L.RDX << 1]!, rdxHi = s[(L.RDX << 1) + 1]!, rcxLo = s[L.RCX << 1]!, rcxHi = s[(L.RCX << 1) + 1]!;
  if (q && (((rdxHi << 16) >> 16) !== rdxHi || ((rcxHi << 16) >> 16) !== rcxHi)) { c.raiseGP0(); return; }
  if (q) { flat(c, L.CS, (base + 32) | 3, 0xa0fb); flat(c, L.SS, (base + 40) | 3, 0xc0f3); }
  else { flat(c, L.CS, (base + 16) | 3, 0xc0fb); flat(c, L.SS, (base + 24) | 3, 0xc0f3); }
  csChanged(c, 3);
  s[L.RSP << 1] = rcxLo; s[(L.RSP << 1) + 1] = q ? rcxHi : 0;
  c.nextLo = rdxLo; c.nextHi = q ? rdxHi : 0;
}
