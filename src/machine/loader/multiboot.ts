// Multiboot 1 (Multiboot Specification 0.6.96): find the header in the first 8 KiB, load the
// image as ELF32 (physical addresses) or, when header flag 16 is set, with the a.out kludge
// address fields, and build the multiboot information structure the way QEMU's loader does
// (hw/i386/multiboot.c): MBI at 0x9500, memory map at 0x9000, flags MEMORY | BOOT_DEVICE |
// CMDLINE | MODS | MMAP | LOADER, page-aligned modules after the image, each with its own
// string. Entry: EAX = 0x2BADB002, EBX = MBI, flat 32-bit protected mode, paging off, IF = 0.
import type { GuestMemory } from '../memory.ts';
import { E820_RAM, type E820Map } from '../e820.ts';
import { BootArea } from './boot_area.ts';
import { ElfError, PT_LOAD, isElf, loadElfSegments, parseElf, type LoadedRange } from './elf.ts';
import type { BootModuleInput, EntryState, PlacedModule } from './entry_state.ts';

export const MULTIBOOT_HEADER_MAGIC = 0x1badb002;
export const MULTIBOOT_BOOTLOADER_MAGIC = 0x2badb002;
export const MULTIBOOT_SEARCH = 8192;
export const MULTIBOOT_PAGE_ALIGN = 0x1;
export const MULTIBOOT_MEMORY_INFO = 0x2;
export const MULTIBOOT_VIDEO_MODE = 0x4;
export const MULTIBOOT_AOUT_KLUDGE = 0x10000;

// Information structure flags (spec §3.3).
export const MBI_MEMORY = 1 << 0;
export const MBI_BOOT_DEVICE = 1 << 1;
export const MBI_CMDLINE = 1 << 2;
export const MBI_MODS = 1 << 3;
export const MBI_MMAP = 1 << 6;
export const MBI_LOADER = 1 << 9;

// Information structure offsets.
export const MBI_FLAGS = 0;
export const MBI_MEM_LOWER = 4;
export const MBI_MEM_UPPER = 8;
export const MBI_BOOT_DEVICE_OFF = 12;
export const MBI_CMDLINE_OFF = 16;
export const MBI_MODS_COUNT = 20;
export const MBI_MODS_ADDR = 24;
export const MBI_MMAP_LENGTH = 44;
export const MBI_MMAP_ADDR = 48;
export const MBI_BOOT_LOADER_NAME = 64;
export const MBI_SIZE = 88;

/** Where QEMU's multiboot option ROM leaves the MBI and the E820 map. */
export const MBI_ADDR = 0x9500;
export const MMAP_ADDR = 0x9000;

export interface MultibootHeader {
  offset: number;
  flags: number;
  headerAddr: number;
  loadAddr: number;
  loadEndAddr: number;
  bssEndAddr: number;
  entryAddr: number;
}

/** The header, if one with a valid checksum is 4-byte aligned in the first 8 KiB. */
export function findMultibootHeader(image: Uint8Array): MultibootHeader | undefined {
  const v = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const end = Math.min(image.length, MULTIBOOT_SEARCH) - 12;
  for (let i = 0; i <= end; i += 4) {
    if (v.getUint32(i, true) !== MULTIBOOT_HEADER_MAGIC) continue;
    const flags = v.getUint32(i + 4, true);
    const sum = v.getUint32(i + 8, true);
    if (((MULTIBOOT_HEADER_MAGIC + flags + sum) >>> 0) !== 0) continue;
    const f = (o: number) => (i + o + 4 <= image.length ? v.getUint32(i + o, true) : 0);
    return { offset: i, flags, headerAddr: f(12), loadAddr: f(16), loadEndAddr: f(20), bssEndAddr: f(24), entryAddr: f(28) };
  }
  return undefined;
}

export interface MultibootLoadOptions {
  /** The kernel's string; QEMU passes "<kernel path> <-append text>". */
  cmdline: string;
  /** Module strings likewise: "<file> <args>". */
  modules: BootModuleInput[];
  e820: E820Map;
  bootLoaderName?: string;
}

export interface MultibootBoot {
  entry: EntryState;
  mbi: number;
  image: LoadedRange;
  modules: PlacedModule[];
}

/** Load the image per its header; returns the loaded range and the entry point. */
function loadImage(mem: GuestMemory, image: Uint8Array, h: MultibootHeader): { range: LoadedRange; entry: number } {
  if (!(h.flags & MULTIBOOT_AOUT_KLUDGE)) {
    if (!isElf(image)) throw new ElfError('multiboot header without address fields, and the image is not ELF');
    const elf = parseElf(image);
    if (elf.bits !== 32) throw new ElfError('cannot load a 64-bit ELF as multiboot (give a 32-bit one, as QEMU says)');
    const range = loadElfSegments(elf, image, mem);
    // An entry given as a virtual address inside a segment is translated to its physical address.
    let entry = elf.entry;
    for (const p of elf.phdrs) {
      if (p.type === PT_LOAD && entry >= p.vaddr && entry < p.vaddr + p.memsz && p.vaddr !== p.paddr) {
        entry = entry - p.vaddr + p.paddr;
        break;
      }
    }
    return { range, entry };
  }
  // a.out kludge (spec §3.1.3): the header says where the file goes.
  if (h.headerAddr < h.loadAddr) throw new ElfError('multiboot: header_addr below load_addr');
  if (h.headerAddr - h.loadAddr > h.offset) throw new ElfError('multiboot: invalid header_addr');
  const textOffset = h.offset - (h.headerAddr - h.loadAddr);
  let loadSize: number;
  if (h.loadEndAddr) {
    if (h.loadEndAddr < h.loadAddr) throw new ElfError('multiboot: load_end_addr below load_addr');
    loadSize = h.loadEndAddr - h.loadAddr;
  } else {
    loadSize = image.length - textOffset;
  }
  if (textOffset + loadSize > image.length) throw new ElfError('multiboot: load range extends past the end of the file');
  let size = loadSize;
  if (h.bssEndAddr) {
    if (h.bssEndAddr < h.loadAddr + loadSize) throw new ElfError('multiboot: bss_end_addr below the loaded image');
    size = h.bssEndAddr - h.loadAddr;
  }
  if (h.loadAddr + size > 0x1_0000_0000 || !mem.isBacked(h.loadAddr, size)) {
    throw new ElfError(`multiboot: image at 0x${h.loadAddr.toString(16)} (+0x${size.toString(16)}) is not in guest RAM`);
  }
  mem.writeBytes(h.loadAddr, image.subarray(textOffset, textOffset + loadSize));
  mem.fill(h.loadAddr + loadSize, size - loadSize, 0);
  return { range: { low: h.loadAddr, high: h.loadAddr + size }, entry: h.entryAddr };
}

export function loadMultiboot(mem: GuestMemory, image: Uint8Array, opts: MultibootLoadOptions): MultibootBoot {
  const h = findMultibootHeader(image);
  if (!h) throw new ElfError('no multiboot header in the first 8 KiB');
  const { range, entry } = loadImage(mem, image, h);

  // Strings and the module list, then the modules, page-aligned after the image (below 4 GiB).
  const area = new BootArea(mem, Math.ceil(range.high / 4096) * 4096, Math.min(mem.lowRamBytes, 0x1_0000_0000), 'multiboot');
  const modList = opts.modules.length ? area.alloc(16 * opts.modules.length, 16) : 0;
  const modStrings = opts.modules.map((m) => area.string(m.cmdline));
  const cmdline = area.string(opts.cmdline);
  const loaderName = area.string(opts.bootLoaderName ?? 'xentab');
  const placed: PlacedModule[] = opts.modules.map((m, i) => {
    const paddr = area.bytes(m.bytes, 4096);
    return { paddr, size: m.bytes.length, cmdlinePaddr: modStrings[i]! };
  });
  placed.forEach((p, i) => {
    const o = modList + 16 * i;
    mem.write32(o, p.paddr);
    mem.write32(o + 4, p.paddr + p.size);
    mem.write32(o + 8, p.cmdlinePaddr);
    mem.write32(o + 12, 0);
  });

  // Memory map: entries of {u32 size = 20; u64 base; u64 length; u32 type}; `size` excludes itself.
  const map = opts.e820.entries();
  if (map.length * 24 > MBI_ADDR - MMAP_ADDR) throw new RangeError('memory map too long for the multiboot area');
  map.forEach((e, i) => {
    const o = MMAP_ADDR + 24 * i;
    mem.write32(o, 20);
    mem.write64(o + 4, e.addr);
    mem.write64(o + 12, e.size);
    mem.write32(o + 20, e.type);
  });
  // mem_lower: conventional memory below the EBDA; mem_upper: RAM contiguous from 1 MiB (KiB).
  const low = map.find((e) => e.addr === 0 && e.type === E820_RAM);
  const up = map.find((e) => e.addr === 0x100000 && e.type === E820_RAM);

  mem.fill(MBI_ADDR, MBI_SIZE, 0);
  mem.write32(MBI_ADDR + MBI_FLAGS, MBI_MEMORY | MBI_BOOT_DEVICE | MBI_CMDLINE | MBI_MODS | MBI_MMAP | MBI_LOADER);
  mem.write32(MBI_ADDR + MBI_MEM_LOWER, low ? Math.floor(low.size / 1024) : 0);
  mem.write32(MBI_ADDR + MBI_MEM_UPPER, up ? Math.floor(up.size / 1024) : 0);
  mem.write32(MBI_ADDR + MBI_BOOT_DEVICE_OFF, 0x8000ffff); // QEMU's value: first BIOS disk, no partition
  mem.write32(MBI_ADDR + MBI_CMDLINE_OFF, cmdline);
  mem.write32(MBI_ADDR + MBI_MODS_COUNT, placed.length);
  mem.write32(MBI_ADDR + MBI_MODS_ADDR, modList);
  mem.write32(MBI_ADDR + MBI_MMAP_LENGTH, map.length * 24);
  mem.write32(MBI_ADDR + MBI_MMAP_ADDR, MMAP_ADDR);
  mem.write32(MBI_ADDR + MBI_BOOT_LOADER_NAME, loaderName);
  // QEMU's multiboot option ROM writes the boot information first and reads the kernel after
  // it, so an image that covers 0x9000-0x95FF (kvm-unit-tests' realmode.flat loads at 0x8000)
  // keeps its own bytes there and EBX points into them.
  if (range.low < MBI_ADDR + MBI_SIZE && range.high > MMAP_ADDR) loadImage(mem, image, h);

  return {
    entry: { mode: 'protected32-flat', eip: entry, eax: MULTIBOOT_BOOTLOADER_MAGIC, ebx: MBI_ADDR, esp: 0 },
    mbi: MBI_ADDR,
    image: range,
    modules: placed,
  };
}
