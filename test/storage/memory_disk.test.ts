import { describe, expect, it } from 'vitest';
import { BlockDeviceError, SECTOR_SIZE } from '../../src/machine/block_device.ts';
import { MemoryDisk } from '../../src/storage/memory_disk.ts';

describe('MemoryDisk', () => {
  it('reads back what was written, sector-addressed', async () => {
    const disk = MemoryDisk.blank(8);
    const data = new Uint8Array(2 * SECTOR_SIZE).map((_, i) => i * 3);
    await disk.write(3, data);
    const back = new Uint8Array(2 * SECTOR_SIZE);
    await disk.read(3, back);
    expect(back).toEqual(data);
    expect(disk.bytes.subarray(3 * SECTOR_SIZE, 5 * SECTOR_SIZE)).toEqual(data);
    expect(disk.bytes.subarray(0, 3 * SECTOR_SIZE).every((b) => b === 0)).toBe(true);
  });

  it('rejects ranges past the end, fractional sectors and partial-sector buffers without touching data', async () => {
    const disk = MemoryDisk.blank(4);
    const one = new Uint8Array(SECTOR_SIZE).fill(0xaa);
    await expect(disk.write(4, one)).rejects.toThrow(/past the end/);
    await expect(disk.write(3, new Uint8Array(2 * SECTOR_SIZE))).rejects.toThrow(/past the end/);
    await expect(disk.write(1.5, one)).rejects.toThrow(/not a sector number/);
    await expect(disk.write(-1, one)).rejects.toThrow(/not a sector number/);
    await expect(disk.read(0, new Uint8Array(100))).rejects.toThrow(/multiple of 512/);
    await expect(disk.write(2 ** 60, one)).rejects.toBeInstanceOf(BlockDeviceError);
    expect(disk.bytes.every((b) => b === 0)).toBe(true);
  });

  it('refuses writes when read-only and leaves the bytes alone', async () => {
    const bytes = new Uint8Array(2 * SECTOR_SIZE).fill(7);
    const disk = new MemoryDisk(bytes, { readOnly: true });
    await expect(disk.write(0, new Uint8Array(SECTOR_SIZE))).rejects.toThrow(/read-only/);
    expect(bytes.every((b) => b === 7)).toBe(true);
  });

  it('refuses a backing array that is not a whole number of sectors', () => {
    expect(() => new MemoryDisk(new Uint8Array(1000))).toThrow(/whole number of sectors/);
  });

  it('rejects every operation after close', async () => {
    const disk = MemoryDisk.blank(1);
    await disk.close();
    await expect(disk.read(0, new Uint8Array(SECTOR_SIZE))).rejects.toThrow(/closed/);
    await expect(disk.flush()).rejects.toThrow(/closed/);
  });
});
