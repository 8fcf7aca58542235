// Running the Debian tools the image pipeline needs (apt, dpkg-deb, mke2fs, xz), and saying exactly what to
// install when one is missing.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** A problem the user fixes (missing tool, no network, no cache): printed without a stack, exit status 1. */
export class UserError extends Error {}

/** Which Debian package provides each command we call. */
export const TOOL_PACKAGES: Readonly<Record<string, string>> = {
  'apt-get': 'apt',
  'apt-cache': 'apt',
  'dpkg-deb': 'dpkg',
  mke2fs: 'e2fsprogs',
  debugfs: 'e2fsprogs',
  xz: 'xz-utils',
  zstd: 'zstd',
};

/** The full path of `command`, searching PATH and the sbin folders a non-root PATH often lacks. */
export function findTool(command: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin'];
  for (const dir of dirs) {
    if (!dir) continue;
    const path = join(dir, command);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

export function requireTool(command: string): string {
  const path = findTool(command);
  if (path) return path;
  const pkg = TOOL_PACKAGES[command] ?? command;
  const sudo = process.getuid?.() === 0 ? '' : 'sudo ';
  throw new UserError(`${command} is missing: install it with \`${sudo}apt-get install ${pkg}\``);
}

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string>;
  input?: Uint8Array | string;
}

/** Runs a tool to completion; throws with its stderr when it fails. Returns stdout as bytes. */
export function runTool(command: string, args: readonly string[], options: RunOptions = {}): Buffer {
  const path = requireTool(command);
  const r = spawnSync(path, args, {
    cwd: options.cwd,
    env: { ...process.env, LC_ALL: 'C', ...options.env },
    input: options.input,
    maxBuffer: 256 * 1024 * 1024,
  });
  if (r.error) throw new Error(`${command}: ${r.error.message}`);
  if (r.status !== 0) {
    const err = r.stderr.toString().trim();
    throw new Error(`\`${command} ${args.join(' ')}\` exited with ${r.status ?? r.signal}${err ? `:\n${err}` : ''}`);
  }
  return r.stdout;
}

/** stdout and stderr of a tool that reports on stderr (`mke2fs -V`), as text. */
export function toolVersion(command: string, args: readonly string[] = ['--version']): string {
  const r = spawnSync(requireTool(command), args, { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
}
