/* Virtual-8086 mode (SDM Vol 3 ch. 20), compared with QEMU TCG line by line: entered by IRETD
   from ring 0 with EFLAGS.VM in the frame, real-mode style segments (a store through DS=0x400
   lands at 0x4010), PUSHF's image, INT n with IOPL 3 leaving for a ring-0 handler on the TSS
   stack with the 9-dword frame (GS FS DS ES SS ESP EFLAGS CS EIP) and DS/ES null inside it, IRETD
   back into VM86, I/O through the TSS bitmap (port 0x80 allowed, 0x81 denied: #GP(0)),
   privileged MOV CR0 #GP(0); with IOPL 0: CLI PUSHF POPF INT n IRET #GP(0) while INT3 still
   goes through its DPL 3 gate; then a task switch into a VM86 task (TSS EFLAGS.VM). */
#include "../guest_lib.h"

static u64 gdt[8];
static u64 idt[256];
static u32 tss[26 + 9];
static u32 tss_v[26];
static u8 kstack[4096] __attribute__((aligned(16)));
static u8 tstack[4096] __attribute__((aligned(16)));
struct __attribute__((packed)) dtr { u16 limit; u32 base; };

struct vmframe { u32 edi, esi, ebp, esp0, ebx, edx, ecx, eax, vector, error, eip, cs, eflags, esp, ss, es, ds, fs, gs; };
#define MAXLOG 12
static struct vmframe logf[MAXLOG];
static u32 log_seen_ds[MAXLOG], log_seen_es[MAXLOG];
static volatile u32 nlog;
volatile u32 seen_ds, seen_es;

void vm_record(struct vmframe *f) {
  if (nlog < MAXLOG) { logf[nlog] = *f; log_seen_ds[nlog] = seen_ds; log_seen_es[nlog] = seen_es; }
  nlog++;
  /* Faults resume at the IP the VM86 code left at 0x4000 (its DS:0). */
  if (f->vector != 0x30 && f->vector != 3) f->eip = *(volatile u16 *)0x4000;
}

/* Ring-0 entries: record DS/ES as found (through SS: DS may be null), load the kernel's, call
   vm_record, IRETD (back to VM86 when the frame has VM). Vector 6 (UD2) and 0x31 leave for good. */
extern char vm_stub0[], vm_stub3[], vm_stub13[], vm_stub30[], vm_exit_stub[];
extern void enter_vm86(u32 ip, u32 eflags);
__asm__(".pushsection .text\n"
        "vm_stub0: push $0; push $0; jmp vm_common\n"
        "vm_stub3: push $0; push $3; jmp vm_common\n"
        "vm_stub13: push $13; jmp vm_common\n"
        "vm_stub30: push $0; push $0x30; jmp vm_common\n"
        "vm_common:\n"
        "  movl $0, %ss:seen_ds; mov %ds, %ss:seen_ds\n"
        "  movl $0, %ss:seen_es; mov %es, %ss:seen_es\n"
        "  push %eax; mov $0x10, %ax; mov %ax, %ds; mov %ax, %es; pop %eax\n"
        "  pusha\n"
        "  push %esp\n"
        "  call vm_record\n"
        "  add $4, %esp\n"
        "  popa\n"
        "  add $8, %esp\n"
        "  iret\n"
        "vm_exit_stub:\n"
        "  mov $0x10, %ax; mov %ax, %ds; mov %ax, %es; mov %ax, %fs; mov %ax, %gs\n"
        "  mov vm_saved_esp, %esp\n"
        "  popa\n"
        "  ret\n"
        ".globl enter_vm86\n"
        "enter_vm86:\n"
        "  pusha\n"
        "  mov %esp, vm_saved_esp\n"
        "  mov 36(%esp), %eax\n"      /* ip */
        "  mov 40(%esp), %ebx\n"      /* eflags */
        "  push $0x500\n"             /* gs */
        "  push $0x600\n"             /* fs */
        "  push $0x400\n"             /* ds */
        "  push $0x700\n"             /* es */
        "  push $0x300\n"             /* ss */
        "  push $0x1000\n"            /* esp */
        "  push %ebx\n"
        "  push $0x200\n"             /* cs */
        "  push %eax\n"
        "  iret\n"
        ".data\nvm_saved_esp: .long 0\n"
        ".popsection\n");

/* The VM86 program, copied to 0x2000 and run with CS = 0x200 (IP = offset from vm_code). Before
   each instruction that may fault it stores the IP to resume at in DS:0. */
extern char vm_code[], vm_code_end[], vm_phase_a[], vm_phase_b[];
#define R(l) "movw $(" #l " - vm_code), 0\n"
__asm__(".pushsection .text\n.code16\n"
        "vm_code:\n"
        "vm_phase_a:\n"
        "  movw $0x1234, 0x10\n"
        "  pushf\n"
        "  pop %ax\n"
        "  mov %ax, 0x12\n"
        "  mov %ss, %ax; mov %ax, 0x14\n"
        "  mov %sp, 0x16\n"
        "  cli\n"
        "  sti\n"
        "  cli\n"
        "  int $0x30\n"
        "  mov %ds, 0x18\n"
        "  " R(1f) "  inb $0x80, %al\n1:\n"
        "  " R(1f) "  inb $0x81, %al\n1:\n"
        "  " R(1f) "  mov %cr0, %eax\n1:\n"
        "  " R(1f) "  hlt\n1:\n"
        "  int $0x31\n"
        "vm_phase_b:\n"
        "  " R(1f) "  cli\n1:\n"
        "  " R(1f) "  pushf\n1:\n"
        "  " R(1f) "  popf\n1:\n"
        "  " R(1f) "  int $0x30\n1:\n"
        "  " R(1f) "  iret\n1:\n"
        "  int3\n"
        "  " R(1f) "  xor %bx, %bx; div %bx\n1:\n"
        "  ud2\n"
        "vm_code_end:\n"
        ".code32\n.popsection\n");

static u64 seg(u32 base, u32 limit, u32 access, u32 flags) {
  return (limit & 0xffff) | ((u64)(base & 0xffffff) << 16) | ((u64)access << 40) |
         ((u64)((limit >> 16) & 0xf) << 48) | ((u64)flags << 52) | ((u64)(base >> 24) << 56);
}
static void gate(int v, u32 h, u32 dpl) {
  idt[v] = (h & 0xffff) | (0x08u << 16) | ((u64)(0x8e00 | (dpl << 13)) << 32) | ((u64)(h >> 16) << 48);
}

static void report(const char *name) {
  puts_serial(name); puts_serial(": n="); puthex(nlog, 2); putc_serial('\n');
  for (u32 k = 0; k < nlog && k < MAXLOG; k++) {
    struct vmframe *f = &logf[k];
    puts_serial("  v="); puthex(f->vector, 2);
    puts_serial(" err="); puthex(f->error, 4);
    puts_serial(" ip="); puthex(f->eip, 8);
    puts_serial(" cs="); puthex(f->cs, 8);
    puts_serial(" fl="); puthex(f->eflags, 8);
    puts_serial(" sp="); puthex(f->esp, 8);
    puts_serial(" ss="); puthex(f->ss, 8);
    puts_serial(" es="); puthex(f->es, 8);
    puts_serial(" ds="); puthex(f->ds, 8);
    puts_serial(" fs="); puthex(f->fs, 8);
    puts_serial(" gs="); puthex(f->gs, 8);
    puts_serial(" in_ds="); puthex(log_seen_ds[k] & 0xffff, 4);
    puts_serial(" in_es="); puthex(log_seen_es[k] & 0xffff, 4);
    putc_serial('\n');
  }
  nlog = 0;
}

void guest_main(u32 eax, u32 ebx) {
  (void)eax; (void)ebx;
  gdt[1] = seg(0, 0xfffff, 0x9a, 0xc);  /* 0x08 code, ring 0 */
  gdt[2] = seg(0, 0xfffff, 0x92, 0xc);  /* 0x10 data, ring 0 */
  gdt[3] = seg((u32)tss, sizeof tss - 1, 0x89, 0x0);   /* 0x18 TSS */
  gdt[4] = seg((u32)tss_v, sizeof tss_v - 1, 0x89, 0x0); /* 0x20 TSS of a VM86 task */
  struct dtr g = { 5 * 8 - 1, (u32)gdt };
  __asm__ volatile("lgdt %0; ljmp $0x08, $1f; 1: mov $0x10, %%ax; mov %%ax, %%ds; mov %%ax, %%es; mov %%ax, %%ss"
                   : : "m"(g) : "eax", "memory");
  tss[1] = (u32)(kstack + sizeof kstack);
  tss[2] = 0x10;
  tss[25] = 104u << 16;                   /* I/O bitmap: only port 0x80 allowed */
  for (int k = 26; k < 26 + 9; k++) tss[k] = 0xffffffff;
  tss[26 + 4] = ~1u;
  __asm__ volatile("ltr %w0" : : "r"(0x18));
  gate(0, (u32)vm_stub0, 0);
  gate(3, (u32)vm_stub3, 3);
  gate(6, (u32)vm_exit_stub, 0);
  gate(13, (u32)vm_stub13, 0);
  gate(0x30, (u32)vm_stub30, 3);
  gate(0x31, (u32)vm_exit_stub, 3);
  struct dtr i = { sizeof idt - 1, (u32)idt };
  __asm__ volatile("lidt %0" : : "m"(i));
  outb(0x21, 0xff); outb(0xa1, 0xff);

  u8 *dst = (u8 *)0x2000;
  for (char *p = vm_code; p < vm_code_end; p++) *dst++ = (u8)*p;
  for (int k = 0; k < 0x40; k++) ((volatile u8 *)0x4000)[k] = 0;

  /* IOPL 3, IF 1. */
  enter_vm86((u32)(vm_phase_a - vm_code), 0x23202);
  field("vm86_store_at_4010", *(volatile u16 *)0x4010, 4);
  field("vm86_pushf_image", *(volatile u16 *)0x4012, 4);
  field("vm86_ss", *(volatile u16 *)0x4014, 4);
  field("vm86_sp_after_pop", *(volatile u16 *)0x4016, 4);
  field("vm86_ds_after_int", *(volatile u16 *)0x4018, 4);
  report("iopl3");
  /* IOPL 0, IF 0. */
  enter_vm86((u32)(vm_phase_b - vm_code), 0x20002);
  report("iopl0");

  /* A JMP to a TSS whose EFLAGS has VM: phase A again, as a VM86 task (its TSS has no I/O
     bitmap, so port 0x80 is denied too); its events use this TSS's SS0:ESP0. */
  for (int k = 0; k < 26; k++) tss_v[k] = 0;
  *(volatile u16 *)0x4010 = 0;
  tss_v[1] = (u32)(tstack + sizeof tstack);       /* ESP0 */
  tss_v[2] = 0x10;                                /* SS0 */
  tss_v[8] = (u32)(vm_phase_a - vm_code);         /* EIP */
  tss_v[9] = 0x23002;                             /* EFLAGS: VM, IOPL 3 */
  tss_v[14] = 0x800;                              /* ESP */
  tss_v[18] = 0x700; tss_v[19] = 0x200; tss_v[20] = 0x300; /* ES CS SS */
  tss_v[21] = 0x400; tss_v[22] = 0x600; tss_v[23] = 0x500; /* DS FS GS */
  tss_v[25] = 104u << 16;
  __asm__ volatile("call 1f; jmp 2f; 1: pusha; mov %%esp, vm_saved_esp; ljmp $0x20, $0; 2:" : : : "memory");
  field("vm86_task_store_at_4010", *(volatile u16 *)0x4010, 4);
  report("vm86_task");

  puts_serial("done\n");
  qemu_exit(0);
}
