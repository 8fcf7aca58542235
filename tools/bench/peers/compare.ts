// The peer comparison printed by `npm run bench` (issue 3, DESIGN.md §6): the 32-bit
// workloads in v86 (JIT and interpreter) and QEMU TCG, in the same run as xentab, as MIPS
// and as ratios xentab/peer. Every peer's checksum is checked against the host build, and
// the instruction counts of all engines are printed side by side (they should agree to
// within the ~80 instructions of the multiboot stub's tail; see v86.ts, qemu_tcg.ts).

import { buildMultiboot, type PeerRun } from './build.ts';
import { qemuAvailable, runQemu } from './qemu_tcg.ts';
import { runV86, v86Available } from './v86.ts';

export type PeerChoice = 'none' | 'v86' | 'qemu' | 'all';

/** xentab's own result for a 32-bit workload, as measured by tools/bench/main.ts. */
export interface XentabResult { insns: number; mips: number; cpuMips: number }

const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]!; };
const mipsOf = (insns: number, ms: number): number => insns / ms / 1000;
const fmt = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : '-');

interface PeerLine { engine: string; insns: number; mips: number; cpuMips: number; ok: boolean }

async function measure(engine: string, runs: number, expected: number, once: () => Promise<PeerRun>, insns?: number): Promise<PeerLine> {
  const rs: PeerRun[] = [];
  for (let i = 0; i < runs; i++) rs.push(await once());
  const n = insns ?? rs[0]!.insns;
  return {
    engine, insns: n,
    mips: median(rs.map((r) => mipsOf(n, r.ms))),
    cpuMips: median(rs.map((r) => mipsOf(n, r.cpuMs))),
    ok: rs.every((r) => r.checksum === expected),
  };
}

export async function comparePeers(which: PeerChoice, runs: number, xentab: Map<string, XentabResult>,
  log: (line: string) => void = console.log): Promise<void> {
  if (which === 'none' || xentab.size === 0) return;
  const wantV86 = which === 'all' || which === 'v86', wantQemu = which === 'all' || which === 'qemu';
  const v86Missing = wantV86 ? v86Available() : undefined, qemuMissing = wantQemu ? qemuAvailable() : undefined;
  if (v86Missing) log(`note: ${v86Missing}`);
  if (qemuMissing) log(`note: ${qemuMissing}`);
  const useV86 = wantV86 && !v86Missing, useQemu = wantQemu && !qemuMissing;
  if (!useV86 && !useQemu) return;
  log('');
  log(`peers on the 32-bit workloads (multiboot images, median of ${runs} runs; instructions from the entry marker, boot excluded)`);
  log('workload     engine         instructions  MIPS(wall)  MIPS(cpu)  xentab/peer(wall)  (cpu)  check');
  const ratios = new Map<string, number[]>(), cpuRatios = new Map<string, number[]>();
  for (const [name, x] of xentab) {
    const img = buildMultiboot(name);
    const lines: PeerLine[] = [];
    if (useV86) {
      lines.push(await measure('v86 JIT', runs, img.expected, () => runV86(img, { jit: true })));
      lines.push(await measure('v86 interp', runs, img.expected, () => runV86(img, { jit: false })));
    }
    if (useQemu) {
      const counted = await runQemu(img, { count: true });
      lines.push(await measure('QEMU TCG', runs, img.expected, () => runQemu(img, { count: false }), counted.insns));
    }
    log(`${name.padEnd(12)} ${'xentab'.padEnd(12)} ${String(x.insns).padStart(14)} ${fmt(x.mips).padStart(11)} ${fmt(x.cpuMips).padStart(10)}`);
    for (const l of lines) {
      const ratio = x.mips / l.mips, cpuRatio = x.cpuMips / l.cpuMips;
      (ratios.get(l.engine) ?? ratios.set(l.engine, []).get(l.engine)!).push(ratio);
      (cpuRatios.get(l.engine) ?? cpuRatios.set(l.engine, []).get(l.engine)!).push(cpuRatio);
      log(`${''.padEnd(12)} ${l.engine.padEnd(12)} ${String(l.insns).padStart(14)} ${fmt(l.mips).padStart(11)} ${fmt(l.cpuMips).padStart(10)} ${ratio.toFixed(3).padStart(18)} ${cpuRatio.toFixed(3).padStart(6)}  ${l.ok ? 'ok' : 'WRONG checksum'}`);
    }
  }
  const geo = (xs: number[]): string => Math.exp(xs.reduce((a, b) => a + Math.log(b), 0) / xs.length).toFixed(3);
  for (const [engine, rs] of ratios)
    log(`xentab/${engine}: geometric mean ${geo(rs)} (wall), ${geo(cpuRatios.get(engine)!)} (cpu)`);
  log('(MIPS(cpu): v86 = this process\'s CPU time, QEMU = its vCPU thread\'s; JIT warm-up and translation are inside the timed span)');
}
