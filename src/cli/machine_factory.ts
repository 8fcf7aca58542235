// Builds the machine a config describes (src/machine/machine.ts) and drives it for the headless
// host: serial ports, the 0xe9 debug console and isa-debug-exit are connected to their chardevs,
// and the run loop runs in slices that yield to the event loop so stdin, --timeout and C-a x
// are served. Xen guests (-accel …,xen-version=) get a XenDomain (src/xen): the xen-console
// chardev is the primary console ring, console_io output goes to the log (stderr).
import type { DeviceConfig, MachineConfig } from '../machine/config.ts';
import { xenEnabled } from '../machine/config.ts';
import type { Machine } from '../machine/machine.ts';
import { EXIT_GUEST_EXCEPTION } from './cli_error.ts';
import type { HeadlessMachine, LoadedImages } from './headless_host.ts';
import { XenDomain } from '../xen/xen_domain.ts';
import { xenConsoleChardev, xenOptionsFromConfig, xenOverlayPages } from '../xen/xen_config.ts';
import { formatTraceEvent, traceFilter } from '../xen/trace_events.ts';
import type { BlockDevice } from '../machine/block_device.ts';
import { openNodeDrive } from '../storage/node_drive.ts';
import { parseVdev, type Vdev } from '../xen/backends/vbd_vdev.ts';

/** The config is fine, but this machine cannot be built yet; the message says why. */
export class UnsupportedMachine extends Error {}


/** Instructions per slice between event-loop turns (a few tens of ms for the interpreter). */
const SLICE = 2_000_000;
/** Shorter slices while typed input waits for room in a UART's receive FIFO. */
const INPUT_SLICE = 50_000;
/** Without -icount: one instruction per ns of virtual time. */
const DEFAULT_ICOUNT_SHIFT = 0;
/** Without -cpu …,tsc-frequency=: a 2 GHz TSC. */
const DEFAULT_TSC_KHZ = 2_000_000;

/** Seconds since the epoch for the RTC at virtual time 0 (`-rtc base=`); the host clock only for utc/localtime. */
export function rtcEpochSeconds(base: string, nowMs: number, tzOffsetMinutes: number): number {
  if (base === 'utc') return Math.floor(nowMs / 1000);
  if (base === 'localtime') return Math.floor(nowMs / 1000) - tzOffsetMinutes * 60;
  return Math.floor(Date.parse(base.includes('T') ? `${base}Z` : `${base}T00:00:00Z`) / 1000);
}

function tscKHz(config: MachineConfig): number {
  const hz = Number(config.cpu.properties['tsc-frequency'] ?? NaN);
  return Number.isSafeInteger(hz) && hz >= 1000 ? Math.floor(hz / 1000) : DEFAULT_TSC_KHZ;
}

export async function createMachine(config: MachineConfig, images: LoadedImages, log: (text: string) => void): Promise<HeadlessMachine> {
  const xen = xenEnabled(config);
  if (!config.boot.kernel || !images.kernel) throw new UnsupportedMachine('there is no BIOS yet: give a PVH or multiboot kernel with -kernel');
  const xenDevice = config.devices.find((d) => d.driver.startsWith('xen-') && d.driver !== 'xen-console' && d.driver !== 'xen-disk');
  if (xenDevice) throw new UnsupportedMachine(`device ${xenDevice.driver} needs a Xen PV backend, which xentab does not have yet`);
  if (!xen && config.devices.some((d) => d.driver === 'xen-disk')) throw new UnsupportedMachine('device xen-disk needs the Xen interface');
  const disks = await openXenDisks(config);

  const serials = config.devices
    .filter((d): d is Extract<DeviceConfig, { driver: 'isa-serial' }> => d.driver === 'isa-serial')
    .sort((a, b) => a.index - b.index);
  const debugcon = config.devices.find((d): d is Extract<DeviceConfig, { driver: 'isa-debugcon' }> => d.driver === 'isa-debugcon') ?? null;
  const debugExit = config.devices.find((d): d is Extract<DeviceConfig, { driver: 'isa-debug-exit' }> => d.driver === 'isa-debug-exit') ?? null;

  const { Machine: MachineClass } = await import('../machine/machine.ts');
  const pending = new Map<string, number[]>();
  const emit = (chardev: string, byte: number): void => {
    let q = pending.get(chardev);
    if (!q) pending.set(chardev, (q = []));
    q.push(byte);
  };
  const now = new Date();
  const kernel = images.kernel;
  const kernelPath = config.boot.kernel.path;
  const xenChardev = xenConsoleChardev(config);
  const traced = traceFilter(config.trace.patterns);
  let domain: XenDomain | null = null;
  // A reset (without -no-reboot) builds the machine again, as a power cycle: same images, RTC base.
  const build = (): Machine => {
    const machine: Machine = new MachineClass(
      {
        ramBytes: config.memory.bytes,
        cpus: config.smp.cpus,
        tscKHz: tscKHz(config),
        icountShift: config.icount.shift ?? DEFAULT_ICOUNT_SHIFT,
        rtcEpochSeconds: rtcEpochSeconds(config.rtc.base, now.getTime(), now.getTimezoneOffset()),
        serials: serials.map((s) => ({ iobase: s.iobase, irq: s.irq })),
        debugcon: debugcon ? { iobase: debugcon.iobase } : null,
        debugExit: debugExit ? { iobase: debugExit.iobase, iosize: debugExit.iosize } : null,
        pcTestdev: config.devices.some((d) => d.driver === 'pc-testdev'),
        ...(xen ? { overlayPoolPages: xenOverlayPages(config) } : {}),
      },
      {
        serialOut: (i, b) => emit(serials[i]!.chardev, b),
        debugconOut: (b) => debugcon && emit(debugcon.chardev, b),
        debugExit: () => undefined,
        resetRequest: () => undefined,
      },
    );
    if (xen) {
      // Before bootKernel: the domain reserves its special pages in the E820 the loader hands on.
      domain = new XenDomain(machine, xenOptionsFromConfig(config, rtcEpochSeconds(config.rtc.base, now.getTime(), now.getTimezoneOffset())), {
        consoleOut: (b) => {
          if (xenChardev) for (const byte of b) emit(xenChardev, byte);
        },
        consoleIoOut: (b) => log(String.fromCharCode(...b)),
      });
      if (config.trace.patterns.length > 0) {
        domain.trace.attach((ev) => {
          if (traced(ev.name)) log(`${formatTraceEvent(ev)}\n`);
        });
      }
    }
    // The same open disks serve every power cycle (a reset keeps the guest's writes).
    if (domain) for (const d of disks) (domain as XenDomain).attachDisk(d.dev, { vdev: d.vdev, params: d.params, readOnly: d.dev.readOnly });
    try {
      machine.bootKernel({
        kernel,
        kernelPath,
        append: config.boot.append,
        modules: images.modules.map((bytes, i) => ({ bytes, path: config.boot.modules[i]!.file.path, args: config.boot.modules[i]!.cmdline })),
      });
    } catch (e) {
      throw new UnsupportedMachine(`cannot boot ${kernelPath}: ${e instanceof Error ? e.message : String(e)}`);
    }
    return machine;
  };
  return new MachineRunner(config, build, serials, pending, log, () => domain, xenChardev, disks.map((d) => d.dev));
}

interface XenDisk {
  dev: BlockDevice;
  vdev: Vdev;
  params: string;
}

/** Opens the drive behind every xen-disk (`-drive if=xen` makes one per drive, finalize_config.ts). */
async function openXenDisks(config: MachineConfig): Promise<XenDisk[]> {
  const used = new Set(config.devices.flatMap((d) => (d.driver === 'xen-disk' ? [d.drive] : [])));
  const stray = config.drives.find((d) => !used.has(d.id));
  if (stray) throw new UnsupportedMachine(`drive '${stray.id}' (if=${stray.interface}) is not connected: only Xen PV disks (if=xen, -device xen-disk) are`);
  const out: XenDisk[] = [];
  try {
    for (const d of config.devices) {
      if (d.driver !== 'xen-disk') continue;
      const vdev = parseVdev(d.vdev);
      if (!vdev) throw new UnsupportedMachine(`xen-disk vdev '${d.vdev}' is not a name docs/misc/vbd-interface.txt allows`);
      const drive = config.drives.find((x) => x.id === d.drive)!;
      const dev = await openNodeDrive(drive);
      if (!dev) throw new UnsupportedMachine(`xen-disk ${d.vdev}: drive '${drive.id}' has no medium`);
      out.push({ dev, vdev, params: drive.file?.path ?? '' });
    }
  } catch (e) {
    for (const d of out) await d.dev.close();
    throw e;
  }
  return out;
}

class MachineRunner implements HeadlessMachine {
  private listener: (chardev: string, bytes: Uint8Array) => void = () => undefined;
  private stopped = false;
  /** Typed bytes per serial port, fed as the guest drains its receive FIFO. */
  private readonly input: number[][];
  private machine: Machine;

  constructor(
    private readonly config: MachineConfig,
    private readonly build: () => Machine,
    private readonly serials: Array<Extract<DeviceConfig, { driver: 'isa-serial' }>>,
    private readonly pending: Map<string, number[]>,
    private readonly log: (text: string) => void,
    private readonly xenDomain: () => XenDomain | null = () => null,
    private readonly xenChardev: string | null = null,
    private readonly disks: readonly BlockDevice[] = [],
  ) {
    this.input = serials.map(() => []);
    this.machine = build();
  }

  onChardevOutput(listener: (chardev: string, bytes: Uint8Array) => void): void {
    this.listener = listener;
  }

  chardevInput(chardev: string, bytes: Uint8Array): void {
    if (chardev === this.xenChardev) this.xenDomain()?.consoleInput(bytes);
    this.serials.forEach((s, i) => {
      if (s.chardev === chardev) this.input[i]!.push(...bytes);
    });
    this.feedInput();
  }

  /** Moves queued input into the UART FIFOs, as much as they have room for. Returns true if some is left. */
  private feedInput(): boolean {
    let left = false;
    this.input.forEach((q, i) => {
      const uart = this.machine.platform.serials[i];
      if (!uart || q.length === 0) return;
      const n = uart.receive(q.slice(0, Math.max(0, uart.rxSpace())));
      q.splice(0, n);
      if (q.length > 0) left = true;
    });
    return left;
  }

  stop(): void {
    this.stopped = true;
    this.machine.requestStop('requested');
  }

  private flush(): void {
    for (const [chardev, bytes] of this.pending) {
      if (bytes.length === 0) continue;
      this.listener(chardev, Uint8Array.from(bytes));
      bytes.length = 0;
    }
  }

  async run(): Promise<number> {
    try {
      return await this.runLoop();
    } finally {
      // As QEMU does at exit: what the guest wrote reaches the file even without its own flush.
      for (const d of this.disks) {
        await d.flush().catch(() => undefined);
        await d.close().catch(() => undefined);
      }
    }
  }

  private async runLoop(): Promise<number> {
    const turn = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
    if (this.config.startPaused) {
      this.log('xentab: -S: the CPU is paused and there is no monitor yet to continue it\n');
      while (!this.stopped) await turn(50);
      return 0;
    }
    while (!this.stopped) {
      const reason = this.machine.run(this.feedInput() ? INPUT_SLICE : SLICE, { idle: 'skip' });
      // Disk I/O started in this slice completes here, before any further instruction, so the
      // guest sees it at a fixed instruction count (src/xen/backends/blkback.ts).
      const domain = this.xenDomain();
      if (domain?.ioPending()) await domain.settleIo();
      this.flush();
      switch (reason) {
        case 'exit':
          // A process exit status has 8 bits, as QEMU's exit() gives the shell.
          return (this.machine.exitStatus ?? 0) & 0xff;
        case 'reset':
          // QEMU: -no-reboot turns a reset into an exit with status 0; otherwise the machine restarts.
          if (this.config.noReboot) return 0;
          this.machine = this.build();
          await turn(0);
          break;
        case 'poweroff':
          // ACPI S5 or Xen SCHEDOP_shutdown: QEMU exits with status 0.
          return 0;
        case 'exception': {
          const e = this.machine.lastException;
          this.log(`xentab: vCPU ${e?.cpu} stopped on exception ${e?.vector} (error code ${e?.error}) at rip 0x${e?.rip.toString(16)}\n`);
          return EXIT_GUEST_EXCEPTION;
        }
        case 'idle':
          await turn(10); // halted with no timer: only input can wake it
          break;
        default:
          await turn(0);
      }
    }
    return 0;
  }
}
