/* Polled device checks with interrupts off (IF = 0): 8254, port 0x61, MC146818 + CMOS, 16550,
   8259 IRR/poll, local APIC (timer, self-IPI, TPR/PPR, ESR), I/O APIC routing and remote IRR,
   pc-testdev, PCI host/ISA bridge IDs, ACPI tables, PM timer. Prints facts that do not depend
   on timing, so QEMU TCG and xentab must print the same lines. Needs -device pc-testdev and
   -rtc base=2026-01-01T00:00:00. */
#include "guest_lib.h"

static inline void outl(u16 p, u32 v) { __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(p)); }
static inline u32 inl(u16 p) { u32 v; __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(p)); return v; }
static inline u16 inw(u16 p) { u16 v; __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(p)); return v; }
static inline void outw(u16 p, u16 v) { __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(p)); }
static u32 rd(u32 a) { return *(volatile u32 *)a; }
static void wr(u32 a, u32 v) { *(volatile u32 *)a = v; }
static u8 cmos(u8 i) { outb(0x70, i); return inb(0x71); }
static u32 apic(u32 reg) { return rd(0xfee00000 + reg); }
static void apic_w(u32 reg, u32 v) { wr(0xfee00000 + reg, v); }
static int irr_bit(u32 v) { return (apic(0x200 + 0x10 * (v >> 5)) >> (v & 31)) & 1; }
static u32 ioapic_r(u32 r) { wr(0xfec00000, r); return rd(0xfec00010); }
static void ioapic_w(u32 r, u32 v) { wr(0xfec00000, r); wr(0xfec00010, v); }
static u32 pci_r(u32 dev, u32 fn, u32 reg) { outl(0xcf8, 0x80000000u | (dev << 11) | (fn << 8) | reg); return inl(0xcfc); }
static int sum8(const u8 *p, u32 n) { u8 s = 0; for (u32 i = 0; i < n; i++) s += p[i]; return s == 0; }

static void pit_tests(void) {
  /* Channel 0: latched counts decrease. */
  outb(0x43, 0x34); outb(0x40, 0xff); outb(0x40, 0xff);
  outb(0x43, 0x00); u32 a = inb(0x40); a |= inb(0x40) << 8;
  for (volatile int i = 0; i < 20000; i++) {}
  outb(0x43, 0x00); u32 b = inb(0x40); b |= inb(0x40) << 8;
  field("pit0_decreases", b < a, 1);
  /* Read-back status of channel 0: mode 2, lobyte/hibyte, OUT high. */
  outb(0x43, 0xe2); field("pit0_status", inb(0x40), 2);
  /* Channel 2, mode 0, gated from port 0x61: OUT (bit 5) low, then high when the count expires. */
  outb(0x61, (inb(0x61) & ~0x03) | 0x01);
  outb(0x43, 0xb0); outb(0x42, 0xe8); outb(0x42, 0x03); /* 1000 ticks */
  field("p61_out_low", (inb(0x61) & 0x20) == 0, 1);
  u32 n = 0;
  while (!(inb(0x61) & 0x20) && n < 50000000) n++;
  field("p61_out_rose", (inb(0x61) & 0x20) != 0, 1);
  field("p61_gate", inb(0x61) & 0x03, 2);
  outb(0x61, inb(0x61) & ~0x03);
  /* Lobyte-only access mode on channel 1 reads back one byte per count. */
  outb(0x43, 0x50); outb(0x41, 0x80);
  outb(0x43, 0xe4); field("pit1_status", inb(0x41) & 0x3f, 2);
}

static void rtc_tests(void) {
  field("rtc_a", cmos(0x0a) & 0x7f, 2);
  field("rtc_b", cmos(0x0b), 2);
  field("rtc_c", cmos(0x0c), 2);
  field("rtc_d", cmos(0x0d), 2);
  while (cmos(0x0a) & 0x80) {}
  field("rtc_year", cmos(9), 2); field("rtc_month", cmos(8), 2); field("rtc_day", cmos(7), 2);
  field("rtc_hour", cmos(4), 2); field("rtc_minute", cmos(2), 2); field("rtc_weekday", cmos(6), 2);
  field("rtc_century", cmos(0x32), 2);
  /* Binary, 12-hour mode shows the same instant differently. */
  outb(0x70, 0x0b); outb(0x71, 0x04);
  field("rtc_hour_bin12", cmos(4), 2); field("rtc_year_bin", cmos(9), 2);
  outb(0x70, 0x0b); outb(0x71, 0x02);
  /* CMOS memory-size bytes and CPU count. */
  static const u8 regs[] = {0x14, 0x15, 0x16, 0x17, 0x18, 0x30, 0x31, 0x34, 0x35, 0x5b, 0x5c, 0x5d, 0x5f};
  for (u32 i = 0; i < sizeof regs; i++) { puts_serial("cmos_"); puthex(regs[i], 2); putc_serial('='); puthex(cmos(regs[i]), 2); putc_serial('\n'); }
  outb(0x70, 0x40); outb(0x71, 0x5a); field("cmos_ram_rw", cmos(0x40), 2);
}

/* Wait until the transmitter is empty (LSR.TEMT): QEMU sends on its own clock, and a FIFO reset,
   DLAB or loopback switch before then loses or diverts bytes already printed. */
static void uart_drain(void) {
  for (u32 i = 0; i < 10000000 && !(inb(0x3fd) & 0x40); i++) {}
}

static void uart_tests(void) {
  field("uart_lsr", inb(0x3fd), 2);
  field("uart_iir", inb(0x3fa), 2);
  uart_drain();
  outb(0x3fa, 0x07); field("uart_iir_fifo", inb(0x3fa), 2);
  outb(0x3ff, 0xa5); field("uart_scr", inb(0x3ff), 2);
  /* No printing while DLAB or loopback is on: output would go to the divisor or the receiver. */
  uart_drain();
  outb(0x3fb, 0x83); outb(0x3f8, 0x01); outb(0x3f9, 0x00);
  u8 dll = inb(0x3f8), dlm = inb(0x3f9);
  outb(0x3fb, 0x03);
  field("uart_dll", dll, 2); field("uart_dlm", dlm, 2);
  field("uart_lcr", inb(0x3fb), 2);
  u8 mcr = inb(0x3fc);
  uart_drain();
  outb(0x3fc, 0x1f); outb(0x3f8, 0x5a);
  u8 lsr = inb(0x3fd), rbr = inb(0x3f8), msr = inb(0x3fe), lsr2 = inb(0x3fd);
  outb(0x3fc, mcr);
  field("uart_loop_lsr", lsr, 2); field("uart_loop_rbr", rbr, 2);
  field("uart_loop_msr", msr & 0xf0, 2); field("uart_loop_lsr_after", lsr2, 2);
  field("uart_mcr", mcr, 2);
  uart_drain();
  outb(0x3fa, 0x00);
}

static void pic_tests(void) {
  /* IRQ 0 (the PIT, running since firmware) may or may not have latched yet: timing, not state. */
  outb(0x20, 0x0a); field("pic_irr_before", inb(0x20) & 0xfe, 2);
  outb(0x21, 0xff); outb(0xa1, 0xff);
  outb(0x2000 + 5, 1);
  outb(0x20, 0x0a); field("pic_irr_masked", inb(0x20) & 0xfe, 2);
  outb(0x21, 0xdf);
  outb(0x20, 0x0c); field("pic_poll", inb(0x20), 2);
  outb(0x20, 0x0b); field("pic_isr_after_poll", inb(0x20), 2);
  outb(0x20, 0x20);
  outb(0x2000 + 5, 0);
  outb(0x20, 0x0b); field("pic_isr_after_eoi", inb(0x20), 2);
  outb(0x21, 0xb8); outb(0xa1, 0x8e);
  field("elcr", inw(0x4d0), 4);
}

static void lapic_tests(void) {
  field("apic_version", apic(0x30), 8);
  apic_w(0x80, 0x60); field("apic_ppr_tpr60", apic(0xa0), 8); apic_w(0x80, 0);
  /* One-shot timer, divide by 1, vector 0x40 unmasked; IF = 0 so it stays in IRR. */
  apic_w(0x3e0, 0x0b); apic_w(0x320, 0x10040); apic_w(0x380, 0xffffffff);
  field("apic_ccr_running", apic(0x390) > 0, 1); /* a long count: no host-timing race under QEMU */
  apic_w(0x320, 0x40); apic_w(0x380, 100000);
  u32 n = 0;
  while (apic(0x390) != 0 && n < 50000000) n++;
  field("apic_timer_expired", apic(0x390) == 0, 1);
  /* QEMU raises the interrupt a tick after the count reads 0: wait for it. */
  n = 0;
  while (!irr_bit(0x40) && n < 50000000) n++;
  field("apic_timer_irr", irr_bit(0x40), 1);
  /* Periodic mode keeps counting from the initial count. */
  apic_w(0x320, 0x10000 | 0x20000 | 0x41); apic_w(0x380, 1000000);
  field("apic_periodic_ccr_nonzero", apic(0x390) != 0, 1);
  field("apic_lvt_timer", apic(0x320), 8);
  apic_w(0x380, 0);
  field("apic_timer_irr_masked_periodic", irr_bit(0x41), 1);
  /* Self IPI, fixed, vector 0x50. */
  apic_w(0x300, 0x44050);
  field("apic_self_ipi_irr", irr_bit(0x50), 1);
  field("apic_icr_lo", apic(0x300), 8);
  /* A fixed IPI with an illegal vector sets "send illegal vector" in ESR (after the ESR write). */
  apic_w(0x280, 0); apic_w(0x300, 0x44005); apic_w(0x280, 0);
  field("apic_esr_illegal", apic(0x280), 8);
  field("apic_tmr_50", (apic(0x180 + 0x20) >> 16) & 1, 1);
  field("apic_isr0", apic(0x100 + 0x20), 8);
  field("apic_ldr", apic(0xd0), 8);
  apic_w(0xd0, 0x03000000); field("apic_ldr_written", apic(0xd0), 8);
  field("apic_dfr", apic(0xe0), 8);
  /* Software disable masks the LVT and ignores unmask attempts. */
  apic_w(0xf0, 0xff); apic_w(0x370, 0x33); field("apic_lvt_err_swdis", apic(0x370), 8);
  apic_w(0xf0, 0x1ff); apic_w(0x370, 0x10000);
}

static void ioapic_tests(void) {
  field("ioapic_id", ioapic_r(0), 8);
  field("ioapic_ver", ioapic_r(1), 8);
  /* Pin 10 edge, vector 0x60 to APIC 0: pc-testdev raises ISA IRQ 10. */
  ioapic_w(0x10 + 2 * 10 + 1, 0); ioapic_w(0x10 + 2 * 10, 0x60);
  outb(0x2000 + 10, 1); outb(0x2000 + 10, 0);
  field("ioapic_edge_irr", irr_bit(0x60), 1);
  /* Pin 11 level, vector 0x61: remote IRR stays set until EOI to the I/O APIC. */
  ioapic_w(0x10 + 2 * 11 + 1, 0); ioapic_w(0x10 + 2 * 11, 0x8061);
  outb(0x2000 + 11, 1);
  field("ioapic_level_irr", irr_bit(0x61), 1);
  field("ioapic_level_rte", ioapic_r(0x10 + 2 * 11), 8);
  outb(0x2000 + 11, 0);
  wr(0xfec00040, 0x61);
  field("ioapic_level_rte_eoi", ioapic_r(0x10 + 2 * 11), 8);
  ioapic_w(0x10 + 2 * 10, 0x10000); ioapic_w(0x10 + 2 * 11, 0x10000);
  /* Read-only bits stay put. */
  ioapic_w(0x10 + 2 * 3, 0x5000 | 0x10022); field("ioapic_ro_bits", ioapic_r(0x10 + 2 * 3), 8);
}

static void testdev_tests(void) {
  outl(0xe0, 0x12345678); field("testdev_e0", inl(0xe0), 8);
  outb(0xe1, 0xaa); field("testdev_e0_byte", inl(0xe0), 8);
  field("testdev_e2_word", inw(0xe2), 4);
  wr(0xff000010, 0xcafebabe); field("testdev_iomem", rd(0xff000010), 8);
}

static void pci_tests(void) {
  field("pci_00_0_id", pci_r(0, 0, 0), 8);
  field("pci_00_0_class", pci_r(0, 0, 8) >> 8, 6);
  field("pci_01_0_id", pci_r(1, 0, 0), 8);
  field("pci_01_0_class", pci_r(1, 0, 8) >> 8, 6);
  field("pci_01_0_hdr", (pci_r(1, 0, 0x0c) >> 16) & 0xff, 2);
  field("pci_1f_0_id", pci_r(31, 0, 0), 8);
  outl(0xcf8, 0x80000000); field("pci_cf8_readback", inl(0xcf8), 8);
}

static void acpi_tests(void) {
  u32 rsdp = 0;
  for (u32 a = 0xe0000; a < 0x100000; a += 16)
    if (rd(a) == 0x20445352 && rd(a + 4) == 0x20525450) { rsdp = a; break; }
  field("acpi_rsdp_found", rsdp != 0, 1);
  if (!rsdp) return;
  field("acpi_rsdp_sum", sum8((const u8 *)rsdp, 20), 1);
  u32 rsdt = rd(rsdp + 16);
  field("acpi_rsdt_sum", sum8((const u8 *)rsdt, rd(rsdt + 4)), 1);
  u32 n = (rd(rsdt + 4) - 36) / 4;
  for (u32 i = 0; i < n; i++) {
    u32 t = rd(rsdt + 36 + 4 * i);
    if (rd(t) == 0x50434146) { /* FACP */
      field("acpi_fadt_sum", sum8((const u8 *)t, rd(t + 4)), 1);
      field("acpi_fadt_sci", *(volatile u16 *)(t + 46), 4);
      field("acpi_fadt_pm1a_evt", rd(t + 56), 8);
      field("acpi_fadt_pm1a_cnt", rd(t + 64), 8);
      field("acpi_fadt_pm_tmr", rd(t + 76), 8);
      field("acpi_fadt_pm_tmr_len", *(volatile u8 *)(t + 91), 2);
      u32 dsdt = rd(t + 40);
      field("acpi_dsdt_sig", rd(dsdt), 8);
      field("acpi_dsdt_sum", sum8((const u8 *)dsdt, rd(dsdt + 4)), 1);
    }
    if (rd(t) == 0x43495041) { /* APIC */
      field("acpi_madt_sum", sum8((const u8 *)t, rd(t + 4)), 1);
      field("acpi_madt_lapic_addr", rd(t + 36), 8);
      field("acpi_madt_flags", rd(t + 40), 8);
      u32 lapics = 0, ioapic = 0, iso0 = 0;
      for (u32 p = t + 44; p < t + rd(t + 4); p += *(volatile u8 *)(p + 1)) {
        u8 type = *(volatile u8 *)p;
        if (type == 0) lapics++;
        if (type == 1) ioapic = rd(p + 4);
        if (type == 2 && *(volatile u8 *)(p + 3) == 0) iso0 = rd(p + 4);
      }
      field("acpi_madt_lapics", lapics, 2);
      field("acpi_madt_ioapic", ioapic, 8);
      field("acpi_madt_irq0_gsi", iso0, 2);
    }
  }
}

static void acpi_pm_tests(void) {
  field("pm1_cnt_sci_en", inw(0x604) & 1, 1);
  field("pm1_en", inw(0x602), 4);
  outw(0x600, 0xffff);
  field("pm1_sts_cleared", inw(0x600) & ~1u, 4);
}

static void fw_cfg_read(u16 key, u8 *buf, u32 n) { outw(0x510, key); for (u32 i = 0; i < n; i++) buf[i] = inb(0x511); }
static u32 be32(u32 v) { return __builtin_bswap32(v); }

static void fw_cfg_tests(void) {
  u8 b[8] = {0};
  fw_cfg_read(0x00, b, 4); field_bytes("fwcfg_signature", b, 4);
  fw_cfg_read(0x01, b, 4); field("fwcfg_id", *(u32 *)b, 8);
  fw_cfg_read(0x03, b, 8); field("fwcfg_ram", *(u64 *)b, 16);
  fw_cfg_read(0x05, b, 2); field("fwcfg_nb_cpus", *(u16 *)b, 4);
  fw_cfg_read(0x0f, b, 2); field("fwcfg_max_cpus", *(u16 *)b, 4);
  /* The same item through DMA: select + read 8 bytes of RAM size. */
  static volatile struct { u32 control, length; u32 addr_hi, addr_lo; } __attribute__((aligned(16))) acc;
  static volatile u64 dst;
  dst = 0;
  acc.control = be32((0x03u << 16) | 0x08 | 0x02);
  acc.length = be32(8);
  acc.addr_hi = 0;
  acc.addr_lo = be32((u32)&dst);
  outl(0x514, 0);
  outl(0x518, be32((u32)&acc));
  field("fwcfg_dma_control", acc.control, 8);
  field("fwcfg_dma_ram", dst, 16);
  field("fwcfg_dma_sig", inl(0x514), 8);
}

static void pmtimer_tests(void) {
  u32 a = inl(0x608);
  for (volatile int i = 0; i < 20000; i++) {}
  u32 b = inl(0x608);
  field("pmtmr_24bit", (a >> 24) == 0 && (b >> 24) == 0, 1);
  field("pmtmr_advances", b != a, 1);
}

void guest_main(u32 eax, u32 ebx) {
  (void)eax; (void)ebx;
  outb(0x20, 0x0a); field("pic_irr_at_entry", inb(0x20) & 0xfe, 2);
  field("port_unclaimed_b", inb(0x2f0), 2);
  field("port_unclaimed_w", inw(0x2f0), 4);
  field("port_unclaimed_l", inl(0x2f0), 8);
  pit_tests();
  rtc_tests();
  uart_tests();
  pic_tests();
  lapic_tests();
  ioapic_tests();
  testdev_tests();
  pci_tests();
  acpi_tests();
  pmtimer_tests();
  acpi_pm_tests();
  fw_cfg_tests();
  field("port92", inb(0x92), 2);
  puts_serial("done\n");
  qemu_exit(0);
}
