// VCPUOP_initialise for an HVM/PVH vCPU: check a `struct vcpu_hvm_context` (public/hvm/hvm_vcpu.h)
// the way Xen's arch_set_info_hvm_guest (xen/arch/x86/hvm/domain.c) does and load it into the
// vCPU. Every refusal is -EINVAL, as in Xen:
//   32-bit set: pad/pad1/pad2 non-zero; a segment whose attribute bits 12-15 are set, a null
//     CS/SS/TR, a code/data TR or one that is not a busy 32-bit TSS, a system descriptor for
//     CS/SS/DS/ES, a non-present one, CS not code, SS not writable data, DS/ES execute-only;
//     EIP past CS's limit (a G=1 limit scaled as `limit << 12 | 0xfff`); SS.DPL != CS.DPL; a
//     present DS/ES with DPL > CS.DPL; EFER.LMA without EFER.LME.
//   64-bit set: non-canonical RIP; CR0.PG, CR4.PAE or EFER.LME clear. Segments are fixed: flat
//     64-bit code 0xa9b, data 0xc93, busy TSS 0x8b with limit 0x67, all selectors 0.
//   Both: EFER.LME implies LMA; CR4 bits the CPU lacks; EFER bits the CPU lacks, or LMA without
//     CR0.PG ("LMA/LME/CR0.PG inconsistency", hvm_efer_valid).
// One guard of our own: CR0 bits the CPU lacks, or PG without PE, are refused too (Xen would
// hand them to VM entry, which fails and crashes the domain).
// Segment attributes arrive in Xen's 12-bit `segment_register.attr` form (type, S, DPL, P in bits
// 0-7, AVL, L, D/B, G in bits 8-11); the CPU keeps descriptor bytes 5-6 (AVL..G in bits 12-15).
// Accessed (code/data) and busy (TSS) are set on present segments, as Xen does.
import type { Cpu } from '../x86/cpu.ts';
import * as L from '../x86/state_layout.ts';
import { CR4_VALID } from '../x86/system/control_regs.ts';
import { CR0_ET, CR0_PE, CR0_PG, CR4_PAE, EFER_LMA, EFER_LME, EFER_NXE, EFER_SCE, updateMode } from '../x86/system/mode.ts';
import { XEN_EINVAL } from './abi/errno.ts';
import { VCPU_HVM_MODE_32B, VCPU_HVM_MODE_64B } from './abi/hvm/hvm_vcpu.ts';
import type { GuestStruct } from './guest_copy.ts';

/** CR0 bits the CPU implements (control_regs.ts): PE MP EM TS ET NE WP AM NW CD PG. */
const CR0_VALID = 0xe005003f | 0;
/** EFER bits the CPU implements (and advertises in CPUID): SCE LME LMA NXE. */
const EFER_VALID = EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE;
/** X86_EFLAGS_ALL (every defined flag) and the must-be-set bit 1 (X86_EFLAGS_MBS). */
const EFLAGS_ALL = 0x3f7fd5;
const EFLAGS_MBS = 0x2;
const EFLAGS_VM = 0x20000;
/** MODE_FLAGS bit for virtual-8086 mode (cpu.ts ModeFlag.VM86). */
const MODE_VM86 = 8;
/** SYS_DESC_tss_busy: a busy 32-bit TSS. */
const TSS_BUSY = 0xb;

/** One segment as Xen's struct segment_register holds it. */
interface Seg {
  attr: number;
  base: number;
  limit: number;
}

const TYPE = (a: number): number => a & 0xf;
const S = (a: number): boolean => (a & 0x10) !== 0;
const DPL = (a: number): number => (a >> 5) & 3;
const P = (a: number): boolean => (a & 0x80) !== 0;
const G = (a: number): boolean => (a & 0x800) !== 0;

/** check_segment(): true if Xen accepts `s` for segment register `seg`. */
function segmentOk(s: Seg, seg: number): boolean {
  if ((s.attr & 0xf000) !== 0) return false; // "attribute bits 12-15 are not zero"
  if (s.attr === 0) return seg === L.DS || seg === L.ES; // null only for DS/ES
  if (seg === L.TR) {
    if (S(s.attr) || TYPE(s.attr) !== TSS_BUSY) return false;
  } else if (!S(s.attr)) return false;
  if (!P(s.attr)) return false;
  const t = TYPE(s.attr);
  if (seg === L.CS) return (t & 8) !== 0;
  if (seg === L.SS) return (t & 8) === 0 && (t & 2) !== 0;
  if (seg === L.DS || seg === L.ES) return !((t & 8) !== 0 && (t & 2) === 0);
  return true;
}

/** The register state VCPUOP_initialise loads, once checked. */
interface HvmVcpuState {
  /** GPRs in CPU order (rax rcx rdx rbx rsp rbp rsi rdi) as lo/hi pairs. */
  gpr: Int32Array;
  rip: [number, number];
  rflags: number;
  cr0: number;
  cr3: [number, number];
  cr4: number;
  efer: number;
  /** Indexed by L.ES, L.CS, L.SS, L.DS, then TR at index 4. */
  segs: Seg[];
}

const GPR32 = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'] as const;
const GPR64 = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi'] as const;
const SEG_NAMES: readonly [string, number][] = [['cs', L.CS], ['ds', L.DS], ['ss', L.SS], ['es', L.ES], ['tr', L.TR]];

/**
 * Check a loaded vcpu_hvm_context (`ctx` in the caller's ABI, already read from the guest) and
 * return the state to load, or -EINVAL.
 */
export function checkHvmContext(ctx: GuestStruct): HvmVcpuState | number {
  if (ctx.get('pad') !== 0) return -XEN_EINVAL;
  const mode = ctx.get('mode');
  const gpr = new Int32Array(16);
  const segs = new Map<number, Seg>();
  let rip: [number, number], rflags: number, cr0: number, cr3: [number, number], cr4: number, efer: number;
  if (mode === VCPU_HVM_MODE_32B) {
    const r = (n: string): number => ctx.get(`cpu_regs.x86_32.${n}`) >>> 0;
    if (r('pad1') !== 0 || r('pad2') !== 0 || ctx.get('cpu_regs.x86_32.pad2', 1) !== 0 || ctx.get('cpu_regs.x86_32.pad2', 2) !== 0) return -XEN_EINVAL;
    let bad = false;
    for (const [name, seg] of SEG_NAMES) {
      let attr = r(`${name}_ar`);
      if (P(attr)) attr |= seg === L.TR ? 2 : 1; // accessed / busy
      const s = { attr, base: r(`${name}_base`), limit: r(`${name}_limit`) };
      if (!segmentOk(s, seg)) bad = true;
      segs.set(seg, s);
    }
    if (bad) return -XEN_EINVAL;
    const cs = segs.get(L.CS)!, ss = segs.get(L.SS)!, ds = segs.get(L.DS)!, es = segs.get(L.ES)!;
    const limit = G(cs.attr) ? ((cs.limit << 12) | 0xfff) >>> 0 : cs.limit;
    if (r('eip') > limit) return -XEN_EINVAL;
    if (DPL(ss.attr) !== DPL(cs.attr)) return -XEN_EINVAL;
    if (P(ds.attr) && DPL(ds.attr) > DPL(cs.attr)) return -XEN_EINVAL;
    if (P(es.attr) && DPL(es.attr) > DPL(cs.attr)) return -XEN_EINVAL;
    const [eferLo, eferHi] = ctx.halves('cpu_regs.x86_32.efer');
    if ((eferLo & EFER_LMA) !== 0 && (eferLo & EFER_LME) === 0) return -XEN_EINVAL;
    if (eferHi !== 0) return -XEN_EINVAL; // no EFER bit above 31 exists (hvm_efer_valid)
    GPR32.forEach((n, i) => (gpr[i * 2] = r(n)));
    rip = [r('eip'), 0];
    rflags = r('eflags');
    cr0 = r('cr0');
    cr3 = [r('cr3'), 0];
    cr4 = r('cr4');
    efer = eferLo;
  } else if (mode === VCPU_HVM_MODE_64B) {
    const h = (n: string): [number, number] => ctx.halves(`cpu_regs.x86_64.${n}`);
    rip = h('rip');
    // Canonical: bits 63:47 all equal.
    const top = rip[1] >> 15;
    if (top !== 0 && top !== -1) return -XEN_EINVAL;
    const [cr0Lo, cr0Hi] = h('cr0'), [cr4Lo, cr4Hi] = h('cr4'), [eferLo, eferHi] = h('efer');
    if ((cr0Lo & CR0_PG) === 0) return -XEN_EINVAL;
    if ((cr4Lo & CR4_PAE) === 0) return -XEN_EINVAL;
    if ((eferLo & EFER_LME) === 0) return -XEN_EINVAL;
    if (cr0Hi !== 0 || cr4Hi !== 0 || eferHi !== 0) return -XEN_EINVAL; // reserved upper halves
    GPR64.forEach((n, i) => {
      const [lo, hi] = h(n);
      gpr[i * 2] = lo;
      gpr[i * 2 + 1] = hi;
    });
    rflags = h('rflags')[0];
    cr0 = cr0Lo;
    cr3 = h('cr3');
    cr4 = cr4Lo;
    efer = eferLo;
    segs.set(L.CS, { attr: 0xa9b, base: 0, limit: 0xffffffff });
    for (const seg of [L.DS, L.SS, L.ES]) segs.set(seg, { attr: 0xc93, base: 0, limit: 0xffffffff });
    segs.set(L.TR, { attr: 0x8b, base: 0, limit: 0x67 });
  } else {
    return -XEN_EINVAL;
  }
  if ((efer & EFER_LME) !== 0) efer |= EFER_LMA;
  if ((cr4 & ~CR4_VALID) !== 0) return -XEN_EINVAL;
  if ((efer & ~EFER_VALID) !== 0) return -XEN_EINVAL;
  if ((efer & EFER_LMA) !== 0 && (cr0 & CR0_PG) === 0) return -XEN_EINVAL;
  if ((cr0 & ~CR0_VALID) !== 0 || ((cr0 & CR0_PG) !== 0 && (cr0 & CR0_PE) === 0)) return -XEN_EINVAL;
  rflags = (rflags & EFLAGS_ALL) | EFLAGS_MBS;
  if ((efer & EFER_LMA) !== 0) rflags &= ~EFLAGS_VM; // no virtual-8086 mode in IA-32e mode
  return {
    gpr,
    rip,
    rflags,
    cr0,
    cr3,
    cr4,
    efer,
    segs: [segs.get(L.ES)!, segs.get(L.CS)!, segs.get(L.SS)!, segs.get(L.DS)!, segs.get(L.TR)!],
  };
}

/** Xen's 12-bit attr → descriptor bytes 5-6 as the CPU keeps them. */
const cpuAttr = (a: number): number => (a & 0xff) | ((a & 0xf00) << 4);

/** Load a checked state into `cpu` (a vCPU that is not running). Other registers stay as they are. */
export function loadHvmContext(cpu: Cpu, st: HvmVcpuState): void {
  const s = cpu.s32;
  for (let i = 0; i < 16; i++) s[(L.GPR >> 2) + i] = st.gpr[i]!;
  s[L.RIP >> 2] = st.rip[0];
  s[(L.RIP >> 2) + 1] = st.rip[1];
  s[L.RFLAGS >> 2] = st.rflags;
  s[L.LAZY_MASK >> 2] = 0; // flags come from RFLAGS, not a pending lazy result
  s[L.CR0 >> 2] = st.cr0 | CR0_ET;
  s[L.CR3 >> 2] = st.cr3[0];
  s[(L.CR3 >> 2) + 1] = st.cr3[1];
  s[L.CR4 >> 2] = st.cr4;
  s[L.MSR_EFER >> 2] = st.efer;
  s[(L.MSR_EFER >> 2) + 1] = 0;
  const order = [L.ES, L.CS, L.SS, L.DS, L.TR];
  order.forEach((seg, k) => {
    const g = st.segs[k]!;
    const b = (L.SEG + seg * L.SEG_STRIDE) >> 2;
    s[b + (L.SEG_SELECTOR >> 2)] = 0;
    s[b + (L.SEG_ATTR >> 2)] = cpuAttr(g.attr);
    s[b + (L.SEG_BASE >> 2)] = g.base | 0;
    s[b + (L.SEG_BASE >> 2) + 1] = 0;
    s[b + (L.SEG_LIMIT >> 2)] = g.limit | 0;
  });
  // CPL is CS.DPL (SS.DPL is equal); in real mode updateMode makes it 0, in vm86 3.
  const cs = st.segs[1]!;
  s[L.CPL >> 2] = DPL(cs.attr);
  const vm86 = (st.rflags & EFLAGS_VM) !== 0 && (st.cr0 & CR0_PE) !== 0 && (st.efer & EFER_LMA) === 0;
  s[L.MODE_FLAGS >> 2] = vm86 ? MODE_VM86 : 0;
  s[L.HALTED >> 2] = 0;
  updateMode(cpu);
  cpu.modeChanged();
  cpu.flushTlb();
}
