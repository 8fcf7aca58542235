/* Segment limits on stack and string accesses in 32-bit protected mode (SDM Vol 3 §5.3), run at
   CPL 3 so that #SS/#GP switch to the ring-0 stack: PUSH/POP against an expand-down stack
   segment (valid offsets above the limit) and an expand-up one, with accesses that straddle the
   limit; MOV/ADD with ModRM operands that straddle the limit; LODS/STOS/REP MOVSB against a data segment with a 4 KiB limit (REP stops at the faulting
   iteration with ECX/ESI updated); an SS override on LODS gives #SS. Each line prints the vector
   (ff: none), the error code and ESP/ESI/EDI/ECX after the instruction or the fault. QEMU TCG
   makes no limit checks on data accesses; test/x86/system substitutes the SDM's lines. */
#include "../guest_lib.h"

struct frame { u32 edi, esi, ebp, esp, ebx, edx, ecx, eax, vector, error, eip, cs, eflags, uesp, uss; };

static u64 gdt[8];
static u64 idt[256];
static u32 tss[26];
static u8 kstack[4096] __attribute__((aligned(16)));
static u8 ustack[4096] __attribute__((aligned(16)));
u8 seg_buf[0x2000] __attribute__((aligned(4096)));
u8 flat_buf[64];
struct __attribute__((packed)) dtr { u16 limit; u32 base; };
extern const u32 exc_stubs[];
extern void user_return_stub(void);
extern void enter_user(u32 entry, u32 user_esp);

volatile u32 got_vector = 0xff, got_error;
volatile u32 resume_at;
volatile u32 user_esp_saved;
volatile u32 res[20 * 3];

void exc_record(struct frame *f) {
  got_vector = f->vector;
  got_error = f->error;
  f->eip = resume_at;
}

static u64 seg(u32 base, u32 limit, u32 access, u32 flags) {
  return (limit & 0xffff) | ((u64)(base & 0xffffff) << 16) | ((u64)access << 40) |
         ((u64)((limit >> 16) & 0xf) << 48) | ((u64)flags << 52) | ((u64)(base >> 24) << 56);
}
static void gate(int v, u32 h, u32 dpl) {
  idt[v] = (h & 0xffff) | (0x08u << 16) | ((u64)(0x8e00 | (dpl << 13)) << 32) | ((u64)(h >> 16) << 48);
}

/* Ring-3 tests. Selectors: 0x33 expand-down stack (limit 0xfff, B=1, base seg_buf - 0x1000, so
   offsets 0x1000.. land in seg_buf), 0x3b expand-up data (limit 0xfff, base seg_buf). T k: reset
   the record, set up, run the instruction, save a register, restore flat SS/DS/ES and ESP. */
extern char user_tests[];
__asm__(".pushsection .text\n"
        ".macro T k, setup, insn, reg\n"
        "  movl $0xff, got_vector\n"
        "  movl $0, got_error\n"
        "  movl $.Lr\\@, resume_at\n"
        "  \\setup\n"
        "  \\insn\n"
        ".Lr\\@:\n"
        "  mov \\reg, %edx\n"
        "  mov $0x23, %cx\n"
        "  mov %cx, %ds\n"
        "  mov %cx, %es\n"
        "  mov %cx, %ss\n"
        "  mov user_esp_saved, %esp\n"
        "  mov got_vector, %eax; mov %eax, res + \\k * 12\n"
        "  mov got_error, %eax; mov %eax, res + \\k * 12 + 4\n"
        "  mov %edx, res + \\k * 12 + 8\n"
        ".endm\n"
        ".globl user_tests\n"
        "user_tests:\n"
        "  mov %esp, user_esp_saved\n"
        "  T 0, \"mov $0x33, %ax; mov %ax, %ss; mov $0x1008, %esp\", \"push %eax; push %eax\", %esp\n"
        "  T 1, \"mov $0x33, %ax; mov %ax, %ss; mov $0x1004, %esp\", \"push %eax; push %eax\", %esp\n"
        "  T 2, \"mov $0x33, %ax; mov %ax, %ss; mov $0x1002, %esp\", \"push %eax\", %esp\n"
        "  T 3, \"mov $0x3b, %ax; mov %ax, %ss; mov $0x1000, %esp\", \"push %eax\", %esp\n"
        "  T 4, \"mov $0x3b, %ax; mov %ax, %ss; mov $0xffe, %esp\", \"pop %eax\", %esp\n"
        "  T 5, \"mov $0x3b, %ax; mov %ax, %ss; mov $0xffe, %esp\", \"popw %ax\", %esp\n"
        "  T 6, \"mov $0x3b, %ax; mov %ax, %ds; mov $0xffc, %esi\", \"lodsl\", %esi\n"
        "  T 7, \"mov $0x3b, %ax; mov %ax, %ds; mov $0xffe, %esi\", \"lodsl\", %esi\n"
        "  T 8, \"mov $0x3b, %ax; mov %ax, %es; mov $0x1000, %edi\", \"stosb\", %edi\n"
        "  T 9, \"mov $0x3b, %ax; mov %ax, %ds; mov $0xffa, %esi; mov $flat_buf, %edi; mov $10, %ecx; cld\", \"rep movsb\", %ecx\n"
        "  T 10, \"mov $0x3b, %ax; mov %ax, %ss; mov $0x800, %esp; mov $0x1000, %esi\", \"lodsl %ss:(%esi)\", %esi\n"
        "  T 11, \"mov $0x3b, %ax; mov %ax, %ss; mov $0x800, %esp; mov $0xffc, %esi\", \"lodsl %ss:(%esi)\", %esi\n"
        "  T 12, \"mov $0x3b, %ax; mov %ax, %ds; mov $0x55, %eax\", \"mov 0xffe, %eax\", %eax\n"
        "  T 13, \"mov $0x3b, %ax; mov %ax, %ds; mov $0x55550000, %eax\", \"movw 0xffe, %ax\", %eax\n"
        "  T 14, \"mov $0x3b, %ax; mov %ax, %ds; movl $0, 0xff8\", \"addl $1, 0xffd\", %ss:seg_buf+0xff8\n"
        "  T 15, \"mov $0x3b, %ax; mov %ax, %es; mov $0x77, %eax\", \"mov %eax, %es:0xffc\", %ss:seg_buf+0xffc\n"
        "  int $0x80\n"
        ".popsection\n");

/* #SS/#GP entry: the faulting code may have left a limited DS/ES; reload the kernel's before
   exc32.S's C handler runs (IRET to ring 3 then nulls them; the tests reload DS/ES first). */
extern char fix_ss[], fix_gp[];
__asm__(".pushsection .text\n"
        "fix_ss: push %eax; mov $0x10, %ax; mov %ax, %ds; mov %ax, %es; pop %eax; jmp *exc_stubs + 12 * 4\n"
        "fix_gp: push %eax; mov $0x10, %ax; mov %ax, %ds; mov %ax, %es; pop %eax; jmp *exc_stubs + 13 * 4\n"
        ".popsection\n");

static const char *const names[] = {
  "ed_push_ok", "ed_push_below_limit", "ed_push_straddle", "up_push_ok", "up_pop_straddle",
  "up_popw_ok", "lods_ok", "lods_straddle", "stos_past_limit", "rep_movsb_stops", "lods_ss_past_limit",
  "lods_ss_ok", "mov_dword_straddle", "mov_word_at_end", "add_dword_straddle", "mov_dword_at_end",
};

void guest_main(u32 eax, u32 ebx) {
  (void)eax; (void)ebx;
  gdt[1] = seg(0, 0xfffff, 0x9a, 0xc);  /* 0x08 code, ring 0 */
  gdt[2] = seg(0, 0xfffff, 0x92, 0xc);  /* 0x10 data, ring 0 */
  gdt[3] = seg(0, 0xfffff, 0xfa, 0xc);  /* 0x18 code, ring 3 */
  gdt[4] = seg(0, 0xfffff, 0xf2, 0xc);  /* 0x20 data, ring 3 */
  gdt[5] = seg((u32)tss, sizeof tss - 1, 0x89, 0x0); /* 0x28 TSS */
  gdt[6] = seg((u32)seg_buf - 0x1000, 0xfff, 0xf6, 0x4); /* 0x30 expand-down data, B=1, ring 3 */
  gdt[7] = seg((u32)seg_buf, 0xfff, 0xf2, 0x4);          /* 0x38 data, limit 0xfff, ring 3 */
  struct dtr g = { sizeof gdt - 1, (u32)gdt };
  __asm__ volatile("lgdt %0; ljmp $0x08, $1f; 1: mov $0x10, %%ax; mov %%ax, %%ds; mov %%ax, %%es; mov %%ax, %%ss"
                   : : "m"(g) : "eax", "memory");
  tss[1] = (u32)(kstack + sizeof kstack);
  tss[2] = 0x10;
  tss[25] = 104u << 16;
  __asm__ volatile("ltr %w0" : : "r"(0x28));
  for (int v = 0; v < 20; v++) gate(v, exc_stubs[v], 0);
  gate(12, (u32)fix_ss, 0);
  gate(13, (u32)fix_gp, 0);
  gate(0x80, (u32)user_return_stub, 3);
  struct dtr i = { sizeof idt - 1, (u32)idt };
  __asm__ volatile("lidt %0" : : "m"(i));

  for (unsigned k = 0; k < sizeof seg_buf; k++) seg_buf[k] = (u8)k;
  enter_user((u32)user_tests, (u32)(ustack + sizeof ustack));
  for (unsigned k = 0; k < sizeof names / sizeof names[0]; k++) {
    puts_serial(names[k]);
    puts_serial(": vector="); puthex(res[k * 3], 2);
    puts_serial(" error="); puthex(res[k * 3 + 1], 4);
    puts_serial(" reg="); puthex(res[k * 3 + 2], 8);
    putc_serial('\n');
  }
  field("movsb_copied", *(u32 *)flat_buf, 8);
  puts_serial("done\n");
  qemu_exit(0);
}
