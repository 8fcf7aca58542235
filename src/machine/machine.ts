// The machine: the PC platform plus its vCPUs, implementing the CpuBus (src/x86/bus.ts), the
// direct boot (multiboot 1 or PVH, tried in QEMU's order), and the run loop.
//
// Run loop: vCPUs run round-robin in a fixed quantum (deterministic interleaving); a slice never
// crosses the next timer deadline, and due timers fire between slices. When every vCPU is halted
// (or waiting for SIPI) the machine is idle: it skips virtual time to the next deadline
// (`idle: 'skip'`, deterministic batch mode) or returns 'idle' so an interactive host can pace
// to wall time and then call `skipIdleTo`. Virtual time counts every instruction retired by any
// vCPU. Device reads of the clock during a slice see the count at the start of the slice
// (the CPU publishes ICOUNT when `run` returns), so a slice is also capped at `maxSlice`.
import { Cpu, Exit } from '../x86/cpu.ts';
import type { CpuBus } from '../x86/bus.ts';
import * as L from '../x86/state_layout.ts';
import { applyPcFirmwareState } from './firmware_state.ts';
import { APICBASE_BSP, APICBASE_EXTD, CPUID_TSC_DEADLINE, MSR_IA32_APICBASE, MSR_IA32_TSC_DEADLINE, REG_TPR } from './lapic.ts';
import { FEATURES_1_ECX, configureCpuidModel } from '../x86/exec/cpuid.ts';
import type { EntryState } from './loader/entry_state.ts';
import { isElf, parseElf } from './loader/elf.ts';
import { findMultibootHeader, loadMultiboot } from './loader/multiboot.ts';
import { findPvhEntry, loadPvh } from './loader/pvh.ts';
import { MtrrFile } from './mtrr.ts';
import { McaFile } from './mca.ts';
import { PcPlatform, type PcSpec, type PlatformHost } from './pc_platform.ts';
import type { PlainRecord } from './snapshot.ts';

/** Hooks the Xen layer (or tests) install for what the platform does not own. */
export interface MachineHooks {
  /** CPUID leaves 0x40000000-0x400001FF. */
  cpuid?: (cpu: number, leaf: number, subleaf: number, out: Int32Array) => boolean;
  /** MSRs nobody else handles (e.g. Xen's hypercall-page MSR). */
  rdmsr?: (cpu: number, msr: number, out: Int32Array) => boolean;
  wrmsr?: (cpu: number, msr: number, lo: number, hi: number) => boolean;
  /** VMCALL/VMMCALL; the hook reads and writes registers through `machine.cpus[cpu]`. */
  vmcall?: (cpu: number) => boolean;
  /**
   * An interrupt vector that bypasses the LAPIC and the PIC, offered ahead of them like ExtINT
   * for as long as the hook returns it (Xen's global callback vector: KVM kvm_cpu_get_extint /
   * kvm_xen_has_interrupt); -1 = none. Whoever raises it calls `cpus[cpu].requestExit()` so a
   * running vCPU looks again.
   */
  extInt?: (cpu: number) => number;
  /**
   * The vCPU stopped (HLT, waiting for SIPI) or started running again: called after the slice
   * that halted it and when an interrupt or SIPI wakes it (Xen's runstate: blocked / running).
   */
  haltChange?: (cpu: number) => void;
  /**
   * An AP was reset by INIT (`sipi` false: back to wait-for-SIPI) or started by SIPI (`sipi`
   * true). Xen's vCPU is_initialised follows it: VCPUOP_initialise is refused once started.
   */
  vcpuReset?: (cpu: number, sipi: boolean) => void;
}

export type StopReason =
  | 'budget' // the instruction budget ran out
  | 'exit' // isa-debug-exit was written: see exitStatus
  | 'reset' // the guest asked for a reset (or INIT to the BSP)
  | 'poweroff' // the guest powered off through ACPI (S5)
  | 'idle' // every vCPU is halted and no timer is armed (or idle: 'return')
  | 'exception' // the CPU stopped on an exception it could not deliver: see lastException
  | 'requested'; // requestStop() was called

export interface BootModuleBytes {
  bytes: Uint8Array;
  /** The file name as the user wrote it (QEMU puts it in front of a multiboot module's string). */
  path: string;
  /** Arguments after the file name. */
  args: string;
}

export interface KernelBoot {
  kernel: Uint8Array;
  kernelPath: string;
  append: string;
  modules: BootModuleBytes[];
}

const I = (off: number): number => off >> 2;
/**
 * A flat GDT like the one QEMU's multiboot option ROM leaves GDTR pointing at (null, 0x08 code,
 * 0x10 data), so a kernel that reloads segments before its own LGDT still works. It lives in the
 * reserved BIOS area, above our ACPI tables.
 */
export const BOOT_GDT_ADDR = 0xff000;
const BOOT_GDT = [0, 0, 0x0000ffff, 0x00cf9b00, 0x0000ffff, 0x00cf9300];
/** Instructions per vCPU turn when several are runnable. */
const QUANTUM = 4096;
const TWO32 = 0x1_0000_0000;
/**
 * Virtual time one PAUSE may let pass when no other vCPU could use the CPU (see `pause`). A
 * guest's delay loop (`pause; rdtsc; cmp; jb`) then retires ~10 instructions per 10 µs instead
 * of per 10 ns; its delays overshoot by at most this much.
 */
export const PAUSE_SKIP_NS = 10_000;

export class Machine implements CpuBus {
  readonly platform: PcPlatform;
  readonly cpus: Cpu[] = [];
  hooks: MachineHooks = {};
  /** The vCPU currently running (or last run). */
  current = 0;
  exitStatus: number | null = null;
  lastException: { cpu: number; vector: number; error: number; rip: number } | null = null;
  /** Longest slice, bounding how stale the clock can look to a device during a slice. */
  maxSlice = 10_000;
  /** How the last bootKernel() entered the guest. */
  boot: { kind: 'multiboot' | 'pvh'; entry: EntryState } | null = null;
  private stop: StopReason | null = null;
  private running = false;
  private readonly msrOut = new Uint32Array(2);
  /** The vCPUs' MTRRs (plain storage: Xen reads them unconditionally). */
  readonly mtrr: MtrrFile;
  /** The vCPUs' machine-check registers (IA32_MCG_*, 10 banks). */
  readonly mca: McaFile;

  constructor(spec: Omit<PcSpec, 'cpuStateBytes'>, host: PlatformHost) {
    // CPUID (and the decoder's #UD gates) follow this machine's -cpu flags. The model is
    // process-wide, so every machine sets it, before any of its vCPUs decodes an instruction.
    configureCpuidModel(spec.cpuFeatures ?? {});
    const stride = Math.ceil(L.CPU_STATE_BYTES / 64) * 64;
    const wrapped: PlatformHost = {
      serialOut: (i, b) => host.serialOut(i, b),
      debugconOut: (b) => host.debugconOut(b),
      debugExit: (st) => {
        this.exitStatus = st;
        this.requestStop('exit');
        host.debugExit(st);
      },
      resetRequest: () => {
        this.requestStop('reset');
        host.resetRequest();
      },
      powerOff: () => {
        this.requestStop('poweroff');
        host.powerOff?.();
      },
    };
    this.platform = new PcPlatform({ ...spec, cpuStateBytes: stride }, wrapped);
    this.mtrr = new MtrrFile(spec.cpus);
    this.mca = new McaFile(spec.cpus);
    const mem = this.platform.mem;
    for (let i = 0; i < spec.cpus; i++) {
      const cpu = new Cpu(mem.memory, i * stride, this);
      this.cpus.push(cpu);
    }
    this.platform.setInstructionSource(() => this.totalInstructions());
    // An interrupt, NMI or IPI for the running vCPU ends its slice, so it is looked at promptly.
    this.platform.lapics.forEach((l, i) => {
      l.onWake = () => {
        if (!this.running || i !== this.current) return;
        const cpu = this.cpus[i]!;
        if (l.nmiPending) {
          // An NMI for the running vCPU (a self NMI) enters its NMI latch at once and is taken at
          // the next boundary, so one sent by another vCPU before this slice ends is latched
          // after it instead of merging with it (kvm-unit-tests apic "multiple nmi").
          l.nmiPending = false;
          cpu.s32[I(L.NMI_PENDING)] = 1;
          cpu.eventCheck = true;
        }
        cpu.requestExit();
      };
    });
    this.platform.flushPage = (paddr) => {
      for (const c of this.cpus) c.invalidatePhysicalRange(paddr, 4096);
    };
    mem.onMapChange(() => {
      for (const c of this.cpus) c.flushTlb();
    });
    for (let i = 1; i < this.cpus.length; i++) this.cpus[i]!.s32[I(L.HALTED)] = 1; // APs wait for SIPI
    applyPcFirmwareState(this.platform);
  }

  get clock() {
    return this.platform.clock;
  }

  /** Retired instructions of vCPU `i`. */
  instructions(i: number): number {
    const s = this.cpus[i]!.s32;
    return (s[I(L.ICOUNT)]! >>> 0) + (s[I(L.ICOUNT) + 1]! >>> 0) * TWO32;
  }

  totalInstructions(): number {
    let n = 0;
    for (let i = 0; i < this.cpus.length; i++) n += this.instructions(i);
    return n;
  }

  requestStop(reason: StopReason): void {
    this.stop ??= reason;
    this.cpus[this.current]?.requestExit();
  }

  // ------------------------------------------------------------------ boot

  /**
   * Load a kernel the way QEMU's -kernel does without a Linux header: multiboot 1 first, then PVH.
   * One exception: an image with both (the Xen shim) boots through PVH, because its multiboot
   * path calls the BIOS in real mode and we have no BIOS (reference xen-shim-requirements §1.2).
   */
  bootKernel(k: KernelBoot, prefer: 'auto' | 'multiboot' | 'pvh' = 'auto'): 'multiboot' | 'pvh' {
    const mem = this.platform.mem;
    const pvh = isElf(k.kernel) && findPvhEntry(parseElf(k.kernel)) !== undefined;
    const mb = findMultibootHeader(k.kernel) !== undefined;
    if (mb && (prefer === 'multiboot' || (prefer === 'auto' && !pvh))) {
      const b = loadMultiboot(mem, k.kernel, {
        cmdline: `${k.kernelPath} ${k.append}`,
        modules: k.modules.map((m) => ({ bytes: m.bytes, cmdline: m.args ? `${m.path} ${m.args}` : m.path })),
        e820: this.platform.e820,
      });
      this.applyEntryState(b.entry);
      this.boot = { kind: 'multiboot', entry: b.entry };
      return 'multiboot';
    }
    if (pvh) {
      const b = loadPvh(mem, k.kernel, {
        cmdline: k.append,
        modules: k.modules.map((m) => ({ bytes: m.bytes, cmdline: m.args })),
        e820: this.platform.e820,
        rsdpAddr: this.platform.acpi.rsdpAddr,
      });
      this.applyEntryState(b.entry);
      this.boot = { kind: 'pvh', entry: b.entry };
      return 'pvh';
    }
    throw new Error(`${k.kernelPath}: neither a multiboot 1 image nor a PVH ELF (Linux bzImage boot is not supported yet)`);
  }

  /** Put the BSP in the state a loader asked for (entry_state.ts). */
  applyEntryState(e: EntryState): void {
    const cpu = this.cpus[0]!;
    const s = cpu.s32;
    cpu.setFlatMode(32);
    s[I(L.CR0)] = 0x11; // PE | ET, as QEMU's loaders leave it
    s[I(L.CR4)] = 0;
    s[I(L.MSR_EFER)] = 0;
    s[I(L.MSR_EFER) + 1] = 0;
    for (let r = 0; r < 16; r++) {
      s[r * 2] = 0;
      s[r * 2 + 1] = 0;
    }
    s[L.RAX * 2] = e.eax | 0;
    s[L.RBX * 2] = e.ebx | 0;
    s[L.RSP * 2] = e.esp | 0;
    s[I(L.RIP)] = e.eip | 0;
    s[I(L.RIP) + 1] = 0;
    s[I(L.RFLAGS)] = 0x2;
    // GDTR: the flat boot GDT (CS = 0x08 and the data selectors = 0x10 match it).
    BOOT_GDT.forEach((w, k) => this.platform.mem.write32(BOOT_GDT_ADDR + 4 * k, w));
    s[I(L.GDTR)] = BOOT_GDT_ADDR;
    s[I(L.GDTR) + 1] = 0;
    s[I(L.GDTR) + 2] = BOOT_GDT.length * 4 - 1;
    // TR: a 32-bit busy TSS, base 0, limit 0x67 (PVH ABI).
    const tr = I(L.SEG) + L.TR * (L.SEG_STRIDE >> 2);
    s[tr + (L.SEG_SELECTOR >> 2)] = 0;
    s[tr + (L.SEG_ATTR >> 2)] = 0x8b;
    s[tr + (L.SEG_BASE >> 2)] = 0;
    s[tr + (L.SEG_BASE >> 2) + 1] = 0;
    s[tr + (L.SEG_LIMIT >> 2)] = 0x67;
    s[I(L.HALTED)] = 0;
    cpu.modeChanged();
    cpu.flushTlb();
  }

  /** Start an AP in real mode at vector << 12 (SIPI, SDM Vol 3A §8.4.4). */
  private startAp(i: number, vector: number): void {
    const cpu = this.cpus[i]!;
    const s = cpu.s32;
    cpu.setFlatMode(16);
    const cs = I(L.SEG) + L.CS * (L.SEG_STRIDE >> 2);
    s[cs + (L.SEG_SELECTOR >> 2)] = vector << 8;
    s[cs + (L.SEG_BASE >> 2)] = vector << 12;
    s[I(L.RIP)] = 0;
    s[I(L.RIP) + 1] = 0;
    s[I(L.HALTED)] = 0;
    cpu.modeChanged();
    cpu.flushTlb();
  }

  /**
   * Park vCPU i as if it waited for SIPI (Xen's VCPUOP_down: the same state, since Xen starts a
   * downed HVM vCPU on SIPI too), or let it run on from its current registers (VCPUOP_up).
   */
  setVcpuDown(i: number, down: boolean): void {
    const lapic = this.platform.lapics[i]!;
    lapic.waitingForSipi = down;
    lapic.sipiVector = -1;
    if (down && this.running && i === this.current) this.cpus[i]!.requestExit();
    this.hooks.haltChange?.(i);
  }

  // ------------------------------------------------------------------ snapshots

  /**
   * The whole machine at an instruction boundary (between run() calls): device state as plain
   * data, and a copy of the WebAssembly.Memory, which holds RAM, the overlay pool and every
   * vCPU's state block.
   */
  saveSnapshot(): { state: PlainRecord; memory: Uint8Array } {
    return {
      state: {
        platform: this.platform.saveState(),
        mtrr: this.mtrr.saveState(),
        mca: this.mca.saveState(),
        current: this.current,
        exitStatus: this.exitStatus,
        boot: this.boot ? (JSON.parse(JSON.stringify(this.boot)) as PlainRecord) : null,
      },
      memory: new Uint8Array(this.platform.mem.memory.buffer).slice(),
    };
  }

  /** Restore a snapshot taken from a machine built with the same spec. */
  loadSnapshot(snap: { state: PlainRecord; memory: Uint8Array }): void {
    const buf = new Uint8Array(this.platform.mem.memory.buffer);
    if (snap.memory.length !== buf.length) throw new Error('snapshot: memory size differs');
    buf.set(snap.memory);
    this.platform.loadState(snap.state.platform as PlainRecord);
    if (snap.state.mtrr) this.mtrr.loadState(snap.state.mtrr as PlainRecord); // absent in older snapshots
    if (snap.state.mca) this.mca.loadState(snap.state.mca as PlainRecord); // absent in older snapshots
    this.current = snap.state.current as number;
    this.exitStatus = snap.state.exitStatus as number | null;
    this.boot = snap.state.boot as unknown as Machine['boot'];
    for (const c of this.cpus) {
      c.modeChanged();
      c.flushTlb();
    }
  }

  // ------------------------------------------------------------------ CpuBus

  physPage(pfn: number): number {
    return this.platform.mem.physPage(pfn);
  }

  mmioRead(paddr: number, size: number, hi: Int32Array): number {
    const mmio = this.platform.mmio;
    if (size === 8) {
      const lo = mmio.read(paddr, 4);
      hi[0] = mmio.read(paddr + 4, 4);
      return lo;
    }
    return mmio.read(paddr, size as 1 | 2 | 4);
  }

  mmioWrite(paddr: number, size: number, lo: number, hi: number): void {
    const mmio = this.platform.mmio;
    if (size === 8) {
      mmio.write(paddr, 4, lo);
      mmio.write(paddr + 4, 4, hi);
    } else {
      mmio.write(paddr, size as 1 | 2 | 4, lo);
    }
  }

  portIn(port: number, size: number): number {
    return this.platform.io.in(port, size as 1 | 2 | 4);
  }

  portOut(port: number, size: number, value: number): void {
    this.platform.io.out(port, size as 1 | 2 | 4, value);
  }

  apicId(): number {
    return this.platform.lapics[this.current]!.id;
  }

  cpuid(leaf: number, subleaf: number, out: Int32Array): boolean {
    return this.hooks.cpuid?.(this.current, leaf, subleaf, out) ?? false;
  }

  rdmsr(msr: number, out: Int32Array): boolean {
    const lapic = this.platform.lapics[this.current]!;
    if (msr === MSR_IA32_APICBASE) {
      out[0] = lapic.apicBase % TWO32 | 0;
      out[1] = Math.floor(lapic.apicBase / TWO32);
      return true;
    }
    if (msr === MSR_IA32_TSC_DEADLINE) {
      if ((FEATURES_1_ECX & CPUID_TSC_DEADLINE) === 0) return false; // #GP (SDM Vol 4 Table 2-2: 6E0H)
      const d = lapic.readTscDeadline();
      out[0] = d % TWO32 | 0;
      out[1] = Math.floor(d / TWO32);
      return true;
    }
    if (msr >= 0x800 && msr <= 0x8ff) {
      if (!lapic.readMsr(msr, this.msrOut)) return false;
      out[0] = this.msrOut[0]! | 0;
      out[1] = this.msrOut[1]! | 0;
      return true;
    }
    if (MtrrFile.owns(msr)) return this.mtrr.rdmsr(this.current, msr, out);
    if (McaFile.owns(msr)) return this.mca.rdmsr(this.current, msr, out);
    return this.hooks.rdmsr?.(this.current, msr, out) ?? false;
  }

  wrmsr(msr: number, lo: number, hi: number): boolean {
    const lapic = this.platform.lapics[this.current]!;
    if (msr === MSR_IA32_APICBASE) {
      if (hi >>> 0 > 0xf) return false; // beyond our 36-bit MAXPHYADDR for the base
      // EXTD (bit 10) is reserved unless CPUID.1:ECX advertises x2APIC (bit 21).
      if ((lo & APICBASE_EXTD) !== 0 && (FEATURES_1_ECX & (1 << 21)) === 0) return false;
      if ((lo & 0x2ff) !== 0) return false; // bits 0-7 and 9 are reserved (SDM Vol 4 Table 2-2, 1BH)
      const v = (hi >>> 0) * TWO32 + ((lo & ~APICBASE_BSP) >>> 0); // unsigned: a base at 0xFEE00000 has bit 31 set
      return lapic.writeApicBase(v);
    }
    if (msr === MSR_IA32_TSC_DEADLINE) {
      if ((FEATURES_1_ECX & CPUID_TSC_DEADLINE) === 0) return false;
      lapic.writeTscDeadline((hi >>> 0) * TWO32 + (lo >>> 0));
      return true;
    }
    if (msr >= 0x800 && msr <= 0x8ff) return lapic.writeMsr(msr, lo, hi);
    if (MtrrFile.owns(msr)) return this.mtrr.wrmsr(this.current, msr, lo, hi);
    if (McaFile.owns(msr)) return this.mca.wrmsr(this.current, msr, lo, hi);
    return this.hooks.wrmsr?.(this.current, msr, lo, hi) ?? false;
  }

  /**
   * PAUSE, a spin-wait hint, handled like a hypervisor's pause-loop exit: with another vCPU
   * runnable the spinning one gives up the rest of its quantum; otherwise nothing else can run,
   * so virtual time moves on by up to PAUSE_SKIP_NS, never past the next timer deadline. The
   * slice ends there: the clock reads the instruction count published at slice ends, so the
   * next PAUSE (and a due timer) sees exact time. Deterministic: a function of the instruction
   * stream, kept in the clock's skipped time like an idle HLT.
   */
  pause(): void {
    const cpu = this.cpus[this.current]!;
    for (let i = 0; i < this.cpus.length; i++) {
      if (i !== this.current && this.cpus[i]!.s32[I(L.HALTED)] === 0) {
        cpu.requestExit();
        return;
      }
    }
    const clock = this.clock;
    const now = clock.nowNs();
    const deadline = clock.nextDeadline();
    const until = Math.min(now + PAUSE_SKIP_NS, deadline);
    if (until > now) clock.skipTo(until);
    cpu.requestExit();
  }

  vmcall(): boolean {
    return this.hooks.vmcall?.(this.current) ?? false;
  }

  /** MOV to/from CR8: the current vCPU's LAPIC TPR[7:4] (SDM Vol 3 §10.8.6.1). */
  cr8(value: number): number {
    const lapic = this.platform.lapics[this.current]!;
    if (value >= 0) lapic.writeRegister(REG_TPR, (value & 0xf) << 4);
    return (lapic.tpr >>> 4) & 0xf;
  }

  /**
   * The TSC from the virtual clock. The CPU publishes ICOUNT when run() returns, so within a
   * slice this reads the value at the slice start (at most maxSlice instructions stale).
   */
  tsc(): number {
    return this.clock.tsc();
  }

  pendingInterrupt(): number {
    const i = this.current;
    const lapic = this.platform.lapics[i]!;
    const ext = this.hooks.extInt?.(i) ?? -1;
    if (ext >= 0) return ext;
    // Fast path: nothing requested anywhere (this runs before every instruction with IF = 1).
    if (lapic.irrCount === 0 && (i !== 0 || !this.platform.pic.interruptPending)) return -1;
    const v = lapic.acknowledge();
    if (v >= 0) return v;
    const pic = this.platform.pic;
    if (i === 0 && pic.interruptPending && lapic.acceptsPicInterrupt()) return pic.acknowledge();
    return -1;
  }

  // ------------------------------------------------------------------ run loop

  /** Can vCPU i be woken from HLT (or wait-for-SIPI) now? Handles INIT and SIPI. */
  private wake(i: number): boolean {
    const lapic = this.platform.lapics[i]!;
    const s = this.cpus[i]!.s32;
    if (lapic.nmiPending) {
      // The CPU takes NMIs from its own state (NMI_PENDING; blocked until IRET by NMI_BLOCKED).
      lapic.nmiPending = false;
      s[I(L.NMI_PENDING)] = 1;
    }
    if (lapic.initPending) {
      lapic.initPending = false;
      if (i === 0) {
        this.requestStop('reset'); // INIT to the BSP: the machine resets
        return false;
      }
      const sipi = lapic.sipiVector; // a SIPI that arrived after this INIT
      lapic.resetRegisters();
      lapic.waitingForSipi = true;
      lapic.sipiVector = sipi;
      s[I(L.HALTED)] = 1;
      this.hooks.vcpuReset?.(i, false);
      if (sipi < 0) return false;
    }
    if (lapic.waitingForSipi) {
      if (lapic.sipiVector < 0) return false;
      lapic.waitingForSipi = false;
      this.startAp(i, lapic.sipiVector);
      lapic.sipiVector = -1;
      this.hooks.vcpuReset?.(i, true);
      this.hooks.haltChange?.(i);
      return true;
    }
    if (s[I(L.HALTED)] === 0) return true;
    const ifSet = (s[I(L.RFLAGS)]! & 0x200) !== 0;
    const pic = this.platform.pic;
    const external =
      lapic.pendingVector() >= 0 || (i === 0 && pic.interruptPending && lapic.acceptsPicInterrupt()) || (this.hooks.extInt?.(i) ?? -1) >= 0;
    if (s[I(L.NMI_PENDING)] !== 0 || (ifSet && external)) {
      s[I(L.HALTED)] = 0;
      this.hooks.haltChange?.(i);
      return true;
    }
    return false;
  }

  /**
   * Run up to `budget` instructions (summed over vCPUs). `idle: 'skip'` jumps virtual time over
   * idle periods to the next timer deadline; `'return'` stops with 'idle' instead.
   */
  run(budget: number, opts: { idle?: 'skip' | 'return' } = {}): StopReason {
    const clock = this.clock;
    const idleMode = opts.idle ?? 'skip';
    let left = budget;
    let idleSkips = 0;
    this.stop = null;
    while (left > 0) {
      clock.runDue();
      let ran = false;
      for (let i = 0; i < this.cpus.length && left > 0; i++) {
        if (this.stop) break;
        if (!this.wake(i)) continue;
        const until = clock.instructionsUntil(clock.nextDeadline());
        const slice = Math.max(1, Math.min(left, this.cpus.length > 1 ? QUANTUM : this.maxSlice, until));
        this.current = i;
        this.platform.currentCpu = i;
        const before = this.instructions(i);
        this.running = true;
        const r = this.cpus[i]!.run(slice);
        this.running = false;
        const done = this.instructions(i) - before;
        left -= done;
        ran = true;
        if (this.cpus[i]!.s32[I(L.HALTED)] !== 0) this.hooks.haltChange?.(i);
        if (r === Exit.SHUTDOWN) {
          // Triple fault: the processor shuts down; QEMU resets (or exits with -no-reboot).
          const s = this.cpus[i]!.s32;
          this.lastException = { cpu: i, vector: 8, error: 0, rip: (s[I(L.RIP)]! >>> 0) + (s[I(L.RIP) + 1]! >>> 0) * TWO32 };
          this.stop ??= 'reset';
        }
        if (r === Exit.EXCEPTION) {
          const s = this.cpus[i]!.s32;
          this.lastException = {
            cpu: i,
            vector: s[I(L.EXC_VECTOR)]!,
            error: s[I(L.EXC_ERROR)]!,
            rip: (s[I(L.EXC_RIP)]! >>> 0) + (s[I(L.EXC_RIP) + 1]! >>> 0) * TWO32,
          };
          this.stop ??= 'exception';
        }
        clock.runDue();
      }
      if (this.stop) return this.stop;
      if (!ran) {
        const d = clock.nextDeadline();
        if (d === Infinity || idleMode === 'return') return 'idle';
        clock.skipTo(d);
        if (++idleSkips > 100_000) return 'budget'; // timers keep firing but nothing wakes
      }
    }
    return this.stop ?? 'budget';
  }

  /** Interactive hosts: after pacing an idle period to wall time, advance virtual time. */
  skipIdleTo(ns: number): void {
    this.clock.skipTo(ns);
    this.clock.runDue();
  }
}
