# serial_clock: a guest that sleeps, for the page's replayable links and their tests.
# A multiboot 1 kernel (a.out kludge, loaded at 1 MiB) that prints "ready" on COM1, then sleeps in
# HLT, woken by the PIT (IRQ0, about 1 kHz, counted in `ticks`) and by COM1 receive interrupts
# (IRQ4); after each wake-up with received bytes it prints the tick count and the TSC. Its output
# depends on how long it slept, so a link replays it bit for bit only with the worker's record of
# idle periods (src/worker/replay.ts). Built with GNU as/ld (test/ui/demos_manifest.test.ts
# rebuilds it and compares bytes):
#   as --32 -o serial_clock.o serial_clock.s
#   ld -m elf_i386 -Ttext=0x100000 --oformat=binary -e entry -o serial_clock.bin serial_clock.o
        .code32
        .text
        .globl entry
start:  .long 0x1BADB002, 0x00010000, -(0x1BADB002 + 0x00010000)
        .long start, start, end, end, entry
entry:  cli
        lgdt gdtr
        ljmp $0x08, $1f
1:      mov $0x10, %ax
        mov %ax, %ds
        mov %ax, %es
        mov %ax, %ss
        mov $stack_top, %esp
        mov $tick, %eax
        mov $(idt + 0x20 * 8), %edi
        call setgate
        mov $rx, %eax
        mov $(idt + 0x24 * 8), %edi
        call setgate
        lidt idtr
        mov $0x11, %al
        out %al, $0x20
        out %al, $0xa0
        mov $0x20, %al
        out %al, $0x21
        mov $0x28, %al
        out %al, $0xa1
        mov $0x04, %al
        out %al, $0x21
        mov $0x02, %al
        out %al, $0xa1
        mov $0x01, %al
        out %al, $0x21
        out %al, $0xa1
        mov $0xee, %al
        out %al, $0x21
        mov $0xff, %al
        out %al, $0xa1
        mov $0x34, %al
        out %al, $0x43
        mov $0xa9, %al
        out %al, $0x40
        mov $0x04, %al
        out %al, $0x40
        mov $0x3f9, %dx
        mov $1, %al
        out %al, %dx
        mov $0x3fc, %dx
        mov $0x0b, %al
        out %al, %dx
        mov $msg, %esi
        call puts
main:   sti
        hlt
        cli
        mov pending, %eax
        test %eax, %eax
        jz main
        movl $0, pending
        mov $m_ticks, %esi
        call puts
        mov ticks, %eax
        call hex
        mov $m_tsc, %esi
        call puts
        rdtsc
        push %eax
        mov %edx, %eax
        call hex
        pop %eax
        call hex
        mov $crlf, %esi
        call puts
        jmp main

setgate:
        mov %ax, (%edi)
        movw $0x08, 2(%edi)
        movw $0x8e00, 4(%edi)
        shr $16, %eax
        mov %ax, 6(%edi)
        ret

tick:   incl ticks
        push %eax
        mov $0x20, %al
        out %al, $0x20
        pop %eax
        iret

rx:     push %eax
        push %edx
1:      mov $0x3fd, %dx
        in %dx, %al
        test $1, %al
        jz 2f
        mov $0x3f8, %dx
        in %dx, %al
        incl pending
        jmp 1b
2:      mov $0x20, %al
        out %al, $0x20
        pop %edx
        pop %eax
        iret

puts:   lodsb
        test %al, %al
        jz 1f
        mov $0x3f8, %dx
        out %al, %dx
        jmp puts
1:      ret

hex:    push %ecx
        push %ebx
        mov %eax, %ebx
        mov $8, %ecx
1:      rol $4, %ebx
        mov %ebx, %eax
        and $0xf, %eax
        mov hexdigits(%eax), %al
        mov $0x3f8, %dx
        out %al, %dx
        loop 1b
        pop %ebx
        pop %ecx
        ret

        .balign 8
gdt:    .quad 0
        .quad 0x00cf9a000000ffff
        .quad 0x00cf92000000ffff
gdtr:   .word 23
        .long gdt
idtr:   .word 0x25 * 8 - 1
        .long idt
ticks:  .long 0
pending: .long 0
hexdigits: .ascii "0123456789abcdef"
msg:    .asciz "ready\r\n"
m_ticks: .asciz "ticks="
m_tsc:  .asciz " tsc="
crlf:   .asciz "\r\n"
        .balign 8
idt:    .fill 0x25 * 8, 1, 0
        .fill 1024, 1, 0
stack_top:
        .balign 4
end:
