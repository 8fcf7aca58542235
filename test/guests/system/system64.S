/* Long-mode system checks, compared with QEMU TCG line by line: a 64-bit TSS (16-byte
   descriptor, LTR/STR), IRETQ to ring 3, INT n from ring 3 through a DPL 3 gate onto RSP0 with
   a null SS, #PF and #GP((n<<3)|2) taken from ring 3 and IRETQ back to ring 3, an IST stack for
   INT3, SWAPGS, a far jump into a compatibility-mode (32-bit) code segment and back, LRETQ and a
   same-privilege IRETQ that pops SS:RSP. Prints on COM1, exits through isa-debug-exit. */
#include "../long_mode_entry.h"
  .text
  .code32
  .globl guest_main
guest_main:
  /* Identity map 1 GiB with 2 MiB user pages; 0x40000000: a supervisor-only alias of 0-2 MiB. */
  mov $pdpt, %eax
  or $0x7, %eax
  mov %eax, pml4
  mov $pd0, %eax
  or $0x7, %eax
  mov %eax, pdpt
  mov $pd1, %eax
  or $0x7, %eax
  mov %eax, pdpt + 8
  xor %ecx, %ecx
1:
  mov %ecx, %eax
  shl $21, %eax
  or $0x87, %eax
  mov %eax, pd0(, %ecx, 8)
  inc %ecx
  cmp $512, %ecx
  jne 1b
  movl $0x83, pd1
  /* TSS descriptor (0x38, 16 bytes): base = tss64, limit 0x67, type 9. */
  mov $tss64, %eax
  mov %ax, gdt64 + 0x38 + 2
  shr $16, %eax
  mov %al, gdt64 + 0x38 + 4
  mov %ah, gdt64 + 0x38 + 7
  ENTER_LONG_MODE pml4, 0x100, 0x80000001, long_entry

  .code64
long_entry:
  FLAT_DATA_SEGMENTS_64
  lea stack_top(%rip), %rsp
  lidt idt_ptr(%rip)
  lea exc13(%rip), %rax
  mov $13, %edi
  xor %esi, %esi
  mov $0, %edx
  call set_gate
  lea exc14(%rip), %rax
  mov $14, %edi
  xor %edx, %edx
  call set_gate
  lea int80(%rip), %rax
  mov $0x80, %edi
  mov $3, %edx
  xor %esi, %esi
  call set_gate
  lea exc13(%rip), %rax                /* 0x81: DPL 0, so INT 0x81 from ring 3 is #GP */
  mov $0x81, %edi
  xor %edx, %edx
  call set_gate
  lea int3_ist(%rip), %rax
  mov $3, %edi
  xor %edx, %edx
  mov $1, %esi
  call set_gate

  /* TSS: RSP0 and IST1. */
  lea rsp0_top(%rip), %rax
  mov %rax, tss64 + 4(%rip)
  lea ist1_top(%rip), %rax
  mov %rax, tss64 + 0x24(%rip)
  mov $0x38, %ax
  ltr %ax
  xor %eax, %eax
  str %ax
  lea s_str(%rip), %rsi
  call field

  /* IST: INT3 lands on IST1 - 40 whatever RSP was. */
  int3
  lea ist1_top(%rip), %rax
  sub $40, %rax
  cmp %rax, ist_rsp(%rip)
  sete %al
  movzbl %al, %eax
  lea s_ist(%rip), %rsi
  call field

  /* SWAPGS exchanges GS.base and KERNEL_GS_BASE. */
  mov $0xc0000101, %ecx
  mov $0x1111, %eax
  xor %edx, %edx
  wrmsr
  mov $0xc0000102, %ecx
  mov $0x2222, %eax
  wrmsr
  swapgs
  mov $0xc0000101, %ecx
  rdmsr
  lea s_gs(%rip), %rsi
  call field
  mov $0xc0000102, %ecx
  rdmsr
  lea s_kgs(%rip), %rsi
  call field

  /* Compatibility mode and back. */
  xor %ebx, %ebx
  ljmpl *compat_ptr(%rip)
back64:
  mov %ebx, %eax
  lea s_compat(%rip), %rsi
  call field

  /* LRETQ to the same level. */
  lea 1f(%rip), %rax
  pushq $0x08
  push %rax
  lretq
1:
  mov %cs, %eax
  lea s_lret(%rip), %rsi
  call field

  /* IRETQ at the same level pops SS:RSP too. */
  mov %rsp, %rbx
  lea 2f(%rip), %rax
  pushq $0x10
  lea -64(%rsp), %rcx
  push %rcx
  pushfq
  pushq $0x08
  push %rax
  iretq
2:
  mov %rsp, %rax
  sub %rbx, %rax
  neg %rax
  lea s_iret_rsp(%rip), %rsi
  call field
  mov %rbx, %rsp

  /* Ring 3 through IRETQ; it comes back with INT 0x80. */
  mov %rsp, kernel_rsp(%rip)
  lea user_entry(%rip), %rax
  pushq $0x23
  lea ustack_top(%rip), %rcx
  push %rcx
  pushq $0x002            /* IF=0: a PIT tick (vector 08h, no gate here) must not hit ring 3 under QEMU */
  pushq $0x2b
  push %rax
  iretq

back_in_ring0:
  mov int80_rsp(%rip), %rax
  lea rsp0_top(%rip), %rcx
  sub %rcx, %rax
  lea s_i80_rsp(%rip), %rsi
  call field
  mov int80_ss(%rip), %rax
  lea s_i80_ss(%rip), %rsi
  call field
  mov int80_frame_cs(%rip), %rax
  lea s_i80_cs(%rip), %rsi
  call field
  mov int80_frame_ss(%rip), %rax
  lea s_i80_fss(%rip), %rsi
  call field
  mov pf_err(%rip), %rax
  lea s_pf(%rip), %rsi
  call field
  mov gp_err(%rip), %rax
  lea s_gp(%rip), %rsi
  call field
  mov user_cs_seen(%rip), %rax
  lea s_ucs(%rip), %rsi
  call field

  lea s_done(%rip), %rsi
  call puts64
  mov $0, %al
  out %al, $0xf4
3:
  hlt
  jmp 3b

user_entry:
  mov %cs, %rax
  mov %rax, user_cs_seen(%rip)
  lea u1(%rip), %rax
  mov %rax, resume_at(%rip)
  mov 0x40000000, %rax                /* supervisor page: #PF(5) */
u1:
  mov got_error(%rip), %rax
  mov %rax, pf_err(%rip)
  lea u2(%rip), %rax
  mov %rax, resume_at(%rip)
  int $0x81                           /* DPL 0 gate: #GP(0x40a) */
u2:
  mov got_error(%rip), %rax
  mov %rax, gp_err(%rip)
  int $0x80

/* INT 0x80 from ring 3: record the inner stack, then continue in ring 0. */
int80:
  mov %rsp, int80_rsp(%rip)
  mov %ss, %eax
  mov %rax, int80_ss(%rip)
  mov 8(%rsp), %rax
  mov %rax, int80_frame_cs(%rip)
  mov 32(%rsp), %rax
  mov %rax, int80_frame_ss(%rip)
  mov $0x10, %ax
  mov %ax, %ss
  mov kernel_rsp(%rip), %rsp
  jmp back_in_ring0

int3_ist:
  mov %rsp, ist_rsp(%rip)
  iretq

exc13:
  pushq $13
  jmp exc_common
exc14:
  pushq $14
exc_common:
  push %rax
  mov 16(%rsp), %rax
  mov %rax, got_error(%rip)
  mov resume_at(%rip), %rax
  mov %rax, 24(%rsp)
  pop %rax
  add $16, %rsp
  iretq

/* set_gate(rax handler, edi vector, edx DPL, esi IST). */
set_gate:
  lea idt64(%rip), %r8
  shl $4, %rdi
  add %rdi, %r8
  mov %ax, (%r8)
  movw $0x08, 2(%r8)
  mov %edx, %ecx
  shl $13, %ecx
  or $0x8e00, %ecx
  or %esi, %ecx
  mov %cx, 4(%r8)
  shr $16, %rax
  mov %ax, 6(%r8)
  shr $16, %rax
  mov %eax, 8(%r8)
  movl $0, 12(%r8)
  ret


  .code32
compat_entry:
  mov $0x600dc0de, %ebx
  ljmp $0x08, $back64
  .code64

  .section .rodata
s_str: .asciz "str="
s_ist: .asciz "int3_on_ist1="
s_gs: .asciz "gs_base_after_swapgs="
s_kgs: .asciz "kernel_gs_base_after_swapgs="
s_compat: .asciz "compat_mode_ebx="
s_lret: .asciz "cs_after_lretq="
s_iret_rsp: .asciz "iretq_popped_rsp_delta="
s_i80_rsp: .asciz "int80_rsp_from_rsp0="
s_i80_ss: .asciz "int80_ss="
s_i80_cs: .asciz "int80_frame_cs="
s_i80_fss: .asciz "int80_frame_ss="
s_pf: .asciz "user_pf_error="
s_gp: .asciz "user_int81_error="
s_ucs: .asciz "user_cs="
s_done: .asciz "done\n"

  .data
  .align 16
gdt64:
  .quad 0
  .quad 0x00af9a000000ffff            /* 0x08 kernel code, 64-bit */
  .quad 0x00cf92000000ffff            /* 0x10 kernel data */
  .quad 0x00cffa000000ffff            /* 0x18 user code, 32-bit */
  .quad 0x00cff2000000ffff            /* 0x20 user data */
  .quad 0x00affa000000ffff            /* 0x28 user code, 64-bit */
  .quad 0x00cf9a000000ffff            /* 0x30 kernel code, 32-bit (compatibility mode) */
  .quad 0x0000890000000067            /* 0x38 TSS (base filled in) */
  .quad 0
gdt_ptr:
  .word gdt_ptr - gdt64 - 1
  .long gdt64
  .align 8
idt_ptr:
  .word 256 * 16 - 1
  .long idt64, 0
compat_ptr:
  .long compat_entry
  .word 0x30
  .align 8
resume_at: .quad 0
got_error: .quad 0
kernel_rsp: .quad 0
ist_rsp: .quad 0
int80_rsp: .quad 0
int80_ss: .quad 0
int80_frame_cs: .quad 0
int80_frame_ss: .quad 0
pf_err: .quad 0
gp_err: .quad 0
user_cs_seen: .quad 0
  .align 16
tss64: .skip 104

  .bss
  .align 4096
pml4: .skip 4096
pdpt: .skip 4096
pd0: .skip 4096
pd1: .skip 4096
idt64: .skip 4096
  .skip 4096
stack_top:
  .skip 4096
ustack_top:
  .skip 4096
rsp0_top:
  .skip 4096
ist1_top:
