// ELF32/ELF64 little-endian x86 images (System V gABI, "ELF Header", "Program Header",
// "Note Section"): header, program headers, notes from PT_NOTE segments and SHT_NOTE sections,
// and loading PT_LOAD segments at their physical addresses. Every offset and size read from the
// file is bounds-checked; a malformed image is an ElfError, never a crash or a partial load.
import type { GuestMemory } from '../memory.ts';

export class ElfError extends Error {
  override name = 'ElfError';
}

export const PT_LOAD = 1;
export const PT_NOTE = 4;
export const SHT_NOTE = 7;
export const EM_386 = 3;
export const EM_X86_64 = 62;

export interface ElfProgramHeader {
  type: number;
  flags: number;
  offset: number;
  vaddr: number;
  paddr: number;
  filesz: number;
  memsz: number;
  align: number;
}

export interface ElfNote {
  name: string;
  type: number;
  desc: Uint8Array;
}

export interface ElfImage {
  bits: 32 | 64;
  type: number;
  machine: number;
  entry: number;
  phdrs: ElfProgramHeader[];
  /** Notes from PT_NOTE segments, or from SHT_NOTE sections when there are none. */
  notes: ElfNote[];
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

class Reader {
  readonly v: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  check(off: number, len: number, what: string): void {
    if (off < 0 || len < 0 || off + len > this.bytes.length) {
      throw new ElfError(`${what} at file offset ${off} (+${len}) lies outside the ${this.bytes.length}-byte file`);
    }
  }
  u16(o: number): number {
    this.check(o, 2, 'field');
    return this.v.getUint16(o, true);
  }
  u32(o: number): number {
    this.check(o, 4, 'field');
    return this.v.getUint32(o, true);
  }
  u64(o: number, what: string): number {
    this.check(o, 8, 'field');
    const lo = this.v.getUint32(o, true);
    const hi = this.v.getUint32(o + 4, true);
    const x = hi * 0x1_0000_0000 + lo;
    if (x > MAX_SAFE) throw new ElfError(`${what} 0x${hi.toString(16)}${lo.toString(16).padStart(8, '0')} is too large`);
    return x;
  }
}

/** Parse the notes in `bytes[off, off+size)` (4-byte aligned name and descriptor). */
function parseNotes(r: Reader, off: number, size: number, out: ElfNote[]): void {
  r.check(off, size, 'note area');
  const end = off + size;
  let p = off;
  while (p + 12 <= end) {
    const namesz = r.u32(p);
    const descsz = r.u32(p + 4);
    const type = r.u32(p + 8);
    const nameOff = p + 12;
    const descOff = nameOff + Math.ceil(namesz / 4) * 4;
    const next = descOff + Math.ceil(descsz / 4) * 4;
    if (namesz > size || descsz > size || next > end) throw new ElfError(`malformed note at file offset ${p}`);
    let name = '';
    for (let i = 0; i < namesz; i++) {
      const c = r.bytes[nameOff + i]!;
      if (c === 0) break;
      name += String.fromCharCode(c);
    }
    out.push({ name, type, desc: r.bytes.slice(descOff, descOff + descsz) });
    p = next;
  }
}

export function isElf(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46;
}

export function parseElf(bytes: Uint8Array): ElfImage {
  if (!isElf(bytes)) throw new ElfError('not an ELF file (bad magic)');
  if (bytes.length < 52) throw new ElfError('truncated ELF header');
  const cls = bytes[4];
  if (cls !== 1 && cls !== 2) throw new ElfError(`unknown ELF class ${cls}`);
  if (bytes[5] !== 1) throw new ElfError('not a little-endian ELF file');
  const bits = cls === 1 ? 32 : 64;
  const r = new Reader(bytes);
  const type = r.u16(16);
  const machine = r.u16(18);
  if (machine !== EM_386 && machine !== EM_X86_64) throw new ElfError(`ELF machine ${machine} is not x86`);
  let entry: number, phoff: number, shoff: number, phentsize: number, phnum: number, shentsize: number, shnum: number;
  if (bits === 32) {
    entry = r.u32(24);
    phoff = r.u32(28);
    shoff = r.u32(32);
    phentsize = r.u16(42);
    phnum = r.u16(44);
    shentsize = r.u16(46);
    shnum = r.u16(48);
  } else {
    r.check(0, 64, 'ELF64 header');
    entry = r.u64(24, 'entry');
    phoff = r.u64(32, 'phoff');
    shoff = r.u64(40, 'shoff');
    phentsize = r.u16(54);
    phnum = r.u16(56);
    shentsize = r.u16(58);
    shnum = r.u16(60);
  }
  const minPh = bits === 32 ? 32 : 56;
  if (phnum && phentsize < minPh) throw new ElfError(`program header entry size ${phentsize} too small`);
  r.check(phoff, phnum * phentsize, 'program header table');
  const phdrs: ElfProgramHeader[] = [];
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * phentsize;
    const ph: ElfProgramHeader =
      bits === 32
        ? {
            type: r.u32(o),
            offset: r.u32(o + 4),
            vaddr: r.u32(o + 8),
            paddr: r.u32(o + 12),
            filesz: r.u32(o + 16),
            memsz: r.u32(o + 20),
            flags: r.u32(o + 24),
            align: r.u32(o + 28),
          }
        : {
            type: r.u32(o),
            flags: r.u32(o + 4),
            offset: r.u64(o + 8, 'p_offset'),
            vaddr: r.u64(o + 16, 'p_vaddr'),
            paddr: r.u64(o + 24, 'p_paddr'),
            filesz: r.u64(o + 32, 'p_filesz'),
            memsz: r.u64(o + 40, 'p_memsz'),
            align: r.u64(o + 48, 'p_align'),
          };
    if (ph.type === PT_LOAD || ph.type === PT_NOTE) {
      r.check(ph.offset, ph.filesz, `segment ${i}`);
      if (ph.type === PT_LOAD && ph.filesz > ph.memsz) throw new ElfError(`segment ${i}: filesz > memsz`);
    }
    phdrs.push(ph);
  }
  const notes: ElfNote[] = [];
  for (const ph of phdrs) if (ph.type === PT_NOTE) parseNotes(r, ph.offset, ph.filesz, notes);
  if (notes.length === 0 && shnum > 0 && shoff > 0) {
    const minSh = bits === 32 ? 40 : 64;
    if (shentsize < minSh) throw new ElfError(`section header entry size ${shentsize} too small`);
    r.check(shoff, shnum * shentsize, 'section header table');
    for (let i = 0; i < shnum; i++) {
      const o = shoff + i * shentsize;
      if (r.u32(o + 4) !== SHT_NOTE) continue;
      const off = bits === 32 ? r.u32(o + 16) : r.u64(o + 24, 'sh_offset');
      const size = bits === 32 ? r.u32(o + 20) : r.u64(o + 32, 'sh_size');
      parseNotes(r, off, size, notes);
    }
  }
  return { bits, type, machine, entry, phdrs, notes };
}

export interface LoadedRange {
  /** Lowest and one-past-highest physical address written (including zero-filled bss). */
  low: number;
  high: number;
}

/**
 * Copy every PT_LOAD segment to its physical address and zero the tail up to memsz. Fails
 * (before writing anything) if a segment would land outside RAM, below `minAddr`, or at or
 * above 4 GiB when `below4G` is set.
 */
export function loadElfSegments(
  elf: ElfImage,
  bytes: Uint8Array,
  mem: GuestMemory,
  opts: { minAddr?: number; below4G?: boolean; useVaddr?: boolean } = {},
): LoadedRange {
  let low = Infinity;
  let high = 0;
  const loads = elf.phdrs.filter((p) => p.type === PT_LOAD && p.memsz > 0);
  if (loads.length === 0) throw new ElfError('no loadable segments');
  for (const p of loads) {
    const addr = opts.useVaddr ? p.vaddr : p.paddr;
    const end = addr + p.memsz;
    if (opts.below4G && end > 0x1_0000_0000) throw new ElfError(`segment at 0x${addr.toString(16)} extends past 4 GiB`);
    if (addr < (opts.minAddr ?? 0)) throw new ElfError(`segment at 0x${addr.toString(16)} is below 0x${(opts.minAddr ?? 0).toString(16)}`);
    if (!mem.isBacked(addr, p.memsz)) {
      throw new ElfError(`segment at 0x${addr.toString(16)} (+0x${p.memsz.toString(16)}) is not in guest RAM`);
    }
    low = Math.min(low, addr);
    high = Math.max(high, end);
  }
  for (const p of loads) {
    const addr = opts.useVaddr ? p.vaddr : p.paddr;
    mem.writeBytes(addr, bytes.subarray(p.offset, p.offset + p.filesz));
    mem.fill(addr + p.filesz, p.memsz - p.filesz, 0);
  }
  return { low, high };
}
