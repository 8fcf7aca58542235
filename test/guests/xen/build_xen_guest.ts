// Builds the Xen test guests with the host gcc into .cache/guests/: the 32-bit flavour with the
// shared 32-bit PVH entry (../start32.S), the 64-bit one with start64.S (long mode, paging on).
// Output names carry a hash of sources and flags, so rebuilding happens only on change.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const GUESTS = resolve(HERE, '..');
const CACHE = resolve(HERE, '../../../.cache/guests');

export function buildXenGuest(name: string, bits: 32 | 64): string {
  const sources = bits === 32 ? [join(GUESTS, 'start32.S'), join(HERE, `${name}.c`)] : [join(HERE, 'start64.S'), join(HERE, `${name}.c`)];
  const flags = [
    bits === 32 ? '-m32' : '-m64', '-ffreestanding', '-fno-pic', '-fno-pie', '-no-pie', '-nostdlib', '-static', '-O2',
    '-fno-stack-protector', '-fno-asynchronous-unwind-tables', '-mno-sse', '-mno-mmx', '-mno-red-zone',
    '-Wl,--build-id=none', `-Wl,-T,${join(GUESTS, 'guest.ld')}`, '-Wl,-z,noexecstack', '-DPVH',
  ];
  const h = createHash('sha256');
  for (const f of [...sources, join(GUESTS, 'guest.ld'), join(GUESTS, 'guest_lib.h'), join(GUESTS, 'long_mode_entry.h'), join(HERE, 'xen_guest.h')]) h.update(f).update(readFileSync(f));
  h.update(flags.join(' '));
  mkdirSync(CACHE, { recursive: true });
  const out = join(CACHE, `${name}${bits}-${h.digest('hex').slice(0, 12)}.elf`);
  if (existsSync(out)) return out;
  try {
    execFileSync('gcc', [...flags, '-o', `${out}.tmp`, ...sources], { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    throw new Error(`building ${name} (${bits}-bit) failed:\n${(e as { stderr?: Buffer }).stderr?.toString() ?? String(e)}`);
  }
  renameSync(`${out}.tmp`, out);
  return out;
}
