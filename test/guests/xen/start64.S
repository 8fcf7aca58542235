/* 64-bit PVH entry for the Xen test guests: enter at the 32-bit PVH entry point (paging off),
   identity-map the first 8 GiB with 2 MiB pages (so frames above 4 GiB, where the tour maps
   shared_info, are addressable; 2 MiB, not 1 GiB, because the CPU model, like QEMU's qemu64,
   does not advertise Page1GB, so PS in a PDPTE is a reserved bit), enable PAE + EFER.LME + paging, far-jump to 64-bit code and
   call guest_main(0, start_info) with the System V ABI. */
  .section .note.Xen, "a"
  .align 4
  .long 4
  .long 4
  .long 18                 /* XEN_ELFNOTE_PHYS32_ENTRY */
  .asciz "Xen"
  .align 4
  .long _start

#include "../long_mode_entry.h"
  .text
  .code32
  .globl _start
_start:
  mov $stack_top, %esp
  mov %ebx, %esi           /* hvm_start_info */
  mov $pdpt, %eax
  or $0x3, %eax
  mov %eax, pml4
  xor %ecx, %ecx
1:                         /* 8 PDPTEs -> the 8 page directories */
  mov %ecx, %eax
  shl $12, %eax
  add $pd, %eax
  or $0x3, %eax
  mov %eax, pdpt(, %ecx, 8)
  inc %ecx
  cmp $8, %ecx
  jne 1b
  xor %ecx, %ecx
2:                         /* 4096 PDEs, entry i maps 2 MiB * i */
  mov %ecx, %eax
  shl $21, %eax
  or $0x83, %eax           /* present, writable, 2 MiB page */
  mov %eax, pd(, %ecx, 8)
  mov %ecx, %eax
  shr $11, %eax            /* bits 32+ of the frame: 2 MiB * ecx >> 32 */
  mov %eax, pd + 4(, %ecx, 8)
  inc %ecx
  cmp $4096, %ecx
  jne 2b
  ENTER_LONG_MODE pml4, 0x100, 0x80000001, long_entry

  .code64
long_entry:
  FLAT_DATA_SEGMENTS_64
  mov $stack_top, %rsp
  xor %edi, %edi
  /* %esi still holds start_info (zero-extended by the 32-bit mov) */
  call guest_main
3:
  cli
  hlt
  jmp 3b

  .data
  .align 8
gdt:
  .quad 0
  .quad 0x00af9a000000ffff  /* 0x08: 64-bit code */
  .quad 0x00cf92000000ffff  /* 0x10: data */
gdt_ptr:
  .word gdt_ptr - gdt - 1
  .long gdt

  .bss
  .align 4096
pml4: .skip 4096
pdpt: .skip 4096
pd: .skip 8 * 4096
  .skip 16384
stack_top:
