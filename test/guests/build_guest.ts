// Builds our self-checking test kernels with the host gcc at test time, into .cache/guests/.
// Output names carry a hash of the sources and flags, so a rebuild happens only on change.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const GUEST_DIR = dirname(fileURLToPath(import.meta.url));
const CACHE = resolve(GUEST_DIR, '../../.cache/guests');

export interface GuestSpec {
  /** Output base name. */
  name: string;
  /** Source files in test/guests (.c and .S). */
  sources: string[];
  /** Preprocessor symbols, e.g. ['MULTIBOOT']. */
  defines: string[];
  /** Also produce a flat binary (objcopy -O binary) and return that instead of the ELF. */
  flat?: boolean;
}

export function haveGcc32(): boolean {
  try {
    execFileSync('gcc', ['-m32', '-x', 'c', '-c', '-o', '/dev/null', '-'], { input: 'int x;', stdio: ['pipe', 'ignore', 'ignore'] });
    return true;
  } catch {
    return false;
  }
}

/** Build (or reuse) a test kernel; returns the path of the ELF (or flat binary). */
export function buildGuest(spec: GuestSpec): string {
  const h = createHash('sha256');
  const files = [...spec.sources, 'guest.ld', 'guest_lib.h', 'long_mode_entry.h'];
  // (idt32.S and friends are listed in spec.sources when used)
  for (const f of files) h.update(f).update(readFileSync(join(GUEST_DIR, f)));
  h.update(JSON.stringify(spec));
  const tag = h.digest('hex').slice(0, 12);
  mkdirSync(CACHE, { recursive: true });
  const elf = join(CACHE, `${spec.name}-${tag}.elf`);
  const out = spec.flat ? join(CACHE, `${spec.name}-${tag}.bin`) : elf;
  if (existsSync(out)) return out;
  const tmp = `${elf}.tmp`;
  const run = (cmd: string, args: string[]) => {
    try {
      execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      const err = e as { stderr?: Buffer };
      throw new Error(`building ${spec.name} failed:\n${err.stderr?.toString() ?? String(e)}`);
    }
  };
  run(
    'gcc',
    [
      '-m32', '-march=i686', '-ffreestanding', '-fno-pic', '-fno-pie', '-no-pie', '-nostdlib', '-static', '-O2',
      '-fno-stack-protector', '-fno-asynchronous-unwind-tables', '-mno-sse', '-mno-mmx',
      '-Wl,--build-id=none', '-Wl,-T,' + join(GUEST_DIR, 'guest.ld'), '-Wl,-z,noexecstack',
      ...spec.defines.map((d) => `-D${d}`),
      '-o', tmp,
      ...spec.sources.map((s) => join(GUEST_DIR, s)),
    ],
  );
  renameSync(tmp, elf);
  if (spec.flat) {
    run('objcopy', ['-O', 'binary', elf, `${out}.tmp`]);
    renameSync(`${out}.tmp`, out);
  }
  return out;
}

export const MULTIBOOT_INFO: GuestSpec = { name: 'multiboot_info', sources: ['start32.S', 'multiboot_info.c'], defines: ['MULTIBOOT'] };
export const MULTIBOOT_AOUT_INFO: GuestSpec = {
  name: 'multiboot_aout_info', sources: ['start32.S', 'multiboot_info.c'], defines: ['MULTIBOOT_AOUT'], flat: true,
};
export const PVH_INFO: GuestSpec = { name: 'pvh_info', sources: ['start32.S', 'pvh_info.c'], defines: ['PVH'] };
export const ENTRY_STATE: GuestSpec = { name: 'entry_state', sources: ['start32.S', 'entry_state.c'], defines: ['MULTIBOOT'] };
export const DEVICES: GuestSpec = { name: 'devices', sources: ['start32.S', 'devices.c'], defines: ['MULTIBOOT'] };
export const INTERRUPTS: GuestSpec = { name: 'interrupts', sources: ['start32.S', 'idt32.S', 'interrupts.c'], defines: ['MULTIBOOT'] };
export const SMP: GuestSpec = { name: 'smp', sources: ['start32.S', 'smp_tramp.S', 'smp.c'], defines: ['MULTIBOOT'] };
export const EXCEPTIONS: GuestSpec = { name: 'exceptions', sources: ['start32.S', 'exc32.S', 'exceptions.c'], defines: ['MULTIBOOT'] };
export const LONGMODE: GuestSpec = { name: 'longmode', sources: ['start32.S', 'longmode.S', 'serial64.S'], defines: ['MULTIBOOT'] };
