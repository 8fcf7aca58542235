// Our hvm_start_info layout against Xen's public header, compiled by gcc (libxen-dev 4.17).
import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  HVM_MEMMAP_TABLE_ENTRY_SIZE, HVM_MODLIST_ENTRY_SIZE, HVM_START_INFO_SIZE, SI_CMDLINE_PADDR, SI_FLAGS, SI_MAGIC,
  SI_MEMMAP_ENTRIES, SI_MEMMAP_PADDR, SI_MODLIST_PADDR, SI_NR_MODULES, SI_RSDP_PADDR, SI_VERSION, XEN_ELFNOTE_PHYS32_ENTRY,
  XEN_HVM_START_MAGIC_VALUE,
} from '../../../src/machine/loader/pvh.ts';
import { E820_ACPI, E820_NVS, E820_RAM, E820_RESERVED, E820_UNUSABLE } from '../../../src/machine/e820.ts';

const HEADER = '/usr/include/xen/arch-x86/hvm/start_info.h';

describe.skipIf(!existsSync(HEADER))('hvm_start_info ABI (xen/arch-x86/hvm/start_info.h via gcc)', () => {
  it('matches every offset, size and constant we use, for -m32 and -m64', () => {
    const probe = `
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>
#include <xen/xen.h>
#include <xen/elfnote.h>
#include <xen/arch-x86/hvm/start_info.h>
#define O(t, f) printf("%s.%s=%zu\\n", #t, #f, offsetof(struct t, f))
#define S(t) printf("sizeof.%s=%zu\\n", #t, sizeof(struct t))
int main(void) {
  O(hvm_start_info, magic); O(hvm_start_info, version); O(hvm_start_info, flags); O(hvm_start_info, nr_modules);
  O(hvm_start_info, modlist_paddr); O(hvm_start_info, cmdline_paddr); O(hvm_start_info, rsdp_paddr);
  O(hvm_start_info, memmap_paddr); O(hvm_start_info, memmap_entries);
  S(hvm_start_info); S(hvm_modlist_entry); S(hvm_memmap_table_entry);
  O(hvm_modlist_entry, paddr); O(hvm_modlist_entry, size); O(hvm_modlist_entry, cmdline_paddr);
  O(hvm_memmap_table_entry, addr); O(hvm_memmap_table_entry, size); O(hvm_memmap_table_entry, type);
  printf("magic=%u\\nphys32=%u\\n", (unsigned)XEN_HVM_START_MAGIC_VALUE, (unsigned)XEN_ELFNOTE_PHYS32_ENTRY);
  printf("ram=%u\\nreserved=%u\\nacpi=%u\\nnvs=%u\\nunusable=%u\\n", XEN_HVM_MEMMAP_TYPE_RAM, XEN_HVM_MEMMAP_TYPE_RESERVED,
    XEN_HVM_MEMMAP_TYPE_ACPI, XEN_HVM_MEMMAP_TYPE_NVS, XEN_HVM_MEMMAP_TYPE_UNUSABLE);
  return 0;
}`;
    const dir = mkdtempSync(join(tmpdir(), 'xentab-si-'));
    writeFileSync(join(dir, 'p.c'), probe);
    const expected: Record<string, number> = {
      'hvm_start_info.magic': SI_MAGIC, 'hvm_start_info.version': SI_VERSION, 'hvm_start_info.flags': SI_FLAGS,
      'hvm_start_info.nr_modules': SI_NR_MODULES, 'hvm_start_info.modlist_paddr': SI_MODLIST_PADDR,
      'hvm_start_info.cmdline_paddr': SI_CMDLINE_PADDR, 'hvm_start_info.rsdp_paddr': SI_RSDP_PADDR,
      'hvm_start_info.memmap_paddr': SI_MEMMAP_PADDR, 'hvm_start_info.memmap_entries': SI_MEMMAP_ENTRIES,
      'sizeof.hvm_start_info': HVM_START_INFO_SIZE, 'sizeof.hvm_modlist_entry': HVM_MODLIST_ENTRY_SIZE,
      'sizeof.hvm_memmap_table_entry': HVM_MEMMAP_TABLE_ENTRY_SIZE,
      'hvm_modlist_entry.paddr': 0, 'hvm_modlist_entry.size': 8, 'hvm_modlist_entry.cmdline_paddr': 16,
      'hvm_memmap_table_entry.addr': 0, 'hvm_memmap_table_entry.size': 8, 'hvm_memmap_table_entry.type': 16,
      magic: XEN_HVM_START_MAGIC_VALUE, phys32: XEN_ELFNOTE_PHYS32_ENTRY,
      ram: E820_RAM, reserved: E820_RESERVED, acpi: E820_ACPI, nvs: E820_NVS, unusable: E820_UNUSABLE,
    };
    for (const m of ['-m64', '-m32']) {
      execFileSync('gcc', [m, '-o', join(dir, `p${m}`), join(dir, 'p.c')]);
      const out = execFileSync(join(dir, `p${m}`), { encoding: 'utf8' });
      const got = Object.fromEntries(out.trim().split('\n').map((l) => l.split('=')).map(([k, v]) => [k!, Number(v)]));
      expect(got, m).toEqual(expected);
    }
  });
});
