// A bump allocator over guest-physical memory for loaders: boot structures, strings and
// modules go at increasing addresses inside one window, each checked against RAM.
import type { GuestMemory } from '../memory.ts';

export class BootArea {
  private next: number;

  constructor(
    private readonly mem: GuestMemory,
    start: number,
    private readonly limit: number,
    private readonly what: string,
  ) {
    this.next = start;
  }

  /** Reserve `size` bytes aligned to `align`; throws if the window or RAM is exhausted. */
  alloc(size: number, align: number): number {
    const addr = Math.ceil(this.next / align) * align;
    if (addr + size > this.limit || !this.mem.isBacked(addr, Math.max(size, 1))) {
      throw new RangeError(`${this.what}: no room for ${size} bytes at 0x${addr.toString(16)} (limit 0x${this.limit.toString(16)})`);
    }
    this.next = addr + size;
    return addr;
  }

  /** Copy a NUL-terminated string and return its address. */
  string(s: string): number {
    const a = this.alloc(s.length + 1, 1);
    this.mem.writeCString(a, s);
    return a;
  }

  bytes(b: Uint8Array, align: number): number {
    const a = this.alloc(b.length, align);
    this.mem.writeBytes(a, b);
    return a;
  }

  get end(): number {
    return this.next;
  }
}
