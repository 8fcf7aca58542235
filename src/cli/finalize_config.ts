// After argv: QEMU's default devices, the devices -drive if=xen implies, and every check that
// needs the whole command line (cross-references, Xen mode, stdio sharing). Throws CliError.
import type { DeviceConfig, MachineConfig } from '../machine/config.ts';
import { xenEnabled } from '../machine/config.ts';
import { CliError } from './cli_error.ts';
import { scriptChardev } from './console_script.ts';
import { addSerial } from './opt_chardev.ts';
import { madeBy } from './parse_state.ts';
import type { ParseState } from './parse_state.ts';

export function finalizeConfig(s: ParseState): MachineConfig {
  addDefaultConsoles(s);
  const c = s.config;
  if (s.snapshotAll) for (const d of c.drives) d.snapshot = true;
  addXenDrives(s);
  assignVdevs(s);
  assignMacs(c);
  checkBoot(c);
  checkXen(s);
  checkReferences(s);
  checkStdio(s);
  if (c.run.script.length > 0 && scriptChardev(c) === null) {
    throw new CliError('', '--expect/--send need a console: add -chardev stdio,id=c0 -device xen-console,chardev=c0, or -serial stdio');
  }
  return c;
}

/** vl.c qemu_create_default_devices: what a plain QEMU gets on serial 0 and the monitor. */
function addDefaultConsoles(s: ParseState): void {
  const where = s.nographic ? '-nographic' : '(default devices)';
  if (s.nographic) {
    if (s.defaultSerial && s.defaultMonitor) {
      addSerial(s, 0, 'mon:stdio', where);
      return;
    }
    if (s.defaultSerial) addSerial(s, 0, 'stdio', where);
    if (s.defaultMonitor) addMonitor(s, 'stdio', where);
  } else {
    // QEMU's default is a graphical virtual console ("vc"); xentab's page shows it, the CLI discards it.
    if (s.defaultSerial) addSerial(s, 0, 'vc', where);
    if (s.defaultMonitor) addMonitor(s, 'vc', where);
  }
}

function addMonitor(s: ParseState, backend: 'stdio' | 'vc', where: string): void {
  const id = 'compat_monitor0';
  s.config.chardevs.push(madeBy(s, { id, backend, mux: false, signal: true, path: null, append: false }, where));
  s.config.monitors.push(madeBy(s, { chardev: id, mode: 'readline' as const }, where));
}

/** -drive if=xen makes a xen-disk for the drive (xen.rst: "will appear to the guest as xvda onwards"). */
function addXenDrives(s: ParseState): void {
  for (const d of s.config.drives) {
    if (d.interface !== 'xen') continue;
    s.config.devices.push(madeBy(s, { driver: 'xen-disk' as const, id: null, drive: d.id, vdev: `xvd${vdevLetters(d.index!)}` }, s.origin.get(d) ?? ''));
  }
}

/** 0 → a, 25 → z, 26 → aa (Linux's xvd naming). */
function vdevLetters(n: number): string {
  let s = '';
  n += 1;
  while (n > 0) {
    n -= 1;
    s = String.fromCharCode(97 + (n % 26)) + s;
    n = Math.floor(n / 26);
  }
  return s;
}

function assignVdevs(s: ParseState): void {
  const disks = s.config.devices.filter((d): d is Extract<DeviceConfig, { driver: 'xen-disk' }> => d.driver === 'xen-disk');
  const used = new Set<string>();
  for (const d of disks) {
    if (d.vdev === '') continue;
    if (used.has(d.vdev)) throw new CliError(s.origin.get(d) ?? '', `vdev '${d.vdev}' is already used by another xen-disk`);
    used.add(d.vdev);
  }
  for (const d of disks) {
    if (d.vdev !== '') continue;
    let n = 0;
    while (used.has(`xvd${vdevLetters(n)}`)) n++;
    d.vdev = `xvd${vdevLetters(n)}`;
    used.add(d.vdev);
  }
}

/** QEMU's qemu_macaddr_default_if_unset: 52:54:00:12:34:56, then :57, … per NIC without a mac. */
function assignMacs(c: MachineConfig): void {
  let n = 0;
  for (const d of c.devices) {
    if (d.driver !== 'xen-net-device' || d.mac !== '') continue;
    d.mac = `52:54:00:12:34:${(0x56 + n++).toString(16).padStart(2, '0')}`;
  }
}

function checkBoot(c: MachineConfig): void {
  if (c.boot.kernel === null) {
    if (c.boot.initrd !== null) throw new CliError('', '-initrd only allowed with -kernel option');
    if (c.boot.append !== '') throw new CliError('', '-append only allowed with -kernel option');
  }
}

function checkXen(s: ParseState): void {
  const c = s.config;
  if (xenEnabled(c) && c.accel.kernelIrqchip !== 'split') {
    throw new CliError(s.accelWhere, 'Xen support requires kernel-irqchip=split (as in QEMU: add kernel-irqchip=split to -accel kvm)');
  }
  if (xenEnabled(c)) return;
  for (const d of c.devices) {
    if (d.driver.startsWith('xen-')) {
      throw new CliError(s.origin.get(d) ?? '', `No 'xen-bus' bus found for device '${d.driver}' (Xen devices need -accel kvm,xen-version=0x40011,kernel-irqchip=split)`);
    }
  }
}

/** Every id a device or monitor names exists, and is used once unless it is a mux chardev. */
function checkReferences(s: ParseState): void {
  const c = s.config;
  const where = (item: object): string => s.origin.get(item) ?? '';
  const chardevUsers = new Map<string, string[]>();
  const useChardev = (item: object, id: string, role: string): void => {
    if (!c.chardevs.some((x) => x.id === id)) throw new CliError(where(item), `chardev '${id}' not found (define it with -chardev …,id=${id})`);
    const users = chardevUsers.get(id) ?? [];
    users.push(role);
    chardevUsers.set(id, users);
  };
  const driveUsers = new Set<string>();
  const netdevUsers = new Set<string>();
  for (const d of c.devices) {
    switch (d.driver) {
      case 'xen-console':
      case 'isa-serial':
      case 'isa-debugcon':
        useChardev(d, d.chardev, d.driver === 'isa-serial' ? `serial${d.index}` : d.driver);
        break;
      case 'xen-disk': {
        const drive = c.drives.find((x) => x.id === d.drive);
        if (!drive) throw new CliError(where(d), `drive '${d.drive}' not found (define it with -drive …,if=none,id=${d.drive})`);
        if (drive.interface === 'ide' || (drive.interface === 'xen' && s.origin.get(d) !== s.origin.get(drive))) {
          throw new CliError(where(d), `drive '${d.drive}' is already in use because it has been automatically connected to another device (did you need 'if=none' in the drive options?)`);
        }
        if (driveUsers.has(d.drive)) throw new CliError(where(d), `drive '${d.drive}' is already in use by another device`);
        driveUsers.add(d.drive);
        break;
      }
      case 'xen-net-device':
        if (!c.netdevs.some((n) => n.id === d.netdev)) throw new CliError(where(d), `netdev '${d.netdev}' not found (define it with -netdev user,id=${d.netdev})`);
        if (netdevUsers.has(d.netdev)) throw new CliError(where(d), `netdev '${d.netdev}' is already in use by another device`);
        netdevUsers.add(d.netdev);
        break;
      case 'isa-debug-exit':
      case 'pc-testdev':
        break;
    }
  }
  for (const m of c.monitors) useChardev(m, m.chardev, 'monitor');
  for (const [id, users] of chardevUsers) {
    const dev = c.chardevs.find((x) => x.id === id)!;
    if (users.length > 1 && !dev.mux) {
      throw new CliError(s.origin.get(dev) ?? '', `chardev '${id}' is used by ${users.join(' and ')}; add mux=on to share it`);
    }
  }
}

/** QEMU's char-stdio: "cannot use stdio by multiple character devices". */
function checkStdio(s: ParseState): void {
  const stdio = s.config.chardevs.filter((x) => x.backend === 'stdio');
  if (stdio.length > 1) {
    throw new CliError(s.origin.get(stdio[1]!) ?? '', `cannot use stdio by multiple character devices (already used by chardev '${stdio[0]!.id}')`);
  }
}
