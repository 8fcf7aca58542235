/* Application-processor start-up code for the SMP test kernel. ap_tramp_start..ap_tramp_end is
   copied to 0x8000 and entered in real mode by a start-up IPI with vector 0x08 (CS = 0x0800,
   IP = 0; SDM Vol 3A §8.4.4.1); it loads a flat GDT, enables protection and jumps to 32-bit
   code in the kernel image, which takes a stack and calls ap_main(index). */
  .section .rodata
  .globl ap_tramp_start, ap_tramp_end
  .code16
ap_tramp_start:
  cli
  mov %cs, %ax
  mov %ax, %ds
  lgdtl (ap_gdtr - ap_tramp_start)
  mov %cr0, %eax
  or $1, %eax
  mov %eax, %cr0
  ljmpl $0x08, $ap_entry32
  .align 4
ap_gdtr:
  .word 23
  .long ap_gdt
ap_tramp_end:

  .text
  .code32
ap_entry32:
  mov $0x10, %ax
  mov %ax, %ds
  mov %ax, %es
  mov %ax, %ss
  mov $1, %eax
  lock xadd %eax, ap_next
  mov %eax, %esp
  inc %esp
  shl $12, %esp
  add $ap_stacks, %esp
  push %eax
  call ap_main
1:
  cli
  hlt
  jmp 1b

  .data
  .align 8
ap_gdt:
  .quad 0, 0x00cf9a000000ffff, 0x00cf92000000ffff
  .globl ap_next
ap_next:
  .long 0

  .bss
  .align 4096
  .globl ap_stacks
ap_stacks:
  .skip 4096 * 16
