// `npx xentab …` (bin/xentab.js): parse the QEMU-style command line, then print help, version
// or the config, or run the machine headless. Exit statuses are listed in src/cli/usage.ts.
import { readFileSync } from 'node:fs';
import { CliError, EXIT_INTERNAL, EXIT_OK, EXIT_USAGE } from './cli_error.ts';
import { runHeadless } from './headless_host.ts';
import { parseArgs } from './parse_args.ts';
import type { ParseResult } from './parse_args.ts';
import { usageText, versionText } from './usage.ts';

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
  return pkg.version ?? 'unknown';
}

export async function main(argv: readonly string[]): Promise<number> {
  let result: ParseResult;
  try {
    result = parseArgs(argv, { cwd: process.cwd() });
  } catch (e) {
    if (e instanceof CliError) {
      process.stderr.write(`xentab: ${e.message}\n`);
      return EXIT_USAGE;
    }
    throw e;
  }
  for (const w of result.warnings) process.stderr.write(`xentab: ${w}\n`);
  if (result.kind === 'output') {
    const text = result.text === 'help' ? usageText() : result.text === 'version' ? versionText(packageVersion()) : result.text;
    process.stdout.write(text);
    return EXIT_OK;
  }
  for (const p of result.fileProblems) process.stderr.write(`xentab: ${p}\n`);
  if (result.printConfig) {
    process.stdout.write(`${JSON.stringify(result.config, null, 2)}\n`);
    return result.fileProblems.length > 0 ? EXIT_USAGE : EXIT_OK;
  }
  if (result.fileProblems.length > 0) return EXIT_USAGE;
  return runHeadless(result.config, { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin });
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`xentab: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = EXIT_INTERNAL;
}
