// QEMU's option-value syntax (QemuOpts, util/qemu-option.c; facts only, our own code):
//  - `key=value,key=value`; a value runs to the next single comma, `,,` is a literal comma;
//  - an implied first key: a first item with no `=` before its first comma is the value of the
//    option's implied key (`-chardev stdio,…` → backend=stdio, `-device xen-console,…` → driver);
//  - any other item without `=` is a deprecated short-form boolean: `flag` → flag=on,
//    `noflag` → flag=off, with QEMU's warning;
//  - `help` or `?` (as the implied value or a bare item) asks for a list of choices;
//  - when a key repeats, the last one wins;
//  - booleans: on/off, yes/no, true/false, y/n, any case (qapi_bool_parse_name);
//  - numbers: C strtoull base 0 (decimal, 0x hex, leading-0 octal);
//  - sizes: qemu_strtosz, a decimal (fraction allowed) or hex number with an optional
//    B/K/M/G/T/P/E suffix (powers of 1024).
import { CliError } from './cli_error.ts';

export interface OptsEntry {
  key: string;
  value: string;
  /** Written as a bare `flag`/`noflag` (deprecated QEMU short form). */
  shortForm: boolean;
}

export interface ParsedOpts {
  entries: OptsEntry[];
  /** `help` or `?` appeared as the implied value or as a bare item. */
  helpWanted: boolean;
  /** QEMU's deprecation warnings, for the caller to print on stderr. */
  warnings: string[];
}

export function isHelpOption(text: string): boolean {
  return text === 'help' || text === '?';
}

/** Reads a value starting at `start` up to the next single comma; `,,` yields one comma. */
export function readOptValue(text: string, start: number): { value: string; end: number } {
  let value = '';
  let i = start;
  while (i < text.length) {
    const c = text[i];
    if (c === ',') {
      if (text[i + 1] !== ',') break;
      i++;
    }
    value += text[i];
    i++;
  }
  return { value, end: i };
}

/** Splits a QemuOpts string into ordered entries. Never throws: every string is some list. */
export function parseQemuOpts(text: string, impliedKey: string | null): ParsedOpts {
  const entries: OptsEntry[] = [];
  const warnings: string[] = [];
  let helpWanted = false;
  let i = 0;
  let first = true;
  while (i < text.length) {
    // The key runs to the first '=' or ','; keys cannot contain commas.
    let keyEnd = i;
    while (keyEnd < text.length && text[keyEnd] !== '=' && text[keyEnd] !== ',') keyEnd++;
    if (text[keyEnd] === '=') {
      const { value, end } = readOptValue(text, keyEnd + 1);
      entries.push({ key: text.slice(i, keyEnd), value, shortForm: false });
      i = end;
    } else if (first && impliedKey !== null) {
      const { value, end } = readOptValue(text, i);
      if (isHelpOption(value)) helpWanted = true;
      else entries.push({ key: impliedKey, value, shortForm: false });
      i = end;
    } else {
      const name = text.slice(i, keyEnd);
      i = keyEnd;
      if (isHelpOption(name)) {
        helpWanted = true;
      } else if (name.startsWith('no')) {
        entries.push({ key: name.slice(2), value: 'off', shortForm: true });
        warnings.push(`short-form boolean option '${name}' deprecated; please use ${name.slice(2)}=off instead`);
      } else {
        entries.push({ key: name, value: 'on', shortForm: true });
        warnings.push(`short-form boolean option '${name}' deprecated; please use ${name}=on instead`);
      }
    }
    first = false;
    if (text[i] === ',') i++;
  }
  return { entries, helpWanted, warnings };
}

export function parseBool(text: string): boolean | null {
  const t = text.toLowerCase();
  if (t === 'on' || t === 'yes' || t === 'true' || t === 'y') return true;
  if (t === 'off' || t === 'no' || t === 'false' || t === 'n') return false;
  return null;
}

/** strtoull base 0, whole string, no sign; null when malformed or above 2^53. */
export function parseUint(text: string): number | null {
  let n: number;
  if (/^0[xX][0-9a-fA-F]+$/.test(text)) n = parseInt(text.slice(2), 16);
  else if (/^0[0-7]*$/.test(text)) n = parseInt(text, 8);
  else if (/^[1-9][0-9]*$/.test(text)) n = parseInt(text, 10);
  else return null;
  return Number.isSafeInteger(n) ? n : null;
}

const SIZE_SHIFT: Record<string, number> = { b: 0, k: 10, m: 20, g: 30, t: 40, p: 50, e: 60 };

/**
 * qemu_strtosz: `unit` is the multiplier when no suffix is given (1 for bytes, 2^20 for `-m`).
 * Null when malformed, not a whole number of bytes, or above 2^53.
 */
export function parseSize(text: string, unit = 1): number | null {
  const m = /^(0[xX][0-9a-fA-F]+|[0-9]+(?:\.[0-9]+)?|\.[0-9]+)([bBkKmMgGtTpPeE])?$/.exec(text);
  if (!m) return null;
  const num = m[1]!;
  const suffix = m[2];
  const mul = suffix === undefined ? unit : 2 ** SIZE_SHIFT[suffix.toLowerCase()]!;
  if (/^0[xX]/.test(num)) {
    // QEMU accepts hex sizes but not hex with a suffix other than B ("0x1k" is ambiguous).
    if (suffix !== undefined && suffix.toLowerCase() !== 'b') return null;
    const n = parseInt(num.slice(2), 16) * mul;
    return Number.isSafeInteger(n) ? n : null;
  }
  const [whole, frac = ''] = num.split('.');
  // Exact: whole*mul + frac*mul/10^len, computed without binary-fraction rounding.
  const den = 10 ** frac.length;
  const fracTimesMul = (frac ? parseInt(frac, 10) : 0) * mul;
  if (fracTimesMul % den !== 0) return null;
  const n = parseInt(whole || '0', 10) * mul + fracTimesMul / den;
  return Number.isSafeInteger(n) ? n : null;
}

/** Formats a byte count the way --help and errors show it (`1G`, `512M`, `4097K`, `100`). */
export function formatSize(bytes: number): string {
  for (const [s, shift] of [['T', 40], ['G', 30], ['M', 20], ['K', 10]] as const) {
    const unit = 2 ** shift;
    if (bytes >= unit && bytes % unit === 0) return `${bytes / unit}${s}`;
  }
  return String(bytes);
}

/**
 * Typed, checked access to one option's entries, with errors that name the option as typed.
 * Call `done()` last: any key that was never read is an unknown parameter.
 */
export class OptsReader {
  private readonly used = new Set<string>();
  readonly parsed: ParsedOpts;

  constructor(
    /** The option and its value as typed, for error messages (`-drive file=x,if=scsi`). */
    readonly where: string,
    text: string,
    impliedKey: string | null,
  ) {
    this.parsed = parseQemuOpts(text, impliedKey);
  }

  get helpWanted(): boolean {
    return this.parsed.helpWanted;
  }

  fail(detail: string): never {
    throw new CliError(this.where, detail);
  }

  has(key: string): boolean {
    return this.parsed.entries.some((e) => e.key === key);
  }

  /** Last value given for `key`, or undefined. */
  string(key: string): string | undefined {
    this.used.add(key);
    let found: string | undefined;
    for (const e of this.parsed.entries) if (e.key === key) found = e.value;
    return found;
  }

  requireString(key: string, what = `parameter '${key}'`): string {
    const v = this.string(key);
    if (v === undefined || v === '') this.fail(`${what} is missing`);
    return v;
  }

  bool(key: string, fallback: boolean): boolean {
    const v = this.string(key);
    if (v === undefined) return fallback;
    const b = parseBool(v);
    if (b === null) this.fail(`parameter '${key}' expects 'on' or 'off', not '${v}'`);
    return b;
  }

  uint(key: string, fallback: number, min: number, max: number): number {
    const v = this.string(key);
    if (v === undefined) return fallback;
    const n = parseUint(v);
    if (n === null) this.fail(`parameter '${key}' expects a number, not '${v}'`);
    if (n < min || n > max) this.fail(`parameter '${key}' must be between ${min} and ${max}, not ${v}`);
    return n;
  }

  optionalUint(key: string, min: number, max: number): number | null {
    this.used.add(key);
    return this.has(key) ? this.uint(key, 0, min, max) : null;
  }

  choice<T extends string>(key: string, fallback: T, choices: readonly T[]): T {
    const v = this.string(key);
    if (v === undefined) return fallback;
    if (!(choices as readonly string[]).includes(v)) {
      this.fail(`parameter '${key}' must be one of ${choices.join(', ')}, not '${v}'`);
    }
    return v as T;
  }

  /** Rejects keys nobody read; `unsupported` are valid in QEMU but not implemented by xentab. */
  done(unsupported: readonly string[] = []): void {
    for (const e of this.parsed.entries) {
      if (this.used.has(e.key)) continue;
      if (unsupported.includes(e.key)) this.fail(`parameter '${e.key}' is valid in QEMU but not supported yet by xentab`);
      const accepted = [...this.used].filter((k) => k !== '').join(', ');
      this.fail(`invalid parameter '${e.key}'${accepted ? ` (accepted: ${accepted})` : ''}`);
    }
  }
}
