# serial_echo: xentab's smallest interactive guest, for the page and its tests.
# A multiboot 1 kernel (a.out kludge, loaded at 1 MiB) that prints a banner on COM1, then answers
# every line typed on COM1 with the same line in capitals. It polls the UART's line status (no
# descriptor tables, no interrupts), so it runs on the CPU as it is today; it never halts.
# Built with GNU as/ld (test/ui/serial_echo_guest.test.ts rebuilds it and compares bytes):
#   as --32 -o serial_echo.o serial_echo.s
#   ld -m elf_i386 -Ttext=0x100000 --oformat=binary -e entry -o serial_echo.bin serial_echo.o
        .code32
        .text
        .globl entry
        .set COM1, 0x3f8
        .set LINE_MAX, 120

image_start:
mb_header:                              # Multiboot spec 0.6.96 §3.1.1, flags bit 16: addresses below
        .long 0x1BADB002
        .long 0x00010000
        .long -(0x1BADB002 + 0x00010000)
        .long mb_header                 # header_addr
        .long image_start               # load_addr
        .long image_end                 # load_end_addr
        .long bss_end                   # bss_end_addr
        .long entry                     # entry_addr

entry:
        cli
        mov $stack_top, %esp            # the loader's flat segments are kept

        mov $COM1+3, %dx                # 16550: 115200 8N1, FIFOs on, no interrupts
        mov $0x80, %al
        out %al, %dx
        mov $COM1, %dx
        mov $0x01, %al
        out %al, %dx
        mov $COM1+1, %dx
        xor %al, %al
        out %al, %dx
        mov $COM1+3, %dx
        mov $0x03, %al
        out %al, %dx
        mov $COM1+2, %dx
        mov $0x07, %al
        out %al, %dx
        mov $COM1+4, %dx
        mov $0x03, %al                  # DTR | RTS
        out %al, %dx

        mov $banner, %esi
        call puts
        mov $prompt, %esi
        call puts
        xor %ebx, %ebx                  # ebx = bytes in the line buffer

main_loop:
        mov $COM1+5, %dx
        in %dx, %al
        test $0x01, %al                 # LSR.DR
        jnz have_byte
        pause
        jmp main_loop

have_byte:
        mov $COM1, %dx
        in %dx, %al
        cmp $0x0D, %al
        je end_of_line
        cmp $0x0A, %al
        je end_of_line
        cmp $0x7F, %al
        je backspace
        cmp $0x08, %al
        je backspace
        cmp $0x20, %al
        jb main_loop                    # other control bytes are ignored
        cmp $LINE_MAX, %ebx
        jae main_loop
        mov %al, line(%ebx)
        inc %ebx
        call putc                       # the guest echoes; the terminal does not
        jmp main_loop

backspace:
        test %ebx, %ebx
        jz main_loop
        dec %ebx
        mov $erase, %esi
        call puts
        jmp main_loop

end_of_line:
        mov $crlf, %esi
        call puts
        test %ebx, %ebx
        jz 4f
        mov $answer, %esi
        call puts
        xor %ecx, %ecx
3:      mov line(%ecx), %al
        cmp $'a', %al
        jb 5f
        cmp $'z', %al
        ja 5f
        sub $0x20, %al
5:      call putc
        inc %ecx
        cmp %ebx, %ecx
        jb 3b
        mov $crlf, %esi
        call puts
        xor %ebx, %ebx
4:      mov $prompt, %esi
        call puts
        jmp main_loop

putc:                                   # al -> COM1, waiting for THRE
        push %eax
        push %edx
        mov $COM1+5, %dx
1:      in %dx, %al
        test $0x20, %al
        jz 1b
        mov 4(%esp), %eax
        mov $COM1, %dx
        out %al, %dx
        pop %edx
        pop %eax
        ret

puts:                                   # NUL-terminated string at esi -> COM1
1:      lodsb
        test %al, %al
        jz 2f
        call putc
        jmp 1b
2:      ret

banner: .ascii "xentab serial echo guest (multiboot, COM1)\r\n"
        .asciz "Type a line; the guest answers it in capitals.\r\n"
prompt: .asciz "> "
answer: .asciz "guest: "
crlf:   .asciz "\r\n"
erase:  .asciz "\b \b"

        .balign 16
image_end:

        .set line, image_end                       # bss: zeroed by the multiboot loader
        .set stack_top, line + 128 + 4096
        .set bss_end, stack_top
