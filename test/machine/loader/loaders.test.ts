// The multiboot and PVH loaders on kernels built here, checked against what QEMU hands the same
// kernels (the kernels print their boot information on COM1 under QEMU; we render the same
// lines from the structures our loader wrote), and on Debian's real GRUB PVH image and Xen shim.
import { describe, it, expect, beforeAll } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { GuestMemory } from '../../../src/machine/memory.ts';
import { pcE820 } from '../../../src/machine/e820.ts';
import { ElfError, parseElf } from '../../../src/machine/loader/elf.ts';
import { findMultibootHeader, loadMultiboot, MBI_ADDR } from '../../../src/machine/loader/multiboot.ts';
import { findPvhEntry, loadPvh, XEN_HVM_START_MAGIC_VALUE } from '../../../src/machine/loader/pvh.ts';
import { buildGuest, haveGcc32, MULTIBOOT_AOUT_INFO, MULTIBOOT_INFO, PVH_INFO } from '../../guests/build_guest.ts';
import { haveQemu, runQemu } from './qemu_run.ts';

const RAM = 128 << 20;
const hex = (v: number, d: number) => v.toString(16).padStart(d, '0');
const cstr = (m: GuestMemory, a: number) => {
  let s = '';
  for (let c = m.read8(a); c !== 0; c = m.read8(++a)) s += String.fromCharCode(c);
  return s;
};
const printable = (m: GuestMemory, a: number, n: number) =>
  [...m.readBytes(a, n)].map((c) => (c >= 32 && c < 127 ? String.fromCharCode(c) : '.')).join('');

/** The lines multiboot_info.c prints, rendered from our loader's structures. */
function renderMultiboot(m: GuestMemory, eax: number, mbi: number): string[] {
  const out = [`magic=${hex(eax, 8)}`];
  const flags = m.read32(mbi);
  out.push(`flags=${hex(flags, 8)}`, `mem_lower=${hex(m.read32(mbi + 4), 8)}`, `mem_upper=${hex(m.read32(mbi + 8), 8)}`);
  out.push(`cmdline=${cstr(m, m.read32(mbi + 16))}`);
  const n = m.read32(mbi + 20);
  out.push(`mods_count=${hex(n, 8)}`);
  for (let i = 0; i < n; i++) {
    const e = m.read32(mbi + 24) + 16 * i;
    const start = m.read32(e);
    const size = m.read32(e + 4) - start;
    out.push(`mod_aligned=${start % 4096 === 0 ? 1 : 0}`, `mod_size=${hex(size, 8)}`, `mod_string=${cstr(m, m.read32(e + 8))}`);
    out.push(`mod_data=${printable(m, start, Math.min(size, 16))}`);
  }
  let p = m.read32(mbi + 48);
  const end = p + m.read32(mbi + 44);
  let k = 0;
  for (; p < end; k++) {
    const size = m.read32(p);
    out.push(`mmap_size=${hex(size, 8)}`, `mmap_base=${hex(m.read64(p + 4), 16)}`, `mmap_len=${hex(m.read64(p + 12), 16)}`);
    out.push(`mmap_type=${hex(m.read32(p + 20), 8)}`);
    p += size + 4;
  }
  out.push(`mmap_entries=${hex(k, 8)}`, `loader=${cstr(m, m.read32(mbi + 64))}`, 'done');
  return out;
}

/** The lines pvh_info.c prints, rendered from our start info. */
function renderPvh(m: GuestMemory, si: number): string[] {
  const out = [`magic=${hex(m.read32(si), 8)}`, `version=${hex(m.read32(si + 4), 8)}`];
  const n = m.read32(si + 12);
  out.push(`nr_modules=${hex(n, 8)}`);
  if (m.read64(si + 24)) out.push(`cmdline=${cstr(m, m.read64(si + 24))}`);
  for (let i = 0; i < n; i++) {
    const e = m.read64(si + 16) + 32 * i;
    const pa = m.read64(e);
    const size = m.read64(e + 8);
    out.push(`mod_aligned=${pa % 4096 === 0 ? 1 : 0}`, `mod_size=${hex(size, 8)}`);
    let inRam = 0;
    for (let k = 0; k < m.read32(si + 48); k++) {
      const r = m.read64(si + 40) + 24 * k;
      if (m.read32(r + 16) === 1 && pa >= m.read64(r) && pa + size <= m.read64(r) + m.read64(r + 8)) inRam = 1;
    }
    out.push(`mod_in_ram=${inRam}`);
    if (m.read64(e + 16)) out.push(`mod_cmdline=${cstr(m, m.read64(e + 16))}`);
    out.push(`mod_data=${printable(m, pa, Math.min(size, 16))}`);
  }
  const rsdp = m.read64(si + 32);
  out.push(`rsdp_nonzero=${rsdp ? 1 : 0}`);
  if (rsdp) out.push(`rsdp_sig=${printable(m, rsdp, 8)}`);
  const ne = m.read32(si + 48);
  out.push(`memmap_entries=${hex(ne, 8)}`);
  for (let i = 0; i < ne; i++) {
    const e = m.read64(si + 40) + 24 * i;
    out.push(`memmap_addr=${hex(m.read64(e), 16)}`, `memmap_size=${hex(m.read64(e + 8), 16)}`, `memmap_type=${hex(m.read32(e + 16), 8)}`);
  }
  out.push('done');
  return out;
}

/**
 * QEMU's output with the differences we accept removed: the boot loader name ("qemu"), and the
 * reserved 0xFD00000000 HyperTransport hole QEMU 7.2 adds for its AMD CPU model.
 */
function normaliseQemu(lines: string[], mmapKey: 'mmap' | 'memmap'): string[] {
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.startsWith('loader=')) continue;
    const addrKey = mmapKey === 'mmap' ? 'mmap_base=' : 'memmap_addr=';
    if (l === `${addrKey}000000fd00000000`) {
      if (mmapKey === 'mmap') out.pop(); // drop its size line too
      i += 2;
      continue;
    }
    if (l.startsWith(`${mmapKey}_entries=`) && lines.includes(`${mmapKey === 'mmap' ? 'mmap_base=' : 'memmap_addr='}000000fd00000000`)) {
      out.push(`${mmapKey}_entries=${hex(parseInt(l.split('=')[1]!, 16) - 1, 8)}`);
      continue;
    }
    out.push(l);
  }
  return out;
}

const canBuild = haveGcc32();
const qemu = canBuild && haveQemu();

describe.skipIf(!canBuild)('loaders on our test kernels', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'xentab-ld-'));
    writeFileSync(join(dir, 'm1'), 'MODULE-ONE-DATA-xyz');
    writeFileSync(join(dir, 'm2'), 'second');
  });
  const mods = () => [
    { bytes: readFileSync(join(dir, 'm1')), cmdline: 'm1 arg1 arg2' },
    { bytes: readFileSync(join(dir, 'm2')), cmdline: 'm2' },
  ];

  for (const spec of [MULTIBOOT_INFO, MULTIBOOT_AOUT_INFO]) {
    it(`multiboot (${spec.flat ? 'a.out kludge' : 'ELF'}): entry state and info structure`, () => {
      const path = buildGuest(spec);
      const image = readFileSync(path);
      const h = findMultibootHeader(image)!;
      expect(h.flags & 0x10000).toBe(spec.flat ? 0x10000 : 0);
      const mem = new GuestMemory({ ramBytes: RAM, stateBytes: 4096 });
      const e820 = pcE820(mem.lowRamBytes, mem.highRamBytes);
      const boot = loadMultiboot(mem, image, { cmdline: `${path} hello world`, modules: mods(), e820 });
      const eip = spec.flat ? h.entryAddr : parseElf(image).entry;
      expect(eip).toBeGreaterThan(0x100000);
      expect(boot.entry).toEqual({ mode: 'protected32-flat', eip, eax: 0x2badb002, ebx: MBI_ADDR, esp: 0 });
      const lines = renderMultiboot(mem, boot.entry.eax, boot.mbi);
      expect(lines).toContain('mem_lower=0000027f');
      expect(lines).toContain('mod_string=m1 arg1 arg2');
      expect(lines).toContain('loader=xentab');
      if (qemu) {
        const q = runQemu(['-m', '128', '-kernel', path, '-append', 'hello world', '-initrd', 'm1 arg1 arg2,m2'], dir);
        expect(q.status).toBe(1);
        expect(lines.filter((l) => !l.startsWith('loader='))).toEqual(normaliseQemu(q.out.trim().split('\n'), 'mmap'));
      }
    });
  }

  it('PVH: finds PHYS32_ENTRY, builds hvm_start_info like QEMU does', () => {
    const path = buildGuest(PVH_INFO);
    const image = readFileSync(path);
    expect(findMultibootHeader(image)).toBeUndefined();
    expect(findPvhEntry(parseElf(image))).toBe(0x100000);
    const mem = new GuestMemory({ ramBytes: RAM, stateBytes: 4096 });
    const e820 = pcE820(mem.lowRamBytes, mem.highRamBytes);
    // QEMU's PVH path takes one initrd file and gives it no command line.
    const boot = loadPvh(mem, image, { cmdline: 'hello world', modules: [{ bytes: readFileSync(join(dir, 'm1')), cmdline: '' }], e820, rsdpAddr: 0xf0000 });
    mem.writeBytes(0xf0000, new TextEncoder().encode('RSD PTR '));
    expect(boot.entry.ebx).toBe(boot.startInfo);
    expect(boot.entry.eip).toBe(0x100000);
    expect(mem.read32(boot.startInfo)).toBe(XEN_HVM_START_MAGIC_VALUE);
    expect(boot.startInfo).toBeGreaterThanOrEqual(0x11000); // outside Xen's trampoline window
    expect(mem.read32(0)).toBe(0);
    const lines = renderPvh(mem, boot.startInfo);
    if (qemu) {
      const q = runQemu(['-m', '128', '-kernel', path, '-append', 'hello world', '-initrd', 'm1'], dir);
      expect(q.status).toBe(1);
      expect(lines).toEqual(normaliseQemu(q.out.trim().split('\n'), 'memmap'));
    } else {
      expect(lines).toContain('mod_data=MODULE-ONE-DATA-');
    }
  });
});

describe('loader input checks', () => {
  it('rejects non-ELF, truncated and out-of-bounds images with an ElfError', () => {
    expect(() => parseElf(new Uint8Array(10))).toThrow(ElfError);
    const e = new Uint8Array(52);
    e.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1]);
    const v = new DataView(e.buffer);
    v.setUint16(18, 3, true);
    v.setUint32(28, 52, true); // phoff
    v.setUint16(42, 32, true);
    v.setUint16(44, 1, true); // one program header past the end
    expect(() => parseElf(e)).toThrow(/outside/);
  });

  it('refuses to load a segment outside RAM without writing anything', () => {
    const mem = new GuestMemory({ ramBytes: 1 << 20, stateBytes: 0 });
    const e = new Uint8Array(0x100);
    e.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1]);
    const v = new DataView(e.buffer);
    v.setUint16(18, 3, true);
    v.setUint32(28, 52, true);
    v.setUint16(42, 32, true);
    v.setUint16(44, 1, true);
    v.setUint32(52, 1, true); // PT_LOAD
    v.setUint32(52 + 4, 0x80, true);
    v.setUint32(52 + 12, 0x200000, true); // paddr beyond 1 MiB of RAM
    v.setUint32(52 + 16, 0x10, true);
    v.setUint32(52 + 20, 0x10, true);
    expect(() => loadMultiboot(mem, e, { cmdline: '', modules: [], e820: pcE820(1 << 20, 0) })).toThrow(/multiboot header/);
    expect(() => loadPvh(mem, e, { cmdline: '', modules: [], e820: pcE820(1 << 20, 0), rsdpAddr: 0 })).toThrow(/PHYS32_ENTRY/);
  });
});

const IMAGES = resolve(import.meta.dirname, '../../../.cache/images');
const GRUB = join(IMAGES, 'grub-i386-xen_pvh.bin');
const SHIM = join(IMAGES, 'xen-shim');

describe.skipIf(!existsSync(GRUB))("Debian's GRUB PVH image", () => {
  it('has its PHYS32_ENTRY at 0x100000 and loads byte-exact with bss zeroed', () => {
    const img = readFileSync(GRUB);
    const elf = parseElf(img);
    expect(findPvhEntry(elf)).toBe(0x100000);
    const mem = new GuestMemory({ ramBytes: 64 << 20, stateBytes: 0 });
    mem.fill(0x100000, 0x300000, 0xaa);
    const boot = loadPvh(mem, img, { cmdline: '', modules: [], e820: pcE820(mem.lowRamBytes, 0), rsdpAddr: 0xf0000 });
    expect(boot.entry.eip).toBe(0x100000);
    for (const p of elf.phdrs.filter((x) => x.type === 1)) {
      expect(Buffer.from(mem.readBytes(p.paddr, p.filesz)).equals(img.subarray(p.offset, p.offset + p.filesz))).toBe(true);
      expect(mem.readBytes(p.paddr + p.filesz, p.memsz - p.filesz).every((b) => b === 0)).toBe(true);
    }
    expect(mem.read64(boot.startInfo + 32)).toBe(0xf0000); // rsdp_paddr, the one field GRUB reads
  });
});

describe.skipIf(!existsSync(SHIM))("Debian's Xen 4.17 PV shim", () => {
  // The reference notes say file offset 0x84; the Debian binary has it at 0x88 (vaddr 0x200008).
  it('has a multiboot 1 header at 0x88 and a PHYS32_ENTRY at 0x6279f2; PVH modules are page-aligned below 4 GiB', () => {
    const img = readFileSync(SHIM);
    const h = findMultibootHeader(img)!;
    expect(h.offset).toBe(0x88);
    expect(h.flags).toBe(3);
    const elf = parseElf(img);
    expect(findPvhEntry(elf)).toBe(0x6279f2);
    const mem = new GuestMemory({ ramBytes: 64 << 20, stateBytes: 0 });
    const boot = loadPvh(mem, img, {
      cmdline: 'console=xen,pv',
      modules: [{ bytes: new Uint8Array(5000).fill(1), cmdline: '' }, { bytes: new Uint8Array(3).fill(2), cmdline: 'initrd' }],
      e820: pcE820(mem.lowRamBytes, 0),
      rsdpAddr: 0xf0000,
    });
    expect(boot.image).toEqual({ low: 0x200000, high: 0xa00000 });
    for (const m of boot.modules) {
      expect(m.paddr % 4096).toBe(0);
      expect(m.paddr).toBeGreaterThanOrEqual(0xa00000);
    }
    // start info, strings and module list outside [0x1000, 0x11000) and the image; 0..0x13 zero.
    expect(boot.startInfo).toBeGreaterThanOrEqual(0x11000);
    expect(mem.readBytes(0, 0x14).every((b) => b === 0)).toBe(true);
  });
});
