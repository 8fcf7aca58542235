// The BIOS E820 memory map (ACPI 6.x §15 "System Address Map Interfaces"), as handed to guests by
// the PVH start info (hvm_memmap_table_entry), the multiboot mmap and XENMEM_memory_map.

export const E820_RAM = 1;
export const E820_RESERVED = 2;
export const E820_ACPI = 3;
export const E820_NVS = 4;
export const E820_UNUSABLE = 5;

export interface E820Entry {
  addr: number;
  size: number;
  type: number;
}

/**
 * A memory map kept sorted and non-overlapping: adding a range cuts it out of whatever it
 * overlaps, so later additions win (a reserved page carved out of RAM splits the RAM entry).
 */
export class E820Map {
  private list: E820Entry[] = [];

  add(addr: number, size: number, type: number): void {
    if (size <= 0) return;
    const end = addr + size;
    const next: E820Entry[] = [];
    for (const e of this.list) {
      const eEnd = e.addr + e.size;
      if (eEnd <= addr || e.addr >= end) {
        next.push(e);
        continue;
      }
      if (e.addr < addr) next.push({ addr: e.addr, size: addr - e.addr, type: e.type });
      if (eEnd > end) next.push({ addr: end, size: eEnd - end, type: e.type });
    }
    next.push({ addr, size, type });
    next.sort((a, b) => a.addr - b.addr);
    // Merge neighbours of the same type.
    const merged: E820Entry[] = [];
    for (const e of next) {
      const last = merged[merged.length - 1];
      if (last && last.type === e.type && last.addr + last.size === e.addr) last.size += e.size;
      else merged.push({ ...e });
    }
    this.list = merged;
  }

  entries(): readonly E820Entry[] {
    return this.list;
  }

  /** Total bytes of type RAM. */
  ramBytes(): number {
    let n = 0;
    for (const e of this.list) if (e.type === E820_RAM) n += e.size;
    return n;
  }

  /** Packed 20-byte records {u64 addr, u64 size, u32 type} as XENMEM_memory_map and int 15h/E820 return them. */
  toBytes(): Uint8Array {
    const out = new Uint8Array(this.list.length * 20);
    const v = new DataView(out.buffer);
    this.list.forEach((e, i) => {
      writeU64(v, i * 20, e.addr);
      writeU64(v, i * 20 + 8, e.size);
      v.setUint32(i * 20 + 16, e.type, true);
    });
    return out;
  }
}

/** Little-endian u64 from a non-negative integer below 2^53. */
export function writeU64(v: DataView, off: number, x: number): void {
  v.setUint32(off, x % 0x1_0000_0000, true);
  v.setUint32(off + 4, Math.floor(x / 0x1_0000_0000), true);
}

/** Reserved ranges every PC map carries, as SeaBIOS reports them under QEMU. */
export const EBDA_START = 0x9fc00;
export const BIOS_AREA_START = 0xf0000;
export const HIGH_BIOS_START = 0xfffc0000;
/** SeaBIOS keeps the top 128 KiB of low RAM for its own tables (ACPI etc.) and reserves it. */
export const FIRMWARE_TOP_RESERVED = 0x20000;

/**
 * The map our direct-boot PC reports, laid out like QEMU + SeaBIOS so guests see the same
 * mem_lower/mem_upper as under QEMU: conventional memory up to the EBDA, the BIOS area
 * 0xF0000-0xFFFFF (where our ACPI tables live) reserved, RAM from 1 MiB to 128 KiB below the
 * top of low RAM, that firmware area reserved, the high BIOS alias reserved, RAM above 4 GiB.
 */
export function pcE820(lowRamBytes: number, highRamBytes: number): E820Map {
  const m = new E820Map();
  m.add(0, Math.min(EBDA_START, lowRamBytes), E820_RAM);
  if (lowRamBytes > EBDA_START) m.add(EBDA_START, 0xa0000 - EBDA_START, E820_RESERVED);
  m.add(BIOS_AREA_START, 0x100000 - BIOS_AREA_START, E820_RESERVED);
  if (lowRamBytes > 0x100000 + FIRMWARE_TOP_RESERVED) {
    m.add(0x100000, lowRamBytes - FIRMWARE_TOP_RESERVED - 0x100000, E820_RAM);
    m.add(lowRamBytes - FIRMWARE_TOP_RESERVED, FIRMWARE_TOP_RESERVED, E820_RESERVED);
  }
  m.add(HIGH_BIOS_START, 0x1_0000_0000 - HIGH_BIOS_START, E820_RESERVED);
  if (highRamBytes > 0) m.add(0x1_0000_0000, highRamBytes, E820_RAM);
  return m;
}
