/* Prints the machine state a multiboot kernel finds at entry under a PC firmware + loader:
   CPU control registers and segments, the 8259 masks, the local APIC set-up, the PIT's
   channel 0 status, RTC status registers and the BIOS data area words Xen reads. */
#include "guest_lib.h"

static u32 rd32(u32 a) { return *(volatile u32 *)a; }
static u16 rd16(u32 a) { return *(volatile u16 *)a; }

void guest_main(u32 eax, u32 ebx) {
  (void)ebx;
  u32 cr0, cr4, eflags;
  u16 cs, ds, ss, es, fs, gs;
  __asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
  __asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
  __asm__ volatile("pushf; pop %0" : "=r"(eflags));
  __asm__ volatile("mov %%cs, %0; mov %%ds, %1; mov %%ss, %2" : "=r"(cs), "=r"(ds), "=r"(ss));
  __asm__ volatile("mov %%es, %0; mov %%fs, %1; mov %%gs, %2" : "=r"(es), "=r"(fs), "=r"(gs));
  field("eax", eax, 8);
  field("cr0", cr0 & 0xe005003f, 8);
  field("cr4", cr4, 8);
  field("eflags", eflags & ~0x10u, 8); /* RF may vary */
  field("cs", cs, 4); field("ds", ds, 4); field("ss", ss, 4);
  field("es", es, 4); field("fs", fs, 4); field("gs", gs, 4);
  field("pic_imr_master", inb(0x21), 2);
  field("pic_imr_slave", inb(0xa1), 2);
  outb(0x20, 0x0b); field("pic_isr_master", inb(0x20), 2);
  outb(0x4d0 & 0xffff, inb(0x4d0)); /* no-op write keeps ELCR */
  field("elcr_master", inb(0x4d0), 2);
  field("elcr_slave", inb(0x4d1), 2);
  field("lapic_id", rd32(0xfee00020) >> 24, 2);
  field("lapic_svr", rd32(0xfee000f0), 8);
  field("lapic_tpr", rd32(0xfee00080), 8);
  field("lapic_lvt_timer", rd32(0xfee00320), 8);
  field("lapic_lint0", rd32(0xfee00350), 8);
  field("lapic_lint1", rd32(0xfee00360), 8);
  field("lapic_lvt_err", rd32(0xfee00370), 8);
  field("lapic_ldr", rd32(0xfee000d0), 8);
  field("lapic_dfr", rd32(0xfee000e0), 8);
  outb(0x43, 0xe2); /* read-back: status of channel 0 */
  field("pit0_status", inb(0x40) & 0x3f, 2);
  outb(0x70, 0x0a); field("rtc_a", inb(0x71) & 0x7f, 2);
  outb(0x70, 0x0b); field("rtc_b", inb(0x71), 2);
  outb(0x70, 0x0d); field("rtc_d", inb(0x71), 2);
  field("bda_ebda", rd16(0x40e), 4);
  field("bda_basemem", rd16(0x413), 4);
  field("ioapic_ver", (*(volatile u32 *)0xfec00000 = 1, rd32(0xfec00010)), 8);
  *(volatile u32 *)0xfec00000 = 0x10 + 2 * 2;
  field("ioapic_pin2", rd32(0xfec00010), 8);
  field("port_unclaimed", inb(0x2f0), 2);
  puts_serial("done\n");
  qemu_exit(0);
}
