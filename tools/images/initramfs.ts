// Builds the demo initramfs with our own cpio writer: static busybox and its applet links, /init, a few
// /etc files, the device nodes the kernel needs before devtmpfs is mounted, and the Xen PV driver modules.
import { spawnSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { encodeCpioNewc, type CpioEntry } from '../../src/storage/cpio_newc.ts';
import { ETC_FILES, initScript } from './init_script.ts';

export interface InitramfsInputs {
  busybox: Uint8Array;
  /** Applet paths as `busybox --list-full` prints them (usr/bin/[, sbin/insmod, …). */
  applets: readonly string[];
  /** Modules in load order, as file names (xen-blkfront.ko) with their plain ELF bytes. */
  modules: readonly { file: string; elf: Uint8Array }[];
}

const DIRS: Readonly<Record<string, number>> = {
  bin: 0o755,
  dev: 0o755,
  etc: 0o755,
  lib: 0o755,
  'lib/modules': 0o755,
  mnt: 0o755,
  proc: 0o555,
  root: 0o700,
  run: 0o755,
  sbin: 0o755,
  sys: 0o555,
  tmp: 0o1777,
  usr: 0o755,
  'usr/bin': 0o755,
  'usr/sbin': 0o755,
};

/** Nodes the kernel and /init use before devtmpfs replaces /dev (Linux Documentation/admin-guide/devices.txt). */
const DEVICES: readonly { name: string; major: number; minor: number; perm: number }[] = [
  { name: 'dev/console', major: 5, minor: 1, perm: 0o600 },
  { name: 'dev/hvc0', major: 229, minor: 0, perm: 0o600 },
  { name: 'dev/null', major: 1, minor: 3, perm: 0o666 },
  { name: 'dev/tty', major: 5, minor: 0, perm: 0o666 },
];

const text = (s: string) => new TextEncoder().encode(s);

/** The archive's members, sorted by name (so every directory precedes its contents). */
export function initramfsEntries(inputs: InitramfsInputs): CpioEntry[] {
  const entries: CpioEntry[] = [];
  for (const [name, perm] of Object.entries(DIRS)) entries.push({ kind: 'dir', name, perm });
  for (const d of DEVICES) entries.push({ kind: 'char', ...d });
  entries.push({ kind: 'file', name: 'bin/busybox', perm: 0o755, data: inputs.busybox });
  const moduleNames = inputs.modules.map((m) => m.file.replace(/\.ko$/, ''));
  entries.push({ kind: 'file', name: 'init', perm: 0o755, data: text(initScript(moduleNames)) });
  for (const [name, body] of Object.entries(ETC_FILES)) entries.push({ kind: 'file', name, perm: 0o644, data: text(body) });
  for (const m of inputs.modules) entries.push({ kind: 'file', name: `lib/modules/${m.file}`, perm: 0o644, data: m.elf });
  const taken = new Set(entries.map((e) => e.name));
  for (const applet of inputs.applets) {
    const dir = applet.slice(0, applet.lastIndexOf('/'));
    if (!(dir in DIRS) || taken.has(applet)) continue; // e.g. "linuxrc" at the root, or bin/busybox itself
    taken.add(applet);
    entries.push({ kind: 'symlink', name: applet, target: '/bin/busybox' });
  }
  return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The uncompressed newc archive. */
export function buildInitramfsCpio(inputs: InitramfsInputs): Uint8Array {
  return encodeCpioNewc(initramfsEntries(inputs));
}

/** gzip (Linux's CONFIG_RD_GZIP; every Debian kernel has it). Deterministic: zlib writes mtime 0. */
export function compressInitramfs(cpio: Uint8Array): Uint8Array {
  return gzipSync(cpio, { level: 9 });
}

/**
 * The applets of a busybox binary, asked from the binary itself (`busybox --list-full`). Empty when it
 * cannot run on this host; /init then installs the links at boot with `busybox --install -s`.
 */
export function listApplets(busyboxPath: string): string[] {
  const r = spawnSync(busyboxPath, ['--list-full'], { encoding: 'utf8' });
  if (r.status !== 0) return [];
  return r.stdout.split('\n').filter((l) => /^[\w/.[\]-]+$/.test(l) && l.includes('/'));
}
