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
  | { driver: 'pc-testdev'; id: string | null }
  | { driver: 'pci-testdev'; id: string | null };

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
  /** `hpet`: false after `-machine hpet=off` or `-no-hpet` (absent = QEMU's default, on). */
  machine: { type: 'pc'; hpet?: boolean };
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

/**
 * Checks that untrusted JSON (a share link, a saved file) is a MachineConfig this version of
 * xentab can run: every field present with the right type and within the limits the CLI
 * enforces. Returns one message per problem (empty when valid); never throws.
 */
export function checkMachineConfig(value: unknown): string[] {
  const problems: string[] = [];
  const bad = (path: string, what: string): void => {
    problems.push(`${path}: expected ${what}`);
  };
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  const int = (v: unknown, path: string, min: number, max: number): void => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) bad(path, `an integer in ${min}..${max}`);
  };
  const str = (v: unknown, path: string): void => {
    if (typeof v !== 'string') bad(path, 'a string');
  };
  const bool = (v: unknown, path: string): void => {
    if (typeof v !== 'boolean') bad(path, 'a boolean');
  };
  const oneOf = (v: unknown, path: string, choices: readonly string[]): void => {
    if (typeof v !== 'string' || !choices.includes(v)) bad(path, `one of ${choices.join(', ')}`);
  };
  const file = (v: unknown, path: string, nullable: boolean): void => {
    if (v === null && nullable) return;
    if (!isObj(v)) return bad(path, nullable ? 'a file or null' : 'a file');
    str(v['path'], `${path}.path`);
    str(v['resolved'], `${path}.resolved`);
  };
  const obj = (v: unknown, path: string): Record<string, unknown> => {
    if (isObj(v)) return v;
    bad(path, 'an object');
    return {};
  };
  const arr = (v: unknown, path: string): unknown[] => {
    if (Array.isArray(v)) return v;
    bad(path, 'an array');
    return [];
  };

  const c = obj(value, 'config');
  if (c['configVersion'] !== MACHINE_CONFIG_VERSION) bad('configVersion', `${MACHINE_CONFIG_VERSION} (this xentab's config version)`);
  if (c['name'] !== null) str(c['name'], 'name');
  oneOf(obj(c['machine'], 'machine')['type'], 'machine.type', ['pc']);
  const hpet = obj(c['machine'], 'machine')['hpet'];
  if (hpet !== undefined && typeof hpet !== 'boolean') bad('machine.hpet', 'a boolean');
  const accel = obj(c['accel'], 'accel');
  oneOf(accel['type'], 'accel.type', ['kvm', 'tcg']);
  if (accel['xenVersion'] !== null) int(accel['xenVersion'], 'accel.xenVersion', 1, 0xffffffff);
  oneOf(accel['kernelIrqchip'], 'accel.kernelIrqchip', ['on', 'off', 'split']);
  int(accel['xenEvtchnMaxPirq'], 'accel.xenEvtchnMaxPirq', 1, 0xffff);
  int(accel['xenGnttabMaxFrames'], 'accel.xenGnttabMaxFrames', 1, 65536);
  if (accel['xenVersion'] !== null && accel['kernelIrqchip'] !== 'split') bad('accel.kernelIrqchip', "'split' in Xen mode");
  const cpu = obj(c['cpu'], 'cpu');
  str(cpu['model'], 'cpu.model');
  for (const [k, v] of Object.entries(obj(cpu['features'], 'cpu.features'))) bool(v, `cpu.features.${k}`);
  for (const [k, v] of Object.entries(obj(cpu['properties'], 'cpu.properties'))) str(v, `cpu.properties.${k}`);
  const smp = obj(c['smp'], 'smp');
  for (const k of ['cpus', 'maxcpus', 'sockets', 'dies', 'cores', 'threads']) int(smp[k], `smp.${k}`, 1, 255);
  if (typeof smp['cpus'] === 'number' && typeof smp['maxcpus'] === 'number' && smp['cpus'] > smp['maxcpus']) bad('smp.cpus', 'at most smp.maxcpus');
  int(obj(c['memory'], 'memory')['bytes'], 'memory.bytes', 1 << 20, MAX_RAM_BYTES);
  const boot = obj(c['boot'], 'boot');
  file(boot['kernel'], 'boot.kernel', true);
  str(boot['append'], 'boot.append');
  if (boot['initrd'] !== null) str(boot['initrd'], 'boot.initrd');
  arr(boot['modules'], 'boot.modules').forEach((m, i) => {
    const mod = obj(m, `boot.modules[${i}]`);
    file(mod['file'], `boot.modules[${i}].file`, false);
    str(mod['cmdline'], `boot.modules[${i}].cmdline`);
  });
  arr(c['drives'], 'drives').forEach((v, i) => {
    const d = obj(v, `drives[${i}]`);
    const p = `drives[${i}]`;
    str(d['id'], `${p}.id`);
    file(d['file'], `${p}.file`, true);
    oneOf(d['interface'], `${p}.interface`, ['xen', 'ide', 'none']);
    if (d['index'] !== null) int(d['index'], `${p}.index`, 0, 25);
    oneOf(d['media'], `${p}.media`, ['disk', 'cdrom']);
    oneOf(d['format'], `${p}.format`, ['raw']);
    bool(d['readOnly'], `${p}.readOnly`);
    bool(d['snapshot'], `${p}.snapshot`);
    oneOf(d['fileLocking'], `${p}.fileLocking`, ['on', 'off', 'auto']);
    oneOf(d['cache'], `${p}.cache`, ['writeback', 'writethrough', 'none', 'directsync', 'unsafe']);
  });
  const chardevIds = new Set<unknown>();
  arr(c['chardevs'], 'chardevs').forEach((v, i) => {
    const d = obj(v, `chardevs[${i}]`);
    const p = `chardevs[${i}]`;
    str(d['id'], `${p}.id`);
    chardevIds.add(d['id']);
    oneOf(d['backend'], `${p}.backend`, ['stdio', 'file', 'null', 'vc']);
    bool(d['mux'], `${p}.mux`);
    bool(d['signal'], `${p}.signal`);
    file(d['path'], `${p}.path`, d['backend'] !== 'file');
    bool(d['append'], `${p}.append`);
  });
  const driveIds = new Set((Array.isArray(c['drives']) ? c['drives'] : []).map((d) => (isObj(d) ? d['id'] : undefined)));
  const netdevIds = new Set((Array.isArray(c['netdevs']) ? c['netdevs'] : []).map((d) => (isObj(d) ? d['id'] : undefined)));
  arr(c['devices'], 'devices').forEach((v, i) => {
    const d = obj(v, `devices[${i}]`);
    const p = `devices[${i}]`;
    if (d['id'] !== null) str(d['id'], `${p}.id`);
    const ref = (key: string, ids: Set<unknown>): void => {
      if (!ids.has(d[key])) bad(`${p}.${key}`, 'the id of a defined one');
    };
    switch (d['driver']) {
      case 'xen-console':
        ref('chardev', chardevIds);
        break;
      case 'xen-disk':
        ref('drive', driveIds);
        if (typeof d['vdev'] !== 'string' || !/^((xvd|hd|sd)[a-z]+[0-9]*|d[0-9]+(p[0-9]+)?)$/.test(d['vdev'])) bad(`${p}.vdev`, 'a vdev such as xvda');
        break;
      case 'xen-net-device':
        ref('netdev', netdevIds);
        if (typeof d['mac'] !== 'string' || !/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(d['mac'])) bad(`${p}.mac`, 'a MAC address');
        break;
      case 'isa-serial':
        ref('chardev', chardevIds);
        int(d['index'], `${p}.index`, 0, 3);
        int(d['iobase'], `${p}.iobase`, 0, 0xffff);
        int(d['irq'], `${p}.irq`, 0, 15);
        break;
      case 'isa-debugcon':
        ref('chardev', chardevIds);
        int(d['iobase'], `${p}.iobase`, 0, 0xffff);
        break;
      case 'isa-debug-exit':
        int(d['iobase'], `${p}.iobase`, 0, 0xffff);
        int(d['iosize'], `${p}.iosize`, 1, 0x10000 - (typeof d['iobase'] === 'number' ? d['iobase'] : 0));
        break;
      case 'pc-testdev':
      case 'pci-testdev':
        break;
      default:
        bad(`${p}.driver`, 'a device model xentab has');
    }
  });
  arr(c['netdevs'], 'netdevs').forEach((v, i) => {
    const n = obj(v, `netdevs[${i}]`);
    str(n['id'], `netdevs[${i}].id`);
    oneOf(n['type'], `netdevs[${i}].type`, ['user']);
  });
  arr(c['monitors'], 'monitors').forEach((v, i) => {
    const m = obj(v, `monitors[${i}]`);
    if (!chardevIds.has(m['chardev'])) bad(`monitors[${i}].chardev`, 'the id of a defined one');
    oneOf(m['mode'], `monitors[${i}].mode`, ['readline']);
  });
  oneOf(c['display'], 'display', ['none']);
  const icount = obj(c['icount'], 'icount');
  if (icount['shift'] !== null) int(icount['shift'], 'icount.shift', 0, 10);
  bool(icount['sleep'], 'icount.sleep');
  const rtc = obj(c['rtc'], 'rtc');
  str(rtc['base'], 'rtc.base');
  oneOf(rtc['clock'], 'rtc.clock', ['host', 'rt', 'vm']);
  const log = obj(c['log'], 'log');
  arr(log['items'], 'log.items').forEach((v, i) => str(v, `log.items[${i}]`));
  file(log['file'], 'log.file', true);
  const trace = obj(c['trace'], 'trace');
  arr(trace['patterns'], 'trace.patterns').forEach((v, i) => str(v, `trace.patterns[${i}]`));
  file(trace['file'], 'trace.file', true);
  for (const k of ['noReboot', 'noShutdown', 'startPaused', 'nodefaults']) bool(c[k], k);
  const run = obj(c['run'], 'run');
  arr(run['script'], 'run.script').forEach((v, i) => {
    const s = obj(v, `run.script[${i}]`);
    const text = 'expect' in s ? s['expect'] : s['send'];
    if (typeof text !== 'string' || text === '' || Object.keys(s).length !== 1) bad(`run.script[${i}]`, '{expect: TEXT} or {send: TEXT}');
  });
  if (run['timeoutSeconds'] !== null && (typeof run['timeoutSeconds'] !== 'number' || !(run['timeoutSeconds'] > 0))) bad('run.timeoutSeconds', 'a positive number or null');
  return problems;
}
