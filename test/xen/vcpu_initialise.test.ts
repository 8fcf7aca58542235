// VCPUOP_initialise in detail (Xen 4.17 xen/arch/x86/hvm/domain.c arch_set_info_hvm_guest): what
// a vcpu_hvm_context becomes in the target vCPU, each check on its own, and how Xen's
// is_initialised follows INIT and SIPI (xen/arch/x86/hvm/vlapic.c: INIT resets the vCPU so it may be
// initialised again; a SIPI also starts a vCPU that VCPUOP_down parked). Context offsets are gcc's
// for public/hvm/hvm_vcpu.h (identical for i386 and x86_64): cpu_regs at 8; in x86_32, efer 56,
// bases 64.., limits 84.., attributes 104.., pad2 114; in x86_64, rax..efer every 8 bytes.
import { describe, expect, it } from 'vitest';
import { DM_INIT, DM_STARTUP } from '../../src/machine/lapic.ts';
import * as L from '../../src/x86/state_layout.ts';
import { call32, call64, DATA, makeXen, mem, type XenTestMachine } from './xen_harness.ts';

const vcpu_op = 24, VCPUOP_initialise = 0, VCPUOP_up = 1, VCPUOP_down = 2, VCPUOP_is_up = 3;
const EINVAL = -22, EEXIST = -17;

/** A 32-bit context like XTF's launch_aps: flat ring-0 segments, busy TSS. */
function ctx32(over: Partial<Record<string, number>> = {}): Uint8Array {
  const b = new Uint8Array(128);
  const dv = new DataView(b.buffer);
  const regs = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi', 'eip', 'eflags', 'cr0', 'cr3', 'cr4', 'pad1'];
  const v: Record<string, number> = {
    eflags: 2, cr0: 0x11, eip: 0x9000, esp: 0x9800,
    cs_limit: 0xffffffff, ds_limit: 0xffffffff, ss_limit: 0xffffffff, es_limit: 0xffffffff, tr_limit: 0x67,
    cs_ar: 0xc9b, ds_ar: 0xc93, ss_ar: 0xc93, es_ar: 0xc93, tr_ar: 0x8b, ...over,
  };
  dv.setUint32(0, v.mode ?? 0, true);
  dv.setUint32(4, v.pad ?? 0, true);
  regs.forEach((r, i) => dv.setUint32(8 + 4 * i, v[r] ?? 0, true));
  dv.setUint32(8 + 56, v.efer ?? 0, true);
  ['cs', 'ds', 'ss', 'es', 'tr'].forEach((s, i) => {
    dv.setUint32(8 + 64 + 4 * i, v[`${s}_base`] ?? 0, true);
    dv.setUint32(8 + 84 + 4 * i, v[`${s}_limit`] ?? 0, true);
    dv.setUint16(8 + 104 + 2 * i, v[`${s}_ar`] ?? 0, true);
  });
  dv.setUint16(8 + 114, v.pad2 ?? 0, true);
  return b;
}

/** A 64-bit context: paging on with the CR3 given, long mode; values as [lo, hi] pairs. */
function ctx64(over: Partial<Record<string, [number, number]>> = {}): Uint8Array {
  const b = new Uint8Array(128);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, 1, true); // VCPU_HVM_MODE_64B
  const regs = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'rip', 'rflags', 'cr0', 'cr3', 'cr4', 'efer'];
  const v: Record<string, [number, number]> = {
    rflags: [2, 0], cr0: [0x80000011 | 0, 0], cr3: [0x20000, 0], cr4: [0x20, 0], efer: [0x100, 0], rip: [0x9000, 0], ...over,
  };
  regs.forEach((r, i) => {
    dv.setUint32(8 + 8 * i, v[r]?.[0] ?? 0, true);
    dv.setUint32(12 + 8 * i, v[r]?.[1] ?? 0, true);
  });
  return b;
}

function initialise(x: XenTestMachine, vcpu: number, ctx: Uint8Array): number {
  mem(x).writeBytes(DATA, ctx);
  return call32(x, vcpu_op, VCPUOP_initialise, vcpu, DATA);
}

const seg = (x: XenTestMachine, cpu: number, s: number) => {
  const st = x.m.cpus[cpu]!.s32;
  const b = (L.SEG + s * L.SEG_STRIDE) >> 2;
  return { sel: st[b]!, attr: st[b + 1]!, base: st[b + 2]!, limit: st[b + 4]! >>> 0 };
};

describe('VCPUOP_initialise: the context becomes the vCPU state', () => {
  it('32-bit: GPRs, EIP, EFLAGS (undefined bits cleared, bit 1 set), CRs, flat segments with accessed/busy bits, CPL from CS.DPL', () => {
    const x = makeXen({}, 2);
    const regs = { eax: 0x11111111, ecx: 0x22222222, edx: 0x33333333, ebx: 0x44444444, esp: 0x9800, ebp: 0x66666666, esi: 0x77777777, edi: 0x88888888 };
    // CPL 3 code with DPL-3 data: Xen only requires SS.DPL == CS.DPL and DS/ES.DPL <= CS.DPL.
    expect(initialise(x, 1, ctx32({ ...regs, eflags: 0x80000a00 | 0, cs_ar: 0xcfa, ss_ar: 0xcf2, ds_ar: 0xcf2, es_ar: 0, cs_base: 0x1000 }))).toBe(0);
    const cpu = x.m.cpus[1]!;
    Object.values(regs).forEach((v, i) => expect(cpu.getReg(4, i) >>> 0, `GPR ${i}`).toBe(v >>> 0));
    expect(cpu.rip).toBe(0x9000);
    expect(cpu.s32[L.RFLAGS >> 2]! >>> 0).toBe(0xa02); // OF|IF kept, bit 31 dropped, bit 1 set
    expect(cpu.s32[L.CR0 >> 2]! & 0x11).toBe(0x11);
    expect(cpu.codeBits).toBe(32);
    expect(cpu.cpl).toBe(3);
    // Xen's 12-bit attr (G D L AVL in bits 11..8) → descriptor bytes 5-6 (bits 15..12); A/busy set.
    expect(seg(x, 1, L.CS)).toEqual({ sel: 0, attr: 0xc0fb, base: 0x1000, limit: 0xffffffff });
    expect(seg(x, 1, L.SS).attr).toBe(0xc0f3);
    expect(seg(x, 1, L.ES).attr).toBe(0); // null ES is allowed
    expect(seg(x, 1, L.TR)).toEqual({ sel: 0, attr: 0x8b, base: 0, limit: 0x67 });
    expect(call32(x, vcpu_op, VCPUOP_is_up, 1)).toBe(0); // initialised, still down
  });

  it('64-bit: long mode (EFER.LMA set from LME), 64-bit CS 0xa9b, RIP above 4 GiB, CPL 0; a 64-bit caller gets the same layout', () => {
    const x = makeXen({}, 2);
    mem(x).writeBytes(DATA, ctx64({ rip: [0x1000, 0xffff8000 | 0], rsp: [0x9800, 0x7fff], cr3: [0x21000, 0] }));
    expect(call64(x, vcpu_op, VCPUOP_initialise, 1, DATA)).toBe(0);
    const cpu = x.m.cpus[1]!;
    expect(cpu.s32[L.RIP >> 2]).toBe(0x1000);
    expect(cpu.s32[(L.RIP >> 2) + 1]! >>> 0).toBe(0xffff8000);
    expect(cpu.getReg(4, 4) >>> 0).toBe(0x9800);
    expect(cpu.s32[(L.GPR >> 2) + 9]).toBe(0x7fff);
    expect(cpu.s32[L.MSR_EFER >> 2]! & 0x500).toBe(0x500);
    expect(cpu.s32[L.CR3 >> 2]).toBe(0x21000);
    expect(cpu.codeBits).toBe(64);
    expect(cpu.cpl).toBe(0);
    expect(seg(x, 1, L.CS).attr).toBe(0xa09b);
    expect(seg(x, 1, L.DS).attr).toBe(0xc093);
    expect(seg(x, 1, L.TR)).toEqual({ sel: 0, attr: 0x8b, base: 0, limit: 0x67 });
  });

  it('each check on its own: a good context passes, one changed field is -EINVAL', () => {
    const bad32: [string, Partial<Record<string, number>>][] = [
      ['mode 2', { mode: 2 }], ['pad', { pad: 1 }], ['pad1', { pad1: 1 }], ['pad2[0]', { pad2: 1 }],
      ['null CS', { cs_ar: 0 }], ['null SS', { ss_ar: 0 }], ['null TR', { tr_ar: 0 }],
      ['attr bit 12', { ds_ar: 0x1c93 }], ['system CS', { cs_ar: 0xc0b }], ['data CS', { cs_ar: 0xc93 }],
      ['code SS', { ss_ar: 0xc9b }], ['read-only SS', { ss_ar: 0xc91 }], ['execute-only ES', { es_ar: 0xc99 }],
      ['not-present DS', { ds_ar: 0xc13 }], ['available 16-bit TSS as TR', { tr_ar: 0x81 }], ['data TR', { tr_ar: 0x93 }],
      ['EIP past a byte-granular limit', { cs_ar: 0x49b, cs_limit: 0x8fff }],
      ['EIP past a page-granular limit', { cs_limit: 0x8, eip: 0x9000 }],
      ['SS.DPL != CS.DPL', { ss_ar: 0xcb3 }], ['DS.DPL > CS.DPL', { ds_ar: 0xcd3 }],
      ['LMA without LME', { efer: 0x400 }], ['LME without CR0.PG', { efer: 0x100 }], ['EFER.SVME', { efer: 0x1000 }],
      ['CR4 bit 31', { cr4: 0x80000000 | 0 }], ['CR0.PG without PE', { cr0: 0x80000010 | 0 }],
    ];
    const x = makeXen({}, 2);
    for (const [what, over] of bad32) expect(initialise(x, 1, ctx32(over)), what).toBe(EINVAL);
    const bad64: [string, Partial<Record<string, [number, number]>>][] = [
      ['non-canonical RIP', { rip: [0, 0x8000] }], ['CR0.PG clear', { cr0: [0x11, 0] }],
      ['CR4.PAE clear', { cr4: [0, 0] }], ['EFER.LME clear', { efer: [0, 0] }], ['CR4 upper half', { cr4: [0x20, 1] }],
    ];
    for (const [what, over] of bad64) expect(initialise(x, 1, ctx64(over)), what).toBe(EINVAL);
    // A G=1 limit of 8 pages covers EIP 0x8fff; an available TSS becomes busy; both templates pass.
    expect(initialise(x, 1, ctx32({ cs_limit: 0x8, eip: 0x8fff, tr_ar: 0x89 }))).toBe(0);
    const y = makeXen({}, 2);
    expect(initialise(y, 1, ctx64())).toBe(0);
  });
});

describe('is_initialised follows INIT and SIPI; VCPUOP_down is wait-for-SIPI', () => {
  const HLT_AT_0x8000 = (x: XenTestMachine) => mem(x).writeBytes(0x8000, Uint8Array.of(0xf4));

  it('an AP started by SIPI is initialised (-EEXIST); after INIT it may be initialised again', () => {
    const x = makeXen({}, 2);
    HLT_AT_0x8000(x);
    const apic = x.m.platform.lapics[1]!;
    x.m.cpus[0]!.s32[L.HALTED >> 2] = 1; // the BSP waits (IF = 0) while the AP starts
    apic.deliver(DM_INIT, 0, false);
    x.m.run(1000, { idle: 'return' });
    apic.deliver(DM_STARTUP, 8, false);
    x.m.run(1000, { idle: 'return' });
    expect(x.m.cpus[1]!.s32[L.RIP >> 2]).toBe(1); // past the HLT at 0800:0000
    expect(call32(x, vcpu_op, VCPUOP_is_up, 1)).toBe(1);
    expect(initialise(x, 1, ctx32())).toBe(EEXIST);
    apic.deliver(DM_INIT, 0, false);
    x.m.run(1000, { idle: 'return' });
    expect(call32(x, vcpu_op, VCPUOP_is_up, 1)).toBe(0);
    expect(call32(x, vcpu_op, VCPUOP_up, 1)).toBe(EINVAL); // reset: no longer initialised
    expect(initialise(x, 1, ctx32())).toBe(0);
  });

  it('a SIPI starts a vCPU that VCPUOP_down parked, in real mode at the vector (Xen vlapic)', () => {
    const x = makeXen({}, 2);
    HLT_AT_0x8000(x);
    mem(x).writeBytes(0x9000, Uint8Array.of(0xf4)); // the context's EIP: HLT
    expect(initialise(x, 1, ctx32())).toBe(0);
    expect(call32(x, vcpu_op, VCPUOP_up, 1)).toBe(0);
    expect(x.m.cpus[1]!.s32[L.RIP >> 2]).toBe(0x9001); // it ran
    expect(call32(x, vcpu_op, VCPUOP_down, 1)).toBe(0);
    x.m.platform.lapics[1]!.deliver(DM_STARTUP, 8, false);
    x.m.run(1000, { idle: 'return' });
    const cpu = x.m.cpus[1]!;
    expect(cpu.codeBits).toBe(16);
    expect(seg(x, 1, L.CS).base).toBe(0x8000);
    expect(call32(x, vcpu_op, VCPUOP_is_up, 1)).toBe(1);
  });

  it('is_initialised is saved in the domain snapshot', () => {
    const x = makeXen({}, 3);
    expect(initialise(x, 2, ctx32())).toBe(0);
    const snap = x.m.saveSnapshot();
    const dom = JSON.parse(JSON.stringify(x.d.saveState()));
    const y = makeXen({}, 3);
    y.m.loadSnapshot(snap);
    y.d.loadState(dom);
    expect(y.d.initialised).toEqual([true, false, true]);
    expect(initialise(y, 2, ctx32())).toBe(EEXIST);
    expect(initialise(y, 1, ctx32())).toBe(0);
  });
});

describe('VCPUOP_send_nmi and VCPUOP_get_physid (xen/arch/x86/domain.c do_vcpu_op)', () => {
  it('send_nmi takes only a NULL argument and leaves an NMI pending on the target; get_physid is for the hardware domain only', () => {
    const x = makeXen({}, 2);
    const nmiPending = () => x.m.platform.lapics[1]!.nmiPending || x.m.cpus[1]!.s32[L.NMI_PENDING >> 2] !== 0;
    expect(call32(x, vcpu_op, 11, 1, DATA)).toBe(EINVAL);
    expect(nmiPending()).toBe(false);
    expect(call32(x, vcpu_op, 11, 1, 0)).toBe(0);
    expect(nmiPending()).toBe(true);
    expect(call32(x, vcpu_op, 11, 2, 0)).toBe(-2); // -ENOENT: no vCPU 2
    expect(call32(x, vcpu_op, 12, 0, DATA)).toBe(EINVAL);
  });
});
