// A minimal machine for CPU tests and the benchmark: a WebAssembly.Memory holding one CPU
// state block and a few RAM windows at chosen guest-physical addresses (identity-mapped, no
// paging). Everything else is "unbacked": accesses there are recorded so tests can compare
// them with the host's SIGSEGV.

import { Cpu } from '../../../src/x86/cpu.ts';
import type { CpuBus } from '../../../src/x86/bus.ts';
import { CPU_STATE_BYTES } from '../../../src/x86/state_layout.ts';

export class FlatBus implements CpuBus {
  readonly pages = new Map<number, number>();
  /** Set when the CPU touched an unbacked physical address (MMIO path). */
  unbackedAccess = false;
  portLog: [number, number, number][] = [];
  physPage(pfn: number): number {
    const h = this.pages.get(pfn);
    return h === undefined ? -1 : h;
  }
  mmioRead(_paddr: number, _size: number, hi: Int32Array): number { this.unbackedAccess = true; hi[0] = -1; return -1; }
  mmioWrite(): void { this.unbackedAccess = true; }
  portIn(): number { return -1; }
  portOut(port: number, size: number, value: number): void { this.portLog.push([port, size, value]); }
  cpuid(): boolean { return false; }
  rdmsr(): boolean { return false; }
  wrmsr(): boolean { return false; }
  vmcall(): boolean { return false; }
  pendingInterrupt(): number { return -1; }
}

export class FlatMachine {
  readonly memory: WebAssembly.Memory;
  readonly bus = new FlatBus();
  readonly cpu: Cpu;
  readonly u8: Uint8Array;
  private nextHost: number;

  /** `windows`: [guest-physical base (page aligned), size in bytes]. */
  constructor(windows: [number, number][]) {
    const totalPages = windows.reduce((n, [, size]) => n + Math.ceil(size / 4096), 0);
    const bytes = CPU_STATE_BYTES + totalPages * 4096;
    const wasmPages = Math.ceil(bytes / 65536) + 1;
    this.memory = new WebAssembly.Memory({ initial: wasmPages, maximum: wasmPages });
    this.u8 = new Uint8Array(this.memory.buffer);
    this.nextHost = Math.ceil(CPU_STATE_BYTES / 4096) * 4096;
    for (const [base, size] of windows) {
      for (let off = 0; off < size; off += 4096) {
        this.bus.pages.set(Math.floor((base + off) / 4096), this.nextHost);
        this.nextHost += 4096;
      }
    }
    this.cpu = new Cpu(this.memory, 0, this.bus);
    // No IDT here: stop at the first exception (vector in cpu.pendingVector) instead of
    // delivering it, whatever the delivery code does.
    this.cpu.deliverException = (): boolean => false;
  }

  /** Host offset of a guest-physical address (must be backed). */
  host(paddr: number): number {
    const h = this.bus.pages.get(Math.floor(paddr / 4096));
    if (h === undefined) throw new Error(`unbacked ${paddr.toString(16)}`);
    return h + (paddr % 4096);
  }

  load(paddr: number, bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; i++) this.u8[this.host(paddr + i)] = bytes[i]!;
  }
  read(paddr: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    for (let i = 0; i < len; i++) out[i] = this.u8[this.host(paddr + i)]!;
    return out;
  }
}
