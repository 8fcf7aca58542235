// Builds the machine a config describes for the headless host, with the same assembly code as the
// page's worker (src/worker/assemble.ts), and drives it: the run loop runs in slices that yield
// to the event loop so stdin, --timeout and C-a x are served; Xen disks are Node files
// (src/storage/node_drive.ts); console_io output and -trace events go to the log (stderr).
import type { MachineConfig } from '../machine/config.ts';
import type { Machine } from '../machine/machine.ts';
import type { BlockDevice } from '../machine/block_device.ts';
import { EXIT_GUEST_EXCEPTION } from './cli_error.ts';
import type { HeadlessMachine, LoadedImages } from './headless_host.ts';
import { formatTraceEvent, traceFilter } from '../xen/trace_events.ts';
import { openNodeDrive } from '../storage/node_drive.ts';
import type { AssembledMachine } from '../worker/assemble.ts';

/** The config is fine, but this machine cannot be built yet; the message says why (exit 3). */
export { UnsupportedMachine } from '../worker/assemble.ts';

/** Instructions per slice between event-loop turns (a few tens of ms for the interpreter). */
const SLICE = 2_000_000;
/** Shorter slices while typed input waits for room in a UART's receive FIFO. */
const INPUT_SLICE = 50_000;

export async function createMachine(config: MachineConfig, images: LoadedImages, log: (text: string) => void): Promise<HeadlessMachine> {
  // Loaded lazily, so --help and --print-config work even while the machine code is mid-edit.
  const { assembleMachine, rtcEpochSeconds, unsupportedReason, UnsupportedMachine, XEN_LOG } = await import('../worker/assemble.ts');
  const reason = unsupportedReason(config);
  if (reason !== null) throw new UnsupportedMachine(reason);
  const drives = await openDrives(config);
  const pending = new Map<string, number[]>();
  const now = new Date();
  const epoch = rtcEpochSeconds(config.rtc.base, now.getTime(), now.getTimezoneOffset());
  const traced = traceFilter(config.trace.patterns);
  const emit = (chardev: string, byte: number): void => {
    let q = pending.get(chardev);
    if (!q) pending.set(chardev, (q = []));
    q.push(byte);
  };
  // A reset (without -no-reboot) builds the machine again, as a power cycle: same images, RTC
  // base and open disks (a reset keeps the guest's writes).
  const build = (): AssembledMachine => {
    const m = assembleMachine(config, { kernel: images.kernel, modules: images.modules, drives }, epoch, emit);
    if (m.xen && config.trace.patterns.length > 0) {
      m.xen.trace.attach((ev) => {
        if (traced(ev.name)) log(`${formatTraceEvent(ev)}\n`);
      });
    }
    return m;
  };
  return new MachineRunner(config, build, pending, log, XEN_LOG, [...drives.values()]);
}

/** Opens the drive behind every xen-disk (`-drive if=xen` makes one per drive, finalize_config.ts). */
async function openDrives(config: MachineConfig): Promise<Map<string, BlockDevice>> {
  const { UnsupportedMachine } = await import('../worker/assemble.ts');
  const out = new Map<string, BlockDevice>();
  try {
    for (const d of config.devices) {
      if (d.driver !== 'xen-disk') continue;
      const drive = config.drives.find((x) => x.id === d.drive)!;
      const dev = await openNodeDrive(drive);
      if (!dev) throw new UnsupportedMachine(`xen-disk ${d.vdev}: drive '${drive.id}' has no medium`);
      out.set(drive.id, dev);
    }
  } catch (e) {
    for (const dev of out.values()) await dev.close();
    throw e;
  }
  return out;
}

class MachineRunner implements HeadlessMachine {
  private listener: (chardev: string, bytes: Uint8Array) => void = () => undefined;
  private stopped = false;
  /** Typed bytes per chardev, fed as the guest makes room (a UART's receive FIFO). */
  private readonly input = new Map<string, number[]>();
  private assembled: AssembledMachine;

  constructor(
    private readonly config: MachineConfig,
    private readonly build: () => AssembledMachine,
    private readonly pending: Map<string, number[]>,
    private readonly log: (text: string) => void,
    /** The pseudo-chardev of the hypervisor's console_io log, which goes to the log (stderr). */
    private readonly xenLog: string,
    private readonly disks: readonly BlockDevice[] = [],
  ) {
    this.assembled = build();
  }

  private get machine(): Machine {
    return this.assembled.machine;
  }

  onChardevOutput(listener: (chardev: string, bytes: Uint8Array) => void): void {
    this.listener = listener;
  }

  chardevInput(chardev: string, bytes: Uint8Array): void {
    if (!this.assembled.consoles.some((c) => c.id === chardev && c.input)) return; // no front end reads it
    let q = this.input.get(chardev);
    if (!q) this.input.set(chardev, (q = []));
    q.push(...bytes);
    this.feedInput();
  }

  /** Moves queued input into the guest, as much as it has room for. Returns true if some is left. */
  private feedInput(): boolean {
    let left = false;
    for (const [chardev, q] of this.input) {
      if (q.length === 0) continue;
      const room = Math.max(0, this.assembled.inputSpace(chardev));
      const n = this.assembled.input(chardev, Uint8Array.from(q.slice(0, room)));
      q.splice(0, n);
      if (q.length > 0) left = true;
    }
    return left;
  }

  stop(): void {
    this.stopped = true;
    this.machine.requestStop('requested');
  }

  private flush(): void {
    for (const [chardev, bytes] of this.pending) {
      if (bytes.length === 0) continue;
      if (chardev === this.xenLog) this.log(String.fromCharCode(...bytes));
      else this.listener(chardev, Uint8Array.from(bytes));
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
      const domain = this.assembled.xen;
      if (domain?.ioPending()) await domain.settleIo();
      this.flush();
      switch (reason) {
        case 'exit':
          // A process exit status has 8 bits, as QEMU's exit() gives the shell.
          return (this.machine.exitStatus ?? 0) & 0xff;
        case 'reset':
          // QEMU: -no-reboot turns a reset into an exit with status 0; otherwise the machine restarts.
          if (this.config.noReboot) return 0;
          this.assembled = this.build();
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
