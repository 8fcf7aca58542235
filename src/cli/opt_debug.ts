// Observation and virtual time: -d, -D, -trace, -icount.
import { readFileSync } from 'node:fs';
import { CliError } from './cli_error.ts';
import { fileRef, newReader } from './parse_state.ts';
import type { ParseState } from './parse_state.ts';
import type { OptsReader } from './qemu_opts.ts';

/** QEMU -d items xentab's machine is meant to log (util/log.c qemu_log_items). */
export const LOG_ITEMS: Record<string, string> = {
  in_asm: 'show target assembly code for each compiled block',
  int: 'show interrupts/exceptions in short format',
  exec: 'show trace before each executed block',
  cpu: 'show CPU registers before entering a block',
  fpu: 'include FPU registers in the cpu log',
  mmu: 'log MMU-related activities',
  cpu_reset: 'show CPU state before CPU resets',
  unimp: 'log unimplemented functionality',
  guest_errors: 'log when the guest OS does something invalid',
  page: 'dump pages at beginning of user mode emulation',
};
const UNSUPPORTED_LOG_ITEMS = ['out_asm', 'op', 'op_opt', 'op_ind', 'op_plugin', 'pcall', 'nochain', 'plugin', 'strace', 'tid', 'invalid_mem', 'vpu'];

export function optLog(s: ParseState, value: string, where: string): void {
  if (value === 'help' || value === '?') {
    s.output = `Log items (comma separated):\n${Object.entries(LOG_ITEMS).map(([n, d]) => `${n.padEnd(15)} ${d}\n`).join('')}` +
      'trace:PATTERN   enable trace events (same as -trace PATTERN)\n';
    return;
  }
  for (const item of value.split(',')) {
    if (item === '') continue;
    if (item.startsWith('trace:')) {
      addTracePattern(s, item.slice(6), where);
    } else if (item in LOG_ITEMS) {
      if (!s.config.log.items.includes(item)) s.config.log.items.push(item);
    } else if (UNSUPPORTED_LOG_ITEMS.includes(item)) {
      throw new CliError(where, `log item '${item}' is valid in QEMU but not supported by xentab`);
    } else {
      throw new CliError(where, `unknown log item '${item}' (use -d help)`);
    }
  }
}

export function optLogFile(s: ParseState, value: string, where: string): void {
  if (value === '') throw new CliError(where, 'the log file name is empty');
  s.config.log.file = fileRef(s, value, where);
}

function addTracePattern(s: ParseState, pattern: string, where: string): void {
  if (!/^-?[A-Za-z0-9_*?]+$/.test(pattern)) {
    throw new CliError(where, `invalid trace event pattern '${pattern}' (event names with * and ? wildcards, e.g. 'xen_*')`);
  }
  if (!s.config.trace.patterns.includes(pattern)) s.config.trace.patterns.push(pattern);
}

/** -trace [enable=]PATTERN[,events=FILE][,file=FILE] (docs/devel/tracing.rst). */
export function optTrace(s: ParseState, value: string, where: string): void {
  const r: OptsReader = newReader(s, where, value, 'enable');
  if (r.helpWanted) {
    s.output = 'Trace events are named after QEMU\'s trace-events: xen_hypercall, xen_evtchn_*, xen_gnttab_*, xen_xenstore_*,\n' +
      'xen_device_*, xen_block_*, … (-trace \'xen_*\' shows them all; see README.md, Xen options).\n' +
      'Use -trace PATTERN (globs with * and ?), -trace events=FILE (one pattern per line) and -trace file=FILE.\n';
    return;
  }
  const pattern = r.string('enable');
  const events = r.string('events');
  const file = r.string('file');
  r.done();
  if (pattern !== undefined) addTracePattern(s, pattern, where);
  if (events !== undefined) {
    let text = '';
    try {
      text = readFileSync(fileRef(s, events, where).resolved, 'utf8');
    } catch (e) {
      r.fail(`cannot read trace events file '${events}': ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
    for (const line of text.split('\n')) {
      const p = line.trim();
      if (p !== '' && !p.startsWith('#')) addTracePattern(s, p, where);
    }
  }
  if (file !== undefined) s.config.trace.file = fileRef(s, file, where);
}

/** QEMU's MAX_ICOUNT_SHIFT. */
const MAX_ICOUNT_SHIFT = 10;

/** -icount [shift=]N[,sleep=on|off][,align=off]: virtual time from the instruction count. */
export function optIcount(s: ParseState, value: string, where: string): void {
  const r: OptsReader = newReader(s, where, value, 'shift');
  const shift = r.string('shift');
  if (shift === 'auto') r.fail("shift=auto is valid in QEMU but not supported by xentab (it ties virtual time to host speed; xentab is deterministic)");
  const n = shift === undefined ? null : r.uint('shift', 0, 0, MAX_ICOUNT_SHIFT);
  const sleep = r.bool('sleep', true);
  if (r.bool('align', false)) r.fail('align=on is valid in QEMU but not supported by xentab');
  r.done(['rr', 'rrfile', 'rrsnapshot', 'q']);
  s.config.icount = { shift: n, sleep };
}
