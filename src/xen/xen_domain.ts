// One Xen HVM guest domain on a Machine: assembles the CPUID leaves, the hypercall MSR and
// VMCALL hook, shared_info and vcpu_info, event channels, the grant table, the primary console,
// XenStore, the platform PCI device, timers and trace events. Construct it BEFORE
// machine.bootKernel(): it reserves the special pages in the E820 map the boot loader hands on.
//
// Special pages (QEMU include/system/kvm_xen.h): console ring at 0xfeff8000, XenStore ring at
// 0xfeff9000, in an E820-reserved range so they are below 4 GiB and never guest RAM. Ports:
// the console gets port 1 and XenStore port 2 when there is a primary console (QEMU's order).
import type { Machine } from '../machine/machine.ts';
import { E820_RESERVED } from '../machine/e820.ts';
import { DM_FIXED } from '../machine/lapic.ts';
import type { Timer } from '../machine/virtual_clock.ts';
import { putFields, takeFields, type PlainRecord } from '../machine/snapshot.ts';
import { HALTED } from '../x86/state_layout.ts';
import type { Abi } from './abi/struct.ts';
import { HVM_NR_PARAMS, HVM_PARAM_CONSOLE_EVTCHN, HVM_PARAM_CONSOLE_PFN, HVM_PARAM_STORE_EVTCHN, HVM_PARAM_STORE_PFN } from './abi/hvm_params.ts';
import { SHUTDOWN_reboot, SHUTDOWN_soft_reset } from './abi/sched.ts';
import { SharedInfoLayout, VIRQ_CONSOLE, VIRQ_TIMER, XEN_LEGACY_MAX_VCPUS } from './abi/xen.ts';
import { xenCpuid, XEN_HYPERCALL_MSR, XEN_HYPERCALL_MSR_HYPERV, type XenCpuidConfig } from './cpuid_leaves.ts';
import { ECS_INTERDOMAIN, EventChannels } from './evtchn.ts';
import { GrantTable } from './gnttab.ts';
import { GuestGrants } from './gnttab_guest.ts';
import { GuestAccess } from './guest_copy.ts';
import { callerAbi, handleVmcall, Hypercall } from './hypercall.ts';
import { fillHypercallPage } from './hypercall_page.ts';
import { XenPlatformPci } from './platform_pci.ts';
import { VcpuRunstates, type RunstateState } from './runstate.ts';
import { PrimaryConsole } from './primary_console.ts';
import { XenTrace } from './trace_events.ts';
import { tscScale, writeVcpuTime, writeWallclock, type TscScale } from './xen_clock.ts';
import { XenstoreRing } from './xenstore_ring.ts';
import type { BlockDevice } from '../machine/block_device.ts';
import { domainBackendOps } from './backends/backend_ops.ts';
import { Blkback, type BlkbackOptions, type BlkbackState } from './backends/blkback.ts';

export const XEN_SPECIAL_BASE_GFN = 0xfeff8;
export const CONSOLE_GFN = 0xfeff8;
export const STORE_GFN = 0xfeff9;
const SPECIAL_PAGES = 4;

/** Plain fields of XenDomain saved as they are. */
const DOMAIN_FIELDS = [
  'shinfoGfn', 'shinfoAbi', 'vcpuInfo', 'registeredVcpuInfo', 'runstateArea', 'params', 'upcallVector',
  'blocked', 'periodNs', 'shutdownCode', 'consoleIoIn', 'gsiLevel', 'callbackIrqRaw', 'vmAssist',
] as const;

export interface XenDomainOptions {
  /** XENVER_version form: major << 16 | minor. */
  readonly xenVersion: number;
  readonly hyperv?: boolean;
  readonly xenVapic?: boolean;
  readonly gnttabMaxFrames?: number;
  readonly evtchnMaxPirq?: number;
  readonly domid?: number;
  /** Time of day (seconds since the epoch) at virtual time 0: shared_info's wallclock. */
  readonly wallclockSec?: number;
  /** A xen-console device exists (HVM_PARAM_CONSOLE_* answer; otherwise -EINVAL). */
  readonly primaryConsole?: boolean;
  /** The CPU reports an AMD vendor: the hypercall page uses VMMCALL. */
  readonly amd?: boolean;
}

export interface XenHost {
  /** Bytes the guest wrote to the primary console ring (the xen-console chardev). */
  consoleOut(bytes: Uint8Array): void;
  /** console_io writes (the hypervisor log channel: stderr in the CLI). */
  consoleIoOut(bytes: Uint8Array): void;
  /** SCHEDOP_shutdown: the machine has been asked to stop; reason is SHUTDOWN_*. */
  shutdown?(reason: number, code: number): void;
}

/** Callback routing from HVM_PARAM_CALLBACK_IRQ (hvm/params.h), decoded. */
export interface CallbackVia {
  type: 'none' | 'gsi' | 'pci_intx' | 'vector';
  /** GSI number or vector. */
  value: number;
}

export class XenDomain {
  readonly mem;
  readonly u8: Uint8Array;
  readonly dv: DataView;
  readonly domid: number;
  readonly trace: XenTrace;
  readonly evtchn: EventChannels;
  readonly gnttab: GrantTable;
  /** The guest's own grant maps and copies (GNTTABOP_map_grant_ref / unmap / copy). */
  readonly grants: GuestGrants;
  readonly console: PrimaryConsole | null;
  readonly xenstore: XenstoreRing;
  readonly platformPci: XenPlatformPci;
  readonly cpuidCfg: XenCpuidConfig;
  readonly scale: TscScale;
  readonly hypercallMsr: number;
  readonly consolePort: number;
  readonly storePort: number;
  /** Host offset of the shared_info page (always allocated; mapped into the guest on request). */
  readonly shinfo: number;
  shinfoGfn = -1;
  /** has_32bit_shinfo: latched from the caller's mode at the MSR write and CALLBACK_IRQ. */
  shinfoAbi: Abi = 'x86_64';
  /** Per vCPU: host offset of its vcpu_info, -1 if none. Registered ones win over the default. */
  readonly vcpuInfo: number[] = [];
  readonly registeredVcpuInfo: boolean[] = [];
  /**
   * Per vCPU: Xen's is_initialised. The BSP starts initialised; an AP becomes so by SIPI or
   * VCPUOP_initialise and stops being so at INIT. Whether it runs (_VPF_down) is the LAPIC's
   * wait-for-SIPI state (Machine.setVcpuDown).
   */
  initialised: boolean[] = [];
  /** Per vCPU: runstate area (guest-physical address) or -1. */
  readonly runstateArea: number[] = [];
  readonly runstate: VcpuRunstates;
  /** HVM params (index < HVM_NR_PARAMS). */
  readonly params = new Float64Array(HVM_NR_PARAMS);
  callback: CallbackVia = { type: 'none', value: 0 };
  /** HVM_PARAM_CALLBACK_IRQ as the guest wrote it: low and high 32 bits (the type is in 63:56). */
  readonly callbackIrqRaw = new Uint32Array(2);
  /** Per vCPU upcall vector from HVMOP_set_evtchn_upcall_vector (0 = none). */
  readonly upcallVector: number[] = [];
  /** Per vCPU: blocked in SCHEDOP_block/poll, and the ports a poll waits on. */
  readonly blocked: boolean[] = [];
  readonly pollPorts: (number[] | null)[] = [];
  /** Per vCPU: singleshot and periodic timers (VIRQ_TIMER). */
  readonly singleshot: Timer[] = [];
  readonly periodic: Timer[] = [];
  readonly periodNs: number[] = [];
  readonly pollTimer: Timer[] = [];
  /** PIRQ → GSI mappings made with PHYSDEVOP_map_pirq. */
  readonly pirqs = new Map<number, number>();
  /** Guest-set E820 (XENMEM_set_memory_map) or null for the platform's. */
  e820Override: Uint8Array | null = null;
  shutdownReason: number | null = null;
  /** vm_assist bits the guest enabled (VMASST_TYPE_*). */
  vmAssist = 0;
  /** Guest frames given back with XENMEM_decrease_reservation and not populated again. */
  readonly ballooned = new Set<number>();
  shutdownCode = 0;
  /** console_io read: bytes the host offers to CONSOLEIO_read. */
  readonly consoleIoIn: number[] = [];
  /** The guest reads its input with CONSOLEIO_read: typed bytes go there, not to the ring. */
  consoleIoReader = false;
  /** The wallclock at system time 0. */
  readonly wallclockSec: number;
  private readonly h: Hypercall;
  gsiLevel = false;

  constructor(
    readonly machine: Machine,
    readonly opts: XenDomainOptions,
    readonly host: XenHost,
  ) {
    const platform = machine.platform;
    const mem = (this.mem = platform.mem);
    this.u8 = mem.u8;
    this.dv = mem.view;
    this.domid = opts.domid ?? 1;
    this.wallclockSec = opts.wallclockSec ?? 0;
    this.trace = new XenTrace(() => machine.totalInstructions());
    this.scale = tscScale(platform.clock.tscKHz);
    this.cpuidCfg = {
      xenVersion: opts.xenVersion,
      hyperv: opts.hyperv ?? false,
      xenVapic: opts.xenVapic ?? false,
      tscKHz: platform.clock.tscKHz,
      tscMul: this.scale.mul,
      tscShift: this.scale.shift,
    };
    this.hypercallMsr = opts.hyperv ? XEN_HYPERCALL_MSR_HYPERV : XEN_HYPERCALL_MSR;
    this.h = new Hypercall(new GuestAccess(mem));

    // shared_info, with vcpu_info[i] of the first 32 vCPUs as their default vcpu_info.
    this.shinfo = mem.allocateHostPage();
    const n = machine.cpus.length;
    for (let i = 0; i < n; i++) {
      this.vcpuInfo.push(i < XEN_LEGACY_MAX_VCPUS ? this.shinfo + SharedInfoLayout.x86_64['vcpu_info'] + i * 64 : -1);
      this.registeredVcpuInfo.push(false);
      this.initialised.push(i === 0);
      this.runstateArea.push(-1);
      this.upcallVector.push(0);
      this.blocked.push(false);
      this.pollPorts.push(null);
      this.periodNs.push(0);
      const clock = platform.clock;
      this.singleshot.push(clock.createTimer(() => this.raiseVirq(VIRQ_TIMER, i), `xen-singleshot-${i}`));
      this.periodic.push(
        clock.createTimer(() => {
          const t = this.periodic[i]!;
          if (this.periodNs[i]! > 0) t.arm(t.lastDeadline + this.periodNs[i]!);
          this.raiseVirq(VIRQ_TIMER, i);
        }, `xen-periodic-${i}`),
      );
      this.pollTimer.push(clock.createTimer(() => this.wake(i), `xen-poll-${i}`));
    }
    this.runstate = new VcpuRunstates(this, n);
    this.refreshTime();
    writeWallclock(this.dv, this.shinfo, this.shinfoAbi, this.wallclockSec, 0);
    this.evtchn = new EventChannels(this.u8, this.shinfo, (v) => this.vcpuInfo[v] ?? -1,
      (v) => this.upcall(v),
      (port) => {
        // Any vCPU polling this port wakes (poll watches ports of any vCPU, masked or not).
        for (let i = 0; i < this.pollPorts.length; i++) if (this.pollPorts[i]?.includes(port)) this.wake(i);
      },
    );

    // Special pages, reserved in the E820 map and overlaid.
    platform.e820.add(XEN_SPECIAL_BASE_GFN * 4096, SPECIAL_PAGES * 4096, E820_RESERVED);
    const consolePage = opts.primaryConsole ? mem.allocateHostPage() : -1;
    const storePage = mem.allocateHostPage();
    if (consolePage >= 0) mem.setOverlay(CONSOLE_GFN, consolePage);
    mem.setOverlay(STORE_GFN, storePage);

    // Backend ports: interdomain to dom0, served synchronously on EVTCHNOP_send.
    this.consolePort = consolePage >= 0 ? this.backendPort(() => this.console?.process()) : 0;
    this.storePort = this.backendPort(() => this.xenstore.process());
    this.console =
      consolePage >= 0
        ? new PrimaryConsole(this.u8, consolePage, (b) => {
            if (this.trace.on) this.trace.emit('xen_primary_console_output', this.machine.current, { len: b.length }, 'xen');
            host.consoleOut(b);
          }, () => this.evtchn.setPending(this.consolePort))
        : null;
    this.xenstore = new XenstoreRing(
      this.u8,
      storePage,
      this.domid,
      { vcpus: n, storeGfn: STORE_GFN, storePort: this.storePort, console: this.console ? { gfn: CONSOLE_GFN, port: this.consolePort } : null },
      () => this.evtchn.setPending(this.storePort),
    );
    this.xenstore.server.observer = (ev) => {
      if (this.trace.on) this.trace.emit(ev.name === 'xenstore_fatal' ? 'xen_xenstore_fatal' : 'xen_xenstore_request', this.machine.current, { ...ev } as Record<string, number | string>, 'xen');
    };
    this.params[HVM_PARAM_STORE_PFN] = STORE_GFN;
    this.params[HVM_PARAM_STORE_EVTCHN] = this.storePort;
    if (this.console) {
      this.params[HVM_PARAM_CONSOLE_PFN] = CONSOLE_GFN;
      this.params[HVM_PARAM_CONSOLE_EVTCHN] = this.consolePort;
    }

    this.gnttab = new GrantTable(mem, opts.gnttabMaxFrames ?? 64);
    this.gnttab.prefill(this.console ? CONSOLE_GFN : null, STORE_GFN);
    this.grants = new GuestGrants(this);
    this.platformPci = new XenPlatformPci(platform);

    machine.hooks = {
      cpuid: (cpu, leaf, sub, out) => xenCpuid(this.cpuidCfg, cpu, leaf, sub, out),
      rdmsr: (_cpu, msr, out) => {
        if (msr >>> 0 !== this.hypercallMsr) return false;
        out[0] = 0; // "Write hypercall page MSR. Read as zero." (traps.c guest_rdmsr_xen)
        out[1] = 0;
        return true;
      },
      wrmsr: (cpu, msr, lo, hi) => (msr >>> 0 === this.hypercallMsr ? this.writeHypercallMsr(cpu, lo, hi) : false),
      vmcall: (cpu) => handleVmcall(this, this.h, cpu),
      extInt: (cpu) => this.globalVectorPending(cpu),
      haltChange: (cpu) => this.runstate.refresh(cpu),
      vcpuReset: (cpu, sipi) => {
        this.initialised[cpu] = sipi;
      },
    };
  }

  private backendPort(handler: () => void): number {
    const p = this.evtchn.allocate(ECS_INTERDOMAIN, 0);
    const port = this.evtchn.ports[p]!;
    port.remoteDom = 0;
    port.remotePort = p;
    port.backend = handler;
    return p;
  }

  /** The hypercall MSR: fill the page at the written address (idx must be 0), latch the ABI. */
  private writeHypercallMsr(vcpu: number, lo: number, hi: number): boolean {
    const idx = lo & 0xfff;
    const gfn = (hi >>> 0) * 1048576 + (lo >>> 12);
    if (idx !== 0) return false; // #GP: only one hypercall page
    const host = this.mem.physPage(gfn);
    if (host < 0 || !this.mem.isRam(gfn)) return false; // #GP: not guest RAM ("Bad GMFN")
    fillHypercallPage(this.u8.subarray(host, host + 4096), this.opts.amd ?? false);
    for (const c of this.machine.cpus) c.invalidatePhysicalRange(gfn * 4096, 4096);
    const abi = callerAbi(this.machine.cpus[vcpu]!);
    this.latchShinfoAbi(abi ?? 'x86_32');
    return true;
  }

  /** hvm_latch_shinfo_size: switching rewrites the wallclock in the new layout. */
  latchShinfoAbi(abi: Abi): void {
    if (abi === this.shinfoAbi) return;
    this.shinfoAbi = abi;
    this.evtchn.abi = abi;
    writeWallclock(this.dv, this.shinfo, abi, this.wallclockSec, 0);
  }

  /** Refresh vcpu_time_info of every vCPU that has a vcpu_info. */
  refreshTime(): void {
    const clock = this.machine.platform.clock;
    for (const vi of this.vcpuInfo) if (vi >= 0) writeVcpuTime(this.dv, vi, clock, this.scale);
  }

  /** Map shared_info at `gfn` (moving it if mapped before). */
  mapSharedInfo(gfn: number): void {
    if (this.shinfoGfn >= 0 && this.shinfoGfn !== gfn) this.mem.clearOverlay(this.shinfoGfn);
    this.shinfoGfn = gfn;
    this.refreshTime();
    writeWallclock(this.dv, this.shinfo, this.shinfoAbi, this.wallclockSec, 0);
    this.mem.setOverlay(gfn, this.shinfo);
    if (this.trace.on) this.trace.emit('xen_set_shared_info', this.machine.current, { gfn }, 'xen');
  }

  pirqMapped(pirq: number): boolean {
    return this.pirqs.has(pirq);
  }

  /** Raise VIRQ `virq` for `vcpu` if the guest bound it. */
  raiseVirq(virq: number, vcpu: number): void {
    const p = this.evtchn.virqPort(virq, vcpu);
    this.runstate.refresh(vcpu);
    if (p) this.evtchn.setPending(p);
  }

  /** evtchn_upcall_pending became 1 on `vcpu`: wake it and inject the callback. */
  private upcall(vcpu: number): void {
    if (this.trace.on) this.trace.emit('xen_evtchn_upcall', vcpu, { vcpu }, 'xen');
    this.wake(vcpu);
    this.runstate.refresh(vcpu);
    const lapic = this.machine.platform.lapics[vcpu];
    const vec = this.upcallVector[vcpu]!;
    if (vec && lapic) {
      lapic.deliver(DM_FIXED, vec, false);
      return;
    }
    const cb = this.callback;
    if (cb.type === 'vector') this.machine.cpus[vcpu]?.requestExit(); // offered by globalVectorPending
    else if ((cb.type === 'gsi' || cb.type === 'pci_intx') && vcpu === 0) this.setCallbackLevel(true);
  }

  /**
   * The global callback vector (CALLBACK_IRQ type vector) bypasses the LAPIC and needs no EOI:
   * it is offered while the vCPU's evtchn_upcall_pending is set (KVM kvm_xen_has_interrupt).
   * A per-vCPU upcall vector (LAPIC, with EOI) takes precedence.
   */
  private globalVectorPending(vcpu: number): number {
    // Also the place to lower a GSI callback: this runs at every interrupt window (after IRET,
    // STI), so the line drops soon after the guest clears evtchn_upcall_pending.
    if (this.gsiLevel) this.pollCallbackLevel();
    if (this.callback.type !== 'vector' || this.upcallVector[vcpu]) return -1;
    const vi = this.vcpuInfo[vcpu]!;
    return vi >= 0 && this.u8[vi] !== 0 ? this.callback.value : -1;
  }

  /** GSI / INTx callback: the line follows vCPU 0's evtchn_upcall_pending. */
  private setCallbackLevel(level: boolean): void {
    if (level === this.gsiLevel) return;
    this.gsiLevel = level;
    const gsi = this.callback.value;
    const p = this.machine.platform;
    if (gsi < 24) p.ioapic.setIrq(gsi, level);
  }

  /** Called at each hypercall and yield: lower the GSI callback once vCPU 0 has no upcall pending. */
  pollCallbackLevel(): void {
    if (!this.gsiLevel) return;
    const vi = this.vcpuInfo[0]!;
    if (vi < 0 || this.u8[vi] === 0) this.setCallbackLevel(false);
  }

  /** Wake a vCPU blocked in SCHEDOP_block / SCHEDOP_poll. */
  wake(vcpu: number): void {
    if (!this.blocked[vcpu]) return;
    this.blocked[vcpu] = false;
    this.pollPorts[vcpu] = null;
    this.pollTimer[vcpu]!.cancel();
    this.machine.cpus[vcpu]!.s32[HALTED >> 2] = 0;
    this.runstate.refresh(vcpu);
  }

  /** Halt `vcpu` until an event (or the poll timer) wakes it. */
  block(vcpu: number, ports: number[] | null): void {
    this.blocked[vcpu] = true;
    this.pollPorts[vcpu] = ports;
    const cpu = this.machine.cpus[vcpu]!;
    cpu.s32[HALTED >> 2] = 1;
    this.runstate.refresh(vcpu);
    cpu.requestExit();
  }

  /** Run every backend once (SCHEDOP_yield, and the host after input). */
  runBackends(): void {
    this.console?.process();
    this.xenstore.process();
    for (const b of this.blockBackends) b.poll();
  }

  // ---- PV backends (src/xen/backends): each gets its own BackendOps over this domain ----

  /** Block backends, in attach order. */
  readonly blockBackends: Blkback[] = [];

  /** Attach a disk as a PV vbd (`-drive if=xen` / `-device xen-disk`): writes both XenStore trees. */
  attachDisk(dev: BlockDevice, opts: BlkbackOptions): Blkback {
    const ops = domainBackendOps({
      domid: this.domid,
      mem: this.mem,
      evtchn: this.evtchn,
      gnttab: this.gnttab,
      trace: this.trace,
      store: this.xenstore.store,
      vcpu: () => this.machine.current,
      endSlice: () => this.machine.requestStop('requested'),
    });
    const b = new Blkback(ops, dev, opts);
    this.blockBackends.push(b);
    return b;
  }

  /**
   * True when a backend has device I/O in flight. The host must then `await settleIo()` before
   * the next machine.run(): completions reach the guest at the instruction count where the
   * slice ended, never when the host's promise happens to settle (blkback.ts).
   */
  ioPending(): boolean {
    return this.blockBackends.some((b) => b.ioPending());
  }

  async settleIo(): Promise<void> {
    while (this.ioPending()) for (const b of this.blockBackends) await b.settle();
  }

  /**
   * Host side: typed bytes for the primary console, or for CONSOLEIO_read once the guest reads
   * there (Xen's serial input buffer; VIRQ_CONSOLE tells the guest, as Xen does on input).
   */
  consoleInput(bytes: ArrayLike<number>): void {
    if (!this.consoleIoReader) {
      this.console?.input(bytes);
      return;
    }
    for (let i = 0; i < bytes.length; i++) this.consoleIoIn.push(bytes[i]! & 0xff);
    if (bytes.length > 0) this.raiseVirq(VIRQ_CONSOLE, 0);
  }

  /** SCHEDOP_shutdown: record and stop the machine (reboot → reset, everything else → poweroff). */
  shutdown(reason: number, vcpu: number): void {
    this.shutdownReason = reason;
    if (this.trace.on) this.trace.emit('xen_shutdown', vcpu, { reason, code: this.shutdownCode }, 'xen');
    this.host.shutdown?.(reason, this.shutdownCode);
    this.machine.requestStop(reason === SHUTDOWN_reboot || reason === SHUTDOWN_soft_reset ? 'reset' : 'poweroff');
  }

  // ------------------------------------------------------------------ snapshots (invariant 8)
  // Host offsets (shared_info, vcpu_info, grant frames) are offsets in the WebAssembly.Memory,
  // which is saved whole; the overlay map and timers are saved by the platform.

  saveState(): PlainRecord {
    return {
      ...takeFields(this, DOMAIN_FIELDS),
      shutdownReason: this.shutdownReason,
      callback: { type: this.callback.type, value: this.callback.value },
      pollPorts: this.pollPorts.map((p) => (p ? [...p] : null)),
      pirqs: [...this.pirqs],
      e820Override: this.e820Override ? Array.from(this.e820Override) : null,
      ballooned: [...this.ballooned].sort((a, b) => a - b),
      runstate: this.runstate.saveState() as unknown as PlainRecord,
      consoleIoReader: this.consoleIoReader,
      initialised: [...this.initialised],
      evtchn: this.evtchn.saveState(),
      gnttab: this.gnttab.saveState() as unknown as PlainRecord,
      grantMaps: this.grants.saveState(),
      console: this.console ? this.console.saveState() : null,
      xenstore: this.xenstore.store.saveState() as unknown as PlainRecord,
      xenstoreRing: this.xenstore.server.saveState() as unknown as PlainRecord,
      unplug: [this.platformPci.unplugMask, this.platformPci.productNumber, this.platformPci.buildNumber],
      blkback: this.blockBackends.map((b) => b.saveState() as unknown as PlainRecord),
    };
  }

  /** Restore into a domain built from the same options on a machine restored from the same snapshot. */
  loadState(s: PlainRecord): void {
    putFields(this, s, DOMAIN_FIELDS);
    this.shutdownReason = s.shutdownReason as number | null;
    const cb = s.callback as { type: CallbackVia['type']; value: number };
    this.callback = { type: cb.type, value: cb.value };
    (s.pollPorts as (number[] | null)[]).forEach((p, i) => (this.pollPorts[i] = p ? [...p] : null));
    this.pirqs.clear();
    for (const [k, v] of s.pirqs as number[][]) this.pirqs.set(k!, v!);
    this.e820Override = s.e820Override ? Uint8Array.from(s.e820Override as number[]) : null;
    this.ballooned.clear();
    for (const g of (s.ballooned as number[] | undefined) ?? []) this.ballooned.add(g);
    this.runstate.loadState(s.runstate as unknown as RunstateState | undefined);
    this.consoleIoReader = s.consoleIoReader === true; // absent in snapshots made before it existed
    // Absent in older snapshots: then every vCPU that is not waiting for SIPI was started.
    const lapics = this.machine.platform.lapics;
    this.initialised = Array.isArray(s.initialised) ? (s.initialised as boolean[]).slice() : this.initialised.map((_, i) => i === 0 || !lapics[i]!.waitingForSipi);
    this.evtchn.loadState(this.shinfoAbi, s.evtchn as number[][]);
    this.gnttab.loadState(s.gnttab as unknown as Parameters<GrantTable['loadState']>[0]);
    this.grants.loadState(s.grantMaps as (number[] | null)[] | undefined); // absent in older snapshots
    if (this.console && s.console) this.console.loadState(s.console as number[]);
    this.xenstore.store.loadState(s.xenstore as unknown as Parameters<XenstoreRing['store']['loadState']>[0]);
    this.xenstore.server.loadState(s.xenstoreRing as unknown as Parameters<XenstoreRing['server']['loadState']>[0]);
    const u = s.unplug as number[];
    this.platformPci.unplugMask = u[0]!;
    this.platformPci.productNumber = u[1]!;
    this.platformPci.buildNumber = u[2]!;
    // Backends last: they re-route their event channel ports restored above.
    ((s.blkback as unknown as BlkbackState[] | undefined) ?? []).forEach((b, i) => this.blockBackends[i]?.loadState(b));
  }

  /** Current E820 for XENMEM_memory_map: packed 20-byte entries. */
  e820Bytes(): Uint8Array {
    return this.e820Override ?? this.machine.platform.e820.toBytes();
  }
}
