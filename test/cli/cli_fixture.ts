// Shared by the CLI tests: a temp dir holding placeholder files so the parse-time file checks
// pass, and path normalisation so golden configs do not depend on where the dir is.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PLACEHOLDER_FILES = [
  'xen', 'bzImage', 'initrd.img', 'guest.img', 'grub-i386-xen_pvh.bin', 'test.elf', 'disk2.img', 'trace-events.txt',
];

export function makeFixtureDir(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'xentab-cli-'));
  for (const f of PLACEHOLDER_FILES) writeFileSync(join(dir, f), f === 'trace-events.txt' ? '# events\nxenstore_*\n\nxen_evtchn_*\n' : `${f}\n`);
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Replaces the temp dir in every string with `<dir>`. */
export function normalisePaths<T>(value: T, dir: string): T {
  return JSON.parse(JSON.stringify(value).split(dir).join('<dir>')) as T;
}
