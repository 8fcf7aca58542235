// -machine, -accel, -enable-kvm, -cpu, -smp, -m, -name, -rtc: the machine's shape.
import { MAX_RAM_BYTES } from '../machine/config.ts';
import type { AccelConfig } from '../machine/config.ts';
import { CliError } from './cli_error.ts';
import { formatSize, parseBool, parseSize, parseUint, readOptValue } from './qemu_opts.ts';
import { newReader } from './parse_state.ts';
import type { ParseState } from './parse_state.ts';
import type { OptsReader } from './qemu_opts.ts';

const MACHINE_TYPES = ['pc'] as const;
/** Valid QEMU x86 machines that xentab does not build (yet). */
const UNSUPPORTED_MACHINES = ['q35', 'microvm', 'isapc', 'none', 'x-remote', 'xenfv', 'xenpv'];
/** xentab runs one CPU model of its own; these QEMU names all select it. */
export const CPU_MODELS = ['host', 'max', 'qemu64', 'qemu32', 'kvm64', 'kvm32', 'base'] as const;
const MAX_CPUS = 255;

export function optMachine(s: ParseState, value: string, where: string): void {
  const r: OptsReader = newReader(s, where, value, 'type');
  if (r.helpWanted) {
    s.output = 'Supported machines are:\npc                   Standard PC (i440FX + PIIX, 1996) (default)\n';
    return;
  }
  const type = r.string('type');
  if (type !== undefined) setMachineType(r, type);
  const accel = r.string('accel');
  if (accel !== undefined) {
    // Legacy `-machine accel=kvm:tcg`: the first one listed.
    const first = accel.split(':')[0]!;
    if (first !== 'kvm' && first !== 'tcg') r.fail(`accelerator '${first}' is not supported by xentab (kvm, tcg)`);
    setMachineAccel(s, first, where);
  }
  const irqchip = r.string('kernel-irqchip');
  if (irqchip !== undefined) s.config.accel.kernelIrqchip = parseIrqchip(r, irqchip);
  if (r.string('hpet') !== undefined) s.config.machine.hpet = r.bool('hpet', true);
  r.done(['smm', 'vmport', 'hpet', 'usb', 'graphics', 'memory-backend', 'dump-guest-core', 'mem-merge', 'nvdimm', 'pic', 'pit', 'sata', 'acpi', 'smbus', 'i8042']);
}

function setMachineType(r: OptsReader, type: string): void {
  // Versioned pc machines (pc-i440fx-9.2) are the same board for xentab.
  if (type === 'pc' || /^pc-i440fx-[0-9.]+$/.test(type)) return;
  if (UNSUPPORTED_MACHINES.includes(type) || type.startsWith('pc-q35')) {
    r.fail(`machine type '${type}' is valid in QEMU but not supported yet by xentab (supported: ${MACHINE_TYPES.join(', ')})`);
  }
  r.fail(`unknown machine type '${type}' (use -machine help to list)`);
}

function parseIrqchip(r: OptsReader, v: string): 'on' | 'off' | 'split' {
  if (v === 'split') return 'split';
  const b = parseBool(v);
  if (b === null) r.fail(`parameter 'kernel-irqchip' expects 'on', 'off' or 'split', not '${v}'`);
  return b ? 'on' : 'off';
}

export function optAccel(s: ParseState, value: string, where: string): void {
  const r: OptsReader = newReader(s, where, value, 'accel');
  if (r.helpWanted) {
    s.output = 'Accelerators supported in xentab (both run xentab\'s own CPU; kvm has the Xen properties):\nkvm\ntcg\n';
    return;
  }
  const type = r.requireString('accel', 'the accelerator name');
  if (type !== 'kvm' && type !== 'tcg') {
    if (['xen', 'hvf', 'whpx', 'nvmm', 'qtest'].includes(type)) r.fail(`accelerator '${type}' is valid in QEMU but not supported by xentab (kvm, tcg)`);
    r.fail(`invalid accelerator '${type}'`);
  }
  // QEMU defines the Xen properties on the kvm accelerator only.
  const xenKeys = ['xen-version', 'xen-evtchn-max-pirq', 'xen-gnttab-max-frames'];
  for (const k of xenKeys) {
    if (type === 'tcg' && r.has(k)) r.fail(`property 'tcg-accel.${k}' not found (the Xen properties belong to -accel kvm)`);
  }
  const accel: AccelConfig = { ...s.config.accel, type };
  if (type === 'kvm') {
    const xv = r.string('xen-version');
    if (xv !== undefined) {
      const n = parseUint(xv);
      if (n === null || n > 0xffffffff) r.fail(`parameter 'xen-version' expects a 32-bit number such as 0x40011 (Xen 4.17), not '${xv}'`);
      accel.xenVersion = n === 0 ? null : n;
    }
    accel.xenEvtchnMaxPirq = r.uint('xen-evtchn-max-pirq', accel.xenEvtchnMaxPirq, 1, 0xffff);
    accel.xenGnttabMaxFrames = r.uint('xen-gnttab-max-frames', accel.xenGnttabMaxFrames, 1, 65536);
  }
  const irqchip = r.string('kernel-irqchip');
  if (irqchip !== undefined) accel.kernelIrqchip = parseIrqchip(r, irqchip);
  r.string('thread'); // tcg's thread=single|multi: xentab has one thread per machine either way
  r.done(['dirty-ring-size', 'eager-split-size', 'notify-vmexit', 'notify-window', 'tb-size', 'split-wx', 'one-insn-per-tb']);
  if (s.accelFrom === 'machine') r.fail(INCOMPATIBLE_ACCEL);
  if (s.accelFrom === null) {
    s.config.accel = accel;
    s.accelFrom = 'accel';
    s.accelWhere = where;
  }
}

const INCOMPATIBLE_ACCEL = 'the -accel and "-machine accel=" (or -enable-kvm) options are incompatible, as in QEMU';

function setMachineAccel(s: ParseState, type: 'kvm' | 'tcg', where: string): void {
  if (s.accelFrom === 'accel') throw new CliError(where, INCOMPATIBLE_ACCEL);
  s.config.accel.type = type;
  s.accelFrom = 'machine';
  s.accelWhere = where;
}

/** -enable-kvm is QEMU's shorthand for -machine accel=kvm. */
export function optEnableKvm(s: ParseState): void {
  setMachineAccel(s, 'kvm', '-enable-kvm');
}

/**
 * QEMU's legacy -cpu syntax (target/i386/cpu.c x86_cpu_parse_featurestr): the model, then
 * `+feat`, `-feat`, `feat=value` or bare `feat` (= on); `_` in a feature name means `-`.
 */
export function optCpu(s: ParseState, value: string, where: string): void {
  const fail = (detail: string): never => {
    throw new CliError(where, detail);
  };
  const { value: model, end: modelEnd } = readOptValue(value, 0);
  let end = modelEnd;
  if (model === 'help' || model === '?') {
    s.output = `Available CPU models (all select xentab's own x86-64 CPU):\n${CPU_MODELS.map((m) => `  ${m}\n`).join('')}` +
      'Features: +name, -name, name=on|off, or name=value (hv-spinlocks=0x1fff, tsc-frequency=…).\n' +
      'Xen: +xen-vapic advertises virtual APIC support; any hv-* enlightenment moves the Xen CPUID leaves to 0x40000100.\n';
    return;
  }
  if (model === '') fail('the CPU model is missing');
  if (!(CPU_MODELS as readonly string[]).includes(model)) {
    fail(`CPU model '${model}' is not supported by xentab (supported: ${CPU_MODELS.join(', ')}; use -cpu help)`);
  }
  const features: Record<string, boolean> = {};
  const properties: Record<string, string> = {};
  while (end < value.length) {
    const item = readOptValue(value, end + 1);
    end = item.end;
    const text = item.value;
    if (text === '') continue;
    let name: string;
    let setting: string;
    if (text[0] === '+' || text[0] === '-') {
      name = text.slice(1);
      setting = text[0] === '+' ? 'on' : 'off';
    } else {
      const eq = text.indexOf('=');
      name = eq < 0 ? text : text.slice(0, eq);
      setting = eq < 0 ? 'on' : text.slice(eq + 1);
    }
    name = name.replace(/_/g, '-');
    if (!/^[a-z0-9][a-z0-9.-]*$/i.test(name)) fail(`invalid CPU feature name '${name}'`);
    const b = parseBool(setting);
    if (b !== null) {
      features[name] = b;
      delete properties[name];
    } else {
      if (text[0] === '+' || text[0] === '-') fail(`invalid CPU feature '${text}'`);
      properties[name] = setting;
      delete features[name];
    }
  }
  s.config.cpu = { model, features, properties };
}

/**
 * -smp [cpus=]n[,maxcpus=][,sockets=][,dies=][,cores=][,threads=], filled in the way QEMU's
 * machine_parse_smp_config does for current pc machines (since 6.2: prefer cores over sockets).
 */
export function optSmp(s: ParseState, value: string, where: string): void {
  const r: OptsReader = newReader(s, where, value, 'cpus');
  const get = (k: string): number => r.optionalUint(k, 1, MAX_CPUS) ?? 0;
  let cpus = get('cpus');
  let maxcpus = get('maxcpus');
  let sockets = get('sockets');
  const dies = get('dies') || 1;
  let cores = get('cores');
  let threads = get('threads');
  r.done(['clusters', 'books', 'drawers', 'modules']);
  if (cpus === 0 && maxcpus === 0) {
    sockets ||= 1;
    cores ||= 1;
    threads ||= 1;
  } else {
    maxcpus ||= cpus;
    if (cores === 0) {
      sockets ||= 1;
      threads ||= 1;
      cores = Math.floor(maxcpus / (sockets * dies * threads));
    } else if (sockets === 0) {
      threads ||= 1;
      sockets = Math.floor(maxcpus / (dies * cores * threads));
    }
    // Omitted threads are computed last.
    threads ||= Math.floor(maxcpus / (sockets * dies * cores));
  }
  const total = sockets * dies * cores * threads;
  maxcpus ||= total;
  cpus ||= maxcpus;
  const topo = `sockets (${sockets}) * dies (${dies}) * cores (${cores}) * threads (${threads})`;
  if (total !== maxcpus) r.fail(`invalid CPU topology: product of the hierarchy must match maxcpus: ${topo} != maxcpus (${maxcpus})`);
  if (maxcpus < cpus) r.fail(`invalid CPU topology: maxcpus must be equal to or greater than smp: ${topo} == maxcpus (${maxcpus}) < smp_cpus (${cpus})`);
  if (maxcpus > MAX_CPUS) r.fail(`at most ${MAX_CPUS} CPUs are supported`);
  s.config.smp = { cpus, maxcpus, sockets, dies, cores, threads };
}

/** -m [size=]megs: MiB without a suffix; QEMU rounds RAM up to a multiple of 8 KiB. */
export function optMemory(s: ParseState, value: string, where: string): void {
  const r: OptsReader = newReader(s, where, value, 'size');
  const text = r.requireString('size', 'the memory size');
  r.done(['slots', 'maxmem']);
  const bytes = parseSize(text, 1024 * 1024);
  if (bytes === null) r.fail(`invalid size '${text}' (expected a number with an optional K, M, G or T suffix)`);
  if (bytes < 1024 * 1024) r.fail(`at least 1M of RAM is needed, not ${formatSize(bytes)}`);
  const rounded = Math.ceil(bytes / 8192) * 8192;
  if (rounded > MAX_RAM_BYTES) {
    r.fail(`at most ${formatSize(MAX_RAM_BYTES)} of RAM is supported (guest RAM lives in one 32-bit WebAssembly.Memory)`);
  }
  s.config.memory = { bytes: rounded };
}

export function optName(s: ParseState, value: string, where: string): void {
  const r: OptsReader = newReader(s, where, value, 'guest');
  s.config.name = r.string('guest') ?? null;
  r.done(['process', 'debug-threads']);
}

/** -rtc [base=utc|localtime|DATE][,clock=host|rt|vm][,driftfix=none|slew]. */
export function optRtc(s: ParseState, value: string, where: string): void {
  const r: OptsReader = newReader(s, where, value, null);
  const base = r.string('base') ?? s.config.rtc.base;
  if (base !== 'utc' && base !== 'localtime' && !/^\d{4}-\d\d-\d\d(T\d\d:\d\d:\d\d)?$/.test(base)) {
    r.fail(`invalid date format '${base}' (valid formats: '2006-06-17T16:01:21' or '2006-06-17')`);
  }
  const clock = r.choice('clock', s.config.rtc.clock, ['host', 'rt', 'vm'] as const);
  r.choice('driftfix', 'none', ['none', 'slew'] as const);
  r.done();
  s.config.rtc = { base, clock };
}
