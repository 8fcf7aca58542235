// Flag instructions (CLC STC CMC CLD STD CLI STI, LAHF, SAHF), BCD/ASCII adjust (DAA DAS AAA
// AAS AAM AAD SALC), RDRAND/RDSEED, CLFLUSH, BOUND (SDM Vol 2).

import type { Cpu } from '../cpu.ts';
import type { DecodedInsn } from '../decode/decoded_insn.ts';
import { AF, CF, DF, IF, OF, PF, SF, ZF, getCF, getFlag, getFlags, setFlagsMasked, szp } from '../flags.ts';
import { RFLAGS, RNG_STATE } from '../state_layout.ts';
import { ioAllowed } from './io.ts';

const ARITH = 0x8d5;

/** CLC STC CMC CLD STD CLI STI (sub 0–6). */
export function FLAGOP(c: Cpu, d: DecodedInsn): void {
  switch (d.sub) {
    case 0: setFlagsMasked(c, CF, 0); break;
    case 1: setFlagsMasked(c, CF, CF); break;
    case 2: setFlagsMasked(c, CF, getCF(c) ^ CF); break;
    case 3: setFlagsMasked(c, DF, 0); break;
    case 4: setFlagsMasked(c, DF, DF); break;
    default:
      // CLI/STI: IOPL-sensitive (VME/PVI virtual-interrupt paths are part 2's).
      if (!ioAllowed(c)) { c.raiseGP0(); return; }
      // STI when IF was 0 opens an interrupt shadow over the next instruction (SDM Vol 2 STI).
      if (d.sub === 6 && (c.s32[RFLAGS >> 2]! & IF) === 0) { c.shadow = true; c.eventCheck = true; }
      setFlagsMasked(c, IF, d.sub === 6 ? IF : 0);
      break;
  }
}

export function LAHF(c: Cpu): void {
  c.s8[1] = (getFlags(c) & (SF | ZF | AF | PF | CF)) | 2;
}

export function SAHF(c: Cpu): void {
  setFlagsMasked(c, SF | ZF | AF | PF | CF, c.s8[1]!);
}

/** DAA DAS AAA AAS AAM AAD SALC (sub 0–6), pseudo-code of SDM Vol 2. */
export function BCD(c: Cpu, d: DecodedInsn): void {
  const s8 = c.s8;
  const al = s8[0]!, cf = getCF(c), af = getFlag(c, AF);
  switch (d.sub) {
    case 0: case 1: { // DAA / DAS
      const sub = d.sub === 1;
      let nal = al, ncf = 0, naf = 0;
      if ((al & 0x0f) > 9 || af) {
        nal = sub ? (al - 6) & 0xff : (al + 6) & 0xff;
        ncf = cf | (sub ? (al < 6 ? 1 : 0) : (al + 6 > 0xff ? 1 : 0));
        naf = AF;
      }
      if (al > 0x99 || cf) { nal = sub ? (nal - 0x60) & 0xff : (nal + 0x60) & 0xff; ncf = 1; }
      s8[0] = nal;
      setFlagsMasked(c, ARITH, szp(0, nal, 0) | naf | ncf);
      return;
    }
    case 2: case 3: { // AAA / AAS
      const sub = d.sub === 3;
      if ((al & 0x0f) > 9 || af) {
        const ax = c.s16[0]!;
        if (sub) { c.s16[0] = (ax - 6) & 0xffff; s8[1] = (s8[1]! - 1) & 0xff; }
        else { c.s16[0] = (ax + 0x106) & 0xffff; }
        s8[0] = s8[0]! & 0x0f;
        setFlagsMasked(c, ARITH, AF | CF | szp(0, s8[0]!, 0));
      } else {
        s8[0] = al & 0x0f;
        setFlagsMasked(c, ARITH, szp(0, s8[0]!, 0));
      }
      return;
    }
    case 4: { // AAM Ib
      const base = d.imm & 0xff;
      if (base === 0) { c.raise(0, -1); return; }
      s8[1] = Math.floor(al / base);
      s8[0] = al % base;
      setFlagsMasked(c, ARITH, szp(0, s8[0]!, 0));
      return;
    }
    case 5: { // AAD Ib
      const base = d.imm & 0xff;
      const r = (al + s8[1]! * base) & 0xff;
      c.s16[0] = r;
      setFlagsMasked(c, ARITH, szp(0, r, 0));
      return;
    }
    default: // SALC: AL = CF ? FF : 00
      s8[0] = cf ? 0xff : 0;
      return;
  }
}

/**
 * RDRAND (sub 0) / RDSEED (sub 1): xoshiro128** over the 128-bit state at RNG_STATE, which the
 * machine seeds (DESIGN.md invariant 1: deterministic). Always succeeds: CF=1, OF SF ZF AF PF=0.
 */
export function RDRAND(c: Cpu, d: DecodedInsn): void {
  const size = d.osz;
  const lo = nextRandom(c);
  const hi = size === 3 ? nextRandom(c) : 0;
  c.setReg(size, d.r1, size === 1 ? lo & 0xffff : lo, hi);
  setFlagsMasked(c, ARITH, CF);
}

export function nextRandom(c: Cpu): number {
  const s = c.s32, i = RNG_STATE >> 2;
  let s0 = s[i]!, s1 = s[i + 1]!, s2 = s[i + 2]!, s3 = s[i + 3]!;
  if ((s0 | s1 | s2 | s3) === 0) { s0 = 0x9e3779b9; s1 = 0x243f6a88; s2 = 0xb7e15162; s3 = 0x6a09e667; }
  const m = Math.imul(s1, 5);
  const result = Math.imul((m << 7) | (m >>> 25), 9);
  const t = s1 << 9;
  s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t;
  s3 = (s3 << 11) | (s3 >>> 21);
  s[i] = s0; s[i + 1] = s1; s[i + 2] = s2; s[i + 3] = s3;
  return result | 0;
}

/** CLFLUSH m8: no cache to flush; the access is checked like a byte read (SDM: may #PF/#GP). */
export function CLFLUSH(c: Cpu, d: DecodedInsn): void {
  c.ea(d);
  c.read(0);
}

/** BOUND Gv, Ma: #BR (5) unless lower <= index <= upper (signed). */
export function BOUND(c: Cpu, d: DecodedInsn): void {
  const size = d.osz;
  const idx = size === 1 ? (c.getReg(1, d.r1) << 16) >> 16 : c.getReg(2, d.r1);
  c.ea(d);
  const base = c.eaLo;
  const lower = size === 1 ? (c.read(1) << 16) >> 16 : c.read(2);
  if (c.fault) return;
  c.eaLo = (base + (1 << size)) | 0;
  const upper = size === 1 ? (c.read(1) << 16) >> 16 : c.read(2);
  if (c.fault) return;
  if (idx < lower || idx > upper) c.raise(5, -1);
}

export { OF, SF };
