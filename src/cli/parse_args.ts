// argv → MachineConfig. Walks the arguments QEMU's way (vl.c: every argument is an option from
// the table in src/cli/options.ts, whose value, if any, is the next argument), then settles
// defaults and cross-references (src/cli/finalize_config.ts) and checks the input files.
// Bad input throws CliError before anything has started.
import type { MachineConfig } from '../machine/config.ts';
import { checkFiles } from './check_files.ts';
import { CliError } from './cli_error.ts';
import { finalizeConfig } from './finalize_config.ts';
import { lookupOption } from './options.ts';
import { newParseState } from './parse_state.ts';

export type ParseResult =
  /** -help, -version or a `help` value: print `text` on stdout, exit 0. */
  | { kind: 'output'; text: string; warnings: string[] }
  | {
      kind: 'config';
      config: MachineConfig;
      printConfig: boolean;
      warnings: string[];
      /** Missing or unreadable input files, one message each (fatal unless only printing). */
      fileProblems: string[];
    };

export interface ParseOptions {
  /** Relative paths are resolved against this directory. */
  cwd: string;
}

export function parseArgs(argv: readonly string[], options: ParseOptions): ParseResult {
  const s = newParseState(options.cwd);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('-') || arg === '-') {
      throw new CliError(arg, `a disk image without an option (QEMU's implicit -hda) is not supported yet by xentab; use -drive file=${arg},if=xen`);
    }
    const row = lookupOption(arg);
    if (!row) {
      const eq = arg.indexOf('=');
      if (eq > 0 && lookupOption(arg.slice(0, eq))?.arg) {
        throw new CliError(arg, `invalid option (as in QEMU, the value is the next argument: '${arg.slice(0, eq)} ${arg.slice(eq + 1)}')`);
      }
      throw new CliError(arg, 'invalid option (see xentab -help)');
    }
    let value = '';
    if (row.arg !== null) {
      if (i + 1 >= argv.length) throw new CliError(arg, 'requires an argument');
      value = argv[++i]!;
    }
    const where = row.arg !== null ? `${arg} ${value}` : arg;
    if (row.apply === null) throw new CliError(where, `option ${arg} is valid in QEMU but not supported yet by xentab`);
    row.apply(s, value, where);
    if (s.output !== null) return { kind: 'output', text: s.output, warnings: s.warnings };
  }
  const config = finalizeConfig(s);
  return { kind: 'config', config, printConfig: s.printConfig, warnings: s.warnings, fileProblems: checkFiles(config, s.origin) };
}
