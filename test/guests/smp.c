/* SMP start-up: the BSP wakes every AP with INIT, SIPI, SIPI (SDM Vol 3A §8.4.4.1, broadcast
   to all excluding self); each AP enters at 0x8000 in real mode, switches to protected mode and
   records its local APIC ID. Prints how many APs came up and their IDs in order. Run with -smp 4. */
#include "guest_lib.h"

extern const u8 ap_tramp_start[], ap_tramp_end[];
static volatile u32 ap_ids[16];
static volatile u32 ap_done;

static u32 rd(u32 a) { return *(volatile u32 *)a; }
static void wr(u32 a, u32 v) { *(volatile u32 *)a = v; }
static void delay(u32 n) { for (volatile u32 i = 0; i < n; i++) {} }

void ap_main(u32 index) {
  ap_ids[index] = rd(0xfee00020) >> 24;
  __atomic_fetch_add(&ap_done, 1, __ATOMIC_SEQ_CST);
}

void guest_main(u32 eax, u32 ebx) {
  (void)eax; (void)ebx;
  for (u32 i = 0; i < (u32)(ap_tramp_end - ap_tramp_start); i++) ((volatile u8 *)0x8000)[i] = ap_tramp_start[i];
  field("bsp_id", rd(0xfee00020) >> 24, 2);
  field("bsp_flag", (u32)(({ u32 lo, hi; __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(0x1b)); lo; }) >> 8) & 1, 1);
  wr(0xfee00300, 0x000c4500); /* INIT, all excluding self */
  delay(100000);
  wr(0xfee00300, 0x000c4608); /* SIPI vector 0x08 */
  delay(10000);
  wr(0xfee00300, 0x000c4608);
  u32 spins = 0;
  while (ap_done < 3 && spins++ < 100000000) {}
  delay(100000);
  field("ap_count", ap_done, 2);
  /* IDs in ascending order (the arrival order is not deterministic on QEMU). */
  for (u32 want = 0; want < 16; want++)
    for (u32 i = 0; i < ap_done; i++)
      if (ap_ids[i] == want) field("ap_id", want, 2);
  puts_serial("done\n");
  qemu_exit(0);
}
