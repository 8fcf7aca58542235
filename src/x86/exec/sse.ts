// Interpreter handlers of the MMX/SSE rows (opcodes/table_sse.ts): operand plumbing around the
// src/x86/simd library. Each row's handler is looked up once by sseKey(row) ("MNEMONIC:ops").
//
// Operands: XMM register r is the 16 bytes at XMM + 16r of the state block; MMX register r the
// significand of x87 physical register r (fpu_state.ts). A memory source is first copied into
// the scratch slot SSE_TEMP (inside the state block's reserved 0x604-0x800 gap), so library
// calls always work on offsets in one buffer. 128-bit memory operands of legacy SSE must be
// 16-byte aligned (#GP(0)) except the unaligned moves, LDDQU and PCMPxSTRx.
//
// Faults: CR0.EM → #UD, CR0.TS → #NM, CR4.OSFXSR = 0 → #UD (SSE only), a pending x87 exception
// → #MF (MMX only), an unmasked SIMD FP exception → #XM (#UD when CR4.OSXMMEXCPT = 0).
// MMX instructions put the x87 unit in MMX state (TOP = 0, all tags valid) and set the
// exponent of a written MMX register to FFFFh; EMMS empties every tag.

import type { Cpu } from '../cpu.ts';
import type { DecodedInsn } from '../decode/decoded_insn.ts';
import { OPCODES } from '../opcodes/table.ts';
import { sseKey } from '../opcodes/table_sse.ts';
import * as L from '../state_layout.ts';
import { fxrstorX87, fxsaveX87 } from '../fpu/environment.ts';
import { SimdRegs } from '../simd/simd_regs.ts';
import { MXCSR_DEFAULT, MXCSR_WRITABLE } from '../simd/mxcsr.ts';
import * as A from '../simd/sse_arith.ts';
import * as C from '../simd/sse_convert.ts';
import * as RD from '../simd/sse_round.ts';
import * as P from '../simd/packed_int.ts';
import * as S3 from '../simd/ssse3.ts';
import * as F from '../simd/sse41_int.ts';
import * as STR from '../simd/pcmpstr.ts';
import { crc32, crc32q } from '../simd/crc32c.ts';
import { ARITH, setFlagsMasked } from '../flags.ts';

/** Two 16-byte scratch operands in the reserved gap after MXCSR (state_layout.ts: 0x604..0x800). */
export const SSE_TEMP = 0x7c0;
const SSE_TEMP2 = 0x7d0;

const K_REG = 1;
const CR0_EM = 4, CR0_TS = 8;
const CR4_OSFXSR = 0x200, CR4_OSXMMEXCPT = 0x400;
const FSW = L.FPU + 82, FTW = L.FPU + 84, FSE = L.FPU + 64;

type Handler = (c: Cpu, d: DecodedInsn) => void;

// ---- state access -----------------------------------------------------------------------------------

/** One SimdRegs per vCPU (views over the shared Memory; rebuilt if the buffer was replaced). */
const regsOf = new WeakMap<Cpu, SimdRegs>();
let regsCpu: Cpu | null = null;
let regs: SimdRegs = new SimdRegs(new ArrayBuffer(16), 0);
function R(c: Cpu): SimdRegs {
  if (c !== regsCpu || regs.u8.buffer !== c.m8.buffer) {
    let r = regsOf.get(c);
    if (r === undefined || r.u8.buffer !== c.m8.buffer) {
      r = new SimdRegs(c.m8.buffer, c.stateBase + L.MXCSR);
      regsOf.set(c, r);
    }
    regs = r;
    regsCpu = c;
  }
  return regs;
}
const xo = (c: Cpu, r: number): number => c.stateBase + L.XMM + (r << 4);
const mo = (c: Cpu, r: number): number => c.stateBase + L.FPU + ((r & 7) << 3);

/** The power-on MXCSR, for the machine's reset code. */
export const MXCSR_RESET = MXCSR_DEFAULT;

function sseOk(c: Cpu): boolean {
  const cr0 = c.s32[L.CR0 >> 2]!;
  if ((cr0 & CR0_EM) !== 0 || (c.s32[L.CR4 >> 2]! & CR4_OSFXSR) === 0) { c.raiseUD(); return false; }
  if ((cr0 & CR0_TS) !== 0) { c.raise(7, -1); return false; }
  return true;
}

/** MMX entry checks and the transition to MMX state (SDM Vol. 1 §9.5.1). */
function mmxOk(c: Cpu): boolean {
  const cr0 = c.s32[L.CR0 >> 2]!;
  if ((cr0 & CR0_EM) !== 0) { c.raiseUD(); return false; }
  if ((cr0 & CR0_TS) !== 0) { c.raise(7, -1); return false; }
  const fsw = c.s16[FSW >> 1]!;
  if ((fsw & 0x80) !== 0) { c.raise(16, -1); return false; }
  c.s16[FSW >> 1] = fsw & ~0x3800;
  c.s8[FTW] = 0xff;
  return true;
}
/** After writing MMX register r: its exponent field becomes all ones. */
function mmxWrote(c: Cpu, r: number): void {
  c.s16[(FSE >> 1) + (r & 7)] = 0xffff;
}

function xm(c: Cpu): void {
  if ((c.s32[L.CR4 >> 2]! & CR4_OSXMMEXCPT) !== 0) c.raise(19, -1);
  else c.raiseUD();
}

// ---- memory operands ------------------------------------------------------------------------------------

function advance8(c: Cpu): void {
  const lo = c.eaLo;
  c.eaLo = (lo + 8) | 0;
  if (c.eaLo >>> 0 < lo >>> 0 && c.codeBits === 64) c.eaHi = (c.eaHi + 1) | 0;
}

/** Read `bytes` (1, 2, 4, 8, 16) at the current ea into scratch slot `slot`; returns its buffer offset or -1. */
function loadTo(c: Cpu, bytes: number, slot: number): number {
  const s = c.s32;
  const i = slot >> 2;
  if (bytes >= 8) {
    s[i] = c.read(3);
    s[i + 1] = c.hi;
    if (bytes === 16 && !c.fault) {
      advance8(c);
      s[i + 2] = c.read(3);
      s[i + 3] = c.hi;
    }
  } else if (bytes === 4) s[i] = c.read(2);
  else if (bytes === 2) c.s16[slot >> 1] = c.read(1);
  else c.s8[slot] = c.read(0);
  return c.fault ? -1 : c.stateBase + slot;
}

/** Operand `k` (2 = source, 3 = third) as an XMM source: register offset or memory copied to scratch. */
function srcX(c: Cpu, d: DecodedInsn, bytes: number, align: boolean): number {
  if (d.k2 === K_REG) return xo(c, d.r2);
  c.ea(d);
  if (align && (c.eaLo & 15) !== 0) { c.raiseGP0(); return -1; }
  return loadTo(c, bytes, SSE_TEMP);
}
/** MMX source (Q): register or 8 bytes of memory. */
function srcQ(c: Cpu, d: DecodedInsn): number {
  if (d.k2 === K_REG) return mo(c, d.r2);
  c.ea(d);
  return loadTo(c, 8, SSE_TEMP);
}
/** Store `bytes` from buffer offset `from` to the memory operand (operand 1); false on fault. */
function storeMem(c: Cpu, d: DecodedInsn, from: number, bytes: number, align: boolean): boolean {
  c.ea(d);
  if (align && (c.eaLo & 15) !== 0) { c.raiseGP0(); return false; }
  if (!c.probeWrite(c.eaLo, c.eaHi, bytes)) return false;
  const i32 = R(c).i32;
  const fi = from >> 2;
  if (bytes >= 8) {
    c.write(3, i32[fi]!, i32[fi + 1]!);
    if (bytes === 16) { advance8(c); c.write(3, i32[fi + 2]!, i32[fi + 3]!); }
  } else if (bytes === 4) c.write(2, i32[fi]!, 0);
  else if (bytes === 2) c.write(1, R(c).u16[from >> 1]!, 0);
  else c.write(0, R(c).u8[from]!, 0);
  return !c.fault;
}
function copy(c: Cpu, to: number, from: number, bytes: number): void {
  const i32 = R(c).i32;
  for (let k = 0; k < bytes >> 2; k++) i32[(to >> 2) + k] = i32[(from >> 2) + k]!;
}

// ---- handler builders (each closure is created once, at load) ---------------------------------------------

type XOp = (r: SimdRegs, d: number, s: number, n: number) => void;
type FOp = (r: SimdRegs, d: number, s: number) => number;
type FOpI = (r: SimdRegs, d: number, s: number, imm: number) => number;

/** Packed integer op on XMM (aligned m128). */
const ix = (f: XOp, bytes = 16, align = true): Handler => (c, d) => {
  if (!sseOk(c)) return;
  const s = srcX(c, d, bytes, align);
  if (s < 0) return;
  f(R(c), xo(c, d.r1), s, 16);
};
/** Packed integer op on MMX. */
const im = (f: XOp): Handler => (c, d) => {
  if (!mmxOk(c)) return;
  const s = srcQ(c, d);
  if (s < 0) return;
  f(R(c), mo(c, d.r1), s, 8);
  mmxWrote(c, d.r1);
};
/** Floating-point op (may raise #XM). */
const fx = (f: FOp, bytes: number, align: boolean): Handler => (c, d) => {
  if (!sseOk(c)) return;
  const s = srcX(c, d, bytes, align);
  if (s < 0) return;
  if (f(R(c), xo(c, d.r1), s) === A.SIMD_XM) xm(c);
};
const fxi = (f: FOpI, bytes: number, align: boolean): Handler => (c, d) => {
  if (!sseOk(c)) return;
  const s = srcX(c, d, bytes, align);
  if (s < 0) return;
  if (f(R(c), xo(c, d.r1), s, d.imm & 0xff) === A.SIMD_XM) xm(c);
};
/** XMM integer/shuffle op with imm8 and no exceptions. */
const ixi = (f: (r: SimdRegs, d: number, s: number, imm: number) => void, bytes = 16, align = true): Handler => (c, d) => {
  if (!sseOk(c)) return;
  const s = srcX(c, d, bytes, align);
  if (s < 0) return;
  f(R(c), xo(c, d.r1), s, d.imm & 0xff);
};
/** Plain load V ← W of `bytes` (16: whole register; zeroUpper: memory form of MOVSS/MOVSD/MOVQ clears the rest). */
const load = (bytes: number, align: boolean, mergeReg: boolean): Handler => (c, d) => {
  if (!sseOk(c)) return;
  const dst = xo(c, d.r1);
  if (d.k2 === K_REG) {
    copy(c, dst, xo(c, d.r2), mergeReg ? bytes : 16);
    return;
  }
  const s = srcX(c, d, bytes, align);
  if (s < 0) return;
  const i32 = R(c).i32;
  for (let k = 0; k < 4; k++) i32[(dst >> 2) + k] = k < bytes >> 2 ? i32[(s >> 2) + k]! : 0;
};
/** Plain store W ← V of `bytes` (register form: merge `bytes` into the destination register, or all 16). */
const store = (bytes: number, align: boolean, mergeReg: boolean): Handler => (c, d) => {
  if (!sseOk(c)) return;
  const src = xo(c, d.r2);
  if (d.k1 === K_REG) { copy(c, xo(c, d.r1), src, mergeReg ? bytes : 16); return; }
  storeMem(c, d, src, bytes, align);
};
/** Load 8 bytes into the low (hi = false) or high half, the other half kept. */
const loadHalf = (high: boolean): Handler => (c, d) => {
  if (!sseOk(c)) return;
  const s = srcX(c, d, 8, false);
  if (s < 0) return;
  copy(c, xo(c, d.r1) + (high ? 8 : 0), d.k2 === K_REG ? s + (high ? 0 : 8) : s, 8);
};
const storeHalf = (high: boolean): Handler => (c, d) => {
  if (!sseOk(c)) return;
  storeMem(c, d, xo(c, d.r2) + (high ? 8 : 0), 8, false);
};

// ---- GPR helpers ------------------------------------------------------------------------------------------

function gprWrite(c: Cpu, r: number, wide: boolean, lo: number, hi: number): void {
  c.setReg(wide ? 3 : 2, r, lo, wide ? hi : 0);
}

/** E operand (register or memory) of 32 or 64 bits as the source; lo returned, hi in c.hi. */
function srcE(c: Cpu, d: DecodedInsn, k: number, r: number, wide: boolean, bytes: number): number {
  if (k === K_REG) return c.getReg(wide ? 3 : 2, r);
  c.ea(d);
  const v = c.read(bytes === 8 ? 3 : bytes === 4 ? 2 : bytes === 2 ? 1 : 0);
  if (bytes < 8) c.hi = 0;
  return v;
}

// ---- the handlers -------------------------------------------------------------------------------------------

const H: Record<string, Handler> = {};

// moves
H['MOVUPS:Vps,Wps'] = load(16, false, false);
H['MOVUPS:Wps,Vps'] = store(16, false, false);
H['MOVUPD:Vpd,Wpd'] = load(16, false, false);
H['MOVUPD:Wpd,Vpd'] = store(16, false, false);
H['MOVAPS:Vps,Wps'] = load(16, true, false);
H['MOVAPS:Wps,Vps'] = store(16, true, false);
H['MOVAPD:Vpd,Wpd'] = load(16, true, false);
H['MOVAPD:Wpd,Vpd'] = store(16, true, false);
H['MOVDQA:Vx,Wx'] = load(16, true, false);
H['MOVDQA:Wx,Vx'] = store(16, true, false);
H['MOVDQU:Vx,Wx'] = load(16, false, false);
H['MOVDQU:Wx,Vx'] = store(16, false, false);
H['LDDQU:Vx,Mx'] = load(16, false, false);
H['MOVNTDQA:Vx,Mx'] = load(16, true, false);
H['MOVNTPS:Mps,Vps'] = store(16, true, false);
H['MOVNTPD:Mpd,Vpd'] = store(16, true, false);
H['MOVNTDQ:Mx,Vx'] = store(16, true, false);
H['MOVSS:Vss,Wss'] = load(4, false, true);
H['MOVSS:Wss,Vss'] = store(4, false, true);
H['MOVSD:Vsd,Wsd'] = load(8, false, true);
H['MOVSD:Wsd,Vsd'] = store(8, false, true);
H['MOVLPS:Vq,Mq'] = loadHalf(false);
H['MOVLPD:Vq,Mq'] = loadHalf(false);
H['MOVHPS:Vq,Mq'] = loadHalf(true);
H['MOVHPD:Vq,Mq'] = loadHalf(true);
H['MOVHLPS:Vq,Uq'] = loadHalf(false); // register form: the source's high half into the low half
H['MOVLHPS:Vq,Uq'] = (c, d) => { if (sseOk(c)) copy(c, xo(c, d.r1) + 8, xo(c, d.r2), 8); };
H['MOVLPS:Mq,Vq'] = storeHalf(false);
H['MOVLPD:Mq,Vq'] = storeHalf(false);
H['MOVHPS:Mq,Vq'] = storeHalf(true);
H['MOVHPD:Mq,Vq'] = storeHalf(true);
H['MOVQ:Vq,Wq'] = (c, d) => { if (!sseOk(c)) return; const s = srcX(c, d, 8, false); if (s >= 0) P.movqXmm(R(c), xo(c, d.r1), s); };
H['MOVQ:Wq,Vq'] = (c, d) => {
  if (!sseOk(c)) return;
  if (d.k1 === K_REG) P.movqXmm(R(c), xo(c, d.r1), xo(c, d.r2));
  else storeMem(c, d, xo(c, d.r2), 8, false);
};
H['MOVQ2DQ:Vdq,Nq'] = (c, d) => { if (sseOk(c) && mmxOk(c)) P.movq2dq(R(c), xo(c, d.r1), mo(c, d.r2)); };
H['MOVDQ2Q:Pq,Uq'] = (c, d) => { if (sseOk(c) && mmxOk(c)) { copy(c, mo(c, d.r1), xo(c, d.r2), 8); mmxWrote(c, d.r1); } };
H['MOVSLDUP:Vx,Wx'] = ixi((r, dd, s) => { const a = r.i32; const x0 = a[s >> 2]!, x2 = a[(s >> 2) + 2]!; a[dd >> 2] = x0; a[(dd >> 2) + 1] = x0; a[(dd >> 2) + 2] = x2; a[(dd >> 2) + 3] = x2; });
H['MOVSHDUP:Vx,Wx'] = ixi((r, dd, s) => { const a = r.i32; const x1 = a[(s >> 2) + 1]!, x3 = a[(s >> 2) + 3]!; a[dd >> 2] = x1; a[(dd >> 2) + 1] = x1; a[(dd >> 2) + 2] = x3; a[(dd >> 2) + 3] = x3; });
H['MOVDDUP:Vx,Wq'] = ixi((r, dd, s) => { const a = r.i32; const lo = a[s >> 2]!, hi = a[(s >> 2) + 1]!; a[dd >> 2] = lo; a[(dd >> 2) + 1] = hi; a[(dd >> 2) + 2] = lo; a[(dd >> 2) + 3] = hi; }, 8, false);

// MOVD/MOVQ with general registers and memory
H['MOVD:Vy,Ey'] = (c, d) => {
  if (!sseOk(c)) return;
  const wide = d.osz === 3;
  const lo = srcE(c, d, d.k2, d.r2, wide, wide ? 8 : 4);
  if (c.fault) return;
  P.movdToXmm(R(c), xo(c, d.r1), lo, wide ? c.hi : 0);
};
H['MOVD:Ey,Vy'] = (c, d) => {
  if (!sseOk(c)) return;
  const wide = d.osz === 3;
  const x = xo(c, d.r2);
  if (d.k1 === K_REG) gprWrite(c, d.r1, wide, R(c).i32[x >> 2]!, R(c).i32[(x >> 2) + 1]!);
  else storeMem(c, d, x, wide ? 8 : 4, false);
};
H['MOVD:Pd,Ey'] = (c, d) => {
  if (!mmxOk(c)) return;
  const wide = d.osz === 3;
  const lo = srcE(c, d, d.k2, d.r2, wide, wide ? 8 : 4);
  if (c.fault) return;
  const m = mo(c, d.r1) >> 2;
  R(c).i32[m] = lo;
  R(c).i32[m + 1] = wide ? c.hi : 0;
  mmxWrote(c, d.r1);
};
H['MOVD:Ey,Pd'] = (c, d) => {
  if (!mmxOk(c)) return;
  const wide = d.osz === 3;
  const m = mo(c, d.r2);
  if (d.k1 === K_REG) gprWrite(c, d.r1, wide, R(c).i32[m >> 2]!, R(c).i32[(m >> 2) + 1]!);
  else storeMem(c, d, m, wide ? 8 : 4, false);
};
H['MOVQ:Pq,Qq'] = (c, d) => { if (!mmxOk(c)) return; const s = srcQ(c, d); if (s < 0) return; copy(c, mo(c, d.r1), s, 8); mmxWrote(c, d.r1); };
H['MOVQ:Qq,Pq'] = (c, d) => {
  if (!mmxOk(c)) return;
  if (d.k1 === K_REG) { copy(c, mo(c, d.r1), mo(c, d.r2), 8); mmxWrote(c, d.r1); } else storeMem(c, d, mo(c, d.r2), 8, false);
};
H['MOVNTQ:Mq,Pq'] = (c, d) => { if (mmxOk(c)) storeMem(c, d, mo(c, d.r2), 8, false); };
H['MOVNTI:My,Gy'] = (c, d) => {
  const wide = d.osz === 3;
  const v = c.getReg(wide ? 3 : 2, d.r2);
  const vh = wide ? c.hi : 0;
  c.ea(d);
  c.write(wide ? 3 : 2, v, vh);
};
H['EMMS:'] = (c) => {
  const cr0 = c.s32[L.CR0 >> 2]!;
  if ((cr0 & CR0_EM) !== 0) { c.raiseUD(); return; }
  if ((cr0 & CR0_TS) !== 0) { c.raise(7, -1); return; }
  if ((c.s16[FSW >> 1]! & 0x80) !== 0) { c.raise(16, -1); return; }
  c.s8[FTW] = 0;
};
/** MASKMOVQ/MASKMOVDQU: bytes of the first operand whose mask byte has bit 7 set go to DS:rDI. */
function maskmov(c: Cpu, d: DecodedInsn, src: number, mask: number, n: number): void {
  const u8 = R(c).u8;
  const di = c.getReg(d.asz === 3 ? 3 : 2, 7);
  const dih = d.asz === 3 ? c.hi : 0;
  c.linear(d.segOverride ? d.seg : L.DS, d.asz === 1 ? di & 0xffff : di, dih, d.asz);
  const lo = c.eaLo, hi = c.eaHi;
  // The host checks the whole destination even when the mask selects no byte.
  if (!c.probeWrite(lo, hi, n)) return;
  for (let i = 0; i < n; i++) {
    if ((u8[mask + i]! & 0x80) === 0) continue;
    c.eaLo = (lo + i) | 0;
    c.eaHi = hi;
    c.write(0, u8[src + i]!, 0);
    if (c.fault) return;
  }
}
H['MASKMOVQ:Pq,Nq'] = (c, d) => { if (mmxOk(c)) maskmov(c, d, mo(c, d.r1), mo(c, d.r2), 8); };
H['MASKMOVDQU:Vdq,Udq'] = (c, d) => { if (sseOk(c)) maskmov(c, d, xo(c, d.r1), xo(c, d.r2), 16); };

// arithmetic
for (const [name, ps, ss, pd, sd] of [
  ['ADD', A.addps, A.addss, A.addpd, A.addsd], ['SUB', A.subps, A.subss, A.subpd, A.subsd],
  ['MUL', A.mulps, A.mulss, A.mulpd, A.mulsd], ['DIV', A.divps, A.divss, A.divpd, A.divsd],
  ['MIN', A.minps, A.minss, A.minpd, A.minsd], ['MAX', A.maxps, A.maxss, A.maxpd, A.maxsd],
  ['SQRT', A.sqrtps, A.sqrtss, A.sqrtpd, A.sqrtsd],
] as const) {
  H[`${name}PS:Vps,Wps`] = fx(ps, 16, true);
  H[`${name}SS:Vss,Wss`] = fx(ss, 4, false);
  H[`${name}PD:Vpd,Wpd`] = fx(pd, 16, true);
  H[`${name}SD:Vsd,Wsd`] = fx(sd, 8, false);
}
H['ADDSUBPS:Vps,Wps'] = fx(A.addsubps, 16, true);
H['ADDSUBPD:Vpd,Wpd'] = fx(A.addsubpd, 16, true);
H['HADDPS:Vps,Wps'] = fx(A.haddps, 16, true);
H['HSUBPS:Vps,Wps'] = fx(A.hsubps, 16, true);
H['HADDPD:Vpd,Wpd'] = fx(A.haddpd, 16, true);
H['HSUBPD:Vpd,Wpd'] = fx(A.hsubpd, 16, true);
H['DPPS:Vx,Wx,Ib'] = fxi(A.dpps, 16, true);
H['DPPD:Vx,Wx,Ib'] = fxi(A.dppd, 16, true);
H['CMPPS:Vps,Wps,Ib'] = fxi(A.cmpps, 16, true);
H['CMPSS:Vss,Wss,Ib'] = fxi(A.cmpss, 4, false);
H['CMPPD:Vpd,Wpd,Ib'] = fxi(A.cmppd, 16, true);
H['CMPSD:Vsd,Wsd,Ib'] = fxi(A.cmpsd, 8, false);
H['ROUNDPS:Vx,Wx,Ib'] = fxi(RD.roundps, 16, true);
H['ROUNDPD:Vx,Wx,Ib'] = fxi(RD.roundpd, 16, true);
H['ROUNDSS:Vss,Wss,Ib'] = fxi(RD.roundss, 4, false);
H['ROUNDSD:Vsd,Wsd,Ib'] = fxi(RD.roundsd, 8, false);
H['RCPPS:Vps,Wps'] = fx(RD.rcpps, 16, true);
H['RCPSS:Vss,Wss'] = fx(RD.rcpss, 4, false);
H['RSQRTPS:Vps,Wps'] = fx(RD.rsqrtps, 16, true);
H['RSQRTSS:Vss,Wss'] = fx(RD.rsqrtss, 4, false);
const comi = (f: FOp, bytes: number): Handler => (c, d) => {
  if (!sseOk(c)) return;
  const s = srcX(c, d, bytes, false);
  if (s < 0) return;
  const r = f(R(c), xo(c, d.r1), s);
  if (r === A.SIMD_XM) xm(c);
  else setFlagsMasked(c, ARITH, r);
};
H['COMISS:Vss,Wss'] = comi(A.comiss, 4);
H['UCOMISS:Vss,Wss'] = comi(A.ucomiss, 4);
H['COMISD:Vsd,Wsd'] = comi(A.comisd, 8);
H['UCOMISD:Vsd,Wsd'] = comi(A.ucomisd, 8);

// logic, shuffles, unpacks (no exceptions)
for (const [n, f] of [['AND', P.pand], ['ANDN', P.pandn], ['OR', P.por], ['XOR', P.pxor]] as const) {
  H[`${n}PS:Vps,Wps`] = ix(f);
  H[`${n}PD:Vpd,Wpd`] = ix(f);
}
H['UNPCKLPS:Vx,Wx'] = ix((r, dd, s, n) => P.punpck(r, dd, s, n, 4, false));
H['UNPCKHPS:Vx,Wx'] = ix((r, dd, s, n) => P.punpck(r, dd, s, n, 4, true));
H['UNPCKLPD:Vx,Wx'] = ix((r, dd, s, n) => P.punpck(r, dd, s, n, 8, false));
H['UNPCKHPD:Vx,Wx'] = ix((r, dd, s, n) => P.punpck(r, dd, s, n, 8, true));
H['SHUFPS:Vps,Wps,Ib'] = ixi(P.shufps);
H['SHUFPD:Vpd,Wpd,Ib'] = ixi(P.shufpd);
H['PSHUFD:Vx,Wx,Ib'] = ixi(P.pshufd);
H['PSHUFHW:Vx,Wx,Ib'] = ixi(P.pshufhw);
H['PSHUFLW:Vx,Wx,Ib'] = ixi(P.pshuflw);
H['PSHUFW:Pq,Qq,Ib'] = (c, d) => { if (!mmxOk(c)) return; const s = srcQ(c, d); if (s < 0) return; P.pshufw(R(c), mo(c, d.r1), s, d.imm & 0xff); mmxWrote(c, d.r1); };
H['MOVMSKPS:Gd,Ups'] = (c, d) => { if (sseOk(c)) gprWrite(c, d.r1, false, P.movmskps(R(c), xo(c, d.r2)), 0); };
H['MOVMSKPD:Gd,Upd'] = (c, d) => { if (sseOk(c)) gprWrite(c, d.r1, false, P.movmskpd(R(c), xo(c, d.r2)), 0); };

// conversions
H['CVTPS2PD:Vpd,Wq'] = fx(C.cvtps2pd, 8, false);
H['CVTPD2PS:Vps,Wpd'] = fx(C.cvtpd2ps, 16, true);
H['CVTSS2SD:Vsd,Wss'] = fx(C.cvtss2sd, 4, false);
H['CVTSD2SS:Vss,Wsd'] = fx(C.cvtsd2ss, 8, false);
H['CVTDQ2PS:Vps,Wdq'] = fx(C.cvtdq2ps, 16, true);
H['CVTPS2DQ:Vdq,Wps'] = fx(C.cvtps2dq, 16, true);
H['CVTTPS2DQ:Vdq,Wps'] = fx(C.cvttps2dq, 16, true);
H['CVTDQ2PD:Vpd,Wq'] = fx(C.cvtdq2pd, 8, false);
H['CVTPD2DQ:Vdq,Wpd'] = fx(C.cvtpd2dq, 16, true);
H['CVTTPD2DQ:Vdq,Wpd'] = fx(C.cvttpd2dq, 16, true);
const toMmx = (f: FOp, bytes: number, align: boolean): Handler => (c, d) => {
  if (!sseOk(c) || !mmxOk(c)) return;
  const s = srcX(c, d, bytes, align);
  if (s < 0) return;
  if (f(R(c), mo(c, d.r1), s) === A.SIMD_XM) xm(c);
  else mmxWrote(c, d.r1);
};
H['CVTPS2PI:Ppi,Wps'] = toMmx(C.cvtps2pi, 8, false);
H['CVTTPS2PI:Ppi,Wps'] = toMmx(C.cvttps2pi, 8, false);
H['CVTPD2PI:Ppi,Wpd'] = toMmx(C.cvtpd2pi, 16, true);
H['CVTTPD2PI:Ppi,Wpd'] = toMmx(C.cvttpd2pi, 16, true);
const fromMmx = (f: FOp): Handler => (c, d) => {
  if (!sseOk(c)) return;
  let s: number;
  if (d.k2 === K_REG) {
    if (!mmxOk(c)) return; // only the register form touches the x87 state
    s = mo(c, d.r2);
  } else {
    c.ea(d);
    s = loadTo(c, 8, SSE_TEMP);
    if (s < 0) return;
  }
  if (f(R(c), xo(c, d.r1), s) === A.SIMD_XM) xm(c);
};
H['CVTPI2PS:Vps,Qpi'] = fromMmx(C.cvtpi2ps);
H['CVTPI2PD:Vpd,Qpi'] = fromMmx(C.cvtpi2pd);
const si2 = (f: (r: SimdRegs, d: number, lo: number, hi: number, wide: boolean) => number): Handler => (c, d) => {
  if (!sseOk(c)) return;
  const wide = d.osz === 3;
  const lo = srcE(c, d, d.k2, d.r2, wide, wide ? 8 : 4);
  if (c.fault) return;
  if (f(R(c), xo(c, d.r1), lo, wide ? c.hi : 0, wide) === A.SIMD_XM) xm(c);
};
H['CVTSI2SS:Vss,Ey'] = si2(C.cvtsi2ss);
H['CVTSI2SD:Vsd,Ey'] = si2(C.cvtsi2sd);
const toSi = (f: (r: SimdRegs, s: number, t: boolean, w: boolean) => number, bytes: number, truncate: boolean): Handler => (c, d) => {
  if (!sseOk(c)) return;
  const s = srcX(c, d, bytes, false);
  if (s < 0) return;
  const wide = d.osz === 3;
  if (f(R(c), s, truncate, wide) === A.SIMD_XM) { xm(c); return; }
  gprWrite(c, d.r1, wide, C.gprOut[0]!, C.gprOut[1]!);
};
H['CVTSS2SI:Gy,Wss'] = toSi(C.cvtss2si, 4, false);
H['CVTTSS2SI:Gy,Wss'] = toSi(C.cvtss2si, 4, true);
H['CVTSD2SI:Gy,Wsd'] = toSi(C.cvtsd2si, 8, false);
H['CVTTSD2SI:Gy,Wsd'] = toSi(C.cvtsd2si, 8, true);

// MMX / SSE2 integer pairs
const INT_OPS: Record<string, XOp> = {
  PADDB: P.paddb, PADDW: P.paddw, PADDD: P.paddd, PADDQ: P.paddq, PSUBB: P.psubb, PSUBW: P.psubw, PSUBD: P.psubd, PSUBQ: P.psubq,
  PADDSB: P.paddsb, PADDSW: P.paddsw, PADDUSB: P.paddusb, PADDUSW: P.paddusw, PSUBSB: P.psubsb, PSUBSW: P.psubsw,
  PSUBUSB: P.psubusb, PSUBUSW: P.psubusw, PMULLW: P.pmullw, PMULHW: P.pmulhw, PMULHUW: P.pmulhuw, PMULUDQ: P.pmuludq,
  PMADDWD: P.pmaddwd, PSADBW: P.psadbw, PAVGB: P.pavgb, PAVGW: P.pavgw, PMINUB: P.pminub, PMAXUB: P.pmaxub,
  PMINSW: P.pminsw, PMAXSW: P.pmaxsw, PCMPEQB: P.pcmpeqb, PCMPEQW: P.pcmpeqw, PCMPEQD: P.pcmpeqd, PCMPGTB: P.pcmpgtb,
  PCMPGTW: P.pcmpgtw, PCMPGTD: P.pcmpgtd, PAND: P.pand, PANDN: P.pandn, POR: P.por, PXOR: P.pxor,
  PACKSSWB: P.packsswb, PACKUSWB: P.packuswb, PACKSSDW: P.packssdw,
  PUNPCKLBW: (r, d, s, n) => P.punpck(r, d, s, n, 1, false), PUNPCKLWD: (r, d, s, n) => P.punpck(r, d, s, n, 2, false),
  PUNPCKLDQ: (r, d, s, n) => P.punpck(r, d, s, n, 4, false), PUNPCKHBW: (r, d, s, n) => P.punpck(r, d, s, n, 1, true),
  PUNPCKHWD: (r, d, s, n) => P.punpck(r, d, s, n, 2, true), PUNPCKHDQ: (r, d, s, n) => P.punpck(r, d, s, n, 4, true),
  PUNPCKLQDQ: (r, d, s, n) => P.punpck(r, d, s, n, 8, false), PUNPCKHQDQ: (r, d, s, n) => P.punpck(r, d, s, n, 8, true),
  PSRLW: (r, d, s, n) => P.psrlw(r, d, P.shiftCount(r, s), n), PSRLD: (r, d, s, n) => P.psrld(r, d, P.shiftCount(r, s), n),
  PSRLQ: (r, d, s, n) => P.psrlq(r, d, P.shiftCount(r, s), n), PSRAW: (r, d, s, n) => P.psraw(r, d, P.shiftCount(r, s), n),
  PSRAD: (r, d, s, n) => P.psrad(r, d, P.shiftCount(r, s), n), PSLLW: (r, d, s, n) => P.psllw(r, d, P.shiftCount(r, s), n),
  PSLLD: (r, d, s, n) => P.pslld(r, d, P.shiftCount(r, s), n), PSLLQ: (r, d, s, n) => P.psllq(r, d, P.shiftCount(r, s), n),
  PSHUFB: S3.pshufb, PHADDW: S3.phaddw, PHADDD: S3.phaddd, PHADDSW: S3.phaddsw, PMADDUBSW: S3.pmaddubsw,
  PHSUBW: S3.phsubw, PHSUBD: S3.phsubd, PHSUBSW: S3.phsubsw, PMULHRSW: S3.pmulhrsw,
  PSIGNB: (r, d, s, n) => S3.psign(r, d, s, n, 1), PSIGNW: (r, d, s, n) => S3.psign(r, d, s, n, 2), PSIGND: (r, d, s, n) => S3.psign(r, d, s, n, 4),
  PABSB: (r, d, s, n) => S3.pabs(r, d, s, n, 1), PABSW: (r, d, s, n) => S3.pabs(r, d, s, n, 2), PABSD: (r, d, s, n) => S3.pabs(r, d, s, n, 4),
  PACKUSDW: P.packusdw,
  PMINSB: (r, d, s) => F.pminsb(r, d, s), PMINSD: (r, d, s) => F.pminsd(r, d, s), PMINUW: (r, d, s) => F.pminuw(r, d, s),
  PMINUD: (r, d, s) => F.pminud(r, d, s), PMAXSB: (r, d, s) => F.pmaxsb(r, d, s), PMAXSD: (r, d, s) => F.pmaxsd(r, d, s),
  PMAXUW: (r, d, s) => F.pmaxuw(r, d, s), PMAXUD: (r, d, s) => F.pmaxud(r, d, s), PMULLD: (r, d, s) => F.pmulld(r, d, s),
  PHMINPOSUW: (r, d, s) => F.phminposuw(r, d, s), PMULDQ: (r, d, s) => F.pmuldq(r, d, s), PCMPEQQ: (r, d, s) => F.pcmpeqq(r, d, s),
  PCMPGTQ: (r, d, s) => F.pcmpgtq(r, d, s),
};
for (const [name, f] of Object.entries(INT_OPS)) {
  H[`${name}:Pq,Qq`] = im(f);
  H[`${name}:Vx,Wx`] = ix(f);
}
// shifts by immediate
const SHIFT_IMM: Record<string, (r: SimdRegs, d: number, c: number, n: number) => void> = {
  PSRLW: P.psrlw, PSRLD: P.psrld, PSRLQ: P.psrlq, PSRAW: P.psraw, PSRAD: P.psrad, PSLLW: P.psllw, PSLLD: P.pslld, PSLLQ: P.psllq,
};
for (const [name, f] of Object.entries(SHIFT_IMM)) {
  H[`${name}:Nq,Ib`] = (c, d) => { if (!mmxOk(c)) return; f(R(c), mo(c, d.r1), d.imm & 0xff, 8); mmxWrote(c, d.r1); };
  H[`${name}:Ux,Ib`] = (c, d) => { if (sseOk(c)) f(R(c), xo(c, d.r1), d.imm & 0xff, 16); };
}
H['PSRLDQ:Ux,Ib'] = (c, d) => { if (sseOk(c)) P.psrldq(R(c), xo(c, d.r1), d.imm & 0xff); };
H['PSLLDQ:Ux,Ib'] = (c, d) => { if (sseOk(c)) P.pslldq(R(c), xo(c, d.r1), d.imm & 0xff); };
H['PALIGNR:Pq,Qq,Ib'] = (c, d) => { if (!mmxOk(c)) return; const s = srcQ(c, d); if (s < 0) return; S3.palignr(R(c), mo(c, d.r1), s, d.imm & 0xff, 8); mmxWrote(c, d.r1); };
H['PALIGNR:Vx,Wx,Ib'] = ixi((r, dd, s, imm) => S3.palignr(r, dd, s, imm, 16));

// inserts, extracts, masks
H['PINSRW:Pq,Ew,Ib'] = (c, d) => {
  if (!mmxOk(c)) return;
  const v = srcE(c, d, d.k2, d.r2, false, 2);
  if (c.fault) return;
  P.pinsrw(R(c), mo(c, d.r1), v & 0xffff, d.imm & 0xff, 8);
  mmxWrote(c, d.r1);
};
H['PINSRW:Vdq,Ew,Ib'] = (c, d) => {
  if (!sseOk(c)) return;
  const v = srcE(c, d, d.k2, d.r2, false, 2);
  if (!c.fault) P.pinsrw(R(c), xo(c, d.r1), v & 0xffff, d.imm & 0xff, 16);
};
H['PEXTRW:Gd,Nq,Ib'] = (c, d) => { if (mmxOk(c)) gprWrite(c, d.r1, false, P.pextrw(R(c), mo(c, d.r2), d.imm & 0xff, 8), 0); };
H['PEXTRW:Gd,Udq,Ib'] = (c, d) => { if (sseOk(c)) gprWrite(c, d.r1, false, P.pextrw(R(c), xo(c, d.r2), d.imm & 0xff, 16), 0); };
H['PMOVMSKB:Gd,Nq'] = (c, d) => { if (mmxOk(c)) gprWrite(c, d.r1, false, P.pmovmskb(R(c), mo(c, d.r2), 8), 0); };
H['PMOVMSKB:Gd,Ux'] = (c, d) => { if (sseOk(c)) gprWrite(c, d.r1, false, P.pmovmskb(R(c), xo(c, d.r2), 16), 0); };
/** PEXTRB/PEXTRW/PEXTRD/PEXTRQ/EXTRACTPS: element to a register (zero-extended) or memory. */
const extract = (e: number): Handler => (c, d) => {
  if (!sseOk(c)) return;
  const x = xo(c, d.r2);
  const imm = d.imm & 0xff;
  const wide = e === 4 && d.osz === 3; // PEXTRQ
  const lo = wide ? F.pextrq(R(c), x, imm) : e === 0 ? F.extractps(R(c), x, imm) : F.pextr(R(c), x, imm, e);
  const hi = wide ? F.pextrHi : 0;
  if (d.k1 === K_REG) { gprWrite(c, d.r1, wide, lo, hi); return; }
  const t = c.stateBase + SSE_TEMP2;
  R(c).i32[t >> 2] = lo;
  R(c).i32[(t >> 2) + 1] = hi;
  storeMem(c, d, t, wide ? 8 : e === 0 ? 4 : e, false);
};
H['PEXTRB:Ed,Vdq,Ib'] = extract(1);
H['PEXTRW:Ew,Vdq,Ib'] = extract(2);
H['PEXTRD:Ey,Vdq,Ib'] = extract(4);
H['EXTRACTPS:Ed,Vdq,Ib'] = extract(0);
const insert = (e: number): Handler => (c, d) => {
  if (!sseOk(c)) return;
  const wide = e === 4 && d.osz === 3; // PINSRQ
  const lo = srcE(c, d, d.k2, d.r2, wide, wide ? 8 : e);
  if (c.fault) return;
  if (wide) F.pinsrq(R(c), xo(c, d.r1), lo, c.hi, d.imm & 0xff);
  else F.pinsr(R(c), xo(c, d.r1), lo, d.imm & 0xff, e);
};
H['PINSRB:Vdq,Ed,Ib'] = insert(1);
H['PINSRD:Vdq,Ey,Ib'] = insert(4);
H['INSERTPS:Vdq,Wd,Ib'] = (c, d) => {
  if (!sseOk(c)) return;
  const s = srcX(c, d, 4, false);
  if (s < 0) return;
  // m32 form: the loaded dword is lane 0 of the scratch, so the source-lane field is ignored.
  F.insertps(R(c), xo(c, d.r1), s, d.k2 === K_REG ? d.imm & 0xff : d.imm & 0x3f);
};

// SSE4.1 blends, tests, extensions, MPSADBW
/** PBLENDVB/BLENDVPS/BLENDVPD: the implicit mask is XMM0. */
const blendv = (e: number): Handler => (c, d) => {
  if (!sseOk(c)) return;
  const s = srcX(c, d, 16, true);
  if (s >= 0) F.blendv(R(c), xo(c, d.r1), s, xo(c, 0), e);
};
H['PBLENDVB:Vx,Wx'] = blendv(1);
H['BLENDVPS:Vx,Wx'] = blendv(4);
H['BLENDVPD:Vx,Wx'] = blendv(8);
H['PBLENDW:Vx,Wx,Ib'] = ixi(F.pblendw);
H['BLENDPS:Vx,Wx,Ib'] = ixi(F.blendps);
H['BLENDPD:Vx,Wx,Ib'] = ixi(F.blendpd);
H['MPSADBW:Vx,Wx,Ib'] = ixi(F.mpsadbw);
H['PTEST:Vx,Wx'] = (c, d) => {
  if (!sseOk(c)) return;
  const s = srcX(c, d, 16, true);
  if (s >= 0) setFlagsMasked(c, ARITH, F.ptest(R(c), xo(c, d.r1), s));
};
for (const [name, from, to, signed] of [
  ['PMOVSXBW', 1, 2, true], ['PMOVSXBD', 1, 4, true], ['PMOVSXBQ', 1, 8, true], ['PMOVSXWD', 2, 4, true], ['PMOVSXWQ', 2, 8, true], ['PMOVSXDQ', 4, 8, true],
  ['PMOVZXBW', 1, 2, false], ['PMOVZXBD', 1, 4, false], ['PMOVZXBQ', 1, 8, false], ['PMOVZXWD', 2, 4, false], ['PMOVZXWQ', 2, 8, false], ['PMOVZXDQ', 4, 8, false],
] as const) {
  const bytes = (16 / to) * from;
  H[`${name}:Vx,${bytes === 8 ? 'Wq' : bytes === 4 ? 'Wd' : 'Ww'}`] = ix((r, dd, s) => F.pmovx(r, dd, s, from, to, signed), bytes, false);
}

// SSE4.2 string compares and CRC32
function lengths(c: Cpu, d: DecodedInsn, imm: number): void {
  const wide = d.osz === 3;
  laLen = STR.explicitLength(c.s32[0]!, c.s32[1]!, wide, imm);
  lbLen = STR.explicitLength(c.s32[4]!, c.s32[5]!, wide, imm);
}
let laLen = 0, lbLen = 0;
H['PCMPESTRI:Vdq,Wdq,Ib'] = (c, d) => {
  if (!sseOk(c)) return;
  const s = srcX(c, d, 16, false);
  if (s < 0) return;
  const imm = d.imm & 0xff;
  lengths(c, d, imm);
  gprWrite(c, 1, false, STR.pcmpestri(R(c), xo(c, d.r1), s, imm, laLen, lbLen), 0);
  setFlagsMasked(c, ARITH, STR.strFlags);
};
H['PCMPESTRM:Vdq,Wdq,Ib'] = (c, d) => {
  if (!sseOk(c)) return;
  const s = srcX(c, d, 16, false);
  if (s < 0) return;
  const imm = d.imm & 0xff;
  lengths(c, d, imm);
  STR.pcmpestrm(R(c), xo(c, d.r1), s, imm, laLen, lbLen, xo(c, 0));
  setFlagsMasked(c, ARITH, STR.strFlags);
};
H['PCMPISTRI:Vdq,Wdq,Ib'] = (c, d) => {
  if (!sseOk(c)) return;
  const s = srcX(c, d, 16, false);
  if (s < 0) return;
  gprWrite(c, 1, false, STR.pcmpistri(R(c), xo(c, d.r1), s, d.imm & 0xff), 0);
  setFlagsMasked(c, ARITH, STR.strFlags);
};
H['PCMPISTRM:Vdq,Wdq,Ib'] = (c, d) => {
  if (!sseOk(c)) return;
  const s = srcX(c, d, 16, false);
  if (s < 0) return;
  STR.pcmpistrm(R(c), xo(c, d.r1), s, d.imm & 0xff, xo(c, 0));
  setFlagsMasked(c, ARITH, STR.strFlags);
};
H['CRC32:Gd,Eb'] = (c, d) => {
  let v: number;
  if (d.k2 === K_REG) v = c.getReg(0, d.r2);
  else { c.ea(d); v = c.read(0); if (c.fault) return; }
  gprWrite(c, d.r1, false, crc32(c.reg32(d.r1), v, 1), 0); // a 64-bit destination is the zero-extended CRC too
};
H['CRC32:Gd,Ev'] = (c, d) => {
  const size = d.osz; // 1: r/m16 (66), 2: r/m32, 3: r/m64 (REX.W)
  let v: number;
  if (d.k2 === K_REG) v = c.getReg(size, d.r2);
  else { c.ea(d); v = c.read(size); if (c.fault) return; }
  const vh = c.hi;
  const crc = c.reg32(d.r1);
  const r = size === 3 ? crc32q(crc, v, vh) : crc32(crc, v, size === 1 ? 2 : 4);
  gprWrite(c, d.r1, size === 3, r, 0);
};

// MXCSR and FXSAVE/FXRSTOR (SDM Vol. 1 §10.5.1, Table 10-2 layout)
H['LDMXCSR:Md'] = (c, d) => {
  if (!sseOk(c)) return;
  c.ea(d);
  const v = c.read(2);
  if (c.fault) return;
  if ((v & ~MXCSR_WRITABLE) !== 0) { c.raiseGP0(); return; }
  c.s32[L.MXCSR >> 2] = v;
};
H['STMXCSR:Md'] = (c, d) => {
  if (!sseOk(c)) return;
  c.ea(d);
  c.write(2, c.s32[L.MXCSR >> 2]!, 0);
};
const fxImage = new Uint8Array(512);
const fxView = new DataView(fxImage.buffer);
let memView: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(8));
/** A DataView over the whole Memory (for the x87 helper's FXSAVE functions), rebuilt only if the buffer changed. */
function memoryView(c: Cpu): DataView<ArrayBufferLike> {
  if (memView.buffer !== c.m8.buffer) memView = new DataView(c.m8.buffer);
  return memView;
}
function fxCheck(c: Cpu, d: DecodedInsn): boolean {
  const cr0 = c.s32[L.CR0 >> 2]!;
  if ((cr0 & CR0_EM) !== 0) { c.raiseUD(); return false; }
  if ((cr0 & CR0_TS) !== 0) { c.raise(7, -1); return false; }
  c.ea(d);
  if ((c.eaLo & 15) !== 0) { c.raiseGP0(); return false; }
  return true;
}
H['FXSAVE:M'] = (c, d) => {
  if (!fxCheck(c, d)) return;
  if (!c.probeWrite(c.eaLo, c.eaHi, 512)) return;
  fxImage.fill(0);
  fxsaveX87(memoryView(c), c.stateBase + L.FPU, fxView, 0, d.osz === 3);
  fxView.setUint32(24, c.s32[L.MXCSR >> 2]!, true);
  fxView.setUint32(28, MXCSR_WRITABLE, true);
  const nx = c.codeBits === 64 ? 16 : 8;
  if ((c.s32[L.CR4 >> 2]! & CR4_OSFXSR) !== 0) fxImage.set(c.s8.subarray(L.XMM, L.XMM + 16 * nx), 160);
  // Bytes past the last saved XMM register are reserved (288-463 outside 64-bit mode) or left to
  // software (464-511): the processor does not write them (SDM Vol. 1 Table 10-2), and the host
  // oracle leaves them untouched.
  const end = 160 + 16 * nx;
  const lo = c.eaLo, hi = c.eaHi;
  for (let k = 0; k < end; k += 8) {
    c.eaLo = (lo + k) | 0;
    c.eaHi = hi;
    c.write(3, fxView.getInt32(k, true), fxView.getInt32(k + 4, true));
    if (c.fault) return;
  }
};
H['FXRSTOR:M'] = (c, d) => {
  if (!fxCheck(c, d)) return;
  const lo = c.eaLo, hi = c.eaHi;
  for (let k = 0; k < 512; k += 8) {
    c.eaLo = (lo + k) | 0;
    c.eaHi = hi;
    const v = c.read(3);
    if (c.fault) return;
    fxView.setInt32(k, v, true);
    fxView.setInt32(k + 4, c.hi, true);
  }
  const mx = fxView.getUint32(24, true);
  if ((mx & ~MXCSR_WRITABLE) !== 0) { c.raiseGP0(); return; }
  fxrstorX87(memoryView(c), c.stateBase + L.FPU, fxView, 0, d.osz === 3);
  if ((c.s32[L.CR4 >> 2]! & CR4_OSFXSR) !== 0) {
    c.s32[L.MXCSR >> 2] = mx;
    const nx = c.codeBits === 64 ? 16 : 8;
    c.s8.set(fxImage.subarray(160, 160 + 16 * nx), L.XMM);
  }
};

// ---- dispatch -------------------------------------------------------------------------------------------------

/** Handler of every table row (undefined for non-SSE rows), resolved once at load. */
const BY_ENTRY: readonly (Handler | undefined)[] = OPCODES.map((e) => (e.family === 'sse' && e.pending === undefined ? H[sseKey(e)] : undefined));

/** Keys of SSE rows that have no handler (the table test lists them; empty when complete). */
export function missingSseHandlers(): string[] {
  const out: string[] = [];
  OPCODES.forEach((e, i) => { if (e.family === 'sse' && e.pending === undefined && BY_ENTRY[i] === undefined) out.push(sseKey(e)); });
  return out;
}

/** Ex.SSE: run the row's handler. */
export function SSE(c: Cpu, d: DecodedInsn): void {
  const h = BY_ENTRY[d.entry];
  if (h === undefined) { c.raiseUD(); return; }
  h(c, d);
}
