/* Prints the hvm_start_info a PVH loader handed over (xen/include/public/arch-x86/hvm/
   start_info.h) and exits with 0 when the magic is right, 1 otherwise. */
#include "guest_lib.h"

struct hvm_start_info {
  u32 magic, version, flags, nr_modules;
  u64 modlist_paddr, cmdline_paddr, rsdp_paddr, memmap_paddr;
  u32 memmap_entries, reserved;
};
struct hvm_modlist_entry { u64 paddr, size, cmdline_paddr, reserved; };
struct hvm_memmap_table_entry { u64 addr, size; u32 type, reserved; };

void guest_main(u32 eax, struct hvm_start_info *si) {
  (void)eax;
  field("magic", si->magic, 8);
  if (si->magic != 0x336ec578) qemu_exit(1);
  field("version", si->version, 8);
  field("nr_modules", si->nr_modules, 8);
  if (si->cmdline_paddr) field_str("cmdline", (const char *)(u32)si->cmdline_paddr);
  struct hvm_modlist_entry *m = (struct hvm_modlist_entry *)(u32)si->modlist_paddr;
  for (u32 i = 0; i < si->nr_modules; i++) {
    field("mod_aligned", (m[i].paddr & 0xfff) == 0, 1);
    field("mod_size", m[i].size, 8);
    /* The whole module inside one RAM entry of the memory map (not in firmware-reserved memory). */
    u32 in_ram = 0;
    struct hvm_memmap_table_entry *r = (struct hvm_memmap_table_entry *)(u32)si->memmap_paddr;
    for (u32 k = 0; si->version >= 1 && k < si->memmap_entries; k++)
      if (r[k].type == 1 && m[i].paddr >= r[k].addr && m[i].paddr + m[i].size <= r[k].addr + r[k].size) in_ram = 1;
    field("mod_in_ram", in_ram, 1);
    if (m[i].cmdline_paddr) field_str("mod_cmdline", (const char *)(u32)m[i].cmdline_paddr);
    field_bytes("mod_data", (const u8 *)(u32)m[i].paddr, m[i].size < 16 ? (u32)m[i].size : 16);
  }
  field("rsdp_nonzero", si->rsdp_paddr != 0, 1);
  if (si->rsdp_paddr) field_bytes("rsdp_sig", (const u8 *)(u32)si->rsdp_paddr, 8);
  if (si->version >= 1) {
    struct hvm_memmap_table_entry *e = (struct hvm_memmap_table_entry *)(u32)si->memmap_paddr;
    field("memmap_entries", si->memmap_entries, 8);
    for (u32 i = 0; i < si->memmap_entries; i++) {
      field("memmap_addr", e[i].addr, 16);
      field("memmap_size", e[i].size, 16);
      field("memmap_type", e[i].type, 8);
    }
  }
  puts_serial("done\n");
  qemu_exit(0);
}
