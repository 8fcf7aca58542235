// QemuOpts syntax, checked against the behaviour documented in QEMU (util/qemu-option.c,
// qemu-options.hx, docs/about/deprecated.rst) and QEMU's own test-qemu-opts expectations.
import { describe, expect, it } from 'vitest';
import { CliError } from '../../src/cli/cli_error.ts';
import { parseModuleList } from '../../src/cli/opt_boot.ts';
import { OptsReader, formatSize, parseBool, parseQemuOpts, parseSize, parseUint } from '../../src/cli/qemu_opts.ts';

const pairs = (text: string, implied: string | null = null): Array<[string, string]> =>
  parseQemuOpts(text, implied).entries.map((e) => [e.key, e.value]);

describe('parseQemuOpts', () => {
  it('splits key=value lists in order', () => {
    expect(pairs('file=disk.img,if=xen,id=d0')).toEqual([['file', 'disk.img'], ['if', 'xen'], ['id', 'd0']]);
  });

  it('gives a first item without = to the implied key', () => {
    expect(pairs('stdio,id=char0', 'backend')).toEqual([['backend', 'stdio'], ['id', 'char0']]);
    expect(pairs('kvm,xen-version=0x40011,kernel-irqchip=split', 'accel')).toEqual([
      ['accel', 'kvm'], ['xen-version', '0x40011'], ['kernel-irqchip', 'split'],
    ]);
  });

  it('lets the implied key also be written out', () => {
    expect(pairs('driver=xen-console,chardev=c0', 'driver')).toEqual([['driver', 'xen-console'], ['chardev', 'c0']]);
  });

  it('reads ,, as a literal comma in values, including the implied one', () => {
    expect(pairs('file=a,,b.img,if=none')).toEqual([['file', 'a,b.img'], ['if', 'none']]);
    expect(pairs('x,,y,id=q', 'backend')).toEqual([['backend', 'x,y'], ['id', 'q']]);
    expect(pairs('path=a,,,,b')).toEqual([['path', 'a,,b']]);
  });

  it('keeps = inside a value', () => {
    expect(pairs('path=a=b,id=c')).toEqual([['path', 'a=b'], ['id', 'c']]);
  });

  it('reads bare items as deprecated short-form booleans, noX as X=off, with a warning', () => {
    const p = parseQemuOpts('stdio,id=c0,mux,nosignal', 'backend');
    expect(p.entries.map((e) => [e.key, e.value, e.shortForm])).toEqual([
      ['backend', 'stdio', false], ['id', 'c0', false], ['mux', 'on', true], ['signal', 'off', true],
    ]);
    expect(p.warnings).toEqual([
      "short-form boolean option 'mux' deprecated; please use mux=on instead",
      "short-form boolean option 'nosignal' deprecated; please use signal=off instead",
    ]);
  });

  it('recognises help and ? as the implied value or a bare item', () => {
    expect(parseQemuOpts('help', 'driver').helpWanted).toBe(true);
    expect(parseQemuOpts('?', 'driver').helpWanted).toBe(true);
    expect(parseQemuOpts('xen-disk,help', 'driver').helpWanted).toBe(true);
    expect(parseQemuOpts('xen-disk,vdev=help', 'driver').helpWanted).toBe(false);
  });

  it('accepts empty strings and trailing commas', () => {
    expect(pairs('')).toEqual([]);
    expect(pairs('a=1,')).toEqual([['a', '1']]);
  });
});

describe('OptsReader', () => {
  it('returns the last of repeated keys', () => {
    const r = new OptsReader('-x a=1,a=2', 'a=1,a=2', null);
    expect(r.string('a')).toBe('2');
  });

  it('names unknown keys, listing the ones it read', () => {
    const r = new OptsReader('-x a=1,b=2', 'a=1,b=2', null);
    r.string('a');
    expect(() => r.done()).toThrow(new CliError('-x a=1,b=2', "invalid parameter 'b' (accepted: a)"));
  });

  it('parses booleans, numbers and choices with errors naming the key', () => {
    const r = new OptsReader('-x', 'on=yes,n=0x10,c=split,bad=maybe', null);
    expect(r.bool('on', false)).toBe(true);
    expect(r.uint('n', 0, 0, 100)).toBe(16);
    expect(r.choice('c', 'on', ['on', 'split'] as const)).toBe('split');
    expect(() => r.bool('bad', false)).toThrow("parameter 'bad' expects 'on' or 'off', not 'maybe'");
    expect(r.bool('absent', true)).toBe(true);
  });
});

describe('value syntaxes', () => {
  it('parses booleans as qapi_bool_parse_name does, in any case', () => {
    for (const t of ['on', 'yes', 'true', 'y', 'ON', 'Yes']) expect(parseBool(t)).toBe(true);
    for (const f of ['off', 'no', 'false', 'n', 'OFF']) expect(parseBool(f)).toBe(false);
    for (const x of ['1', '0', '', 'enable']) expect(parseBool(x)).toBeNull();
  });

  it('parses numbers like strtoull base 0', () => {
    expect(parseUint('0x40011')).toBe(0x40011);
    expect(parseUint('262161')).toBe(262161);
    expect(parseUint('010')).toBe(8);
    expect(parseUint('0')).toBe(0);
    for (const x of ['', '-1', '1.5', '0x', '09', '1e3', ' 1']) expect(parseUint(x)).toBeNull();
  });

  it('parses sizes with K/M/G/T (and B/P/E) suffixes as powers of 1024', () => {
    expect(parseSize('512')).toBe(512);
    expect(parseSize('4k')).toBe(4096);
    expect(parseSize('1G')).toBe(2 ** 30);
    expect(parseSize('1.5G')).toBe(1.5 * 2 ** 30);
    expect(parseSize('2T')).toBe(2 * 2 ** 40);
    expect(parseSize('0x1000')).toBe(4096);
    expect(parseSize('256', 2 ** 20)).toBe(256 * 2 ** 20);
    expect(parseSize('256M', 2 ** 20)).toBe(256 * 2 ** 20);
    for (const x of ['1X', '', 'G', '-1', '1.5', '0x1k', '1 G', '16E']) expect(parseSize(x)).toBeNull();
  });

  it('formats sizes with the largest exact suffix', () => {
    expect([formatSize(2 ** 30), formatSize(3 * 2 ** 20), formatSize(4097 * 1024), formatSize(100)]).toEqual(['1G', '3M', '4097K', '100']);
  });
});

describe('-initrd module lists (qemu-options.hx)', () => {
  it('splits the documented example into two modules with ,, as a comma', () => {
    expect(parseModuleList('bzImage earlyprintk=xen,,keep root=/dev/xvda1,initrd.img')).toEqual([
      { file: 'bzImage', cmdline: 'earlyprintk=xen,keep root=/dev/xvda1' },
      { file: 'initrd.img', cmdline: '' },
    ]);
  });

  it('reads a plain file as one module', () => {
    expect(parseModuleList('initrd.img')).toEqual([{ file: 'initrd.img', cmdline: '' }]);
  });

  it('reads "file1 arg=foo,file2"', () => {
    expect(parseModuleList('file1 arg=foo,file2')).toEqual([{ file: 'file1', cmdline: 'arg=foo' }, { file: 'file2', cmdline: '' }]);
  });
});
