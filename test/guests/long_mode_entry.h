/* Shared by the 64-bit test kernels (.S, through cpp): the switch from 32-bit protected mode
   with paging off to 64-bit mode (SDM Vol 3 §10.8.5): load the kernel's GDT (gdt_ptr; 64-bit
   code at selector 0x08, data at 0x10), CR4.PAE, CR3 = pml4, EFER |= efer (LME and whatever else
   the kernel wants), CR0 |= cr0 (PG | PE and extras), far jump to entry. Uses eax, ecx, edx. */
.macro ENTER_LONG_MODE pml4, efer, cr0, entry
  lgdt gdt_ptr
  mov %cr4, %eax
  or $0x20, %eax
  mov %eax, %cr4
  mov $\pml4, %eax
  mov %eax, %cr3
  mov $0xc0000080, %ecx
  rdmsr
  or $\efer, %eax
  wrmsr
  mov %cr0, %eax
  or $\cr0, %eax
  mov %eax, %cr0
  ljmp $0x08, $\entry
.endm

/* First thing in 64-bit mode: flat data segments (selector 0x10). The stack is the kernel's. */
.macro FLAT_DATA_SEGMENTS_64
  mov $0x10, %ax
  mov %ax, %ds
  mov %ax, %es
  mov %ax, %ss
.endm
