// `npm run bench`: guest MIPS of the interpreter on fixed integer workloads (DESIGN.md §6).
//
// The workloads are our own C sources (tools/bench/workloads), built here with gcc for -m32
// and -m64 (freestanding, -O2, no libc, no SSE), loaded flat at 1 MiB into a 16 MiB machine
// with paging off, and run to their final HLT. Each is also built as a host program whose
// printed checksum must equal the guest's EAX (so a wrong emulator cannot post a fast time).
// Prints retired instructions, wall time and MIPS (median of RUNS runs) per workload.
//
// Options: --runs N, --only NAME, --bits 32|64, --stat median|best (best: the fastest run, steadier
// than the median when other jobs share the machine), --profile (one run each, for `node --cpu-prof`),
// --peers none|v86|qemu|all (default all): the same 32-bit workloads in v86 and QEMU TCG,
// with ratios (tools/bench/peers/compare.ts), --v8-defaults: run with V8's default inlining
// budget, as the page runs in a browser (the Node entry points raise it: bin/v8_tuning.js).

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Cpu, Exit } from '../../src/x86/cpu.ts';
import type { CpuBus } from '../../src/x86/bus.ts';
import { CPU_STATE_BYTES } from '../../src/x86/state_layout.ts';
// @ts-expect-error: plain JavaScript module without type declarations
import { V8_INLINING_FLAGS } from '../../bin/v8_tuning.js';
import { comparePeers, type PeerChoice, type XentabResult } from './peers/compare.ts';

const here = dirname(fileURLToPath(import.meta.url));
const SRC = join(here, 'workloads');
const OUT = join(here, '..', '..', '.cache', 'bench');
const WORKLOADS = ['sieve', 'crc32', 'memops', 'mix'];
const LOAD_ADDR = 0x100000;
const RAM = 16 << 20;

const args = process.argv.slice(2);
if (args.includes('--v8-defaults') && process.env['XENTAB_V8_DEFAULTS'] !== '1') {
  // V8 flags are process-wide and set before our modules load: measure in a fresh process.
  const rest = args.filter((a) => a !== '--v8-defaults');
  const r = spawnSync(process.execPath, [join(here, '..', '..', 'bin', 'run-ts.js'), fileURLToPath(import.meta.url), ...rest],
    { stdio: 'inherit', env: { ...process.env, XENTAB_V8_DEFAULTS: '1' } });
  process.exit(r.status ?? 1);
}
const argVal = (name: string): string | undefined => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const RUNS = Number(argVal('--runs') ?? 5);
const ONLY = argVal('--only');
const BITS = argVal('--bits');
if (BITS !== undefined && BITS !== '32' && BITS !== '64') throw new Error(`--bits ${BITS}: expected 32 or 64`);
const PROFILE = args.includes('--profile');
const STAT = argVal('--stat') ?? 'median';
if (STAT !== 'median' && STAT !== 'best') throw new Error(`--stat ${STAT}: expected median or best`);
const PEERS = (argVal('--peers') ?? (PROFILE ? 'none' : 'all')) as PeerChoice;
if (!['none', 'v86', 'qemu', 'all'].includes(PEERS)) throw new Error(`--peers ${PEERS}: expected none|v86|qemu|all`);

const CFLAGS = ['-O2', '-ffreestanding', '-nostdlib', '-static', '-fno-pic', '-fno-pie', '-no-pie', '-mgeneral-regs-only',
  '-fno-tree-loop-distribute-patterns', '-fno-stack-protector', '-fno-asynchronous-unwind-tables', '-Wl,--build-id=none',
  '-Wl,--no-warn-rwx-segments'];

function build(name: string, bits: 32 | 64): { image: Uint8Array; expected: number } {
  mkdirSync(OUT, { recursive: true });
  const elf = join(OUT, `${name}${bits}.elf`), bin = join(OUT, `${name}${bits}.bin`), host = join(OUT, `${name}${bits}.host`);
  const src = join(SRC, `${name}.c`);
  execFileSync('gcc', [`-m${bits}`, ...CFLAGS, '-T', join(SRC, 'link.ld'), '-o', elf, src]);
  execFileSync('objcopy', ['-O', 'binary', elf, bin]);
  if (!existsSync(host)) execFileSync('gcc', [`-m${bits}`, '-O2', '-DHOST_MAIN', '-o', host, src]);
  const expected = Number(execFileSync(host, { encoding: 'utf8' }).trim());
  return { image: new Uint8Array(readFileSync(bin)), expected };
}

class BenchBus implements CpuBus {
  physPage(pfn: number): number { return pfn < RAM / 4096 ? CPU_STATE_BYTES + pfn * 4096 : -1; }
  mmioRead(): number { return -1; }
  mmioWrite(): void { /* no devices */ }
  portIn(): number { return -1; }
  portOut(): void { /* no devices */ }
  cpuid(): boolean { return false; }
  rdmsr(): boolean { return false; }
  wrmsr(): boolean { return false; }
  vmcall(): boolean { return false; }
  pendingInterrupt(): number { return -1; }
}

function runOnce(image: Uint8Array, bits: 32 | 64): { insns: number; ms: number; cpuMs: number; eax: number; exit: number } {
  const pages = Math.ceil((CPU_STATE_BYTES + RAM) / 65536);
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
  const cpu = new Cpu(memory, 0, new BenchBus());
  new Uint8Array(memory.buffer).set(image, CPU_STATE_BYTES + LOAD_ADDR);
  cpu.setFlatMode(bits, 0);
  cpu.rip = LOAD_ADDR;
  cpu.s32[8] = 0x800000; // rsp
  const t0 = performance.now(), c0 = process.cpuUsage();
  let exit = Exit.BUDGET as number;
  while (exit === Exit.BUDGET) exit = cpu.run(10_000_000);
  const ms = performance.now() - t0, c1 = process.cpuUsage(c0);
  return { insns: cpu.icount, ms, cpuMs: (c1.user + c1.system) / 1000, eax: cpu.reg32(0) >>> 0, exit };
}

const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]!; };
/** The summary of per-run MIPS values that --stat selects. */
const summary = (xs: number[]): number => (STAT === 'best' ? Math.max(...xs) : median(xs));

console.log(`xentab interpreter benchmark (Node ${process.version}), ${STAT === 'best' ? 'best' : 'median'} of ${PROFILE ? 1 : RUNS} runs`);
console.log(process.env['XENTAB_V8_DEFAULTS'] === '1'
  ? 'V8 inlining budget: V8 defaults (as the page runs in a browser)'
  : `V8 inlining budget: xentab's Node setting (${V8_INLINING_FLAGS.join(' ')}; --v8-defaults for the browser's)`);
console.log('workload      bits   instructions  wall ms  MIPS(wall)  MIPS(cpu)  check');
console.log('(MIPS(cpu) divides by this process\'s CPU time: use it when other jobs share the machine)');
const totals: number[] = [];
const cpuTotals: number[] = [];
const xentab32 = new Map<string, XentabResult>();
const geo = (xs: number[]): string => Math.exp(xs.reduce((a, b) => a + Math.log(b), 0) / xs.length).toFixed(1);
for (const name of WORKLOADS) {
  if (ONLY && ONLY !== name) continue;
  for (const bits of [32, 64] as const) {
    if (BITS !== undefined && Number(BITS) !== bits) continue;
    const { image, expected } = build(name, bits);
    const results = [];
    for (let i = 0; i < (PROFILE ? 1 : RUNS); i++) results.push(runOnce(image, bits));
    const r = results[0]!;
    const mips = summary(results.map((x) => x.insns / x.ms / 1000));
    const cpuMips = summary(results.map((x) => x.insns / x.cpuMs / 1000));
    const ok = r.exit === Exit.HLT && r.eax === expected >>> 0;
    totals.push(mips);
    cpuTotals.push(cpuMips);
    if (bits === 32 && ok) xentab32.set(name, { insns: r.insns, mips, cpuMips });
    console.log(`${name.padEnd(12)} ${String(bits).padStart(4)} ${String(r.insns).padStart(14)} ${median(results.map((x) => x.ms)).toFixed(0).padStart(8)} ${mips.toFixed(1).padStart(11)} ${cpuMips.toFixed(1).padStart(10)}  ${ok ? 'ok' : `WRONG (exit ${r.exit}, eax ${r.eax} != ${expected})`}`);
  }
}
if (totals.length) console.log(`geometric mean: ${geo(totals)} MIPS (wall), ${geo(cpuTotals)} MIPS (cpu)`);
await comparePeers(PEERS, RUNS, xentab32);
