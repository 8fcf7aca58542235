// Test harness: a Machine with a XenDomain, and helpers that make a vCPU execute VMCALL with
// chosen registers (32-bit flat protected mode or 64-bit mode, identity-mapped), the way a
// guest kernel would. Struct offsets in the tests are literals from gcc on Xen 4.17's headers
// (reference/pv-guest-requirements.md appendix A), not from src/xen/abi.
import { Machine } from '../../src/machine/machine.ts';
import { XenDomain, type XenDomainOptions } from '../../src/xen/xen_domain.ts';

export const CODE = 0x7000;
export const DATA = 0x10000;

export interface XenTestMachine {
  m: Machine;
  d: XenDomain;
  consoleOut: number[];
  consoleIo: number[];
  shutdowns: number[];
}

export function makeXen(opts: Partial<XenDomainOptions> = {}, cpus = 1): XenTestMachine {
  const m = new Machine(
    {
      ramBytes: 64 << 20,
      cpus,
      tscKHz: 2_000_000,
      icountShift: 0,
      rtcEpochSeconds: 0,
      serials: [],
      debugcon: null,
      debugExit: null,
      pcTestdev: false,
      overlayPoolPages: 96,
    },
    { serialOut: () => undefined, debugconOut: () => undefined, debugExit: () => undefined, resetRequest: () => undefined },
  );
  const x: XenTestMachine = { m, d: undefined as unknown as XenDomain, consoleOut: [], consoleIo: [], shutdowns: [] };
  x.d = new XenDomain(
    m,
    { xenVersion: 0x40011, primaryConsole: true, wallclockSec: 1_700_000_000, ...opts },
    {
      consoleOut: (b) => x.consoleOut.push(...b),
      consoleIoOut: (b) => x.consoleIo.push(...b),
      shutdown: (r) => x.shutdowns.push(r),
    },
  );
  return x;
}

const REG32 = { eax: 0, ecx: 1, edx: 2, ebx: 3, esp: 4, ebp: 5, esi: 6, edi: 7 } as const;

/** Run `code` at CODE on vCPU 0 in flat `bits`-bit mode at `cpl` until it halts (or `steps`). */
export function runCode(x: XenTestMachine, code: number[], regs: Partial<Record<keyof typeof REG32 | `r${number}`, number>>, bits: 32 | 64 = 32, cpl = 0, steps = 0): void {
  const cpu = x.m.cpus[0]!;
  cpu.setFlatMode(bits, cpl);
  x.m.platform.mem.writeBytes(CODE, Uint8Array.from(code));
  for (const c of x.m.cpus) c.invalidatePhysicalRange(CODE, code.length);
  for (const [k, v] of Object.entries(regs)) {
    const r = k in REG32 ? REG32[k as keyof typeof REG32] : Number(k.slice(1));
    const hi = Math.floor(v! / 4294967296);
    cpu.setReg(3, r, (v! - hi * 4294967296) | 0, hi | 0);
  }
  cpu.setReg(3, 4, 0x6000, 0);
  cpu.rip = CODE;
  cpu.s32[0xc8 >> 2] = 0; // not halted
  const r = x.m.run(steps || 10_000, { idle: 'return' });
  if (!steps && r !== 'idle' && r !== 'poweroff' && r !== 'reset') throw new Error(`guest code stopped with ${r} ${JSON.stringify(x.m.lastException)}`);
}

const VMCALL_HLT = [0x0f, 0x01, 0xc1, 0xf4];

/** A hypercall from 32-bit code: nr in EAX, args in EBX ECX EDX ESI EDI EBP; returns EAX signed. */
export function call32(x: XenTestMachine, nr: number, ...a: number[]): number {
  const [ebx = 0, ecx = 0, edx = 0, esi = 0, edi = 0, ebp = 0] = a;
  runCode(x, VMCALL_HLT, { eax: nr, ebx, ecx, edx, esi, edi, ebp }, 32);
  return x.m.cpus[0]!.getReg(2, 0) | 0;
}

/** A hypercall from 64-bit code: nr in RAX, args in RDI RSI RDX R10 R8 R9; returns RAX (signed). */
export function call64(x: XenTestMachine, nr: number, ...a: number[]): number {
  const [rdi = 0, rsi = 0, rdx = 0, r10 = 0, r8 = 0, r9 = 0] = a;
  runCode(x, VMCALL_HLT, { eax: nr, edi: rdi, esi: rsi, edx: rdx, r10, r8, r9 }, 64);
  const cpu = x.m.cpus[0]!;
  const lo = cpu.getReg(3, 0);
  return cpu.hi * 4294967296 + (lo >>> 0);
}

export const mem = (x: XenTestMachine) => x.m.platform.mem;
