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
import * as EventChannel from './abi/event_channel.ts';
import * as GrantTable from './abi/grant_table.ts';
import * as HvmParams from './abi/hvm_params.ts';
import * as Memory from './abi/memory.ts';
import * as Physdev from './abi/physdev.ts';
import * as Sched from './abi/sched.ts';
import * as Vcpu from './abi/vcpu.ts';
import * as Version from './abi/version.ts';
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

/** Sub-op number → header spelling, per hypercall, for traces (the first name of a value wins). */
function subOpNames(prefix: string, ...mods: Record<string, unknown>[]): Record<number, string> {
  const names: Record<number, string> = {};
  for (const m of mods) for (const [k, v] of Object.entries(m)) if (k.startsWith(prefix) && typeof v === 'number' && !(v in names)) names[v] = k;
  return names;
}

const SUB_OPS: Record<number, Record<number, string>> = {
  [H.__HYPERVISOR_memory_op]: subOpNames('XENMEM_', Memory),
  [H.__HYPERVISOR_xen_version]: subOpNames('XENVER_', Version),
  [H.__HYPERVISOR_console_io]: subOpNames('CONSOLEIO_', H),
  [H.__HYPERVISOR_grant_table_op]: subOpNames('GNTTABOP_', GrantTable),
  [H.__HYPERVISOR_vm_assist]: subOpNames('VMASST_CMD_', H),
  [H.__HYPERVISOR_vcpu_op]: subOpNames('VCPUOP_', Vcpu),
  [H.__HYPERVISOR_sched_op]: subOpNames('SCHEDOP_', Sched),
  [H.__HYPERVISOR_event_channel_op]: subOpNames('EVTCHNOP_', EventChannel),
  [H.__HYPERVISOR_physdev_op]: subOpNames('PHYSDEVOP_', Physdev),
  [H.__HYPERVISOR_hvm_op]: subOpNames('HVMOP_', HvmParams),
};

/** Arguments each family takes (xen.h prototypes); unknown numbers show all six registers. */
const ARITY: Record<number, number> = {
  [H.__HYPERVISOR_memory_op]: 2, [H.__HYPERVISOR_multicall]: 2, [H.__HYPERVISOR_set_timer_op]: 2,
  [H.__HYPERVISOR_xen_version]: 2, [H.__HYPERVISOR_console_io]: 3, [H.__HYPERVISOR_grant_table_op]: 3,
  [H.__HYPERVISOR_vm_assist]: 2, [H.__HYPERVISOR_vcpu_op]: 3, [H.__HYPERVISOR_sched_op]: 2,
  [H.__HYPERVISOR_event_channel_op]: 2, [H.__HYPERVISOR_physdev_op]: 2, [H.__HYPERVISOR_hvm_op]: 2,
};

/**
 * The `xen_hypercall` trace event: decoded name and sub-op, the arguments the family takes and
 * the result. `multicall` > 0 marks an entry run by a multicall (its index + 1).
 */
export function traceHypercall(d: XenDomain, h: Hypercall, vcpu: number, cpl: number, ret: number, multicallEntry = 0): void {
  const nr = h.nr;
  const args: Record<string, number | string> = { nr, name: HYPERCALL_NAMES[nr] ?? 'unknown' };
  const subs = SUB_OPS[nr];
  if (subs) {
    const cmd = nr === H.__HYPERVISOR_memory_op ? h.lo[0]! & 0x3f : h.lo[0]! >>> 0;
    args.op = subs[cmd] ?? `unknown(${cmd})`;
  }
  args.cpl = cpl;
  const n = ARITY[nr] ?? 6;
  for (let i = 0; i < n; i++) args[`a${i}`] = h.a[i]!;
  if (multicallEntry) args.multicall = multicallEntry;
  args.ret = ret;
  d.trace.emit('xen_hypercall', vcpu, args);
}

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
  const denied = abi === null || cpu.cpl !== 0;
  h.abi = abi ?? 'x86_32';
  // Arguments are read in every case (a refused call's trace shows its own registers).
  const regs = h.abi === 'x86_64' ? ARGS64 : ARGS32;
  for (let i = 0; i < 6; i++) {
    const lo = cpu.getReg(3, regs[i]!);
    const hi = cpu.hi;
    h.lo[i] = lo;
    h.a[i] = h.abi === 'x86_64' ? (hi | 0) * TWO32 + (lo >>> 0) : lo >>> 0;
  }
  if (denied) {
    ret = -XEN_EPERM;
  } else {
    h.g.bind(cpu, h.abi);
    if (abi === 'x86_64') h.nr = cpu.getReg(3, 0) >>> 0 === h.nr && cpu.hi === 0 ? h.nr : -1;
    d.trace.begin();
    ret = dispatchHypercall(d, h);
    d.pollCallbackLevel();
  }
  if (d.trace.on) traceHypercall(d, h, vcpu, cpu.cpl, ret);
  if (h.abi === 'x86_64') cpu.setReg(3, 0, ret | 0, ret < 0 ? -1 : 0);
  else cpu.setReg(2, 0, ret | 0, 0);
  return true;
}
