// Hypercall entry (xen/arch/x86/hvm/hypercall.c hvm_hypercall): VMCALL/VMMCALL from the guest
// arrive here through the machine's vmcall hook. The register ABI depends on the caller's mode:
// 64-bit code passes nr in RAX and arguments in RDI, RSI, RDX, R10, R8, R9; 32-bit (and 16-bit
// protected) code passes EBX, ECX, EDX, ESI, EDI, EBP and gets the i386 ("compat") struct
// layouts. Real mode / vm86 and CPL > 0 get -EPERM (Xen: "hypercall from user mode"). The result
// goes to RAX, negative errno sign-extended.
import type { Cpu } from '../x86/cpu.ts';
import { CR0, RFLAGS } from '../x86/state_layout.ts';
import type { Abi } from './abi/struct.ts';
import { XEN_ENOSYS, XEN_EPERM } from './abi/errno.ts';
import * as H from './abi/xen.ts';
import type { GuestAccess } from './guest_copy.ts';
import type { XenDomain } from './xen_domain.ts';
import { consoleIo } from './hypercall/console_io.ts';
import { eventChannelOp } from './hypercall/event_channel_op.ts';
import { grantTableOp } from './hypercall/grant_table_op.ts';
import { hvmOp } from './hypercall/hvm_op.ts';
import { memoryOp } from './hypercall/memory_op.ts';
import { multicall } from './hypercall/multicall.ts';
import { physdevOp } from './hypercall/physdev_op.ts';
import { schedOp } from './hypercall/sched_op.ts';
import { setTimerOp } from './hypercall/set_timer_op.ts';
import { vcpuOp } from './hypercall/vcpu_op.ts';
import { vmAssist } from './hypercall/vm_assist.ts';
import { xenVersion } from './hypercall/xen_version.ts';

const TWO32 = 4294967296;
/** Registers carrying a0..a5: 64-bit RDI RSI RDX R10 R8 R9; 32-bit EBX ECX EDX ESI EDI EBP. */
const ARGS64 = [7, 6, 2, 10, 8, 9];
const ARGS32 = [3, 1, 2, 6, 7, 5];

/** One hypercall being handled (reused: no allocation per call). */
export class Hypercall {
  vcpu = 0;
  cpu!: Cpu;
  nr = 0;
  abi: Abi = 'x86_64';
  /** Arguments: 32-bit callers' as unsigned 32-bit; 64-bit callers' as signed 64-bit doubles. */
  readonly a = new Float64Array(6);
  /** Low 32 bits of each argument (exact, for flags and 32-bit fields). */
  readonly lo = new Int32Array(6);

  constructor(readonly g: GuestAccess) {}

  /** Size of xen_ulong_t / handles / xen_pfn_t for this caller. */
  get word(): number {
    return this.abi === 'x86_64' ? 8 : 4;
  }
}

export const HYPERCALL_NAMES: Record<number, string> = {};
for (const [k, v] of Object.entries(H)) if (k.startsWith('__HYPERVISOR_') && typeof v === 'number') HYPERCALL_NAMES[v] = k.slice(13);

export type HypercallFamily = (d: XenDomain, h: Hypercall) => number;

const FAMILIES: Record<number, HypercallFamily> = {
  [H.__HYPERVISOR_memory_op]: memoryOp,
  [H.__HYPERVISOR_multicall]: multicall,
  [H.__HYPERVISOR_set_timer_op]: setTimerOp,
  [H.__HYPERVISOR_xen_version]: xenVersion,
  [H.__HYPERVISOR_console_io]: consoleIo,
  [H.__HYPERVISOR_grant_table_op]: grantTableOp,
  [H.__HYPERVISOR_vm_assist]: vmAssist,
  [H.__HYPERVISOR_vcpu_op]: vcpuOp,
  [H.__HYPERVISOR_sched_op]: schedOp,
  [H.__HYPERVISOR_event_channel_op]: eventChannelOp,
  [H.__HYPERVISOR_physdev_op]: physdevOp,
  [H.__HYPERVISOR_hvm_op]: hvmOp,
};

/** Run hypercall `nr` with the arguments already in `h`; returns the result (errno negative). */
export function dispatchHypercall(d: XenDomain, h: Hypercall): number {
  const f = FAMILIES[h.nr];
  if (!f) return -XEN_ENOSYS;
  return f(d, h);
}

/** The caller's hypercall ABI, or null for real mode / vm86 (hvm_guest_x86_mode < 2). */
export function callerAbi(cpu: Cpu): Abi | null {
  if (cpu.codeBits === 64) return 'x86_64';
  const pe = (cpu.s32[CR0 >> 2]! & 1) !== 0;
  const vm = (cpu.s32[RFLAGS >> 2]! & 0x20000) !== 0;
  return pe && !vm ? 'x86_32' : null;
}

/** VMCALL/VMMCALL on vCPU `vcpu`: decode, dispatch, write RAX. Always handled (true). */
export function handleVmcall(d: XenDomain, h: Hypercall, vcpu: number): boolean {
  const cpu = d.machine.cpus[vcpu]!;
  const abi = callerAbi(cpu);
  h.vcpu = vcpu;
  h.cpu = cpu;
  h.nr = cpu.getReg(2, 0) >>> 0;
  let ret: number;
  if (abi === null || cpu.cpl !== 0) {
    ret = -XEN_EPERM;
    h.abi = abi ?? 'x86_32';
  } else {
    h.abi = abi;
    h.g.bind(cpu, abi);
    const regs = abi === 'x86_64' ? ARGS64 : ARGS32;
    for (let i = 0; i < 6; i++) {
      const lo = cpu.getReg(3, regs[i]!);
      const hi = cpu.hi;
      h.lo[i] = lo;
      h.a[i] = abi === 'x86_64' ? (hi | 0) * TWO32 + (lo >>> 0) : lo >>> 0;
    }
    if (abi === 'x86_64') h.nr = cpu.getReg(3, 0) >>> 0 === h.nr && cpu.hi === 0 ? h.nr : -1;
    d.trace.begin();
    ret = dispatchHypercall(d, h);
    d.pollCallbackLevel();
  }
  if (d.trace.on) {
    d.trace.emit('kvm_xen_hypercall', vcpu, {
      nr: h.nr,
      name: HYPERCALL_NAMES[h.nr] ?? 'unknown',
      cpl: cpu.cpl,
      a0: h.a[0]!, a1: h.a[1]!, a2: h.a[2]!,
      ret,
    });
  }
  if (h.abi === 'x86_64') cpu.setReg(3, 0, ret | 0, ret < 0 ? -1 : 0);
  else cpu.setReg(2, 0, ret | 0, 0);
  return true;
}
