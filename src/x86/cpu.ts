// The CPU: state views over the shared WebAssembly.Memory, instruction fetch with the decode
// cache, memory access through the TLBs, and the run loop.
//
// Guest faults are not JavaScript exceptions (DESIGN.md invariant 6): an access that faults
// records the exception in the state block (EXC_VECTOR/EXC_ERROR/EXC_ADDR), sets `cpu.fault`
// and returns a dummy value; every handler checks `c.fault` after its last access that can
// fault and before its first write to architectural state, so the instruction is abandoned
// with RIP unchanged. The run loop then delivers it through the IDT (system/exceptions.ts); with
// no IDT loaded (IDTR.limit = 0) `run` stops with Exit.EXCEPTION and the host reads the vector.
//
// Self-modifying code: pages the decoder has read from are marked in `codePage` (by host page
// of the Memory, i.e. by physical page). DTLB entries for such pages carry no write permission,
// so every write to them takes the slow path, which bumps the page's generation and so
// invalidates every cached decode from that page, whatever virtual mapping the write used.

import type { CpuBus, CpuMemory } from './bus.ts';
import { carryOut, hiAfterAdd } from './u64.ts';
import { DecodedInsn } from './decode/decoded_insn.ts';
import { decode, FAULT_FETCH } from './decode/decoder.ts';
import { execute } from './exec/dispatch.ts';
import * as L from './state_layout.ts';
import { OFF_FCW as FPU_OFF_FCW } from './fpu/fpu_state.ts';
import { walkPageTables, PTE_U, PTE_W } from './paging.ts';
import { checkEvents, deliverPending } from './system/exceptions.ts';
import { dataBreakpointHit, dataBreakpointOnPage } from './system/debug_registers.ts';

/** Why `run` returned. */
export const enum Exit {
  /** The instruction budget ran out. */
  BUDGET = 0,
  /** HLT with no interrupt to take. */
  HLT = 1,
  /** An exception was recorded and could not be delivered (part 1: always). */
  EXCEPTION = 2,
  /** A bus hook called requestExit(). */
  REQUESTED = 3,
  /** Triple fault: the processor shut down (SDM Vol 3 §6.15, interrupt 8). */
  SHUTDOWN = 4,
}

/** MODE_FLAGS bits. */
export const enum ModeFlag {
  PE = 1, // CR0.PE
  LMA = 2, // EFER.LMA
  PG = 4, // CR0.PG
  VM86 = 8, // RFLAGS.VM
}

const I = (off: number): number => off >> 2;
const I_RIP = I(L.RIP), I_ICOUNT = I(L.ICOUNT);
const I_EXC_VECTOR = I(L.EXC_VECTOR), I_EXC_ERROR = I(L.EXC_ERROR), I_EXC_RIP = I(L.EXC_RIP);
const I_SEG = I(L.SEG);
const I_CODE_BITS = I(L.CODE_BITS), I_CS_BASE = I(L.SEG) + L.CS * 8 + 2;
const I_DTLB = I(L.DTLB), I_ITLB = I(L.ITLB);
const DTLB_MASK = L.DTLB_ENTRIES - 1, ITLB_MASK = L.ITLB_ENTRIES - 1;
/** TLB permission bits (entry word 3). */
export const TLB_USER = 1, TLB_WRITE = 2, TLB_WRITE_USER = 4;
/** Writable, but the page holds decoded code: writes check the 16-byte code lines first. */
export const TLB_CWRITE = 8, TLB_CWRITE_USER = 16;
const TLB_W = TLB_WRITE | TLB_WRITE_USER, TLB_CW = TLB_CWRITE | TLB_CWRITE_USER;
/** The entry maps a global page (PTE.G with CR4.PGE): it survives CR3 writes (SDM Vol 3 §4.10.2.4). */
export const TLB_GLOBAL = 32;
/** Entry is a 4 KiB piece of a 2 or 4 MiB page (TLB_LARGE) or of a 1 GiB page (TLB_HUGE): INVLPG drops its neighbours. */
export const TLB_LARGE = 64, TLB_HUGE = 128;
/**
 * Address-space tags: entry word 1 holds (linear bits 63:44) ^ (context id << 20). A CR3 write
 * takes the next id, so every non-global entry of the old address space stops matching at once
 * (an O(1) flush); ids are reused only after a full flush (at 4095 ids), so a reused id can never
 * find a stale entry. Id 4095 is never used: an invalid entry's word 1 (-1) would match it.
 */
const CTX_IDS = 4095, CTX_MASK = 0xfff00000;
/** TLB slots known to hold global entries (retagged at a CR3 write); beyond this, scan the TLBs. */
const GLOBAL_SLOTS = 512;

// 64 K slots: with 16 K, the PV shim + PV GRUB boot decoded 3.5 M times (conflict misses, one
// per 42 instructions); with 64 K 0.9 M. Each slot is a small fixed-shape object (≈ 10 MB in all).
const DECODE_CACHE_SIZE = 1 << 16;
/** eaHi of an access that already faulted on a segment check: misses every TLB entry, and translate() refuses it. */
const SEG_FAULT_HI = 0x7ffff000;
/**
 * eaHi of a ModRM access starting within 16 bytes of its segment's end (its size is not known
 * yet): it misses every TLB entry, and the slow path checks its last byte against the limit
 * (`nearSeg`/`nearOff`) before going on with eaHi 0.
 */
const SEG_NEAR_HI = 0x7fffe000;
const TWO32 = 4294967296;

export class Cpu {
  readonly memory: CpuMemory;
  readonly stateBase: number;
  readonly bus: CpuBus;
  /** State block views (index 0 = stateBase). */
  readonly s32: Int32Array;
  readonly s16: Uint16Array;
  readonly s8: Uint8Array;
  /** Whole-Memory views (guest RAM lives somewhere in here). */
  readonly m8: Uint8Array;
  readonly dv: DataView;
  /** Per host page of the Memory: decoded code lives there (writes invalidate). */
  readonly codePage: Uint8Array;
  /** Per host page: eight words of 16-byte-line bits marking where decoded instructions lie. */
  readonly codeLines: Uint32Array;
  /** Per host page: generation, bumped when code there is overwritten. */
  readonly codeGen: Int32Array;
  private readonly cache: DecodedInsn[] = [];
  private readonly ibuf = new Uint8Array(16);
  /** Scratch for bus hooks returning 64-bit halves / CPUID / MSR values. */
  readonly scratch = new Int32Array(4);

  /** Set by a faulting access or instruction; the current instruction is abandoned. */
  fault = false;
  /** High half of the last 64-bit read / operand fetch. */
  hi = 0;
  /** RIP of the next instruction (handlers of control transfers overwrite it). */
  nextLo = 0;
  nextHi = 0;
  /** Linear address of the current memory operand (after `ea`). */
  eaLo = 0;
  eaHi = 0;
  /** Host offset of the page being read-modify-written (-1: slow path). */
  private rmwHost = -1;
  /** Context tag folded into TLB tags (bits 20..31 of tagHi): `ctxId << 20`. */
  private ctx = 0;
  private ctxId = 0;
  /** Entry indices (into s32) of global TLB entries; `globalCount > GLOBAL_SLOTS`: overflowed. */
  private readonly globalSlots = new Int32Array(GLOBAL_SLOTS);
  private globalCount = 0;
  private readNeed = 0;
  private writeNeed = TLB_WRITE;
  private cwriteNeed = TLB_CWRITE;
  /** The pending rmwWrite targets a code page (check code lines first). */
  private rmwCode = false;
  /** Cached code page translation (linear page → host page). */
  private cpLin = -1;
  private cpLinHi = 0;
  private cpHost = -1;
  /** Physical address of the last MMIO translation (a double). */
  private mmioPhys = 0;
  /** Bumped whenever linear→host code mappings may change (TLB flushes): drops fall-through links. */
  private linkEpoch = 0;
  /** Exit reason set by handlers (HLT). */
  pendingExit = -1;
  /**
   * Look for interrupts/NMI/single-step after the current instruction (set at `run` entry and
   * by STI, POPF, IRET, MOV SS and friends; see system/exceptions.ts checkEvents).
   */
  eventCheck = true;
  /** The interrupt shadow of STI / MOV SS / POP SS covers the next instruction (SDM Vol 3 §6.8.3). */
  shadow = false;
  /** The instruction now executing began with RFLAGS.TF = 1: single-step #DB after it. */
  stepArmed = false;
  /** The shadow is a MOV SS / POP SS one: it also holds debug traps back (SDM Vol 3 §6.8.3). */
  ssShadow = false;
  /** Interrupts are inhibited at the current boundary (the instruction after STI/MOV SS is next). */
  inhibited = false;
  /** Enabled instruction / data breakpoints, bit i = DRi (system/debug_registers.ts keeps them). */
  dbgExec = 0;
  dbgData = 0;
  /** Enabled I/O breakpoints (R/W = 10b with CR4.DE), bit i = DRi. */
  dbgIo = 0;
  /** Data breakpoints hit by the instruction now executing (DR6 B0–B3), and traps a MOV SS deferred. */
  dbgHits = 0;
  dbgDeferred = 0;
  /**
   * Why `run` stops when deliverException() fails: Exit.SHUTDOWN (triple fault) or
   * Exit.EXCEPTION (no IDT loaded yet: the exception stays recorded for the host to inspect).
   */
  faultExit: number = Exit.EXCEPTION;

  constructor(memory: CpuMemory, stateBase: number, bus: CpuBus) {
    if (stateBase % 64 !== 0) throw new Error('Cpu: stateBase must be a multiple of 64');
    this.memory = memory;
    this.stateBase = stateBase;
    this.bus = bus;
    const buf = memory.buffer;
    this.s32 = new Int32Array(buf, stateBase, L.CPU_STATE_BYTES >> 2);
    this.s16 = new Uint16Array(buf, stateBase, L.CPU_STATE_BYTES >> 1);
    this.s8 = new Uint8Array(buf, stateBase, L.CPU_STATE_BYTES);
    this.m8 = new Uint8Array(buf);
    this.dv = new DataView(buf);
    const pages = Math.ceil(buf.byteLength / 4096);
    this.codePage = new Uint8Array(pages);
    this.codeLines = new Uint32Array(pages * 8);
    this.codeGen = new Int32Array(pages);
    for (let i = 0; i < DECODE_CACHE_SIZE; i++) this.cache.push(new DecodedInsn());
    this.s32[I_EXC_VECTOR] = -1;
    // Power-up values that are not zero (SDM Vol 3 Table 9-1): x87 FCW 0040H, MXCSR 1F80H.
    this.s16[(L.FPU + FPU_OFF_FCW) >> 1] = 0x0040;
    this.s32[L.MXCSR >> 2] = 0x1f80;
    this.flushTlb();
    this.modeChanged();
  }

  // ------------------------------------------------------------------ registers

  /** Register `r` (0–15) low 32 bits. */
  reg32(r: number): number { return this.s32[r << 1]!; }
  /** Read a general register of size code `size` (0–3); for size 0 `r` is the state byte offset. Hi in `this.hi`. */
  getReg(size: number, r: number): number {
    switch (size) {
      case 0: return this.s8[r]!;
      case 1: return this.s16[r << 2]!;
      case 2: return this.s32[r << 1]!;
      default: this.hi = this.s32[(r << 1) + 1]!; return this.s32[r << 1]!;
    }
  }
  /** Write a general register: 8/16-bit writes merge, 32-bit writes zero the upper half (SDM Vol 1 §3.4.1.1). */
  setReg(size: number, r: number, lo: number, hi: number): void {
    switch (size) {
      case 0: this.s8[r] = lo; break;
      case 1: this.s16[r << 2] = lo; break;
      case 2: this.s32[r << 1] = lo; this.s32[(r << 1) + 1] = 0; break;
      default: this.s32[r << 1] = lo; this.s32[(r << 1) + 1] = hi; break;
    }
  }
  get rip(): number { return (this.s32[I_RIP + 1]! * TWO32) + (this.s32[I_RIP]! >>> 0); }
  set rip(v: number) { this.s32[I_RIP] = v % TWO32 | 0; this.s32[I_RIP + 1] = Math.floor(v / TWO32) | 0; }
  /** Retired instructions (exact up to 2^53). */
  get icount(): number { return this.s32[I_ICOUNT + 1]! * TWO32 + (this.s32[I_ICOUNT]! >>> 0); }

  segBaseLo(seg: number): number { return this.s32[I_SEG + seg * 8 + 2]!; }
  segBaseHi(seg: number): number { return this.s32[I_SEG + seg * 8 + 3]!; }

  get codeBits(): number { return this.s32[I(L.CODE_BITS)]!; }
  get stackBits(): number { return this.s32[I(L.STACK_BITS)]!; }
  get cpl(): number { return this.s32[I(L.CPL)]!; }

  /**
   * Change CPL without a mode change (privilege transitions): the TLB permission needs and the
   * code-page shortcut depend on it; the decode cache does not.
   */
  setCpl(cpl: number): void {
    this.s32[I(L.CPL)] = cpl;
    this.readNeed = cpl === 3 ? TLB_USER : 0;
    this.writeNeed = cpl === 3 ? TLB_WRITE_USER : TLB_WRITE;
    this.cwriteNeed = this.writeNeed << 2;
    this.mappingsChanged();
  }

  /**
   * Begin implicit supervisor accesses (GDT/LDT/IDT/TSS reads, SDM Vol 3 §4.6.1): returns the CPL
   * to hand back to `sysEnd`.
   */
  sysBegin(): number {
    const old = this.s32[I(L.CPL)]!;
    if (old !== 0) this.setCpl(0);
    return old;
  }
  sysEnd(old: number): void {
    if (old !== 0) this.setCpl(old);
  }

  /** Recompute cached mode-dependent fields; call after changing CR0/EFER/CS/CPL/CR3. */
  modeChanged(): void {
    const cpl = this.s32[I(L.CPL)]!;
    this.readNeed = cpl === 3 ? TLB_USER : 0;
    this.writeNeed = cpl === 3 ? TLB_WRITE_USER : TLB_WRITE;
    this.cwriteNeed = this.writeNeed << 2;
    this.mappingsChanged();
    this.refreshSegChecks();
    this.flushDecodeCache();
  }

  // ------------------------------------------------------------------ exceptions

  /** Record exception `vector` (error code or -1) and abandon the current instruction. */
  raise(vector: number, error: number): void {
    const s = this.s32;
    s[I_EXC_VECTOR] = vector;
    s[I_EXC_ERROR] = error;
    s[I_EXC_RIP] = s[I_RIP]!;
    s[I_EXC_RIP + 1] = s[I_RIP + 1]!;
    this.fault = true;
  }
  raiseGP0(): void { this.raise(13, 0); }
  raiseUD(): void { this.raise(6, -1); }
  get pendingVector(): number { return this.s32[I_EXC_VECTOR]!; }
  get pendingError(): number { return this.s32[I_EXC_ERROR]!; }
  clearException(): void { this.s32[I_EXC_VECTOR] = -1; this.s32[I_EXC_ERROR] = -1; }

  /**
   * Deliver the recorded exception through the IDT (system/exceptions.ts, with the double- and
   * triple-fault rules). False: `run` stops with `faultExit`.
   */
  deliverException(): boolean { return deliverPending(this); }

  /** Ask `run` to return after the current instruction (from a bus hook). */
  requestExit(): void { this.pendingExit = Exit.REQUESTED; }

  // ------------------------------------------------------------------ TLBs and invalidation

  /** Linear→host code mappings may have changed: drop the code-page shortcut and every run-loop link. */
  private mappingsChanged(): void {
    this.cpLin = -1;
    this.cpHost = -1;
    this.linkEpoch++;
  }

  /** Flush both TLBs (CR3 write without PCID, CR0/CR4 paging changes). */
  flushTlb(): void {
    const s = this.s32;
    for (let i = I_DTLB; i < I_DTLB + L.DTLB_ENTRIES * 4; i += 4) { s[i] = -1; s[i + 1] = -1; }
    for (let i = I_ITLB; i < I_ITLB + L.ITLB_ENTRIES * 4; i += 4) { s[i] = -1; s[i + 1] = -1; }
    this.globalCount = 0;
    this.largeCached = false;
    this.mappingsChanged();
  }

  /**
   * A guest-requested flush of every translation, globals included (CR4.PGE/PSE/PAE, CR0.PG/WP/PE
   * or EFER.NXE changes; SDM Vol 3 §4.10.4.1): a fresh context id with no global entries carried
   * over, so O(1) instead of clearing 1,280 entries. Xen toggles CR4.PGE for its global flushes
   * (116 k of them while the PV shim boots PV GRUB). `flushTlb` stays the real clear for the host's
   * own uses (frames remapped, state restored), where entries must not survive under any tag.
   */
  flushAllTranslations(): void {
    const id = this.ctxId + 1;
    if (id >= CTX_IDS) { this.ctxId = 0; this.ctx = 0; this.flushTlb(); return; }
    this.ctxId = id;
    this.ctx = id << 20;
    this.globalCount = 0;
    this.mappingsChanged();
  }

  /**
   * MOV to CR3 (no PCID): drop every non-global translation (SDM Vol 3 §4.10.4.1) by switching
   * to a fresh context id; global entries are retagged to it and stay. O(number of global
   * entries) instead of a whole-TLB flush, and entries of earlier address spaces never match again.
   */
  newAddressSpace(): void {
    const old = this.ctx, id = this.ctxId + 1;
    if (id >= CTX_IDS) {
      // Ids exhausted: a full flush (globals too, which the SDM allows) makes id 0 clean again.
      this.ctxId = 0; this.ctx = 0;
      this.flushTlb();
      return;
    }
    this.ctxId = id;
    const ctx = id << 20;
    this.ctx = ctx;
    const slots = this.globalSlots;
    let k = 0;
    if (this.globalCount > GLOBAL_SLOTS) {
      for (let i = I_DTLB; i < I_DTLB + L.DTLB_ENTRIES * 4; i += 4) if (this.retagGlobal(i, old, ctx)) { if (k < GLOBAL_SLOTS) slots[k] = i; k++; }
      for (let i = I_ITLB; i < I_ITLB + L.ITLB_ENTRIES * 4; i += 4) if (this.retagGlobal(i, old, ctx)) { if (k < GLOBAL_SLOTS) slots[k] = i; k++; }
    } else {
      // Stale or duplicate indices fail the test (entry replaced, or already retagged).
      for (let j = 0, n = this.globalCount; j < n; j++) { const i = slots[j]!; if (this.retagGlobal(i, old, ctx)) slots[k++] = i; }
    }
    this.globalCount = k;
    this.mappingsChanged();
  }

  /**
   * INVLPG: drop any entry for the page containing linear (lo, hi). The TLBs hold large pages as
   * 4 KiB pieces, so when any are cached every piece of a 2/4 MiB (or 1 GiB) page around the
   * address goes too (SDM Vol 3 §4.10.4.1: INVLPG invalidates the whole large-page translation).
   * Both tag words become -1, which no lookup matches (context ids stop below 0xFFF).
   */
  invalidatePage(lo: number, hi: number): void {
    const s = this.s32;
    const vpn = (lo >>> 12) | (hi << 20);
    const d = I_DTLB + (((vpn ^ (hi >>> 8)) & DTLB_MASK) << 2);
    s[d] = -1; s[d + 1] = -1;
    const i = I_ITLB + (((vpn ^ (hi >>> 8)) & ITLB_MASK) << 2);
    s[i] = -1; s[i + 1] = -1;
    if (this.largeCached) {
      // Over-invalidating is allowed: match on the low vpn bits only (any context, any upper bits).
      for (let j = I_DTLB; j < I_ITLB + L.ITLB_ENTRIES * 4; j += 4) {
        const pm = s[j + 3]!;
        if ((pm & TLB_LARGE) !== 0 && ((s[j]! ^ vpn) >>> 10) === 0) { s[j] = -1; s[j + 1] = -1; }
        else if ((pm & TLB_HUGE) !== 0 && ((s[j]! ^ vpn) >>> 18) === 0) { s[j] = -1; s[j + 1] = -1; }
      }
    }
    this.mappingsChanged();
  }

  /** Move the global entry at s32 index `i` from context `old` to `ctx`; false if it is not one. */
  private retagGlobal(i: number, old: number, ctx: number): boolean {
    const s = this.s32;
    if ((s[i + 3]! & TLB_GLOBAL) === 0 || (s[i + 1]! & CTX_MASK) !== old) return false;
    s[i + 1] = s[i + 1]! ^ old ^ ctx;
    return true;
  }

  /**
   * Drop every decoded instruction (mode changes): O(1) by a new cache epoch, which every cached
   * entry must match; the 64 K slots are only walked when the epoch counter wraps.
   */
  private flushDecodeCache(): void {
    this.linkEpoch++;
    this.decodeEpoch = (this.decodeEpoch + 1) | 0;
    if (this.decodeEpoch === 0) for (const d of this.cache) d.tag = -1;
  }
  private decodeEpoch = 0;

  /**
   * A device or a Xen backend wrote guest-physical [paddr, paddr+len): drop decoded code there.
   * (CPU writes are tracked by the TLB; this is for writes that bypass the CPU.)
   */
  invalidatePhysicalRange(paddr: number, len: number): void {
    if (len <= 0) return;
    const first = Math.floor(paddr / 4096), last = Math.floor((paddr + len - 1) / 4096);
    for (let pfn = first; pfn <= last; pfn++) {
      const host = this.bus.physPage(pfn);
      if (host >= 0) this.codeWritten(host >>> 12);
    }
  }

  /** Drop all decoded code of host page `hp` (its generation changes; the page stops being code). */
  private codeWritten(hp: number): void {
    if (this.codePage[hp] === 0) return;
    this.linkEpoch++; // links into this page's instructions are stale
    this.codePage[hp] = 0;
    this.codeLines.fill(0, hp * 8, hp * 8 + 8);
    this.codeGen[hp] = (this.codeGen[hp]! + 1) | 0;
    // Writes to the page no longer need the code-line check.
    const s = this.s32, host = hp << 12;
    for (let i = I_DTLB; i < I_DTLB + L.DTLB_ENTRIES * 4; i += 4) {
      if (s[i + 2] === host) { const pm = s[i + 3]!; s[i + 3] = (pm & ~TLB_CW) | ((pm & TLB_CW) >> 2); }
    }
  }

  /** A CPU write of `n` bytes at host offset `p` on a code page: invalidate if it hits a 16-byte code line. */
  private codeWrite(p: number, n: number): void {
    const hp = p >>> 12;
    if (this.codePage[hp] === 0) return;
    const first = (p & 0xfff) >>> 4, last = Math.min(((p & 0xfff) + n - 1) >>> 4, 255);
    const lines = this.codeLines;
    for (let l = first; l <= last; l++) {
      if (((lines[hp * 8 + (l >>> 5)]! >>> (l & 31)) & 1) !== 0) { this.codeWritten(hp); return; }
    }
  }

  /** Mark [hostAddr, hostAddr+len) (within one page) as holding decoded code. */
  private markCode(hostAddr: number, len: number): void {
    const hp = hostAddr >>> 12;
    const first = (hostAddr & 0xfff) >>> 4, last = Math.min(((hostAddr & 0xfff) + len - 1) >>> 4, 255);
    const lines = this.codeLines;
    for (let l = first; l <= last; l++) lines[hp * 8 + (l >>> 5)] = lines[hp * 8 + (l >>> 5)]! | (1 << (l & 31));
    if (this.codePage[hp] !== 0) return;
    this.codePage[hp] = 1;
    // Fast writes to this page now go through the code-line check.
    const s = this.s32, host = hp << 12;
    for (let i = I_DTLB; i < I_DTLB + L.DTLB_ENTRIES * 4; i += 4) {
      if (s[i + 2] === host) { const pm = s[i + 3]!; s[i + 3] = (pm & ~TLB_W) | ((pm & TLB_W) << 2); }
    }
  }

  /**
   * Translate linear (lo, hi) for an access (0 read, 1 write, 2 fetch): host page offset, or -1
   * after recording a fault, or -2 for MMIO/unbacked (physical address in `mmioPhys`). Fills the TLB.
   */
  private translate(lo: number, hi: number, access: number): number {
    if (this.fault) return -1; // an earlier check of this access already faulted (segment limit)
    const s = this.s32;
    const bits = s[I(L.CODE_BITS)]!;
    // Canonical check (SDM Vol 1 §3.3.7.1): bits 63..47 all equal.
    if (bits === 64 && ((hi << 16) >> 16) !== hi) { this.raise(access !== 2 && this.eaSS ? 12 : 13, 0); return -1; }
    let pfn: number, perms = TLB_USER | TLB_WRITE | TLB_WRITE_USER;
    this.walkGlobal = false;
    if ((s[I(L.MODE_FLAGS)]! & ModeFlag.PG) === 0) {
      pfn = (hi >>> 0) * 1048576 + (lo >>> 12);
    } else {
      const r = walkPageTables(this, lo, hi, access, s[I(L.CPL)]!);
      if (r < 0) return -1;
      pfn = r;
      const pte = this.walkPerms;
      perms = ((pte & PTE_U) ? TLB_USER : 0) | ((pte & PTE_W) ? TLB_WRITE | ((pte & PTE_U) ? TLB_WRITE_USER : 0) : 0);
      // CR0.WP=0: supervisor writes ignore R/W (SDM Vol 3 §4.6.1).
      if ((s[I(L.CR0)]! & 0x10000) === 0) perms |= TLB_WRITE;
      if (!this.walkDirty) perms &= ~(TLB_WRITE | TLB_WRITE_USER);
      if (this.walkGlobal) perms |= TLB_GLOBAL;
      if (this.walkLarge !== 0) { perms |= this.walkLarge === 18 ? TLB_HUGE : TLB_LARGE; this.largeCached = true; }
    }
    const host = this.bus.physPage(pfn);
    if (host < 0) { this.mmioPhys = pfn * 4096 + (lo & 0xfff); return -2; }
    // A page watched by a data breakpoint stays out of the DTLB: its accesses take the slow path.
    if (this.dbgData !== 0 && access !== 2 && dataBreakpointOnPage(this, lo, hi)) return host;
    if (this.codePage[host >>> 12] !== 0 && access !== 2) perms = (perms & ~TLB_W) | ((perms & TLB_W) << 2);
    const vpn = (lo >>> 12) | (hi << 20);
    const tagHi = (hi >>> 12) ^ this.ctx;
    const i = access === 2 ? I_ITLB + (((vpn ^ (hi >>> 8)) & ITLB_MASK) << 2) : I_DTLB + (((vpn ^ (hi >>> 8)) & DTLB_MASK) << 2);
    s[i] = vpn; s[i + 1] = tagHi; s[i + 2] = host; s[i + 3] = perms;
    if ((perms & TLB_GLOBAL) !== 0) {
      const n = this.globalCount;
      if (n < GLOBAL_SLOTS) this.globalSlots[n] = i;
      if (n <= GLOBAL_SLOTS) this.globalCount = n + 1;
    }
    return host;
  }
  /** Set by walkPageTables: combined U/W bits of the walk and whether the PTE is dirty. */
  walkPerms = 0;
  walkDirty = true;
  /** Set by walkPageTables: the translation is global (PTE.G with CR4.PGE). */
  walkGlobal = false;
  /** Set by walkPageTables: log2 of the page size in 4 KiB units for a large page (9, 10, 18), else 0. */
  walkLarge = 0;
  /** Some TLB entry is a piece of a large page (INVLPG must then scan; cleared by a full flush). */
  private largeCached = false;

  // ------------------------------------------------------------------ memory access

  /**
   * Compute the linear address of the memory operand of `d` into eaLo/eaHi. The 32-bit case
   * with flat segments is here, small enough for V8 to inline into handlers; the rest is eaFull.
   */
  ea(d: DecodedInsn, withSeg = true): void {
    const s = this.s32;
    if (d.asz === 2 && this.segChk === 0 && s[I_CODE_BITS] !== 64) {
      let lo = d.disp;
      if (d.base >= 0) lo = (lo + s[d.base << 1]!) | 0;
      if (d.index >= 0) lo = (lo + (s[d.index << 1]! << d.scale)) | 0;
      this.eaLo = withSeg ? (lo + s[I_SEG + d.seg * 8 + 2]!) | 0 : lo;
      this.eaHi = 0;
      return;
    }
    if (d.asz === 3 && d.index < 0 && d.base >= 0 && d.seg < 4) {
      // 64-bit [base + disp] or [RIP + disp] (no FS/GS base).
      const b = d.base;
      const bl = b === 16 ? this.nextLo : s[b << 1]!, bh = b === 16 ? this.nextHi : s[(b << 1) + 1]!;
      const lo = (d.disp + bl) | 0;
      this.eaHi = ((d.disp >> 31) + bh + carryOut(bl, lo)) | 0;
      this.eaLo = lo;
      this.eaSS = b === 4 || b === 5;
      return;
    }
    if (d.asz === 3 && d.seg < 4 && d.index >= 0) { this.ea64Indexed(d); return; }
    this.eaFull(d, withSeg);
  }

  /** 64-bit [base + index << scale + disp] without an FS/GS base (arrays indexed by a register). */
  private ea64Indexed(d: DecodedInsn): void {
    const s = this.s32, b = d.base, x = d.index << 1, sc = d.scale;
    let lo = d.disp, hi = lo >> 31;
    if (b >= 0) {
      const bl = b === 16 ? this.nextLo : s[b << 1]!, bh = b === 16 ? this.nextHi : s[(b << 1) + 1]!;
      const t = (lo + bl) | 0;
      hi = (hi + bh + carryOut(bl, t)) | 0; lo = t;
    }
    let xl = s[x]!, xh = s[x + 1]!;
    if (sc !== 0) { xh = (xh << sc) | (xl >>> (32 - sc)); xl <<= sc; }
    const t = (lo + xl) | 0;
    this.eaHi = (hi + xh + carryOut(xl, t)) | 0;
    this.eaLo = t;
    this.eaSS = b === 4 || b === 5;
  }

  private eaFull(d: DecodedInsn, withSeg: boolean): void {
    const s = this.s32;
    let lo = d.disp, hi = d.disp >> 31;
    const asz = d.asz;
    if (asz === 3) {
      if (d.base === -1 && d.index === -1) hi = d.dispHi;
      const b = d.base;
      if (b >= 0) {
        const bl = b === 16 ? this.nextLo : s[b << 1]!, bh = b === 16 ? this.nextHi : s[(b << 1) + 1]!;
        const sum = (lo >>> 0) + (bl >>> 0);
        hi = (hi + bh + (sum > 0xffffffff ? 1 : 0)) | 0; lo = sum | 0;
      }
      const x = d.index;
      if (x >= 0) {
        const sc = d.scale;
        let xl = s[x << 1]!, xh = s[(x << 1) + 1]!;
        if (sc) { xh = (xh << sc) | (xl >>> (32 - sc)); xl <<= sc; }
        const sum = (lo >>> 0) + (xl >>> 0);
        hi = (hi + xh + (sum > 0xffffffff ? 1 : 0)) | 0; lo = sum | 0;
      }
      const seg = d.seg;
      // A non-canonical address is #SS(0), not #GP(0), when it refers to the stack segment: an
      // RSP or RBP base, whatever ES/CS/SS/DS override 64-bit mode ignores (SDM Vol 1 §3.3.7.1).
      this.eaSS = (b === 4 || b === 5) && seg < 4;
      if (seg >= 4 && withSeg) {
        const bl = s[I_SEG + seg * 8 + 2]!, bh = s[I_SEG + seg * 8 + 3]!;
        const sum = (lo >>> 0) + (bl >>> 0);
        hi = (hi + bh + (sum > 0xffffffff ? 1 : 0)) | 0; lo = sum | 0;
      }
    } else {
      const b = d.base;
      if (b >= 0) lo = (lo + (b === 16 ? this.nextLo : s[b << 1]!)) | 0;
      if (d.index >= 0) lo = (lo + (s[d.index << 1]! << d.scale)) | 0;
      if (asz === 1) lo &= 0xffff;
      hi = 0;
      if (!withSeg) { this.eaLo = lo; this.eaHi = 0; return; }
      const seg = d.seg;
      const bl = s[I_SEG + seg * 8 + 2]!;
      if (this.s32[I(L.CODE_BITS)] === 64) {
        // 67h in 64-bit mode: 32-bit effective address, FS/GS base added in 64 bits.
        if (seg >= 4) {
          const bh = s[I_SEG + seg * 8 + 3]!;
          const sum = (lo >>> 0) + (bl >>> 0);
          hi = (bh + (sum > 0xffffffff ? 1 : 0)) | 0; lo = sum | 0;
        }
      } else {
        // Null selectors and limits (SDM Vol 3 §5.3): only segments that are not flat 4 GiB.
        if (this.segChk !== 0 && ((this.segChk >>> seg) & 1) !== 0) {
          if (this.segFault(seg, lo)) {
            this.eaLo = (lo + bl) | 0;
            this.eaHi = SEG_FAULT_HI;
            return;
          }
          if (this.segNear(seg, lo)) {
            this.nearSeg = seg; this.nearOff = lo;
            this.eaLo = (lo + bl) | 0;
            this.eaHi = SEG_NEAR_HI;
            return;
          }
        }
        lo = (lo + bl) | 0;
      }
    }
    this.eaLo = lo;
    this.eaHi = hi;
  }

  /** RIP of the INT n / INT3 / INTO / INT1 being delivered (a fault in its delivery returns there). */
  intRipLo = 0;
  intRipHi = 0;

  /** The last `ea`/`linear` address refers to the stack segment (non-canonical → #SS, not #GP). */
  eaSS = false;

  /**
   * Bit per segment register (ES..GS) whose cache needs checks on data accesses outside
   * 64-bit mode: unusable (null), a limit below 4 GiB, or expand-down. Kept by refreshSegChecks().
   */
  segChk = 0;

  /** Recompute `segChk` after any segment-cache change. */
  refreshSegChecks(): void {
    const s = this.s32;
    let m = 0;
    for (let seg = 0; seg < 6; seg++) {
      const b = I_SEG + seg * 8, attr = s[b + 1]!;
      if ((attr & 0x80) === 0 || s[b + 4] !== -1 || (attr & 0x1c) === 0x14) m |= 1 << seg;
    }
    this.segChk = m;
  }

  /**
   * Does a data access of `n` bytes at offset `off` of `seg` fault? Records #GP(0) (#SS(0) for
   * SS) if so (SDM Vol 3 §5.3: every byte within the limit; expand-down: above the limit, up to
   * FFFFh or FFFFFFFFh by the B flag). `ea` checks the first byte only (its access size comes
   * later); stack and string accesses (`linear`) check all `n`.
   */
  private segFault(seg: number, off: number, n = 1): boolean {
    const s = this.s32, b = I_SEG + seg * 8, attr = s[b + 1]!, lim = s[b + 4]! >>> 0;
    const pe = (s[I(L.MODE_FLAGS)]! & (ModeFlag.PE | ModeFlag.VM86)) === ModeFlag.PE;
    const first = off >>> 0, last = first + n - 1;
    let bad: boolean;
    if ((attr & 0x80) === 0) bad = pe;
    else if ((attr & 0x1c) === 0x14) bad = first <= lim || last > ((attr & 0x4000) === 0 ? 0xffff : 0xffffffff);
    else bad = last > lim;
    if (bad) this.raise(seg === L.SS ? 12 : 13, 0);
    return bad;
  }

  /** The ModRM access near a segment end (SEG_NEAR_HI): its segment and offset. */
  private nearSeg = 0;
  private nearOff = 0;

  /** Is offset `off` of `seg` within 16 bytes of the segment's end (limit, or FFFFh/FFFFFFFFh expand-down)? */
  private segNear(seg: number, off: number): boolean {
    const s = this.s32, b = I_SEG + seg * 8, attr = s[b + 1]!;
    const end = (attr & 0x1c) === 0x14 ? ((attr & 0x4000) === 0 ? 0xffff : 0xffffffff) : s[b + 4]! >>> 0;
    return end - (off >>> 0) < 15;
  }

  /** Slow path of an access marked SEG_NEAR_HI: false after #GP/#SS if its `n` bytes pass the end. */
  private nearCheck(n: number): boolean {
    return !this.segFault(this.nearSeg, this.nearOff, n);
  }

  /**
   * Linear address of seg:offset for stack and string accesses with address size `asz` code, for
   * an access of `n` bytes (checked against the segment limit outside 64-bit mode).
   */
  linear(seg: number, offLo: number, offHi: number, asz: number, n = 1): void {
    const s = this.s32;
    this.eaSS = seg === L.SS;
    const bl = s[I_SEG + seg * 8 + 2]!;
    if (asz === 3) {
      if (seg >= 4) {
        const sum = (offLo >>> 0) + (bl >>> 0);
        this.eaHi = (offHi + s[I_SEG + seg * 8 + 3]! + (sum > 0xffffffff ? 1 : 0)) | 0; this.eaLo = sum | 0;
      } else { this.eaLo = offLo; this.eaHi = offHi; }
      return;
    }
    const off = asz === 1 ? offLo & 0xffff : offLo;
    if (s[I(L.CODE_BITS)] === 64) {
      if (seg >= 4) {
        const sum = (off >>> 0) + (bl >>> 0);
        this.eaHi = (s[I_SEG + seg * 8 + 3]! + (sum > 0xffffffff ? 1 : 0)) | 0; this.eaLo = sum | 0;
      } else { this.eaLo = off; this.eaHi = 0; }
      return;
    }
    this.eaLo = (off + bl) | 0;
    // Limits and null selectors: only segments that are not flat 4 GiB (segChk, as in `ea`).
    this.eaHi = this.segChk !== 0 && ((this.segChk >>> seg) & 1) !== 0 && this.segFault(seg, off, n) ? SEG_FAULT_HI : 0;
  }

  /** Read `size` code (0–3) at linear (eaLo, eaHi). 64-bit: hi in `this.hi`. */
  read(size: number): number {
    const lo = this.eaLo, hi = this.eaHi;
    const s = this.s32;
    const vpn = (lo >>> 12) | (hi << 20);
    const i = I_DTLB + (((vpn ^ (hi >>> 8)) & DTLB_MASK) << 2);
    const off = lo & 0xfff;
    if (s[i] === vpn && s[i + 1] === ((hi >>> 12) ^ this.ctx) && (s[i + 3]! & this.readNeed) === this.readNeed && off + (1 << size) <= 4096) {
      const p = s[i + 2]! + off;
      switch (size) {
        case 0: return this.m8[p]!;
        case 1: return this.dv.getUint16(p, true);
        case 2: return this.dv.getInt32(p, true);
        default: this.hi = this.dv.getInt32(p + 4, true); return this.dv.getInt32(p, true);
      }
    }
    return this.readSlow(lo, hi, size);
  }

  /** Write `size` code at linear (eaLo, eaHi). */
  write(size: number, v: number, vh: number): void {
    const lo = this.eaLo, hi = this.eaHi;
    const s = this.s32;
    const vpn = (lo >>> 12) | (hi << 20);
    const i = I_DTLB + (((vpn ^ (hi >>> 8)) & DTLB_MASK) << 2);
    const off = lo & 0xfff;
    if (s[i] === vpn && s[i + 1] === ((hi >>> 12) ^ this.ctx) && (s[i + 3]! & (this.writeNeed | this.cwriteNeed)) !== 0 && off + (1 << size) <= 4096) {
      const p = s[i + 2]! + off;
      if ((s[i + 3]! & this.writeNeed) === 0) this.codeWrite(p, 1 << size);
      switch (size) {
        case 0: this.m8[p] = v; return;
        case 1: this.dv.setUint16(p, v, true); return;
        case 2: this.dv.setInt32(p, v, true); return;
        default: this.dv.setInt32(p, v, true); this.dv.setInt32(p + 4, vh, true); return;
      }
    }
    this.writeSlow(lo, hi, size, v, vh);
  }

  /** Read for read-modify-write: checks write permission first so a fault leaves memory intact. */
  rmwRead(size: number): number {
    const lo = this.eaLo, hi = this.eaHi;
    const s = this.s32;
    const vpn = (lo >>> 12) | (hi << 20);
    const i = I_DTLB + (((vpn ^ (hi >>> 8)) & DTLB_MASK) << 2);
    const off = lo & 0xfff;
    let p: number;
    if (s[i] === vpn && s[i + 1] === ((hi >>> 12) ^ this.ctx) && (s[i + 3]! & (this.writeNeed | this.cwriteNeed)) !== 0 && off + (1 << size) <= 4096) {
      p = s[i + 2]! + off;
      this.rmwCode = (s[i + 3]! & this.writeNeed) === 0;
    } else {
      // Slow: probe write access on every page touched, then read through the slow path.
      this.rmwHost = -1;
      if (!this.probeWrite(lo, hi, 1 << size)) return 0;
      return this.readSlow(lo, hi, size);
    }
    this.rmwHost = p;
    switch (size) {
      case 0: return this.m8[p]!;
      case 1: return this.dv.getUint16(p, true);
      case 2: return this.dv.getInt32(p, true);
      default: this.hi = this.dv.getInt32(p + 4, true); return this.dv.getInt32(p, true);
    }
  }

  /** Write back after rmwRead (same address, cannot fault). */
  rmwWrite(size: number, v: number, vh: number): void {
    const p = this.rmwHost;
    if (p < 0) { this.writeSlow(this.eaLo, this.eaHi, size, v, vh); return; }
    if (this.rmwCode) this.codeWrite(p, 1 << size);
    switch (size) {
      case 0: this.m8[p] = v; return;
      case 1: this.dv.setUint16(p, v, true); return;
      case 2: this.dv.setInt32(p, v, true); return;
      default: this.dv.setInt32(p, v, true); this.dv.setInt32(p + 4, vh, true); return;
    }
  }

  /** Check that [lin, lin+len) is writable (records the fault if not). */
  probeWrite(lo: number, hi: number, len: number): boolean {
    if (hi === SEG_NEAR_HI) { if (!this.nearCheck(len)) return false; hi = 0; }
    if (this.translate(lo, hi, 1) === -1) return false;
    if ((lo & 0xfff) + len > 4096) {
      const lo2 = ((lo | 0xfff) + 1) | 0, hi2 = lo2 === 0 ? (hi + 1) | 0 : hi;
      if (this.translate(lo2, hi2, 1) === -1) return false;
    }
    return true;
  }

  private readSlow(lo: number, hi: number, size: number): number {
    const n = 1 << size;
    if (hi === SEG_NEAR_HI) { if (!this.nearCheck(n)) return 0; hi = 0; }
    if (this.dbgData !== 0) dataBreakpointHit(this, lo, hi, n, false);
    if ((lo & 0xfff) + n <= 4096) {
      const host = this.translate(lo, hi, 0);
      if (host === -1) return 0;
      if (host === -2) {
        const v = this.bus.mmioRead(this.mmioPhys, n, this.scratch);
        if (size === 3) this.hi = this.scratch[0]!;
        return size === 0 ? v & 0xff : size === 1 ? v & 0xffff : v | 0;
      }
      const p = host + (lo & 0xfff);
      switch (size) {
        case 0: return this.m8[p]!;
        case 1: return this.dv.getUint16(p, true);
        case 2: return this.dv.getInt32(p, true);
        default: this.hi = this.dv.getInt32(p + 4, true); return this.dv.getInt32(p, true);
      }
    }
    // Page-crossing: check both pages first, then gather bytes.
    const lo2 = ((lo | 0xfff) + 1) | 0, hi2 = lo2 === 0 ? (hi + 1) | 0 : hi;
    const h1 = this.translate(lo, hi, 0);
    if (h1 === -1) return 0;
    const m1 = this.mmioPhys;
    const h2 = this.translate(lo2, hi2, 0);
    if (h2 === -1) return 0;
    const m2 = this.mmioPhys;
    const first = 4096 - (lo & 0xfff);
    let vlo = 0, vhi = 0;
    for (let k = 0; k < n; k++) {
      let byte: number;
      if (k < first) byte = h1 >= 0 ? this.m8[h1 + (lo & 0xfff) + k]! : this.bus.mmioRead(m1 + k, 1, this.scratch) & 0xff;
      else byte = h2 >= 0 ? this.m8[h2 + k - first]! : this.bus.mmioRead(m2 + k - first, 1, this.scratch) & 0xff;
      if (k < 4) vlo |= byte << (8 * k); else vhi |= byte << (8 * (k - 4));
    }
    this.hi = vhi;
    return size === 0 ? vlo & 0xff : size === 1 ? vlo & 0xffff : vlo | 0;
  }

  private writeSlow(lo: number, hi: number, size: number, v: number, vh: number): void {
    const n = 1 << size;
    if (hi === SEG_NEAR_HI) { if (!this.nearCheck(n)) return; hi = 0; }
    if (this.dbgData !== 0) dataBreakpointHit(this, lo, hi, n, true);
    if ((lo & 0xfff) + n <= 4096) {
      const host = this.translate(lo, hi, 1);
      if (host === -1) return;
      if (host === -2) { this.bus.mmioWrite(this.mmioPhys, n, size === 0 ? v & 0xff : size === 1 ? v & 0xffff : v, vh); return; }
      const p = host + (lo & 0xfff);
      this.codeWrite(p, n);
      switch (size) {
        case 0: this.m8[p] = v; return;
        case 1: this.dv.setUint16(p, v, true); return;
        case 2: this.dv.setInt32(p, v, true); return;
        default: this.dv.setInt32(p, v, true); this.dv.setInt32(p + 4, vh, true); return;
      }
    }
    const lo2 = ((lo | 0xfff) + 1) | 0, hi2 = lo2 === 0 ? (hi + 1) | 0 : hi;
    const h1 = this.translate(lo, hi, 1);
    if (h1 === -1) return;
    const m1 = this.mmioPhys;
    const h2 = this.translate(lo2, hi2, 1);
    if (h2 === -1) return;
    const m2 = this.mmioPhys;
    if (h1 >= 0) this.codeWrite(h1 + (lo & 0xfff), 4096 - (lo & 0xfff));
    if (h2 >= 0) this.codeWrite(h2, n - (4096 - (lo & 0xfff)));
    const first = 4096 - (lo & 0xfff);
    for (let k = 0; k < n; k++) {
      const byte = (k < 4 ? v >>> (8 * k) : vh >>> (8 * (k - 4))) & 0xff;
      if (k < first) { if (h1 >= 0) this.m8[h1 + (lo & 0xfff) + k] = byte; else this.bus.mmioWrite(m1 + k, 1, byte, 0); }
      else if (h2 >= 0) this.m8[h2 + k - first] = byte;
      else this.bus.mmioWrite(m2 + k - first, 1, byte, 0);
    }
  }

  // ------------------------------------------------------------------ stack helpers

  /** Push `size` code (1, 2, 3) value; returns false after recording a fault. */
  push(size: number, v: number, vh: number): boolean {
    const s = this.s32;
    const n = 1 << size;
    const sb = s[I(L.STACK_BITS)]!;
    let spLo = s[L.RSP << 1]!, spHi = s[(L.RSP << 1) + 1]!;
    if (sb === 64) {
      const nl = (spLo - n) | 0;
      if ((nl >>> 0) > (spLo >>> 0)) spHi = (spHi - 1) | 0;
      spLo = nl;
      this.linear(L.SS, spLo, spHi, 3);
    } else if (sb === 32) {
      spLo = (spLo - n) | 0;
      this.linear(L.SS, spLo, 0, 2, n);
    } else {
      spLo = (spLo & ~0xffff) | ((spLo - n) & 0xffff);
      this.linear(L.SS, spLo, 0, 1, n);
    }
    this.write(size, v, vh);
    if (this.fault) return false;
    if (sb === 64) { s[L.RSP << 1] = spLo; s[(L.RSP << 1) + 1] = spHi; }
    else if (sb === 32) s[L.RSP << 1] = spLo;
    else this.s16[L.RSP << 2] = spLo;
    return true;
  }

  /** Read the value at the top of the stack + `offset` bytes (no RSP change). */
  peek(size: number, offset: number): number {
    const s = this.s32;
    const sb = s[I(L.STACK_BITS)]!;
    const spLo = s[L.RSP << 1]!, spHi = s[(L.RSP << 1) + 1]!;
    if (sb === 64) {
      const lo = (spLo + offset) | 0;
      this.linear(L.SS, lo, hiAfterAdd(spLo, spHi, offset, lo), 3);
    } else if (sb === 32) this.linear(L.SS, (spLo + offset) | 0, 0, 2, 1 << size);
    else this.linear(L.SS, (spLo + offset) & 0xffff, 0, 1, 1 << size);
    return this.read(size);
  }

  /** Add `n` to the stack pointer with the stack-address-size wrap. */
  adjustSp(n: number): void {
    const s = this.s32;
    const sb = s[I(L.STACK_BITS)]!;
    if (sb === 64) {
      const lo = s[L.RSP << 1]!, r = (lo + n) | 0;
      s[L.RSP << 1] = r;
      s[(L.RSP << 1) + 1] = hiAfterAdd(lo, s[(L.RSP << 1) + 1]!, n, r);
    } else if (sb === 32) s[L.RSP << 1] = (s[L.RSP << 1]! + n) | 0;
    else this.s16[L.RSP << 2] = (this.s16[L.RSP << 2]! + n) & 0xffff;
  }

  // ------------------------------------------------------------------ fetch, decode, run

  /** Host offset of the code byte at linear (lo, hi), or -1 (fault recorded) / -2 (not RAM). */
  private fetchHost(lo: number, hi: number): number {
    const s = this.s32;
    const vpn = (lo >>> 12) | (hi << 20);
    const i = I_ITLB + (((vpn ^ (hi >>> 8)) & ITLB_MASK) << 2);
    if (s[i] === vpn && s[i + 1] === ((hi >>> 12) ^ this.ctx) && (s[i + 3]! & this.readNeed) === this.readNeed) return s[i + 2]!;
    return this.translate(lo, hi, 2);
  }

  /** Decode the instruction at host offset `host` (linear lo/hi) into cache slot `d`. */
  private decodeAt(d: DecodedInsn, host: number, lo: number, hi: number): void {
    this.linkEpoch++; // the slot may be the target of links
    const off = lo & 0xfff;
    const bits = this.s32[I(L.CODE_BITS)]!;
    let avail = 4096 - off;
    const buf = this.ibuf;
    if (avail >= 15) {
      for (let k = 0; k < 15; k++) buf[k] = this.m8[host + k]!;
      avail = 15;
    } else {
      for (let k = 0; k < avail; k++) buf[k] = this.m8[host + k]!;
      // Next page: only fetched if the instruction needs it (a fault then is a #PF on that page).
      const lo2 = ((lo | 0xfff) + 1) | 0, hi2 = lo2 === 0 ? (hi + 1) | 0 : hi;
      const fault = this.fault;
      const h2 = this.fetchHost(lo2, hi2);
      if (h2 >= 0) {
        for (let k = avail; k < 15; k++) buf[k] = this.m8[h2 + k - avail]!;
        avail = 15;
      } else {
        // Leave the fault unrecorded unless the decoder really needs the bytes.
        this.fault = fault;
        if (h2 === -1) this.clearException();
      }
    }
    decode(buf, avail, bits, d);
    if (d.fault === FAULT_FETCH) {
      const lo2 = ((lo | 0xfff) + 1) | 0, hi2 = lo2 === 0 ? (hi + 1) | 0 : hi;
      const h2 = this.translate(lo2, hi2, 2);
      if (h2 === -2) this.raise(14, 0x10); // code in MMIO: treat as a fetch fault
      d.tag = -1;
      return;
    }
    // Instructions that straddle pages are not cached (their second page is not tracked by tag).
    if (off + d.len <= 4096) this.markCode(host, d.len);
    d.tag = off + d.len <= 4096 ? host : -1;
    d.gen = this.codeGen[host >>> 12]!;
    d.epoch = this.decodeEpoch;
  }

  private readonly crossSlot = new DecodedInsn();

  /** Run up to `maxInstructions`; returns an Exit code. */
  run(maxInstructions: number): number {
    const s = this.s32;
    const cache = this.cache;
    const codeGen = this.codeGen;
    let n = 0;
    let reason: number = Exit.BUDGET;
    // Fall-through chaining: the previous instruction, if it did not branch and was cached.
    let prev: DecodedInsn | null = null;
    let taken = false;
    this.pendingExit = -1;
    this.eventCheck = true;
    if (checkEvents(this, true) < 0) return Exit.SHUTDOWN;
    // Events delivered without retiring an instruction count against the budget too, so a
    // guest stuck in a fault loop (a handler that faults again) cannot hang the host.
    let events = 0;
    // RIP lives in locals between instructions (stored back after each one); reloaded from the
    // state block after anything else may have moved it (exception or event delivery).
    let ripLo = s[I_RIP]!, ripHi = s[I_RIP + 1]!;
    while (n + events < maxInstructions) {
      const bits = s[I_CODE_BITS]!;
      let d: DecodedInsn;
      // Chained successor: valid while linkEpoch is unchanged since the link was made (no TLB
      // flush, mode change, decode into any cache slot, or write to decoded code since).
      let nx: DecodedInsn | null = null;
      if (prev !== null) {
        if (!taken) { if (prev.linkStamp === this.linkEpoch) nx = prev.link; }
        else if (prev.blinkStamp === this.linkEpoch && prev.blinkLo === ripLo && prev.blinkHi === ripHi) nx = prev.blink;
      }
      if (nx !== null) {
        d = nx;
      } else {
      let linLo = ripLo, linHi = ripHi;
      if (bits !== 64) { linLo = (ripLo + s[I_CS_BASE]!) | 0; linHi = 0; }
      let host: number;
      if (((linLo ^ this.cpLin) & ~0xfff) === 0 && linHi === this.cpLinHi && this.cpHost >= 0) {
        host = this.cpHost + (linLo & 0xfff);
      } else {
        const hp = this.fetchHost(linLo, linHi);
        if (hp < 0) {
          if (hp === -2) this.raise(14, 0x10);
          s[I_EXC_RIP] = ripLo; s[I_EXC_RIP + 1] = ripHi;
          prev = null;
          if (this.fault) { this.fault = false; if (!this.deliverException()) { reason = this.faultExit; break; } events++; }
          ripLo = s[I_RIP]!; ripHi = s[I_RIP + 1]!;
          continue;
        }
        this.cpLin = linLo & ~0xfff; this.cpLinHi = linHi; this.cpHost = hp;
        host = hp + (linLo & 0xfff);
      }
      const slot = (host ^ (host >>> 14)) & (DECODE_CACHE_SIZE - 1);
      d = cache[slot]!;
      if (d.tag !== host || d.gen !== codeGen[host >>> 12] || d.epoch !== this.decodeEpoch) {
        this.decodeAt(d, host, linLo, linHi);
        if (d.tag === -1 && d.fault === -1) {
          // Page-straddling instruction: keep it out of the cache slot for the next lookup.
          const x = this.crossSlot;
          this.decodeAt(x, host, linLo, linHi);
          d = x;
        }
        if (!this.fault && d.fault >= 0) {
          if (d.fault === 6) this.raise(6, -1); else this.raise(d.fault, 0);
          d.tag = -1; // faulting decodes are never cached
        }
        if (this.fault) {
          prev = null;
          this.fault = false;
          if (!this.deliverException()) { reason = this.faultExit; break; } events++;
          ripLo = s[I_RIP]!; ripHi = s[I_RIP + 1]!;
          continue;
        }
      }
      if (prev !== null && d.tag >= 0) {
        if (!taken) { prev.link = d; prev.linkStamp = this.linkEpoch; }
        else { prev.blink = d; prev.blinkLo = ripLo; prev.blinkHi = ripHi; prev.blinkStamp = this.linkEpoch; }
      }
      }
      // Next RIP with the IP width of the mode.
      // (Integer compares for the carry: a double compare here cost ≈ 10 % of the loop.)
      let fallLo: number, fallHi: number;
      if (bits === 64) {
        fallLo = (ripLo + d.len) | 0;
        fallHi = (fallLo >>> 0) < (ripLo >>> 0) ? (ripHi + 1) | 0 : ripHi;
      } else {
        fallLo = bits === 32 ? (ripLo + d.len) | 0 : (ripLo + d.len) & 0xffff;
        fallHi = 0;
      }
      this.nextLo = fallLo; this.nextHi = fallHi;
      const csBase = s[I_CS_BASE];
      execute(this, d);
      if (this.fault) {
        prev = null;
        this.fault = false;
        if (!this.deliverException()) { reason = this.faultExit; break; } events++;
        ripLo = s[I_RIP]!; ripHi = s[I_RIP + 1]!;
        continue;
      }
      ripLo = this.nextLo; ripHi = this.nextHi;
      s[I_RIP] = ripLo;
      s[I_RIP + 1] = ripHi;
      // Chain from a cached instruction that kept the code segment base (fall-through or branch).
      prev = d.tag >= 0 && s[I_CS_BASE] === csBase ? d : null;
      taken = ripLo !== fallLo || ripHi !== fallHi;
      n++;
      if (this.eventCheck) {
        const e = checkEvents(this);
        if (e < 0) { reason = Exit.SHUTDOWN; break; }
        if (e > 0) prev = null;
        ripLo = s[I_RIP]!; ripHi = s[I_RIP + 1]!;
      }
      if (this.pendingExit >= 0) { reason = this.pendingExit; break; }
    }
    // ICOUNT (virtual time) advances by one per delivered event as well as per retired instruction.
    const c = (s[I_ICOUNT]! >>> 0) + n + events;
    s[I_ICOUNT] = c | 0;
    if (c > 0xffffffff) s[I_ICOUNT + 1] = (s[I_ICOUNT + 1]! + 1) | 0;
    return reason;
  }

  // ------------------------------------------------------------------ set-up helpers

  /**
   * Put the CPU in a flat mode without paging (tests, benchmarks, direct boot): 64 = long-mode
   * code segment, 32 = protected-mode flat 4 GiB, 16 = real mode. All bases 0.
   * (A 64-bit mode without paging does not exist on hardware; it is our test harness's shortcut.)
   */
  setFlatMode(bits: 16 | 32 | 64, cpl = 0): void {
    const s = this.s32;
    for (let seg = 0; seg < 6; seg++) {
      const b = I_SEG + seg * 8;
      s[b] = bits === 16 ? 0 : seg === L.CS ? 0x08 | cpl : 0x10 | cpl;
      s[b + 1] = seg === L.CS ? (bits === 64 ? 0xa09b : bits === 32 ? 0xc09b : 0x009b) : bits === 16 ? 0x0093 : 0xc093;
      s[b + 2] = 0; s[b + 3] = 0;
      s[b + 4] = bits === 16 ? 0xffff : -1;
    }
    s[I(L.CODE_BITS)] = bits;
    s[I(L.STACK_BITS)] = bits === 16 ? 16 : bits === 32 ? 32 : 64;
    s[I(L.CPL)] = cpl;
    s[I(L.MODE_FLAGS)] = bits === 16 ? 0 : bits === 64 ? ModeFlag.PE | ModeFlag.LMA : ModeFlag.PE;
    s[I(L.CR0)] = bits === 16 ? 0x60000010 : 0x60000011;
    s[I(L.RFLAGS)] = 0x2;
    s[I(L.LAZY_MASK)] = 0;
    this.modeChanged();
    this.flushTlb();
  }
}
