// The hypercall page a guest asks for by writing the Xen MSR (cpuid base+2 EBX) with the page's
// guest-physical address (xen/arch/x86/hvm/hypercall.c hvm_hypercall_page_initialise): 128
// stubs of 32 bytes, `mov $nr, %eax; vmcall; ret` (vmmcall on AMD), the rest 0xCC (int3).
// Slot 23 (__HYPERVISOR_iret) is `ud2`: HVM guests have no PV iret.
import { __HYPERVISOR_iret } from './abi/xen.ts';

export const HYPERCALL_STUB_BYTES = 32;

export function fillHypercallPage(page: Uint8Array, amd: boolean): void {
  page.fill(0xcc, 0, 4096);
  for (let nr = 0; nr < 4096 / HYPERCALL_STUB_BYTES; nr++) {
    const o = nr * HYPERCALL_STUB_BYTES;
    if (nr === __HYPERVISOR_iret) {
      page[o] = 0x0f; page[o + 1] = 0x0b; // ud2
      continue;
    }
    page[o] = 0xb8; // mov imm32, %eax
    page[o + 1] = nr; page[o + 2] = 0; page[o + 3] = 0; page[o + 4] = 0;
    page[o + 5] = 0x0f; page[o + 6] = 0x01; page[o + 7] = amd ? 0xd9 : 0xc1;
    page[o + 8] = 0xc3; // ret
  }
}
