// Segment limits on stack and string accesses (test/guests/system/seg_limits.c) under xentab and
// under QEMU TCG. QEMU TCG makes no limit checks on data accesses, so every line where the SDM
// raises a fault is replaced by the SDM's answer (Vol 3 §5.3 limit checking, §3.4.5.1
// expand-down segments; Vol 2 PUSH/POP/LODS/STOS/MOVS: #SS(0) for SS, #GP(0) otherwise; REP
// leaves ECX/ESI/EDI as of the faulting iteration); the lines without a fault must match QEMU.
import { describe, it, expect } from 'vitest';
import { buildGuest, haveGcc32, type GuestSpec } from '../../guests/build_guest.ts';
import { haveQemu } from '../../machine/loader/qemu_run.ts';
import { bootXentab, qemuLines } from './kernel_runner.ts';

export const SEG_LIMITS: GuestSpec = { name: 'seg_limits', sources: ['start32.S', 'exc32.S', 'system/seg_limits.c'], defines: ['MULTIBOOT'] };

describe.skipIf(!haveGcc32() || !haveQemu())('segment limits test kernel: xentab vs QEMU TCG (SDM where TCG checks nothing)', () => {
  it('PUSH/POP on expand-down and expand-up stacks, MOV/ADD operands, LODS/STOS/REP MOVSB and SS overrides fault at the limit', () => {
    const path = buildGuest(SEG_LIMITS);
    const r = bootXentab(path);
    const sdm: Record<string, string> = {
      // ESP 0x1000 - 4 = 0xffc is not above the expand-down limit 0xfff.
      ed_push_below_limit: 'ed_push_below_limit: vector=0c error=0000 reg=00001000',
      ed_push_straddle: 'ed_push_straddle: vector=0c error=0000 reg=00001002',
      // A dword at 0xffe..0x1001 crosses the limit 0xfff.
      up_pop_straddle: 'up_pop_straddle: vector=0c error=0000 reg=00000ffe',
      lods_straddle: 'lods_straddle: vector=0d error=0000 reg=00000ffe',
      stos_past_limit: 'stos_past_limit: vector=0d error=0000 reg=00001000',
      // Six bytes 0xffa..0xfff copy, the seventh faults: ECX 10 - 6.
      rep_movsb_stops: 'rep_movsb_stops: vector=0d error=0000 reg=00000004',
      lods_ss_past_limit: 'lods_ss_past_limit: vector=0c error=0000 reg=00001000',
      // ModRM operands: a dword at 0xffe or 0xffd crosses the limit 0xfff; EAX (0x55) and the
      // memory stay as they were.
      mov_dword_straddle: 'mov_dword_straddle: vector=0d error=0000 reg=00000055',
      add_dword_straddle: 'add_dword_straddle: vector=0d error=0000 reg=00000000',
    };
    const q = qemuLines(path, sdm);
    expect(q.status).toBe(1);
    expect(r.lines).toEqual(q.lines);
    expect(r.reason).toBe('exit');
    expect(q.lines.at(-1)).toBe('done');
  });
});
