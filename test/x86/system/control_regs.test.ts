// Control-register, MSR and fast-system-call checks the SDM defines and QEMU 7.2 TCG cannot be
// compared on (it answers invalid CR0/CR4 values with an SVM_EXIT_ERR vmexit outside SVM).
// Oracle: the #GP/#UD conditions listed in SDM Vol 2 (MOV to CR, CLTS, WRMSR, SYSCALL, SYSRET)
// and Vol 3A §2.5 (CR0/CR4 reserved bits and combinations).
import { describe, it, expect } from 'vitest';
import { FlatMachine } from '../support/flat_machine.ts';
import { Exit } from '../../../src/x86/cpu.ts';
import * as L from '../../../src/x86/state_layout.ts';

const imm32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];

function run(bits: 32 | 64, cpl: number, code: number[], setup?: (m: FlatMachine) => void): { exit: number; vector: number; error: number; m: FlatMachine } {
  const m = new FlatMachine([[0x1000, 0x1000], [0x8000, 0x1000]]);
  m.load(0x1000, new Uint8Array([...code, 0xf4]));
  m.cpu.setFlatMode(bits, cpl);
  m.cpu.rip = 0x1000;
  m.cpu.s32[L.RSP * 2] = 0x8ff0;
  setup?.(m);
  const exit = m.cpu.run(100);
  return { exit, vector: m.cpu.pendingVector, error: m.cpu.pendingError, m };
}

const MOV_CR4_EAX = [0x0f, 0x22, 0xe0], MOV_EAX_CR4 = [0x0f, 0x20, 0xe0], MOV_CR0_EAX = [0x0f, 0x22, 0xc0];

describe('control registers (SDM Vol 3A §2.5, Vol 2 MOV CR)', () => {
  it('raises #GP(0) for a reserved CR4 bit (LA57, bit 12, is not in this model)', () => {
    const r = run(32, 0, [...MOV_EAX_CR4, 0x0d, ...imm32(0x1000), ...MOV_CR4_EAX]);
    expect([r.exit, r.vector, r.error]).toEqual([Exit.EXCEPTION, 13, 0]);
  });
  it('raises #GP(0) for CR0.PG without CR0.PE and for CR0.NW without CR0.CD', () => {
    for (const v of [0x80000010, 0x20000011]) {
      const r = run(32, 0, [0xb8, ...imm32(v), ...MOV_CR0_EAX]);
      expect([r.exit, r.vector, r.error]).toEqual([Exit.EXCEPTION, 13, 0]);
    }
  });
  it('raises #GP(0) when paging is enabled with EFER.LME but without CR4.PAE', () => {
    const r = run(32, 0, [0xb8, ...imm32(0x80000011), ...MOV_CR0_EAX], (m) => { m.cpu.s32[L.MSR_EFER >> 2] = 0x100; });
    expect([r.exit, r.vector, r.error]).toEqual([Exit.EXCEPTION, 13, 0]);
    expect(m32(r.m, L.MSR_EFER) & 0x400).toBe(0);
  });
  it('raises #UD for CR1 and #GP(0) for MOV CR and CLTS at CPL 3', () => {
    expect(run(32, 0, [0x0f, 0x22, 0xc8]).vector).toBe(6);
    const r = run(32, 3, MOV_EAX_CR4);
    expect([r.vector, r.error]).toEqual([13, 0]);
    expect(run(32, 3, [0x0f, 0x06]).vector).toBe(13);
  });
  it('INVLPG makes no segment checks, where a load through the same null ES faults', () => {
    const nullEs = (m: FlatMachine): void => {
      m.cpu.s32[(L.SEG >> 2) + L.ES * 8 + 1] = 0; // ES unusable (a null selector was loaded)
      m.cpu.refreshSegChecks();
    };
    expect(run(32, 0, [0x26, 0x0f, 0x01, 0x38], nullEs).exit).toBe(Exit.HLT); // invlpg es:[eax]
    const r = run(32, 0, [0x26, 0x8b, 0x00], nullEs); // mov eax, es:[eax]
    expect([r.vector, r.error]).toEqual([13, 0]);
  });
  it('CLTS clears CR0.TS; MOV CR0 keeps ET set', () => {
    const r = run(32, 0, [0xb8, ...imm32(0x00000009), ...MOV_CR0_EAX, 0x0f, 0x06]);
    expect(r.exit).toBe(Exit.HLT);
    expect(m32(r.m, L.CR0)).toBe(0x11);
  });
});

describe('MSRs and fast system calls (SDM Vol 2 WRMSR, SYSCALL, SYSRET)', () => {
  const WRMSR = (msr: number, lo: number, hi: number): number[] => [0xb9, ...imm32(msr), 0xb8, ...imm32(lo), 0xba, ...imm32(hi), 0x0f, 0x30];
  it('raises #GP(0) for a non-canonical LSTAR and for reserved EFER bits', () => {
    expect(run(64, 0, WRMSR(0xc0000082, 0, 0x00008000)).vector).toBe(13);
    expect(run(64, 0, WRMSR(0xc0000080, 0x2, 0)).vector).toBe(13);
  });
  it('reads IA32_DEBUGCTL as 0 and accepts only 0 (no LBR/BTF; XTF debug-regs reads it)', () => {
    const RDMSR = (msr: number): number[] => [0xb9, ...imm32(msr), 0xb8, ...imm32(0xdead), 0x0f, 0x32];
    const r = run(64, 0, RDMSR(0x1d9));
    expect([r.exit, m32(r.m, L.RAX * 8)]).toEqual([Exit.HLT, 0]);
    expect(run(64, 0, WRMSR(0x1d9, 0, 0)).exit).toBe(Exit.HLT);
    expect(run(64, 0, WRMSR(0x1d9, 1, 0)).vector).toBe(13);
  });
  it('keeps EFER.LMA read-only', () => {
    const r = run(32, 0, WRMSR(0xc0000080, 0x500, 0));
    expect(r.exit).toBe(Exit.HLT);
    expect(m32(r.m, L.MSR_EFER)).toBe(0x100);
  });
  it('SYSCALL is #UD without EFER.SCE and outside 64-bit mode (Intel); SYSRET at CPL 3 is #GP(0)', () => {
    expect(run(64, 0, [0x0f, 0x05]).vector).toBe(6);
    expect(run(32, 0, [0x0f, 0x05], (m) => { m.cpu.s32[L.MSR_EFER >> 2] = 1; }).vector).toBe(6);
    const r = run(64, 3, [0x48, 0x0f, 0x07], (m) => { m.cpu.s32[L.MSR_EFER >> 2] = 0x501; });
    expect([r.vector, r.error]).toEqual([13, 0]);
  });
  it('SYSRET with REX.W refuses a non-canonical RCX with #GP(0)', () => {
    const r = run(64, 0, [0x48, 0x0f, 0x07], (m) => {
      m.cpu.s32[L.MSR_EFER >> 2] = 0x501;
      m.cpu.s32[L.RCX * 2 + 1] = 0x00008000;
    });
    expect([r.vector, r.error]).toEqual([13, 0]);
  });
});

function m32(m: FlatMachine, off: number): number {
  return m.cpu.s32[off >> 2]!;
}

describe('non-canonical addresses in 64-bit mode (SDM Vol 1 §3.3.7.1)', () => {
  const MOV_RAX_IMM64 = (hi: number): number[] => [0x48, 0xb8, 0, 0, 0, 0, ...imm32(hi)];
  it('raise #SS(0) through an RSP or RBP base, even with a DS override 64-bit mode ignores', () => {
    for (const code of [
      [...MOV_RAX_IMM64(0x80000000), 0x48, 0x89, 0xc4, 0x48, 0x8b, 0x04, 0x24], // mov rsp, rax; mov rax, [rsp]
      [...MOV_RAX_IMM64(0x80000000), 0x48, 0x89, 0xc5, 0x3e, 0x48, 0x8b, 0x45, 0x00], // mov rbp, rax; mov rax, ds:[rbp]
      [...MOV_RAX_IMM64(0x80000000), 0x48, 0x89, 0xc4, 0x50], // mov rsp, rax; push rax
    ]) {
      const r = run(64, 0, code);
      expect([r.exit, r.vector, r.error]).toEqual([Exit.EXCEPTION, 12, 0]);
    }
  });
  it('raise #GP(0) through other bases and through an FS override', () => {
    for (const code of [
      [...MOV_RAX_IMM64(0x80000000), 0x48, 0x8b, 0x00], // mov rax, [rax]
      [...MOV_RAX_IMM64(0x80000000), 0x48, 0x89, 0xc4, 0x64, 0x48, 0x8b, 0x04, 0x24], // mov rsp, rax; mov rax, fs:[rsp]
    ]) {
      const r = run(64, 0, code);
      expect([r.exit, r.vector, r.error]).toEqual([Exit.EXCEPTION, 13, 0]);
    }
  });
});
