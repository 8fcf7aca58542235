// Runs a multiboot benchmark image in QEMU TCG (Debian `qemu-system-x86`, qemu-system-i386):
// `-kernel` loads it through QEMU's multiboot loader after SeaBIOS, the stub in multiboot.S
// prints on the ISA debug console (port 0xE9, piped to our stdin) and leaves through
// isa-debug-exit.
// Timing (runQemu): entry marker 'S' to the first checksum digit as they arrive on the pipe
// (wall), and QEMU's process CPU time (all threads, /proc/PID/stat, 10 ms ticks) between them.
// No plugin is loaded in timed runs.
// Counting (countQemu): one extra run with insn_count_plugin.c, which counts the instructions
// retired from bench_start to bench_end, the same span v86's counter and xentab's icount cover.

import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PEERS_OUT, parseReport, type MultibootImage, type PeerRun } from './build.ts';

const here = dirname(fileURLToPath(import.meta.url));
export const QEMU = '/usr/bin/qemu-system-i386';
const BASE_ARGS = ['-nodefaults', '-display', 'none', '-no-reboot', '-m', '32', '-accel', 'tcg',
  '-debugcon', 'stdio', '-device', 'isa-debug-exit'];
/** isa-debug-exit turns the stub's write of 0 into exit status (0 << 1) | 1. */
const EXIT_OK = 1;

export function qemuAvailable(): string | undefined {
  return existsSync(QEMU) ? undefined : `QEMU TCG needs ${QEMU}: apt-get install qemu-system-x86`;
}

function pluginPath(): string {
  const src = join(here, 'insn_count_plugin.c'), so = join(PEERS_OUT, 'libinsn_count.so');
  if (!existsSync(so) || statSync(so).mtimeMs < statSync(src).mtimeMs)
    execFileSync('gcc', ['-shared', '-fPIC', '-O2', '-fvisibility=hidden', '-Wall', '-o', so, src]);
  return so;
}

const TICK_MS = 10; // USER_HZ on Linux
function cpuMsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * TICK_MS; // utime, stime (fields 14, 15)
  } catch {
    return NaN;
  }
}

interface QemuResult { stdout: string; stderr: string; status: number | null; ms: number; cpuMs: number }

function runProcess(args: string[], timeoutMs: number): Promise<QemuResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(QEMU, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '', t0 = 0, cpu0 = 0, ms = NaN, cpuMs = NaN;
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`QEMU did not finish in ${timeoutMs} ms`)); }, timeoutMs);
    child.stdout.setEncoding('latin1');
    child.stdout.on('data', (chunk: string) => {
      const now = performance.now();
      const before = stdout.length;
      stdout += chunk;
      const s = stdout.indexOf('S');
      if (s >= before && s >= 0) { t0 = now; cpu0 = cpuMsOf(child.pid!); }
      if (s >= 0 && Number.isNaN(ms) && stdout.length > s + 1) { ms = now - t0; cpuMs = cpuMsOf(child.pid!) - cpu0; }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => { stderr += chunk; });
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (status) => { clearTimeout(timer); resolve({ stdout, stderr, status, ms, cpuMs }); });
  });
}

/** One timed run (no plugin). insns is 0: take the count from countQemu. */
export async function runQemu(img: MultibootImage, timeoutMs = 600_000): Promise<PeerRun> {
  const r = await runProcess([...BASE_ARGS, '-kernel', img.elfPath], timeoutMs);
  const checksum = parseReport(r.stdout);
  if (r.status !== EXIT_OK || checksum === undefined)
    throw new Error(`QEMU: ${img.name} exited ${r.status}, output ${JSON.stringify(r.stdout)} ${r.stderr}`);
  return { insns: 0, ms: r.ms, cpuMs: r.cpuMs, checksum };
}

/** Instructions QEMU retires from bench_start to bench_end, counted by insn_count_plugin.c. */
export async function countQemu(img: MultibootImage, timeoutMs = 600_000): Promise<number> {
  const hex = (n: number): string => `0x${n.toString(16)}`;
  const r = await runProcess([...BASE_ARGS, '-kernel', img.elfPath, '-plugin',
    `${pluginPath()},start=${hex(img.benchStart)},end=${hex(img.benchEnd)}`, '-d', 'plugin'], timeoutMs);
  const m = /insn_count workload=(\d+)/.exec(r.stderr);
  if (r.status !== EXIT_OK || !m) throw new Error(`QEMU plugin count for ${img.name} failed: ${r.stderr}`);
  return Number(m[1]);
}
