// The Xen CPUID leaves (xen/arch-x86/cpuid.h), at 0x40000000, or 0x40000100 when Hyper-V
// enlightenments occupy the first range (QEMU docs/system/i386/xen.rst). What each bit depends
// on follows QEMU's kvm.c: the HVM leaf is filled only for xen-version >= 4.5, the vCPU id from
// 4.6, the per-vCPU upcall vector flag from 4.17.

export const XEN_CPUID_SIGNATURE_EBX = 0x566e6558; // "XenV"
export const XEN_CPUID_SIGNATURE_ECX = 0x65584d4d; // "MMXe"
export const XEN_CPUID_SIGNATURE_EDX = 0x4d4d566e; // "nVMM"
/** Leaf base+4 EAX (cpuid.h XEN_HVM_CPUID_*). */
export const XEN_HVM_CPUID_APIC_ACCESS_VIRT = 1 << 0;
export const XEN_HVM_CPUID_X2APIC_VIRT = 1 << 1;
export const XEN_HVM_CPUID_IOMMU_MAPPINGS = 1 << 2;
export const XEN_HVM_CPUID_VCPU_ID_PRESENT = 1 << 3;
export const XEN_HVM_CPUID_DOMID_PRESENT = 1 << 4;
export const XEN_HVM_CPUID_UPCALL_VECTOR = 1 << 6;
/** Leaf base+3 sub-leaf 0 EAX (XEN_CPUID_TSC_*). */
export const XEN_CPUID_TSC_STABLE = 1 << 1;

export const XEN_CPUID_BASE = 0x40000000;
export const XEN_CPUID_BASE_HYPERV = 0x40000100;
export const XEN_HYPERCALL_MSR = 0x40000000;
export const XEN_HYPERCALL_MSR_HYPERV = 0x40000200;

export interface XenCpuidConfig {
  readonly xenVersion: number;
  readonly hyperv: boolean;
  readonly xenVapic: boolean;
  readonly tscKHz: number;
  /** tsc_to_system_mul / tsc_shift of vcpu_time_info (sub-leaf 1, as Xen fills it). */
  readonly tscMul: number;
  readonly tscShift: number;
}

export function cpuidBase(hyperv: boolean): number {
  return hyperv ? XEN_CPUID_BASE_HYPERV : XEN_CPUID_BASE;
}

/** Fills out[0..3] = EAX..EDX for a leaf of the Xen range; false if the leaf is not ours. */
export function xenCpuid(cfg: XenCpuidConfig, vcpu: number, leaf: number, subleaf: number, out: Int32Array): boolean {
  const base = cpuidBase(cfg.hyperv);
  const i = (leaf >>> 0) - base;
  if (i < 0 || i > 0xff) return false;
  out[0] = 0; out[1] = 0; out[2] = 0; out[3] = 0;
  const v = cfg.xenVersion;
  switch (i) {
    case 0:
      out[0] = base + 4;
      out[1] = XEN_CPUID_SIGNATURE_EBX; out[2] = XEN_CPUID_SIGNATURE_ECX; out[3] = XEN_CPUID_SIGNATURE_EDX;
      break;
    case 1:
      out[0] = v;
      break;
    case 2:
      out[0] = 1; // one hypercall page
      out[1] = cfg.hyperv ? XEN_HYPERCALL_MSR_HYPERV : XEN_HYPERCALL_MSR;
      break;
    case 3:
      // Sub-leaf 0: the TSC is stable (virtual, derived from the instruction count), tsc_mode 0;
      // 1: the scale from TSC to ns; 2: the TSC frequency in kHz (Xen's cpuid.c).
      if (subleaf === 0) out[0] = XEN_CPUID_TSC_STABLE;
      else if (subleaf === 1) { out[2] = cfg.tscMul | 0; out[3] = cfg.tscShift & 0xff; }
      else if (subleaf === 2) out[0] = cfg.tscKHz | 0;
      break;
    case 4:
      if (v >= 0x40005) {
        let a = XEN_HVM_CPUID_IOMMU_MAPPINGS;
        if (cfg.xenVapic) a |= XEN_HVM_CPUID_APIC_ACCESS_VIRT | XEN_HVM_CPUID_X2APIC_VIRT;
        if (v >= 0x40006) { a |= XEN_HVM_CPUID_VCPU_ID_PRESENT; out[1] = vcpu; }
        if (v >= 0x40011) a |= XEN_HVM_CPUID_UPCALL_VECTOR;
        out[0] = a;
      }
      break;
    default:
      break; // base+5.. read as zero
  }
  return true;
}
