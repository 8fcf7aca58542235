// Character devices and their front ends: -chardev, -serial, -debugcon, -mon, -monitor, and the
// display options that decide QEMU's defaults (-nographic, -display, -vga, -vnc).
// The legacy DEV syntax of -serial/-monitor/-debugcon (qemu-options.hx "-serial dev") creates a
// chardev named as QEMU names it: serial<N>, compat_monitor<N>, debugcon.
import type { ChardevConfig } from '../machine/config.ts';
import { CliError } from './cli_error.ts';
import { fileRef, isWellFormedId, madeBy, newReader } from './parse_state.ts';
import type { ParseState } from './parse_state.ts';
import type { OptsReader } from './qemu_opts.ts';

const BACKENDS = ['stdio', 'file', 'null'] as const;
const UNSUPPORTED_BACKENDS = [
  'socket', 'udp', 'msmouse', 'vc', 'ringbuf', 'memory', 'pipe', 'pty', 'serial', 'tty', 'parallel', 'parport',
  'spicevmc', 'spiceport', 'qemu-vdagent', 'dbus', 'braille', 'testdev', 'wctablet', 'console', 'hub',
];
/** ISA serial ports of the pc machine: COM1..COM4 (QEMU MAX_ISA_SERIAL_PORTS). */
export const SERIAL_PORTS = [
  { iobase: 0x3f8, irq: 4 },
  { iobase: 0x2f8, irq: 3 },
  { iobase: 0x3e8, irq: 4 },
  { iobase: 0x2e8, irq: 3 },
] as const;

function addChardev(s: ParseState, c: ChardevConfig, where: string): void {
  if (s.config.chardevs.some((x) => x.id === c.id)) throw new CliError(where, `duplicate ID '${c.id}' for chardev`);
  s.config.chardevs.push(madeBy(s, c, where));
}

export function optChardev(s: ParseState, value: string, where: string): void {
  const r: OptsReader = newReader(s, where, value, 'backend');
  if (r.helpWanted) {
    s.output = `Available chardev backend types:\n${BACKENDS.map((b) => `  ${b}\n`).join('')}`;
    return;
  }
  const backend = r.requireString('backend', 'the chardev backend');
  if (UNSUPPORTED_BACKENDS.includes(backend)) r.fail(`chardev backend '${backend}' is valid in QEMU but not supported yet by xentab (supported: ${BACKENDS.join(', ')})`);
  if (!(BACKENDS as readonly string[]).includes(backend)) r.fail(`'${backend}' is not a valid char driver name`);
  const id = r.requireString('id', "parameter 'id'");
  if (!isWellFormedId(id)) r.fail(`parameter 'id' expects an identifier, not '${id}'`);
  const mux = r.bool('mux', false);
  const signal = backend === 'stdio' ? r.bool('signal', true) : true;
  const path = backend === 'file' ? r.requireString('path', "parameter 'path' (the output file)") : null;
  const append = backend === 'file' ? r.bool('append', false) : false;
  r.done(['logfile', 'logappend', 'input-path']);
  addChardev(s, { id, backend: backend as ChardevConfig['backend'], mux, signal, path: path === null ? null : fileRef(s, path, where), append }, where);
}

/**
 * The legacy DEV syntax: `vc`, `stdio`, `null`, `file:PATH`, `mon:DEV`, `chardev:ID`, `none`.
 * Returns the chardev id to connect, or null for `none`; `mon:` also puts a monitor on it.
 */
function legacyChardev(s: ParseState, label: string, dev: string, where: string): string | null {
  if (dev === 'none') return null;
  if (dev.startsWith('chardev:')) return dev.slice('chardev:'.length);
  if (dev.startsWith('mon:')) {
    const id = legacyChardev(s, label, dev.slice(4), where);
    if (id === null) throw new CliError(where, "'mon:none' is not a character device");
    const c = s.config.chardevs.find((x) => x.id === id);
    if (c) c.mux = true;
    s.config.monitors.push(madeBy(s, { chardev: id, mode: 'readline' }, where));
    return id;
  }
  const make = (backend: ChardevConfig['backend'], path: ChardevConfig['path'] = null): ChardevConfig =>
    ({ id: label, backend, mux: false, signal: true, path, append: false });
  if (dev === 'stdio') addChardev(s, make('stdio'), where);
  else if (dev === 'null') addChardev(s, make('null'), where);
  else if (dev === 'vc' || dev.startsWith('vc:')) addChardev(s, make('vc'), where);
  else if (dev.startsWith('file:') && dev.length > 5) addChardev(s, make('file', fileRef(s, dev.slice(5), where)), where);
  else if (/^(pty|msmouse|braille|pipe:|tcp:|telnet:|websocket:|udp:|unix:|COM\d|\/dev\/)/.test(dev)) {
    throw new CliError(where, `character device '${dev}' is valid in QEMU but not supported yet by xentab (supported: stdio, null, vc, file:PATH, mon:DEV, chardev:ID, none)`);
  } else {
    throw new CliError(where, `'${dev}' is not a valid char driver`);
  }
  return label;
}

export function optSerial(s: ParseState, value: string, where: string): void {
  s.defaultSerial = false;
  if (value === 'none') return; // QEMU allocates no port for none
  const index = s.serialCount++;
  if (index >= SERIAL_PORTS.length) throw new CliError(where, `too many serial ports (at most ${SERIAL_PORTS.length})`);
  addSerial(s, index, value, where);
}

export function addSerial(s: ParseState, index: number, dev: string, where: string): void {
  const chardev = legacyChardev(s, `serial${index}`, dev, where);
  if (chardev === null) return;
  const port = SERIAL_PORTS[index]!;
  s.config.devices.push(madeBy(s, { driver: 'isa-serial', id: null, index, iobase: port.iobase, irq: port.irq, chardev }, where));
}

/** -debugcon DEV: QEMU's isa-debugcon at port 0xe9 (the Bochs/Xen "hvm debug" port). */
export function optDebugcon(s: ParseState, value: string, where: string): void {
  if (s.debugconGiven) throw new CliError(where, 'already have a debugcon device');
  s.debugconGiven = true;
  const chardev = legacyChardev(s, 'debugcon', value, where);
  if (chardev !== null) s.config.devices.push(madeBy(s, { driver: 'isa-debugcon', id: null, iobase: 0xe9, chardev }, where));
}

/** -mon [chardev=]name[,mode=readline|control][,pretty=on|off]. */
export function optMon(s: ParseState, value: string, where: string): void {
  s.defaultMonitor = false;
  const r: OptsReader = newReader(s, where, value, 'chardev');
  const chardev = r.requireString('chardev', "parameter 'chardev'");
  const mode = r.choice('mode', 'readline', ['readline', 'control'] as const);
  r.done(['pretty']);
  if (mode === 'control') r.fail('the QMP monitor (mode=control) is valid in QEMU but not supported yet by xentab');
  s.config.monitors.push(madeBy(s, { chardev, mode: 'readline' as const }, where));
}

export function optMonitor(s: ParseState, value: string, where: string): void {
  s.defaultMonitor = false;
  const label = `compat_monitor${s.monitorCount++}`;
  const id = legacyChardev(s, label, value.startsWith('mon:') ? value.slice(4) : value, where);
  if (id !== null) s.config.monitors.push(madeBy(s, { chardev: id, mode: 'readline' }, where));
}

export function optNographic(s: ParseState): void {
  s.nographic = true;
}

export function optDisplay(s: ParseState, value: string, where: string): void {
  const r: OptsReader = newReader(s, where, value, 'type');
  if (r.helpWanted) {
    s.output = 'Available display backend types:\nnone\n';
    return;
  }
  const type = r.requireString('type', 'the display type');
  if (type !== 'none') {
    if (['gtk', 'sdl', 'curses', 'vnc', 'egl-headless', 'dbus', 'spice-app', 'cocoa', 'default'].includes(type)) {
      r.fail(`display '${type}' is valid in QEMU but not supported by xentab (only none; the page is xentab's display)`);
    }
    r.fail(`invalid display type '${type}'`);
  }
  r.done();
}

/** -vga none and -vnc none are accepted (test runners pass them); xentab has no framebuffer yet. */
export function optOnlyNone(what: string) {
  return (_s: ParseState, value: string, where: string): void => {
    if (value !== 'none') throw new CliError(where, `${what} '${value}' is valid in QEMU but not supported yet by xentab (only none)`);
  };
}
