// Compare an emulator result with the host CPU's for one generated case.

import type { HostResult } from '../host_oracle/host_oracle.ts';
import type { GenCase } from './gen_cases.ts';
import type { EmuResult } from './emulate.ts';

const NAMES = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];
const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');

/** Returns '' when equal, else a description of the first differences. */
export function compareResults(g: GenCase, host: HostResult, emu: EmuResult): string {
  const diffs: string[] = [];
  const hs = host.signal === 'SIGBUS' ? 'SIGSEGV' : host.signal;
  if (hs !== emu.signal) diffs.push(`signal host=${host.signal}(trap ${host.trapNo ?? '-'}) emu=${emu.signal}(vec ${emu.vector})`);
  // A fault on unbacked memory in the emulator has no meaningful register state to compare.
  if (emu.unbacked || hs === 'SIGALRM') return diffs.join('; ');
  if (host.rip !== emu.rip) diffs.push(`rip host=${host.rip.toString(16)} emu=${emu.rip.toString(16)}`);
  const n = g.host.mode === 64 ? 16 : 8;
  const m = g.host.mode === 64 ? 0xffffffffffffffffn : 0xffffffffn;
  for (let k = 0; k < n; k++) {
    if (g.undefRegs & (1 << k)) continue;
    const a = host.state.gpr[k]! & m, b = emu.state.gpr[k]! & m;
    if (a !== b) diffs.push(`${NAMES[k]} host=${a.toString(16)} emu=${b.toString(16)}`);
  }
  const fm = g.flagMask;
  if ((host.state.rflags & fm) !== (emu.state.rflags & fm)) {
    diffs.push(`flags host=${(host.state.rflags & fm).toString(16)} emu=${(emu.state.rflags & fm).toString(16)} (mask ${fm.toString(16)})`);
  }
  for (let k = 0; k < host.state.mem.length; k++) {
    if (host.state.mem[k] !== emu.state.mem[k]) { diffs.push(`mem[+${k.toString(16)}] host=${host.state.mem[k]} emu=${emu.state.mem[k]}`); break; }
  }
  return diffs.join('; ');
}

export function describeCase(g: GenCase): string {
  const st = g.host.state;
  return `${g.name} code=[${hex(g.host.code)}] rflags=${st.rflags.toString(16)} ` +
    Array.from(st.gpr.slice(0, g.host.mode === 64 ? 16 : 8), (v, k) => `${NAMES[k]}=${v.toString(16)}`).join(' ');
}
