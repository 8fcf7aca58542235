/* Interrupt entry stubs for 32-bit test kernels: each pushes its vector and calls
   irq_dispatch(vector) with all registers saved. `idt_stubs` is a table of stub addresses
   for the vectors in VECTORS, terminated by 0. */
  .text
  .code32
  .macro stub v
irq_stub_\v:
  pushal
  push $\v
  call irq_dispatch
  add $4, %esp
  popal
  iret
  .endm

  .irp v, 32,33,34,35,36,37,38,39,40,47,64,65,80,81,82,96,97,104,108,113,255
  stub \v
  .endr

  .section .rodata
  .globl idt_stubs
idt_stubs:
  .irp v, 32,33,34,35,36,37,38,39,40,47,64,65,80,81,82,96,97,104,108,113,255
  .long \v, irq_stub_\v
  .endr
  .long 0, 0
