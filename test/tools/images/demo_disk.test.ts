import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDemoDisk, DEMO_DISK, DEMO_FILES } from '../../../tools/images/demo_disk.ts';
import { findTool } from '../../../tools/images/host_tools.ts';

const hasE2fs = !!findTool('mke2fs') && !!findTool('debugfs');
const hasSfdisk = !!findTool('sfdisk');
const OFFSET = DEMO_DISK.partitionStartLba * 512;

describe.skipIf(!hasE2fs)('demo disk (oracles: sfdisk, debugfs, e2fsck from util-linux and e2fsprogs)', () => {
  let dir = '';
  let disk = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'xentab-disk-'));
    disk = join(dir, 'disk.img');
    buildDemoDisk(disk, dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const fsArg = () => `${disk}?offset=${OFFSET}`;
  const debugfs = (cmd: string) => {
    const r = spawnSync(findTool('debugfs')!, ['-R', cmd, fsArg()], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    return r.stdout;
  };

  it('is 16 MiB with an ext2 superblock at partition offset + 1024 (magic 0xEF53, our label)', () => {
    const bytes = readFileSync(disk);
    expect(bytes.length).toBe(DEMO_DISK.sizeBytes);
    const sb = OFFSET + 1024;
    expect(bytes.readUInt16LE(sb + 56)).toBe(0xef53);
    expect(bytes.subarray(sb + 120, sb + 120 + DEMO_DISK.label.length).toString()).toBe(DEMO_DISK.label);
    // s_blocks_count * block size fills the partition exactly.
    expect(bytes.readUInt32LE(sb + 4) * (1024 << bytes.readUInt32LE(sb + 24))).toBe(DEMO_DISK.sizeBytes - OFFSET);
  });

  it.skipIf(!hasSfdisk)('has one Linux partition at 1 MiB filling the disk (sfdisk --json)', () => {
    const r = spawnSync('sfdisk', ['--json', disk], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const pt = JSON.parse(r.stdout).partitiontable;
    expect(pt.label).toBe('dos');
    expect(pt.partitions).toHaveLength(1);
    expect(pt.partitions[0]).toMatchObject({ start: 2048, size: DEMO_DISK.sizeBytes / 512 - 2048, type: '83' });
  });

  it('holds the demo files with their modes and contents (debugfs)', () => {
    const listing = debugfs('ls -p /');
    expect(listing).toMatch(/\/100644\/0\/0\/README\//);
    expect(listing).toMatch(/\/100755\/0\/0\/hello\//);
    expect(listing).toMatch(/\/100644\/0\/0\/grubenv\/1024\//);
    expect(listing).toMatch(/\/040755\/0\/0\/etc\/\//);
    for (const f of DEMO_FILES) expect(debugfs(`cat /${f.path}`)).toBe(f.text);
  });

  it('holds a GRUB environment block GRUB can rewrite in place: 1024 bytes, one block (debugfs)', () => {
    const env = debugfs('cat /grubenv');
    expect(env.length).toBe(1024);
    expect(env.startsWith('# GRUB Environment Block\n')).toBe(true);
    expect(env.slice('# GRUB Environment Block\n'.length)).toMatch(/^#+$/);
    // GRUB's save_env writes the file's own sectors through its blocklist: the file has one data block.
    expect(debugfs('blocks /grubenv').trim().split(/\s+/)).toHaveLength(1);
  });

  it('passes a forced e2fsck', () => {
    const r = spawnSync(findTool('e2fsck')!, ['-fn', fsArg()], { encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });

  it('is reproducible byte for byte', () => {
    const again = join(dir, 'again.img');
    buildDemoDisk(again, dir);
    expect(readFileSync(again).equals(readFileSync(disk))).toBe(true);
  });
});
