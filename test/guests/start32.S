/* 32-bit entry shared by the test kernels: flat protected mode, paging off (multiboot or PVH).
   Calls guest_main(eax, ebx) on our own stack; the boot protocol's magic is in EAX (multiboot)
   and the info pointer in EBX (both). Which header is present is chosen by -D at build time. */
#define MB_MAGIC 0x1BADB002
#ifdef MULTIBOOT_AOUT
#define MB_FLAGS 0x00010003
#else
#define MB_FLAGS 0x00000003
#endif

#if defined(MULTIBOOT) || defined(MULTIBOOT_AOUT)
  .section .multiboot, "a"
  .align 4
mb_header:
  .long MB_MAGIC
  .long MB_FLAGS
  .long -(MB_MAGIC + MB_FLAGS)
#ifdef MULTIBOOT_AOUT
  .long mb_header        /* header_addr */
  .long _image_start     /* load_addr */
  .long _edata           /* load_end_addr */
  .long _end             /* bss_end_addr */
  .long _start           /* entry_addr */
#endif
#endif

#ifdef PVH
  /* XEN_ELFNOTE_PHYS32_ENTRY (xen/include/public/elfnote.h) */
  .section .note.Xen, "a"
  .align 4
  .long 4
  .long 4
  .long 18
  .asciz "Xen"
  .align 4
  .long _start
#endif

  .text
  .code32
  .globl _start
_start:
  mov $stack_top, %esp
  push %ebx
  push %eax
  call guest_main
1:
  cli
  hlt
  jmp 1b

  .bss
  .align 16
  .skip 16384
stack_top:
