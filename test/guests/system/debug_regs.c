/* Debug registers and single-step in 32-bit protected mode, checked against QEMU TCG line by
   line (SDM Vol 3 §18.2-18.3, §6.8.3): instruction breakpoints (fault before the instruction,
   RF to step over, RF cleared after one instruction), data breakpoints (write-only and
   read/write, lengths 1/2/4, aligned ranges, several hits in one instruction, a trap after the
   instruction), DR6 B0-B3 replaced per report, DR7.GD (#DB on MOV DR with DR6.BD, GD cleared
   for the handler), RF in the EFLAGS image of a fault, TF single-step around POPF/INT n/IRET,
   and the MOV SS / POP SS shadow holding a single-step trap or a data breakpoint back for one
   instruction. Each #DB records EIP (as an offset from the scenario's start label), DR6 and the
   pushed EFLAGS' RF/TF; the handler clears DR6 as an OS does. Uses exc32.S's stubs. */
#include "../guest_lib.h"

struct frame { u32 edi, esi, ebp, esp, ebx, edx, ecx, eax, vector, error, eip, cs, eflags, uesp, uss; };

static u64 gdt[8];
static u64 idt[256];
struct __attribute__((packed)) dtr { u16 limit; u32 base; };
extern const u32 exc_stubs[];

#define MAXLOG 12
static volatile u32 log_eip[MAXLOG], log_dr6[MAXLOG], log_fl[MAXLOG];
static volatile u32 nlog;
/* Handler behaviour: set RF in the frame (to step over an instruction breakpoint), clear DR7
   (to stop a breakpoint from firing again). */
static volatile u32 db_set_rf, db_clear_dr7;
static volatile u32 got_vector = 0xff, got_error, got_eflags, got_dr7;
volatile u32 resume_at;
volatile u32 watch[4] __attribute__((aligned(16)));
volatile u32 other[4] __attribute__((aligned(16)));

void exc_record(struct frame *f) {
  if (f->vector == 1) {
    u32 dr6, dr7;
    __asm__ volatile("mov %%dr6, %0; mov %%dr7, %1" : "=r"(dr6), "=r"(dr7));
    if (nlog < MAXLOG) { log_eip[nlog] = f->eip; log_dr6[nlog] = dr6; log_fl[nlog] = f->eflags; }
    nlog++;
    got_dr7 = dr7;
    __asm__ volatile("mov %0, %%dr6" : : "r"(0));
    if (db_set_rf) f->eflags |= 0x10000;
    if (db_clear_dr7) __asm__ volatile("mov %0, %%dr7" : : "r"(0));
    if (nlog > 40) { f->eflags &= ~0x100u; __asm__ volatile("mov %0, %%dr7" : : "r"(0)); }
    return;
  }
  got_vector = f->vector;
  got_error = f->error;
  got_eflags = f->eflags;
  f->eip = resume_at;
}

static void gate(int v, u32 h, u32 dpl) {
  idt[v] = (h & 0xffff) | (0x08u << 16) | ((u64)(0x8e00 | (dpl << 13)) << 32) | ((u64)(h >> 16) << 48);
}
static u64 seg(u32 base, u32 limit, u32 access, u32 flags) {
  return (limit & 0xffff) | ((u64)(base & 0xffffff) << 16) | ((u64)access << 40) |
         ((u64)((limit >> 16) & 0xf) << 48) | ((u64)flags << 52) | ((u64)(base >> 24) << 56);
}

static void set_dr(u32 d0, u32 d1, u32 d2, u32 d3, u32 dr7) {
  __asm__ volatile("mov %0, %%dr0; mov %1, %%dr1; mov %2, %%dr2; mov %3, %%dr3; mov %4, %%dr7"
                   : : "r"(d0), "r"(d1), "r"(d2), "r"(d3), "r"(dr7));
}
static void reset(void) {
  set_dr(0, 0, 0, 0, 0);
  __asm__ volatile("mov %0, %%dr6" : : "r"(0));
  nlog = 0; db_set_rf = 0; db_clear_dr7 = 0;
  for (int k = 0; k < MAXLOG; k++) log_eip[k] = log_dr6[k] = log_fl[k] = 0;
}
/* "name: n=N eip+off/dr6/rf tf ..." */
static void report(const char *name, u32 base) {
  puts_serial(name);
  puts_serial(": n="); puthex(nlog, 2);
  for (u32 k = 0; k < nlog && k < MAXLOG; k++) {
    puts_serial(" +"); puthex(log_eip[k] - base, 3);
    putc_serial('/'); puthex(log_dr6[k], 8);
    puts_serial("/rf"); puthex((log_fl[k] >> 16) & 1, 1);
    puts_serial("tf"); puthex((log_fl[k] >> 8) & 1, 1);
  }
  putc_serial('\n');
  reset();
}

/* DR7 helpers: enable bit (L=1 G=2) for breakpoint i, R/W and LEN fields. */
#define EN(i, lg) ((u32)(lg) << ((i) * 2))
#define RW(i, rw) ((u32)(rw) << (16 + (i) * 4))
#define LEN(i, len) ((u32)(len) << (18 + (i) * 4))

extern char s_exec[], s_exec_a[], s_exec_b[];
extern char s_exec2[], s_exec2_a[];
/* INT 0x81 handler: two instructions and IRET (runs with TF clear). */
extern char int81_handler[];
__asm__(".pushsection .text\n.globl int81_handler\nint81_handler: nop; nop; iret\n.popsection\n");
/* Vector 40h (LAPIC timer): EOI and return. */
extern char lapic_eoi_handler[];
__asm__(".pushsection .text\n.globl lapic_eoi_handler\nlapic_eoi_handler: movl $0, 0xfee000b0; iret\n.popsection\n");
static void mmio_write32(u32 a, u32 v) { *(volatile u32 *)a = v; }
extern char s_data2[], s_data3[], s_io[], s_rep[];
extern char s_data[], s_step[], s_stepint[], s_movss[], s_movss_data[], s_popss[], s_sti[], s_sti_hlt[], s_gd[];

void guest_main(u32 eax, u32 ebx) {
  (void)eax; (void)ebx;
  gdt[1] = seg(0, 0xfffff, 0x9a, 0xc);
  gdt[2] = seg(0, 0xfffff, 0x92, 0xc);
  struct dtr g = { 3 * 8 - 1, (u32)gdt };
  __asm__ volatile("lgdt %0; ljmp $0x08, $1f; 1: mov $0x10, %%ax; mov %%ax, %%ds; mov %%ax, %%es; mov %%ax, %%ss"
                   : : "m"(g) : "eax", "memory");
  for (int v = 0; v < 20; v++) gate(v, exc_stubs[v], 0);
  outb(0x21, 0xff); outb(0xa1, 0xff); /* no PIC interrupts while STI opens a window below */
  struct dtr i = { sizeof idt - 1, (u32)idt };
  __asm__ volatile("lidt %0" : : "m"(i));
  reset();

  /* ---- instruction breakpoints: DR0 (local) on the 2nd instruction, DR1 (global) on the 3rd;
     the handler sets RF, so each instruction runs once and RF clears after one instruction. */
  db_set_rf = 1;
  set_dr((u32)s_exec_a, (u32)s_exec_b, 0, 0, EN(0, 1) | EN(1, 2));
  __asm__ volatile(".globl s_exec, s_exec_a, s_exec_b\n"
                   "s_exec: nop\n s_exec_a: mov $1, %%eax\n s_exec_b: add $2, %%eax\n nop\n" : : : "eax", "cc");
  report("exec_bp_rf", (u32)s_exec);
  /* Without RF the handler disables DR7 instead; a disabled breakpoint (DR2, no enable) never fires. */
  db_clear_dr7 = 1;
  set_dr(0, 0, (u32)s_exec2, (u32)s_exec2_a, EN(3, 1));
  __asm__ volatile(".globl s_exec2, s_exec2_a\n"
                   "s_exec2: nop\n s_exec2_a: nop\n nop\n" : : : "cc");
  field("exec_bp_dr7_in_handler", got_dr7, 8);
  report("exec_bp_disable", (u32)s_exec2);

  /* ---- data breakpoints (traps after the instruction) */
  /* DR0: write-only, 4 bytes at watch[0]; DR1: read/write, 1 byte at watch[1]+2; DR2: read/write,
     2 bytes at other[0]+1 (aligned down to other[0]); DR3: write-only 4 bytes at other[2]. */
  set_dr((u32)&watch[0], (u32)&watch[1] + 2, (u32)&other[0] + 1, (u32)&other[2],
         EN(0, 1) | RW(0, 1) | LEN(0, 3) | EN(1, 2) | RW(1, 3) | LEN(1, 0) |
         EN(2, 1) | RW(2, 3) | LEN(2, 1) | EN(3, 2) | RW(3, 1) | LEN(3, 3));
  __asm__ volatile(".globl s_data\n"
                   "s_data: mov watch, %%eax\n"          /* read of a write-only watch: nothing */
                   "  movl $5, watch\n"                  /* write: B0 after this instruction */
                   "  movb $1, watch+3\n"                /* a byte inside the dword: B0 */
                   "  mov watch+4, %%eax\n"              /* dword read covering watch[1]+2: B1 */
                   "  movw watch+4, %%ax\n"              /* word read not reaching +2: nothing */
                   "  lea watch, %%esi; lea other+8, %%edi; movsl\n" /* read watch[0] (W only: no), write other[2]: B3 */
                   "  nop\n"
                   : : : "eax", "esi", "edi", "memory", "cc");
  report("data_bp", (u32)s_data);
  /* DR2 = other+1 with LEN 2 watches other[0] bytes 0-1: the low address bit is ignored. */
  set_dr(0, 0, (u32)&other[0] + 1, 0, EN(2, 1) | RW(2, 3) | LEN(2, 1));
  __asm__ volatile(".globl s_data2\n"
                   "s_data2: mov other, %%al\n"         /* byte 0 of the aligned range: B2 */
                   "  mov other+2, %%al\n"               /* past it: nothing */
                   "  nop\n" : : : "eax", "memory");
  report("data_bp_len_aligned", (u32)s_data2);
  /* One MOVS reads watch[1] (B1) and writes watch[0] (B0): one #DB reporting both. */
  set_dr((u32)&watch[0], (u32)&watch[1] + 2, 0, 0, EN(0, 1) | RW(0, 1) | LEN(0, 3) | EN(1, 2) | RW(1, 3) | LEN(1, 0));
  __asm__ volatile(".globl s_data3\n"
                   "s_data3: lea watch+4, %%esi; lea watch, %%edi; movsl\n"
                   "  nop\n" : : : "esi", "edi", "memory");
  report("data_bp_two_in_one", (u32)s_data3);
  /* REP MOVSB through a write breakpoint on dst[5]: the trap follows that iteration, EIP at the
     REP instruction with ECX/EDI mid-way and RF = 1 pushed; RF lets the rest run. */
  set_dr((u32)&other[1] + 1, 0, 0, 0, EN(0, 1) | RW(0, 1) | LEN(0, 0));
  {
    u32 ecx = 0, edi = 0;
    __asm__ volatile(".globl s_rep\n"
                     "s_rep: lea watch, %%esi; lea other+4, %%edi; mov $8, %%ecx; cld\n"
                     "  rep movsb\n"
                     "  nop\n"
                     : "=c"(ecx), "=D"(edi) : : "esi", "memory");
    field("rep_ecx_after", ecx, 8);
    field("rep_edi_after", edi - (u32)&other[0], 8);
  }
  report("rep_data_bp", (u32)s_rep);

  /* A fault in the instruction that touched the watched bytes: no #DB for it. */
  set_dr((u32)&watch[0], 0, 0, 0, EN(0, 1) | RW(0, 3) | LEN(0, 3));
  {
    u32 n_;
    __asm__ volatile("movl $1f, %0" : "=m"(n_));
    resume_at = n_;
    __asm__ volatile("mov watch, %%eax; mov $0x18, %%ecx; mov %%ecx, %%ds\n1: mov $0x10, %%ecx; mov %%ecx, %%ds"
                     : : : "eax", "ecx", "memory");
    /* The #GP above pushed RF = 1 (fault class); the read of watch before it trapped first. */
    field("gp_vector", got_vector, 2);
    field("gp_pushed_rf", (got_eflags >> 16) & 1, 1);
    field("data_bp_before_gp", nlog, 2);
    reset();
  }

  /* ---- I/O breakpoints (R/W = 10b, CR4.DE): DR0 watches port 0x80 (1 byte), DR1 ports 0x70-0x71
     (LEN 2): traps after OUT/IN that touch them. */
  __asm__ volatile("mov %%cr4, %%eax; or $8, %%eax; mov %%eax, %%cr4" : : : "eax");
  set_dr(0x80, 0x70, 0, 0, EN(0, 1) | RW(0, 2) | LEN(0, 0) | EN(1, 2) | RW(1, 2) | LEN(1, 1));
  __asm__ volatile(".globl s_io\n"
                   "s_io: mov $0, %%al; outb %%al, $0x80\n"  /* B0 */
                   "  inb $0x81, %%al\n"                      /* nothing */
                   "  mov $0x7f, %%dx; outw %%ax, %%dx\n"      /* ports 0x7f-0x80: B0 */
                   "  mov $0x8f, %%al; outb %%al, $0x70\n"   /* B1 (CMOS index) */
                   "  nop\n" : : : "eax", "edx");
  report("io_bp", (u32)s_io);
  __asm__ volatile("mov %%cr4, %%eax; and $~8, %%eax; mov %%eax, %%cr4" : : : "eax");

  /* ---- single-step: POPF sets TF (no trap after it), traps after each instruction, POPF clearing
     TF traps once more; INT n clears TF for its handler and IRET brings it back. */
  __asm__ volatile(".globl s_step\n"
                   "s_step: pushf; orl $0x100, (%%esp); popf\n"
                   "  nop\n"
                   "  mov $3, %%eax\n"
                   "  pushf; andl $~0x100, (%%esp); popf\n"
                   "  nop\n" : : : "eax", "cc", "memory");
  report("single_step", (u32)s_step);
  gate(0x81, (u32)int81_handler, 0);
  __asm__ volatile(".globl s_stepint\n"
                   "s_stepint: pushf; orl $0x100, (%%esp); popf\n"
                   "  int $0x81\n"
                   "  nop\n"
                   "  pushf; andl $~0x100, (%%esp); popf\n" : : : "cc", "memory");
  report("single_step_int", (u32)s_stepint);

  /* ---- the MOV SS / POP SS shadow: a single-step trap and a data breakpoint on the MOV SS
     operand wait until after the next instruction; STI's shadow does not delay the trap. */
  __asm__ volatile(".globl s_movss\n"
                   "s_movss: mov %%ss, %%eax; pushf; orl $0x100, (%%esp); popf\n"
                   "  mov %%eax, %%ss\n"
                   "  nop\n"
                   "  nop\n"
                   "  pushf; andl $~0x100, (%%esp); popf\n" : : : "eax", "cc", "memory");
  report("movss_single_step", (u32)s_movss);
  watch[2] = 0x10;
  set_dr((u32)&watch[2], 0, 0, 0, EN(0, 1) | RW(0, 3) | LEN(0, 1));
  __asm__ volatile(".globl s_movss_data\n"
                   "s_movss_data: mov watch+8, %%ss\n"
                   "  nop\n"
                   "  nop\n" : : : "memory");
  report("movss_data_bp", (u32)s_movss_data);
  __asm__ volatile(".globl s_popss\n"
                   "s_popss: push %%ss; pushf; orl $0x100, (%%esp); popf\n"
                   "  pop %%ss\n"
                   "  nop\n"
                   "  pushf; andl $~0x100, (%%esp); popf\n" : : : "cc", "memory");
  report("popss_single_step", (u32)s_popss);
  __asm__ volatile(".globl s_sti\n"
                   "s_sti: pushf; cli; pushf; orl $0x100, (%%esp); popf\n"
                   "  sti\n"
                   "  nop\n"
                   "  popf\n" : : : "cc", "memory");
  report("sti_single_step", (u32)s_sti);
  /* TF over STI; HLT (kvm-unit-tests debug): the single-step #DB after HLT resumes the halted
     processor (SDM Vol 2A HLT: a debug exception resumes execution), whose #DB gate cleared IF.
     The LAPIC timer armed here (one-shot, 10^7 bus cycles, stopped after) only wakes
     QEMU TCG, which halts there (substituted in debug_kernels.test.ts). */
  gate(0x40, (u32)lapic_eoi_handler, 0);
  mmio_write32(0xfee000f0, 0x1ff);     /* SVR: APIC software-enabled */
  mmio_write32(0xfee003e0, 0xb);       /* TDCR: divide by 1 */
  mmio_write32(0xfee00320, 0x40);      /* LVT timer: one-shot, vector 40h */
  mmio_write32(0xfee00380, 10000000);  /* TMICT */
  __asm__ volatile(".globl s_sti_hlt\n"
                   "s_sti_hlt: pushf; cli; pushf; orl $0x100, (%%esp); popf\n"
                   "  sti\n"
                   "  hlt\n"
                   "  nop\n"
                   "  popf\n" : : : "cc", "memory");
  mmio_write32(0xfee00380, 0);         /* TMICT 0 stops the timer */
  mmio_write32(0xfee00320, 0x10040);   /* and masks it */
  report("sti_hlt_single_step", (u32)s_sti_hlt);

  /* ---- DR7.GD: the next MOV DR raises #DB (a fault: EIP at the MOV) with DR6.BD; the handler
     runs with GD clear. */
  got_dr7 = 0xffffffff;
  __asm__ volatile(".globl s_gd\n"
                   "s_gd: mov %0, %%dr7\n"
                   "  mov %%dr0, %%eax\n"
                   "  nop\n" : : "r"(0x2000) : "eax");
  field("gd_dr7_in_handler", got_dr7, 8);
  report("general_detect", (u32)s_gd);

  /* DR6 and DR7 read back: fixed bits, reserved bits. */
  u32 dr6, dr7;
  __asm__ volatile("mov %2, %%dr6; mov %3, %%dr7; mov %%dr6, %0; mov %%dr7, %1; xor %%ecx, %%ecx; mov %%ecx, %%dr7"
                   : "=r"(dr6), "=r"(dr7) : "r"(0xfu), "r"(0x3ffu) : "ecx");
  field("dr6_b0_b3", dr6, 8);
  field("dr7_enables", dr7, 8);

  puts_serial("done\n");
  qemu_exit(0);
}
