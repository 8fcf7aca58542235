/* Task switches to and from a 16-bit TSS (SDM Vol 3 §8.3, Figure 8-11), compared with QEMU TCG
   line by line: JMP from a 32-bit task to a 16-bit task and back, CALL (nested: back link, NT)
   and IRET back, INT through a task gate to the 16-bit task. The 16-bit task records the
   registers it starts with (the upper halves of EAX/EBX/ESP are the old task's, FS null), its
   TR, FLAGS and SS; the 16-bit TSS image written when it is left is printed too. The task runs
   32-bit code in a segment based at its 64 KiB page, since a 16-bit TSS holds only IP.
   Then 16-bit gates, from 16-bit code copied to 0x3000 (CS 0x58, base 0): an interrupt gate
   (type 6, IF cleared) and a trap gate (type 7) push a word frame (FLAGS CS IP) and IRET back; a
   16-bit call gate (type 4) pushes a word return address and selector, LRET back. */
#include "../guest_lib.h"

static u64 gdt[13];
static u64 idt[256];
static u32 tss[26];
static u16 tss16[22] __attribute__((aligned(16)));
static u8 t16_stack[1024] __attribute__((aligned(16)));
struct __attribute__((packed)) dtr { u16 limit; u32 base; };

volatile u32 t16_eax, t16_ebx, t16_esp, t16_tr, t16_flags, t16_ss, t16_fs, t16_mode, t16_runs;
extern char t16_entry[];
/* The 16-bit task's code (CS 0x38, based at t16_entry's 64 KiB page): no absolute code
   references; data through the flat DS. Mode 0 returns by JMP to the main TSS, 1 by IRET. */
__asm__(".pushsection .text\n.globl t16_entry\n"
        "t16_entry:\n"
        "  mov %eax, t16_eax\n"
        "  mov %ebx, t16_ebx\n"
        "  mov %esp, t16_esp\n"
        "  str %ax; movzwl %ax, %eax; mov %eax, t16_tr\n"
        "  pushf; pop %eax; mov %eax, t16_flags\n"
        "  mov %ss, %ax; movzwl %ax, %eax; mov %eax, t16_ss\n"
        "  mov %fs, %ax; movzwl %ax, %eax; mov %eax, t16_fs\n"
        "  incl t16_runs\n"
        "  mov $0x5678, %eax\n"
        "  mov $0x9abc, %ebx\n"
        "  cmpl $0, t16_mode\n"
        "  jne 1f\n"
        "  ljmp $0x28, $0\n"
        "  jmp t16_entry\n"                   /* relative: resumed here after a later switch */
        "1: iret\n"
        "  jmp t16_entry\n"
        ".popsection\n");

/* The 16-bit blob (runs at 0x3000 with CS base 0): results as words at 0x4000.. */
extern char b16_start[], b16_end[], b16_h93[], b16_h94[], b16_c16[];
__asm__(".pushsection .text\n.code16\n"
        "b16_start:\n"
        "  int $0x93\n"
        "  int $0x94\n"
        "  lcall $0x60, $0\n"
        "  lretl\n"
        "b16_h93:\n"
        "  pushf; pop %ax; mov %ax, 0x4006\n"
        "  mov (%esp), %ax; mov %ax, 0x4000\n"
        "  mov 2(%esp), %ax; mov %ax, 0x4002\n"
        "  mov 4(%esp), %ax; mov %ax, 0x4004\n"
        "  iret\n"
        "b16_h94:\n"
        "  pushf; pop %ax; mov %ax, 0x400e\n"
        "  mov (%esp), %ax; mov %ax, 0x4008\n"
        "  mov 2(%esp), %ax; mov %ax, 0x400a\n"
        "  mov 4(%esp), %ax; mov %ax, 0x400c\n"
        "  iret\n"
        "b16_c16:\n"
        "  mov (%esp), %ax; mov %ax, 0x4010\n"
        "  mov 2(%esp), %ax; mov %ax, 0x4012\n"
        "  lret\n"
        "b16_end:\n"
        ".code32\n.popsection\n");
#define B16(sym) (0x3000 + (u32)(sym) - (u32)b16_start)

static u64 seg(u32 base, u32 limit, u32 access, u32 flags) {
  return (limit & 0xffff) | ((u64)(base & 0xffffff) << 16) | ((u64)access << 40) |
         ((u64)((limit >> 16) & 0xf) << 48) | ((u64)flags << 52) | ((u64)(base >> 24) << 56);
}

static void image(const char *how) {
  puts_serial(how);
  puts_serial(": runs="); puthex(t16_runs, 2);
  puts_serial(" eax="); puthex(t16_eax, 8);
  puts_serial(" ebx="); puthex(t16_ebx, 8);
  puts_serial(" esp="); puthex(t16_esp, 8);
  puts_serial(" tr="); puthex(t16_tr, 4);
  puts_serial(" flags="); puthex(t16_flags, 8);
  puts_serial(" ss="); puthex(t16_ss, 4);
  puts_serial(" fs="); puthex(t16_fs, 4);
  putc_serial('\n');
  puts_serial(how);
  puts_serial(" tss16: link="); puthex(tss16[0], 4);
  puts_serial(" ip_moved="); puthex(tss16[7] != (u16)((u32)t16_entry & 0xffff), 1);
  puts_serial(" flags="); puthex(tss16[8], 4);
  puts_serial(" ax="); puthex(tss16[9], 4);
  puts_serial(" bx="); puthex(tss16[12], 4);
  puts_serial(" es="); puthex(tss16[17], 4);
  puts_serial(" cs="); puthex(tss16[18], 4);
  puts_serial(" ss="); puthex(tss16[19], 4);
  puts_serial(" ds="); puthex(tss16[20], 4);
  u32 lar48 = 0;
  __asm__ volatile("mov $0x48, %%ecx; xor %0, %0; lar %%ecx, %0" : "=&r"(lar48) : : "ecx", "cc");
  puts_serial(" lar48="); puthex(lar48, 8);
  putc_serial('\n');
}

static void prepare16(void) {
  for (int k = 0; k < 22; k++) tss16[k] = 0;
  tss16[7] = (u16)((u32)t16_entry & 0xffff);         /* IP */
  tss16[8] = 0x0002;                                 /* FLAGS */
  tss16[9] = 0x1111;                                 /* AX */
  tss16[12] = 0x2222;                                /* BX */
  tss16[13] = (u16)(((u32)t16_stack + sizeof t16_stack) & 0xffff); /* SP */
  tss16[17] = 0x10; tss16[18] = 0x38; tss16[19] = 0x40; tss16[20] = 0x10; /* ES CS SS DS */
  t16_runs = 0;
}

void guest_main(u32 eax, u32 ebx) {
  (void)eax; (void)ebx;
  gdt[1] = seg(0, 0xfffff, 0x9a, 0xc);  /* 0x08 code */
  gdt[2] = seg(0, 0xfffff, 0x92, 0xc);  /* 0x10 data */
  gdt[5] = seg((u32)tss, sizeof tss - 1, 0x89, 0x0);         /* 0x28 32-bit TSS */
  gdt[7] = seg((u32)t16_entry & 0xffff0000, 0xffff, 0x9a, 0x4); /* 0x38 32-bit code at t16_entry's page */
  gdt[8] = seg((u32)t16_stack & 0xffff0000, 0xffff, 0x92, 0x0); /* 0x40 16-bit stack at t16_stack's page */
  gdt[9] = seg((u32)tss16, sizeof tss16 - 1, 0x81, 0x0);     /* 0x48 16-bit TSS */
  struct dtr g = { sizeof gdt - 1, (u32)gdt };
  __asm__ volatile("lgdt %0; ljmp $0x08, $1f; 1: mov $0x10, %%ax; mov %%ax, %%ds; mov %%ax, %%es; mov %%ax, %%ss; mov %%ax, %%fs"
                   : : "m"(g) : "eax", "memory");
  __asm__ volatile("ltr %w0" : : "r"(0x28));
  idt[0x92] = ((u64)0x48 << 16) | ((u64)0x8500 << 32); /* task gate to the 16-bit TSS */
  struct dtr i = { sizeof idt - 1, (u32)idt };
  __asm__ volatile("lidt %0" : : "m"(i));
  outb(0x21, 0xff); outb(0xa1, 0xff); /* the gate test runs with IF = 1: no PIC interrupts */

  /* JMP to the 16-bit task (EAX/EBX/ESP upper halves come along), which JMPs back. */
  prepare16();
  t16_mode = 0;
  __asm__ volatile("mov $0xaaaa0000, %%eax; mov $0xbbbb0000, %%ebx; ljmp $0x48, $0" : : : "eax", "ebx", "memory");
  image("jmp16");
  u32 tr = 0;
  __asm__ volatile("str %0" : "=r"(tr));
  field("tr_after_jmp_back", tr & 0xffff, 4);

  /* CALL: nested (NT, back link 0x28), IRET returns. */
  prepare16();
  t16_mode = 1;
  __asm__ volatile("lcall $0x48, $0" : : : "eax", "ebx", "memory");
  image("call16");

  /* INT 0x92 through a task gate to the 16-bit TSS; IRET returns. */
  prepare16();
  __asm__ volatile("int $0x92" : : : "eax", "ebx", "memory");
  image("int16");
  u32 cr0;
  __asm__ volatile("mov %%cr0, %0; clts" : "=r"(cr0));
  field("cr0_ts", (cr0 >> 3) & 1, 1);

  /* ---- 16-bit gates */
  gdt[11] = seg(0, 0xffff, 0x9a, 0x0);  /* 0x58 16-bit code, base 0 */
  gdt[12] = (B16(b16_c16) & 0xffff) | (0x58ull << 16) | ((u64)0x84 << 40); /* 0x60 16-bit call gate */
  for (char *p = b16_start; p < b16_end; p++) ((volatile u8 *)0x3000)[p - b16_start] = (u8)*p;
  for (int k = 0; k < 0x20; k++) ((volatile u8 *)0x4000)[k] = 0;
  idt[0x93] = (B16(b16_h93) & 0xffff) | (0x58ull << 16) | ((u64)0x8600 << 32);
  idt[0x94] = (B16(b16_h94) & 0xffff) | (0x58ull << 16) | ((u64)0x8700 << 32);
  __asm__ volatile("sti; lcall $0x58, $0x3000; cli" : : : "eax", "memory");
  volatile u16 *w = (volatile u16 *)0x4000;
  puts_serial("int_gate16: ip="); puthex(w[0], 4); puts_serial(" cs="); puthex(w[1], 4);
  puts_serial(" flags="); puthex(w[2], 4); puts_serial(" flags_in_handler="); puthex(w[3], 4); putc_serial('\n');
  puts_serial("trap_gate16: ip="); puthex(w[4], 4); puts_serial(" cs="); puthex(w[5], 4);
  puts_serial(" flags="); puthex(w[6], 4); puts_serial(" flags_in_handler="); puthex(w[7], 4); putc_serial('\n');
  puts_serial("call_gate16: ip="); puthex(w[8], 4); puts_serial(" cs="); puthex(w[9], 4); putc_serial('\n');

  puts_serial("done\n");
  qemu_exit(0);
}
