import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SECTOR_SIZE } from '../../src/machine/block_device.ts';
import type { DriveConfig } from '../../src/machine/config.ts';
import { driveHasWriteCache, openNodeDrive } from '../../src/storage/node_drive.ts';
import { diffBytes, randomBytes } from './bytes.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xentab-drive-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function drive(path: string | null, extra: Partial<DriveConfig> = {}): DriveConfig {
  return {
    id: 'xen0',
    file: path === null ? null : { path: 'disk.img', resolved: path },
    interface: 'xen',
    index: 0,
    media: 'disk',
    format: 'raw',
    readOnly: false,
    snapshot: false,
    fileLocking: 'auto',
    cache: 'writeback',
    ...extra,
  };
}

describe('openNodeDrive', () => {
  it('with snapshot=on, shows writes to the guest but leaves the file untouched', async () => {
    const path = join(dir, 'disk.img');
    const content = randomBytes(300 * SECTOR_SIZE, 3);
    await writeFile(path, content);
    const disk = (await openNodeDrive(drive(path, { snapshot: true })))!;
    expect(disk.readOnly).toBe(false);
    const data = randomBytes(130 * SECTOR_SIZE, 4);
    await disk.write(100, data);
    await disk.flush();
    const back = new Uint8Array(130 * SECTOR_SIZE);
    await disk.read(100, back);
    expect(diffBytes(back, data)).toBe('equal');
    await disk.close();
    expect(diffBytes(new Uint8Array(await readFile(path)), content)).toBe('equal');
  });

  it('writes through to the file without snapshot', async () => {
    const path = join(dir, 'disk.img');
    await writeFile(path, new Uint8Array(8 * SECTOR_SIZE));
    const disk = (await openNodeDrive(drive(path, { cache: 'writethrough' })))!;
    expect(disk.writeCache).toBe(false);
    await disk.write(2, new Uint8Array(SECTOR_SIZE).fill(0x5a));
    expect((await readFile(path))[2 * SECTOR_SIZE]).toBe(0x5a);
    await disk.close();
  });

  it('opens readonly=on and cdrom media read-only', async () => {
    const path = join(dir, 'disk.img');
    await writeFile(path, new Uint8Array(4 * SECTOR_SIZE));
    for (const extra of [{ readOnly: true }, { media: 'cdrom' as const }, { readOnly: true, snapshot: true }]) {
      const disk = (await openNodeDrive(drive(path, extra)))!;
      expect(disk.readOnly).toBe(true);
      await expect(disk.write(0, new Uint8Array(SECTOR_SIZE))).rejects.toThrow(/read-only/);
      await disk.close();
    }
  });

  it('has no disk for a drive without a file', async () => {
    expect(await openNodeDrive(drive(null))).toBeNull();
  });

  it('gives the guest a write cache except for writethrough and directsync', () => {
    expect((['writeback', 'writethrough', 'none', 'directsync', 'unsafe'] as const).map(driveHasWriteCache)).toEqual([true, false, true, false, true]);
  });
});
