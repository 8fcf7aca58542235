// Builds the 32-bit benchmark workloads as multiboot ELF images for the peer emulators
// (v86, QEMU TCG): the workload's bench_main with the same gcc flags as tools/bench/main.ts,
// wrapped by multiboot.S (header, stack, entry/exit markers on port 0xE9).
// The expected checksum comes from the same source built as a host program.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const WORKLOADS = join(here, '..', 'workloads');
export const PEERS_OUT = join(here, '..', '..', '..', '.cache', 'bench', 'peers');

// Kept equal to tools/bench/main.ts so bench_main compiles to the same instructions.
const CFLAGS = ['-O2', '-ffreestanding', '-nostdlib', '-static', '-fno-pic', '-fno-pie', '-no-pie', '-mgeneral-regs-only',
  '-fno-tree-loop-distribute-patterns', '-fno-stack-protector', '-fno-asynchronous-unwind-tables', '-Wl,--build-id=none',
  '-Wl,--no-warn-rwx-segments'];

export interface MultibootImage {
  name: string;
  elfPath: string;
  elf: Uint8Array;
  /** Checksum printed by the host build of the same source. */
  expected: number;
  /** Addresses of the marker OUTs in multiboot.S (for the QEMU instruction-count plugin). */
  benchStart: number;
  benchEnd: number;
}

export function buildMultiboot(name: string): MultibootImage {
  mkdirSync(PEERS_OUT, { recursive: true });
  const src = join(WORKLOADS, `${name}.c`);
  const elfPath = join(PEERS_OUT, `${name}32.mb.elf`);
  execFileSync('gcc', ['-m32', ...CFLAGS, '-T', join(here, 'multiboot.ld'), '-o', elfPath, join(here, 'multiboot.S'), src]);
  const host = join(PEERS_OUT, `${name}32.host`);
  if (!existsSync(host)) execFileSync('gcc', ['-m32', '-O2', '-DHOST_MAIN', '-o', host, src]);
  const expected = Number(execFileSync(host, { encoding: 'utf8' }).trim()) >>> 0;
  const syms = new Map<string, number>();
  for (const line of execFileSync('nm', [elfPath], { encoding: 'utf8' }).split('\n')) {
    const [addr, , sym] = line.trim().split(/\s+/);
    if (addr && sym) syms.set(sym, parseInt(addr, 16));
  }
  const benchStart = syms.get('bench_start'), benchEnd = syms.get('bench_end');
  if (benchStart === undefined || benchEnd === undefined) throw new Error(`${elfPath}: marker symbols missing`);
  return { name, elfPath, elf: new Uint8Array(readFileSync(elfPath)), expected, benchStart, benchEnd };
}

/** A peer's measurement of one run of a workload (instructions between the two markers). */
export interface PeerRun {
  insns: number;
  ms: number;
  cpuMs: number;
  checksum: number;
}

/** Parses the stub's report: 'S', 8 lowercase hex digits, '\n'. */
export function parseReport(text: string): number | undefined {
  const m = /S([0-9a-f]{8})\n/.exec(text);
  return m ? parseInt(m[1]!, 16) >>> 0 : undefined;
}
