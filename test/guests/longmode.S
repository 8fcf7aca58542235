/* Long mode: from the 32-bit multiboot entry, build 4-level page tables (2 MiB pages), enable
   PAE, EFER.LME and paging, far-jump to a 64-bit code segment, then check in 64-bit mode:
   EFER.LMA, 64-bit registers, #GP(0) on a non-canonical address, #PF with the NX/fetch error
   code and CR2, #UD, and SYSRET to ring 3 and SYSCALL back (RCX, R11, CS/SS selectors).
   Prints on COM1 and exits through isa-debug-exit. */
#include "long_mode_entry.h"
  .text
  .code32
  .globl guest_main
guest_main:
  /* Page tables: PML4[0] -> PDPT; PDPT[0] -> PD0 (1 GiB identity, user, 2 MiB pages);
     PDPT[1] -> PD1 whose entry 0 aliases physical 0-2 MiB at 0x40000000, supervisor, NX. */
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
  movl $0x80000000, pd1 + 4          /* NX */

  ENTER_LONG_MODE pml4, 0x901, 0x80010001, long_entry  /* EFER LME|NXE|SCE; CR0 PG|WP|PE */

  .code64
long_entry:
  FLAT_DATA_SEGMENTS_64
  lea stack64_top(%rip), %rsp
  lidt idt_ptr(%rip)

  /* IDT gates for #UD (6), #GP (13), #PF (14). */
  lea exc6(%rip), %rax
  mov $6, %edi
  call set_gate
  lea exc13(%rip), %rax
  mov $13, %edi
  call set_gate
  lea exc14(%rip), %rax
  mov $14, %edi
  call set_gate

  mov $0xc0000080, %ecx
  rdmsr
  shr $10, %eax
  and $1, %eax
  lea s_lma(%rip), %rsi
  call field

  /* 64-bit arithmetic through the new registers. */
  movabs $0x123456789abcdef0, %r8
  mov $0x10, %r9d
  mov %r8, %rax
  mul %r9
  mov %rdx, %r10
  lea s_mul_lo(%rip), %rsi
  call field
  mov %r10, %rax
  lea s_mul_hi(%rip), %rsi
  call field
  movabs $0xfedcba9876543210, %r15
  rol $12, %r15
  mov %r15, %rax
  lea s_rol(%rip), %rsi
  call field

  /* Non-canonical address: #GP(0). */
  lea 2f(%rip), %rax
  mov %rax, resume_at(%rip)
  movabs 0x0000800000000000, %rax
2:
  call report

  /* Instruction fetch from the NX alias at 0x40000000 + offset of a ret: #PF, error 0x11. */
  lea 3f(%rip), %rax
  mov %rax, resume_at(%rip)
  lea just_ret(%rip), %rax
  add $0x40000000, %rax
  call *%rax
3:
  call report
  /* Data read through the NX alias is fine. */
  movq $0xff, got_vector(%rip)
  lea 4f(%rip), %rax
  mov %rax, resume_at(%rip)
  mov 0x40000000 + 0x100000, %rax
4:
  call report
  /* #UD */
  lea 5f(%rip), %rax
  mov %rax, resume_at(%rip)
  ud2
5:
  call report

  /* SYSRET to ring 3 and SYSCALL back. STAR: kernel CS 0x08, user base 0x18 (CS 0x2b, SS 0x23). */
  mov $0xc0000081, %ecx
  xor %eax, %eax
  mov $0x00180008, %edx
  wrmsr
  mov $0xc0000082, %ecx
  lea syscall_entry(%rip), %rax
  mov %rax, %rdx
  shr $32, %rdx
  wrmsr
  mov $0xc0000084, %ecx
  mov $0x200, %eax                    /* SFMASK clears IF */
  xor %edx, %edx
  wrmsr
  mov %rsp, kernel_rsp(%rip)
  lea user64(%rip), %rcx
  mov $0x002, %r11d                   /* user RFLAGS */
  lea ustack64_top(%rip), %rsp
  sysretq

user64:
  mov $0x1234, %eax
  mov %cs, %ebx
  mov %ss, %edx
  syscall
user64_after:
  hlt

syscall_entry:
  mov %rcx, sys_rcx(%rip)
  mov %r11, sys_r11(%rip)
  mov %rax, sys_rax(%rip)
  mov %rbx, sys_ucs(%rip)
  mov %rdx, sys_uss(%rip)
  mov kernel_rsp(%rip), %rsp
  mov %cs, %eax
  lea s_k_cs(%rip), %rsi
  call field
  mov %ss, %eax
  lea s_k_ss(%rip), %rsi
  call field
  mov sys_ucs(%rip), %rax
  and $0xffff, %eax
  lea s_u_cs(%rip), %rsi
  call field
  mov sys_uss(%rip), %rax
  and $0xffff, %eax
  lea s_u_ss(%rip), %rsi
  call field
  mov sys_rax(%rip), %rax
  lea s_sys_rax(%rip), %rsi
  call field
  lea user64_after(%rip), %rax
  cmp sys_rcx(%rip), %rax
  sete %al
  movzbl %al, %eax
  lea s_sys_rcx(%rip), %rsi
  call field
  mov sys_r11(%rip), %rax
  and $0xffff, %eax                   /* RFLAGS low bits as user had them (plus bit 1) */
  lea s_sys_r11(%rip), %rsi
  call field
  pushf
  pop %rax
  and $0x200, %eax
  lea s_sys_if(%rip), %rsi
  call field

  lea s_done(%rip), %rsi
  call puts64
  mov $0, %al
  out %al, $0xf4
6:
  hlt
  jmp 6b

just_ret:
  ret

/* set_gate(rax = handler, edi = vector): 64-bit interrupt gate, CS 0x08. */
set_gate:
  lea idt64(%rip), %rdx
  shl $4, %rdi
  add %rdi, %rdx
  mov %ax, (%rdx)
  movw $0x08, 2(%rdx)
  movw $0x8e00, 4(%rdx)
  shr $16, %rax
  mov %ax, 6(%rdx)
  shr $16, %rax
  mov %eax, 8(%rdx)
  movl $0, 12(%rdx)
  ret

/* Exception stubs: record vector, error code, CR2; resume at resume_at. */
exc6:
  pushq $0
  pushq $6
  jmp exc_common64
exc13:
  pushq $13
  jmp exc_common64
exc14:
  pushq $14
  jmp exc_common64
exc_common64:
  push %rax
  mov 8(%rsp), %rax
  mov %rax, got_vector(%rip)
  mov 16(%rsp), %rax
  mov %rax, got_error(%rip)
  mov %cr2, %rax
  mov %rax, got_cr2(%rip)
  mov resume_at(%rip), %rax
  mov %rax, 24(%rsp)                  /* saved RIP */
  pop %rax
  add $16, %rsp
  iretq

/* report: "exc: vector=.. error=.. cr2=.." from the recorded values. */
report:
  lea s_exc(%rip), %rsi
  call puts64
  mov got_vector(%rip), %rax
  call hex64
  lea s_err(%rip), %rsi
  call puts64
  mov got_error(%rip), %rax
  call hex64
  lea s_cr2(%rip), %rsi
  call puts64
  mov got_cr2(%rip), %rax
  cmpq $14, got_vector(%rip)
  je 1f
  xor %eax, %eax
1:
  call hex64
  mov $'\n', %al
  call putc64
  movq $0xff, got_vector(%rip)
  movq $0, got_error(%rip)
  ret


  .section .rodata
s_lma: .asciz "efer_lma="
s_mul_lo: .asciz "mul_lo="
s_mul_hi: .asciz "mul_hi="
s_rol: .asciz "rol="
s_exc: .asciz "exc: vector="
s_err: .asciz " error="
s_cr2: .asciz " cr2="
s_k_cs: .asciz "syscall_cs="
s_k_ss: .asciz "syscall_ss="
s_u_cs: .asciz "user_cs="
s_u_ss: .asciz "user_ss="
s_sys_rax: .asciz "syscall_rax="
s_sys_rcx: .asciz "syscall_rcx_is_next="
s_sys_r11: .asciz "syscall_r11="
s_sys_if: .asciz "syscall_if="
s_done: .asciz "done\n"

  .data
  .align 8
gdt64:
  .quad 0
  .quad 0x00af9a000000ffff            /* 0x08 kernel code, 64-bit */
  .quad 0x00cf92000000ffff            /* 0x10 kernel data */
  .quad 0x00cffa000000ffff            /* 0x18 user code, 32-bit (SYSRET to compatibility mode) */
  .quad 0x00cff2000000ffff            /* 0x20 user data */
  .quad 0x00affa000000ffff            /* 0x28 user code, 64-bit */
gdt_ptr:
  .word gdt_ptr - gdt64 - 1
  .long gdt64
  .align 8
idt_ptr:
  .word 256 * 16 - 1
  .long idt64, 0
resume_at: .quad 0
got_vector: .quad 0xff
got_error: .quad 0
got_cr2: .quad 0
kernel_rsp: .quad 0
sys_rcx: .quad 0
sys_r11: .quad 0
sys_rax: .quad 0
sys_ucs: .quad 0
sys_uss: .quad 0

  .bss
  .align 4096
pml4: .skip 4096
pdpt: .skip 4096
pd0: .skip 4096
pd1: .skip 4096
idt64: .skip 4096
  .skip 8192
stack64_top:
  .skip 4096
ustack64_top:
