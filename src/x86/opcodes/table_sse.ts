// MMX, SSE, SSE2, SSE3, SSSE3, SSE4.1 and SSE4.2 rows of the 0F, 0F38 and 0F3A maps (SDM Vol. 2
// Appendix A, Tables and the group table A-6 for 0F 71/72/73/AE). Operand letters
// as in the SDM: V/W (xmm reg / xmm-or-mem), U (xmm in ModRM.rm), P/Q (mm reg / mm-or-mem),
// N (mm in ModRM.rm), E/G/R/M as for general registers; sizes ps pd ss sd x dq q d w b y.
// MMX forms have no mandatory prefix (NP), their XMM forms 66.
//
// Semantics live in src/x86/simd (the library) and src/x86/exec/sse.ts (operand plumbing);
// the handler of a row is found by `sseKey(row)` = "MNEMONIC:ops".
//
// CPUID gating: each row's `cpuid` is the feature of its ISA level (`SSE_LEVEL`): MMX, SSE,
// SSE2, SSE3, SSSE3, SSE4.1 or SSE4.2; the decoder raises #UD when the CPUID model lacks it.

import { Feature, Fl, Mod, Mp, OpMap } from './table_types.ts';
import type { FlagEffect, OpcodeEntry } from './table_types.ts';

const T = OpMap.M0F, T38 = OpMap.M0F38, T3A = OpMap.M0F3A;
const NP = Mp.NP, P66 = Mp.P66, PF3 = Mp.PF3, PF2 = Mp.PF2;
const NOFLAGS: FlagEffect = { read: 0, write: 0, undef: 0 };
const OSZAPC = Fl.OF | Fl.SF | Fl.ZF | Fl.AF | Fl.PF | Fl.CF;
const WRITES_ALL: FlagEffect = { read: 0, write: OSZAPC, undef: 0 };

const rows: OpcodeEntry[] = [];
/** Required ISA level of each row (1 MMX, 2 SSE, 3 SSE2, 4 SSE3, 5 SSSE3, 6 SSE4.1, 7 SSE4.2). */
export const SSE_LEVEL = new Map<OpcodeEntry, number>();

interface Opt {
  reg?: number;
  mod?: Mod;
  flags?: FlagEffect;
  attrs?: number;
}

let level = 2;
/** The CPUID feature of each level (index as in SSE_LEVEL). */
const LEVEL_FEATURE = [Feature.NONE, Feature.MMX, Feature.SSE, Feature.SSE2, Feature.SSE3, Feature.SSSE3, Feature.SSE41, Feature.SSE42];
function x(map: OpMap, prefix: Mp, opcode: number, mnemonic: string, ops: string, o: Opt = {}): void {
  const e: OpcodeEntry = {
    map, opcode, prefix, mnemonic, ops, family: 'sse',
    reg: o.reg ?? -1, mod: o.mod ?? Mod.Any, rm: -1, attrs: o.attrs ?? 0,
    flags: o.flags ?? NOFLAGS, cpuid: LEVEL_FEATURE[level]!,
  };
  rows.push(e);
  SSE_LEVEL.set(e, level);
}
/** An MMX (NP, Pq,Qq) and SSE2 (66, Vx,Wx) pair of the same integer operation. */
function mmxSse2(map: OpMap, opcode: number, mnemonic: string): void {
  const keep = level;
  if (keep === 3) level = 1;
  x(map, NP, opcode, mnemonic, 'Pq,Qq');
  level = keep;
  x(map, P66, opcode, mnemonic, 'Vx,Wx');
}

// ---- SSE / SSE2 floating point: 0F 10-17, 28-2F, 50-5F, C2, C6 --------------------------------
level = 2;
x(T, NP, 0x10, 'MOVUPS', 'Vps,Wps'); x(T, NP, 0x11, 'MOVUPS', 'Wps,Vps');
x(T, PF3, 0x10, 'MOVSS', 'Vss,Wss'); x(T, PF3, 0x11, 'MOVSS', 'Wss,Vss');
x(T, NP, 0x12, 'MOVLPS', 'Vq,Mq', { mod: Mod.Mem }); x(T, NP, 0x12, 'MOVHLPS', 'Vq,Uq', { mod: Mod.Reg });
x(T, NP, 0x13, 'MOVLPS', 'Mq,Vq');
x(T, NP, 0x14, 'UNPCKLPS', 'Vx,Wx'); x(T, NP, 0x15, 'UNPCKHPS', 'Vx,Wx');
x(T, NP, 0x16, 'MOVHPS', 'Vq,Mq', { mod: Mod.Mem }); x(T, NP, 0x16, 'MOVLHPS', 'Vq,Uq', { mod: Mod.Reg });
x(T, NP, 0x17, 'MOVHPS', 'Mq,Vq');
x(T, NP, 0x28, 'MOVAPS', 'Vps,Wps'); x(T, NP, 0x29, 'MOVAPS', 'Wps,Vps');
x(T, NP, 0x2a, 'CVTPI2PS', 'Vps,Qpi'); x(T, PF3, 0x2a, 'CVTSI2SS', 'Vss,Ey');
x(T, NP, 0x2b, 'MOVNTPS', 'Mps,Vps');
x(T, NP, 0x2c, 'CVTTPS2PI', 'Ppi,Wps'); x(T, PF3, 0x2c, 'CVTTSS2SI', 'Gy,Wss');
x(T, NP, 0x2d, 'CVTPS2PI', 'Ppi,Wps'); x(T, PF3, 0x2d, 'CVTSS2SI', 'Gy,Wss');
x(T, NP, 0x2e, 'UCOMISS', 'Vss,Wss', { flags: WRITES_ALL }); x(T, NP, 0x2f, 'COMISS', 'Vss,Wss', { flags: WRITES_ALL });
x(T, NP, 0x50, 'MOVMSKPS', 'Gd,Ups');
x(T, NP, 0x51, 'SQRTPS', 'Vps,Wps'); x(T, PF3, 0x51, 'SQRTSS', 'Vss,Wss');
x(T, NP, 0x52, 'RSQRTPS', 'Vps,Wps'); x(T, PF3, 0x52, 'RSQRTSS', 'Vss,Wss');
x(T, NP, 0x53, 'RCPPS', 'Vps,Wps'); x(T, PF3, 0x53, 'RCPSS', 'Vss,Wss');
x(T, NP, 0x54, 'ANDPS', 'Vps,Wps'); x(T, NP, 0x55, 'ANDNPS', 'Vps,Wps');
x(T, NP, 0x56, 'ORPS', 'Vps,Wps'); x(T, NP, 0x57, 'XORPS', 'Vps,Wps');
for (const [opc, name] of [[0x58, 'ADD'], [0x59, 'MUL'], [0x5c, 'SUB'], [0x5d, 'MIN'], [0x5e, 'DIV'], [0x5f, 'MAX']] as const) {
  level = 2;
  x(T, NP, opc, `${name}PS`, 'Vps,Wps'); x(T, PF3, opc, `${name}SS`, 'Vss,Wss');
  level = 3;
  x(T, P66, opc, `${name}PD`, 'Vpd,Wpd'); x(T, PF2, opc, `${name}SD`, 'Vsd,Wsd');
}
level = 2;
x(T, NP, 0xc2, 'CMPPS', 'Vps,Wps,Ib'); x(T, PF3, 0xc2, 'CMPSS', 'Vss,Wss,Ib');
x(T, NP, 0xc6, 'SHUFPS', 'Vps,Wps,Ib');

level = 3;
x(T, P66, 0x10, 'MOVUPD', 'Vpd,Wpd'); x(T, P66, 0x11, 'MOVUPD', 'Wpd,Vpd');
x(T, PF2, 0x10, 'MOVSD', 'Vsd,Wsd'); x(T, PF2, 0x11, 'MOVSD', 'Wsd,Vsd');
x(T, P66, 0x12, 'MOVLPD', 'Vq,Mq', { mod: Mod.Mem }); x(T, P66, 0x13, 'MOVLPD', 'Mq,Vq');
x(T, P66, 0x14, 'UNPCKLPD', 'Vx,Wx'); x(T, P66, 0x15, 'UNPCKHPD', 'Vx,Wx');
x(T, P66, 0x16, 'MOVHPD', 'Vq,Mq', { mod: Mod.Mem }); x(T, P66, 0x17, 'MOVHPD', 'Mq,Vq');
x(T, P66, 0x28, 'MOVAPD', 'Vpd,Wpd'); x(T, P66, 0x29, 'MOVAPD', 'Wpd,Vpd');
x(T, P66, 0x2a, 'CVTPI2PD', 'Vpd,Qpi'); x(T, PF2, 0x2a, 'CVTSI2SD', 'Vsd,Ey');
x(T, P66, 0x2b, 'MOVNTPD', 'Mpd,Vpd');
x(T, P66, 0x2c, 'CVTTPD2PI', 'Ppi,Wpd'); x(T, PF2, 0x2c, 'CVTTSD2SI', 'Gy,Wsd');
x(T, P66, 0x2d, 'CVTPD2PI', 'Ppi,Wpd'); x(T, PF2, 0x2d, 'CVTSD2SI', 'Gy,Wsd');
x(T, P66, 0x2e, 'UCOMISD', 'Vsd,Wsd', { flags: WRITES_ALL }); x(T, P66, 0x2f, 'COMISD', 'Vsd,Wsd', { flags: WRITES_ALL });
x(T, P66, 0x50, 'MOVMSKPD', 'Gd,Upd');
x(T, P66, 0x51, 'SQRTPD', 'Vpd,Wpd'); x(T, PF2, 0x51, 'SQRTSD', 'Vsd,Wsd');
x(T, P66, 0x54, 'ANDPD', 'Vpd,Wpd'); x(T, P66, 0x55, 'ANDNPD', 'Vpd,Wpd');
x(T, P66, 0x56, 'ORPD', 'Vpd,Wpd'); x(T, P66, 0x57, 'XORPD', 'Vpd,Wpd');
x(T, NP, 0x5a, 'CVTPS2PD', 'Vpd,Wq'); x(T, P66, 0x5a, 'CVTPD2PS', 'Vps,Wpd');
x(T, PF3, 0x5a, 'CVTSS2SD', 'Vsd,Wss'); x(T, PF2, 0x5a, 'CVTSD2SS', 'Vss,Wsd');
x(T, NP, 0x5b, 'CVTDQ2PS', 'Vps,Wdq'); x(T, P66, 0x5b, 'CVTPS2DQ', 'Vdq,Wps'); x(T, PF3, 0x5b, 'CVTTPS2DQ', 'Vdq,Wps');
x(T, P66, 0xc2, 'CMPPD', 'Vpd,Wpd,Ib'); x(T, PF2, 0xc2, 'CMPSD', 'Vsd,Wsd,Ib');
x(T, P66, 0xc6, 'SHUFPD', 'Vpd,Wpd,Ib');
x(T, P66, 0xe6, 'CVTTPD2DQ', 'Vdq,Wpd'); x(T, PF3, 0xe6, 'CVTDQ2PD', 'Vpd,Wq'); x(T, PF2, 0xe6, 'CVTPD2DQ', 'Vdq,Wpd');

// ---- MMX / SSE2 integer: 0F 60-7F, C4, C5, D1-FE ------------------------------------------------
level = 3;
const PAIRS: Array<[number, string]> = [
  [0x60, 'PUNPCKLBW'], [0x61, 'PUNPCKLWD'], [0x62, 'PUNPCKLDQ'], [0x63, 'PACKSSWB'], [0x64, 'PCMPGTB'], [0x65, 'PCMPGTW'],
  [0x66, 'PCMPGTD'], [0x67, 'PACKUSWB'], [0x68, 'PUNPCKHBW'], [0x69, 'PUNPCKHWD'], [0x6a, 'PUNPCKHDQ'], [0x6b, 'PACKSSDW'],
  [0x74, 'PCMPEQB'], [0x75, 'PCMPEQW'], [0x76, 'PCMPEQD'],
  [0xd1, 'PSRLW'], [0xd2, 'PSRLD'], [0xd3, 'PSRLQ'], [0xd4, 'PADDQ'], [0xd5, 'PMULLW'], [0xd8, 'PSUBUSB'], [0xd9, 'PSUBUSW'],
  [0xda, 'PMINUB'], [0xdb, 'PAND'], [0xdc, 'PADDUSB'], [0xdd, 'PADDUSW'], [0xde, 'PMAXUB'], [0xdf, 'PANDN'],
  [0xe0, 'PAVGB'], [0xe1, 'PSRAW'], [0xe2, 'PSRAD'], [0xe3, 'PAVGW'], [0xe4, 'PMULHUW'], [0xe5, 'PMULHW'],
  [0xe8, 'PSUBSB'], [0xe9, 'PSUBSW'], [0xea, 'PMINSW'], [0xeb, 'POR'], [0xec, 'PADDSB'], [0xed, 'PADDSW'], [0xee, 'PMAXSW'], [0xef, 'PXOR'],
  [0xf1, 'PSLLW'], [0xf2, 'PSLLD'], [0xf3, 'PSLLQ'], [0xf4, 'PMULUDQ'], [0xf5, 'PMADDWD'], [0xf6, 'PSADBW'],
  [0xf8, 'PSUBB'], [0xf9, 'PSUBW'], [0xfa, 'PSUBD'], [0xfb, 'PSUBQ'], [0xfc, 'PADDB'], [0xfd, 'PADDW'], [0xfe, 'PADDD'],
];
for (const [opc, name] of PAIRS) mmxSse2(T, opc, name);
x(T, P66, 0x6c, 'PUNPCKLQDQ', 'Vx,Wx'); x(T, P66, 0x6d, 'PUNPCKHQDQ', 'Vx,Wx');
level = 1;
x(T, NP, 0x6e, 'MOVD', 'Pd,Ey'); x(T, NP, 0x7e, 'MOVD', 'Ey,Pd');
x(T, NP, 0x6f, 'MOVQ', 'Pq,Qq'); x(T, NP, 0x7f, 'MOVQ', 'Qq,Pq');
x(T, NP, 0x77, 'EMMS', '');
level = 3;
x(T, P66, 0x6e, 'MOVD', 'Vy,Ey'); x(T, P66, 0x7e, 'MOVD', 'Ey,Vy');
x(T, P66, 0x6f, 'MOVDQA', 'Vx,Wx'); x(T, P66, 0x7f, 'MOVDQA', 'Wx,Vx');
x(T, PF3, 0x6f, 'MOVDQU', 'Vx,Wx'); x(T, PF3, 0x7f, 'MOVDQU', 'Wx,Vx');
x(T, PF3, 0x7e, 'MOVQ', 'Vq,Wq'); x(T, P66, 0xd6, 'MOVQ', 'Wq,Vq');
x(T, PF3, 0xd6, 'MOVQ2DQ', 'Vdq,Nq', { mod: Mod.Reg }); x(T, PF2, 0xd6, 'MOVDQ2Q', 'Pq,Uq', { mod: Mod.Reg });
level = 2;
x(T, NP, 0x70, 'PSHUFW', 'Pq,Qq,Ib');
level = 3;
x(T, P66, 0x70, 'PSHUFD', 'Vx,Wx,Ib'); x(T, PF3, 0x70, 'PSHUFHW', 'Vx,Wx,Ib'); x(T, PF2, 0x70, 'PSHUFLW', 'Vx,Wx,Ib');
// Shift groups 12-14 (Table A-6): /2 logical right, /4 arithmetic right, /6 left; 73 /3 /7 byte shifts.
for (const [opc, sfx] of [[0x71, 'W'], [0x72, 'D'], [0x73, 'Q']] as const) {
  for (const [reg, kind] of [[2, 'PSRL'], [4, 'PSRA'], [6, 'PSLL']] as const) {
    if (opc === 0x73 && reg === 4) continue;
    level = 1;
    x(T, NP, opc, kind + sfx, 'Nq,Ib', { reg, mod: Mod.Reg });
    level = 3;
    x(T, P66, opc, kind + sfx, 'Ux,Ib', { reg, mod: Mod.Reg });
  }
}
x(T, P66, 0x73, 'PSRLDQ', 'Ux,Ib', { reg: 3, mod: Mod.Reg }); x(T, P66, 0x73, 'PSLLDQ', 'Ux,Ib', { reg: 7, mod: Mod.Reg });
level = 2;
x(T, NP, 0xc4, 'PINSRW', 'Pq,Ew,Ib'); x(T, NP, 0xc5, 'PEXTRW', 'Gd,Nq,Ib', { mod: Mod.Reg });
x(T, NP, 0xd7, 'PMOVMSKB', 'Gd,Nq', { mod: Mod.Reg });
x(T, NP, 0xe7, 'MOVNTQ', 'Mq,Pq');
x(T, NP, 0xf7, 'MASKMOVQ', 'Pq,Nq', { mod: Mod.Reg });
// SSE integer extensions to MMX (Pentium III): PMINUB.. PSADBW are already in PAIRS with MMX forms.
level = 3;
x(T, P66, 0xc4, 'PINSRW', 'Vdq,Ew,Ib'); x(T, P66, 0xc5, 'PEXTRW', 'Gd,Udq,Ib', { mod: Mod.Reg });
x(T, P66, 0xd7, 'PMOVMSKB', 'Gd,Ux', { mod: Mod.Reg });
x(T, P66, 0xe7, 'MOVNTDQ', 'Mx,Vx');
x(T, P66, 0xf7, 'MASKMOVDQU', 'Vdq,Udq', { mod: Mod.Reg });
x(T, NP, 0xc3, 'MOVNTI', 'My,Gy');

// ---- 0F AE: FXSAVE/FXRSTOR/LDMXCSR/STMXCSR (memory forms, Table A-6 group 15) ----------------------
level = 2;
x(T, NP, 0xae, 'FXSAVE', 'M', { reg: 0, mod: Mod.Mem });
x(T, NP, 0xae, 'FXRSTOR', 'M', { reg: 1, mod: Mod.Mem });
x(T, NP, 0xae, 'LDMXCSR', 'Md', { reg: 2, mod: Mod.Mem });
x(T, NP, 0xae, 'STMXCSR', 'Md', { reg: 3, mod: Mod.Mem });

// ---- SSE3 ------------------------------------------------------------------------------------------
level = 4;
x(T, PF3, 0x12, 'MOVSLDUP', 'Vx,Wx'); x(T, PF3, 0x16, 'MOVSHDUP', 'Vx,Wx'); x(T, PF2, 0x12, 'MOVDDUP', 'Vx,Wq');
x(T, P66, 0x7c, 'HADDPD', 'Vpd,Wpd'); x(T, PF2, 0x7c, 'HADDPS', 'Vps,Wps');
x(T, P66, 0x7d, 'HSUBPD', 'Vpd,Wpd'); x(T, PF2, 0x7d, 'HSUBPS', 'Vps,Wps');
x(T, P66, 0xd0, 'ADDSUBPD', 'Vpd,Wpd'); x(T, PF2, 0xd0, 'ADDSUBPS', 'Vps,Wps');
x(T, PF2, 0xf0, 'LDDQU', 'Vx,Mx');

// ---- SSSE3: 0F 38 00-0B, 1C-1E; 0F 3A 0F ------------------------------------------------------------
level = 5;
const SSSE3: Array<[number, string]> = [
  [0x00, 'PSHUFB'], [0x01, 'PHADDW'], [0x02, 'PHADDD'], [0x03, 'PHADDSW'], [0x04, 'PMADDUBSW'], [0x05, 'PHSUBW'],
  [0x06, 'PHSUBD'], [0x07, 'PHSUBSW'], [0x08, 'PSIGNB'], [0x09, 'PSIGNW'], [0x0a, 'PSIGND'], [0x0b, 'PMULHRSW'],
  [0x1c, 'PABSB'], [0x1d, 'PABSW'], [0x1e, 'PABSD'],
];
for (const [opc, name] of SSSE3) mmxSse2(T38, opc, name);
x(T3A, NP, 0x0f, 'PALIGNR', 'Pq,Qq,Ib'); x(T3A, P66, 0x0f, 'PALIGNR', 'Vx,Wx,Ib');

// ---- SSE4.1 ----------------------------------------------------------------------------------------
level = 6;
x(T38, P66, 0x10, 'PBLENDVB', 'Vx,Wx'); x(T38, P66, 0x14, 'BLENDVPS', 'Vx,Wx'); x(T38, P66, 0x15, 'BLENDVPD', 'Vx,Wx');
x(T38, P66, 0x17, 'PTEST', 'Vx,Wx', { flags: WRITES_ALL });
for (const [opc, name, src] of [
  [0x20, 'PMOVSXBW', 'Wq'], [0x21, 'PMOVSXBD', 'Wd'], [0x22, 'PMOVSXBQ', 'Ww'], [0x23, 'PMOVSXWD', 'Wq'], [0x24, 'PMOVSXWQ', 'Wd'], [0x25, 'PMOVSXDQ', 'Wq'],
  [0x30, 'PMOVZXBW', 'Wq'], [0x31, 'PMOVZXBD', 'Wd'], [0x32, 'PMOVZXBQ', 'Ww'], [0x33, 'PMOVZXWD', 'Wq'], [0x34, 'PMOVZXWQ', 'Wd'], [0x35, 'PMOVZXDQ', 'Wq'],
] as const) x(T38, P66, opc, name, `Vx,${src}`);
x(T38, P66, 0x28, 'PMULDQ', 'Vx,Wx'); x(T38, P66, 0x29, 'PCMPEQQ', 'Vx,Wx'); x(T38, P66, 0x2a, 'MOVNTDQA', 'Vx,Mx');
x(T38, P66, 0x2b, 'PACKUSDW', 'Vx,Wx');
for (const [opc, name] of [[0x38, 'PMINSB'], [0x39, 'PMINSD'], [0x3a, 'PMINUW'], [0x3b, 'PMINUD'], [0x3c, 'PMAXSB'], [0x3d, 'PMAXSD'],
  [0x3e, 'PMAXUW'], [0x3f, 'PMAXUD'], [0x40, 'PMULLD'], [0x41, 'PHMINPOSUW']] as const) x(T38, P66, opc, name, 'Vx,Wx');
x(T3A, P66, 0x08, 'ROUNDPS', 'Vx,Wx,Ib'); x(T3A, P66, 0x09, 'ROUNDPD', 'Vx,Wx,Ib');
x(T3A, P66, 0x0a, 'ROUNDSS', 'Vss,Wss,Ib'); x(T3A, P66, 0x0b, 'ROUNDSD', 'Vsd,Wsd,Ib');
x(T3A, P66, 0x0c, 'BLENDPS', 'Vx,Wx,Ib'); x(T3A, P66, 0x0d, 'BLENDPD', 'Vx,Wx,Ib'); x(T3A, P66, 0x0e, 'PBLENDW', 'Vx,Wx,Ib');
// PEXTRB/PINSRB: the SDM's Rd/Mb is written Ed (register forms use the whole 32-bit register;
// the handler accesses one byte of memory).
x(T3A, P66, 0x14, 'PEXTRB', 'Ed,Vdq,Ib');
x(T3A, P66, 0x15, 'PEXTRW', 'Ew,Vdq,Ib');
x(T3A, P66, 0x16, 'PEXTRD', 'Ey,Vdq,Ib');
x(T3A, P66, 0x17, 'EXTRACTPS', 'Ed,Vdq,Ib');
x(T3A, P66, 0x20, 'PINSRB', 'Vdq,Ed,Ib'); x(T3A, P66, 0x21, 'INSERTPS', 'Vdq,Wd,Ib'); x(T3A, P66, 0x22, 'PINSRD', 'Vdq,Ey,Ib');
x(T3A, P66, 0x40, 'DPPS', 'Vx,Wx,Ib'); x(T3A, P66, 0x41, 'DPPD', 'Vx,Wx,Ib'); x(T3A, P66, 0x42, 'MPSADBW', 'Vx,Wx,Ib');

// ---- SSE4.2 ----------------------------------------------------------------------------------------
level = 7;
x(T38, P66, 0x37, 'PCMPGTQ', 'Vx,Wx');
x(T3A, P66, 0x60, 'PCMPESTRM', 'Vdq,Wdq,Ib', { flags: WRITES_ALL }); x(T3A, P66, 0x61, 'PCMPESTRI', 'Vdq,Wdq,Ib', { flags: WRITES_ALL });
x(T3A, P66, 0x62, 'PCMPISTRM', 'Vdq,Wdq,Ib', { flags: WRITES_ALL }); x(T3A, P66, 0x63, 'PCMPISTRI', 'Vdq,Wdq,Ib', { flags: WRITES_ALL });
// CRC32 Gd,Eb / Gd,Ev: 66 selects a 16-bit source and REX.W a 64-bit one (destination then 64-bit).
// ('Gd' rather than the SDM's 'Gy' so that the decoded operand size keeps the 66 prefix.)
x(T38, PF2, 0xf0, 'CRC32', 'Gd,Eb'); x(T38, PF2, 0xf1, 'CRC32', 'Gd,Ev');

export const TABLE_SSE: readonly OpcodeEntry[] = rows;

/** The handler key of a row (exec/sse.ts). */
export function sseKey(e: OpcodeEntry): string {
  return `${e.mnemonic}:${e.ops}`;
}

