/* What the Xen test guests share: the hypercall page and a call through it, one-line reports on
   the hypervisor log (console_io), CPUID and the Xen leaves. Struct layouts in the guests are
   written out from Xen 4.17's public headers with xen_ulong_t / handles as unsigned long, so one
   source gives both ABIs' layouts (32-bit build: i386 "compat" ABI; 64-bit build: x86_64). */
#ifndef XEN_GUEST_H
#define XEN_GUEST_H
#include "../guest_lib.h"

typedef unsigned long ulong;

static u8 hcpage[4096] __attribute__((aligned(4096)));

/* Call stub `nr` of the hypercall page: 64-bit args in RDI RSI RDX, 32-bit in EBX ECX EDX. */
static long hcall(int nr, ulong a0, ulong a1, ulong a2) {
  long r;
  void *stub = hcpage + nr * 32;
#ifdef __x86_64__
  __asm__ volatile("call *%[stub]" : "=a"(r), "+D"(a0), "+S"(a1), "+d"(a2) : [stub] "r"(stub)
                   : "memory", "rcx", "r8", "r9", "r10", "r11");
#else
  __asm__ volatile("call *%[stub]" : "=a"(r), "+b"(a0), "+c"(a1), "+d"(a2) : [stub] "r"(stub) : "memory", "esi", "edi");
#endif
  return r;
}

enum { memory_op = 12, set_timer_op = 15, xen_version = 17, console_io = 18, grant_table_op = 20,
       vcpu_op = 24, sched_op = 29, event_channel_op = 32, physdev_op = 33, hvm_op = 34 };

#define DOMID_SELF 0x7ff0

/* console_io(CONSOLEIO_write) lines, built up in `line` (one writer at a time). */
static char line[128];
static int len;
static void put(char c) { if (len < 126) line[len++] = c; }
static void puts_(const char *s) { while (*s) put(*s++); }
static void putdec(long v) {
  char b[24]; int n = 0; unsigned long u = v < 0 ? -(unsigned long)v : (unsigned long)v;
  if (v < 0) put('-');
  do { b[n++] = (char)('0' + u % 10); u /= 10; } while (u);
  while (n) put(b[--n]);
}
static void puthex_(u32 v) { puts_("0x"); for (int i = 7; i >= 0; i--) put("0123456789abcdef"[(v >> (4 * i)) & 15]); }
static void endline(void) { put('\n'); hcall(console_io, 0, (ulong)len, (ulong)line); len = 0; }
static void report(const char *what, long rc) { puts_(what); puts_(" = "); putdec(rc); endline(); }
static void reporthex(const char *what, u32 v) { puts_(what); puts_(" = "); puthex_(v); endline(); }

static inline void cpuid(u32 leaf, u32 *a, u32 *b, u32 *c, u32 *d) {
  __asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(0));
}

/* The Xen CPUID base (0x40000000 or 0x40000100), or 0 without Xen. */
static u32 xen_cpuid_base(void) {
  u32 a, b, c, d;
  for (u32 l = 0x40000000; l < 0x40010000; l += 0x100) {
    cpuid(l, &a, &b, &c, &d);
    if (b == 0x566e6558 && c == 0x65584d4d && d == 0x4d4d566e && a - l >= 2) return l;
  }
  return 0;
}

/* Find Xen and fill the hypercall page through the MSR of leaf base+2; exits 1 without Xen. */
static u32 xen_setup(void) {
  u32 a, b, c, d, base = xen_cpuid_base();
  if (!base) { puts_serial("no Xen signature\n"); qemu_exit(1); }
  cpuid(base + 2, &a, &b, &c, &d);
  __asm__ volatile("wrmsr" : : "c"(b), "a"((u32)(ulong)hcpage), "d"(0) : "memory");
  return base;
}
#endif
