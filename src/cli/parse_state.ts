// What the option handlers build while argv is walked: the config draft with every default
// filled in, plus the few QEMU facts that are only settled at the end (default serial and
// monitor, -nographic, the first -accel). src/cli/finalize_config.ts turns it into the config.
import { resolve } from 'node:path';
import { MACHINE_CONFIG_VERSION } from '../machine/config.ts';
import type { FileRef, MachineConfig } from '../machine/config.ts';
import { OptsReader } from './qemu_opts.ts';

/** QEMU's default RAM for the pc machine. */
export const DEFAULT_RAM_BYTES = 128 * 1024 * 1024;

export interface ParseState {
  readonly cwd: string;
  config: MachineConfig;
  /** Warnings for stderr (QEMU's deprecations); parsing goes on. */
  warnings: string[];
  /** Set by `help`/`?` values and -h/-version: print this on stdout and exit 0. */
  output: string | null;
  printConfig: boolean;
  /** QEMU: cleared by -serial, -nodefaults. */
  defaultSerial: boolean;
  /** QEMU: cleared by -monitor, -mon, -nodefaults. */
  defaultMonitor: boolean;
  nographic: boolean;
  /** -snapshot: every drive gets snapshot=on. */
  snapshotAll: boolean;
  /**
   * Where the accelerator came from. Only the first -accel is used (QEMU tries them in order
   * and xentab's first always works); `-machine accel=` and -enable-kvm: the last one wins;
   * mixing the two kinds is an error, as in QEMU.
   */
  accelFrom: 'accel' | 'machine' | null;
  /** Next index for -serial (QEMU creates chardev `serial<N>`). */
  serialCount: number;
  /** How many -monitor shorthands were given (chardev `compat_monitor<N>`). */
  monitorCount: number;
  debugconGiven: boolean;
  /** The option as typed that made each device, drive, chardev, file or monitor (for errors). */
  origin: WeakMap<object, string>;
  /** The -accel (or -machine accel=) as typed, for Xen mode errors. */
  accelWhere: string;
}

export function newParseState(cwd: string): ParseState {
  return {
    cwd,
    config: {
      configVersion: MACHINE_CONFIG_VERSION,
      name: null,
      machine: { type: 'pc' },
      accel: { type: 'tcg', xenVersion: null, kernelIrqchip: 'on', xenEvtchnMaxPirq: 256, xenGnttabMaxFrames: 64 },
      cpu: { model: 'qemu64', features: {}, properties: {} },
      smp: { cpus: 1, maxcpus: 1, sockets: 1, dies: 1, cores: 1, threads: 1 },
      memory: { bytes: DEFAULT_RAM_BYTES },
      boot: { kernel: null, append: '', initrd: null, modules: [] },
      drives: [],
      chardevs: [],
      devices: [],
      netdevs: [],
      monitors: [],
      display: 'none',
      icount: { shift: null, sleep: true },
      rtc: { base: 'utc', clock: 'host' },
      log: { items: [], file: null },
      trace: { patterns: [], file: null },
      noReboot: false,
      noShutdown: false,
      startPaused: false,
      nodefaults: false,
      run: { script: [], timeoutSeconds: null },
    },
    warnings: [],
    output: null,
    printConfig: false,
    defaultSerial: true,
    defaultMonitor: true,
    nographic: false,
    snapshotAll: false,
    accelFrom: null,
    serialCount: 0,
    monitorCount: 0,
    debugconGiven: false,
    origin: new WeakMap(),
    accelWhere: '',
  };
}

/** A file named by the option typed as `where` (kept for error messages). */
export function fileRef(state: ParseState, path: string, where: string): FileRef {
  const ref = { path, resolved: resolve(state.cwd, path) };
  state.origin.set(ref, where);
  return ref;
}

/** Remembers which option made `item` and returns it. */
export function madeBy<T extends object>(state: ParseState, item: T, where: string): T {
  state.origin.set(item, where);
  return item;
}

/** An OptsReader whose QEMU deprecation warnings go to the state's warnings. */
export function newReader(state: ParseState, where: string, value: string, impliedKey: string | null): OptsReader {
  const r = new OptsReader(where, value, impliedKey);
  for (const w of r.parsed.warnings) state.warnings.push(`${where}: warning: ${w}`);
  return r;
}

/** An id as QEMU accepts them (util/id.c id_wellformed): a letter, then letters, digits, `-._`. */
export function isWellFormedId(id: string): boolean {
  return /^[A-Za-z][A-Za-z0-9._-]*$/.test(id);
}
