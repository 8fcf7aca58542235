// A disk held in one Uint8Array: for tests, the CLI's throw-away disks, and small images.
// Nothing here survives the process, so flush() only keeps the ordering promise of the contract.

import { BlockDeviceError, checkBlockRange, SECTOR_SIZE } from '../machine/block_device.ts';
import type { BlockDevice } from '../machine/block_device.ts';

export interface MemoryDiskOptions {
  readOnly?: boolean;
}

export class MemoryDisk implements BlockDevice {
  readonly sectorCount: number;
  readonly readOnly: boolean;
  readonly writeCache = false;
  private closed = false;

  /**
   * Uses `bytes` as the disk itself (no copy), so callers can inspect it. A length that is not a
   * whole number of sectors is refused: the last sector would have nowhere to go.
   */
  constructor(
    readonly bytes: Uint8Array,
    options: MemoryDiskOptions = {},
  ) {
    if (bytes.length % SECTOR_SIZE !== 0) throw new BlockDeviceError(`a memory disk must be a whole number of sectors, got ${bytes.length} bytes`);
    this.sectorCount = bytes.length / SECTOR_SIZE;
    this.readOnly = options.readOnly ?? false;
  }

  /** A zero-filled disk of `sectorCount` sectors. */
  static blank(sectorCount: number): MemoryDisk {
    return new MemoryDisk(new Uint8Array(sectorCount * SECTOR_SIZE));
  }

  async read(sector: number, buffer: Uint8Array): Promise<void> {
    this.check(sector, buffer, false);
    buffer.set(this.bytes.subarray(sector * SECTOR_SIZE, sector * SECTOR_SIZE + buffer.length));
  }

  async write(sector: number, data: Uint8Array): Promise<void> {
    this.check(sector, data, true);
    this.bytes.set(data, sector * SECTOR_SIZE);
  }

  async flush(): Promise<void> {
    if (this.closed) throw new BlockDeviceError('memory disk: closed');
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private check(sector: number, buffer: Uint8Array, writing: boolean): void {
    if (this.closed) throw new BlockDeviceError('memory disk: closed');
    if (writing && this.readOnly) throw new BlockDeviceError('memory disk: read-only');
    const problem = checkBlockRange(this.sectorCount, sector, buffer.length);
    if (problem) throw new BlockDeviceError(`memory disk: ${problem}`);
  }
}
