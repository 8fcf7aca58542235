// The one machine config: what the CLI produces (src/cli/parse_args.ts), the worker consumes and
// share links carry. Plain JSON data only — no classes, no Maps, no undefined — so that
// JSON.parse(JSON.stringify(c)) deep-equals c. Every field is present with its default, so
// `npx xentab --print-config` shows the whole machine. Sizes are bytes, numbers are plain
// integers (all below 2^53), file paths are kept as the user wrote them plus the absolute path.

/** Bump when a field changes meaning; a share link with another version is refused. */
export const MACHINE_CONFIG_VERSION = 1;

/** Guest RAM lives in one wasm32 WebAssembly.Memory (4 GiB at most) together with CPU state. */
export const MAX_RAM_BYTES = 3584 * 1024 * 1024;

/** A host file named on the command line. */
export interface FileRef {
  /** As written by the user (relative to the working directory of the CLI). */
  path: string;
  /** Absolute path (Node) or the same string (browser, where it names an image in storage). */
  resolved: string;
}

/** One multiboot/PVH module from `-initrd "file args,file2"`. */
export interface BootModule {
  file: FileRef;
  /** Arguments after the file name, with `,,` already reduced to `,`. QEMU's multiboot loader
   * hands the guest `file.path + ' ' + cmdline` (or just the path when cmdline is empty). */
  cmdline: string;
}

export interface AccelConfig {
  /** Both run on xentab's own CPU; `kvm` is the one QEMU's Xen mode requires and accepts xen-*. */
  type: 'kvm' | 'tcg';
  /** XENVER_version form, major << 16 | minor (0x40011 = 4.17); null = not a Xen guest. */
  xenVersion: number | null;
  kernelIrqchip: 'on' | 'off' | 'split';
  /** QEMU default 256 (docs/system/i386/xen.rst). */
  xenEvtchnMaxPirq: number;
  /** Grant table frames, QEMU default 64 (each v1 frame holds 512 entries). */
  xenGnttabMaxFrames: number;
}

export interface CpuConfig {
  /** QEMU model name as given (`host`, `max`, `qemu64`, …); xentab has one CPU model behind all. */
  model: string;
  /** Feature flags from `+f`, `-f`, `f=on|off`; names normalised to dashes (`xen_vapic` → `xen-vapic`). */
  features: Record<string, boolean>;
  /** Non-boolean properties (`hv-spinlocks=0x1fff`, `tsc-frequency=…`) as strings. */
  properties: Record<string, string>;
}

export interface SmpConfig {
  cpus: number;
  maxcpus: number;
  sockets: number;
  dies: number;
  cores: number;
  threads: number;
}

export interface BootConfig {
  kernel: FileRef | null;
  /** `-append`; for the PV shim, Xen's options, then ` -- `, then the guest kernel's. */
  append: string;
  /** `-initrd` exactly as given (a plain Linux initrd is this one file), or null. */
  initrd: string | null;
  /** The same `-initrd` read as a multiboot/PVH module list; a plain file is module 0. */
  modules: BootModule[];
}

export interface DriveConfig {
  /** User id, or QEMU's generated one (`xen0`, `ide0-hd0`, `none0`). */
  id: string;
  file: FileRef | null;
  interface: 'xen' | 'ide' | 'none';
  index: number | null;
  media: 'disk' | 'cdrom';
  format: 'raw';
  readOnly: boolean;
  /** Writes go to a throw-away overlay (QEMU `snapshot=on`, or `-snapshot`). */
  snapshot: boolean;
  fileLocking: 'on' | 'off' | 'auto';
  cache: 'writeback' | 'writethrough' | 'none' | 'directsync' | 'unsafe';
}

export interface ChardevConfig {
  id: string;
  /** `vc` is QEMU's default virtual console: a terminal tab in the page, discarded by the CLI. */
  backend: 'stdio' | 'file' | 'null' | 'vc';
  /** Multiplexed between front ends (serial + monitor), with the C-a escapes. */
  mux: boolean;
  /** stdio only: Ctrl-C terminates xentab (on) or is passed to the guest (off). */
  signal: boolean;
  /** file only: where output goes. */
  path: FileRef | null;
  append: boolean;
}

export type DeviceConfig =
  | { driver: 'xen-console'; id: string | null; chardev: string }
  | { driver: 'xen-disk'; id: string | null; drive: string; vdev: string }
  | { driver: 'xen-net-device'; id: string | null; netdev: string; mac: string }
  | { driver: 'isa-serial'; id: string | null; index: number; iobase: number; irq: number; chardev: string }
  | { driver: 'isa-debugcon'; id: string | null; iobase: number; chardev: string }
  | { driver: 'isa-debug-exit'; id: string | null; iobase: number; iosize: number }
  | { driver: 'pc-testdev'; id: string | null };

export interface NetdevConfig {
  id: string;
  type: 'user';
}

export interface MonitorConfig {
  chardev: string;
  mode: 'readline';
}

export interface IcountConfig {
  /** One instruction per 2^shift ns of virtual time; null = the machine's own default. */
  shift: number | null;
  /** on: idle time is paced to wall time; off: idle jumps to the next timer deadline. */
  sleep: boolean;
}

export interface RtcConfig {
  /** `utc`, `localtime`, or a fixed start date `YYYY-MM-DDTHH:MM:SS` / `YYYY-MM-DD` (UTC). */
  base: string;
  /** `vm` keeps the guest clock on virtual time (deterministic); `host`/`rt` follow the host. */
  clock: 'host' | 'rt' | 'vm';
}

/** One step of the console script built from `--expect`/`--send`, run in order. */
export type ConsoleStep = { expect: string } | { send: string };

export interface MachineConfig {
  configVersion: typeof MACHINE_CONFIG_VERSION;
  name: string | null;
  machine: { type: 'pc' };
  accel: AccelConfig;
  cpu: CpuConfig;
  smp: SmpConfig;
  memory: { bytes: number };
  boot: BootConfig;
  drives: DriveConfig[];
  chardevs: ChardevConfig[];
  devices: DeviceConfig[];
  netdevs: NetdevConfig[];
  monitors: MonitorConfig[];
  display: 'none';
  icount: IcountConfig;
  rtc: RtcConfig;
  /** `-d` items and `-D` file. */
  log: { items: string[]; file: FileRef | null };
  /** `-trace` (and `-d trace:`) event name globs, e.g. `xen_*`; a leading `-` disables. */
  trace: { patterns: string[]; file: FileRef | null };
  /** Power actions: `-no-reboot` (a guest reset exits), `-no-shutdown` (a power-off pauses). */
  noReboot: boolean;
  noShutdown: boolean;
  /** `-S`: do not start the CPU until told to. */
  startPaused: boolean;
  /** `-nodefaults` was given (no default serial, monitor, …). */
  nodefaults: boolean;
  /** xentab's own scripting options (`--expect`, `--send`, `--timeout`). */
  run: { script: ConsoleStep[]; timeoutSeconds: number | null };
}

/** Xen HVM guest interface enabled (QEMU: `-accel kvm,xen-version=…`). */
export function xenEnabled(config: MachineConfig): boolean {
  return config.accel.xenVersion !== null;
}

/** Any Hyper-V enlightenment on `-cpu` moves the Xen CPUID leaves to 0x40000100 (xen.rst). */
export function hypervEnabled(config: MachineConfig): boolean {
  const { features, properties } = config.cpu;
  return (
    Object.entries(features).some(([name, on]) => on && name.startsWith('hv-')) ||
    Object.keys(properties).some((name) => name.startsWith('hv-'))
  );
}
