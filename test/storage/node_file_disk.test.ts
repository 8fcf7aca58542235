import { mkdtemp, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SECTOR_SIZE } from '../../src/machine/block_device.ts';
import { NodeFileDisk } from '../../src/storage/node_file_disk.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xentab-nfd-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function pattern(n: number, seed: number): Uint8Array {
  return new Uint8Array(n).map((_, i) => (i * 31 + seed) & 0xff);
}

describe('NodeFileDisk', () => {
  it('reports the file size in sectors and reads the file bytes', async () => {
    const path = join(dir, 'disk.img');
    const content = pattern(16 * SECTOR_SIZE, 1);
    await writeFile(path, content);
    const disk = await NodeFileDisk.open(path, { readOnly: true });
    expect(disk.sectorCount).toBe(16);
    const buf = new Uint8Array(3 * SECTOR_SIZE);
    await disk.read(5, buf);
    expect(buf).toEqual(content.subarray(5 * SECTOR_SIZE, 8 * SECTOR_SIZE));
    await disk.close();
  });

  it('puts a write in the file where another reader sees it once the write resolves', async () => {
    const path = join(dir, 'disk.img');
    await writeFile(path, new Uint8Array(8 * SECTOR_SIZE));
    const disk = await NodeFileDisk.open(path, { writeCache: false });
    const data = pattern(2 * SECTOR_SIZE, 9);
    await disk.write(6, data);
    const onDisk = await readFile(path);
    expect(new Uint8Array(onDisk.subarray(6 * SECTOR_SIZE))).toEqual(data);
    expect(onDisk.subarray(0, 6 * SECTOR_SIZE).every((b) => b === 0)).toBe(true);
    await disk.flush();
    await disk.close();
  });

  it('keeps issue order between overlapping concurrent writes and reads', async () => {
    const path = join(dir, 'disk.img');
    await writeFile(path, new Uint8Array(64 * SECTOR_SIZE));
    const disk = await NodeFileDisk.open(path);
    const ops: Array<Promise<void>> = [];
    const reads: Uint8Array[] = [];
    for (let k = 1; k <= 20; k++) {
      ops.push(disk.write(0, new Uint8Array(32 * SECTOR_SIZE).fill(k)));
      const r = new Uint8Array(32 * SECTOR_SIZE);
      reads.push(r);
      ops.push(disk.read(0, r));
    }
    await Promise.all(ops);
    reads.forEach((r, i) => expect(r.every((b) => b === i + 1), `read ${i}`).toBe(true));
    await disk.close();
  });

  it('opens read-only without changing the file, and refuses writes', async () => {
    const path = join(dir, 'base.img');
    const content = pattern(4 * SECTOR_SIZE, 3);
    await writeFile(path, content);
    const before = await stat(path);
    const disk = await NodeFileDisk.open(path, { readOnly: true });
    expect(disk.readOnly).toBe(true);
    await expect(disk.write(0, new Uint8Array(SECTOR_SIZE))).rejects.toThrow(/read-only/);
    await disk.flush();
    await disk.close();
    expect(new Uint8Array(await readFile(path))).toEqual(content);
    expect((await stat(path)).mtimeMs).toBe(before.mtimeMs);
  });

  it('reads the partial last sector of an odd-sized file with zeros past the end', async () => {
    const path = join(dir, 'odd.img');
    const content = pattern(SECTOR_SIZE + 100, 5);
    await writeFile(path, content);
    const disk = await NodeFileDisk.open(path, { readOnly: true });
    expect(disk.sectorCount).toBe(2);
    const buf = new Uint8Array(SECTOR_SIZE).fill(0xff);
    await disk.read(1, buf);
    expect(buf.subarray(0, 100)).toEqual(content.subarray(SECTOR_SIZE));
    expect(buf.subarray(100).every((b) => b === 0)).toBe(true);
    await disk.close();
  });

  it('rejects out-of-range requests and use after close', async () => {
    const path = join(dir, 'disk.img');
    await writeFile(path, new Uint8Array(2 * SECTOR_SIZE));
    const disk = await NodeFileDisk.open(path);
    await expect(disk.read(2, new Uint8Array(SECTOR_SIZE))).rejects.toThrow(/past the end/);
    await expect(disk.write(0, new Uint8Array(3 * SECTOR_SIZE))).rejects.toThrow(/past the end/);
    await disk.close();
    await expect(disk.read(0, new Uint8Array(SECTOR_SIZE))).rejects.toThrow(/closed/);
    expect((await stat(path)).size).toBe(2 * SECTOR_SIZE);
  });

  it('refuses to open a missing file or a directory', async () => {
    await expect(NodeFileDisk.open(join(dir, 'nope.img'))).rejects.toThrow(/ENOENT/);
    await expect(NodeFileDisk.open(dir, { readOnly: true })).rejects.toThrow(/not a regular file/);
  });

  it('syncs every write without a write cache, and only on flush with one', async () => {
    const path = join(dir, 'disk.img');
    await writeFile(path, new Uint8Array(8 * SECTOR_SIZE));
    const probe = await open(path, 'r');
    const datasync = vi.spyOn(Object.getPrototypeOf(probe) as { datasync(): Promise<void> }, 'datasync');
    await probe.close();
    try {
      const through = await NodeFileDisk.open(path, { writeCache: false });
      expect(through.writeCache).toBe(false);
      await through.write(0, new Uint8Array(SECTOR_SIZE));
      await through.write(1, new Uint8Array(SECTOR_SIZE));
      expect(datasync).toHaveBeenCalledTimes(2);
      await through.close();
      datasync.mockClear();
      const back = await NodeFileDisk.open(path);
      expect(back.writeCache).toBe(true);
      await back.write(0, new Uint8Array(SECTOR_SIZE));
      expect(datasync).not.toHaveBeenCalled();
      await back.flush();
      expect(datasync).toHaveBeenCalledTimes(1);
      await back.close();
    } finally {
      datasync.mockRestore();
    }
  });
});
