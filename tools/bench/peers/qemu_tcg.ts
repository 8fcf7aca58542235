// Runs a multiboot benchmark image in QEMU TCG (Debian `qemu-system-x86`, qemu-system-i386):
// `-kernel` loads it through QEMU's multiboot loader after SeaBIOS, the stub in multiboot.S
// prints on the ISA debug console (port 0xE9, piped back to us) and leaves through
// isa-debug-exit.
// Timing and counting are done inside QEMU by insn_count_plugin.c at the two marker
// instructions (bench_start, bench_end): wall time, the vCPU thread's CPU time and, with
// count=on, the instructions retired in between (the same span v86's counter and xentab's
// icount cover). Timed runs use count=off: then the plugin instruments only the two
// markers; counting (an inline add per executed block) gets its own run.

import { execFileSync, spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
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

interface QemuResult { stdout: string; stderr: string; status: number | null }

function runProcess(args: string[], timeoutMs: number): Promise<QemuResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(QEMU, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`QEMU did not finish in ${timeoutMs} ms`)); }, timeoutMs);
    child.stdout.setEncoding('latin1');
    child.stdout.on('data', (chunk: string) => { stdout += chunk; });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => { stderr += chunk; });
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (status) => { clearTimeout(timer); resolve({ stdout, stderr, status }); });
  });
}

/** One run; insns is QEMU's count when opts.count, else 0 (timed runs leave counting off). */
export async function runQemu(img: MultibootImage, opts: { count: boolean; timeoutMs?: number }): Promise<PeerRun> {
  const hex = (n: number): string => `0x${n.toString(16)}`;
  const plugin = `${pluginPath()},start=${hex(img.benchStart)},end=${hex(img.benchEnd)},count=${opts.count ? 'on' : 'off'}`;
  const r = await runProcess([...BASE_ARGS, '-kernel', img.elfPath, '-plugin', plugin, '-d', 'plugin'], opts.timeoutMs ?? 600_000);
  const checksum = parseReport(r.stdout);
  const m = /insn_count workload=(\d+) total=\d+ wall_ns=(\d+) cpu_ns=(\d+)/.exec(r.stderr);
  if (r.status !== EXIT_OK || checksum === undefined || !m)
    throw new Error(`QEMU: ${img.name} exited ${r.status}, output ${JSON.stringify(r.stdout)} ${r.stderr}`);
  return { insns: Number(m[1]), ms: Number(m[2]) / 1e6, cpuMs: Number(m[3]) / 1e6, checksum };
}
