// Memory-mapped I/O regions: guest-physical ranges that are not RAM but device registers.
// The CPU reaches them when the page map says a frame is not backed (physPage = -1).
// Unclaimed addresses read as all-ones and ignore writes.

/** A device's MMIO handler; `offset` is relative to the region base, `size` is 1, 2 or 4. */
export interface MmioHandler {
  mmioRead(offset: number, size: 1 | 2 | 4): number;
  mmioWrite(offset: number, size: 1 | 2 | 4, value: number): void;
}

interface Region {
  base: number;
  size: number;
  h: MmioHandler;
}

const ALL_ONES = [0, 0xff, 0xffff, 0, 0xffffffff] as const;

export class MmioBus {
  private regions: Region[] = [];
  private last: Region | undefined;

  register(base: number, size: number, h: MmioHandler): void {
    for (const r of this.regions) {
      if (base < r.base + r.size && r.base < base + size) {
        throw new Error(`MMIO region 0x${base.toString(16)} overlaps 0x${r.base.toString(16)}`);
      }
    }
    this.regions.push({ base, size, h });
    this.regions.sort((a, b) => a.base - b.base);
  }

  unregister(base: number): void {
    this.regions = this.regions.filter((r) => r.base !== base);
    this.last = undefined;
  }

  private find(addr: number): Region | undefined {
    const l = this.last;
    if (l && addr >= l.base && addr < l.base + l.size) return l;
    for (const r of this.regions) {
      if (addr >= r.base && addr < r.base + r.size) return (this.last = r);
    }
    return undefined;
  }

  read(addr: number, size: 1 | 2 | 4): number {
    const r = this.find(addr);
    if (!r) return ALL_ONES[size];
    return r.h.mmioRead(addr - r.base, size);
  }

  write(addr: number, size: 1 | 2 | 4, value: number): void {
    const r = this.find(addr);
    if (r) r.h.mmioWrite(addr - r.base, size, value);
  }
}
