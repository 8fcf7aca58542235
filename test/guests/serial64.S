/* Serial output for our 64-bit test kernels (COM1 at 0x3f8, polled on LSR.THRE), shared by
 * longmode.S and system/system64.S. Calls from 64-bit code; every routine keeps the registers
 * it does not return in. */
  .code64
  .text
  .globl field, putc64, puts64, hex64

/* field: puts64(rsi) then hex64(rax), newline. */
field:
  push %rax
  call puts64
  pop %rax
  call hex64
  mov $'\n', %al
  call putc64
  ret

/* putc64: the byte in al. */
putc64:
  push %rdx
  push %rax
  mov $0x3fd, %dx
1:
  in %dx, %al
  test $0x20, %al
  jz 1b
  pop %rax
  mov $0x3f8, %dx
  out %al, %dx
  pop %rdx
  ret

/* puts64: the NUL-terminated string at rsi (rsi is left past it). */
puts64:
  push %rax
1:
  lodsb
  test %al, %al
  jz 2f
  call putc64
  jmp 1b
2:
  pop %rax
  ret

/* hex64: rax as 16 hex digits. */
hex64:
  push %rdx
  push %rcx
  push %rbx
  mov %rax, %rbx
  mov $16, %ecx
1:
  rol $4, %rbx
  mov %ebx, %eax
  and $0xf, %eax
  lea hexdigits(%rip), %rdx
  mov (%rdx, %rax), %al
  call putc64
  dec %ecx
  jnz 1b
  pop %rbx
  pop %rcx
  pop %rdx
  ret

  .section .rodata
hexdigits: .ascii "0123456789abcdef"
