// Runs a config without a page: loads every file it names, connects the stdio chardev to the
// process's stdin/stdout, runs the --expect/--send/--timeout script on the console, and
// returns the exit status. The machine is assembled by a MachineFactory (by default
// src/cli/machine_factory.ts); a config it cannot build yet (today: Xen guests, disks) is
// described on stderr with the reason, and runHeadless returns status 3.
import { closeSync, fstatSync, openSync, readFileSync, writeSync } from 'node:fs';
import type { MachineConfig } from '../machine/config.ts';
import { xenEnabled } from '../machine/config.ts';
import { EXIT_NOT_IMPLEMENTED, EXIT_OK, EXIT_TIMEOUT, EXIT_USAGE } from './cli_error.ts';
import { runConsoleScript, scriptChardev } from './console_script.ts';
import { MUX_HELP, MuxEscape } from './mux_escape.ts';
import type { ConsolePort } from './console_script.ts';
import { createMachine, UnsupportedMachine } from './machine_factory.ts';
import { formatSize } from './qemu_opts.ts';

/** Everything the config names, read or opened before the machine starts. */
export interface LoadedImages {
  kernel: Uint8Array | null;
  modules: Uint8Array[];
  /** Open file descriptors of the drive images, by drive id, with their sizes in bytes. */
  drives: Map<string, { fd: number; bytes: number; writable: boolean }>;
}

/** The machine as the headless host drives it (to be implemented by the machine assembler). */
export interface HeadlessMachine {
  /** Bytes a device front end (xen-console, serial, debugcon, monitor) writes to a chardev. */
  onChardevOutput(listener: (chardevId: string, bytes: Uint8Array) => void): void;
  /** Bytes typed into a chardev (stdin, or --send). */
  chardevInput(chardevId: string, bytes: Uint8Array): void;
  /** Runs until the guest stops the machine; resolves with the process exit status. */
  run(): Promise<number>;
  stop(): void;
}

/** May throw UnsupportedMachine (exit 3) for a config it cannot build yet. */
export type MachineFactory = (config: MachineConfig, images: LoadedImages, log: (text: string) => void) => Promise<HeadlessMachine> | HeadlessMachine;

export interface HostIo {
  stdout: { write(chunk: Uint8Array | string): unknown };
  stderr: { write(chunk: string): unknown };
  /** process.stdin, or any readable stream; the TTY members exist only on a terminal. */
  stdin: (NodeJS.ReadableStream & { isTTY?: boolean; isRaw?: boolean; setRawMode?: (raw: boolean) => unknown }) | null;
}

export class LoadError extends Error {}

export function loadImages(config: MachineConfig): LoadedImages {
  const read = (what: string, path: string, resolved: string): Uint8Array => {
    try {
      return new Uint8Array(readFileSync(resolved));
    } catch (e) {
      throw new LoadError(`cannot read ${what} '${path}': ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
  };
  const images: LoadedImages = { kernel: null, modules: [], drives: new Map() };
  try {
    if (config.boot.kernel) images.kernel = read('kernel', config.boot.kernel.path, config.boot.kernel.resolved);
    for (const m of config.boot.modules) images.modules.push(read('module', m.file.path, m.file.resolved));
    for (const d of config.drives) {
      if (!d.file) continue;
      const writable = !d.readOnly && !d.snapshot;
      let fd: number;
      try {
        fd = openSync(d.file.resolved, writable ? 'r+' : 'r');
      } catch (e) {
        throw new LoadError(`cannot open disk image '${d.file.path}': ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
      }
      images.drives.set(d.id, { fd, bytes: fstatSync(fd).size, writable });
    }
  } catch (e) {
    closeImages(images);
    throw e;
  }
  return images;
}

export function closeImages(images: LoadedImages): void {
  for (const d of images.drives.values()) closeSync(d.fd);
  images.drives.clear();
}

/** One paragraph on stderr: what this config would boot. */
export function describeMachine(config: MachineConfig, images: LoadedImages): string {
  const lines: string[] = [];
  const k = config.boot.kernel;
  lines.push(k ? `kernel ${k.path} (${formatSize(images.kernel?.length ?? 0)}), command line '${config.boot.append}'` : 'no -kernel (xentab boots only direct kernels: PVH, multiboot)');
  config.boot.modules.forEach((m, n) => {
    lines.push(`module ${n}: ${m.file.path} (${formatSize(images.modules[n]?.length ?? 0)})${m.cmdline ? ` '${m.cmdline}'` : ''}`);
  });
  const v = config.accel.xenVersion;
  lines.push(v !== null ? `Xen ${v >>> 16}.${v & 0xffff} HVM guest interface` : 'no Xen interface (plain PC)');
  lines.push(`${config.smp.cpus} vCPU(s), ${formatSize(config.memory.bytes)} RAM, CPU model ${config.cpu.model}`);
  for (const d of config.devices) {
    const chardev = 'chardev' in d ? config.chardevs.find((c) => c.id === d.chardev) : undefined;
    if (d.driver === 'xen-disk') {
      const drive = config.drives.find((x) => x.id === d.drive);
      lines.push(`${d.driver} ${d.vdev} = ${drive?.file?.path ?? '(empty)'} (${formatSize(images.drives.get(d.drive)?.bytes ?? 0)})`);
    } else if (chardev) {
      lines.push(`${d.driver} on chardev '${chardev.id}' (${chardev.backend})`);
    } else {
      lines.push(d.driver);
    }
  }
  return lines.map((l) => `xentab:   ${l}\n`).join('');
}

export async function runHeadless(config: MachineConfig, io: HostIo, factory: MachineFactory = createMachine): Promise<number> {
  let images: LoadedImages;
  try {
    images = loadImages(config);
  } catch (e) {
    if (e instanceof LoadError) {
      io.stderr.write(`xentab: ${e.message}\n`);
      return EXIT_USAGE;
    }
    throw e;
  }
  try {
    let machine: HeadlessMachine;
    try {
      machine = await factory(config, images, (text) => io.stderr.write(text));
    } catch (e) {
      if (!(e instanceof UnsupportedMachine)) throw e;
      io.stderr.write(`xentab: would boot${xenEnabled(config) ? ' a Xen guest' : ''}:\n${describeMachine(config, images)}`);
      io.stderr.write(`xentab: not run: ${e.message}.\n`);
      return EXIT_NOT_IMPLEMENTED;
    }
    return await runMachine(config, io, machine);
  } finally {
    closeImages(images);
  }
}

/** Bytes from stdin for the stdio chardev: through the mux escapes when it is a mux. */
function stdinHandler(
  config: MachineConfig,
  io: HostIo,
  machine: HeadlessMachine,
  stdioId: string,
  exit: (status: number) => void,
): (chunk: Buffer) => void {
  const chardev = config.chardevs.find((c) => c.id === stdioId)!;
  const mux = chardev.mux ? new MuxEscape() : null;
  return (chunk) => {
    const data = new Uint8Array(chunk);
    // In raw mode Ctrl-C arrives as a byte; with signal=on it ends xentab as SIGINT ends QEMU.
    if (chardev.signal && io.stdin?.isRaw === true && data.includes(0x03)) {
      io.stderr.write('xentab: terminating on Ctrl-C\n');
      exit(EXIT_OK);
      return;
    }
    if (mux === null) {
      machine.chardevInput(stdioId, data);
      return;
    }
    for (const e of mux.feed(data)) {
      if (e.kind === 'data') machine.chardevInput(stdioId, e.bytes);
      else if (e.kind === 'help') io.stdout.write(MUX_HELP);
      else if (e.kind === 'switch') io.stderr.write('xentab: the monitor is not implemented yet\n');
      else {
        io.stderr.write('xentab: terminated (C-a x)\n');
        exit(EXIT_OK);
      }
    }
  };
}

async function runMachine(config: MachineConfig, io: HostIo, machine: HeadlessMachine): Promise<number> {
  const consoleId = scriptChardev(config);
  const stdioId = config.chardevs.find((c) => c.backend === 'stdio')?.id ?? null;
  const files = new Map<string, number>();
  for (const c of config.chardevs) {
    if (c.backend === 'file' && c.path) files.set(c.id, openSync(c.path.resolved, c.append ? 'a' : 'w'));
  }
  const listeners: Array<(chunk: Uint8Array) => void> = [];
  machine.onChardevOutput((id, bytes) => {
    if (id === stdioId) io.stdout.write(bytes);
    const fd = files.get(id);
    if (fd !== undefined) writeSync(fd, bytes);
    if (id === consoleId) for (const l of listeners) l(bytes);
  });
  let resolveExit: (status: number) => void = () => undefined;
  const hostExit = new Promise<{ reason: 'exit'; status: number }>((resolve) => (resolveExit = (status) => resolve({ reason: 'exit', status })));
  const onStdin = stdioId === null ? null : stdinHandler(config, io, machine, stdioId, (status) => resolveExit(status));
  const raw = io.stdin?.isTTY === true ? io.stdin.setRawMode : undefined;
  if (onStdin && io.stdin) {
    raw?.call(io.stdin, true);
    io.stdin.on('data', onStdin);
  }
  const port: ConsolePort = {
    onOutput: (l) => listeners.push(l),
    input: (bytes) => {
      if (consoleId !== null) machine.chardevInput(consoleId, bytes);
    },
  };
  const script = runConsoleScript(port, config.run.script, config.run.timeoutSeconds);
  try {
    const guestExit = machine.run().then((status) => ({ reason: 'exit' as const, status }));
    const end = await Promise.race([guestExit, hostExit, script.done]);
    if (end.reason === 'exit') {
      machine.stop();
      return end.status;
    }
    machine.stop();
    if (end.reason === 'matched') return EXIT_OK;
    const waiting = end.waitingFor === null ? '' : ` waiting for '${end.waitingFor}'`;
    io.stderr.write(`xentab: --timeout ${config.run.timeoutSeconds}: timed out${waiting}\n`);
    return EXIT_TIMEOUT;
  } finally {
    script.cancel();
    if (onStdin && io.stdin) {
      io.stdin.off('data', onStdin);
      io.stdin.pause();
      raw?.call(io.stdin, false);
    }
    for (const fd of files.values()) closeSync(fd);
  }
}
