// Run a host-oracle case in the emulator: the same data window and code address, flat mode at
// CPL 3 (as the host runner's user mode), no paging. Returns a HostResult-shaped record.

import { FlatMachine } from '../support/flat_machine.ts';
import { CODE_BASE, DATA_BASE, DATA_SIZE, emptyHostState } from '../host_oracle/host_oracle.ts';
import type { HostCase, HostResult, HostSignal } from '../host_oracle/host_oracle.ts';
import { CR0, CR4, RFLAGS, LAZY_MASK, SEG } from '../../../src/x86/state_layout.ts';
import { getFlags } from '../../../src/x86/flags.ts';
import { Exit } from '../../../src/x86/cpu.ts';
import { FPU, MXCSR, XMM } from '../../../src/x86/state_layout.ts';
import { fxrstorX87 } from '../../../src/x86/fpu/environment.ts';

let machine: FlatMachine | null = null;
function getMachine(): FlatMachine {
  machine ??= new FlatMachine([[DATA_BASE, DATA_SIZE], [CODE_BASE, 0x4000]]);
  return machine;
}

export interface EmuResult extends HostResult {
  vector: number;
  unbacked: boolean;
}

export function runInEmulator(c: HostCase): EmuResult {
  const m = getMachine();
  const cpu = m.cpu;
  cpu.setFlatMode(c.mode, 3);
  const s = cpu.s32;
  // Control registers as Linux sets them for user space: CR0.MP|NE, CR4.OSFXSR|OSXMMEXCPT.
  s[CR0 >> 2] = s[CR0 >> 2]! | 0x22;
  s[CR4 >> 2] = 0x600;
  // Selectors as Linux gives user space (arch/x86/include/asm/segment.h): 64-bit CS=0x33,
  // SS=0x2b, data selectors 0; 32-bit CS=0x23, SS=DS=ES=0x2b.
  const sel = c.mode === 64 ? [0, 0x33, 0x2b, 0, 0, 0] : [0x2b, 0x23, 0x2b, 0x2b, 0, 0x63];
  for (let k = 0; k < 6; k++) s[(SEG >> 2) + k * 8] = sel[k]!;
  for (let k = 0; k < 16; k++) {
    const v = c.mode === 32 && k >= 8 ? 0n : c.state.gpr[k]!;
    s[2 * k] = Number(v & 0xffffffffn) | 0;
    s[2 * k + 1] = c.mode === 32 ? 0 : Number((v >> 32n) & 0xffffffffn) | 0;
  }
  s[RFLAGS >> 2] = (c.state.rflags & 0xcd5) | 0x202;
  s[LAZY_MASK >> 2] = 0;
  // x87 state from the FXSAVE image (FCW, FSW, tags, ST0-7), as FXRSTOR loads it on the host.
  fxrstorX87(cpu.dv, cpu.stateBase + FPU, new DataView(c.state.fxsave.buffer, c.state.fxsave.byteOffset, 512), 0, c.mode === 64);
  // MXCSR (FXSAVE offset 24) and XMM0-15 (offset 160, 16 bytes each; XMM8-15 only in 64-bit mode).
  const fx = new DataView(c.state.fxsave.buffer, c.state.fxsave.byteOffset, 512);
  cpu.dv.setUint32(cpu.stateBase + MXCSR, fx.getUint32(24, true), true);
  for (let k = 0; k < 16 * 16; k += 4) cpu.dv.setUint32(cpu.stateBase + XMM + k, k < 128 || c.mode === 64 ? fx.getUint32(160 + k, true) : 0, true);
  m.load(DATA_BASE, c.state.mem);
  const code = new Uint8Array(0x4000);
  code.set(c.code);
  m.load(CODE_BASE, code);
  cpu.invalidatePhysicalRange(CODE_BASE, 0x4000);
  cpu.clearException();
  m.bus.unbackedAccess = false;
  cpu.rip = CODE_BASE;
  const end = CODE_BASE + c.code.length;
  let signal: HostSignal = 'none';
  let vector = -1;
  for (let steps = 0; steps < 100000; steps++) {
    if (cpu.rip === end) break;
    const r = cpu.run(1);
    if (m.bus.unbackedAccess) { signal = 'SIGSEGV'; break; }
    if (r !== Exit.BUDGET && cpu.pendingVector >= 0) {
      vector = cpu.pendingVector;
      signal = vector === 0 ? 'SIGFPE' : vector === 6 ? 'SIGILL' : vector === 1 || vector === 3 ? 'SIGTRAP' : 'SIGSEGV';
      break;
    }
    if (r !== Exit.BUDGET) { signal = 'SIGSEGV'; break; }
    if (cpu.rip < CODE_BASE || cpu.rip >= CODE_BASE + 0x4000) { signal = 'SIGSEGV'; break; }
  }
  const st = emptyHostState();
  for (let k = 0; k < 16; k++) {
    st.gpr[k] = (BigInt(s[2 * k + 1]! >>> 0) << 32n) | BigInt(s[2 * k]! >>> 0);
  }
  st.rflags = getFlags(cpu);
  st.mem = m.read(DATA_BASE, DATA_SIZE);
  return { state: st, signal, rip: cpu.rip, vector, unbacked: m.bus.unbackedAccess };
}
