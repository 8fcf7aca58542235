// Machine assembly shared by the page's worker and (when it adopts it) the CLI: a MachineConfig
// plus the image bytes it names become a booted src/machine Machine — with a src/xen XenDomain
// when the config asks for the Xen interface — whose character devices are routed to chardev
// ids (the hypervisor's console_io log to the pseudo-chardev `xen-log`). Host-free: the caller
// passes the wall-clock epoch for `-rtc base=utc` and receives output bytes through a callback,
// so the same code runs in a worker and in Node. What this build cannot run yet (PV disks and
// network) is refused with a reason the page can show.
import type { BlockDevice } from '../machine/block_device.ts';
import type { DeviceConfig, MachineConfig } from '../machine/config.ts';
import { xenEnabled } from '../machine/config.ts';
import { Machine } from '../machine/machine.ts';
import type { PcSpec } from '../machine/pc_platform.ts';
import { parseVdev } from '../xen/backends/vbd_vdev.ts';
import { xenConsoleChardev, xenOptionsFromConfig, xenOverlayPages } from '../xen/xen_config.ts';
import { XenDomain } from '../xen/xen_domain.ts';

/** The config is valid, but this build cannot run it yet; the message says what is missing. */
export class UnsupportedMachine extends Error {}

/** Without -icount: one instruction per ns of virtual time (as the CLI). */
export const DEFAULT_ICOUNT_SHIFT = 0;
/** Without -cpu …,tsc-frequency=: a 2 GHz TSC (as the CLI). */
export const DEFAULT_TSC_KHZ = 2_000_000;

export type ConsoleKind = 'serial' | 'debugcon' | 'xen-console' | 'xen-log';

/** One character device the page can show as a tab. */
export interface ConsoleRoute {
  /** The chardev id from the config (`serial0`, `char0`, …). */
  id: string;
  kind: ConsoleKind;
  /** Human label: `COM1 (serial0)`, `debugcon (0xe9)`. */
  label: string;
  /** Whether typed bytes reach the guest through it. */
  input: boolean;
}

/** Image bytes by the name the config's FileRef.resolved carries. */
export interface MachineImages {
  kernel: Uint8Array | null;
  /** In config.boot.modules order. */
  modules: Uint8Array[];
  /** Opened disks by drive id (the caller decides overlay, snapshot or read-only). */
  drives: ReadonlyMap<string, BlockDevice>;
}

type Serial = Extract<DeviceConfig, { driver: 'isa-serial' }>;
type Debugcon = Extract<DeviceConfig, { driver: 'isa-debugcon' }>;
type DebugExitDev = Extract<DeviceConfig, { driver: 'isa-debug-exit' }>;

/** Seconds since the epoch for the RTC at virtual time 0 (`-rtc base=`); wall time only for utc/localtime. */
export function rtcEpochSeconds(base: string, nowMs: number, tzOffsetMinutes: number): number {
  if (base === 'utc') return Math.floor(nowMs / 1000);
  if (base === 'localtime') return Math.floor(nowMs / 1000) - tzOffsetMinutes * 60;
  const t = Date.parse(base.includes('T') ? `${base}Z` : `${base}T00:00:00Z`);
  if (!Number.isFinite(t)) throw new UnsupportedMachine(`-rtc base=${base}: not a date`);
  return Math.floor(t / 1000);
}

function tscKHz(config: MachineConfig): number {
  const hz = Number(config.cpu.properties['tsc-frequency'] ?? NaN);
  return Number.isSafeInteger(hz) && hz >= 1000 ? Math.floor(hz / 1000) : DEFAULT_TSC_KHZ;
}

/** The pseudo-chardev that carries the hypervisor's console_io log. */
export const XEN_LOG = 'xen-log';

/** Why this build cannot run `config`, or null when it can. */
export function unsupportedReason(config: MachineConfig): string | null {
  if (!config.boot.kernel) return 'there is no BIOS yet: the machine boots only a PVH or multiboot kernel';
  const xen = xenEnabled(config);
  if (config.devices.some((d) => d.driver === 'xen-net-device')) return 'the xen-net-device backend is not written yet';
  if (!xen && config.devices.some((d) => d.driver.startsWith('xen-'))) return 'Xen PV devices need -accel kvm,xen-version=…';
  for (const d of config.devices) {
    if (d.driver === 'xen-disk' && parseVdev(d.vdev) === null) return `xen-disk vdev=${d.vdev} is not a virtual device name`;
  }
  for (const drive of config.drives) {
    const pv = config.devices.some((d) => d.driver === 'xen-disk' && d.drive === drive.id);
    if (!pv) return `drive ${drive.id} (if=${drive.interface}) is not a PV disk, and only PV disks are emulated`;
    if (!drive.file) return `drive ${drive.id} has no image`;
  }
  return null;
}

/** The consoles a config gives the page, in tab order. */
export function consoleRoutes(config: MachineConfig): ConsoleRoute[] {
  const routes: ConsoleRoute[] = [];
  let hvc = 0;
  for (const d of config.devices) {
    if (d.driver === 'xen-console') routes.push({ id: d.chardev, kind: 'xen-console', label: `hvc${hvc++} (${d.chardev})`, input: true });
  }
  // The hypervisor's console_io log (XEN_CONSOLE_WRITE and its own messages): output only.
  if (xenEnabled(config)) routes.push({ id: XEN_LOG, kind: 'xen-log', label: 'Xen log (console_io)', input: false });
  for (const s of serialDevices(config)) routes.push({ id: s.chardev, kind: 'serial', label: `COM${s.index + 1} (${s.chardev})`, input: true });
  for (const d of config.devices) {
    if (d.driver === 'isa-debugcon') routes.push({ id: d.chardev, kind: 'debugcon', label: `debugcon 0x${d.iobase.toString(16)} (${d.chardev})`, input: false });
  }
  // Several front ends on one chardev (a mux) share one tab.
  return routes.filter((r, i) => routes.findIndex((x) => x.id === r.id) === i);
}

function serialDevices(config: MachineConfig): Serial[] {
  return config.devices.filter((d): d is Serial => d.driver === 'isa-serial').sort((a, b) => a.index - b.index);
}

/** The platform description a config asks for. */
export function platformSpec(config: MachineConfig, epochSeconds: number): Omit<PcSpec, 'cpuStateBytes'> {
  const debugcon = config.devices.find((d): d is Debugcon => d.driver === 'isa-debugcon') ?? null;
  const debugExit = config.devices.find((d): d is DebugExitDev => d.driver === 'isa-debug-exit') ?? null;
  return {
    ramBytes: config.memory.bytes,
    cpus: config.smp.cpus,
    tscKHz: tscKHz(config),
    icountShift: config.icount.shift ?? DEFAULT_ICOUNT_SHIFT,
    rtcEpochSeconds: epochSeconds,
    serials: serialDevices(config).map((s) => ({ iobase: s.iobase, irq: s.irq })),
    debugcon: debugcon ? { iobase: debugcon.iobase } : null,
    debugExit: debugExit ? { iobase: debugExit.iobase, iosize: debugExit.iosize } : null,
    pcTestdev: config.devices.some((d) => d.driver === 'pc-testdev'),
    pciTestdev: config.devices.some((d) => d.driver === 'pci-testdev'),
    hpet: config.machine.hpet ?? true,
    cpuFeatures: config.cpu.features,
  };
}

export interface AssembledMachine {
  machine: Machine;
  /** The Xen interface, when the config enables it. */
  xen: XenDomain | null;
  consoles: ConsoleRoute[];
  /** How the kernel was entered. */
  bootKind: 'multiboot' | 'pvh';
  /** Free space for input on a chardev right now (0 when it takes no input). */
  inputSpace(chardev: string): number;
  /** Give typed bytes to the guest; returns how many it accepted (the UART FIFO may be full). */
  input(chardev: string, bytes: Uint8Array): number;
}

/**
 * Builds and boots the machine. `output(chardev, byte)` receives every byte a front end writes.
 * Throws UnsupportedMachine when this build cannot run the config.
 */
export function assembleMachine(
  config: MachineConfig,
  images: MachineImages,
  epochSeconds: number,
  output: (chardev: string, byte: number) => void,
): AssembledMachine {
  const reason = unsupportedReason(config);
  if (reason !== null) throw new UnsupportedMachine(reason);
  const kernelRef = config.boot.kernel!;
  if (!images.kernel) throw new UnsupportedMachine(`no bytes for the kernel '${kernelRef.path}'`);
  if (images.modules.length !== config.boot.modules.length) throw new UnsupportedMachine('module images do not match the config');
  const serials = serialDevices(config);
  const debugcon = config.devices.find((d): d is Debugcon => d.driver === 'isa-debugcon') ?? null;
  const spec = platformSpec(config, epochSeconds);
  const machine = new Machine(xenEnabled(config) ? { ...spec, overlayPoolPages: xenOverlayPages(config) } : spec, {
    serialOut: (i, b) => output(serials[i]!.chardev, b),
    debugconOut: (b) => {
      if (debugcon) output(debugcon.chardev, b);
    },
    debugExit: () => undefined,
    resetRequest: () => undefined,
  });
  // The domain reserves its special pages in the E820 map, so it comes before the boot loader.
  const hvc = xenConsoleChardev(config);
  const xen = xenEnabled(config)
    ? new XenDomain(machine, xenOptionsFromConfig(config, epochSeconds), {
        consoleOut: (bytes) => {
          if (hvc !== null) for (const b of bytes) output(hvc, b);
        },
        consoleIoOut: (bytes) => {
          for (const b of bytes) output(XEN_LOG, b);
        },
      })
    : null;
  if (xen !== null) {
    for (const d of config.devices) {
      if (d.driver !== 'xen-disk') continue;
      const drive = config.drives.find((x) => x.id === d.drive)!;
      const dev = images.drives.get(drive.id);
      if (!dev) throw new UnsupportedMachine(`no disk was opened for drive ${drive.id}`);
      xen.attachDisk(dev, { vdev: parseVdev(d.vdev)!, params: drive.file?.path ?? drive.id, readOnly: drive.readOnly });
    }
  }
  let bootKind: 'multiboot' | 'pvh';
  try {
    bootKind = machine.bootKernel({
      kernel: images.kernel,
      kernelPath: kernelRef.path,
      append: config.boot.append,
      modules: images.modules.map((bytes, i) => ({ bytes, path: config.boot.modules[i]!.file.path, args: config.boot.modules[i]!.cmdline })),
    });
  } catch (e) {
    throw new UnsupportedMachine(`cannot boot ${kernelRef.path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const uartsOf = (chardev: string) => serials.flatMap((s, i) => (s.chardev === chardev ? [machine.platform.serials[i]!] : []));
  return {
    machine,
    xen,
    consoles: consoleRoutes(config),
    bootKind,
    inputSpace: (chardev) => {
      // The primary console queues typed bytes itself and feeds the ring as the guest makes room.
      if (xen !== null && chardev === hvc) return 4096;
      const u = uartsOf(chardev)[0];
      return u ? u.rxSpace() : 0;
    },
    input: (chardev, bytes) => {
      if (xen !== null && chardev === hvc) {
        xen.consoleInput(bytes);
        return bytes.length;
      }
      const u = uartsOf(chardev)[0];
      return u ? u.receive(bytes) : 0;
    },
  };
}
