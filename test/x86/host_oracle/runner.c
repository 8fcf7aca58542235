/*
 * xentab host-CPU oracle runner: executes instruction bytes natively, in user
 * mode, and dumps the architectural state after them. Built by host_oracle.ts
 * with gcc (x86-64) or gcc -m32 (i386); the same source serves both.
 *
 * Fixed addresses (both modes):
 *   DATA_BASE 0x10000000, DATA_SIZE 0x2000: RW data window (two pages); the
 *             pages around it are left unmapped (MAP_FIXED_NOREPLACE).
 *   CODE_BASE 0x20000000, CODE_AREA 0x4000: RWX; the case's code is copied to
 *             CODE_BASE, followed by a jump to xo_exit; the rest is INT3.
 *
 * Stream format, all little-endian, no padding between records.
 * Input (stdin), one record per case:
 *   u32 magic 0x43524f58 ("XORC")
 *   u32 flags       bit0: DATA_SIZE bytes of data window follow the code
 *                   (otherwise the window is zero-filled)
 *   u32 code_len    <= CODE_MAX
 *   u32 reserved    0
 *   u64 gpr[16]     rax rcx rdx rbx rsp rbp rsi rdi r8..r15 (i386: first 8, low 32 bits)
 *   u64 rflags      only CF PF AF ZF SF DF OF and AC are loaded (LOAD_FLAGS)
 *   u8  fxsave[512] loaded with FXRSTOR (fxrstor64 on x86-64)
 *   u8  code[code_len]
 *   u8  mem[DATA_SIZE]   if flags bit0
 * Output (stdout), one record per case:
 *   u32 magic 0x53524f58 ("XORS")
 *   u32 outcome     0 none, 1 SIGILL, 2 SIGFPE, 3 SIGSEGV, 4 SIGBUS, 5 SIGTRAP,
 *                   6 timeout (SIGALRM, guest ran > ~0.2 s), 7 SIGSYS (a system
 *                   call from the code area, refused by seccomp), 255 bad input
 *                   (MXCSR reserved bits; nothing was run)
 *   u32 flags       bit0: DATA_SIZE bytes of data window follow (the window
 *                   changed); otherwise it equals the input window
 *   u32 trapno      ucontext trap number (signals only, else 0)
 *   u32 err         ucontext error code (signals only, else 0)
 *   u32 reserved
 *   u64 fault_addr  si_addr (SIGSEGV/SIGBUS/SIGILL/SIGFPE), else 0
 *   u64 rip         at exit: address of the exit stub (CODE_BASE + code_len);
 *                   after a fault: the faulting instruction; after a trap: the
 *                   next instruction
 *   u64 gpr[16]     as input order (i386: r8..r15 are 0)
 *   u64 rflags      as the CPU has them (the exit stub's PUSHF or ucontext)
 *   u8  fxsave[512] FXSAVE image (bytes 464..511 zeroed; i386: XMM8-15 zeroed,
 *                   and after a signal FCS/FDS rebuilt from CS/DS, see below)
 *   u8  mem[DATA_SIZE]   if flags bit0
 *
 * Limits: user mode only; segment register writes and stores into the
 * runner's own memory are not testable (they may kill or corrupt the runner;
 * a fault outside the guest prints the last case number and dies). System
 * calls from the code area are refused by a seccomp filter (SIGSYS). RSP is a
 * test input, so nothing here depends on the guest stack: the exit path saves
 * RSP first and switches to the runner stack, and all signals run on an
 * alternate stack.
 */
#define _GNU_SOURCE
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <setjmp.h>
#include <stddef.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/time.h>
#include <ucontext.h>
#include <unistd.h>

#define DATA_BASE 0x10000000UL
#define DATA_SIZE 0x2000
#define CODE_BASE 0x20000000UL
#define CODE_AREA 0x4000
#define STUB_MAX 16
#define CODE_MAX (CODE_AREA - STUB_MAX)

#define IN_MAGIC 0x43524f58u
#define OUT_MAGIC 0x53524f58u
/* EFLAGS bits a case may set: CF PF AF ZF SF DF OF AC (SDM Vol.1 3.4.3). */
#define LOAD_FLAGS 0x40cd5u

enum { OUT_NONE, OUT_SIGILL, OUT_SIGFPE, OUT_SIGSEGV, OUT_SIGBUS, OUT_SIGTRAP, OUT_TIMEOUT, OUT_SIGSYS, OUT_BAD_INPUT = 255 };

struct in_record {
  uint32_t magic, flags, code_len, reserved;
  uint64_t gpr[16];
  uint64_t rflags;
  uint8_t fx[512];
};

struct out_record {
  uint32_t magic, outcome, flags, trapno, err, reserved;
  uint64_t fault_addr, rip;
  uint64_t gpr[16];
  uint64_t rflags;
  uint8_t fx[512];
};

/* Shared with the trampoline below (by symbol name). */
uintptr_t xo_gpr_in[16], xo_gpr_out[16];
uintptr_t xo_flags_in, xo_flags_out;
uintptr_t xo_host_sp;
uintptr_t xo_code_entry = CODE_BASE;
uint32_t xo_mxcsr_default = 0x1f80;
uint8_t xo_fx_in[512] __attribute__((aligned(16)));
uint8_t xo_fx_out[512] __attribute__((aligned(16)));
/* An all-zero XSAVE area: XSTATE_BV=0 means "initialise every component". */
#define XSAVE_INIT_MAX 0x4000
uint8_t xo_xsave_init[XSAVE_INIT_MAX] __attribute__((aligned(64)));
uint32_t xo_have_xsave;
/* The runner's DS ES FS GS selectors (i386; x86-64 keeps FS/GS bases below). */
uint16_t xo_host_seg[4];
void xo_enter(void);
void xo_exit(void);

#if defined(__x86_64__)
/* xo_enter: save callee-saved registers and RSP, put every XSAVE component
 * in its init state (XRSTOR with XSTATE_BV=0: upper YMM/ZMM halves, ZMM16-31,
 * mask registers... so nothing leaks between cases or from the runner's own
 * libc), load the case state, jump to CODE_BASE. xo_exit: reached by the stub's jump; saves RSP before anything
 * touches the stack, switches to the runner stack, saves the rest. */
__asm__(
    ".intel_syntax noprefix\n"
    ".text\n"
    ".globl xo_enter\n"
    "xo_enter:\n"
    "  push rbx\n  push rbp\n  push r12\n  push r13\n  push r14\n  push r15\n"
    "  mov [rip+xo_host_sp], rsp\n"
    "  cmp dword ptr [rip+xo_have_xsave], 0\n"
    "  je 1f\n"
    "  mov eax, -1\n  mov edx, -1\n"
    "  xrstor64 [rip+xo_xsave_init]\n"
    "1:\n"
    "  fxrstor64 [rip+xo_fx_in]\n"
    "  push qword ptr [rip+xo_flags_in]\n"
    "  popfq\n"
    "  mov rax, [rip+xo_gpr_in+0]\n"
    "  mov rcx, [rip+xo_gpr_in+8]\n"
    "  mov rdx, [rip+xo_gpr_in+16]\n"
    "  mov rbx, [rip+xo_gpr_in+24]\n"
    "  mov rbp, [rip+xo_gpr_in+40]\n"
    "  mov rsi, [rip+xo_gpr_in+48]\n"
    "  mov rdi, [rip+xo_gpr_in+56]\n"
    "  mov r8,  [rip+xo_gpr_in+64]\n"
    "  mov r9,  [rip+xo_gpr_in+72]\n"
    "  mov r10, [rip+xo_gpr_in+80]\n"
    "  mov r11, [rip+xo_gpr_in+88]\n"
    "  mov r12, [rip+xo_gpr_in+96]\n"
    "  mov r13, [rip+xo_gpr_in+104]\n"
    "  mov r14, [rip+xo_gpr_in+112]\n"
    "  mov r15, [rip+xo_gpr_in+120]\n"
    "  mov rsp, [rip+xo_gpr_in+32]\n"
    "  jmp qword ptr [rip+xo_code_entry]\n"
    ".globl xo_exit\n"
    "xo_exit:\n"
    "  mov [rip+xo_gpr_out+32], rsp\n"
    "  mov rsp, [rip+xo_host_sp]\n"
    "  pushfq\n"
    "  pop qword ptr [rip+xo_flags_out]\n"
    "  mov [rip+xo_gpr_out+0], rax\n"
    "  mov [rip+xo_gpr_out+8], rcx\n"
    "  mov [rip+xo_gpr_out+16], rdx\n"
    "  mov [rip+xo_gpr_out+24], rbx\n"
    "  mov [rip+xo_gpr_out+40], rbp\n"
    "  mov [rip+xo_gpr_out+48], rsi\n"
    "  mov [rip+xo_gpr_out+56], rdi\n"
    "  mov [rip+xo_gpr_out+64], r8\n"
    "  mov [rip+xo_gpr_out+72], r9\n"
    "  mov [rip+xo_gpr_out+80], r10\n"
    "  mov [rip+xo_gpr_out+88], r11\n"
    "  mov [rip+xo_gpr_out+96], r12\n"
    "  mov [rip+xo_gpr_out+104], r13\n"
    "  mov [rip+xo_gpr_out+112], r14\n"
    "  mov [rip+xo_gpr_out+120], r15\n"
    "  fxsave64 [rip+xo_fx_out]\n"
    /* Give C back its environment: default x87/SSE control, DF and AC clear. */
    "  fninit\n"
    "  ldmxcsr [rip+xo_mxcsr_default]\n"
    "  pushfq\n"
    "  and qword ptr [rsp], ~0x40500\n"
    "  popfq\n"
    "  pop r15\n  pop r14\n  pop r13\n  pop r12\n  pop rbp\n  pop rbx\n"
    "  ret\n"
    ".att_syntax prefix\n");
#define NGPR 16
#elif defined(__i386__)
__asm__(
    ".intel_syntax noprefix\n"
    ".text\n"
    ".globl xo_enter\n"
    "xo_enter:\n"
    "  push ebx\n  push ebp\n  push esi\n  push edi\n"
    "  mov [xo_host_sp], esp\n"
    "  cmp dword ptr [xo_have_xsave], 0\n"
    "  je 1f\n"
    "  mov eax, -1\n  mov edx, -1\n"
    "  xrstor [xo_xsave_init]\n"
    "1:\n"
    "  fxrstor [xo_fx_in]\n"
    "  push dword ptr [xo_flags_in]\n"
    "  popfd\n"
    "  mov eax, [xo_gpr_in+0]\n"
    "  mov ecx, [xo_gpr_in+4]\n"
    "  mov edx, [xo_gpr_in+8]\n"
    "  mov ebx, [xo_gpr_in+12]\n"
    "  mov ebp, [xo_gpr_in+20]\n"
    "  mov esi, [xo_gpr_in+24]\n"
    "  mov edi, [xo_gpr_in+28]\n"
    "  mov esp, [xo_gpr_in+16]\n"
    "  jmp dword ptr [xo_code_entry]\n"
    ".globl xo_exit\n"
    "xo_exit:\n"
    /* SS-relative until DS/ES/FS/GS are the runner's again: the case may have
     * loaded other (valid) selectors into them. */
    "  mov ss:[xo_gpr_out+16], esp\n"
    "  mov esp, ss:[xo_host_sp]\n"
    "  pushfd\n"
    "  pop dword ptr ss:[xo_flags_out]\n"
    "  mov ss:[xo_gpr_out+0], eax\n"
    "  mov ss:[xo_gpr_out+4], ecx\n"
    "  mov ss:[xo_gpr_out+8], edx\n"
    "  mov ss:[xo_gpr_out+12], ebx\n"
    "  mov ss:[xo_gpr_out+20], ebp\n"
    "  mov ss:[xo_gpr_out+24], esi\n"
    "  mov ss:[xo_gpr_out+28], edi\n"
    "  mov ax, ss:[xo_host_seg+0]\n  mov ds, ax\n"
    "  mov ax, ss:[xo_host_seg+2]\n  mov es, ax\n"
    "  mov ax, ss:[xo_host_seg+4]\n  mov fs, ax\n"
    "  mov ax, ss:[xo_host_seg+6]\n  mov gs, ax\n"
    "  fxsave [xo_fx_out]\n"
    "  fninit\n"
    "  ldmxcsr [xo_mxcsr_default]\n"
    "  pushfd\n"
    "  and dword ptr [esp], ~0x40500\n"
    "  popfd\n"
    "  pop edi\n  pop esi\n  pop ebp\n  pop ebx\n"
    "  ret\n"
    ".att_syntax prefix\n");
#define NGPR 8
#else
#error "x86-64 or i386 only"
#endif

static sigjmp_buf xo_jb;
static volatile sig_atomic_t xo_in_guest;
static volatile uint32_t xo_case_seq, xo_alarm_seq, xo_alarm_ticks;
static struct out_record out;
static uint8_t mem_in[DATA_SIZE];

/* XRSTOR needs CR4.OSXSAVE (CPUID.1:ECX[27]) and an area as big as CPUID.(0DH,0):EBX. */
static void probe_xsave(void) {
  uint32_t a, b, c, d;
  __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
  if (!(c & (1u << 27))) return;
  __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0xd), "c"(0));
  xo_have_xsave = b <= XSAVE_INIT_MAX;
}

static void die(const char *msg) {
  fprintf(stderr, "host_oracle runner: %s\n", msg);
  exit(2);
}

/* The FXSAVE image the kernel put in the signal frame (SDM Vol.1 10.5.1 layout).
 * x86-64: uc_mcontext.fpregs is the XSAVE area itself. i386: a 112-byte FSAVE
 * header (struct _fpstate_32) precedes it; the u16 at 110 is 0 for FXSR data. */
static const uint8_t *frame_fxsave(const ucontext_t *uc) {
  const uint8_t *p = (const uint8_t *)uc->uc_mcontext.fpregs;
  if (!p) return NULL;
#if defined(__x86_64__)
  return p;
#else
  uint16_t magic;
  memcpy(&magic, p + 110, 2);
  return magic == 0 ? p + 112 : NULL;
#endif
}

/* A case may load FS or GS (MOV Sreg, POP Sreg). In 64-bit mode loading a
 * null selector can clear the base (AMD NullSelectorClearsBase, Intel), and
 * glibc finds its thread data through FS: restore selectors and bases before
 * any C code needs them, after each case and first thing in signal handlers.
 * i386 glibc uses GS; reloading the selectors restores the bases from the
 * descriptor tables. The handlers are compiled without stack protector so no
 * TLS access precedes this. */
#if defined(__x86_64__)
static uint64_t host_fs_base, host_gs_base;
static int have_fsgsbase;

static long raw_arch_prctl(long code, unsigned long arg) {
  long ret;
  __asm__ volatile("syscall" : "=a"(ret) : "a"(158L /* SYS_arch_prctl */), "D"(code), "S"(arg) : "rcx", "r11", "memory");
  return ret;
}

static void save_segments(void) {
  __asm__ volatile("mov %%fs, %0" : "=m"(xo_host_seg[2]));
  __asm__ volatile("mov %%gs, %0" : "=m"(xo_host_seg[3]));
  raw_arch_prctl(0x1003 /* ARCH_GET_FS */, (unsigned long)&host_fs_base);
  raw_arch_prctl(0x1004 /* ARCH_GET_GS */, (unsigned long)&host_gs_base);
  have_fsgsbase = (getauxval(AT_HWCAP2) & 2 /* HWCAP2_FSGSBASE */) != 0;
}

static inline __attribute__((always_inline)) void restore_segments(void) {
  __asm__ volatile("mov %0, %%fs" ::"m"(xo_host_seg[2]));
  __asm__ volatile("mov %0, %%gs" ::"m"(xo_host_seg[3]));
  if (have_fsgsbase) {
    __asm__ volatile("wrfsbase %0" ::"r"(host_fs_base));
    __asm__ volatile("wrgsbase %0" ::"r"(host_gs_base));
  } else {
    raw_arch_prctl(0x1002 /* ARCH_SET_FS */, host_fs_base);
    raw_arch_prctl(0x1001 /* ARCH_SET_GS */, host_gs_base);
  }
}
#else
static void save_segments(void) {
  __asm__ volatile("mov %%ds, %0" : "=m"(xo_host_seg[0]));
  __asm__ volatile("mov %%es, %0" : "=m"(xo_host_seg[1]));
  __asm__ volatile("mov %%fs, %0" : "=m"(xo_host_seg[2]));
  __asm__ volatile("mov %%gs, %0" : "=m"(xo_host_seg[3]));
}

static inline __attribute__((always_inline)) void restore_segments(void) {
  __asm__ volatile("mov %%ss:%0, %%ds" ::"m"(xo_host_seg[0]));
  __asm__ volatile("mov %0, %%es" ::"m"(xo_host_seg[1]));
  __asm__ volatile("mov %0, %%fs" ::"m"(xo_host_seg[2]));
  __asm__ volatile("mov %0, %%gs" ::"m"(xo_host_seg[3]));
}
#endif

/* The kernel keeps the guest's EFLAGS.AC for the handler; clear it before any
 * C code can make a misaligned access (which would #AC inside the handler). */
#if defined(__x86_64__)
#define CLEAR_AC() __asm__ volatile("pushfq; andq $~0x40000, (%%rsp); popfq" ::: "memory", "cc")
#else
#define CLEAR_AC() __asm__ volatile("pushfl; andl $~0x40000, (%%esp); popfl" ::: "memory", "cc")
#endif

static void record_signal(int outcome, const siginfo_t *si, const ucontext_t *uc) {
  const greg_t *g = uc->uc_mcontext.gregs;
  out.outcome = outcome;
#if defined(__x86_64__)
  static const int order[16] = {REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
                                REG_R8,  REG_R9,  REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15};
  out.rip = (uint64_t)g[REG_RIP];
#else
  static const int order[8] = {REG_EAX, REG_ECX, REG_EDX, REG_EBX, REG_ESP, REG_EBP, REG_ESI, REG_EDI};
  out.rip = (uint32_t)g[REG_EIP];
#endif
  for (int i = 0; i < NGPR; i++) out.gpr[i] = (uintptr_t)g[order[i]];
  out.rflags = (uintptr_t)g[REG_EFL];
  if (outcome != OUT_TIMEOUT) {
    out.trapno = (uint32_t)g[REG_TRAPNO];
    out.err = (uint32_t)g[REG_ERR];
  }
  if (si && outcome != OUT_SIGTRAP && outcome != OUT_TIMEOUT && outcome != OUT_SIGSYS) out.fault_addr = (uintptr_t)si->si_addr;
  const uint8_t *fx = frame_fxsave(uc);
  if (fx) memcpy(out.fx, fx, 464);
#if defined(__i386__)
  /* The 64-bit kernel saves the frame in the 64-bit layout (FIP and FDP as
   * 64-bit offsets); the exit path's 32-bit FXSAVE stores FCS and FDS beside
   * 32-bit offsets. Rebuild that layout: the selectors are CS and DS, present
   * when the offsets are (as the CPU stores them). */
  uint32_t fip, fdp;
  uint16_t cs = (uint16_t)g[REG_CS], ds = (uint16_t)g[REG_DS], zero = 0;
  memcpy(&fip, out.fx + 8, 4);
  memcpy(&fdp, out.fx + 16, 4);
  memcpy(out.fx + 12, fip ? &cs : &zero, 2);
  memcpy(out.fx + 14, &zero, 2);
  memcpy(out.fx + 20, fdp ? &ds : &zero, 2);
  memcpy(out.fx + 22, &zero, 2);
#endif
}

static void on_fault(int sig, siginfo_t *si, void *ctx) {
  CLEAR_AC();
  restore_segments();
  if (!xo_in_guest) {
    /* A fault in the runner itself (perhaps a case wrote over its memory): say
     * which case ran last, then let the default action kill us. */
    char msg[80] = "host_oracle runner: fault outside the guest after case #";
    size_t n = strlen(msg);
    char digits[12];
    int k = 0;
    uint32_t v = xo_case_seq - 1;
    do digits[k++] = (char)('0' + v % 10); while ((v /= 10) && k < 11);
    while (k) msg[n++] = digits[--k];
    msg[n++] = '\n';
    (void)!write(2, msg, n);
    signal(sig, SIG_DFL);
    return;
  }
  int outcome = sig == SIGILL ? OUT_SIGILL : sig == SIGFPE ? OUT_SIGFPE : sig == SIGSEGV ? OUT_SIGSEGV
              : sig == SIGBUS ? OUT_SIGBUS : sig == SIGSYS ? OUT_SIGSYS : OUT_SIGTRAP;
  xo_in_guest = 0;
  record_signal(outcome, si, (const ucontext_t *)ctx);
  siglongjmp(xo_jb, 1);
}

/* Periodic tick: a case still running after two ticks is stopped (guest loops). */
static void on_alarm(int sig, siginfo_t *si, void *ctx) {
  CLEAR_AC();
  (void)sig;
  (void)si;
  if (!xo_in_guest || xo_case_seq != xo_alarm_seq) {
    xo_alarm_seq = xo_case_seq;
    xo_alarm_ticks = 0;
    return;
  }
  if (++xo_alarm_ticks < 2) return;
  restore_segments();
  xo_in_guest = 0;
  record_signal(OUT_TIMEOUT, NULL, (const ucontext_t *)ctx);
  siglongjmp(xo_jb, 1);
}

static int read_exact(void *buf, size_t n) {
  size_t got = fread(buf, 1, n, stdin);
  if (got == n) return 1;
  if (got == 0 && feof(stdin)) return 0;
  die("truncated input record");
  return 0;
}

static void write_exact(const void *buf, size_t n) {
  if (fwrite(buf, 1, n, stdout) != n) die("write failed");
}

static void map_fixed(uintptr_t addr, size_t size, int prot) {
  void *p = mmap((void *)addr, size, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (p != (void *)addr) die("cannot map the fixed data/code window");
}

static uint32_t host_mxcsr_mask(void) {
  static uint8_t fx[512] __attribute__((aligned(16)));
  uint32_t mask;
  memset(fx, 0, sizeof fx);
  __asm__ volatile("fxsave %0" : "=m"(fx));
  memcpy(&mask, fx + 28, 4);
  return mask ? mask : 0xffbf; /* SDM Vol.1 11.6.6: 0 means the default mask */
}

/* System calls made from the code area (SYSCALL, SYSENTER, INT 0x80) get
 * SIGSYS instead of running, so random instruction bytes cannot exit, unmap or
 * signal the runner. seccomp_data.instruction_pointer is the address after
 * the system call instruction. */
static void refuse_guest_syscalls(void) {
  struct sock_filter filter[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, instruction_pointer) + 4),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 4),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, instruction_pointer)),
      BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, (uint32_t)CODE_BASE, 0, 2),
      BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, (uint32_t)(CODE_BASE + CODE_AREA), 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog prog = {.len = sizeof filter / sizeof filter[0], .filter = filter};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) die("PR_SET_NO_NEW_PRIVS failed");
  if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) die("seccomp filter refused");
}

static void install(int sig, void (*fn)(int, siginfo_t *, void *), int extra) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = fn;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK | extra;
  sigemptyset(&sa.sa_mask);
  if (sigaction(sig, &sa, NULL) != 0) die("sigaction failed");
}

int main(void) {
  static char inbuf[1 << 20], outbuf[1 << 20];
  setvbuf(stdin, inbuf, _IOFBF, sizeof inbuf);
  setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);

  map_fixed(DATA_BASE, DATA_SIZE, PROT_READ | PROT_WRITE);
  map_fixed(CODE_BASE, CODE_AREA, PROT_READ | PROT_WRITE | PROT_EXEC);
  uint8_t *const code = (uint8_t *)CODE_BASE;
  uint8_t *const data = (uint8_t *)DATA_BASE;

  static uint8_t altstack[1 << 16] __attribute__((aligned(16)));
  stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0};
  if (sigaltstack(&ss, NULL) != 0) die("sigaltstack failed");
  install(SIGILL, on_fault, 0);
  install(SIGFPE, on_fault, 0);
  install(SIGSEGV, on_fault, 0);
  install(SIGBUS, on_fault, 0);
  install(SIGTRAP, on_fault, 0);
  install(SIGSYS, on_fault, 0);
  install(SIGALRM, on_alarm, SA_RESTART);
  struct itimerval tick = {.it_interval = {0, 100000}, .it_value = {0, 100000}};
  if (setitimer(ITIMER_REAL, &tick, NULL) != 0) die("setitimer failed");

  const uint32_t mxcsr_mask = host_mxcsr_mask();
  probe_xsave();
  save_segments();
  memset(code, 0xcc, CODE_AREA);
  refuse_guest_syscalls();
  struct in_record in;
  for (;;) {
    if (!read_exact(&in, sizeof in)) break;
    if (in.magic != IN_MAGIC) die("bad input magic");
    if (in.code_len > CODE_MAX) die("code too long");
    memset(code, 0xcc, CODE_AREA); /* also undoes guest writes to the code area */
    if (in.code_len && !read_exact(code, in.code_len)) die("truncated code");
    if (in.flags & 1) {
      if (!read_exact(mem_in, DATA_SIZE)) die("truncated data window");
    } else {
      memset(mem_in, 0, DATA_SIZE);
    }

    /* Exit stub right after the code. */
    uint8_t *stub = code + in.code_len;
#if defined(__x86_64__)
    uint64_t target = (uint64_t)(uintptr_t)xo_exit;
    static const uint8_t jmp_rip[6] = {0xff, 0x25, 0, 0, 0, 0}; /* JMP qword [rip+0] */
    memcpy(stub, jmp_rip, 6);
    memcpy(stub + 6, &target, 8);
#else
    int32_t rel = (int32_t)((uintptr_t)xo_exit - ((uintptr_t)stub + 5));
    stub[0] = 0xe9; /* JMP rel32 */
    memcpy(stub + 1, &rel, 4);
#endif

    memset(&out, 0, sizeof out);
    out.magic = OUT_MAGIC;
    uint32_t mxcsr;
    memcpy(&mxcsr, in.fx + 24, 4);
    if (mxcsr & ~mxcsr_mask) {
      out.outcome = OUT_BAD_INPUT;
      write_exact(&out, sizeof out);
      continue;
    }
    memcpy(data, mem_in, DATA_SIZE);
    for (int i = 0; i < NGPR; i++) xo_gpr_in[i] = (uintptr_t)in.gpr[i];
    xo_flags_in = (uintptr_t)((in.rflags & LOAD_FLAGS) | 2);
    memcpy(xo_fx_in, in.fx, 512);
    memset(xo_fx_out, 0, 512);

    xo_case_seq++;
    if (sigsetjmp(xo_jb, 1) == 0) {
      xo_in_guest = 1;
      xo_enter();
#if defined(__x86_64__)
      restore_segments(); /* the i386 exit routine already did */
#endif
      xo_in_guest = 0;
      out.outcome = OUT_NONE;
      out.rip = (uintptr_t)stub;
      for (int i = 0; i < NGPR; i++) out.gpr[i] = xo_gpr_out[i];
      out.rflags = xo_flags_out;
      memcpy(out.fx, xo_fx_out, 464);
    } else {
      /* Back from a signal handler: the kernel left the FPU in its init state;
       * clear AC in case the guest set it. */
#if defined(__x86_64__)
      __asm__ volatile("pushfq; andq $~0x40500, (%%rsp); popfq" ::: "memory", "cc");
#else
      __asm__ volatile("pushfl; andl $~0x40500, (%%esp); popfl" ::: "memory", "cc");
#endif
    }
#if defined(__i386__)
    memset(out.fx + 288, 0, 128); /* XMM8-15 do not exist in 32-bit mode */
#endif

    int changed = memcmp(data, mem_in, DATA_SIZE) != 0;
    out.flags = changed ? 1 : 0;
    write_exact(&out, sizeof out);
    if (changed) write_exact(data, DATA_SIZE);
  }
  if (fflush(stdout) != 0) die("flush failed");
  return 0;
}
