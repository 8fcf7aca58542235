/* Secondary vCPUs brought up through Xen instead of INIT/SIPI, as PVH guests and XTF do:
   VCPUOP_initialise with a struct vcpu_hvm_context (public/hvm/hvm_vcpu.h), then VCPUOP_up;
   VCPUOP_down from another vCPU and from the vCPU itself; VCPUOP_is_up; and the refusals of
   Xen 4.17's do_vcpu_op and arch_set_info_hvm_guest (xen/arch/x86/hvm/domain.c). Needs 3 vCPUs.
   The 32-bit build starts its APs in 32-bit flat protected mode (VCPU_HVM_MODE_32B), the 64-bit
   build in long mode on the BSP's page tables (VCPU_HVM_MODE_64B). The APs only write memory and
   make hypercalls that print nothing; the BSP prints every observation. The last vCPU going down
   (the BSP itself) powers the domain off. */
#include "xen_guest.h"

enum { VCPUOP_initialise = 0, VCPUOP_up = 1, VCPUOP_down = 2, VCPUOP_is_up = 3, VCPUOP_get_runstate_info = 4 };
enum { VCPU_HVM_MODE_32B = 0, VCPU_HVM_MODE_64B = 1 };

struct vcpu_hvm_x86_32 {
  u32 eax, ecx, edx, ebx, esp, ebp, esi, edi, eip, eflags, cr0, cr3, cr4, pad1;
  u64 efer;
  u32 cs_base, ds_base, ss_base, es_base, tr_base;
  u32 cs_limit, ds_limit, ss_limit, es_limit, tr_limit;
  u16 cs_ar, ds_ar, ss_ar, es_ar, tr_ar, pad2[3];
};
struct vcpu_hvm_x86_64 { u64 rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi, rip, rflags, cr0, cr3, cr4, efer; };
struct vcpu_hvm_context {
  u32 mode, pad;
  union { struct vcpu_hvm_x86_32 x86_32; struct vcpu_hvm_x86_64 x86_64; } cpu_regs;
};
struct vcpu_runstate_info { int state; u64 state_entry_time; u64 time[4]; };

#define NR_APS 2
static u8 ap_stack[NR_APS + 1][4096] __attribute__((aligned(16)));
/* Per vCPU, written by the AP: its id from the context's EAX, its id from CPUID, a counter that
   moves while it runs, xen_version seen through the hypercall page, VCPUOP_down's result. */
static volatile u32 ap_arg[NR_APS + 1], ap_cpuid_id[NR_APS + 1], ap_count[NR_APS + 1];
static volatile long ap_version[NR_APS + 1], ap_down_rc[NR_APS + 1];
static volatile u32 ap_cmd[NR_APS + 1], ap_resumed[NR_APS + 1];
static u32 xen_base;

void ap_main(ulong id);

/* The AP entry: the context put the vCPU id in EAX/RAX and a stack in ESP/RSP. */
#ifdef __x86_64__
__asm__(".text\n.globl ap_entry\nap_entry:\n  mov %rax, %rdi\n  call ap_main\n1: hlt\n  jmp 1b\n");
#else
__asm__(".text\n.globl ap_entry\nap_entry:\n  push %eax\n  call ap_main\n1: hlt\n  jmp 1b\n");
#endif
extern char ap_entry[];

void ap_main(ulong id) {
  u32 a, b, c, d;
  if (id > NR_APS) for (;;) {}
  cpuid(xen_base + 4, &a, &b, &c, &d); /* EBX: vCPU id (XEN_HVM_CPUID_VCPU_ID_PRESENT) */
  ap_cpuid_id[id] = b;
  ap_version[id] = hcall(xen_version, 0, 0, 0);
  ap_arg[id] = (u32)id;
  for (;;) {
    ap_count[id]++;
    if (ap_cmd[id] == 1) {
      ap_cmd[id] = 0;
      ap_down_rc[id] = hcall(vcpu_op, VCPUOP_down, id, 0);
      ap_resumed[id] = 1;
    }
  }
}

static ulong read_cr0(void) { ulong v; __asm__ volatile("mov %%cr0, %0" : "=r"(v)); return v; }
static ulong read_cr3(void) { ulong v; __asm__ volatile("mov %%cr3, %0" : "=r"(v)); return v; }
static ulong read_cr4(void) { ulong v; __asm__ volatile("mov %%cr4, %0" : "=r"(v)); return v; }
static u64 read_efer(void) { u32 lo, hi; __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(0xc0000080)); return ((u64)hi << 32) | lo; }

/* 32-bit flat protected mode like the BSP's (XTF's launch_aps uses the same attributes). */
static void ctx32(struct vcpu_hvm_context *c, u32 id) {
  char *z = (char *)c;
  for (u32 i = 0; i < sizeof *c; i++) z[i] = 0;
  c->mode = VCPU_HVM_MODE_32B;
  struct vcpu_hvm_x86_32 *r = &c->cpu_regs.x86_32;
  r->eax = id;
  r->esp = (u32)(ulong)(ap_stack[id] + 4096);
  r->eip = (u32)(ulong)ap_entry;
  r->eflags = 0x2;
  r->cr0 = 0x11; /* PE | ET */
  r->cs_limit = r->ds_limit = r->ss_limit = r->es_limit = ~0u;
  r->tr_limit = 0x67;
  r->cs_ar = 0xc9b;
  r->ds_ar = r->ss_ar = r->es_ar = 0xc93;
  r->tr_ar = 0x8b;
}

static void ctx64(struct vcpu_hvm_context *c, u32 id) {
  char *z = (char *)c;
  for (u32 i = 0; i < sizeof *c; i++) z[i] = 0;
  c->mode = VCPU_HVM_MODE_64B;
  struct vcpu_hvm_x86_64 *r = &c->cpu_regs.x86_64;
  r->rax = id;
  r->rsp = (ulong)(ap_stack[id] + 4096);
  r->rip = (ulong)ap_entry;
  r->rflags = 0x2;
  r->cr0 = 0x80000011; /* PG | ET | PE */
  r->cr4 = 0x20;       /* PAE */
  r->efer = 0x100;     /* LME */
#ifdef __x86_64__
  r->cr0 = read_cr0();
  r->cr3 = read_cr3();
  r->cr4 = read_cr4();
  r->efer = read_efer();
#endif
}

/* A context for this build's mode, for a vCPU that will really run. */
static void ctx_native(struct vcpu_hvm_context *c, u32 id) {
#ifdef __x86_64__
  ctx64(c, id);
#else
  ctx32(c, id);
#endif
}

static struct vcpu_hvm_context ctx;

static long init(u32 vcpu) { return hcall(vcpu_op, VCPUOP_initialise, vcpu, (ulong)&ctx); }
static long vop(int cmd, u32 vcpu) { return hcall(vcpu_op, cmd, vcpu, 0); }
static void spin(u32 n) { for (volatile u32 i = 0; i < n; i++) {} }

void guest_main(u32 magic, u32 start_info) {
  (void)magic; (void)start_info; (void)read_cr0; (void)read_cr3; (void)read_cr4; (void)read_efer;
  xen_base = xen_setup();

  report("is_up(1) before start", vop(VCPUOP_is_up, 1));
  report("up(1) before initialise", vop(VCPUOP_up, 1));
  ctx32(&ctx, 1);
  report("initialise(7)", init(7));
  report("initialise(1) bad pointer", hcall(vcpu_op, VCPUOP_initialise, 1, 0xfffff000u));

  /* arch_set_info_hvm_guest's refusals, each on an otherwise good 32-bit context. */
  ctx32(&ctx, 1); ctx.mode = 2; report("32b: mode 2", init(1));
  ctx32(&ctx, 1); ctx.pad = 1; report("32b: pad", init(1));
  ctx32(&ctx, 1); ctx.cpu_regs.x86_32.pad1 = 1; report("32b: pad1", init(1));
  ctx32(&ctx, 1); ctx.cpu_regs.x86_32.pad2[2] = 1; report("32b: pad2[2]", init(1));
  ctx32(&ctx, 1); ctx.cpu_regs.x86_32.cs_ar = 0; report("32b: null CS", init(1));
  ctx32(&ctx, 1); ctx.cpu_regs.x86_32.ss_ar = 0; report("32b: null SS", init(1));
  ctx32(&ctx, 1); ctx.cpu_regs.x86_32.tr_ar = 0; report("32b: null TR", init(1));
  ctx32(&ctx, 1); ctx.cpu_regs.x86_32.cs_ar = 0x1c9b; report("32b: CS attr bit 12", init(1));
  ctx32(&ctx, 1); ctx.cpu_regs.x86_32.cs_ar = 0xc93; report("32b: data segment for CS", init(1));
  ctx32(&ctx, 1); ctx.cpu_regs.x86_32.ss_ar = 0xc9b; report("32b: code segment for SS", init(1));
  ctx32(&ctx, 1); ctx.cpu_regs.x86_32.ss_ar = 0xc91; report("32b: read-only SS", init(1));
  ctx32(&ctx, 1); ctx.cpu_regs.x86_32.ds_ar = 0xc99; report("32b: execute-only DS", init(1));
  ctx32(&ctx, 1); ctx.cpu_regs.x86_32.es_ar = 0xc13; report("32b: not-present ES", init(1));
  ctx32(&ctx, 1); ctx.cpu_regs.x86_32.ds_ar = 0xc03; report("32b: system descriptor for DS", init(1));
  ctx32(&ctx, 1); ctx.cpu_regs.x86_32.tr_ar = 0x9b; report("32b: code segment for TR", init(1));
  ctx32(&ctx, 1); ctx.cpu_regs.x86_32.tr_ar = 0x82; report("32b: LDT for TR", init(1));
  ctx32(&ctx, 1); ctx.cpu_regs.x86_32.cs_ar = 0x49b; ctx.cpu_regs.x86_32.cs_limit = 0xfff; report("32b: EIP past CS limit", init(1));
  ctx32(&ctx, 1); ctx.cpu_regs.x86_32.ss_ar = 0xcf3; report("32b: SS.DPL != CS.DPL", init(1));
  ctx32(&ctx, 1); ctx.cpu_regs.x86_32.ds_ar = 0xcf3; report("32b: DS.DPL > CS.DPL", init(1));
  ctx32(&ctx, 1); ctx.cpu_regs.x86_32.es_ar = 0xcf3; report("32b: ES.DPL > CS.DPL", init(1));
  ctx32(&ctx, 1); ctx.cpu_regs.x86_32.efer = 0x400; report("32b: EFER.LMA without LME", init(1));
  ctx32(&ctx, 1); ctx.cpu_regs.x86_32.efer = 0x100; report("32b: EFER.LME without CR0.PG", init(1));
  ctx32(&ctx, 1); ctx.cpu_regs.x86_32.efer = 0x1000; report("32b: EFER bit 12", init(1));
  ctx32(&ctx, 1); ctx.cpu_regs.x86_32.cr4 = 0x80000000u; report("32b: CR4 bit 31", init(1));
  ctx64(&ctx, 1); ctx.cpu_regs.x86_64.rip = 0x0000800000000000ull; report("64b: non-canonical RIP", init(1));
  ctx64(&ctx, 1); ctx.cpu_regs.x86_64.cr0 &= ~0x80000000ull; report("64b: CR0.PG clear", init(1));
  ctx64(&ctx, 1); ctx.cpu_regs.x86_64.cr4 &= ~0x20ull; report("64b: CR4.PAE clear", init(1));
  ctx64(&ctx, 1); ctx.cpu_regs.x86_64.efer &= ~0x100ull; report("64b: EFER.LME clear", init(1));
  report("is_up(1) after refusals", vop(VCPUOP_is_up, 1));

  /* A good context: initialised but still down until VCPUOP_up. */
  ctx_native(&ctx, 1);
  report("initialise(1)", init(1));
  report("is_up(1) after initialise", vop(VCPUOP_is_up, 1));
  report("initialise(1) again", init(1));
  report("initialise(0) (the running BSP)", init(0));
  report("up(1)", vop(VCPUOP_up, 1));
  for (u32 i = 0; i < 1000000 && ap_arg[1] != 1; i++) {}
  report("ap 1 got EAX/RAX from the context", ap_arg[1]);
  report("ap 1 CPUID vCPU id", ap_cpuid_id[1]);
  reporthex("ap 1 xen_version", (u32)ap_version[1]);
  report("is_up(1) running", vop(VCPUOP_is_up, 1));
  report("up(1) while up", vop(VCPUOP_up, 1));

  /* Down from another vCPU: it stops where it is; up lets it run on. */
  report("down(1) from vCPU 0", vop(VCPUOP_down, 1));
  report("is_up(1) after down", vop(VCPUOP_is_up, 1));
  struct vcpu_runstate_info rs;
  rs.state = -1;
  hcall(vcpu_op, VCPUOP_get_runstate_info, 1, (ulong)&rs);
  report("runstate(1) after down (3 = offline)", rs.state);
  report("down(1) again", vop(VCPUOP_down, 1));
  u32 c0 = ap_count[1];
  spin(100000);
  report("ap 1 still while down", ap_count[1] == c0);
  report("up(1) after down", vop(VCPUOP_up, 1));
  for (u32 i = 0; i < 1000000 && ap_count[1] == c0; i++) {}
  report("ap 1 runs on", ap_count[1] != c0);

  /* Down from the vCPU itself: the hypercall returns 0 once it is brought up again. */
  ap_cmd[1] = 1;
  for (u32 i = 0; i < 1000000 && vop(VCPUOP_is_up, 1) != 0; i++) {}
  report("ap 1 took itself down", vop(VCPUOP_is_up, 1) == 0);
  report("ap 1 resumed while down", ap_resumed[1]);
  report("initialise(1) after down", init(1));
  report("up(1) again", vop(VCPUOP_up, 1));
  for (u32 i = 0; i < 1000000 && !ap_resumed[1]; i++) {}
  report("ap 1 VCPUOP_down returned", ap_down_rc[1]);

  /* A second AP, then everyone down: the last vCPU going down powers the domain off. */
  ctx_native(&ctx, 2);
  report("initialise(2)", init(2));
  report("up(2)", vop(VCPUOP_up, 2));
  for (u32 i = 0; i < 1000000 && ap_arg[2] != 2; i++) {}
  report("ap 2 CPUID vCPU id", ap_cpuid_id[2]);
  report("down(1)", vop(VCPUOP_down, 1));
  report("down(2)", vop(VCPUOP_down, 2));
  report("is_up(0)", vop(VCPUOP_is_up, 0));
  report("down(0), the last one", vop(VCPUOP_down, 0));
  puts_serial("down(0) returned\n");
  qemu_exit(2);
}
