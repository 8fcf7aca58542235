// The PC platform without its CPUs: RAM, buses, clock and every device wired together the way
// QEMU's i440FX "pc" machine wires them, so it can be tested (and driven through its buses)
// without a CPU. machine.ts adds the vCPUs and implements the CpuBus on top of this.
//
// Wiring: ISA IRQ n drives 8259 input n and I/O APIC pin n, except IRQ0 which reaches pin 2
// (the MADT override). The 8259's INTR goes to every local APIC's LINT0 (ExtINT in firmware
// state on the BSP). The LAPIC page at 0xFEE00000 is banked per vCPU: accesses go to the
// LAPIC of the vCPU that is running (`currentCpu`).
import { AcpiPm } from './acpi_pm.ts';
import { AcpiPmTimer, PM_TIMER_PORT } from './acpi_pm_timer.ts';
import { buildAcpiTables, ACPI_DEFAULTS, type AcpiBlob } from './acpi_tables.ts';
import { ApicBus } from './apic_bus.ts';
import { DebugCon } from './debugcon.ts';
import { DebugExit } from './debug_exit.ts';
import { pcE820, type E820Map } from './e820.ts';
import { FwCfg } from './fw_cfg.ts';
import { Hpet, HPET_BASE, HPET_CAP_ID, HPET_LEN } from './hpet.ts';
import { IoApic, IOAPIC_DEFAULT_BASE } from './ioapic.ts';
import { IoBus } from './io_bus.ts';
import { APIC_DEFAULT_BASE, LocalApic } from './lapic.ts';
import { GuestMemory } from './memory.ts';
import { MmioBus, type MmioHandler } from './mmio.ts';
import { PcTestdev, PC_TESTDEV_IOMEM_BASE, PC_TESTDEV_IOMEM_SIZE } from './pc_testdev.ts';
import { PciBus } from './pci.ts';
import { PciTestdev } from './pci_testdev.ts';
import { Pic8259 } from './pic_8259.ts';
import { Pit8254 } from './pit_8254.ts';
import { Port92, PORT92 } from './port92.ts';
import { RtcCmos } from './rtc_cmos.ts';
import { Uart16550 } from './uart_16550.ts';
import { VirtualClock } from './virtual_clock.ts';
import type { PlainRecord } from './snapshot.ts';

export interface SerialSpec {
  iobase: number;
  irq: number;
}

/** Plain-data description of the platform (machine.ts derives it from the machine config). */
export interface PcSpec {
  ramBytes: number;
  cpus: number;
  /** Bytes reserved per vCPU for its CPU state block (a multiple of 64). */
  cpuStateBytes: number;
  tscKHz: number;
  icountShift: number;
  /** RTC time at virtual time 0, seconds since the Unix epoch (UTC). */
  rtcEpochSeconds: number;
  serials: SerialSpec[];
  debugcon: { iobase: number } | null;
  debugExit: { iobase: number; iosize: number } | null;
  pcTestdev: boolean;
  /** QEMU's pci-testdev (kvm-unit-tests' x86/run always adds it). */
  pciTestdev?: boolean;
  pmTimer32?: boolean;
  /** QEMU's pc has an HPET unless `-machine hpet=off` (default: on). */
  hpet?: boolean;
  /**
   * QEMU `-cpu` feature flags (`{ 'sse4.2': false }`): instruction-set features the CPU model
   * can turn off (x86/exec/cpuid.ts configureCpuidModel). Default: the full model.
   */
  cpuFeatures?: Readonly<Record<string, boolean>>;
  overlayPoolPages?: number;
}

/** What the platform tells its host (the worker or the CLI). */
export interface PlatformHost {
  serialOut(index: number, byte: number): void;
  debugconOut(byte: number): void;
  /** isa-debug-exit: the emulator should exit with this status. */
  debugExit(status: number): void;
  /** The guest asked for a reset (PIIX RCR, keyboard controller, triple fault). */
  resetRequest(): void;
  /** The guest powered off (ACPI S5 through PM1_CNT). */
  powerOff?(): void;
}

/** Where the ACPI tables live: the reserved BIOS area, found by the legacy RSDP scan. */
export const ACPI_BASE = 0xf0000;

export class PcPlatform {
  readonly mem: GuestMemory;
  readonly clock: VirtualClock;
  readonly io = new IoBus();
  readonly mmio = new MmioBus();
  readonly e820: E820Map;
  readonly pic: Pic8259;
  readonly pit: Pit8254;
  readonly rtc: RtcCmos;
  readonly pmTimer: AcpiPmTimer;
  readonly hpet: Hpet | undefined;
  readonly acpiPm: AcpiPm;
  readonly fwCfg: FwCfg;
  readonly pci: PciBus;
  readonly apicBus = new ApicBus();
  readonly lapics: LocalApic[] = [];
  readonly ioapic: IoApic;
  readonly serials: Uart16550[] = [];
  readonly testdev: PcTestdev | undefined;
  readonly pciTestdev: PciTestdev | undefined;
  readonly acpi: AcpiBlob;
  /** pc-testdev's "flush page": machine.ts points this at the CPUs' code invalidation. */
  flushPage: (paddr: number) => void = () => {};
  /** Index of the vCPU whose accesses are being served (banks the LAPIC page). */
  currentCpu = 0;
  /** Instructions retired by all vCPUs; machine.ts points this at the CPU counters. */
  private instructionSource: () => number = () => 0;

  constructor(
    readonly spec: PcSpec,
    readonly host: PlatformHost,
  ) {
    if (!Number.isInteger(spec.cpus) || spec.cpus < 1 || spec.cpus > 255) throw new RangeError(`bad vCPU count ${spec.cpus}`);
    if (spec.cpuStateBytes % 64 !== 0) throw new RangeError('cpuStateBytes must be a multiple of 64');
    const memCfg = { ramBytes: spec.ramBytes, stateBytes: spec.cpus * spec.cpuStateBytes };
    this.mem = new GuestMemory(spec.overlayPoolPages === undefined ? memCfg : { ...memCfg, overlayPoolPages: spec.overlayPoolPages });
    this.clock = new VirtualClock({ tscKHz: spec.tscKHz, icountShift: spec.icountShift }, () => this.instructionSource());
    this.e820 = pcE820(this.mem.lowRamBytes, this.mem.highRamBytes);

    // Interrupt controllers.
    this.pic = new Pic8259((level) => {
      for (const l of this.lapics) l.setLint(0, level);
    });
    this.io.register(0x20, 2, this.pic);
    this.io.register(0xa0, 2, this.pic);
    this.io.register(0x4d0, 2, this.pic);
    for (let i = 0; i < spec.cpus; i++) {
      const l = new LocalApic(i, i, i === 0, this.clock, this.apicBus);
      this.apicBus.add(l);
      this.lapics.push(l);
    }
    const banked: MmioHandler = {
      mmioRead: (o, s) => this.lapics[this.currentCpu]!.mmioRead(o, s),
      mmioWrite: (o, s, v) => this.lapics[this.currentCpu]!.mmioWrite(o, s, v),
    };
    this.mmio.register(APIC_DEFAULT_BASE, 0x1000, banked);
    this.ioapic = new IoApic(this.apicBus);
    this.mmio.register(IOAPIC_DEFAULT_BASE, 0x1000, this.ioapic);

    // Timers.
    // With an HPET the PIT's and RTC's lines pass through it (cut off in legacy replacement mode).
    this.pit = new Pit8254(this.clock, (l) => (this.hpet ? this.hpet.pitIrq(l) : this.setIsaIrq(0, l)));
    this.io.register(0x40, 4, this.pit);
    this.io.register(0x61, 1, this.pit);
    this.rtc = new RtcCmos(this.clock, { baseEpochSeconds: spec.rtcEpochSeconds }, (l) => (this.hpet ? this.hpet.rtcIrq(l) : this.setIsaIrq(8, l)));
    this.io.register(0x70, 2, this.rtc);
    if (spec.hpet ?? true) {
      this.hpet = new Hpet(this.clock, {
        setIrq: (gsi, level) => this.setIsaIrq(gsi, level),
        fsbWrite: (addr, data) => this.msiWrite(addr, data),
      });
      this.mmio.register(HPET_BASE, HPET_LEN, this.hpet);
    }
    this.pmTimer = new AcpiPmTimer(this.clock, spec.pmTimer32 ? 32 : 24);
    this.io.register(PM_TIMER_PORT, 4, this.pmTimer);
    this.acpiPm = new AcpiPm(ACPI_DEFAULTS.pm1aEvtPort, ACPI_DEFAULTS.pm1aCntPort, () => this.host.powerOff?.());
    this.io.register(ACPI_DEFAULTS.pm1aEvtPort, 4, this.acpiPm);
    this.io.register(ACPI_DEFAULTS.pm1aCntPort, 2, this.acpiPm);
    this.io.register(0xb2, 2, this.acpiPm, { byteOnly: true });

    // Serial ports, debug devices.
    spec.serials.forEach((s, i) => {
      const u = new Uart16550(s.iobase, (b) => this.host.serialOut(i, b), (l) => this.setIsaIrq(s.irq, l));
      this.io.register(s.iobase, 8, u, { byteOnly: true });
      this.serials.push(u);
    });
    if (spec.debugcon) this.io.register(spec.debugcon.iobase, 1, new DebugCon((b) => this.host.debugconOut(b)));
    if (spec.debugExit) this.io.register(spec.debugExit.iobase, spec.debugExit.iosize, new DebugExit((st) => this.host.debugExit(st)));
    if (spec.pcTestdev) {
      const t = new PcTestdev(
        (line, level) => this.setIsaIrq(line, level),
        (paddr) => this.flushPage(paddr),
      );
      this.io.register(0xe0, 8, t);
      // Its byte window 0xE8-0xEB overlaps debugcon's 0xE9; debugcon keeps its port.
      for (let port = 0xe8; port < 0xec; port++) if (!this.io.isClaimed(port)) this.io.register(port, 1, t, { byteOnly: true });
      this.io.register(0x2000, 24, t);
      this.mmio.register(PC_TESTDEV_IOMEM_BASE, PC_TESTDEV_IOMEM_SIZE, t);
      this.testdev = t;
    }

    this.io.register(PORT92, 1, new Port92(() => this.host.resetRequest()));

    // QEMU's fw_cfg: selector, data, DMA address.
    this.fwCfg = new FwCfg(this.mem, { ramBytes: spec.ramBytes, cpus: spec.cpus });
    this.io.register(0x510, 2, this.fwCfg);
    this.io.register(0x514, 8, this.fwCfg);

    // PCI and ACPI.
    this.pci = PciBus.pc();
    this.pci.onReset = () => this.host.resetRequest();
    this.io.register(0xcf8, 8, this.pci);
    if (spec.pciTestdev) {
      this.pciTestdev = new PciTestdev();
      this.pciTestdev.plug(this.pci, this.io, this.mmio);
    }
    this.acpi = buildAcpiTables(
      {
        ...ACPI_DEFAULTS, apicIds: this.lapics.map((l) => l.id), pmTimer32: spec.pmTimer32 ?? false,
        ...(this.hpet ? { hpet: { blockId: HPET_CAP_ID, address: HPET_BASE } } : {}),
      },
      ACPI_BASE,
    );
    this.mem.writeBytes(ACPI_BASE, this.acpi.bytes);
  }

  /** All device state as plain data (RAM and CPU state live in the Memory and are saved with it). */
  saveState(): PlainRecord {
    return {
      clock: this.clock.saveState(),
      pic: this.pic.saveState(),
      pit: this.pit.saveState(),
      rtc: this.rtc.saveState(),
      hpet: this.hpet ? this.hpet.saveState() : null,
      serials: this.serials.map((u) => u.saveState()),
      lapics: this.lapics.map((l) => l.saveState()),
      ioapic: this.ioapic.saveState(),
      pci: this.pci.saveState(),
      testdev: this.testdev ? this.testdev.saveState() : null,
      pciTestdev: this.pciTestdev ? this.pciTestdev.saveState() : null,
      acpiPm: this.acpiPm.saveState(),
      fwCfg: this.fwCfg.saveState(),
      mem: this.mem.saveState() as unknown as PlainRecord,
      currentCpu: this.currentCpu,
    };
  }

  /** Restore into a platform built from the same spec. */
  loadState(s: PlainRecord): void {
    this.clock.loadState(s.clock as PlainRecord);
    this.pic.loadState(s.pic as PlainRecord);
    this.pit.loadState(s.pit as PlainRecord);
    this.rtc.loadState(s.rtc as PlainRecord);
    if (this.hpet && s.hpet) this.hpet.loadState(s.hpet as PlainRecord);
    const serials = s.serials as PlainRecord[];
    if (serials.length !== this.serials.length) throw new Error('snapshot: serial ports differ');
    serials.forEach((u, i) => this.serials[i]!.loadState(u));
    const lapics = s.lapics as PlainRecord[];
    if (lapics.length !== this.lapics.length) throw new Error('snapshot: vCPU count differs');
    lapics.forEach((l, i) => this.lapics[i]!.loadState(l));
    this.ioapic.loadState(s.ioapic as PlainRecord);
    this.pci.loadState(s.pci as PlainRecord);
    if (this.testdev && s.testdev) this.testdev.loadState(s.testdev as PlainRecord);
    if (this.pciTestdev && s.pciTestdev) this.pciTestdev.loadState(s.pciTestdev as PlainRecord);
    this.acpiPm.loadState(s.acpiPm as PlainRecord);
    this.fwCfg.loadState(s.fwCfg as PlainRecord);
    this.mem.loadState(s.mem as unknown as { overlays: [number, number][]; poolUsed: number });
    this.currentCpu = s.currentCpu as number;
  }

  setInstructionSource(f: () => number): void {
    this.instructionSource = f;
  }

  /**
   * A 32-bit write from a device to the MSI window (Intel SDM Vol 3 §11.11): address bits 19:12
   * destination, bit 2 destination mode; data bits 7:0 vector, 10:8 delivery mode. Writes
   * elsewhere (QEMU would store them to memory) are dropped.
   */
  msiWrite(addr: number, data: number): void {
    if ((addr & 0xfff00000) >>> 0 !== 0xfee00000) return;
    this.apicBus.deliver((addr >>> 12) & 0xff, (addr & 4) !== 0, (data >>> 8) & 7, data & 0xff, false);
  }

  /** Drive ISA IRQ `irq` (0..15) or a PCI/GSI line above 15 (I/O APIC only). */
  setIsaIrq(irq: number, level: boolean): void {
    if (irq < 16) this.pic.setIrq(irq, level);
    this.ioapic.setIrq(irq === 0 ? 2 : irq, level);
  }
}
