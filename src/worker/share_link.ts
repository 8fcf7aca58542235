// Share links (ux-ecosystem.md §4): the URL fragment `#v1.` + base64url(deflate-raw(JSON)) carries
// the machine config, the images by sha256 with URL hints, and an optional input script. The
// fragment never reaches a server. Opening a link is opening untrusted input, so decoding is
// bounded at every step and the result is checked field by field:
// - the fragment is at most 64 KiB and strict base64url (RFC 4648 §5, no padding);
// - inflation streams through DecompressionStream in small pieces and stops at 256 KiB of JSON,
//   so a deflate bomb costs at most one piece's expansion (~0.5 MiB);
// - the JSON must be UTF-8, nested at most 32 deep, and may not contain `__proto__`,
//   `constructor` or `prototype` keys anywhere;
// - unknown fields are refused everywhere (a typo or a newer format fails loudly instead of being
//   half-understood); the machine config must pass checkMachineConfig;
// - image hashes are 64 hex digits, URLs are http(s) (or relative to the page) without
//   credentials; ws: relays and the like cannot appear; a link writes no host files (no file
//   chardevs, no -D/-trace files) and names no host paths (file refs are image names).
// Errors are ShareLinkError with a message naming the offending field.

import { checkMachineConfig } from '../machine/config.ts';
import type { DeviceConfig, MachineConfig } from '../machine/config.ts';

export const SHARE_LINK_VERSION = 1;
export const SHARE_LINK_PREFIX = '#v1.';
export const MAX_FRAGMENT_CHARS = 64 * 1024;
export const MAX_JSON_BYTES = 256 * 1024;
const MAX_DEPTH = 32;
const MAX_IMAGES = 16;
const MAX_URLS = 8;
const MAX_URL_CHARS = 2048;
const MAX_INPUT_STEPS = 256;
const MAX_INPUT_CHARS = 4096;
const MAX_IMAGE_SIZE = 2 ** 40;
const MAX_REPLAY_EVENTS = 8192;
/** Compressed bytes fed to the inflater per step: bounds the output of one step to ~0.5 MiB. */
const INFLATE_PIECE = 512;

export type ImageRole = 'kernel' | 'module' | 'drive';

export interface ShareLinkImage {
  /** kernel: boot.kernel; module: a boot module; drive: a drive's file. */
  role: ImageRole;
  /** What the config's FileRef.resolved names. */
  name: string;
  /** Lowercase hex; an image with another hash is refused. */
  sha256: string;
  size: number;
  /** Where to fetch it, in order of preference (hints only: the hash decides). */
  urls: string[];
}

/** Type `send` once the console shows `after` (text) or the machine has retired `after` instructions. */
export interface ShareInputStep {
  after: string | number;
  send: string;
}

/** Bytes given to a console's input at an instruction count, or an idle period cut short. */
export type ShareReplayEvent = { at: number; ns: number; console: string; input: string } | { at: number; idle: number } | { at: number; cut: true };

/** A recorded run (replay.ts): RTC epoch, recorded events in order, and where it ended. */
export interface ShareReplay {
  /** Seconds since 1970 at virtual time 0. */
  epoch: number;
  /**
   * `input` is base64url (RFC 4648 §5) of the bytes, given at virtual time `ns`; `idle` the virtual
   * ns an idle period reached; `cut` a slice end the debugger made.
   */
  events: ShareReplayEvent[];
  /** Instruction count, virtual ns and FNV-1a hashes (8 hex digits) when the link was made. */
  end: { at: number; ns: number; output: string; trace: string };
}

export interface ShareLink {
  v: typeof SHARE_LINK_VERSION;
  /** The xentab version that made the link; the opener decides how to treat a mismatch. */
  emu: string;
  machine: MachineConfig;
  images: ShareLinkImage[];
  input?: ShareInputStep[];
  replay?: ShareReplay;
}

export class ShareLinkError extends Error {
  override name = 'ShareLinkError';
}

// ------------------------------------------------------------------ encode / decode

/** The fragment (with its leading `#`) for `link`, which is checked first. */
export async function encodeShareLink(link: ShareLink): Promise<string> {
  const problems = checkShareLink(link);
  if (problems.length > 0) throw new ShareLinkError(`cannot make a link: ${problems.join('; ')}`);
  const json = new TextEncoder().encode(JSON.stringify(link));
  if (json.length > MAX_JSON_BYTES) throw new ShareLinkError(`cannot make a link: ${json.length} bytes of JSON is more than the ${MAX_JSON_BYTES} a link may hold`);
  const fragment = SHARE_LINK_PREFIX + base64urlEncode(await deflateRaw(json));
  if (fragment.length > MAX_FRAGMENT_CHARS) throw new ShareLinkError(`cannot make a link: it would be ${fragment.length} characters, more than ${MAX_FRAGMENT_CHARS}`);
  return fragment;
}

/** Decodes and checks a fragment (`#v1.…` or `v1.…`); throws ShareLinkError, runs nothing. */
export async function decodeShareLink(fragment: string): Promise<ShareLink> {
  if (typeof fragment !== 'string') throw new ShareLinkError('the link is not text');
  if (fragment.length > MAX_FRAGMENT_CHARS + 1) throw new ShareLinkError(`the link is ${fragment.length} characters long; at most ${MAX_FRAGMENT_CHARS} are accepted`);
  const body = fragment.startsWith('#') ? fragment.slice(1) : fragment;
  const version = /^v([0-9]{1,6})\./.exec(body);
  if (!version) throw new ShareLinkError('not a xentab link: it must start with #v1.');
  if (version[1] !== String(SHARE_LINK_VERSION)) throw new ShareLinkError(`unsupported link version v${version[1]}: this xentab reads v${SHARE_LINK_VERSION} links`);
  const compressed = base64urlDecode(body.slice(version[0].length));
  const bytes = await inflateRawBounded(compressed, MAX_JSON_BYTES);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ShareLinkError('the link is damaged: its content is not UTF-8 text');
  }
  const depth = jsonDepth(text);
  if (depth > MAX_DEPTH) throw new ShareLinkError(`the link's JSON is nested ${depth} deep; at most ${MAX_DEPTH} is accepted`);
  let value: unknown;
  const forbidden: string[] = [];
  try {
    value = JSON.parse(text, function (key, v: unknown) {
      if (key === '__proto__' || key === 'constructor' || key === 'prototype') forbidden.push(key);
      return v;
    });
  } catch (e) {
    throw new ShareLinkError(`the link is damaged: its content is not JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (forbidden.length > 0) throw new ShareLinkError(`the link contains a forbidden key '${forbidden[0]}'`);
  const problems = checkShareLink(value);
  if (problems.length > 0) throw new ShareLinkError(`the link is invalid: ${problems.slice(0, 8).join('; ')}${problems.length > 8 ? `; and ${problems.length - 8} more` : ''}`);
  return value as ShareLink;
}

// ------------------------------------------------------------------ schema

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;

/** The field names of T, refusing (at compile time) a list that misses one of T's keys. */
function fields<T>() {
  return <const K extends ReadonlyArray<keyof T & string>>(...keys: K & ([Exclude<keyof T, K[number]>] extends [never] ? unknown : { missing: Exclude<keyof T, K[number]> })): ReadonlySet<string> =>
    new Set<string>(keys);
}
type Device<D extends DeviceConfig['driver']> = Extract<DeviceConfig, { driver: D }>;

const LINK_FIELDS = fields<ShareLink>()('v', 'emu', 'machine', 'images', 'input', 'replay');
const REPLAY_FIELDS = fields<ShareReplay>()('epoch', 'events', 'end');
const END_FIELDS = fields<ShareReplay['end']>()('at', 'ns', 'output', 'trace');
const INPUT_EVENT_FIELDS = new Set(['at', 'ns', 'console', 'input']);
const IDLE_EVENT_FIELDS = new Set(['at', 'idle']);
const CUT_EVENT_FIELDS = new Set(['at', 'cut']);
const HASH8 = /^[0-9a-f]{8}$/;
const B64URL_TEXT = /^[A-Za-z0-9_-]{2,4096}$/;
const IMAGE_FIELDS = fields<ShareLinkImage>()('role', 'name', 'sha256', 'size', 'urls');
const STEP_FIELDS = fields<ShareInputStep>()('after', 'send');
const C = fields<MachineConfig>();
/** Allowed keys of every object in a MachineConfig, by its path with array indices as []. */
const MACHINE_FIELDS: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ['machine', C('configVersion', 'name', 'machine', 'accel', 'cpu', 'smp', 'memory', 'boot', 'drives', 'chardevs', 'devices', 'netdevs', 'monitors', 'display', 'icount', 'rtc', 'log', 'trace', 'noReboot', 'noShutdown', 'startPaused', 'nodefaults', 'run')],
  ['machine.machine', fields<MachineConfig['machine']>()('type', 'hpet')],
  ['machine.accel', fields<MachineConfig['accel']>()('type', 'xenVersion', 'kernelIrqchip', 'xenEvtchnMaxPirq', 'xenGnttabMaxFrames')],
  ['machine.cpu', fields<MachineConfig['cpu']>()('model', 'features', 'properties')],
  ['machine.smp', fields<MachineConfig['smp']>()('cpus', 'maxcpus', 'sockets', 'dies', 'cores', 'threads')],
  ['machine.memory', fields<MachineConfig['memory']>()('bytes')],
  ['machine.boot', fields<MachineConfig['boot']>()('kernel', 'append', 'initrd', 'modules')],
  ['machine.boot.kernel', fields<NonNullable<MachineConfig['boot']['kernel']>>()('path', 'resolved')],
  ['machine.boot.modules[]', fields<MachineConfig['boot']['modules'][number]>()('file', 'cmdline')],
  ['machine.boot.modules[].file', fields<MachineConfig['boot']['modules'][number]['file']>()('path', 'resolved')],
  ['machine.drives[]', fields<MachineConfig['drives'][number]>()('id', 'file', 'interface', 'index', 'media', 'format', 'readOnly', 'snapshot', 'fileLocking', 'cache')],
  ['machine.drives[].file', fields<NonNullable<MachineConfig['drives'][number]['file']>>()('path', 'resolved')],
  ['machine.chardevs[]', fields<MachineConfig['chardevs'][number]>()('id', 'backend', 'mux', 'signal', 'path', 'append')],
  ['machine.netdevs[]', fields<MachineConfig['netdevs'][number]>()('id', 'type')],
  ['machine.monitors[]', fields<MachineConfig['monitors'][number]>()('chardev', 'mode')],
  ['machine.icount', fields<MachineConfig['icount']>()('shift', 'sleep')],
  ['machine.rtc', fields<MachineConfig['rtc']>()('base', 'clock')],
  ['machine.log', fields<MachineConfig['log']>()('items', 'file')],
  ['machine.trace', fields<MachineConfig['trace']>()('patterns', 'file')],
  ['machine.run', fields<MachineConfig['run']>()('script', 'timeoutSeconds')],
]);
const DEVICE_FIELDS: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ['xen-console', fields<Device<'xen-console'>>()('driver', 'id', 'chardev')],
  ['xen-disk', fields<Device<'xen-disk'>>()('driver', 'id', 'drive', 'vdev')],
  ['xen-net-device', fields<Device<'xen-net-device'>>()('driver', 'id', 'netdev', 'mac')],
  ['isa-serial', fields<Device<'isa-serial'>>()('driver', 'id', 'index', 'iobase', 'irq', 'chardev')],
  ['isa-debugcon', fields<Device<'isa-debugcon'>>()('driver', 'id', 'iobase', 'chardev')],
  ['isa-debug-exit', fields<Device<'isa-debug-exit'>>()('driver', 'id', 'iobase', 'iosize')],
  ['pc-testdev', fields<Device<'pc-testdev'>>()('driver', 'id')],
]);
/** Free-form maps: any key of this shape. */
const MAP_PATHS = new Set(['machine.cpu.features', 'machine.cpu.properties']);
const MAP_KEY = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;
const IMAGE_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/;
const EMU_VERSION = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/;

/** Every problem with `value` as a ShareLink (empty when valid); never throws. */
export function checkShareLink(value: unknown): string[] {
  const problems: string[] = [];
  if (!isObj(value)) return ['the link is not a JSON object'];
  unknownFields(value, LINK_FIELDS, '', problems);
  if (value['v'] !== SHARE_LINK_VERSION) problems.push(`v: expected ${SHARE_LINK_VERSION}`);
  if (typeof value['emu'] !== 'string' || !EMU_VERSION.test(value['emu'])) problems.push('emu: expected a version string such as 0.1.0');

  const images = value['images'];
  const byName = new Map<string, ShareLinkImage>();
  if (!Array.isArray(images) || images.length === 0 || images.length > MAX_IMAGES) {
    problems.push(`images: expected an array of 1..${MAX_IMAGES} images`);
  } else {
    images.forEach((img: unknown, i) => {
      const p = `images[${i}]`;
      if (!isObj(img)) return void problems.push(`${p}: expected an object`);
      unknownFields(img, IMAGE_FIELDS, p, problems);
      if (img['role'] !== 'kernel' && img['role'] !== 'module' && img['role'] !== 'drive') problems.push(`${p}.role: expected kernel, module or drive`);
      const name = img['name'];
      if (typeof name !== 'string' || !IMAGE_NAME.test(name)) problems.push(`${p}.name: expected a file name (letters, digits, . _ + -)`);
      else if (byName.has(name)) problems.push(`${p}.name: '${name}' is used twice`);
      else byName.set(name, img as unknown as ShareLinkImage);
      if (typeof img['sha256'] !== 'string' || !SHA256_HEX.test(img['sha256'])) problems.push(`${p}.sha256: expected 64 lowercase hex digits`);
      const size = img['size'];
      if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0 || size > MAX_IMAGE_SIZE) problems.push(`${p}.size: expected a byte count in 0..2^40`);
      const urls = img['urls'];
      if (!Array.isArray(urls) || urls.length > MAX_URLS) problems.push(`${p}.urls: expected an array of at most ${MAX_URLS} URLs`);
      else urls.forEach((u: unknown, j) => {
        const why = urlProblem(u);
        if (why) problems.push(`${p}.urls[${j}]: ${why}`);
      });
    });
  }

  const input = value['input'];
  if (input !== undefined) {
    if (!Array.isArray(input) || input.length > MAX_INPUT_STEPS) problems.push(`input: expected an array of at most ${MAX_INPUT_STEPS} steps`);
    else input.forEach((s: unknown, i) => {
      const p = `input[${i}]`;
      if (!isObj(s)) return void problems.push(`${p}: expected an object`);
      unknownFields(s, STEP_FIELDS, p, problems);
      const after = s['after'];
      const okText = typeof after === 'string' && after.length > 0 && after.length <= MAX_INPUT_CHARS;
      const okCount = typeof after === 'number' && Number.isSafeInteger(after) && after >= 0;
      if (!okText && !okCount) problems.push(`${p}.after: expected text to wait for or an instruction count`);
      if (typeof s['send'] !== 'string' || s['send'].length === 0 || s['send'].length > MAX_INPUT_CHARS) problems.push(`${p}.send: expected 1..${MAX_INPUT_CHARS} characters of text`);
    });
  }

  if (value['replay'] !== undefined) replayProblems(value['replay'], problems);

  const machine = value['machine'];
  if (!isObj(machine)) {
    problems.push('machine: expected a machine config object');
    return problems;
  }
  machineFields(machine, 'machine', problems);
  for (const p of checkMachineConfig(machine)) problems.push(`machine.${p}`);
  if (problems.length === 0) crossCheck(machine as unknown as MachineConfig, byName, problems);
  if (problems.length === 0 && isObj(value['replay'])) {
    const chardevs = new Set((machine as unknown as MachineConfig).chardevs.map((c) => c.id));
    (value['replay']['events'] as Obj[]).forEach((e, i) => {
      if (typeof e['console'] === 'string' && !chardevs.has(e['console'])) problems.push(`replay.events[${i}].console: '${e['console'].slice(0, 64)}' is not a chardev of the machine`);
    });
  }
  return problems;
}

function decodes(b64: string): boolean {
  try {
    base64urlDecode(b64);
    return true;
  } catch {
    return false;
  }
}

const safeCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function replayProblems(r: unknown, problems: string[]): void {
  if (!isObj(r)) return void problems.push('replay: expected an object');
  unknownFields(r, REPLAY_FIELDS, 'replay', problems);
  if (!Number.isSafeInteger(r['epoch'])) problems.push('replay.epoch: expected whole seconds since 1970');
  const events = r['events'];
  let last = 0;
  if (!Array.isArray(events) || events.length > MAX_REPLAY_EVENTS) problems.push(`replay.events: expected an array of at most ${MAX_REPLAY_EVENTS} events`);
  else events.forEach((e: unknown, i) => {
    const p = `replay.events[${i}]`;
    if (!isObj(e)) return void problems.push(`${p}: expected an object`);
    const input = 'input' in e;
    const cut = 'cut' in e;
    unknownFields(e, input ? INPUT_EVENT_FIELDS : cut ? CUT_EVENT_FIELDS : IDLE_EVENT_FIELDS, p, problems);
    if (!safeCount(e['at']) || e['at'] < last) problems.push(`${p}.at: expected an instruction count, not before the previous event's`);
    else last = e['at'];
    if (input) {
      if (!safeCount(e['ns'])) problems.push(`${p}.ns: expected a virtual time in ns`);
      if (typeof e['console'] !== 'string' || !MAP_KEY.test(e['console'])) problems.push(`${p}.console: expected a chardev id`);
      if (typeof e['input'] !== 'string' || !B64URL_TEXT.test(e['input']) || !decodes(e['input'])) problems.push(`${p}.input: expected 1..3072 bytes as base64url`);
    } else if (cut) {
      if (e['cut'] !== true) problems.push(`${p}.cut: expected true`);
    } else if (!safeCount(e['idle'])) problems.push(`${p}.idle: expected a virtual time in ns`);
  });
  const end = r['end'];
  if (!isObj(end)) return void problems.push('replay.end: expected an object');
  unknownFields(end, END_FIELDS, 'replay.end', problems);
  if (!safeCount(end['at']) || end['at'] < last) problems.push('replay.end.at: expected an instruction count, not before the last event');
  if (!safeCount(end['ns'])) problems.push('replay.end.ns: expected a virtual time in ns');
  if (typeof end['output'] !== 'string' || !HASH8.test(end['output'])) problems.push('replay.end.output: expected 8 hex digits');
  if (typeof end['trace'] !== 'string' || !HASH8.test(end['trace'])) problems.push('replay.end.trace: expected 8 hex digits');
}

function unknownFields(obj: Obj, allowed: ReadonlySet<string>, path: string, problems: string[]): void {
  for (const k of Object.keys(obj)) if (!allowed.has(k)) problems.push(`${path ? `${path}.` : ''}${k}: unknown field`);
}

/** Refuses keys MachineConfig does not have, at every depth. */
function machineFields(value: unknown, path: string, problems: string[]): void {
  const shape = path.replace(/\[[0-9]+\]/g, '[]');
  if (Array.isArray(value)) {
    value.forEach((v, i) => machineFields(v, `${path}[${i}]`, problems));
    return;
  }
  if (!isObj(value)) return;
  if (MAP_PATHS.has(shape)) {
    for (const k of Object.keys(value)) if (!MAP_KEY.test(k)) problems.push(`${path}: '${k.slice(0, 64)}' is not a property name`);
    return;
  }
  const allowed = shape === 'machine.devices[]' ? DEVICE_FIELDS.get(String(value['driver'])) : MACHINE_FIELDS.get(shape);
  if (!allowed) return; // a wrong driver or a leaf: checkMachineConfig reports it
  unknownFields(value, allowed, path, problems);
  for (const k of Object.keys(value)) if (allowed.has(k)) machineFields(value[k], `${path}.${k}`, problems);
}

/** What only a link must satisfy: files are images of the link, nothing is written on the host. */
function crossCheck(m: MachineConfig, images: ReadonlyMap<string, ShareLinkImage>, problems: string[]): void {
  const used = new Set<string>();
  const ref = (file: { path: string; resolved: string } | null, path: string, role: ImageRole): void => {
    if (file === null) return;
    if (/[/\\]/.test(file.path) || file.path.length > 128) problems.push(`${path}.path: expected a bare file name, not a host path`);
    const img = images.get(file.resolved);
    if (!img) return void problems.push(`${path}.resolved: '${file.resolved.slice(0, 128)}' is not one of the link's images`);
    if (img.role !== role) problems.push(`${path}.resolved: image '${img.name}' has role ${img.role}, expected ${role}`);
    used.add(img.name);
  };
  ref(m.boot.kernel, 'machine.boot.kernel', 'kernel');
  m.boot.modules.forEach((mod, i) => ref(mod.file, `machine.boot.modules[${i}].file`, 'module'));
  m.drives.forEach((d, i) => ref(d.file, `machine.drives[${i}].file`, 'drive'));
  for (const name of images.keys()) if (!used.has(name)) problems.push(`images: '${name}' is not used by the machine`);
  m.chardevs.forEach((c, i) => {
    if (c.backend === 'file' || c.path !== null) problems.push(`machine.chardevs[${i}]: a link may not write host files`);
  });
  if (m.log.file !== null) problems.push('machine.log.file: a link may not write host files');
  if (m.trace.file !== null) problems.push('machine.trace.file: a link may not write host files');
}

function urlProblem(u: unknown): string | null {
  if (typeof u !== 'string' || u.length === 0 || u.length > MAX_URL_CHARS) return `expected a URL of 1..${MAX_URL_CHARS} characters`;
  if (/[\u0000-\u0020\u007f\\]/.test(u)) return 'a URL may not contain spaces, control characters or backslashes';
  let url: URL;
  try {
    // Relative URLs resolve against the page, which is http(s).
    url = new URL(u, 'https://page.invalid/');
  } catch {
    return 'not a URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `only http and https URLs are allowed, not ${url.protocol}`;
  if (url.username !== '' || url.password !== '') return 'a URL may not carry credentials';
  return null;
}

/** Deepest nesting of [ and { outside strings; a cheap guard before JSON.parse and its reviver recurse. */
function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) max = Math.max(max, ++depth);
    else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}

// ------------------------------------------------------------------ bytes

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const B64URL_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) B64URL_VALUE[B64URL.charCodeAt(i)] = i;

/** RFC 4648 §5 without padding. */
export function base64urlEncode(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 3 <= bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += B64URL[n >> 18]! + B64URL[(n >> 12) & 63]! + B64URL[(n >> 6) & 63]! + B64URL[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += B64URL[n >> 18]! + B64URL[(n >> 12) & 63]!;
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += B64URL[n >> 18]! + B64URL[(n >> 12) & 63]! + B64URL[(n >> 6) & 63]!;
  }
  return out;
}

/** Strict decoding: only the base64url alphabet, no padding, no impossible length or stray bits. */
export function base64urlDecode(text: string): Uint8Array<ArrayBuffer> {
  if (text.length % 4 === 1) throw new ShareLinkError('the link is damaged: truncated base64url');
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let o = 0;
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const v = c < 128 ? B64URL_VALUE[c]! : -1;
    if (v < 0) throw new ShareLinkError(`the link is damaged: '${text[i]}' at position ${i} is not base64url`);
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
      acc &= (1 << bits) - 1;
    }
  }
  if (acc !== 0) throw new ShareLinkError('the link is damaged: stray bits at the end of the base64url');
  return out;
}

async function deflateRaw(bytes: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream('deflate-raw'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Inflates `compressed`, feeding it in small pieces and stopping as soon as `cap` is passed. */
export async function inflateRawBounded(compressed: Uint8Array<ArrayBuffer>, cap: number): Promise<Uint8Array> {
  const inflater = new DecompressionStream('deflate-raw');
  const writer = inflater.writable.getWriter();
  const reader = inflater.readable.getReader();
  let stop = false;
  const feed = (async () => {
    for (let i = 0; i < compressed.length && !stop; i += INFLATE_PIECE) {
      await writer.ready;
      await writer.write(compressed.subarray(i, i + INFLATE_PIECE));
    }
    if (!stop) await writer.close();
  })();
  feed.catch(() => undefined);
  const pieces: Uint8Array[] = [];
  let total = 0;
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > cap) throw new ShareLinkError(`the link inflates to more than ${cap} bytes; refused`);
      pieces.push(value);
    }
    await feed;
  } catch (e) {
    stop = true;
    await reader.cancel().catch(() => undefined);
    await writer.abort().catch(() => undefined);
    if (e instanceof ShareLinkError) throw e;
    throw new ShareLinkError('the link is damaged: its compressed data is invalid or truncated');
  }
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of pieces) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
