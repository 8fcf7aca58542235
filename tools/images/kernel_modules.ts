// Kernel modules for the initramfs: reading a module's dependencies from its own .modinfo section (the
// Debian package ships no modules.dep; depmod writes it at install time), ordering them for insmod, and
// undoing the package's module compression (busybox insmod loads plain ELF only).
import { gunzipSync } from 'node:zlib';
import { runTool } from './host_tools.ts';

/** Module name as the kernel spells it: the file name without .ko*, dashes as underscores. */
export function moduleName(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  return base.replace(/\.ko(\.(xz|gz|zst))?$/, '').replace(/-/g, '_');
}

/**
 * The NUL-separated `key=value` strings of an ELF64 little-endian object's .modinfo section
 * (ELF gABI: section headers at e_shoff, names in the section e_shstrndx points at).
 */
export function readModinfo(elf: Uint8Array): string[] {
  const v = new DataView(elf.buffer, elf.byteOffset, elf.byteLength);
  if (elf.length < 64 || v.getUint32(0) !== 0x7f454c46) throw new Error('modinfo: not an ELF file');
  if (elf[4] !== 2 || elf[5] !== 1) throw new Error('modinfo: not a 64-bit little-endian ELF file');
  const shoff = Number(v.getBigUint64(0x28, true));
  const shentsize = v.getUint16(0x3a, true);
  const shnum = v.getUint16(0x3c, true);
  const shstrndx = v.getUint16(0x3e, true);
  if (shentsize < 64 || shstrndx >= shnum || shoff + shnum * shentsize > elf.length) throw new Error('modinfo: bad section table');
  const section = (i: number) => {
    const at = shoff + i * shentsize;
    const offset = Number(v.getBigUint64(at + 0x18, true));
    const size = Number(v.getBigUint64(at + 0x20, true));
    if (offset + size > elf.length) throw new Error('modinfo: section past end of file');
    return { name: v.getUint32(at, true), offset, size };
  };
  const strtab = section(shstrndx);
  const nameAt = (off: number) => {
    let end = strtab.offset + off;
    while (end < strtab.offset + strtab.size && elf[end] !== 0) end++;
    return new TextDecoder().decode(elf.subarray(strtab.offset + off, end));
  };
  for (let i = 0; i < shnum; i++) {
    const s = section(i);
    if (nameAt(s.name) !== '.modinfo') continue;
    return new TextDecoder()
      .decode(elf.subarray(s.offset, s.offset + s.size))
      .split('\0')
      .filter((x) => x !== '');
  }
  throw new Error('modinfo: no .modinfo section (not a kernel module?)');
}

/** The module names in `depends=` (empty when the module needs nothing outside the kernel). */
export function moduleDepends(modinfo: readonly string[]): string[] {
  const line = modinfo.find((s) => s.startsWith('depends='));
  return line ? line.slice('depends='.length).split(',').filter((d) => d !== '') : [];
}

/** Plain ELF bytes of a module file as packaged (.ko, .ko.gz, .ko.xz, .ko.zst). */
export function decompressModule(path: string, bytes: Uint8Array): Uint8Array {
  if (path.endsWith('.ko')) return bytes;
  if (path.endsWith('.ko.gz')) return gunzipSync(bytes);
  // node:zlib has no xz; zstd only from Node 22.15. Use the Debian tools.
  if (path.endsWith('.ko.xz')) return runTool('xz', ['-dc'], { input: bytes });
  if (path.endsWith('.ko.zst')) return runTool('zstd', ['-dc'], { input: bytes });
  throw new Error(`unknown module compression: ${path}`);
}

/**
 * `wanted` modules and everything they depend on, dependencies first (the order insmod needs).
 * `lookup` maps a module name to its plain ELF bytes and package path.
 */
export function moduleClosure(
  wanted: readonly string[],
  lookup: (name: string) => { source: string; elf: Uint8Array } | undefined,
): { name: string; source: string; elf: Uint8Array }[] {
  const order: { name: string; source: string; elf: Uint8Array }[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, chain: string[]) => {
    const s = state.get(name);
    if (s === 'done') return;
    if (s === 'visiting') throw new Error(`module dependency cycle: ${[...chain, name].join(' -> ')}`);
    const found = lookup(name);
    if (!found) throw new Error(`module ${name} not found in the kernel package${chain.length ? ` (needed by ${chain.at(-1)})` : ''}`);
    state.set(name, 'visiting');
    for (const dep of moduleDepends(readModinfo(found.elf))) visit(dep.replace(/-/g, '_'), [...chain, name]);
    state.set(name, 'done');
    order.push({ name, ...found });
  };
  for (const w of wanted) visit(w.replace(/-/g, '_'), []);
  return order;
}
