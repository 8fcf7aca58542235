/* The HPET of QEMU's pc machine: the ACPI HPET table, the capability and reset values, the
   writable bits, the main counter halted and running, and interrupts through the I/O APIC:
   64-bit one-shot and periodic (Tn_VAL_SET), 32-bit periodic, the 32-bit one-shot wrap
   interrupt, level-triggered with GINTR_STA acknowledge, and legacy replacement (timer 0 on
   IRQ0/pin 2, timer 1 on IRQ8). Waits poll the HPET counter with PAUSE (interrupts enabled),
   so nothing hangs; it prints only facts that do not depend on how fast the host is. */
#include "guest_lib.h"

#define HPET 0xfed00000u
static u32 rd(u32 a) { return *(volatile u32 *)a; }
static void wr(u32 a, u32 v) { *(volatile u32 *)a = v; }
static u32 h_rd(u32 r) { return rd(HPET + r); }
static void h_wr(u32 r, u32 v) { wr(HPET + r, v); }
static void apic_w(u32 reg, u32 v) { wr(0xfee00000 + reg, v); }
static void ioapic_w(u32 r, u32 v) { wr(0xfec00000, r); wr(0xfec00010, v); }

#define CFG 0x10
#define STA 0x20
#define CNT 0xf0
#define TCFG(n) (0x100 + 0x20 * (n))
#define TCMP(n) (0x108 + 0x20 * (n))
#define TFSB(n) (0x110 + 0x20 * (n))
#define TN_LEVEL 0x2
#define TN_ENABLE 0x4
#define TN_PERIODIC 0x8
#define TN_SETVAL 0x40
#define TN_32BIT 0x100
#define ROUTE(g) ((g) << 9)

static u64 gdt[3] = { 0, 0x00cf9a000000ffffull, 0x00cf92000000ffffull };
static u64 idt[256];
struct __attribute__((packed)) dtr { u16 limit; u32 base; };
extern const u32 idt_stubs[];

static volatile u32 count[256];
static volatile u64 at_counter[8];
static volatile u32 at_cmp[8];
static volatile u32 sta_in, sta_after;
static volatile u32 level_timer;

static u64 counter(void) {
  u32 hi, lo;
  do { hi = h_rd(CNT + 4); lo = h_rd(CNT); } while (hi != h_rd(CNT + 4));
  return ((u64)hi << 32) | lo;
}

void irq_dispatch(u32 v) {
  u32 k = count[v]++;
  if (k < 8) { at_counter[k] = counter(); at_cmp[k] = h_rd(TCMP(2)); }
  if (v == 0x61) {
    /* Level-triggered: the status bit is set until software writes 1 to it. */
    sta_in = h_rd(STA);
    h_wr(STA, 1u << level_timer);
    sta_after = h_rd(STA);
  }
  if (v != 0xff) apic_w(0xb0, 0);
}

static void reset_counts(void) {
  for (int i = 0; i < 256; i++) count[i] = 0;
  for (int i = 0; i < 8; i++) { at_counter[i] = 0; at_cmp[i] = 0; }
}

/* Let `ticks` of the (running) counter pass with interrupts enabled. */
static void delay(u64 ticks) {
  u64 end = counter() + ticks;
  __asm__ volatile("sti");
  while (counter() < end) __asm__ volatile("pause");
  __asm__ volatile("cli");
}

/* Wait with interrupts enabled until vector v has arrived n times or `ticks` have passed. */
static void wait_irq(u32 v, u32 n, u64 ticks) {
  u64 end = counter() + ticks;
  __asm__ volatile("sti");
  while (count[v] < n && counter() < end) __asm__ volatile("pause");
  __asm__ volatile("cli");
}

/* Sleep in HLT until vector v arrives (the HPET is the only interrupt source left, so on
   xentab this checks that an idle CPU wakes at the HPET's deadline). */
static void hlt_until(u32 v) {
  while (!count[v]) __asm__ volatile("sti; hlt; cli");
}

static void halt_and_set(u64 c) {
  h_wr(CFG, h_rd(CFG) & ~1u);
  h_wr(CNT, (u32)c); h_wr(CNT + 4, (u32)(c >> 32));
}

static void acpi_hpet_table(void) {
  u32 rsdp = 0;
  for (u32 a = 0xe0000; a < 0x100000; a += 16)
    if (rd(a) == 0x20445352 && rd(a + 4) == 0x20525450) { rsdp = a; break; }
  u32 rsdt = rsdp ? rd(rsdp + 16) : 0, t = 0;
  if (rsdt)
    for (u32 i = 0; i < (rd(rsdt + 4) - 36) / 4; i++)
      if (rd(rd(rsdt + 36 + 4 * i)) == 0x54455048) t = rd(rsdt + 36 + 4 * i); /* "HPET" */
  field("acpi_hpet_found", t != 0, 1);
  if (!t) return;
  const volatile u8 *b = (const volatile u8 *)t;
  u8 sum = 0;
  for (u32 i = 0; i < rd(t + 4); i++) sum += b[i];
  field("acpi_hpet_len", rd(t + 4), 8);
  field("acpi_hpet_rev", b[8], 2);
  field("acpi_hpet_sum", sum, 2);
  field("acpi_hpet_block_id", rd(t + 36), 8);
  field("acpi_hpet_gas", rd(t + 40), 8);
  field("acpi_hpet_addr_lo", rd(t + 44), 8);
  field("acpi_hpet_addr_hi", rd(t + 48), 8);
  field("acpi_hpet_number", b[52], 2);
  field("acpi_hpet_min_tick", b[53] | (b[54] << 8), 4);
  field("acpi_hpet_attr", b[55], 2);
}

static void registers(void) {
  field("gcap_id", h_rd(0x00), 8);
  field("gcap_period", h_rd(0x04), 8);
  field("reserved_08", h_rd(0x08), 8);
  field("gen_conf", h_rd(CFG), 8);
  field("gen_conf_hi", h_rd(CFG + 4), 8);
  field("gintr_sta", h_rd(STA), 8);
  field("main_cnt_lo", h_rd(CNT), 8);
  field("main_cnt_hi", h_rd(CNT + 4), 8);
  for (int n = 0; n < 3; n++) {
    puts_serial("timer"); putc_serial('0' + n); putc_serial('\n');
    field(" conf", h_rd(TCFG(n)), 8);
    field(" route_cap", h_rd(TCFG(n) + 4), 8);
    field(" cmp_lo", h_rd(TCMP(n)), 8);
    field(" cmp_hi", h_rd(TCMP(n) + 4), 8);
    field(" fsb_lo", h_rd(TFSB(n)), 8);
    field(" fsb_hi", h_rd(TFSB(n) + 4), 8);
  }
  field("timer3_conf", h_rd(TCFG(3)), 8);

  /* Read-only registers ignore writes; GEN_CONF and Tn_CONF keep only their writable bits. */
  h_wr(0x00, 0); h_wr(0x04, 0);
  field("gcap_after_write", h_rd(0x00), 8);
  field("period_after_write", h_rd(0x04), 8);
  h_wr(CFG, 0xfffffffc);
  field("gen_conf_rsvd_write", h_rd(CFG), 8);
  h_wr(TCFG(2), 0xffffbffb); /* every bit but ENABLE and FSB_EN */
  field("t2_conf_all_ones", h_rd(TCFG(2)), 8);
  field("t2_cmp_hi_after_32bit", h_rd(TCMP(2) + 4), 8);
  h_wr(TCFG(2), 0);
  field("t2_conf_zero", h_rd(TCFG(2)), 8);
  h_wr(TCFG(2) + 4, 0);
  field("t2_route_cap_after_write", h_rd(TCFG(2) + 4), 8);
  h_wr(TFSB(2), 0x12345678); h_wr(TFSB(2) + 4, 0xfee00000);
  field("t2_fsb_lo", h_rd(TFSB(2)), 8);
  field("t2_fsb_hi", h_rd(TFSB(2) + 4), 8);

  /* The main counter is writable and holds its value while halted. */
  h_wr(CNT, 0x89abcdef); h_wr(CNT + 4, 0x01234567);
  field("cnt_halted_lo", h_rd(CNT), 8);
  field("cnt_halted_hi", h_rd(CNT + 4), 8);
  u64 a = counter(), b;
  for (int i = 0; i < 1000; i++) __asm__ volatile("pause");
  b = counter();
  field("cnt_halted_stays", a == b, 1);
  h_wr(CFG, 1);
  u64 c = counter();
  for (int i = 0; i < 100; i++) __asm__ volatile("pause");
  u64 d = counter();
  field("cnt_runs_from_written", c >= 0x0123456789abcdefull && d > c, 1);
  h_wr(CNT, 0); /* lost: the counter is running */
  field("cnt_write_while_running_lost", counter() >= d, 1);
  h_wr(CFG, 0);
  u64 e = counter();
  for (int i = 0; i < 100; i++) __asm__ volatile("pause");
  field("cnt_halt_keeps", counter() == e && e >= d, 1);
}

/* The PIT shares IRQ0 / I/O APIC pin 2 with HPET route 2: run channel 0 once (mode 0, count 1)
   so its OUT goes high and stays there, no more edges. */
static void quiet_pit(void) {
  outb(0x43, 0x30); outb(0x40, 1); outb(0x40, 0);
  for (int i = 0; i < 100000; i++) {
    outb(0x43, 0xe2); /* read-back: status of channel 0 */
    if (inb(0x40) & 0x80) break;
  }
}

static void oneshot64(void) {
  reset_counts();
  halt_and_set(0);
  h_wr(TCMP(2), 100000); h_wr(TCMP(2) + 4, 0); /* 1 ms */
  h_wr(TCFG(2), ROUTE(2) | TN_ENABLE);
  h_wr(CFG, 1);
  hlt_until(0x60);
  field("oneshot_irq", count[0x60], 2);
  field("oneshot_at_or_after_cmp", at_counter[0] >= 100000, 1);
  field("oneshot_edge_sta", h_rd(STA), 8);
  delay(300000);
  field("oneshot_once", count[0x60], 2);
  field("oneshot_cmp_kept", h_rd(TCMP(2)), 8);
  h_wr(TCFG(2), 0);
}

static void periodic64(void) {
  const u32 P = 1000000; /* 10 ms */
  reset_counts();
  u64 now = counter();
  /* Programmed while disabled (an enabled timer would fire at once on its stale comparator). */
  h_wr(TCFG(2), ROUTE(2) | TN_PERIODIC | TN_SETVAL);
  field("periodic_setval_reads", (h_rd(TCFG(2)) >> 6) & 1, 1);
  u64 first = now + P; /* below 2^32: the comparator's high half is still 0 */
  h_wr(TCMP(2), (u32)first); /* comparator (VAL_SET) ... */
  h_wr(TCMP(2), P);          /* ... then the period */
  field("periodic_setval_cleared", (h_rd(TCFG(2)) >> 6) & 1, 1);
  field("periodic_cmp_is_first", h_rd(TCMP(2)) == (u32)first && h_rd(TCMP(2) + 4) == 0, 1);
  h_wr(TCFG(2), ROUTE(2) | TN_PERIODIC | TN_ENABLE);
  wait_irq(0x60, 4, 100 * (u64)P);
  field("periodic_irqs_ge4", count[0x60] >= 4, 1);
  u32 ok = 1;
  for (int k = 0; k < 4; k++) {
    u32 steps = at_cmp[k] - (u32)first;
    if (steps % P != 0 || steps == 0) ok = 0;            /* advanced by whole periods */
    if (k && at_cmp[k] == at_cmp[k - 1]) ok = 0;
    if (at_counter[k] < first) ok = 0;
  }
  field("periodic_cmp_steps_by_period", ok, 1);
  h_wr(TCFG(2), ROUTE(2) | TN_PERIODIC); /* disable */
  __asm__ volatile("sti; nop; nop; cli"); /* one that fired before the disable may still be pending */
  u32 c = count[0x60];
  delay(3 * (u64)P);
  field("periodic_stops_when_disabled", count[0x60] == c, 1);
  h_wr(TCFG(2), 0);
}

static void periodic32(void) {
  const u32 P = 500000;
  reset_counts();
  h_wr(CFG, 0);
  h_wr(CNT + 4, 0x7);
  h_wr(CNT, 0xfff00000); /* the low half wraps during the test */
  h_wr(TCFG(2), ROUTE(2) | TN_ENABLE | TN_PERIODIC | TN_SETVAL | TN_32BIT);
  h_wr(TCMP(2), 0xfff00000 + P);
  h_wr(TCMP(2), P);
  field("p32_cmp_hi", h_rd(TCMP(2) + 4), 8);
  h_wr(CFG, 1);
  wait_irq(0x60, 4, 100 * (u64)P);
  field("p32_irqs_ge4", count[0x60] >= 4, 1);
  u32 ok = 1;
  for (int k = 0; k < 4; k++) {
    u32 steps = at_cmp[k] - (0xfff00000 + P);
    if (steps % P != 0 || steps == 0) ok = 0;
  }
  field("p32_cmp_steps_by_period", ok, 1);
  field("p32_counter_carried", (counter() >> 32) == 8, 1);
  h_wr(TCFG(2), 0);
}

static void wrap32(void) {
  reset_counts();
  halt_and_set(0x00000000ffff0000ull); /* 65536 ticks before the low half wraps */
  h_wr(TCFG(2), ROUTE(2) | TN_ENABLE | TN_32BIT);
  h_wr(TCMP(2), 20000000); /* 200 ms after the wrap: room for a loaded host under QEMU */
  h_wr(CFG, 1);
  wait_irq(0x60, 2, 100000000);
  field("wrap_irqs", count[0x60], 2);
  field("wrap_first_at_wrap", at_counter[0] >= 0xffffffffull && at_counter[0] < 0x100000000ull + 20000000, 1);
  field("wrap_second_at_cmp", (at_counter[1] >> 32) == 1 && (u32)at_counter[1] >= 20000000, 1);
  delay(300000);
  field("wrap_then_quiet", count[0x60], 2);
  h_wr(TCFG(2), 0);
}

static void legacy(void) {
  reset_counts();
  h_wr(CFG, 0);
  h_wr(CFG, 2); /* LEG_RT_CNF while halted */
  field("legacy_conf", h_rd(CFG), 8);
  halt_and_set(0);
  h_wr(CFG, 2);
  ioapic_w(0x10 + 2 * 8 + 1, 0); ioapic_w(0x10 + 2 * 8, 0x68);
  /* Timer 0 -> IRQ0 (pin 2) and timer 1 -> IRQ8 whatever their route fields say. */
  h_wr(TCMP(0), 100000); h_wr(TCFG(0), ROUTE(5) | TN_ENABLE);
  h_wr(TCMP(1), 200000); h_wr(TCFG(1), ROUTE(2) | TN_ENABLE);
  h_wr(CFG, 3);
  wait_irq(0x68, 1, 10000000);
  delay(1000000);
  field("legacy_t0_irq0", count[0x60], 2);
  field("legacy_t1_irq8", count[0x68], 2);
  h_wr(TCFG(0), 0); h_wr(TCFG(1), 0);

  /* Level-triggered timer 0 on pin 2: GINTR_STA bit 0 until written with 1. */
  reset_counts();
  level_timer = 0;
  ioapic_w(0x10 + 2 * 2, 0x8061);
  h_wr(TCMP(0), (u32)counter() + 100000); h_wr(TCMP(0) + 4, (u32)(counter() >> 32));
  h_wr(TCFG(0), TN_LEVEL | TN_ENABLE);
  wait_irq(0x61, 1, 10000000);
  delay(1000000);
  field("level_irqs", count[0x61], 2);
  field("level_sta_in_handler", sta_in, 8);
  field("level_sta_after_ack", sta_after, 8);
  /* Without the acknowledge the status stays set; disabling the timer clears it. */
  reset_counts();
  ioapic_w(0x10 + 2 * 2, 0x18061);
  h_wr(TCMP(0), (u32)counter() + 100000); h_wr(TCMP(0) + 4, (u32)(counter() >> 32));
  delay(5000000);
  field("level_sta_pending", h_rd(STA), 8);
  h_wr(TCFG(0), TN_LEVEL);
  field("level_sta_after_disable", h_rd(STA), 8);
  h_wr(TCFG(0), 0);
  ioapic_w(0x10 + 2 * 2, 0x10000);
  ioapic_w(0x10 + 2 * 8, 0x10000);
  h_wr(CFG, 0);
  field("final_conf", h_rd(CFG), 8);
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
  outb(0x21, 0xff); outb(0xa1, 0xff); /* 8259 fully masked: the I/O APIC delivers */

  acpi_hpet_table();
  registers();
  quiet_pit();
  ioapic_w(0x10 + 2 * 2 + 1, 0); ioapic_w(0x10 + 2 * 2, 0x60);
  oneshot64();
  periodic64();
  periodic32();
  wrap32();
  ioapic_w(0x10 + 2 * 2, 0x60);
  legacy();
  puts_serial("done\n");
  qemu_exit(0);
}
