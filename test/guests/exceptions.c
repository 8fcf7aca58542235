/* Exceptions in 32-bit protected mode (SDM Vol 3A ch. 6): each test arms a resume address,
   executes one faulting instruction, and prints the vector, the error code the CPU pushed,
   whether the saved EIP is the faulting instruction (fault) or the next one (trap), and CR2
   for page faults. Covers #DE #BP #OF #BR #UD, #GP/#NP/#SS on segment loads and limits, #PF
   with not-present / write-protect / user-supervisor error codes under 32-bit paging, and
   ring-3 privilege checks (INT n through a DPL 0 gate, CLI, IN) through a TSS stack switch. */
#include "guest_lib.h"

struct frame { u32 edi, esi, ebp, esp, ebx, edx, ecx, eax, vector, error, eip, cs, eflags, uesp, uss; };

static u64 gdt[16];
static u64 idt[256];
static u32 tss[26];
struct __attribute__((packed)) dtr { u16 limit; u32 base; };
extern const u32 exc_stubs[];
extern void user_return_stub(void);
extern void enter_user(u32 entry, u32 user_esp);

static volatile u32 got_vector = 0xff, got_error, got_eip, got_cs, got_cr2;
static volatile u32 resume_at;
static volatile u32 user_log[8][3];
static volatile u32 nuser;
static u32 pd[1024] __attribute__((aligned(4096)));
static u32 pt0[1024] __attribute__((aligned(4096)));
static u32 pt1[1024] __attribute__((aligned(4096)));
static u8 kstack[4096] __attribute__((aligned(16)));
static u8 ustack[4096] __attribute__((aligned(16)));

void exc_record(struct frame *f) {
  got_vector = f->vector;
  got_error = f->error;
  got_eip = f->eip;
  got_cs = f->cs;
  u32 cr2;
  __asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
  got_cr2 = cr2;
  if ((f->cs & 3) == 3 && nuser < 8) {
    user_log[nuser][0] = f->vector;
    user_log[nuser][1] = f->error;
    user_log[nuser][2] = f->uss;
    nuser++;
  }
  f->eip = resume_at;
}

static u64 seg(u32 base, u32 limit, u32 access, u32 flags) {
  return (limit & 0xffff) | ((u64)(base & 0xffffff) << 16) | ((u64)access << 40) |
         ((u64)((limit >> 16) & 0xf) << 48) | ((u64)flags << 52) | ((u64)(base >> 24) << 56);
}
static void gate(int v, u32 h, u32 dpl) {
  idt[v] = (h & 0xffff) | (0x08u << 16) | ((u64)(0x8e00 | (dpl << 13)) << 32) | ((u64)(h >> 16) << 48);
}

static void report(const char *name, u32 fault_eip, u32 next_eip) {
  puts_serial(name);
  puts_serial(": vector="); puthex(got_vector, 2);
  puts_serial(" error="); puthex(got_error, 8);
  puts_serial(" eip="); puts_serial(got_eip == fault_eip ? "fault" : got_eip == next_eip ? "next" : "other");
  if (got_vector == 14) { puts_serial(" cr2="); puthex(got_cr2, 8); }
  putc_serial('\n');
  got_vector = 0xff; got_error = 0;
}

/* Run `insn` (one instruction) with the resume address armed; labels give its start and end. */
#define EXPECT(name, setup, insn, clobber...)                                         \
  do {                                                                              \
    u32 f_, n_;                                                                     \
    __asm__ volatile("movl $1f, %0; movl $2f, %1" : "=m"(f_), "=m"(n_));           \
    resume_at = n_;                                                                 \
    __asm__ volatile(setup "\n1: " insn "\n2:\n" : : : "memory", "cc", ##clobber);  \
    report(name, f_, n_);                                                           \
  } while (0)

/* Ring-3 code: each faulting instruction resumes at the next label; ends with int $0x80. */
extern char user_code[];
__asm__(".pushsection .text\n.globl user_code\n"
        "user_code:\n"
        "movl $ul2, resume_at\n"
        "ul1: int $0x81\n"
        "ul2: movl $ul4, resume_at\n"
        "ul3: cli\n"
        "ul4: movl $ul6, resume_at\n"
        "ul5: inb $0x80, %al\n"
        "ul6: movl $ul8, resume_at\n"
        "ul7: movl 0x00400000, %eax\n"
        "ul8: int $0x80\n"
        ".popsection\n");

void guest_main(u32 eax, u32 ebx) {
  (void)eax; (void)ebx;
  gdt[1] = seg(0, 0xfffff, 0x9a, 0xc);  /* 0x08 code, ring 0 */
  gdt[2] = seg(0, 0xfffff, 0x92, 0xc);  /* 0x10 data, ring 0 */
  gdt[3] = seg(0, 0xfffff, 0xfa, 0xc);  /* 0x18 code, ring 3 */
  gdt[4] = seg(0, 0xfffff, 0xf2, 0xc);  /* 0x20 data, ring 3 */
  gdt[5] = seg((u32)tss, sizeof tss - 1, 0x89, 0x0); /* 0x28 TSS */
  gdt[6] = seg(0, 0xfffff, 0x12, 0xc);  /* 0x30 data, not present */
  gdt[7] = seg(0, 0xfff, 0x92, 0x4);    /* 0x38 data, limit 0xfff bytes */
  struct dtr g = { 8 * 8 - 1, (u32)gdt };  /* limit covers selectors up to 0x38 */
  __asm__ volatile("lgdt %0; ljmp $0x08, $1f; 1: mov $0x10, %%ax; mov %%ax, %%ds; mov %%ax, %%es; mov %%ax, %%ss"
                   : : "m"(g) : "eax", "memory");
  tss[1] = (u32)(kstack + sizeof kstack); /* esp0 */
  tss[2] = 0x10;                          /* ss0 */
  tss[25] = 104u << 16;                   /* I/O map base past the limit: no port is permitted */
  __asm__ volatile("ltr %w0" : : "r"(0x28));
  for (int v = 0; v < 20; v++) gate(v, exc_stubs[v], 0);
  gate(3, exc_stubs[3], 3); /* int3 and into from ring 3 would be allowed */
  gate(4, exc_stubs[4], 3);
  gate(0x80, (u32)user_return_stub, 3);
  gate(0x81, (u32)exc_stubs[0], 0); /* DPL 0: int $0x81 from ring 3 is #GP((0x81<<3)|2) */
  struct dtr i = { sizeof idt - 1, (u32)idt };
  __asm__ volatile("lidt %0" : : "m"(i));

  EXPECT("de", "xor %%edx, %%edx; xor %%ecx, %%ecx; mov $1, %%eax", "divl %%ecx", "eax", "ecx", "edx");
  EXPECT("ud", "", "ud2");
  EXPECT("bp", "", "int3");
  EXPECT("of", "mov $0x7fffffff, %%eax; add $1, %%eax", "into", "eax");
  EXPECT("br", "mov $30, %%eax; mov $bounds_sym, %%ecx", "bound %%eax, (%%ecx)", "eax", "ecx");
  EXPECT("gp_selector_beyond_gdt", "mov $0x48, %%eax", "mov %%eax, %%ds", "eax");
  EXPECT("np_data_segment", "mov $0x30, %%eax", "mov %%eax, %%ds", "eax");
  EXPECT("ss_not_present", "mov $0x30, %%eax", "mov %%eax, %%ss", "eax");
  EXPECT("gp_ss_null", "xor %%eax, %%eax", "mov %%eax, %%ss", "eax");
  EXPECT("gp_null_es_access", "xor %%eax, %%eax; mov %%eax, %%es", "movl %%es:0x1000, %%eax", "eax");
  __asm__ volatile("mov $0x10, %%ax; mov %%ax, %%es" : : : "eax");
  EXPECT("gp_limit", "mov $0x38, %%eax; mov %%eax, %%fs", "movl %%fs:0x1000, %%eax", "eax");
  EXPECT("gp_ring0_ok_limit", "mov $0x38, %%eax; mov %%eax, %%fs", "movl %%fs:0xffc, %%eax", "eax");
  __asm__ volatile("mov $0x10, %%ax; mov %%ax, %%fs" : : : "eax");

  /* 32-bit paging: 0-4 MiB identity, user-accessible; 4-8 MiB: page 0 supervisor read-only,
     page 1 not present, page 2 user read-only. CR0.WP = 1. */
  for (u32 p = 0; p < 1024; p++) pt0[p] = (p << 12) | 0x7;
  pt1[0] = 0x00400000 | 0x1;
  pt1[1] = 0;
  pt1[2] = 0x00402000 | 0x5;
  pd[0] = (u32)pt0 | 0x7;
  pd[1] = (u32)pt1 | 0x7;
  __asm__ volatile("mov %0, %%cr3; mov %%cr0, %%eax; or $0x80010000, %%eax; mov %%eax, %%cr0"
                   : : "r"(pd) : "eax", "memory");
  EXPECT("pf_read_not_present", "", "movl 0x00401234, %%eax", "eax");
  EXPECT("pf_write_not_present", "", "movl %%eax, 0x00401238", "eax");
  EXPECT("pf_write_readonly_wp", "", "movl %%eax, 0x00400010", "eax");
  EXPECT("pf_no_fault_read", "", "movl 0x00400010, %%eax", "eax");
  /* With CR0.WP = 0 the supervisor may write a read-only page. */
  __asm__ volatile("mov %%cr0, %%eax; and $0xfffeffff, %%eax; mov %%eax, %%cr0" : : : "eax");
  EXPECT("pf_write_readonly_nowp", "", "movl %%eax, 0x00400010", "eax");
  __asm__ volatile("mov %%cr0, %%eax; or $0x10000, %%eax; mov %%eax, %%cr0" : : : "eax");

  /* Ring 3: privilege faults arrive on the TSS stack; results are read back in ring 0. */
  enter_user((u32)user_code, (u32)(ustack + sizeof ustack));
  puts_serial("back_in_ring0 cs=");
  u16 cs;
  __asm__ volatile("mov %%cs, %0" : "=r"(cs));
  puthex(cs, 4);
  putc_serial('\n');
  for (u32 k = 0; k < nuser; k++) {
    puts_serial("user_fault: vector="); puthex(user_log[k][0], 2);
    puts_serial(" error="); puthex(user_log[k][1], 8);
    puts_serial(" ss="); puthex(user_log[k][2], 4);
    putc_serial('\n');
  }
  puts_serial("last_user_cr2="); puthex(got_cr2, 8); putc_serial('\n');
  puts_serial("done\n");
  qemu_exit(0);
}
__asm__(".pushsection .data\n.globl bounds_sym\nbounds_sym: .long 10, 20\n.popsection\n");
