// IN / OUT (SDM Vol 2; I/O privilege per Vol 1 §19.5): with CPL > IOPL in protected mode the
// TSS I/O permission bitmap decides (system/io_bitmap.ts), else #GP(0).

import type { Cpu } from '../cpu.ts';
import type { DecodedInsn } from '../decode/decoded_insn.ts';
import { getFlags } from '../flags.ts';
import { MODE_FLAGS } from '../state_layout.ts';
import { ioPortAllowed } from '../system/io_bitmap.ts';

export function ioAllowed(c: Cpu): boolean {
  if ((c.s32[MODE_FLAGS >> 2]! & 1) === 0) return true; // real mode
  const iopl = (getFlags(c) >> 12) & 3;
  return c.cpl <= iopl;
}

/** IN AL/eAX, Ib|DX. */
export function IN(c: Cpu, d: DecodedInsn): void {
  const port = d.k2 === 4 ? d.imm & 0xff : c.s16[8]!;
  const size = d.osz === 0 ? 0 : d.osz === 1 ? 1 : 2;
  if (!ioPortAllowed(c, port, 1 << size)) { c.raiseGP0(); return; }
  const v = c.bus.portIn(port, 1 << size);
  c.setReg(size, 0, v, 0);
}

/** OUT Ib|DX, AL/eAX. */
export function OUT(c: Cpu, d: DecodedInsn): void {
  const port = d.k1 === 4 ? d.imm & 0xff : c.s16[8]!;
  const size = d.osz === 0 ? 0 : d.osz === 1 ? 1 : 2;
  if (!ioPortAllowed(c, port, 1 << size)) { c.raiseGP0(); return; }
  const v = c.getReg(size, 0);
  c.bus.portOut(port, 1 << size, size === 0 ? v & 0xff : size === 1 ? v & 0xffff : v);
}
