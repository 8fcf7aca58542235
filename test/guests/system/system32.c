/* System instructions in 32-bit protected mode, checked against QEMU TCG line by line:
   descriptor-table stores (SGDT SIDT STR SLDT SMSW), LLDT, LAR/LSL/VERR/VERW on code, data,
   system and call-gate descriptors, ARPL, control/debug-register checks (#GP on reserved CR4
   bits and on CR0.PG without PE, DR4 #UD with CR4.DE, DR6/DR7 fixed bits, CLTS), a double
   fault from a fault whose gate is not present, TF single-step traps and DR6.BS, a far jump
   into 16-bit protected mode and back, far CALL from ring 3 through a call gate with two
   parameters and LRET back (and #GP(selector) through a DPL 0 gate), SYSENTER/SYSEXIT, RDTSC.
   Uses the exception stubs of exc32.S. */
#include "../guest_lib.h"

struct frame { u32 edi, esi, ebp, esp, ebx, edx, ecx, eax, vector, error, eip, cs, eflags, uesp, uss; };

static u64 gdt[16];
static u64 idt[256];
static u32 tss[26 + 9]; /* 104-byte TSS, then an I/O bitmap for ports 0-255 and the 0xff end byte */
static u64 ldt[2];
static u32 tss_b[26];
static u8 task_b_stack[1024] __attribute__((aligned(16)));
struct __attribute__((packed)) dtr { u16 limit; u32 base; };
extern const u32 exc_stubs[];
extern void user_return_stub(void);
extern void enter_user(u32 entry, u32 user_esp);

volatile u32 got_vector = 0xff, got_error;
volatile u32 io_vec80, io_vec81, io_vec7f;
volatile u32 resume_at;
static volatile u32 db_count, db_dr6;
static u8 kstack[4096] __attribute__((aligned(16)));
static u8 ustack[4096] __attribute__((aligned(16)));
static u8 sysenter_stack[1024] __attribute__((aligned(16)));

void exc_record(struct frame *f) {
  if (f->vector == 1) {
    /* Single-step: count and continue (the handler itself runs with TF clear). */
    u32 dr6;
    __asm__ volatile("mov %%dr6, %0" : "=r"(dr6));
    db_dr6 |= dr6;
    db_count++;
    return;
  }
  got_vector = f->vector;
  got_error = f->error;
  f->eip = resume_at;
}

static u64 seg(u32 base, u32 limit, u32 access, u32 flags) {
  return (limit & 0xffff) | ((u64)(base & 0xffffff) << 16) | ((u64)access << 40) |
         ((u64)((limit >> 16) & 0xf) << 48) | ((u64)flags << 52) | ((u64)(base >> 24) << 56);
}
static u64 callgate(u32 sel, u32 off, u32 dpl, u32 params) {
  return (off & 0xffff) | ((u64)sel << 16) | ((u64)(params & 0x1f) << 32) | ((u64)(0x8c | (dpl << 5)) << 40) |
         ((u64)(off >> 16) << 48);
}
static void gate(int v, u32 h, u32 dpl) {
  idt[v] = (h & 0xffff) | (0x08u << 16) | ((u64)(0x8e00 | (dpl << 13)) << 32) | ((u64)(h >> 16) << 48);
}

static void result(const char *name) {
  puts_serial(name);
  puts_serial(": vector="); puthex(got_vector, 2);
  puts_serial(" error="); puthex(got_error, 8);
  putc_serial('\n');
  got_vector = 0xff; got_error = 0;
}

#define EXPECT(name, setup, insn, clobber...)                                       \
  do {                                                                            \
    u32 n_;                                                                       \
    __asm__ volatile("movl $2f, %0" : "=m"(n_));                                 \
    resume_at = n_;                                                               \
    __asm__ volatile(setup "\n1: " insn "\n2:\n" : : : "memory", "cc", ##clobber); \
    result(name);                                                                 \
  } while (0)

static void lar_line(u32 sel) {
  u32 ar = 0, lim = 0, zf_ar, zf_lim, zf_r, zf_w;
  __asm__ volatile("xor %0, %0; lar %2, %0; setz %b1" : "=&r"(ar), "=&q"(zf_ar) : "r"(sel) : "cc");
  __asm__ volatile("xor %0, %0; lsl %2, %0; setz %b1" : "=&r"(lim), "=&q"(zf_lim) : "r"(sel) : "cc");
  __asm__ volatile("verr %w1; setz %b0" : "=&q"(zf_r) : "r"(sel) : "cc");
  __asm__ volatile("verw %w1; setz %b0" : "=&q"(zf_w) : "r"(sel) : "cc");
  puts_serial("sel "); puthex(sel, 4);
  puts_serial(": lar_zf="); puthex(zf_ar & 1, 1); puts_serial(" ar="); puthex((zf_ar & 1) ? ar : 0, 8);
  puts_serial(" lsl_zf="); puthex(zf_lim & 1, 1); puts_serial(" limit="); puthex((zf_lim & 1) ? lim : 0, 8);
  puts_serial(" verr="); puthex(zf_r & 1, 1); puts_serial(" verw="); puthex(zf_w & 1, 1);
  putc_serial('\n');
}

/* Call-gate target (ring 0): record the inner stack the CPU built, then LRET $8 to ring 3. */
volatile u32 gate_cs, gate_ss, gate_stack[6];
extern char gate_target[];
__asm__(".pushsection .text\n.globl gate_target\n"
        "gate_target:\n"
        "  mov %cs, gate_cs\n"
        "  mov %ss, gate_ss\n"
        "  push %eax\n"
        "  mov 4(%esp), %eax; mov %eax, gate_stack\n"
        "  mov 8(%esp), %eax; mov %eax, gate_stack+4\n"
        "  mov 12(%esp), %eax; mov %eax, gate_stack+8\n"
        "  mov 16(%esp), %eax; mov %eax, gate_stack+12\n"
        "  mov 20(%esp), %eax; mov %eax, gate_stack+16\n"
        "  mov 24(%esp), %eax; mov %eax, gate_stack+20\n"
        "  pop %eax\n"
        "  lret $8\n"
        ".popsection\n");

/* SYSENTER target (ring 0): record CS/SS/ESP, return with SYSEXIT (EDX = EIP, ECX = ESP). */
volatile u32 se_cs, se_ss, se_esp;
extern char sysenter_target[];
__asm__(".pushsection .text\n.globl sysenter_target\n"
        "sysenter_target:\n"
        "  mov %cs, se_cs\n"
        "  mov %ss, se_ss\n"
        "  mov %esp, se_esp\n"
        "  sysexit\n"
        ".popsection\n");

/* Ring-3 code: far call through the DPL 0 gate (#GP), through the DPL 3 gate with two
   parameters, then SYSENTER; ends with int $0x80. */
volatile u32 user_cs_after_gate, user_cs_after_sysexit, user_esp_before, user_esp_after;
extern char user_code[];
__asm__(".pushsection .text\n.globl user_code\n"
        "user_code:\n"
        "  movl $v1, resume_at\n"
        "  inb $0x80, %al\n"
        "v1: movl got_vector, %eax; movl %eax, io_vec80; movl $0xff, got_vector\n"
        "  movl $v2, resume_at\n"
        "  inb $0x81, %al\n"
        "v2: movl got_vector, %eax; movl %eax, io_vec81; movl $0xff, got_vector\n"
        "  movl $v3, resume_at\n"
        "  outw %ax, $0x7f\n"
        "v3: movl got_vector, %eax; movl %eax, io_vec7f; movl $0xff, got_vector\n"
        "  movl $u2, resume_at\n"
        "u1: lcall $0x4b, $0\n"
        "u2: push $0x2222\n"
        "  push $0x1111\n"
        "  mov %esp, user_esp_before\n"
        "  lcall $0x33, $0\n"
        "  mov %esp, user_esp_after\n"
        "  mov %cs, user_cs_after_gate\n"
        "  add $8, %esp\n"
        "  mov $u3, %edx\n"
        "  mov %esp, %ecx\n"
        "  sysenter\n"
        "u3: mov %cs, user_cs_after_sysexit\n"
        "  int $0x80\n"
        ".popsection\n");

/* Task B (hardware task switching, SDM Vol 3 ch. 8): entered by JMP, CALL or INT through a
   task gate; records TR, EFLAGS, its back link and what LAR says of both TSS descriptors. */
volatile u32 tb_tr, tb_flags, tb_link, tb_lar28, tb_lar70;
extern char task_b_jmp[], task_b_nested[];
__asm__(".pushsection .text\n"
        "task_b_jmp:\n"
        "  call task_b_record\n"
        "  ljmp $0x28, $0\n"
        "task_b_nested:\n"
        "  call task_b_record\n"
        "  iret\n"
        "task_b_record:\n"
        "  str %ax; movzwl %ax, %eax; mov %eax, tb_tr\n"
        "  pushf; pop %eax; mov %eax, tb_flags\n"
        "  mov tss_b, %eax; mov %eax, tb_link\n"
        "  mov $0x28, %ecx; xor %eax, %eax; lar %ecx, %eax; mov %eax, tb_lar28\n"
        "  mov $0x70, %ecx; xor %eax, %eax; lar %ecx, %eax; mov %eax, tb_lar70\n"
        "  ret\n"
        ".popsection\n");

static void task_b_prepare(char *entry) {
  for (int k = 0; k < 26; k++) tss_b[k] = 0;
  tss_b[8] = (u32)entry;                                  /* EIP */
  tss_b[9] = 2;                                           /* EFLAGS */
  tss_b[14] = (u32)(task_b_stack + sizeof task_b_stack);  /* ESP */
  tss_b[18] = 0x10; tss_b[19] = 0x08; tss_b[20] = 0x10;   /* ES CS SS */
  tss_b[21] = 0x10; tss_b[22] = 0x10; tss_b[23] = 0x10;   /* DS FS GS */
  tss_b[25] = 104u << 16;
}

static void task_lines(const char *how) {
  u32 lar70 = 0;
  __asm__ volatile("mov $0x70, %%ecx; xor %0, %0; lar %%ecx, %0" : "=&r"(lar70) : : "ecx", "cc");
  puts_serial(how);
  puts_serial(": tr="); puthex(tb_tr, 4);
  puts_serial(" nt="); puthex((tb_flags >> 14) & 1, 1);
  puts_serial(" link="); puthex(tb_link & 0xffff, 4);
  puts_serial(" lar28="); puthex(tb_lar28, 8);
  puts_serial(" lar70="); puthex(tb_lar70, 8);
  puts_serial(" lar70_after="); puthex(lar70, 8);
  putc_serial('\n');
  tb_tr = tb_flags = tb_link = tb_lar28 = tb_lar70 = 0;
}

/* 16-bit protected-mode code reached by a far jump; comes back with a 32-bit far jump. */
volatile u32 pm16_ax;
extern char pm16_code[];
__asm__(".pushsection .text\n.globl pm16_code\n"
        ".code16\n"
        "pm16_code:\n"
        "  mov $0x1234, %ax\n"
        "  add %ax, %ax\n"
        "  mov %eax, %ebx\n"
        "  ljmpl $0x08, $pm16_back\n"
        ".code32\n"
        ".popsection\n");

void guest_main(u32 eax, u32 ebx) {
  (void)eax; (void)ebx;
  gdt[1] = seg(0, 0xfffff, 0x9a, 0xc);  /* 0x08 code, ring 0 */
  gdt[2] = seg(0, 0xfffff, 0x92, 0xc);  /* 0x10 data, ring 0 */
  gdt[3] = seg(0, 0xfffff, 0xfa, 0xc);  /* 0x18 code, ring 3 */
  gdt[4] = seg(0, 0xfffff, 0xf2, 0xc);  /* 0x20 data, ring 3 */
  gdt[5] = seg((u32)tss, sizeof tss - 1, 0x89, 0x0); /* 0x28 TSS */
  gdt[6] = callgate(0x08, (u32)gate_target, 3, 2);   /* 0x30 call gate, DPL 3, 2 params */
  gdt[7] = seg((u32)pm16_code & 0xffff0000, 0xffff, 0x9a, 0x0); /* 0x38 16-bit code, ring 0 */
  gdt[8] = seg(0x1000, 0xfff, 0x92, 0x4); /* 0x40 data, limit 0xfff */
  gdt[9] = callgate(0x08, (u32)gate_target, 0, 2);   /* 0x48 call gate, DPL 0 */
  gdt[10] = seg(0, 0xfffff, 0x9e, 0xc); /* 0x50 conforming readable code, DPL 0 */
  gdt[11] = seg((u32)ldt, sizeof ldt - 1, 0x82, 0x0); /* 0x58 LDT */
  gdt[12] = seg(0, 0xfffff, 0x1a, 0xc); /* 0x60 code, not present */
  gdt[13] = seg(0, 0xfffff, 0xf8, 0xc); /* 0x68 execute-only code, DPL 3 */
  gdt[14] = seg((u32)tss_b, sizeof tss_b - 1, 0x89, 0x0); /* 0x70 TSS of task B */
  ldt[1] = seg(0, 0xfffff, 0xf2, 0xc);  /* LDT 0x0c: data, ring 3 */
  struct dtr g = { 15 * 8 - 1, (u32)gdt };
  __asm__ volatile("lgdt %0; ljmp $0x08, $1f; 1: mov $0x10, %%ax; mov %%ax, %%ds; mov %%ax, %%es; mov %%ax, %%ss"
                   : : "m"(g) : "eax", "memory");
  tss[1] = (u32)(kstack + sizeof kstack); /* esp0 */
  tss[2] = 0x10;                          /* ss0 */
  tss[25] = 104u << 16;                   /* I/O bitmap at offset 104: only port 0x80 allowed */
  for (int k = 26; k < 26 + 9; k++) tss[k] = 0xffffffff;
  tss[26 + 4] = ~1u;                      /* ports 0x80-0x9f: bit 0 (port 0x80) clear */
  __asm__ volatile("ltr %w0" : : "r"(0x28));
  for (int v = 0; v < 20; v++) gate(v, exc_stubs[v], 0);
  gate(0x80, (u32)user_return_stub, 3);
  struct dtr i = { sizeof idt - 1, (u32)idt };
  __asm__ volatile("lidt %0" : : "m"(i));

  /* ---- stores of the descriptor-table registers */
  struct dtr sg, si;
  u32 tr = 0xffffffff, ldtr = 0xffffffff, msw = 0, cr0;
  __asm__ volatile("sgdt %0; sidt %1" : "=m"(sg), "=m"(si));
  __asm__ volatile("str %0; sldt %1" : "=r"(tr), "=r"(ldtr));
  __asm__ volatile("smsw %0; mov %%cr0, %1" : "=r"(msw), "=r"(cr0));
  field("sgdt_ok", sg.limit == g.limit && sg.base == g.base, 1);
  field("sidt_ok", si.limit == i.limit && si.base == i.base, 1);
  field("str", tr, 8);
  field("sldt", ldtr, 8);
  field("smsw_eq_cr0", msw == cr0, 1);
  __asm__ volatile("lldt %w0" : : "r"(0x58));
  __asm__ volatile("sldt %0" : "=r"(ldtr));
  field("sldt_after_lldt", ldtr, 8);
  u32 ds_lar = 0, ldt_ok = 0;
  __asm__ volatile("mov $0x0f, %%eax; mov %%eax, %%fs; lar %%eax, %0; setz %b1; mov $0x10, %%eax; mov %%eax, %%fs"
                   : "=&r"(ds_lar), "=&q"(ldt_ok) : : "eax", "cc");
  field("ldt_data_lar", (ldt_ok & 1) ? ds_lar : 0, 8);

  /* ---- LAR / LSL / VERR / VERW */
  static const u32 sels[] = { 0x08, 0x10, 0x1b, 0x23, 0x28, 0x33, 0x38, 0x40, 0x4b, 0x50, 0x58, 0x60, 0x6b, 0x0f, 0x00, 0x98 };
  for (unsigned k = 0; k < sizeof sels / sizeof sels[0]; k++) lar_line(sels[k]);

  /* ---- ARPL */
  u32 a = 0x10, zf;
  __asm__ volatile("arpl %w2, %w0; setz %b1" : "+r"(a), "=q"(zf) : "r"(0x23) : "cc");
  field("arpl_raise", a, 4); field("arpl_raise_zf", zf & 1, 1);
  a = 0x13;
  __asm__ volatile("arpl %w2, %w0; setz %b1" : "+r"(a), "=q"(zf) : "r"(0x20) : "cc");
  field("arpl_keep", a, 4); field("arpl_keep_zf", zf & 1, 1);

  /* ---- control and debug registers */
  /* Invalid CR0/CR4 values (a reserved CR4 bit, CR0.PG without PE, NW without CD) are not tried
     here: QEMU 7.2 TCG answers them with an SVM_EXIT_ERR vmexit outside SVM (a reset or a hang)
     instead of #GP(0) (SDM Vol 3A §2.5, Vol 2 MOV CR); test/x86/system/control_regs.test.ts
     checks them against the SDM. */
  EXPECT("dr4_with_de", "mov %%cr4, %%eax; or $8, %%eax; mov %%eax, %%cr4", "mov %%dr4, %%eax", "eax");
  __asm__ volatile("mov %%cr4, %%eax; and $~8, %%eax; mov %%eax, %%cr4" : : : "eax");
  u32 dr6 = 0, dr7 = 0, dr4 = 0;
  __asm__ volatile("xor %%eax, %%eax; mov %%eax, %%dr6; mov %%eax, %%dr7; mov %%dr6, %0; mov %%dr7, %1; mov %%dr4, %2"
                   : "=r"(dr6), "=r"(dr7), "=r"(dr4) : : "eax");
  field("dr6_fixed", dr6, 8);
  field("dr7_fixed", dr7, 8);
  field("dr4_is_dr6", dr4 == dr6, 1);
  u32 ts_set = 0, ts_clear = 0;
  __asm__ volatile("mov %%cr0, %%eax; or $8, %%eax; mov %%eax, %%cr0; mov %%cr0, %0; clts; mov %%cr0, %1"
                   : "=r"(ts_set), "=r"(ts_clear) : : "eax");
  field("cr0_ts_set", (ts_set >> 3) & 1, 1);
  field("cr0_ts_after_clts", (ts_clear >> 3) & 1, 1);
  EXPECT("cr3_write_ok", "mov %%cr3, %%eax", "mov %%eax, %%cr3", "eax");

  /* ---- double fault: #GP whose gate is not present (#NP while delivering #GP) */
  idt[13] &= ~(1ull << 47);
  EXPECT("double_fault", "mov $0x98, %%eax", "mov %%eax, %%ds", "eax");
  gate(13, exc_stubs[13], 0);
  __asm__ volatile("mov $0x10, %%ax; mov %%ax, %%ds" : : : "eax");
  /* A gate index beyond the IDT limit: #GP((v << 3) | 2) for INT n, EXT clear. */
  struct dtr small = { 0x80 * 8 - 1, (u32)idt };
  __asm__ volatile("lidt %0" : : "m"(small));
  EXPECT("int_beyond_idt_limit", "", "int $0x90");
  __asm__ volatile("lidt %0" : : "m"(i));
  /* Not-present gate for INT n: #NP((v << 3) | 2). */
  gate(0x91, exc_stubs[0], 0);
  idt[0x91] &= ~(1ull << 47);
  EXPECT("int_gate_not_present", "", "int $0x91");

  /* ---- TF single-step */
  db_count = 0; db_dr6 = 0;
  __asm__ volatile("pushf; orl $0x100, (%%esp); popf; nop; nop; mov $5, %%eax; pushf; andl $~0x100, (%%esp); popf; nop"
                   : : : "eax", "cc", "memory");
  field("single_step_traps", db_count, 8);
  field("single_step_dr6_bs", (db_dr6 >> 14) & 1, 1);

  /* ---- far jump into 16-bit protected mode and back */
  u32 bx = 0;
  struct __attribute__((packed)) { u32 off; u16 sel; } fp16 = { (u32)pm16_code & 0xffff, 0x38 };
  __asm__ volatile("ljmp *%1\n.globl pm16_back\npm16_back: mov %%ebx, %0" : "=r"(bx) : "m"(fp16) : "eax", "ebx", "memory");
  field("pm16_result", bx & 0xffff, 4);
  /* Far call and far return within ring 0. */
  u32 fc = 0;
  __asm__ volatile("lcall $0x08, $1f; jmp 2f; 1: mov $0x77, %0; lret; 2:" : "=r"(fc));
  field("far_call_ret", fc, 8);
  /* Far jump to a non-present code segment: #NP(selector); to the DPL 3 code from ring 0: #GP(selector). */
  EXPECT("ljmp_not_present", "", "ljmp $0x60, $0");
  EXPECT("ljmp_dpl3_from_ring0", "", "ljmp $0x18, $0");

  /* ---- ring 3: call gates and SYSENTER/SYSEXIT */
  __asm__ volatile("wrmsr" : : "c"(0x174), "a"(0x08), "d"(0));
  __asm__ volatile("wrmsr" : : "c"(0x175), "a"((u32)(sysenter_stack + sizeof sysenter_stack)), "d"(0));
  __asm__ volatile("wrmsr" : : "c"(0x176), "a"((u32)sysenter_target), "d"(0));
  enter_user((u32)user_code, (u32)(ustack + sizeof ustack));
  field("ring3_inb_80_bitmap_allows", io_vec80, 2);
  field("ring3_inb_81_bitmap_denies", io_vec81, 2);
  field("ring3_outw_7f_straddles_denied", io_vec7f, 2);
  result("lcall_dpl0_gate_from_ring3");
  field("gate_cs", gate_cs, 4);
  field("gate_ss", gate_ss, 4);
  field("gate_ret_is_user", gate_stack[0] > (u32)user_code && gate_stack[0] < (u32)user_code + 64, 1);
  field("gate_old_cs", gate_stack[1], 8);
  field("gate_param1", gate_stack[2], 8);
  field("gate_param2", gate_stack[3], 8);
  field("gate_old_esp_ok", gate_stack[4] == user_esp_before, 1);
  field("gate_old_ss", gate_stack[5], 8);
  field("lret8_pops_params", user_esp_after - user_esp_before, 8);
  field("user_cs_after_gate", user_cs_after_gate, 4);
  field("sysenter_cs", se_cs, 4);
  field("sysenter_ss", se_ss, 4);
  field("sysenter_esp_ok", se_esp == (u32)(sysenter_stack + sizeof sysenter_stack), 1);
  field("user_cs_after_sysexit", user_cs_after_sysexit, 4);

  /* ---- hardware task switches: JMP to a TSS and back, CALL (nested, IRET returns), INT through a task gate */
  u32 esi_kept = 0;
  task_b_prepare(task_b_jmp);
  __asm__ volatile("mov $0x5151, %%esi; ljmp $0x70, $0; mov %%esi, %0" : "=r"(esi_kept) : : "esi", "eax", "ecx", "memory");
  task_lines("task_jmp");
  field("task_jmp_esi_restored", esi_kept, 8);
  task_b_prepare(task_b_nested);
  __asm__ volatile("lcall $0x70, $0" : : : "eax", "ecx", "memory");
  task_lines("task_call");
  task_b_prepare(task_b_nested);
  idt[0x92] = ((u64)0x70 << 16) | ((u64)0x8500 << 32); /* task gate to 0x70 */
  __asm__ volatile("int $0x92" : : : "eax", "ecx", "memory");
  task_lines("task_gate_int");
  u32 cr0_ts;
  __asm__ volatile("mov %%cr0, %0; clts" : "=r"(cr0_ts));
  field("task_switch_sets_cr0_ts", (cr0_ts >> 3) & 1, 1);

  /* ---- RDTSC advances */
  u32 lo1, hi1, lo2, hi2;
  __asm__ volatile("rdtsc" : "=a"(lo1), "=d"(hi1));
  for (volatile int k = 0; k < 1000; k++) {}
  __asm__ volatile("rdtsc" : "=a"(lo2), "=d"(hi2));
  field("tsc_advances", ((u64)hi2 << 32 | lo2) > ((u64)hi1 << 32 | lo1), 1);

  puts_serial("done\n");
  qemu_exit(0);
}
