// Sub-operation numbers of the Ex.SYS interpreter family (exec/system.ts dispatches on them).
// A leaf module: exec_ids.ts reads it while the decoder's tables are being built.

/** Table mnemonics handled by Ex.SYS; the index is the `sub` number. */
export const SYS_MNEMONICS: readonly string[] = [
  'ARPL', 'CALLF', 'JMPF', 'RETF', 'IRET', 'LES', 'LDS', 'LSS', 'LFS', 'LGS',
  'SLDT', 'STR', 'LLDT', 'LTR', 'VERR', 'VERW', 'SGDT', 'SIDT', 'LGDT', 'LIDT',
  'SMSW', 'LMSW', 'INVLPG', 'SWAPGS', 'RDTSCP', 'MONITOR', 'MWAIT', 'CLAC', 'STAC', 'XGETBV',
  'XSETBV', 'LAR', 'LSL', 'SYSCALL', 'SYSRET', 'CLTS', 'INVD', 'WBINVD', 'RDTSC', 'RDPMC',
  'SYSENTER', 'SYSEXIT',
];

/** MOV to/from control and debug registers: sub = SYS_MOV_CRDR + (opcode & 3) for 0F 20–23. */
export const SYS_MOV_CRDR = 64;

/** PAUSE (F3 90): sub number of its Ex.SYS case, outside the table-mnemonic range. */
export const SYS_PAUSE = 63;
