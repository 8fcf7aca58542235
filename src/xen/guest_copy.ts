// Hypercall arguments are guest-virtual (linear) addresses: Xen's copy_from_guest /
// copy_to_guest for HVM walk the guest's current page tables (hvm_copy_*_guest_linear).
// This walker only reads the tables: a failed translation is -EFAULT for the hypercall,
// never a #PF in the guest, and it sets no accessed/dirty bits (the access is Xen's, not the
// guest's). Paging modes: SDM Vol 3 ch. 4 (32-bit with PSE, PAE, 4-level). An entry with a
// reserved bit set fails the translation, as in Xen's guest_walk_tables (_PAGE_INVALID_BITS),
// with the CPU's own reserved-bit masks (src/x86/paging.ts), so both agree on every pointer.
import type { Cpu } from '../x86/cpu.ts';
import type { GuestMemory } from '../machine/memory.ts';
import { CR0, CR3, CR4, MSR_EFER } from '../x86/state_layout.ts';
import { paeEntryReserved, pse4MReserved } from '../x86/paging.ts';
import type { Abi, Aggregate, FieldInfo } from './abi/struct.ts';

const TWO32 = 4294967296;
const CR0_PG = 0x80000000 | 0, CR0_WP = 0x10000;
const CR4_PSE = 0x10, CR4_PAE = 0x20;
const EFER_LMA = 0x400, EFER_NXE = 0x800;
const P = 1, W = 2, PS = 0x80;

/** Guest-physical address of linear `la` for a supervisor access, or -1. */
export function linearToPhys(cpu: Cpu, mem: GuestMemory, la: number, write: boolean): number {
  const s = cpu.s32;
  const cr0 = s[CR0 >> 2]!, cr4 = s[CR4 >> 2]!, efer = s[MSR_EFER >> 2]!;
  const long = (efer & EFER_LMA) !== 0, nxe = (efer & EFER_NXE) !== 0;
  if (!long) la = ((la % TWO32) + TWO32) % TWO32;
  if ((cr0 & CR0_PG) === 0) return la;
  const wp = write && (cr0 & CR0_WP) !== 0;
  // `la` is a signed 64-bit value (exact for canonical addresses, high half negative).
  const hi = Math.floor(la / TWO32), lo = (la - hi * TWO32) >>> 0;
  if ((cr4 & CR4_PAE) === 0) {
    const pde = mem.read32(((s[CR3 >> 2]! & ~0xfff) >>> 0) + (lo >>> 22) * 4) >>> 0;
    if ((pde & P) === 0 || (wp && (pde & W) === 0)) return -1;
    if ((pde & PS) !== 0 && (cr4 & CR4_PSE) !== 0) {
      if (pse4MReserved(pde)) return -1;
      return ((pde >>> 13) & 0xff) * TWO32 + ((pde & 0xffc00000) >>> 0) + (lo & 0x3fffff);
    }
    const pte = mem.read32(((pde & ~0xfff) >>> 0) + ((lo >>> 12) & 0x3ff) * 4) >>> 0;
    if ((pte & P) === 0 || (wp && (pte & W) === 0)) return -1;
    return ((pte & ~0xfff) >>> 0) + (lo & 0xfff);
  }
  // Canonical check in long mode: bits 63:47 all equal.
  if (long && (hi >= 0x8000 || hi < -0x8000)) return -1;
  let table: number;
  let level: number;
  if (long) {
    table = (s[(CR3 >> 2) + 1]! & 0xfffff) * TWO32 + ((s[CR3 >> 2]! & ~0xfff) >>> 0);
    level = 3;
  } else {
    // PAE: the 4 PDPTEs at CR3[31:5].
    const pdpte = (s[CR3 >> 2]! & ~0x1f) >>> 0;
    const eLo = mem.read32(pdpte + (lo >>> 30) * 8), eHi = mem.read32(pdpte + (lo >>> 30) * 8 + 4);
    if ((eLo & P) === 0 || paeEntryReserved(false, nxe, 2, eLo, eHi)) return -1;
    table = (eHi & 0xfffff) * TWO32 + ((eLo & ~0xfff) >>> 0);
    level = 1;
  }
  for (;;) {
    let idx: number;
    if (level === 3) idx = (hi >>> 7) & 0x1ff;
    else if (level === 2) idx = (((hi & 0x7f) << 2) | (lo >>> 30)) & 0x1ff;
    else if (level === 1) idx = (lo >>> 21) & 0x1ff;
    else idx = (lo >>> 12) & 0x1ff;
    const eLo = mem.read32(table + idx * 8) >>> 0, eHi = mem.read32(table + idx * 8 + 4) >>> 0;
    if ((eLo & P) === 0 || (wp && (eLo & W) === 0) || paeEntryReserved(long, nxe, level, eLo | 0, eHi | 0)) return -1;
    const frame = (eHi & 0xfffff) * TWO32 + ((eLo & 0xfffff000) >>> 0);
    if (level === 0) return frame + (lo & 0xfff);
    if ((level === 1 || level === 2) && (eLo & PS) !== 0) {
      const size = level === 1 ? 0x200000 : 0x40000000;
      return frame - (frame % size) + (((la % size) + size) % size);
    }
    table = frame;
    level--;
  }
}

/**
 * A view of guest memory through one vCPU's current paging mode, for one hypercall.
 * Every method checks the whole range and reports failure instead of throwing.
 */
export class GuestAccess {
  /** The caller's ABI: 64-bit code gets x86_64 layouts, everything else x86_32 (Xen's compat). */
  abi: Abi = 'x86_64';
  private cpu!: Cpu;

  constructor(readonly mem: GuestMemory) {}

  bind(cpu: Cpu, abi: Abi): this {
    this.cpu = cpu;
    this.abi = abi;
    return this;
  }

  /** Host byte offset of linear `la`, valid up to the end of its page, or -1. */
  private host(la: number, write: boolean): number {
    const pa = linearToPhys(this.cpu, this.mem, la, write);
    if (pa < 0) return -1;
    const h = this.mem.physPage(Math.floor(pa / 4096));
    return h < 0 ? -1 : h + (pa % 4096);
  }

  /** Bytes from linear `a` to the end of its page (a may be negative: high canonical half). */
  private static inPage(a: number): number {
    return 4096 - (((a % 4096) + 4096) % 4096);
  }

  /** Copy `len` bytes at linear `la` into a new array, or null (-EFAULT). */
  read(la: number, len: number): Uint8Array | null {
    if (!Number.isSafeInteger(la) || len < 0 || len > 1 << 20) return null;
    const out = new Uint8Array(len);
    let done = 0;
    while (done < len) {
      const a = la + done;
      const n = Math.min(GuestAccess.inPage(a), len - done);
      const h = this.host(a, false);
      if (h < 0) return null;
      out.set(this.mem.u8.subarray(h, h + n), done);
      done += n;
    }
    return out;
  }

  /** Copy bytes to linear `la`; false (-EFAULT) if any page is missing (nothing is written then). */
  write(la: number, src: Uint8Array): boolean {
    if (!Number.isSafeInteger(la)) return false;
    const hosts: number[] = [];
    for (let done = 0; done < src.length; ) {
      const a = la + done;
      const n = Math.min(GuestAccess.inPage(a), src.length - done);
      const h = this.host(a, true);
      if (h < 0) return false;
      hosts.push(h, done, n);
      done += n;
    }
    for (let i = 0; i < hosts.length; i += 3) {
      const h = hosts[i]!, off = hosts[i + 1]!, n = hosts[i + 2]!;
      this.mem.u8.set(src.subarray(off, off + n), h);
    }
    return true;
  }

}

/** Little-endian field helpers over a struct buffer; 64-bit values as doubles (exact below 2^53). */
export class StructView {
  readonly dv: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  u8(o: number): number { return this.dv.getUint8(o); }
  u16(o: number): number { return this.dv.getUint16(o, true); }
  u32(o: number): number { return this.dv.getUint32(o, true); }
  i32(o: number): number { return this.dv.getInt32(o, true); }
  u64(o: number): number { return this.dv.getUint32(o, true) + this.dv.getUint32(o + 4, true) * TWO32; }
  /** Signed 64-bit: exact for guest pointers in either canonical half and for values below 2^53. */
  s64(o: number): number { return this.dv.getUint32(o, true) + this.dv.getInt32(o + 4, true) * TWO32; }
  /** A field of `size` 4 or 8 bytes (xen_ulong_t, xen_pfn_t, handles differ per ABI). */
  word(o: number, size: number): number { return size === 8 ? this.u64(o) : this.u32(o); }
  set8(o: number, v: number): void { this.dv.setUint8(o, v); }
  set16(o: number, v: number): void { this.dv.setUint16(o, v, true); }
  set32(o: number, v: number): void { this.dv.setUint32(o, v >>> 0, true); }
  set64(o: number, v: number): void {
    // Negative values are stored sign-extended (errno results in 64-bit fields).
    if (v < 0) { this.dv.setInt32(o, v | 0, true); this.dv.setInt32(o + 4, -1, true); return; }
    this.dv.setUint32(o, v % TWO32, true);
    this.dv.setUint32(o + 4, Math.floor(v / TWO32), true);
  }
  setWord(o: number, v: number, size: number): void { if (size === 8) this.set64(o, v); else this.set32(o, v); }
}

/**
 * One Xen struct in guest memory, read and written through its layout in the caller's ABI
 * (src/xen/abi): `get('nr_entries')`, `set('port', p)`. Scalars are read by their size;
 * int16_t/int32_t fields sign-extend, and 8-byte fields read as signed 64-bit (so kernel
 * pointers in the upper canonical half stay exact; values from 2^63 come back negative).
 */
export class GuestStruct {
  private view: StructView | null = null;
  private readonly info: Readonly<Record<string, FieldInfo>>;

  constructor(
    private readonly g: GuestAccess,
    private readonly layout: Aggregate,
    readonly addr: number,
  ) {
    this.info = layout.info[g.abi];
  }

  get size(): number {
    return this.layout.sizeof[this.g.abi];
  }

  /** Copy the struct in; false means -EFAULT. */
  load(): boolean {
    const b = this.g.read(this.addr, this.size);
    this.view = b ? new StructView(b) : null;
    return b !== null;
  }

  private field(path: string): FieldInfo {
    const f = this.info[path];
    if (!f) throw new Error(`${this.layout.cname ?? 'struct'} has no member ${path} in ${this.g.abi}`);
    return f;
  }

  get(path: string, index = 0): number {
    const f = this.field(path), v = this.view!;
    const o = f.offset + index * f.elemSize;
    switch (f.elemSize) {
      case 1: return f.type === 'int8_t' ? v.dv.getInt8(o) : v.u8(o);
      case 2: return f.type === 'int16_t' ? v.dv.getInt16(o, true) : v.u16(o);
      case 4: return f.type === 'int32_t' || f.type === 'int' ? v.i32(o) : v.u32(o);
      default: return v.s64(o);
    }
  }

  /** Low and high 32 bits of a 64-bit member (for values that do not fit a double, like CALLBACK_IRQ). */
  halves(path: string): [number, number] {
    const o = this.field(path).offset, v = this.view!;
    return [v.u32(o), v.u32(o + 4)];
  }

  setHalves(path: string, lo: number, hi: number): void {
    const o = this.field(path).offset, v = this.view!;
    v.set32(o, lo);
    v.set32(o + 4, hi);
  }

  set(path: string, value: number, index = 0): void {
    const f = this.field(path), v = this.view!;
    const o = f.offset + index * f.elemSize;
    switch (f.elemSize) {
      case 1: v.set8(o, value & 0xff); break;
      case 2: v.set16(o, value & 0xffff); break;
      case 4: v.set32(o, value); break;
      default: v.set64(o, value);
    }
  }

  /** Copy the struct back out; false means -EFAULT. */
  store(): boolean {
    return this.view !== null && this.g.write(this.addr, this.view.bytes);
  }

  /** Write just one member back (Xen's __copy_field_to_guest). */
  storeField(path: string): boolean {
    const f = this.field(path);
    return this.view !== null && this.g.write(this.addr + f.offset, this.view.bytes.subarray(f.offset, f.offset + f.size));
  }
}
