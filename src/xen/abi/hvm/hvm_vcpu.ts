// xen/hvm/hvm_vcpu.h: the initial register state VCPUOP_initialise takes for an HVM/PVH vCPU
// (how the PV shim or a PVH kernel starts secondary vCPUs): a 32-bit register set with flat segment
// caches, or a 64-bit set that starts the vCPU directly in long mode.
import { xenStruct, union } from '../struct.ts';

export const header = 'xen/hvm/hvm_vcpu.h';

export const VCPU_HVM_MODE_32B = 0;
export const VCPU_HVM_MODE_64B = 1;

export const VcpuHvmX86_32Layout = xenStruct('struct vcpu_hvm_x86_32', [
  ['eax', 'uint32_t'],
  ['ecx', 'uint32_t'],
  ['edx', 'uint32_t'],
  ['ebx', 'uint32_t'],
  ['esp', 'uint32_t'],
  ['ebp', 'uint32_t'],
  ['esi', 'uint32_t'],
  ['edi', 'uint32_t'],
  ['eip', 'uint32_t'],
  ['eflags', 'uint32_t'],
  ['cr0', 'uint32_t'],
  ['cr3', 'uint32_t'],
  ['cr4', 'uint32_t'],
  ['pad1', 'uint32_t'],
  // "EFER should only be used to set the NXE bit … or to set the LME/LMA bits".
  ['efer', 'uint64_t'],
  ['cs_base', 'uint32_t'],
  ['ds_base', 'uint32_t'],
  ['ss_base', 'uint32_t'],
  ['es_base', 'uint32_t'],
  ['tr_base', 'uint32_t'],
  ['cs_limit', 'uint32_t'],
  ['ds_limit', 'uint32_t'],
  ['ss_limit', 'uint32_t'],
  ['es_limit', 'uint32_t'],
  ['tr_limit', 'uint32_t'],
  ['cs_ar', 'uint16_t'],
  ['ds_ar', 'uint16_t'],
  ['ss_ar', 'uint16_t'],
  ['es_ar', 'uint16_t'],
  ['tr_ar', 'uint16_t'],
  ['pad2', 'uint16_t', 3],
]);

export const VcpuHvmX86_64Layout = xenStruct('struct vcpu_hvm_x86_64', [
  ['rax', 'uint64_t'],
  ['rcx', 'uint64_t'],
  ['rdx', 'uint64_t'],
  ['rbx', 'uint64_t'],
  ['rsp', 'uint64_t'],
  ['rbp', 'uint64_t'],
  ['rsi', 'uint64_t'],
  ['rdi', 'uint64_t'],
  ['rip', 'uint64_t'],
  ['rflags', 'uint64_t'],
  ['cr0', 'uint64_t'],
  ['cr3', 'uint64_t'],
  ['cr4', 'uint64_t'],
  ['efer', 'uint64_t'],
]);

export const VcpuHvmContextLayout = xenStruct('struct vcpu_hvm_context', [
  ['mode', 'uint32_t'],
  ['pad', 'uint32_t'],
  [
    'cpu_regs',
    union(undefined, [
      ['x86_32', VcpuHvmX86_32Layout],
      ['x86_64', VcpuHvmX86_64Layout],
    ]),
  ],
]);
