/**
 * Host-CPU oracle: run instruction bytes natively (user mode, 64-bit or 32-bit)
 * and read back registers, flags, the FXSAVE image, the data window and any
 * fault. The silicon is the oracle for differential tests of src/x86.
 *
 * Usage:
 *   if (!hostOracleAvailable(64)) skip(hostOracleUnavailableReason(64));
 *   const s = emptyHostState(); s.gpr[0] = 0xffffffffn; s.gpr[3] = 1n;   // rax, rbx
 *   const [r] = runOnHost([{ mode: 64, code: Uint8Array.of(0x01, 0xd8), state: s }]);  // ADD EAX, EBX
 *   r.signal === 'none', r.state.gpr[0] === 0n, r.state.rflags & 1 (CF) === 1
 * Batch as many cases as you can per call (one process spawn per mode per call):
 * about 60,000 cases/s end to end from TypeScript on the 2-core dev box
 * (the runner alone does ~300,000/s; the rest is encoding and decoding).
 *
 * How it works: runner.c (beside this file) is compiled with gcc (and gcc -m32)
 * into .cache/host_oracle/, named by a hash of its source and flags. One runner
 * process per mode per runOnHost() call reads all cases on stdin and writes all
 * results on stdout (binary record format documented at the top of runner.c).
 *
 * Per case the runner: copies the code to CODE_BASE followed by a jump to its
 * exit routine (the rest of the 16 KiB code area is INT3, refilled every case);
 * fills the data window (DATA_BASE, DATA_SIZE bytes; the pages around it are
 * unmapped); puts every XSAVE component in its init state (so upper YMM/ZMM
 * halves never leak between cases) and FXRSTORs `fxsave`; loads CF PF AF ZF SF
 * DF OF and AC from `rflags` (other bits are the CPU's: IF=1, bit 1=1); loads
 * all GPRs including RSP; jumps to CODE_BASE. Falling off the end of the code
 * reaches the exit routine, which saves RSP first, switches stacks and reports
 * the state (result rip = CODE_BASE + code.length).
 *
 * Signals run on an alternate stack and report the state from the kernel's
 * signal frame: for faults (#UD, #DE, #GP, #PF, #AC...) rip is the faulting
 * instruction, registers are as before it and rflags has RF (bit 16) set as
 * the CPU pushed it; for traps (INT3, TF single-step) rip is the next one.
 * trapNo/errorCode give the exception vector and error code. Additions to the
 * agreed API: 'SIGALRM' (the case ran ~0.2 s and was stopped, e.g. JMP $) and
 * 'SIGSYS' (SYSCALL/SYSENTER/INT 0x80 from the code area, refused by seccomp;
 * for SYSCALL, rcx/r11 hold what the CPU put there); result fields rip, trapNo,
 * errorCode; CODE_MAX; hostOracleUnavailableReason().
 *
 * FXSAVE image: x86-64 uses FXSAVE64/FXRSTOR64 (64-bit FIP/FDP); i386 uses the
 * 32-bit layout (FCS/FDS beside 32-bit FIP/FDP) and reports XMM8-15 as zero.
 * Bytes 464..511 are zero; MXCSR_MASK (bytes 28..31) is the host's. AMD hosts
 * store FOP/FIP/FDP only while an x87 exception is pending (otherwise zero).
 * In 32-bit mode gpr[8..15] are ignored on input and zero on output, and
 * gpr[0..7] use only their low 32 bits.
 *
 * Limits: user mode only (privileged instructions can only be tested for their
 * #GP). Segment registers are not inputs or outputs; a case may load them (the
 * runner restores its own DS/ES/FS/GS and FS/GS bases after every case), but a
 * far transfer into another code segment (e.g. 0x33 from 32-bit code) is not
 * supported. Stores into the runner itself may kill or corrupt it; when it dies
 * runOnHost throws and names the last case run. The 64-bit runner is PIE, so
 * its own memory lies far above any 32-bit pointer; the i386 runner's cannot.
 * Random instruction bytes with random register values ran 30,000 cases per
 * mode without killing either runner.
 * RDTSC, CPUID and RDRAND give host-specific values.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DATA_BASE = 0x10000000;
export const DATA_SIZE = 0x2000;
export const CODE_BASE = 0x20000000;
/** Longest code a case may carry (the code area is 16 KiB, less the exit stub). */
export const CODE_MAX = 0x4000 - 16;

export interface HostState {
  /** rax rcx rdx rbx rsp rbp rsi rdi r8..r15; 32-bit mode: the first 8, low 32 bits. */
  gpr: BigUint64Array;
  /** CF PF AF ZF SF DF OF (and AC) are loaded; all bits reported as the CPU has them. */
  rflags: number;
  /** 512-byte FXSAVE image (SDM Vol.1 10.5.1). */
  fxsave: Uint8Array;
  /** The data window, DATA_SIZE bytes at DATA_BASE. */
  mem: Uint8Array;
}

export interface HostCase {
  mode: 64 | 32;
  code: Uint8Array;
  state: HostState;
}

export type HostSignal = 'none' | 'SIGILL' | 'SIGFPE' | 'SIGSEGV' | 'SIGBUS' | 'SIGTRAP' | 'SIGALRM' | 'SIGSYS';

export interface HostResult {
  state: HostState;
  /**
   * Additions to the fixed API: 'SIGALRM', the case did not finish within ~0.2 s and was stopped;
   * 'SIGSYS', it made a system call (SYSCALL, SYSENTER, INT 0x80), which was refused: rip is after
   * the instruction and, for SYSCALL, rcx/r11 hold what the CPU put there; rax is the kernel's -ENOSYS.
   */
  signal: HostSignal;
  /** si_addr for SIGSEGV/SIGBUS (0 for #GP), also given for SIGILL/SIGFPE. */
  faultAddress?: number;
  /** Instruction pointer at the end: the exit stub (CODE_BASE + code.length), the faulting instruction, or after a trap the next one. */
  rip: number;
  /** Signals only: the CPU exception vector (ucontext trapno: 0 #DE, 6 #UD, 13 #GP, 14 #PF, 17 #AC, 1/3 traps). */
  trapNo?: number;
  /** Signals only: the exception error code (ucontext err; for #PF the page-fault error code). */
  errorCode?: number;
}

const here = dirname(fileURLToPath(import.meta.url));
const SOURCE = join(here, 'runner.c');
const CACHE_DIR = join(here, '..', '..', '..', '.cache', 'host_oracle');
const FLAGS: Record<64 | 32, string[]> = {
  // PIE puts the runner's own memory far above any 32-bit value a test might use as a pointer.
  // No stack protector: signal handlers must not touch FS/GS before restoring them (runner.c).
  64: ['-O2', '-std=gnu11', '-Wall', '-fno-stack-protector', '-fPIE', '-pie'],
  32: ['-m32', '-O2', '-std=gnu11', '-Wall', '-fno-stack-protector', '-no-pie', '-fno-pie'],
};

const IN_MAGIC = 0x43524f58;
const OUT_MAGIC = 0x53524f58;
const IN_HEADER = 16 + 128 + 8 + 512;
const OUT_HEADER = 24 + 16 + 128 + 8 + 512;
const OUTCOMES: HostSignal[] = ['none', 'SIGILL', 'SIGFPE', 'SIGSEGV', 'SIGBUS', 'SIGTRAP', 'SIGALRM', 'SIGSYS'];
const OUT_BAD_INPUT = 255;

interface Build {
  path?: string;
  reason?: string;
}
const builds: Partial<Record<64 | 32, Build>> = {};

function build(mode: 64 | 32): Build {
  const cached = builds[mode];
  if (cached) return cached;
  let result: Build;
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    result = { reason: `host oracle needs Linux on x86-64 (this is ${process.platform}/${process.arch})` };
  } else {
    const source = readFileSync(SOURCE);
    const hash = createHash('sha256').update(source).update(FLAGS[mode].join(' ')).digest('hex').slice(0, 16);
    const path = join(CACHE_DIR, `runner${mode}-${hash}`);
    if (existsSync(path)) {
      result = { path };
    } else {
      mkdirSync(CACHE_DIR, { recursive: true });
      // Build to a private name and rename, so parallel test workers never see a partial binary.
      const tmp = `${path}.${process.pid}.tmp`;
      const cc = spawnSync('gcc', [...FLAGS[mode], '-o', tmp, SOURCE], { encoding: 'utf8' });
      if (cc.error) {
        result = { reason: `gcc not runnable: ${cc.error.message}` };
      } else if (cc.status !== 0) {
        const hint = mode === 32 ? ' (gcc -m32 needs the gcc-multilib package)' : '';
        result = { reason: `gcc${mode === 32 ? ' -m32' : ''} failed${hint}: ${cc.stderr.trim().split('\n').slice(0, 3).join(' | ')}` };
      } else {
        renameSync(tmp, path);
        result = { path };
        // Drop runners built from older sources.
        for (const f of readdirSync(CACHE_DIR)) {
          if (f.startsWith(`runner${mode}-`) && !f.endsWith('.tmp') && join(CACHE_DIR, f) !== path) rmSync(join(CACHE_DIR, f), { force: true });
        }
      }
    }
  }
  builds[mode] = result;
  return result;
}

/** True when the runner for `mode` can be built (gcc present; gcc -m32 working for 32). */
export function hostOracleAvailable(mode: 64 | 32): boolean {
  return build(mode).path !== undefined;
}

/** Why hostOracleAvailable(mode) is false (undefined when it is true). */
export function hostOracleUnavailableReason(mode: 64 | 32): string | undefined {
  return build(mode).reason;
}

/** Zeroed registers and memory; FXSAVE image with FCW 0x037F, MXCSR 0x1F80 (the FNINIT / reset values). */
export function emptyHostState(): HostState {
  const fxsave = new Uint8Array(512);
  const dv = new DataView(fxsave.buffer);
  dv.setUint16(0, 0x037f, true);
  dv.setUint32(24, 0x1f80, true);
  return { gpr: new BigUint64Array(16), rflags: 0, fxsave, mem: new Uint8Array(DATA_SIZE) };
}

function checkCase(c: HostCase, index: number): void {
  if (c.mode !== 64 && c.mode !== 32) throw new Error(`host oracle case ${index}: mode must be 64 or 32`);
  if (c.code.length > CODE_MAX) throw new Error(`host oracle case ${index}: code longer than ${CODE_MAX} bytes`);
  const s = c.state;
  if (s.gpr.length !== 16 || s.fxsave.length !== 512 || s.mem.length !== DATA_SIZE) {
    throw new Error(`host oracle case ${index}: state needs 16 gpr, 512-byte fxsave, ${DATA_SIZE}-byte mem`);
  }
}

const ZERO_WINDOW = Buffer.alloc(DATA_SIZE);
function isZero(bytes: Uint8Array): boolean {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).equals(ZERO_WINDOW);
}

function encode(cases: HostCase[]): Buffer {
  let size = 0;
  const withMem: boolean[] = [];
  for (const c of cases) {
    const m = !isZero(c.state.mem);
    withMem.push(m);
    size += IN_HEADER + c.code.length + (m ? DATA_SIZE : 0);
  }
  const buf = Buffer.alloc(size);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let o = 0;
  cases.forEach((c, i) => {
    dv.setUint32(o, IN_MAGIC, true);
    dv.setUint32(o + 4, withMem[i] ? 1 : 0, true);
    dv.setUint32(o + 8, c.code.length, true);
    dv.setUint32(o + 12, 0, true);
    o += 16;
    const g = c.state.gpr;
    buf.set(new Uint8Array(g.buffer, g.byteOffset, 128), o); // x86 hosts are little-endian, like the record
    o += 128;
    dv.setBigUint64(o, BigInt(c.state.rflags >>> 0), true);
    o += 8;
    buf.set(c.state.fxsave, o);
    o += 512;
    buf.set(c.code, o);
    o += c.code.length;
    if (withMem[i]) {
      buf.set(c.state.mem, o);
      o += DATA_SIZE;
    }
  });
  return buf;
}

function decode(out: Buffer, cases: HostCase[], mode: 64 | 32): HostResult[] {
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const results: HostResult[] = [];
  let o = 0;
  for (const c of cases) {
    if (o + OUT_HEADER > out.length || dv.getUint32(o, true) !== OUT_MAGIC) {
      throw new Error(`host oracle (${mode}-bit): malformed runner output at byte ${o}`);
    }
    const outcome = dv.getUint32(o + 4, true);
    if (outcome === OUT_BAD_INPUT) throw new Error('host oracle: MXCSR has reserved bits set (FXRSTOR would #GP)');
    const signal = OUTCOMES[outcome];
    if (signal === undefined) throw new Error(`host oracle: unknown outcome ${outcome}`);
    const memFollows = (dv.getUint32(o + 8, true) & 1) !== 0;
    const trapNo = dv.getUint32(o + 12, true);
    const errorCode = dv.getUint32(o + 16, true);
    const faultAddress = Number(dv.getBigUint64(o + 24, true));
    const rip = Number(dv.getBigUint64(o + 32, true));
    const rflags = Number(dv.getBigUint64(o + 168, true) & 0xffffffffn);
    // Every array gets its own ArrayBuffer (offset 0), so callers may use `new DataView(x.buffer)`.
    const gpr = new BigUint64Array(16);
    new Uint8Array(gpr.buffer).set(out.subarray(o + 40, o + 168));
    const fxsave = new Uint8Array(512);
    fxsave.set(out.subarray(o + 176, o + 688));
    o += OUT_HEADER;
    const mem = new Uint8Array(DATA_SIZE);
    if (memFollows) {
      if (o + DATA_SIZE > out.length) throw new Error(`host oracle (${mode}-bit): truncated runner output`);
      mem.set(out.subarray(o, o + DATA_SIZE));
      o += DATA_SIZE;
    } else {
      mem.set(c.state.mem);
    }
    const result: HostResult = { state: { gpr, rflags, fxsave, mem }, signal, rip };
    if (signal !== 'none') {
      if (signal !== 'SIGTRAP' && signal !== 'SIGALRM' && signal !== 'SIGSYS') result.faultAddress = faultAddress;
      if (signal !== 'SIGALRM') {
        result.trapNo = trapNo;
        result.errorCode = errorCode;
      }
    }
    results.push(result);
  }
  if (o !== out.length) throw new Error(`host oracle (${mode}-bit): ${out.length - o} unexpected trailing bytes`);
  return results;
}

/** Run every case natively; results are in case order. Throws when a needed runner is unavailable. */
export function runOnHost(cases: HostCase[]): HostResult[] {
  cases.forEach(checkCase);
  const results: HostResult[] = new Array<HostResult>(cases.length);
  for (const mode of [64, 32] as const) {
    const indices: number[] = [];
    cases.forEach((c, i) => {
      if (c.mode === mode) indices.push(i);
    });
    if (indices.length === 0) continue;
    const b = build(mode);
    if (!b.path) throw new Error(`host oracle (${mode}-bit) unavailable: ${b.reason}`);
    const subset = indices.map((i) => cases[i]!);
    const run = spawnSync(b.path, [], { input: encode(subset), maxBuffer: 1 << 30 });
    if (run.error || run.status !== 0) {
      // A runner that died mid-batch also shows up as EPIPE on its stdin.
      const stderr = run.stderr?.toString().trim() ?? '';
      const last = /after case #(\d+)/.exec(stderr);
      const culprit = last ? ` (the last case run was cases[${indices[Number(last[1])]}])` : '';
      const how = run.error ? run.error.message : `status ${run.status}, signal ${run.signal}`;
      throw new Error(`host oracle (${mode}-bit) runner failed (${how})${culprit}: ${stderr}`);
    }
    decode(run.stdout, subset, mode).forEach((r, k) => {
      results[indices[k]!] = r;
    });
  }
  return results;
}
