/* PAE paging's PDPTE registers (SDM Vol 3 §4.4.1), checked against QEMU TCG line by line, or
   the SDM where TCG departs: MOV to CR3, a CR4 write that changes PGE, and a CR0 write that
   turns paging on load the four PDPTEs; a memory write to the PDPT changes nothing until the
   next load (even after INVLPG); a present PDPTE with a reserved bit makes the loading MOV
   #GP(0) and leaves CR3 as it was; reserved bits in not-present PDPTEs are ignored. */
#include "../guest_lib.h"

struct frame { u32 edi, esi, ebp, esp, ebx, edx, ecx, eax, vector, error, eip, cs, eflags, uesp, uss; };

static u64 gdt[4];
static u64 idt[32];
struct __attribute__((packed)) dtr { u16 limit; u32 base; };
extern const u32 exc_stubs[];
static u64 pdpt[4] __attribute__((aligned(32)));
static u64 pd0[512] __attribute__((aligned(4096)));
static u64 pdA[512] __attribute__((aligned(4096)));
static u64 pdB[512] __attribute__((aligned(4096)));
static volatile u32 got_vector = 0xff, got_error;
volatile u32 resume_at;

void exc_record(struct frame *f) {
  got_vector = f->vector;
  got_error = f->error;
  f->eip = resume_at;
}

static u64 seg(u32 base, u32 limit, u32 access, u32 flags) {
  return (limit & 0xffff) | ((u64)(base & 0xffffff) << 16) | ((u64)access << 40) |
         ((u64)((limit >> 16) & 0xf) << 48) | ((u64)flags << 52) | ((u64)(base >> 24) << 56);
}
static void gate(int v, u32 h) {
  idt[v] = (h & 0xffff) | (0x08u << 16) | ((u64)0x8e00 << 32) | ((u64)(h >> 16) << 48);
}

/* 0x40000100 lies in PDPTE 1's range; its 2 MiB page is at 8 MiB (pdA) or 10 MiB (pdB). */
#define PROBE ((volatile u32 *)0x40000100)
static u32 probe(void) {
  __asm__ volatile("invlpg (%0)" : : "r"(PROBE) : "memory");
  return *PROBE;
}
static u32 cr3(void) { u32 v; __asm__ volatile("mov %%cr3, %0" : "=r"(v)); return v; }

/* MOV to CR3 / CR4 / CR0 that may #GP: the vector (0xff if none). */
static u32 try_cr3(u32 v) {
  u32 n_;
  __asm__ volatile("movl $1f, %0" : "=m"(n_));
  resume_at = n_;
  got_vector = 0xff;
  __asm__ volatile("mov %0, %%cr3\n1:" : : "r"(v) : "memory");
  return got_vector;
}
static u32 try_cr4(u32 v) {
  u32 n_;
  __asm__ volatile("movl $1f, %0" : "=m"(n_));
  resume_at = n_;
  got_vector = 0xff;
  __asm__ volatile("mov %0, %%cr4\n1:" : : "r"(v) : "memory");
  return got_vector;
}

void guest_main(u32 eax, u32 ebx) {
  (void)eax; (void)ebx;
  gdt[1] = seg(0, 0xfffff, 0x9a, 0xc);
  gdt[2] = seg(0, 0xfffff, 0x92, 0xc);
  struct dtr g = { 3 * 8 - 1, (u32)gdt };
  __asm__ volatile("lgdt %0; ljmp $0x08, $1f; 1: mov $0x10, %%ax; mov %%ax, %%ds; mov %%ax, %%es; mov %%ax, %%ss"
                   : : "m"(g) : "eax", "memory");
  for (int v = 0; v < 20; v++) gate(v, exc_stubs[v]);
  struct dtr i = { sizeof idt - 1, (u32)idt };
  __asm__ volatile("lidt %0" : : "m"(i));

  for (int k = 0; k < 512; k++) pd0[k] = ((u64)k << 21) | 0x83;
  pdA[0] = 0x800000 | 0x83;
  pdB[0] = 0xa00000 | 0x83;
  *(volatile u32 *)0x800100 = 0xaaaa0001;
  *(volatile u32 *)0xa00100 = 0xbbbb0002;
  pdpt[0] = (u32)pd0 | 1;
  pdpt[1] = (u32)pdA | 1;
  pdpt[2] = 0;
  pdpt[3] = 0x1e6; /* not present: reserved bits do not matter */

  /* Paging on: CR4.PAE, CR3, then CR0.PG (this load of the PDPTEs must succeed). */
  __asm__ volatile("mov %%cr4, %%eax; or $0x20, %%eax; mov %%eax, %%cr4; mov %0, %%cr3;"
                   "mov %%cr0, %%eax; or $0x80000000, %%eax; mov %%eax, %%cr0" : : "r"((u32)pdpt) : "eax", "memory");
  field("probe_pdA", probe(), 8);

  /* Rewrite PDPTE 1 in memory: no effect until a PDPTE load. */
  pdpt[1] = (u32)pdB | 1;
  field("probe_after_pdpt_write", probe(), 8);
  field("mov_cr3_same_vector", try_cr3((u32)pdpt), 2);
  field("probe_after_cr3_reload", probe(), 8);

  /* A CR4 write that toggles PGE reloads them too. */
  pdpt[1] = (u32)pdA | 1;
  u32 c4;
  __asm__ volatile("mov %%cr4, %0" : "=r"(c4));
  try_cr4(c4 | 0x80);
  field("probe_after_cr4_pge", probe(), 8);
  try_cr4(c4);

  /* A present PDPTE with a reserved bit (bit 1, then bit 63): MOV CR3 #GP(0), CR3 unchanged,
     the old PDPTEs still in use. */
  pdpt[1] = (u32)pdB | 1;
  pdpt[2] = (u32)pd0 | 1 | 2;
  u32 before = cr3();
  field("mov_cr3_rsvd_bit1_vector", try_cr3((u32)pdpt), 2);
  field("mov_cr3_rsvd_error", got_error, 8);
  field("cr3_unchanged", cr3() == before, 1);
  field("probe_after_failed_load", probe(), 8);
  pdpt[2] = (u32)pd0 | 1 | (1ull << 63);
  field("mov_cr3_rsvd_bit63_vector", try_cr3((u32)pdpt), 2);
  pdpt[2] = 0;
  field("mov_cr3_clean_vector", try_cr3((u32)pdpt), 2);
  field("probe_after_clean_load", probe(), 8);

  puts_serial("done\n");
  qemu_exit(0);
}
