// The only way the CPU reaches the outside world (DESIGN.md §2: x86 imports nothing of ours).
//
// The machine (src/machine) implements CpuBus and creates the WebAssembly.Memory; the CPU is
// built with `new Cpu(memory, stateBase, bus)` (cpu.ts). Guest RAM may sit anywhere in that
// Memory: the CPU asks `physPage` for every guest-physical frame it touches and caches the
// answer in its TLBs, so a machine that remaps a frame (overlays, ballooning) must call
// `cpu.flushTlb()` or `cpu.invalidatePhysicalRange()` afterwards.
//
// Re-entrancy: none of these hooks may call back into the CPU's run loop. They may read/write
// guest RAM and CPU registers (the vmcall hook does, for hypercall arguments and results), and
// they may request an early exit with `cpu.requestExit()`.

/**
 * The part of a WebAssembly.Memory the CPU uses (lib es2022 does not declare WebAssembly).
 * It must never grow: the CPU keeps views on `buffer`.
 */
export interface CpuMemory {
  readonly buffer: ArrayBuffer;
}

/** Result of `rdmsr`: true if the bus owns the MSR (value placed in `out[0]` lo, `out[1]` hi). */
export type MsrResult = boolean;

export interface CpuBus {
  /**
   * Byte offset in the WebAssembly.Memory of the 4 KiB guest-physical frame `pfn`, or -1 when
   * the frame is not RAM (MMIO or unbacked; the CPU then uses mmioRead/mmioWrite). `pfn` is a
   * double, exact up to 2^53 (physical addresses are at most 52 bits). Must be a multiple of 4096.
   */
  physPage(pfn: number): number;

  /**
   * MMIO read of `size` (1, 2, 4 or 8) bytes at guest-physical `paddr` (a double). Returns the
   * low 32 bits; for size 8 the high 32 bits go in `hi[0]`. Unclaimed addresses read all-ones.
   */
  mmioRead(paddr: number, size: number, hi: Int32Array): number;
  /** MMIO write; for size 8, `hi` carries bits 63..32. Unclaimed addresses ignore writes. */
  mmioWrite(paddr: number, size: number, lo: number, hi: number): void;

  /** Port input of `size` 1, 2 or 4 bytes (IN/INS). Unclaimed ports read all-ones. */
  portIn(port: number, size: number): number;
  /** Port output (OUT/OUTS). */
  portOut(port: number, size: number, value: number): void;

  /**
   * CPUID for leaves the CPU does not own (0x40000000–0x400001FF, the hypervisor range). Fill
   * `out` with eax, ebx, ecx, edx and return true; return false to let the CPU answer (zeros).
   */
  cpuid(leaf: number, subleaf: number, out: Int32Array): boolean;

  /** The initial APIC ID of the vCPU being served (CPUID.1:EBX[31:24]); 0 if absent. */
  apicId?(): number;

  /**
   * RDMSR/WRMSR for MSRs the CPU does not keep itself (LAPIC x2APIC range, Xen's hypercall-page
   * MSR, …). Return false when unhandled: the CPU then raises #GP(0).
   * `out` gets [lo, hi] for reads.
   */
  rdmsr(msr: number, out: Int32Array): MsrResult;
  wrmsr(msr: number, lo: number, hi: number): MsrResult;

  /**
   * VMCALL (Intel) or VMMCALL (AMD) executed at any CPL. The hook reads and writes registers via
   * the Cpu (hypercall number in rax/eax, results in rax) and returns true when it handled the
   * call (the CPU then advances RIP past the instruction) or false to raise #UD.
   */
  vmcall(): boolean;

  /**
   * Interrupt acknowledge: the vector of the highest-priority pending external interrupt that
   * the interrupt controllers would deliver now, or -1. Called only when RFLAGS.IF=1 and no
   * interrupt shadow is active; a returned vector counts as acknowledged (part 2 delivers it).
   */
  pendingInterrupt(): number;

  /**
   * CR8 in 64-bit mode is the local APIC's task priority (SDM Vol 3 §10.8.6.1: CR8[3:0] =
   * TPR[7:4]; a write clears TPR[3:0]). `value` 0–15 writes it, -1 reads; returns CR8. Optional:
   * without it CR8 is a register of its own.
   */
  cr8?(value: number): number;

  /**
   * The virtual clock's TSC (a double, ticks since reset) for RDTSC/RDTSCP/RDMSR 0x10; the CPU
   * adds its own IA32_TSC offset. Optional: without it the TSC counts retired instructions.
   */
  tsc?(): number;

  /**
   * PAUSE, the spin-wait hint (SDM Vol 2B PAUSE): the platform may let other vCPUs run or let
   * virtual time pass, as a hypervisor's pause-loop exiting does. Optional: without it PAUSE is a NOP.
   */
  pause?(): void;
}
