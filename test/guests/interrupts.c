/* Interrupt delivery on a PC, with our own GDT and IDT in 32-bit protected mode: PIT IRQ 0
   through the 8259 (and LAPIC LINT0 ExtINT), LAPIC timer periodic interrupts, self-IPIs in
   priority order, TPR blocking, ISR while in service, I/O APIC level interrupts with remote IRR
   and EOI broadcast, the RTC periodic interrupt and the UART THRE interrupt through the I/O APIC.
   Needs -device pc-testdev. Prints facts independent of timing. */
#include "guest_lib.h"

static u32 rd(u32 a) { return *(volatile u32 *)a; }
static void wr(u32 a, u32 v) { *(volatile u32 *)a = v; }
static u32 apic(u32 reg) { return rd(0xfee00000 + reg); }
static void apic_w(u32 reg, u32 v) { wr(0xfee00000 + reg, v); }
static void ioapic_w(u32 r, u32 v) { wr(0xfec00000, r); wr(0xfec00010, v); }
static u32 ioapic_r(u32 r) { wr(0xfec00000, r); return rd(0xfec00010); }
static u8 cmos(u8 i) { outb(0x70, i); return inb(0x71); }

static u64 gdt[3] = { 0, 0x00cf9a000000ffffull, 0x00cf92000000ffffull };
static u64 idt[256];
struct __attribute__((packed)) dtr { u16 limit; u32 base; };
extern const u32 idt_stubs[];

static volatile u32 count[256];
static volatile u8 order[16];
static volatile u32 norder;
static volatile u32 isr_seen, uart_iir_seen, rtc_c_seen;

void irq_dispatch(u32 v) {
  count[v]++;
  if (norder < 16) order[norder++] = (u8)v;
  if (v >= 0x20 && v < 0x30) {
    if (v >= 0x28) outb(0xa0, 0x20);
    outb(0x20, 0x20);
    return;
  }
  if (v == 0x52) isr_seen = (apic(0x100 + 0x10 * (0x52 >> 5)) >> (0x52 & 31)) & 1;
  if (v == 0x61) outb(0x2000 + 11, 0); /* lower the level line before EOI */
  if (v == 0x68) rtc_c_seen = cmos(0x0c);
  if (v == 0x6c) { uart_iir_seen = inb(0x3fa); outb(0x3f9, 0); }
  if (v != 0xff) apic_w(0xb0, 0);
}

static void wait_for(u32 v, u32 n) {
  u32 spins = 0;
  while (count[v] < n && spins++ < 100000) __asm__ volatile("sti; hlt; cli");
}

void guest_main(u32 eax, u32 ebx) {
  (void)eax; (void)ebx;
  struct dtr g = { sizeof gdt - 1, (u32)gdt };
  __asm__ volatile("lgdt %0; ljmp $0x08, $1f; 1: mov $0x10, %%ax; mov %%ax, %%ds; mov %%ax, %%es; mov %%ax, %%ss"
                   : : "m"(g) : "eax", "memory");
  for (const u32 *p = idt_stubs; p[0]; p += 2) {
    u32 h = p[1];
    idt[p[0]] = (h & 0xffff) | (0x08u << 16) | ((u64)0x8e00 << 32) | ((u64)(h >> 16) << 48);
  }
  struct dtr i = { sizeof idt - 1, (u32)idt };
  __asm__ volatile("lidt %0" : : "m"(i));

  /* 8259 at 0x20/0x28, only IRQ0; PIT channel 0 rate generator at about 1 kHz. */
  outb(0x20, 0x11); outb(0x21, 0x20); outb(0x21, 0x04); outb(0x21, 0x01);
  outb(0xa0, 0x11); outb(0xa1, 0x28); outb(0xa1, 0x02); outb(0xa1, 0x01);
  outb(0x21, 0xfe); outb(0xa1, 0xff);
  outb(0x43, 0x34); outb(0x40, 0xa9); outb(0x40, 0x04);
  wait_for(0x20, 3);
  field("pit_irq0_count_ge3", count[0x20] >= 3, 1);
  outb(0x21, 0xff);
  outb(0x20, 0x0b); field("pic_isr_after", inb(0x20), 2);

  /* LAPIC timer, periodic, vector 0x40, divide by 1, 100 us. */
  apic_w(0x3e0, 0x0b); apic_w(0x320, 0x20040); apic_w(0x380, 100000);
  wait_for(0x40, 3);
  field("apic_timer_count_ge3", count[0x40] >= 3, 1);
  apic_w(0x320, 0x10040); apic_w(0x380, 0);
  /* One-shot fires once. */
  apic_w(0x320, 0x41); apic_w(0x380, 50000);
  wait_for(0x41, 1);
  field("apic_oneshot_count", count[0x41], 2);

  /* Three self-IPIs queued with IF = 0 arrive highest priority first. */
  norder = 0;
  apic_w(0x300, 0x44052); apic_w(0x300, 0x44071); apic_w(0x300, 0x44050);
  __asm__ volatile("sti; nop; nop; cli");
  field("ipi_order0", order[0], 2); field("ipi_order1", order[1], 2); field("ipi_order2", order[2], 2);
  field("isr_bit_in_handler", isr_seen, 1);
  field("isr_after", apic(0x100 + 0x20), 8);

  /* TPR 0x70 holds back vector 0x51 (class 5); lowering it lets it in. */
  apic_w(0x80, 0x70);
  apic_w(0x300, 0x44051);
  __asm__ volatile("sti; nop; nop; cli");
  field("tpr_blocked", count[0x51] == 0, 1);
  field("tpr_irr", (apic(0x200 + 0x20) >> (0x51 & 31)) & 1, 1);
  apic_w(0x80, 0);
  __asm__ volatile("sti; nop; nop; cli");
  field("tpr_released", count[0x51], 2);

  /* I/O APIC pin 11 level-triggered, vector 0x61, raised by pc-testdev. */
  ioapic_w(0x10 + 2 * 11 + 1, 0); ioapic_w(0x10 + 2 * 11, 0x8061);
  outb(0x2000 + 11, 1);
  __asm__ volatile("sti; nop; nop; cli");
  field("ioapic_level_count", count[0x61], 2);
  field("ioapic_level_remote_irr", (ioapic_r(0x10 + 2 * 11) >> 14) & 1, 1);
  ioapic_w(0x10 + 2 * 11, 0x10000);

  /* RTC periodic interrupt (1024 Hz) on I/O APIC pin 8, vector 0x68. */
  ioapic_w(0x10 + 2 * 8 + 1, 0); ioapic_w(0x10 + 2 * 8, 0x68);
  cmos(0x0c);
  outb(0x70, 0x0a); outb(0x71, 0x26);
  outb(0x70, 0x0b); outb(0x71, 0x42);
  wait_for(0x68, 3);
  outb(0x70, 0x0b); outb(0x71, 0x02);
  cmos(0x0c);
  field("rtc_periodic_ge3", count[0x68] >= 3, 1);
  field("rtc_c_in_handler", rtc_c_seen & 0xc0, 2);
  ioapic_w(0x10 + 2 * 8, 0x10000);

  /* UART THRE interrupt on I/O APIC pin 4, vector 0x6c. */
  ioapic_w(0x10 + 2 * 4 + 1, 0); ioapic_w(0x10 + 2 * 4, 0x6c);
  outb(0x3f9, 0x02);
  __asm__ volatile("sti; nop; nop; cli");
  field("uart_thre_count", count[0x6c], 2);
  field("uart_iir_in_handler", uart_iir_seen, 2);
  ioapic_w(0x10 + 2 * 4, 0x10000);

  field("spurious_apic", count[0xff], 2);
  field("spurious_pic", count[0x27], 2);
  puts_serial("done\n");
  qemu_exit(0);
}
