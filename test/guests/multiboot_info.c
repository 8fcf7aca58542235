/* Prints what a multiboot 1 loader handed over (spec 0.6.96 §3.3) and exits with 0 when the
   magic is right, 1 otherwise. */
#include "guest_lib.h"

struct mb_info {
  u32 flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
  u32 syms[4];
  u32 mmap_length, mmap_addr, drives_length, drives_addr, config_table, boot_loader_name;
};
struct mb_module { u32 mod_start, mod_end, string, reserved; };

void guest_main(u32 magic, struct mb_info *mbi) {
  field("magic", magic, 8);
  if (magic != 0x2badb002) qemu_exit(1);
  field("flags", mbi->flags, 8);
  if (mbi->flags & 1) { field("mem_lower", mbi->mem_lower, 8); field("mem_upper", mbi->mem_upper, 8); }
  if (mbi->flags & 4) field_str("cmdline", (const char *)mbi->cmdline);
  if (mbi->flags & 8) {
    field("mods_count", mbi->mods_count, 8);
    struct mb_module *m = (struct mb_module *)mbi->mods_addr;
    for (u32 i = 0; i < mbi->mods_count; i++) {
      field("mod_aligned", (m[i].mod_start & 0xfff) == 0, 1);
      field("mod_size", m[i].mod_end - m[i].mod_start, 8);
      field_str("mod_string", (const char *)m[i].string);
      field_bytes("mod_data", (const u8 *)m[i].mod_start, m[i].mod_end - m[i].mod_start < 16 ? m[i].mod_end - m[i].mod_start : 16);
    }
  }
  if (mbi->flags & 0x40) {
    u32 p = mbi->mmap_addr, n = 0;
    while (p < mbi->mmap_addr + mbi->mmap_length) {
      u32 size = *(u32 *)p;
      field("mmap_size", size, 8);
      field("mmap_base", *(u64 *)(p + 4), 16);
      field("mmap_len", *(u64 *)(p + 12), 16);
      field("mmap_type", *(u32 *)(p + 20), 8);
      p += size + 4;
      n++;
    }
    field("mmap_entries", n, 8);
  }
  if (mbi->flags & 0x200) field_str("loader", (const char *)mbi->boot_loader_name);
  puts_serial("done\n");
  qemu_exit(0);
}
