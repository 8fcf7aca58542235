// -kernel, -append, -initrd. For multiboot and PVH kernels -initrd is a module list
// (qemu-options.hx, "-initrd"): modules are separated by single commas, `,,` is a literal comma,
// and the text after the first space of a module is its command line.
import { CliError } from './cli_error.ts';
import { fileRef } from './parse_state.ts';
import type { ParseState } from './parse_state.ts';
import { readOptValue } from './qemu_opts.ts';

export interface ModuleSpec {
  file: string;
  cmdline: string;
}

/** `"bzImage earlyprintk=xen,,keep root=/dev/xvda1,initrd.img"` → two modules. */
export function parseModuleList(text: string): ModuleSpec[] {
  const modules: ModuleSpec[] = [];
  let i = 0;
  while (i <= text.length) {
    const { value, end } = readOptValue(text, i);
    const space = value.indexOf(' ');
    modules.push(space < 0 ? { file: value, cmdline: '' } : { file: value.slice(0, space), cmdline: value.slice(space + 1) });
    if (end >= text.length) break;
    i = end + 1;
  }
  return modules;
}

export function optKernel(s: ParseState, value: string, where: string): void {
  if (value === '') throw new CliError(where, 'the kernel file name is empty');
  s.config.boot.kernel = fileRef(s, value, where);
}

export function optAppend(s: ParseState, value: string): void {
  s.config.boot.append = value;
}

export function optInitrd(s: ParseState, value: string, where: string): void {
  const modules = parseModuleList(value);
  modules.forEach((m, n) => {
    if (m.file === '') throw new CliError(where, `module ${n + 1} has no file name`);
  });
  s.config.boot.initrd = value;
  s.config.boot.modules = modules.map((m) => ({ file: fileRef(s, m.file, where), cmdline: m.cmdline }));
}
