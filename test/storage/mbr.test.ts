import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, truncateSync, openSync, readSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeMbr, decodeMbr, MBR_PARTITION_LINUX, type MbrTable } from '../../src/storage/mbr.ts';

const hasSfdisk = spawnSync('sfdisk', ['--version']).status === 0;

function withDisk<T>(sectors: number, fn: (path: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'xentab-mbr-'));
  try {
    const path = join(dir, 'disk.img');
    writeFileSync(path, new Uint8Array(0));
    truncateSync(path, sectors * 512);
    return fn(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Three partitions: one below cylinder 1024, one straddling nothing special, one far past the CHS limit (8 GiB+).
const table: MbrTable = {
  diskSignature: 0x78746162,
  partitions: [
    { type: MBR_PARTITION_LINUX, bootable: true, startLba: 2048, sectorCount: 30720 },
    { type: 0x82, bootable: false, startLba: 32768, sectorCount: 65536 },
    { type: 0x0c, bootable: false, startLba: 17_000_000, sectorCount: 1_000_000 },
  ],
};
const DISK_SECTORS = 18_001_000;

describe('MBR partition table', () => {
  it('round-trips through decodeMbr', () => {
    expect(decodeMbr(encodeMbr(table, DISK_SECTORS))).toEqual(table);
  });

  it('refuses overlaps, sector 0, more than four entries and partitions past the disk', () => {
    const p = (startLba: number, sectorCount: number) => ({ type: 0x83, bootable: false, startLba, sectorCount });
    expect(() => encodeMbr({ diskSignature: 0, partitions: [p(0, 10)] })).toThrow(/overlaps/);
    expect(() => encodeMbr({ diskSignature: 0, partitions: [p(10, 10), p(15, 10)] })).toThrow(/overlaps/);
    expect(() => encodeMbr({ diskSignature: 0, partitions: [p(1, 1), p(2, 1), p(3, 1), p(4, 1), p(5, 1)] })).toThrow(/at most 4/);
    expect(() => encodeMbr({ diskSignature: 0, partitions: [p(2048, 4096)] }, 4096)).toThrow(/past the disk/);
    expect(() => encodeMbr({ diskSignature: 0, partitions: [p(2048, 2 ** 32)] })).toThrow(RangeError);
  });

  it('refuses a sector without the 0x55AA signature', () => {
    expect(() => decodeMbr(new Uint8Array(512))).toThrow(/signature/);
  });

  it.skipIf(!hasSfdisk)('is read by sfdisk --json as written (oracle: util-linux sfdisk)', () => {
    withDisk(DISK_SECTORS, (path) => {
      const fd = openSync(path, 'r+');
      writeSync(fd, encodeMbr(table, DISK_SECTORS), 0, 512, 0);
      closeSync(fd);
      const r = spawnSync('sfdisk', ['--json', path], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const pt = JSON.parse(r.stdout).partitiontable;
      expect(pt.label).toBe('dos');
      expect(pt.id).toBe('0x78746162');
      expect(pt.sectorsize).toBe(512);
      expect(pt.partitions.map((q: { start: number; size: number; type: string; bootable?: boolean }) => [q.start, q.size, q.type, q.bootable ?? false])).toEqual([
        [2048, 30720, '83', true],
        [32768, 65536, '82', false],
        [17_000_000, 1_000_000, 'c', false],
      ]);
      const verify = spawnSync('sfdisk', ['--verify', path], { encoding: 'utf8' });
      expect(verify.status, verify.stdout + verify.stderr).toBe(0);
    });
  });

  it.skipIf(!hasSfdisk)('writes the same sector 0 as sfdisk, CHS fields included (oracle: util-linux sfdisk)', () => {
    withDisk(DISK_SECTORS, (path) => {
      const script = [
        'label: dos',
        'label-id: 0x78746162',
        'start=2048, size=30720, type=83, bootable',
        'start=32768, size=65536, type=82',
        'start=17000000, size=1000000, type=c',
        '',
      ].join('\n');
      const r = spawnSync('sfdisk', ['--no-reread', '--no-tell-kernel', '-q', path], { input: script, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const theirs = new Uint8Array(512);
      const fd = openSync(path, 'r');
      readSync(fd, theirs, 0, 512, 0);
      closeSync(fd);
      expect(Buffer.from(encodeMbr(table, DISK_SECTORS)).toString('hex')).toBe(Buffer.from(theirs).toString('hex'));
    });
  });
});
