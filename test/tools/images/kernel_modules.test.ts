import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { decompressModule, moduleClosure, moduleDepends, moduleName, readModinfo } from '../../../tools/images/kernel_modules.ts';

const hasGcc = spawnSync('gcc', ['--version']).status === 0;
const hasXz = spawnSync('xz', ['--version']).status === 0;

/** A relocatable x86-64 ELF object with a .modinfo section, made by gcc the way kbuild makes a module's. */
function gccModule(modinfo: string[]): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'xentab-ko-'));
  try {
    const src = modinfo
      .map((s, i) => `static const char m${i}[] __attribute__((used, section(".modinfo"), aligned(1))) = ${JSON.stringify(s)};`)
      .join('\n');
    writeFileSync(join(dir, 'm.c'), `${src}\nint init_module(void) { return 0; }\n`);
    const r = spawnSync('gcc', ['-c', '-O2', '-o', join(dir, 'm.ko'), join(dir, 'm.c')], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    return readFileSync(join(dir, 'm.ko'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('kernel module helpers', () => {
  it('spells module names as the kernel does', () => {
    expect(moduleName('lib/modules/6.1.0/kernel/drivers/block/xen-blkfront.ko')).toBe('xen_blkfront');
    expect(moduleName('x/xen-netfront.ko.xz')).toBe('xen_netfront');
    expect(moduleName('a/b.ko.zst')).toBe('b');
  });

  it.skipIf(!hasGcc)('reads depends= from the .modinfo section of a gcc-built ELF object (oracle: gcc)', () => {
    const elf = gccModule(['license=GPL', 'depends=xen_foo,bar_baz', 'name=test_mod']);
    const info = readModinfo(elf);
    expect(info).toEqual(expect.arrayContaining(['license=GPL', 'depends=xen_foo,bar_baz', 'name=test_mod']));
    expect(moduleDepends(info)).toEqual(['xen_foo', 'bar_baz']);
    expect(moduleDepends(readModinfo(gccModule(['depends=', 'name=leaf'])))).toEqual([]);
  });

  it('rejects files that are not 64-bit ELF modules', () => {
    expect(() => readModinfo(new Uint8Array(100))).toThrow(/not an ELF/);
    const elf32 = new Uint8Array(100);
    elf32.set([0x7f, 0x45, 0x4c, 0x46, 1, 1]);
    expect(() => readModinfo(elf32)).toThrow(/64-bit/);
  });

  it.skipIf(!hasGcc)('orders a dependency closure dependencies-first and reports cycles and missing modules', () => {
    const mods: Record<string, Uint8Array> = {
      a: gccModule(['depends=b,c']),
      b: gccModule(['depends=c']),
      c: gccModule(['depends=']),
      x: gccModule(['depends=y']),
      y: gccModule(['depends=x']),
      z: gccModule(['depends=missing']),
    };
    const lookup = (n: string) => (mods[n] ? { source: `${n}.ko`, elf: mods[n]! } : undefined);
    expect(moduleClosure(['a'], lookup).map((m) => m.name)).toEqual(['c', 'b', 'a']);
    expect(moduleClosure(['c', 'a'], lookup).map((m) => m.name)).toEqual(['c', 'b', 'a']);
    expect(() => moduleClosure(['x'], lookup)).toThrow(/cycle: x -> y -> x/);
    expect(() => moduleClosure(['z'], lookup)).toThrow(/missing not found.*needed by z/);
  });

  it('undoes gzip module compression', () => {
    const elf = new TextEncoder().encode('\x7fELF pretend module');
    expect(decompressModule('m.ko', elf)).toBe(elf);
    expect(new Uint8Array(decompressModule('m.ko.gz', gzipSync(elf)))).toEqual(elf);
    expect(() => decompressModule('m.ko.bz2', elf)).toThrow(/unknown module compression/);
  });

  it.skipIf(!hasXz)('undoes xz module compression with xz-utils (oracle: xz)', () => {
    const elf = new TextEncoder().encode('\x7fELF pretend module '.repeat(50));
    const xz = spawnSync('xz', ['-c', '--check=crc32'], { input: elf });
    expect(xz.status).toBe(0);
    expect(new Uint8Array(decompressModule('m.ko.xz', xz.stdout))).toEqual(elf);
  });
});
