// I/O permission (SDM Vol 1 §19.5): in protected mode with CPL > IOPL (and in virtual-8086
// mode) an I/O instruction is allowed only if the bits for every port it touches are clear in
// the I/O permission bitmap of the current 32/64-bit TSS (base at TSS offset 0x66); bytes past
// the TSS limit count as set.

import type { Cpu } from '../cpu.ts';
import * as L from '../state_layout.ts';
import { getFlags } from '../flags.ts';
import { segIndex } from './descriptor_tables.ts';
import { ioBreakpointHit } from './debug_registers.ts';

/** May the current context access `size` bytes of ports at `port`? (No fault recorded.) */
export function ioPortAllowed(c: Cpu, port: number, size: number): boolean {
  // Every IN/OUT/INS/OUTS asks here first: the place for I/O breakpoints too (a denied access
  // faults, and a fault discards the recorded hits).
  if (c.dbgIo !== 0) ioBreakpointHit(c, port, size);
  const s = c.s32, mode = s[L.MODE_FLAGS >> 2]!;
  if ((mode & 1) === 0) return true; // real mode
  if ((mode & 8) === 0 && c.cpl <= ((getFlags(c) >> 12) & 3)) return true;
  const tr = segIndex(L.TR);
  const type = s[tr + 1]! & 0xf;
  if (type !== 9 && type !== 0xb) return false; // no bitmap in a 16-bit TSS
  const limit = s[tr + 4]! >>> 0;
  if (limit < 0x67) return false;
  const old = c.sysBegin();
  const baseLo = s[tr + 2]!, baseHi = (mode & 2) !== 0 ? s[tr + 3]! : 0;
  c.eaLo = (baseLo + 0x66) | 0; c.eaHi = baseHi;
  const mapBase = c.read(1);
  let ok = !c.fault;
  const first = mapBase + (port >>> 3), last = mapBase + ((port + size - 1) >>> 3);
  if (ok && last > limit) ok = false;
  if (ok) {
    c.eaLo = (baseLo + first) | 0; c.eaHi = baseHi;
    const bits = first === last ? c.read(0) : c.read(1);
    const mask = ((1 << size) - 1) << (port & 7);
    ok = !c.fault && (bits & mask) === 0;
  }
  c.sysEnd(old);
  // A fault reading the TSS is not the guest's I/O instruction's fault: report "not allowed".
  if (c.fault) { c.fault = false; c.clearException(); }
  return ok;
}
