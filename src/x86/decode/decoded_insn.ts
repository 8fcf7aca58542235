// One decoded instruction: a fixed-shape record (all small integers) that the decode cache
// reuses, so decoding allocates nothing after start-up (DESIGN.md invariant 6).
//
// Operand conventions (filled by decoder.ts from the table's operand plans):
//   k1/k2/k3  operand kinds (Ok in opcodes/table.ts), RM already resolved to REG or MEM
//   r1/r2/r3  register numbers 0–15; for 8-bit register operands the byte offset in the state
//             block instead (8n for AL..R15B, 8n+1 for AH..BH), so handlers index s8 directly;
//             for SREG operands the segment number
//   osz       operand size code: 0 = 8, 1 = 16, 2 = 32, 3 = 64 bits
//   asz       address size code: 1 = 16, 2 = 32, 3 = 64 bits
//   memory operand: seg + [base + index << scale + disp] (base 16 = RIP-relative, -1 = none)

export class DecodedInsn {
  /** Host byte offset of the first instruction byte (decode-cache tag), -1 when empty. */
  tag = -1;
  /** Code-page generation at decode time (decode cache validity). */
  gen = 0;
  /** Cpu decode-cache epoch at decode time (a mode change starts a new epoch). */
  epoch = 0;
  len = 0;
  /** Row index in OPCODES. */
  entry = -1;
  ex = 0;
  sub = 0;
  osz = 2;
  asz = 2;
  /** 0 none, 2 = F2 (REPNE), 3 = F3 (REP/REPE), after mandatory-prefix consumption. */
  rep = 0;
  lock = 0;
  /** Effective segment of the memory operand (default or override). */
  seg = 3;
  /** 1 when a segment override prefix was present. */
  segOverride = 0;
  k1 = 0;
  r1 = 0;
  k2 = 0;
  r2 = 0;
  k3 = 0;
  r3 = 0;
  base = -1;
  index = -1;
  scale = 0;
  disp = 0;
  /** High half of a 64-bit moffs displacement. */
  dispHi = 0;
  imm = 0;
  immHi = 0;
  /** Second immediate (ENTER level, far-pointer selector). */
  imm2 = 0;
  modrm = 0;
  /** 1 when REX was present (any REX: selects SPL/BPL/SIL/DIL byte registers). */
  rex = 0;
  /** Fault the decoder found (6 = #UD, 13 = #GP), raised at execution; -1 none. */
  fault = -1;
  /** The decoded instruction that followed this one last time it fell through (cpu.ts run), or null. */
  link: DecodedInsn | null = null;
  /** Cpu link epoch when `link` was set: the link is valid only while the epoch is unchanged. */
  linkStamp = -1;
  /** The decoded instruction at the last taken branch target (RIP blinkLo/blinkHi), or null. */
  blink: DecodedInsn | null = null;
  blinkLo = 0;
  blinkHi = 0;
  blinkStamp = -1;
}
