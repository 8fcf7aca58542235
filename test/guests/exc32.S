/* Exception entry for the 32-bit exceptions kernel. Every vector 0..31 has a stub; vectors
   with a CPU error code (8, 10-14, 17, 21) do not push a dummy. The common path calls
   exc_record(frame) and then, if the fault came from ring 3 through vector 0x80, returns to
   the ring-0 context saved by enter_user(); otherwise it IRETs to the (possibly rewritten)
   frame. */
  .text
  .code32
  .macro stub v, has_err
exc_stub_\v:
  .if \has_err == 0
  push $0
  .endif
  push $\v
  jmp exc_common
  .endm

  stub 0,0
  stub 1,0
  stub 2,0
  stub 3,0
  stub 4,0
  stub 5,0
  stub 6,0
  stub 7,0
  stub 8,1
  stub 9,0
  stub 10,1
  stub 11,1
  stub 12,1
  stub 13,1
  stub 14,1
  stub 15,0
  stub 16,0
  stub 17,1
  stub 18,0
  stub 19,0

exc_common:
  pushal
  push %esp            /* struct frame * */
  call exc_record
  add $4, %esp
  popal
  add $8, %esp         /* vector, error code */
  iret

/* int $0x80 from ring 3: back to the ring-0 context enter_user() saved. */
  .globl user_return_stub
user_return_stub:
  mov $0x10, %ax
  mov %ax, %ds
  mov %ax, %es
  mov saved_ctx, %esp
  popal
  ret

/* void enter_user(u32 entry, u32 user_esp): run entry in ring 3 until it executes int $0x80. */
  .globl enter_user
enter_user:
  pushal
  mov %esp, saved_ctx
  mov 36(%esp), %eax   /* entry */
  mov 40(%esp), %ebx   /* user esp */
  push $0x23
  push %ebx
  pushf
  push $0x1b
  push %eax
  mov $0x23, %cx
  mov %cx, %ds
  mov %cx, %es
  iret

  .data
  .globl saved_ctx
saved_ctx: .long 0

  .section .rodata
  .globl exc_stubs
exc_stubs:
  .long exc_stub_0, exc_stub_1, exc_stub_2, exc_stub_3, exc_stub_4, exc_stub_5, exc_stub_6, exc_stub_7
  .long exc_stub_8, exc_stub_9, exc_stub_10, exc_stub_11, exc_stub_12, exc_stub_13, exc_stub_14, exc_stub_15
  .long exc_stub_16, exc_stub_17, exc_stub_18, exc_stub_19
