/* Regression checks for what kvm-unit-tests found in xentab, so CI keeps them fixed without the
   fetched suite; each is compared line by line with QEMU TCG. Run with -smp 2 -device pci-testdev.
   - IA32_APIC_BASE reads back as a 64-bit value with EDX = 0 (lib/x86/apic.c writes it back);
   - INIT and SIPI broadcast back to back, with no delay (lib/x86/smp.c bringup_aps): the SIPI
     that arrives before the AP has processed its INIT still starts it;
   - CPUID.1:EBX[31:24], the initial APIC ID, on an AP;
   - CPUID.1:EDX.APIC clear while IA32_APIC_BASE.EN is clear;
   - the machine-check registers QEMU's CPU models have (10 banks);
   - MOV from a debug register with ModRM.mod = 00 (the mod bits are ignored);
   - the real-mode IVT's hardware-IRQ vectors point into the BIOS segment, as SeaBIOS leaves them;
   - QEMU's pci-testdev: its IDs, class and BARs as SeaBIOS leaves them, the header of each
     test, and how many byte writes each test counts (none for the eventfd tests under TCG). */
#include "../guest_lib.h"

extern const u8 ap_tramp_start[], ap_tramp_end[];
static volatile u32 ap_done, ap_cpuid_apic_id = 0xff;

static u32 rd(u32 a) { return *(volatile u32 *)a; }
static void wr(u32 a, u32 v) { *(volatile u32 *)a = v; }
static void outl(u16 port, u32 v) { __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port)); }
static u32 inl(u16 port) { u32 v; __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port)); return v; }

void ap_main(u32 index) {
  (void)index;
  u32 a, b, c, d;
  __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
  ap_cpuid_apic_id = b >> 24;
  __atomic_fetch_add(&ap_done, 1, __ATOMIC_SEQ_CST);
}

static u32 pci_read(u32 dev, u32 off) {
  outl(0xcf8, 0x80000000u | (dev << 11) | off);
  return inl(0xcfc);
}

/* One pci-testdev window: `io` selects port accesses at `base`, else MMIO at `base`. */
static u8 win_rd8(int io, u32 base, u32 off) { return io ? inb((u16)(base + off)) : *(volatile u8 *)(base + off); }
static u32 win_rd32(int io, u32 base, u32 off) { return io ? inl((u16)(base + off)) : *(volatile u32 *)(base + off); }
static void win_wr8(int io, u32 base, u32 off, u8 v) { if (io) outb((u16)(base + off), v); else *(volatile u8 *)(base + off) = v; }

static void testdev_window(int io, u32 base) {
  for (u32 t = 0; t < 4; t++) {
    win_wr8(io, base, 0, (u8)t);
    puts_serial(io ? "pio" : "mmio"); puts_serial(" test "); puthex(t, 1); puts_serial(": ");
    u32 off = win_rd32(io, base, 4), data = win_rd32(io, base, 8);
    puts_serial("hdr="); puthex(win_rd8(io, base, 0), 2); puthex(win_rd8(io, base, 1), 2);
    puts_serial(" offset="); puthex(off, 8); puts_serial(" data="); puthex(data, 8); puts_serial(" name=");
    for (u32 i = 16; i < 48; i++) { u8 c = win_rd8(io, base, i); if (!c) break; putc_serial((char)c); }
    if (off > 0 && off < (io ? 0x100u : 0x1000u)) {
      for (u32 i = 0; i < 16; i++) win_wr8(io, base, off, (u8)(i & 1 ? data : 0x55));
    }
    puts_serial(" count="); puthex(win_rd32(io, base, 12), 8); putc_serial('\n');
  }
  /* A 32-bit write at offset 0 is four byte writes: test 1 is selected, then bytes 1-3 hit
     nothing (they are not its offset). */
  if (io) outl((u16)base, 0x00000001); else *(volatile u32 *)base = 0x00000001;
  field(io ? "pio_after_dword_select" : "mmio_after_dword_select", win_rd32(io, base, 0), 8);
}

void guest_main(u32 eax, u32 ebx) {
  (void)eax; (void)ebx;
  u32 lo, hi;
  __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(0x1b));
  field("apic_base", ((u64)hi << 32) | lo, 16);

  /* Machine-check registers (msr.c reads IA32_MCG_CAP unconditionally): 10 banks, MCG_CTL_P,
     MCG_SER_P; MCG_CTL and MC9_CTL all-ones; MC0_ADDR holds what is written. */
  __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(0x179));
  field("mcg_cap", ((u64)hi << 32) | lo, 16);
  __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(0x17b));
  field("mcg_ctl", ((u64)hi << 32) | lo, 16);
  __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(0x400 + 4 * 9));
  field("mc9_ctl", ((u64)hi << 32) | lo, 16);
  __asm__ volatile("wrmsr" : : "a"(0x12345678u), "d"(0x9u), "c"(0x402));
  __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(0x402));
  field("mc0_addr", ((u64)hi << 32) | lo, 16);

  for (u32 i = 0; i < (u32)(ap_tramp_end - ap_tramp_start); i++) ((volatile u8 *)0x8000)[i] = ap_tramp_start[i];
  wr(0xfee00300, 0x000c4500); /* INIT, all excluding self */
  wr(0xfee00300, 0x000c4608); /* SIPI vector 0x08, at once */
  for (u32 spins = 0; ap_done < 1 && spins < 100000000; spins++) {}
  field("ap_count_init_sipi_back_to_back", ap_done, 2);
  /* CPUID.1:EBX[31:24] is each vCPU's initial APIC ID (it read 0 on every vCPU). */
  field("ap_cpuid_initial_apic_id", ap_cpuid_apic_id, 2);
  (void)rd;

  /* MOV from DR0 encoded with mod = 00 (0F 21 00): the mod bits are ignored (realmode.c "mov dr
     with mod bits"); a decoder that takes it as a memory form raises #UD instead. */
  u32 dr0v;
  __asm__ volatile("mov %1, %%dr0\n\t.byte 0x0f, 0x21, 0x00\n\tmov %%eax, %0" : "=r"(dr0v) : "r"(0xacedu) : "eax");
  field("mov_dr0_mod00", dr0v, 8);
  /* The real-mode IVT points the 8259 IRQ vectors (08h-0Fh, 70h-77h) at firmware handlers in
     segment F000, as SeaBIOS leaves it (realmode.c's HLT is woken by the PIT through vector 08h). */
  u32 bios_irq_vectors = 0;
  for (u32 v = 0; v < 256; v++) {
    if (!((v >= 0x08 && v < 0x10) || (v >= 0x70 && v < 0x78))) continue;
    u32 e = *(volatile u32 *)(v * 4);
    if ((e >> 16) == 0xf000 && (e & 0xffff) != 0) bios_irq_vectors++;
  }
  field("ivt_irq_vectors_in_f000", bios_irq_vectors, 2);

  u32 dev = 0;
  for (u32 d = 0; d < 32; d++) if (pci_read(d, 0) == 0x00051b36) { dev = d; break; }
  field("pci_testdev_slot", dev, 2);
  if (dev) {
    field("class_rev", pci_read(dev, 8), 8);
    field("subsystem", pci_read(dev, 0x2c), 8);
    field("intpin_line", pci_read(dev, 0x3c) & 0xff00, 8);
    u32 bar0 = pci_read(dev, 0x10), bar1 = pci_read(dev, 0x14);
    field("bar0", bar0, 8);
    field("bar1", bar1, 8);
    field("command", pci_read(dev, 4) & 3, 1);
    testdev_window(0, bar0 & ~0xfu);
    testdev_window(1, bar1 & ~0x3u);
  }
  /* Last, since it turns the local APIC off: CPUID.1:EDX.APIC follows IA32_APIC_BASE.EN
     (SDM Vol 3A §11.4.3; apic.c apic_disable). */
  {
    u32 a, b2, c, d;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(0x1b));
    __asm__ volatile("wrmsr" : : "a"(lo & ~0x800u), "d"(hi), "c"(0x1b));
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b2), "=c"(c), "=d"(d) : "a"(1), "c"(0));
    field("cpuid1_edx_apic_when_disabled", (d >> 9) & 1, 1);
    __asm__ volatile("wrmsr" : : "a"(lo), "d"(hi), "c"(0x1b));
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b2), "=c"(c), "=d"(d) : "a"(1), "c"(0));
    field("cpuid1_edx_apic_when_enabled", (d >> 9) & 1, 1);
  }
  puts_serial("done\n");
  qemu_exit(0);
}
