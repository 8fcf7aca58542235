// Debug registers, single-step and the MOV SS shadow (test/guests/system/debug_regs.c) under
// xentab and under QEMU TCG: the serial lines must match, except where QEMU TCG departs from the
// SDM (each replacement below cites the section).
import { describe, it, expect } from 'vitest';
import { buildGuest, haveGcc32, type GuestSpec } from '../../guests/build_guest.ts';
import { haveQemu } from '../../machine/loader/qemu_run.ts';
import { bootXentab, qemuLines } from './kernel_runner.ts';

export const DEBUG_REGS: GuestSpec = { name: 'debug_regs', sources: ['start32.S', 'exc32.S', 'system/debug_regs.c'], defines: ['MULTIBOOT'] };

describe.skipIf(!haveGcc32() || !haveQemu())('debug registers test kernel: xentab vs QEMU TCG', () => {
  it('instruction and data breakpoints, RF, DR7.GD, TF around POPF/INT/IRET and the MOV SS shadow print the same lines', () => {
    const path = buildGuest(DEBUG_REGS);
    const r = bootXentab(path);
    const sdm: Record<string, string> = {
      // LEN masks the low address bits: DR2 = other+1 with LEN 2 watches other[0..1] (SDM Vol 3
      // §18.2.5); QEMU TCG watches [other+1, other+3) and reports the read of other+2 instead.
      data_bp_len_aligned: 'data_bp_len_aligned: n=01 +005/ffff0ff4/rf0tf0',
      // Every breakpoint condition met by the instruction sets its B bit (SDM Vol 3 §18.2.3);
      // QEMU TCG reports only the first watchpoint it hits (the read, B1).
      data_bp_two_in_one: 'data_bp_two_in_one: n=01 +00d/ffff0ff3/rf0tf0',
      // Fault-class exceptions push RF = 1 (SDM Vol 3 §18.3.1.1); QEMU TCG pushes RF as it is.
      gp_pushed_rf: 'gp_pushed_rf=1',
      // A trap from an iteration of a REP string instruction other than the last pushes RF = 1
      // (SDM Vol 3 §18.3.1.1); QEMU TCG pushes 0.
      rep_data_bp: 'rep_data_bp: n=01 +012/ffff0ff1/rf1tf0',
      // MOV SS holds debug exceptions back until after the next instruction (SDM Vol 3 §6.8.3,
      // the behaviour behind CVE-2018-8897); QEMU TCG reports the data breakpoint right after it.
      movss_data_bp: 'movss_data_bp: n=01 +007/ffff0ff1/rf0tf0',
      // STI delays maskable interrupts only (SDM Vol 2 STI); the single-step trap follows STI at
      // once, as on hardware (XTF's xsa-308 test expects it there). QEMU TCG delays it.
      sti_single_step: 'sti_single_step: n=03 +00c/ffff4ff0/rf0tf1 +00d/ffff4ff0/rf0tf1 +00e/ffff4ff0/rf0tf0',
      // TF over STI; HLT: a trap after STI at once (above), then one after HLT, which resumes the
      // halted processor (SDM Vol 2A HLT: a debug exception resumes execution; kvm-unit-tests
      // debug expects the same on hardware). QEMU TCG drops HLT's trap and halts until its LAPIC
      // timer fires: "n=02 +00e +00f".
      sti_hlt_single_step: 'sti_hlt_single_step: n=04 +00c/ffff4ff0/rf0tf1 +00d/ffff4ff0/rf0tf1 +00e/ffff4ff0/rf0tf1 +00f/ffff4ff0/rf0tf0',
      // DR7.GD: MOV DR raises #DB (fault, RF pushed 1) with DR6.BD and the handler runs with GD
      // clear (SDM Vol 3 §18.2.4); QEMU TCG does not implement general detect.
      gd_dr7_in_handler: 'gd_dr7_in_handler=00000400',
      general_detect: 'general_detect: n=01 +003/ffff2ff0/rf1tf0',
    };
    const q = qemuLines(path, sdm);
    expect(q.status).toBe(1);
    expect(r.lines).toEqual(q.lines);
    expect(r.reason).toBe('exit');
    expect(q.lines.at(-1)).toBe('done');
  });
});
