// The option table: one row per option. Each option is written `-name` or `--name` (QEMU's
// lookup_opt skips one extra dash). As in QEMU, the value is always the NEXT argument:
// `-m 1G` and `--m 1G` work, `-m=1G` / `--m=1G` do not (QEMU says "invalid option").
// A row whose `apply` is null is a valid QEMU option that xentab does not support yet: it is
// refused by name instead of being ignored.
import type { ParseState } from './parse_state.ts';
import { optAppend, optInitrd, optKernel } from './opt_boot.ts';
import { optChardev, optDebugcon, optDisplay, optMon, optMonitor, optNographic, optOnlyNone, optSerial } from './opt_chardev.ts';
import { optIcount, optLog, optLogFile, optTrace } from './opt_debug.ts';
import { optDevice, optGlobal, optNetdev } from './opt_device.ts';
import { optDrive, optSnapshot } from './opt_drive.ts';
import { optAccel, optCpu, optEnableKvm, optMachine, optMemory, optName, optRtc, optSmp } from './opt_machine.ts';
import { optExpect, optSend, optTimeout } from './opt_xentab.ts';

export type OptionGroup = 'standard' | 'boot' | 'block' | 'chardev' | 'display' | 'xen' | 'debug' | 'xentab';

export const GROUP_TITLES: Record<OptionGroup, string> = {
  standard: 'Standard options',
  boot: 'Boot options (direct kernel boot: PVH, multiboot)',
  block: 'Block and device options',
  chardev: 'Character device options',
  display: 'Display options',
  xen: 'Xen options',
  debug: 'Debug and time options',
  xentab: 'xentab options (for scripts and tests)',
};

export interface OptionRow {
  /** Names without dashes; the first is used in help. */
  names: string[];
  /** Metavariable shown in help when the option takes a value, else null. */
  arg: string | null;
  group: OptionGroup;
  help: string;
  apply: ((s: ParseState, value: string, where: string) => void) | null;
}

const flag = (f: (s: ParseState) => void) => (s: ParseState): void => f(s);

export const OPTIONS: OptionRow[] = [
  { names: ['h', 'help'], arg: null, group: 'standard', help: 'display this help and exit', apply: flag((s) => (s.output = 'help')) },
  { names: ['version'], arg: null, group: 'standard', help: 'display version information and exit', apply: flag((s) => (s.output = 'version')) },
  { names: ['machine', 'M'], arg: '[type=]pc[,accel=kvm|tcg][,kernel-irqchip=on|off|split]', group: 'standard', help: "select the emulated machine ('-machine help' for a list)", apply: optMachine },
  { names: ['accel'], arg: 'kvm|tcg[,prop=value[,...]]', group: 'standard', help: "select the accelerator ('-accel help'); the Xen properties are under Xen options", apply: optAccel },
  { names: ['enable-kvm'], arg: null, group: 'standard', help: 'same as -accel kvm', apply: flag(optEnableKvm) },
  { names: ['cpu'], arg: 'model[,+feature|-feature|feature=value...]', group: 'standard', help: "select the CPU model and features ('-cpu help')", apply: optCpu },
  { names: ['smp'], arg: '[cpus=]n[,maxcpus=n][,sockets=n][,dies=n][,cores=n][,threads=n]', group: 'standard', help: 'set the number of CPUs and their topology', apply: optSmp },
  { names: ['m'], arg: '[size=]megs', group: 'standard', help: 'RAM size: MiB without a suffix, or with a K, M, G or T suffix (default 128M)', apply: optMemory },
  { names: ['name'], arg: 'string', group: 'standard', help: 'set the name of the guest', apply: optName },
  { names: ['rtc'], arg: '[base=utc|localtime|date][,clock=host|rt|vm]', group: 'standard', help: 'set the RTC and Xen wallclock base; clock=vm keeps it on virtual time', apply: optRtc },
  { names: ['nodefaults'], arg: null, group: 'standard', help: 'create no default devices (no default serial port or monitor)', apply: flag((s) => { s.config.nodefaults = true; s.defaultSerial = false; s.defaultMonitor = false; }) },
  { names: ['no-user-config'], arg: null, group: 'standard', help: 'accepted for QEMU compatibility: xentab reads no user config files', apply: flag(() => undefined) },
  { names: ['no-hpet'], arg: null, group: 'standard', help: 'no HPET (as -machine hpet=off)', apply: flag((s) => (s.config.machine.hpet = false)) },
  { names: ['no-reboot'], arg: null, group: 'standard', help: 'exit instead of rebooting', apply: flag((s) => (s.config.noReboot = true)) },
  { names: ['no-shutdown'], arg: null, group: 'standard', help: 'stop (do not exit) when the guest powers off', apply: flag((s) => (s.config.noShutdown = true)) },
  { names: ['S'], arg: null, group: 'standard', help: 'do not start the CPU at startup', apply: flag((s) => (s.config.startPaused = true)) },

  { names: ['kernel'], arg: 'file', group: 'boot', help: 'boot this kernel directly: PVH (Xen ELF note) or multiboot; for the PV shim, the Xen image', apply: optKernel },
  { names: ['append'], arg: 'cmdline', group: 'boot', help: "kernel command line; for the PV shim 'xen options -- guest options'", apply: optAppend },
  { names: ['initrd'], arg: 'file | "file1 arg=foo,file2"', group: 'boot', help: 'initial ram disk, or for multiboot/PVH a module list (a literal comma is written ,,)', apply: optInitrd },
  { names: ['bios'], arg: 'file', group: 'boot', help: 'firmware image', apply: null },
  { names: ['boot'], arg: 'order', group: 'boot', help: 'boot order', apply: null },
  { names: ['dtb'], arg: 'file', group: 'boot', help: 'device tree blob', apply: null },
  { names: ['pflash'], arg: 'file', group: 'boot', help: 'parallel flash image', apply: null },

  { names: ['drive'], arg: 'file=PATH[,if=xen|ide|none][,id=ID][,index=N][,media=disk|cdrom][,format=raw][,readonly=on][,snapshot=on][,file.locking=off]', group: 'block', help: 'a disk image; if=xen appears to the guest as xvda onwards', apply: optDrive },
  { names: ['snapshot'], arg: null, group: 'block', help: 'write to temporary overlays instead of the disk images', apply: flag(optSnapshot) },
  { names: ['device'], arg: 'driver[,prop=value[,...]]', group: 'block', help: "add a device: xen-console, xen-disk, xen-net-device, isa-debug-exit, pc-testdev ('-device help')", apply: optDevice },
  { names: ['netdev'], arg: 'user,id=ID', group: 'block', help: 'a network backend for xen-net-device', apply: optNetdev },
  { names: ['hda'], arg: 'file', group: 'block', help: 'IDE disk 0', apply: null },
  { names: ['hdb'], arg: 'file', group: 'block', help: 'IDE disk 1', apply: null },
  { names: ['hdc'], arg: 'file', group: 'block', help: 'IDE disk 2', apply: null },
  { names: ['hdd'], arg: 'file', group: 'block', help: 'IDE disk 3', apply: null },
  { names: ['cdrom'], arg: 'file', group: 'block', help: 'CD-ROM image', apply: null },
  { names: ['fda'], arg: 'file', group: 'block', help: 'floppy image', apply: null },
  { names: ['blockdev'], arg: 'options', group: 'block', help: 'block node', apply: null },
  { names: ['nic'], arg: 'options', group: 'block', help: 'NIC shorthand', apply: null },
  { names: ['net'], arg: 'options', group: 'block', help: 'legacy networking', apply: null },
  { names: ['object'], arg: 'options', group: 'block', help: 'user-creatable object', apply: null },
  { names: ['global'], arg: 'driver.prop=value', group: 'block', help: 'default device property (only kvm-pit.*, which TCG never creates)', apply: optGlobal },
  { names: ['usb'], arg: null, group: 'block', help: 'USB controller', apply: null },
  { names: ['usbdevice'], arg: 'name', group: 'block', help: 'USB device', apply: null },
  { names: ['numa'], arg: 'options', group: 'block', help: 'NUMA node', apply: null },
  { names: ['fw_cfg'], arg: 'options', group: 'block', help: 'fw_cfg item', apply: null },
  { names: ['smbios'], arg: 'options', group: 'block', help: 'SMBIOS entry', apply: null },
  { names: ['acpitable'], arg: 'options', group: 'block', help: 'ACPI table', apply: null },

  { names: ['chardev'], arg: 'stdio|file|null,id=ID[,mux=on|off][,signal=on|off][,path=FILE]', group: 'chardev', help: 'a character device backend', apply: optChardev },
  { names: ['serial'], arg: 'stdio|null|vc|file:PATH|mon:DEV|chardev:ID|none', group: 'chardev', help: 'connect the next serial port (COM1..COM4)', apply: optSerial },
  { names: ['debugcon'], arg: 'DEV', group: 'chardev', help: 'connect the 0xe9 debug console port (same DEV syntax as -serial)', apply: optDebugcon },
  { names: ['mon'], arg: '[chardev=]ID[,mode=readline]', group: 'chardev', help: 'put the monitor on a chardev (with mux=on: C-a c switches, C-a x exits)', apply: optMon },
  { names: ['monitor'], arg: 'DEV', group: 'chardev', help: 'put the monitor on DEV (same syntax as -serial)', apply: optMonitor },
  { names: ['parallel'], arg: 'DEV', group: 'chardev', help: 'parallel port', apply: null },
  { names: ['qmp'], arg: 'DEV', group: 'chardev', help: 'QMP monitor', apply: null },
  { names: ['gdb'], arg: 'DEV', group: 'chardev', help: 'gdb stub', apply: null },
  { names: ['s'], arg: null, group: 'chardev', help: 'gdb stub on tcp::1234', apply: null },

  { names: ['display'], arg: 'none', group: 'display', help: 'xentab runs headless from the command line; the page is its display', apply: optDisplay },
  { names: ['nographic'], arg: null, group: 'display', help: 'no display; unless -serial/-monitor/-nodefaults, serial port and monitor share stdio (C-a h for help)', apply: flag(optNographic) },
  { names: ['vga'], arg: 'none', group: 'display', help: 'accepted as none only', apply: optOnlyNone('VGA type') },
  { names: ['vnc'], arg: 'none', group: 'display', help: 'accepted as none only', apply: optOnlyNone('VNC display') },
  { names: ['sdl'], arg: null, group: 'display', help: 'SDL display', apply: null },
  { names: ['curses'], arg: null, group: 'display', help: 'curses display', apply: null },
  { names: ['spice'], arg: 'options', group: 'display', help: 'SPICE', apply: null },
  { names: ['full-screen'], arg: null, group: 'display', help: 'full screen', apply: null },
  { names: ['audiodev'], arg: 'options', group: 'display', help: 'audio backend', apply: null },

  { names: ['d'], arg: 'item1[,...]', group: 'debug', help: "log items ('-d help'); trace:PATTERN enables trace events", apply: optLog },
  { names: ['D'], arg: 'logfile', group: 'debug', help: 'write the -d log to logfile instead of stderr', apply: optLogFile },
  { names: ['trace'], arg: "[enable=]PATTERN[,events=FILE][,file=FILE]", group: 'debug', help: "print trace events matching PATTERN, e.g. -trace 'xen_*'", apply: optTrace },
  { names: ['icount'], arg: '[shift=]N[,sleep=on|off]', group: 'debug', help: 'one instruction every 2^N ns of virtual time (N = 0..10)', apply: optIcount },
  { names: ['loadvm'], arg: 'tag', group: 'debug', help: 'load a snapshot', apply: null },
  { names: ['incoming'], arg: 'uri', group: 'debug', help: 'incoming migration', apply: null },
  { names: ['daemonize'], arg: null, group: 'debug', help: 'daemonize', apply: null },
  { names: ['pidfile'], arg: 'file', group: 'debug', help: 'PID file', apply: null },
  { names: ['L'], arg: 'path', group: 'debug', help: 'firmware search path', apply: null },
  { names: ['k'], arg: 'language', group: 'debug', help: 'keyboard layout', apply: null },
  { names: ['watchdog-action'], arg: 'action', group: 'debug', help: 'watchdog action', apply: null },
  { names: ['action'], arg: 'event=action', group: 'debug', help: 'event actions', apply: null },
  { names: ['overcommit'], arg: 'options', group: 'debug', help: 'overcommit', apply: null },
  { names: ['mem-path'], arg: 'path', group: 'debug', help: 'hugepage memory', apply: null },
  { names: ['mem-prealloc'], arg: null, group: 'debug', help: 'preallocate memory', apply: null },
  { names: ['uuid'], arg: 'uuid', group: 'debug', help: 'system UUID', apply: null },
  { names: ['sandbox'], arg: 'options', group: 'debug', help: 'seccomp sandbox', apply: null },
  { names: ['msg'], arg: 'options', group: 'debug', help: 'message format', apply: null },
  { names: ['run-with'], arg: 'options', group: 'debug', help: 'process settings', apply: null },
  { names: ['semihosting'], arg: null, group: 'debug', help: 'semihosting', apply: null },
  { names: ['readconfig'], arg: 'file', group: 'debug', help: 'read a config file', apply: null },
  { names: ['plugin'], arg: 'file', group: 'debug', help: 'TCG plugin', apply: null },

  { names: ['expect'], arg: 'TEXT', group: 'xentab', help: 'exit 0 as soon as the console output contains TEXT (escapes \\n \\r \\t \\e \\\\ \\xHH)', apply: optExpect },
  { names: ['send'], arg: 'TEXT', group: 'xentab', help: 'type TEXT into the console once the previous --expect matched (or at start)', apply: optSend },
  { names: ['timeout'], arg: 'SECONDS', group: 'xentab', help: 'exit with status 124 when SECONDS of wall time have passed', apply: optTimeout },
  { names: ['print-config'], arg: null, group: 'xentab', help: 'print the machine config as JSON and exit', apply: flag((s) => (s.printConfig = true)) },
];

const BY_NAME = new Map<string, OptionRow>();
for (const row of OPTIONS) for (const n of row.names) BY_NAME.set(n, row);

/** `-name` or `--name` → its row; anything else (including `-name=value`) → undefined. */
export function lookupOption(arg: string): OptionRow | undefined {
  if (!arg.startsWith('-')) return undefined;
  const name = arg.startsWith('--') ? arg.slice(2) : arg.slice(1);
  return BY_NAME.get(name);
}
