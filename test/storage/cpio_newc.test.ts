import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, lstatSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeCpioNewc, type CpioEntry } from '../../src/storage/cpio_newc.ts';
import { readNewc } from '../tools/images/newc_reader.ts';

const hasCpio = spawnSync('cpio', ['--version']).status === 0;
const bytes = (s: string) => new TextEncoder().encode(s);

// Names of lengths 1..5 and data of lengths 0..5 exercise every padding case on both sides.
const sample: CpioEntry[] = [
  { kind: 'dir', name: 'd', perm: 0o755, mtime: 1_700_000_000 },
  { kind: 'file', name: 'd/a', perm: 0o644, data: new Uint8Array(0) },
  { kind: 'file', name: 'd/bb', perm: 0o600, data: bytes('x') },
  { kind: 'file', name: 'd/ccc', perm: 0o755, data: bytes('hello'), uid: 1000, gid: 100 },
  { kind: 'file', name: 'd/dddd', perm: 0o644, data: bytes('four') },
  { kind: 'symlink', name: 'd/ln', target: 'ccc' },
  { kind: 'dir', name: 'dev', perm: 0o755 },
  { kind: 'char', name: 'dev/hvc0', perm: 0o600, major: 229, minor: 0 },
  { kind: 'block', name: 'dev/xvda', perm: 0o660, major: 202, minor: 0 },
];

// readNewc is an independent reader (test/tools/images/newc_reader.ts).
describe('cpio newc writer', () => {
  it('round-trips through an independent reader with 4-byte alignment and the trailer', () => {
    const archive = encodeCpioNewc(sample);
    expect(archive.length % 4).toBe(0);
    const members = readNewc(archive);
    expect(members.map((m) => m.name)).toEqual(sample.map((e) => e.name));
    const byName = new Map(members.map((m) => [m.name, m]));
    expect(byName.get('d')!.mode).toBe(0o040755);
    expect(byName.get('d')!.nlink).toBe(2);
    expect(byName.get('d')!.mtime).toBe(1_700_000_000);
    expect(new TextDecoder().decode(byName.get('d/ccc')!.data)).toBe('hello');
    expect(byName.get('d/ccc')!.uid).toBe(1000);
    expect(byName.get('d/ccc')!.gid).toBe(100);
    expect(byName.get('d/ccc')!.mode).toBe(0o100755);
    expect(byName.get('d/ln')!.mode).toBe(0o120777);
    expect(new TextDecoder().decode(byName.get('d/ln')!.data)).toBe('ccc');
    expect(byName.get('dev/hvc0')).toMatchObject({ mode: 0o020600, rdevMajor: 229, rdevMinor: 0 });
    expect(byName.get('dev/xvda')).toMatchObject({ mode: 0o060660, rdevMajor: 202, rdevMinor: 0 });
    expect(new Set(members.map((m) => m.ino)).size).toBe(members.length);
  });

  it('is deterministic', () => {
    expect(encodeCpioNewc(sample)).toEqual(encodeCpioNewc(sample));
  });

  it('refuses absolute, dotted, duplicate and orphaned names', () => {
    const f = (name: string): CpioEntry => ({ kind: 'file', name, perm: 0o644, data: new Uint8Array(0) });
    expect(() => encodeCpioNewc([f('/etc')])).toThrow(/relative/);
    expect(() => encodeCpioNewc([f('a/../b')])).toThrow(/component/);
    expect(() => encodeCpioNewc([f('a'), f('a')])).toThrow(/duplicate/);
    expect(() => encodeCpioNewc([f('missing/x')])).toThrow(/before its directory/);
    expect(() => encodeCpioNewc([{ kind: 'char', name: 'c', perm: 0o600, major: -1, minor: 0 }])).toThrow(RangeError);
  });

  it.skipIf(!hasCpio)('is listed by GNU cpio -itv exactly as written (oracle: Debian cpio)', () => {
    const r = spawnSync('cpio', ['-itv', '--quiet', '--numeric-uid-gid'], { input: encodeCpioNewc(sample), encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.map((l) => l.split(/\s+/)[0])).toEqual([
      'drwxr-xr-x',
      '-rw-r--r--',
      '-rw-------',
      '-rwxr-xr-x',
      '-rw-r--r--',
      'lrwxrwxrwx',
      'drwxr-xr-x',
      'crw-------',
      'brw-rw----',
    ]);
    expect(lines[3]).toMatch(/ 1000 +100 +5 .* d\/ccc$/);
    expect(lines[5]).toMatch(/d\/ln -> ccc$/);
    expect(lines[7]).toMatch(/229, +0 .* dev\/hvc0$/);
    expect(lines[8]).toMatch(/202, +0 .* dev\/xvda$/);
  });

  it.skipIf(!hasCpio)('extracts with GNU cpio -id to the same contents (oracle: Debian cpio)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'xentab-cpio-'));
    try {
      const files = sample.filter((e) => e.kind !== 'char' && e.kind !== 'block');
      const r = spawnSync('cpio', ['-id', '--quiet', '--no-absolute-filenames'], {
        cwd: dir,
        input: encodeCpioNewc(files),
        encoding: 'utf8',
      });
      expect(r.status, r.stderr).toBe(0);
      expect(readFileSync(join(dir, 'd/ccc'), 'utf8')).toBe('hello');
      expect(readFileSync(join(dir, 'd/a')).length).toBe(0);
      expect(lstatSync(join(dir, 'd/ccc')).mode & 0o777).toBe(0o755);
      expect(readlinkSync(join(dir, 'd/ln'))).toBe('ccc');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
