// Vocabulary of the opcode table (style-models §7.3). Operand letters follow SDM Vol 2
// Appendix A.2 (addressing methods E G I J M O R S … and sizes b w d q v z y p), with these
// custom additions, as QEMU's decode-new does:
//   Zb/Zv   register encoded in the low 3 bits of the opcode (+REX.B)      (A.2.1 "rAX/r8" rows)
//   AL, rAX, CL, DX, 1   fixed operands
//   Xb/Xv, Yb/Yv         string operands DS:rSI / ES:rDI (A.2.1 X, Y)
//   Sw                   segment register in ModRM.reg
//   By                   VEX.vvvv general register (BMI)

export const enum OpMap {
  Root = 0,
  M0F = 1,
  M0F38 = 2,
  M0F3A = 3,
}
export const MAP_NAMES = ['Root', '0F', '0F38', '0F3A'] as const;

/** Mandatory (SIMD-selecting) prefix. `Any` means the entry ignores 66/F2/F3 for selection. */
export const enum Mp {
  Any = 0,
  NP = 1,
  P66 = 2,
  PF3 = 3,
  PF2 = 4,
}

/** ModRM.mod selection for entries that differ between memory and register forms. */
export const enum Mod {
  Any = 0,
  Mem = 1,
  Reg = 2,
}

/** Attribute bits (one entry may carry several). */
export const enum Attr {
  NONE = 0,
  /** LOCK prefix allowed (with a memory destination); otherwise LOCK is #UD (SDM Vol 2 §2.1.1). */
  LOCK = 1 << 0,
  /** Invalid (#UD) in 64-bit mode (Appendix A "i64"). */
  I64 = 1 << 1,
  /** Only valid in 64-bit mode ("o64"). */
  O64 = 1 << 2,
  /** Operand size defaults to 64 bits in 64-bit mode; 66 selects 16 ("d64"). */
  D64 = 1 << 3,
  /** Operand size forced to 64 bits in 64-bit mode, 66 ignored (Intel) ("f64"). */
  F64 = 1 << 4,
  /** Ends a basic block (control transfer, mode change, HLT …): for the JIT and the decode cache. */
  ENDS_BLOCK = 1 << 5,
  /** Requires CPL 0 (#GP(0) otherwise). */
  PRIV = 1 << 6,
  /** REP/REPE/REPNE prefixes are meaningful. */
  REP = 1 << 7,
  /** VEX-encoded (BMI1/BMI2). */
  VEX = 1 << 8,
  /** VEX.L must be 0 (else #UD). */
  VEX_L0 = 1 << 9,
  /** The host runner cannot execute this in user mode (privileged, I/O, control flow leaving the code area): differential tests skip it. */
  NO_HOST = 1 << 10,
  /** Serializing / changes state the decode cache depends on. */
  SERIALIZE = 1 << 11,
  /** XCHG with memory is implicitly locked; LOCK allowed. */
  XCHG = 1 << 12,
  /** ModRM.mod is ignored and always means a register (MOV to/from CRn/DRn, SDM Vol 2 MOV—Move to/from Control Registers): no SIB or displacement follows. */
  MOD_IS_REG = 1 << 13,
}

/** RFLAGS bits (SDM Vol 1 §3.4.3). */
export const enum Fl {
  CF = 0x0001,
  PF = 0x0004,
  AF = 0x0010,
  ZF = 0x0040,
  SF = 0x0080,
  TF = 0x0100,
  IF = 0x0200,
  DF = 0x0400,
  OF = 0x0800,
  ARITH = 0x08d5,
}

/** Flags an entry reads, writes and leaves undefined (SDM "Flags Affected"; Appendix A says nothing). */
export interface FlagEffect {
  readonly read: number;
  readonly write: number;
  readonly undef: number;
}

/** CPUID features that gate entries (#UD when the model lacks them). */
export const enum Feature {
  NONE = 0,
  CMOV,
  CX8,
  CX16,
  POPCNT,
  LZCNT,
  BMI1,
  BMI2,
  ADX,
  MOVBE,
  CLFLUSH,
  RDRAND,
  RDSEED,
  SSE2,
  /** LAHF/SAHF in 64-bit mode only (valid everywhere else). */
  LAHF64,
  MMX,
  SSE,
  SSE3,
  SSSE3,
  SSE41,
  SSE42,
}

/** Families: the exec file that implements an entry. `pending` families are owned elsewhere. */
export type Family =
  | 'alu'
  | 'shift'
  | 'muldiv'
  | 'bit'
  | 'bcd'
  | 'mov'
  | 'stack'
  | 'control'
  | 'string'
  | 'flag'
  | 'misc'
  | 'io'
  | 'system'
  | 'x87'
  | 'sse'
  | 'prefix'
  | 'escape'
  | 'invalid';

export interface OpcodeEntry {
  readonly map: OpMap;
  readonly opcode: number;
  readonly prefix: Mp;
  /** ModRM.reg for group opcodes (Table A-6), or -1. */
  readonly reg: number;
  readonly mod: Mod;
  /** ModRM.rm for register forms selected by rm (e.g. 0F 01 C1 VMCALL), or -1. */
  readonly rm: number;
  /** SDM mnemonic in capitals; keys the exec handler and the disassembler. */
  readonly mnemonic: string;
  /** Appendix A operand letters, comma-separated ('' when none). */
  readonly ops: string;
  readonly attrs: number;
  readonly flags: FlagEffect;
  readonly cpuid: Feature;
  readonly family: Family;
  /**
   * Set when the entry is a placeholder for a family not implemented yet (decodes to #UD):
   * the reason names the owner. Table tests list these so nothing is silently missing.
   */
  readonly pending?: string;
}
