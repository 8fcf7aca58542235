// PVH direct boot (Xen docs/misc/pvh.pandoc; layouts from xen/include/public/arch-x86/hvm/
// start_info.h and elfnote.h): find XEN_ELFNOTE_PHYS32_ENTRY, load the PT_LOAD segments at
// their physical addresses, and build `hvm_start_info` version 1 with the module list, the
// command lines, the memory map and the RSDP address. The kernel is entered in flat 32-bit
// protected mode with paging off and EBX = &hvm_start_info.
//
// Placement: the start info, strings, module list and memory map go in [0x20000, 0x9F000),
// outside the Xen shim's trampoline window [0x1000, 0x11000) and away from physical 0..0x13,
// which Xen's PVH path reads as a multiboot flags word (reference xen-shim-requirements §1.3).
// Modules are page-aligned (the shim panics otherwise) and sit at the top of low RAM, where QEMU
// puts an initrd.
import type { GuestMemory } from '../memory.ts';
import type { E820Entry, E820Map } from '../e820.ts';
import { E820_RAM, writeU64 } from '../e820.ts';
import { BootArea } from './boot_area.ts';
import { ElfError, loadElfSegments, parseElf, type ElfImage, type LoadedRange } from './elf.ts';
import type { BootModuleInput, EntryState, PlacedModule } from './entry_state.ts';

/** xen/include/public/elfnote.h */
export const XEN_ELFNOTE_PHYS32_ENTRY = 18;
/** start_info.h: "xEn3" with the 0x80 bit set. */
export const XEN_HVM_START_MAGIC_VALUE = 0x336ec578;
export const HVM_START_INFO_SIZE = 56;
export const HVM_MODLIST_ENTRY_SIZE = 32;
export const HVM_MEMMAP_TABLE_ENTRY_SIZE = 24;

// struct hvm_start_info offsets.
export const SI_MAGIC = 0;
export const SI_VERSION = 4;
export const SI_FLAGS = 8;
export const SI_NR_MODULES = 12;
export const SI_MODLIST_PADDR = 16;
export const SI_CMDLINE_PADDR = 24;
export const SI_RSDP_PADDR = 32;
export const SI_MEMMAP_PADDR = 40;
export const SI_MEMMAP_ENTRIES = 48;

export const PVH_INFO_START = 0x20000;
export const PVH_INFO_END = 0x9f000;
const PAGE = 4096;

/** The RAM entry of the map that ends highest at or below `limit`. */
function topRamBelow4G(e820: E820Map, limit: number): E820Entry {
  let best: E820Entry | undefined;
  for (const e of e820.entries()) {
    if (e.type === E820_RAM && e.addr + e.size <= limit && (!best || e.addr > best.addr)) best = e;
  }
  if (!best) throw new RangeError('no RAM below 4 GiB in the memory map for boot modules');
  return best;
}

/** The PHYS32_ENTRY address from the "Xen" notes, or undefined if the image is not PVH-capable. */
export function findPvhEntry(elf: ElfImage): number | undefined {
  for (const n of elf.notes) {
    if (n.name !== 'Xen' || n.type !== XEN_ELFNOTE_PHYS32_ENTRY) continue;
    const v = new DataView(n.desc.buffer, n.desc.byteOffset, n.desc.byteLength);
    if (n.desc.length === 4) return v.getUint32(0, true);
    if (n.desc.length === 8 && v.getUint32(4, true) === 0) return v.getUint32(0, true);
    throw new ElfError(`XEN_ELFNOTE_PHYS32_ENTRY has a ${n.desc.length}-byte descriptor`);
  }
  return undefined;
}

export interface PvhLoadOptions {
  cmdline: string;
  modules: BootModuleInput[];
  e820: E820Map;
  /** Physical address of the ACPI RSDP, or 0 for none. */
  rsdpAddr: number;
}

export interface PvhBoot {
  entry: EntryState;
  startInfo: number;
  image: LoadedRange;
  modules: PlacedModule[];
}

export function loadPvh(mem: GuestMemory, kernel: Uint8Array, opts: PvhLoadOptions): PvhBoot {
  const elf = parseElf(kernel);
  const entry = findPvhEntry(elf);
  if (entry === undefined) throw new ElfError('no XEN_ELFNOTE_PHYS32_ENTRY note: not a PVH kernel');
  const image = loadElfSegments(elf, kernel, mem, { minAddr: 0x100000, below4G: true });

  // Modules: page-aligned, packed at the top of the highest RAM entry of the memory map below
  // 4 GiB, like QEMU's initrd (which stays below the firmware's reserved tables). A module in
  // reserved memory is not protected by the guest: the shim hands those frames out and loses it.
  const region = topRamBelow4G(opts.e820, Math.min(mem.lowRamBytes, 0x1_0000_0000));
  const top = region.addr + region.size;
  const total = opts.modules.reduce((n, m) => n + Math.ceil(m.bytes.length / PAGE) * PAGE, 0);
  let modAddr = Math.floor((top - total) / PAGE) * PAGE;
  if (modAddr < Math.max(image.high, region.addr)) throw new RangeError(`boot modules (${total} bytes) do not fit between the kernel and the top of RAM`);
  const info = new BootArea(mem, PVH_INFO_START, PVH_INFO_END, 'PVH start info');
  const si = info.alloc(HVM_START_INFO_SIZE, 8);
  const placed: PlacedModule[] = [];
  for (const m of opts.modules) {
    mem.writeBytes(modAddr, m.bytes);
    placed.push({ paddr: modAddr, size: m.bytes.length, cmdlinePaddr: m.cmdline ? info.string(m.cmdline) : 0 });
    modAddr += Math.ceil(m.bytes.length / PAGE) * PAGE;
  }
  const modlist = placed.length ? info.alloc(placed.length * HVM_MODLIST_ENTRY_SIZE, 8) : 0;
  placed.forEach((p, i) => {
    const o = modlist + i * HVM_MODLIST_ENTRY_SIZE;
    mem.write64(o, p.paddr);
    mem.write64(o + 8, p.size);
    mem.write64(o + 16, p.cmdlinePaddr);
    mem.write64(o + 24, 0);
  });
  // Like QEMU, an empty command line is still a (empty) string, not a null pointer.
  const cmdline = info.string(opts.cmdline);
  const map = opts.e820.entries();
  const memmap = info.alloc(map.length * HVM_MEMMAP_TABLE_ENTRY_SIZE, 8);
  const tmp = new Uint8Array(HVM_MEMMAP_TABLE_ENTRY_SIZE);
  const tv = new DataView(tmp.buffer);
  map.forEach((e, i) => {
    writeU64(tv, 0, e.addr);
    writeU64(tv, 8, e.size);
    tv.setUint32(16, e.type, true);
    tv.setUint32(20, 0, true);
    mem.writeBytes(memmap + i * HVM_MEMMAP_TABLE_ENTRY_SIZE, tmp);
  });

  mem.write32(si + SI_MAGIC, XEN_HVM_START_MAGIC_VALUE);
  mem.write32(si + SI_VERSION, 1);
  mem.write32(si + SI_FLAGS, 0);
  mem.write32(si + SI_NR_MODULES, placed.length);
  mem.write64(si + SI_MODLIST_PADDR, modlist);
  mem.write64(si + SI_CMDLINE_PADDR, cmdline);
  mem.write64(si + SI_RSDP_PADDR, opts.rsdpAddr);
  mem.write64(si + SI_MEMMAP_PADDR, memmap);
  mem.write32(si + SI_MEMMAP_ENTRIES, map.length);
  mem.write32(si + 52, 0);

  return {
    entry: { mode: 'protected32-flat', eip: entry, eax: 0, ebx: si, esp: 0 },
    startInfo: si,
    image,
    modules: placed,
  };
}
