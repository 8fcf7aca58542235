/* CR8 and the local APIC's TPR in 64-bit mode (SDM Vol 3 §10.8.6.1: CR8[3:0] = TPR[7:4]),
   compared with QEMU TCG line by line: MOV CR8 writes show up in the xAPIC TPR register (with
   TPR[3:0] cleared) and in the PPR, TPR writes show up in CR8, and a pending self-IPI (vector
   0x50, class 5) is held back while CR8 >= 5 and taken once CR8 drops to 4. */
#include "../long_mode_entry.h"
  .text
  .code32
  .globl guest_main
guest_main:
  /* Identity map 0-1 GiB with 2 MiB pages, and the 2 MiB page holding the xAPIC (0xFEE00000, UC). */
  mov $pdpt, %eax
  or $0x3, %eax
  mov %eax, pml4
  mov $pd0, %eax
  or $0x3, %eax
  mov %eax, pdpt
  mov $pd3, %eax
  or $0x3, %eax
  mov %eax, pdpt + 24
  xor %ecx, %ecx
1:
  mov %ecx, %eax
  shl $21, %eax
  or $0x83, %eax
  mov %eax, pd0(, %ecx, 8)
  inc %ecx
  cmp $512, %ecx
  jne 1b
  movl $0xfee0009b, pd3 + 0x1f7 * 8
  ENTER_LONG_MODE pml4, 0x100, 0x80000001, long_entry

  .code64
long_entry:
  FLAT_DATA_SEGMENTS_64
  lea stack_top(%rip), %rsp
  /* IDT gate 0x50 -> ipi_handler (interrupt gate, DPL 0). */
  lea ipi_handler(%rip), %rax
  lea idt64 + 0x50 * 16(%rip), %rdi
  mov %ax, (%rdi)
  movw $0x08, 2(%rdi)
  movw $0x8e00, 4(%rdi)
  shr $16, %rax
  mov %ax, 6(%rdi)
  shr $16, %rax
  mov %eax, 8(%rdi)
  lidt idt_ptr(%rip)
  /* Mask the 8259s; software-enable the APIC (SVR = 0x1ff). */
  mov $0xff, %al
  out %al, $0x21
  out %al, $0xa1
  mov $0xfee00000, %rbx
  movl $0x1ff, 0xf0(%rbx)

  /* CR8 -> TPR and PPR */
  mov $0xa, %eax
  mov %rax, %cr8
  mov 0x80(%rbx), %eax
  lea s_tpr_after_cr8(%rip), %rsi
  call field
  mov 0xa0(%rbx), %eax
  lea s_ppr_after_cr8(%rip), %rsi
  call field
  /* TPR -> CR8: a write of 0x7c reads back as CR8 = 7 (TPR keeps 0x7c). */
  movl $0x7c, 0x80(%rbx)
  mov %cr8, %rax
  lea s_cr8_after_tpr(%rip), %rsi
  call field
  mov 0x80(%rbx), %eax
  lea s_tpr_readback(%rip), %rsi
  call field
  /* A CR8 write clears TPR[3:0]. */
  mov $0x7, %eax
  mov %rax, %cr8
  mov 0x80(%rbx), %eax
  lea s_tpr_after_cr8_7(%rip), %rsi
  call field

  /* Self-IPI vector 0x50 (fixed, shorthand self) with CR8 = 5: pending, not taken. */
  mov $5, %eax
  mov %rax, %cr8
  movl $0, ipi_count(%rip)
  movl $0x40050, 0x300(%rbx)
  sti
  nop
  nop
  mov ipi_count(%rip), %eax
  lea s_ipi_cr8_5(%rip), %rsi
  call field
  mov 0x220(%rbx), %eax              /* IRR bits 95:64: vector 0x50 is bit 16 */
  lea s_irr_cr8_5(%rip), %rsi
  call field
  /* CR8 = 4: the interrupt is taken after the MOV. */
  mov $4, %eax
  mov %rax, %cr8
  nop
  cli
  mov ipi_count(%rip), %eax
  lea s_ipi_cr8_4(%rip), %rsi
  call field
  mov 0x220(%rbx), %eax
  lea s_irr_cr8_4(%rip), %rsi
  call field
  /* A value above 15 in CR8 is #GP(0): not tried (no #GP handler); reserved bits are SDM-only. */

  lea s_done(%rip), %rsi
  call puts64
  mov $0, %al
  out %al, $0xf4
2:
  cli
  hlt
  jmp 2b

ipi_handler:
  incl ipi_count(%rip)
  push %rbx
  mov $0xfee00000, %rbx
  movl $0, 0xb0(%rbx)                /* EOI */
  pop %rbx
  iretq

  .section .rodata
s_tpr_after_cr8: .asciz "tpr_after_cr8_a="
s_ppr_after_cr8: .asciz "ppr_after_cr8_a="
s_cr8_after_tpr: .asciz "cr8_after_tpr_7c="
s_tpr_readback: .asciz "tpr_readback="
s_tpr_after_cr8_7: .asciz "tpr_after_cr8_7="
s_ipi_cr8_5: .asciz "ipi_taken_cr8_5="
s_irr_cr8_5: .asciz "irr_64_95_cr8_5="
s_ipi_cr8_4: .asciz "ipi_taken_cr8_4="
s_irr_cr8_4: .asciz "irr_64_95_cr8_4="
s_done: .asciz "done\n"

  .data
  .align 8
gdt64:
  .quad 0
  .quad 0x00af9a000000ffff            /* 0x08 kernel code, 64-bit */
  .quad 0x00cf92000000ffff            /* 0x10 kernel data */
gdt_ptr:
  .word gdt_ptr - gdt64 - 1
  .long gdt64
  .align 8
idt_ptr:
  .word 256 * 16 - 1
  .long idt64, 0
ipi_count: .long 0

  .bss
  .align 4096
pml4: .skip 4096
pdpt: .skip 4096
pd0: .skip 4096
pd3: .skip 4096
idt64: .skip 4096
  .skip 4096
stack_top:
