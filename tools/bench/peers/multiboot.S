/* Multiboot 1 wrapper for a 32-bit benchmark workload (tools/bench/workloads/*.c), so that
   v86 and QEMU TCG can boot the same bench_main that xentab runs flat.
   Multiboot spec 0.6.96 section 3.1.1: magic 0x1BADB002, flags, checksum with sum 0; the
   header must sit 4-byte aligned in the first 8 KiB (multiboot.ld puts it first). Both
   loaders accept a 32-bit ELF, so no a.out kludge (flag bit 16) is needed.
   Protocol with the host (ports are ISA debug ports, one byte each):
     0xE9  'S'                   workload entry  (timing starts)
     0xE9  8 hex digits of EAX   the checksum, then '\n' (timing ends at the first digit)
     0x501 0                     QEMU isa-debug-exit (status 1); v86 ignores it
   bench_start / bench_end label the two marker OUTs for instruction counting. */
        .set MB_MAGIC, 0x1BADB002
        .set MB_FLAGS, 0
        .section .multiboot, "a"
        .align 4
        .long MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)

        .section .text.mbentry, "ax"
        .code32
        .globl mb_entry, bench_start, bench_end
mb_entry:
        cli
        cld
        mov $mb_stack_top, %esp
        mov $'S', %al
bench_start:
        outb %al, $0xE9
        call bench_main
bench_end:
        mov %eax, %edx          /* checksum, printed most significant nibble first */
        mov $8, %ecx
1:      rol $4, %edx
        mov %edx, %eax
        and $15, %eax
        add $'0', %al
        cmp $'9', %al
        jbe 2f
        add $('a' - '0' - 10), %al
2:      outb %al, $0xE9
        dec %ecx
        jnz 1b
        mov $'\n', %al
        outb %al, $0xE9
        xor %eax, %eax
        mov $0x501, %dx
        outb %al, %dx
3:      hlt
        jmp 3b

        .section .note.GNU-stack, "", @progbits

        .section .bss
        .align 16
mb_stack:
        .skip 65536
mb_stack_top:
