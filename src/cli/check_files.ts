// Input files named by -kernel, -initrd and -drive must exist and be readable (and writable for
// a drive the guest may write), and output files (-D, -trace file=, file chardevs) must be
// creatable, before anything starts. Returns one message per problem, each
// naming the option as typed, so --print-config can still print the config and list them.
import { accessSync, constants, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { FileRef, MachineConfig } from '../machine/config.ts';

export function checkFiles(config: MachineConfig, origin: WeakMap<object, string>): string[] {
  const problems: string[] = [];
  const check = (ref: FileRef, what: string, write: boolean): void => {
    const where = origin.get(ref) ?? '';
    const problem = fileProblem(ref.resolved, write);
    // The kernel's wording is QEMU's ("could not open kernel file"): kvm-unit-tests' runner
    // probes the command line with a missing kernel and looks for that phrase.
    const verb = what === 'kernel file' ? 'could not open' : 'cannot use';
    if (problem) problems.push(`${where ? `${where}: ` : ''}${verb} ${what} '${ref.path}' (${ref.resolved}): ${problem}`);
  };
  if (config.boot.kernel) check(config.boot.kernel, 'kernel file', false);
  config.boot.modules.forEach((m, n) => check(m.file, config.boot.modules.length > 1 ? `module ${n + 1}` : 'initrd', false));
  for (const d of config.drives) {
    // Guest writes reach the image unless the drive is read-only or a snapshot overlay takes them.
    if (d.file) check(d.file, 'disk image', !d.readOnly && !d.snapshot);
  }
  // Output files are created at start; their directory must exist and be writable.
  const output = (ref: FileRef | null, what: string): void => {
    if (!ref) return;
    const where = origin.get(ref) ?? '';
    const problem = directoryProblem(dirname(ref.resolved));
    if (problem) problems.push(`${where ? `${where}: ` : ''}cannot write ${what} '${ref.path}' (${ref.resolved}): ${problem}`);
  };
  for (const c of config.chardevs) output(c.path, `chardev '${c.id}' file`);
  output(config.log.file, 'log file');
  output(config.trace.file, 'trace file');
  return problems;
}

function directoryProblem(dir: string): string | null {
  try {
    if (!statSync(dir).isDirectory()) return `${dir} is not a directory`;
    accessSync(dir, constants.W_OK);
    return null;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? `no such directory ${dir}` : `${dir}: ${errnoText(e)}`;
  }
}

function fileProblem(path: string, write: boolean): string | null {
  try {
    const st = statSync(path);
    if (st.isDirectory()) return 'is a directory';
    if (!st.isFile() && !st.isBlockDevice() && !st.isCharacterDevice()) return 'not a regular file';
  } catch (e) {
    return errnoText(e);
  }
  try {
    accessSync(path, constants.R_OK);
  } catch (e) {
    return errnoText(e);
  }
  if (write) {
    try {
      accessSync(path, constants.W_OK);
    } catch {
      return 'not writable (use readonly=on or snapshot=on)';
    }
  }
  return null;
}

function errnoText(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'ENOTDIR') return 'a path component is not a directory';
  return code ?? String(e);
}
