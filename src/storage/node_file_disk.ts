// A disk backed by a host file, for the CLI (`-drive file=disk.img`). Only the CLI imports this
// file, so it may use node: modules.
//
// Reads past the end of a file whose size is not a whole number of sectors return zeros, as
// QEMU's raw driver does for the tail sector. With writeCache off every write is followed by
// fdatasync before it resolves (QEMU cache=writethrough); with it on, flush() does the fdatasync
// (cache=writeback, the guest is told about the volatile cache).

import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { BlockDeviceError, checkBlockRange, SECTOR_SIZE } from '../machine/block_device.ts';
import type { BlockDevice } from '../machine/block_device.ts';
import { OpQueue } from './op_queue.ts';

export interface NodeFileDiskOptions {
  /** Opens the file O_RDONLY; writes reject. */
  readOnly?: boolean;
  /** Default true (QEMU's default cache=writeback). */
  writeCache?: boolean;
}

export class NodeFileDisk implements BlockDevice {
  private readonly queue = new OpQueue();
  private closed = false;

  private constructor(
    private readonly handle: FileHandle,
    readonly path: string,
    readonly sectorCount: number,
    readonly readOnly: boolean,
    readonly writeCache: boolean,
  ) {}

  static async open(path: string, options: NodeFileDiskOptions = {}): Promise<NodeFileDisk> {
    const readOnly = options.readOnly ?? false;
    const handle = await open(path, readOnly ? 'r' : 'r+');
    try {
      const stat = await handle.stat();
      // Block devices report size 0 through stat, so only regular files are disks here.
      if (!stat.isFile()) throw new BlockDeviceError(`${path}: not a regular file`);
      const sectorCount = Math.ceil(stat.size / SECTOR_SIZE);
      return new NodeFileDisk(handle, path, sectorCount, readOnly, options.writeCache ?? true);
    } catch (e) {
      await handle.close();
      throw e;
    }
  }

  read(sector: number, buffer: Uint8Array): Promise<void> {
    return this.queue.run(async () => {
      this.check(sector, buffer, false);
      let done = 0;
      while (done < buffer.length) {
        const { bytesRead } = await this.handle.read(buffer, done, buffer.length - done, sector * SECTOR_SIZE + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      buffer.fill(0, done);
    });
  }

  write(sector: number, data: Uint8Array): Promise<void> {
    return this.queue.run(async () => {
      this.check(sector, data, true);
      let done = 0;
      while (done < data.length) {
        const { bytesWritten } = await this.handle.write(data, done, data.length - done, sector * SECTOR_SIZE + done);
        done += bytesWritten;
      }
      if (!this.writeCache) await this.handle.datasync();
    });
  }

  flush(): Promise<void> {
    return this.queue.run(async () => {
      if (this.closed) throw new BlockDeviceError(`${this.path}: closed`);
      if (!this.readOnly) await this.handle.datasync();
    });
  }

  close(): Promise<void> {
    return this.queue.run(async () => {
      if (this.closed) return;
      this.closed = true;
      await this.handle.close();
    });
  }

  private check(sector: number, buffer: Uint8Array, writing: boolean): void {
    if (this.closed) throw new BlockDeviceError(`${this.path}: closed`);
    if (writing && this.readOnly) throw new BlockDeviceError(`${this.path}: read-only`);
    const problem = checkBlockRange(this.sectorCount, sector, buffer.length);
    if (problem) throw new BlockDeviceError(`${this.path}: ${problem}`);
  }
}
