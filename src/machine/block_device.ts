// The block-device contract between a disk backend (the Xen blkif backend in src/xen, later IDE)
// and the storage that holds the bytes (src/storage: memory, Node file, IndexedDB chunks, a
// copy-on-write overlay). It lives here because src/xen may not import src/storage.
//
// Addressing is in 512-byte sectors, the unit of blkif (xen/include/public/io/blkif.h: sector
// numbers are in 512-byte units whatever the sector size the backend advertises).
//
// Contract:
// - Every operation is asynchronous and may complete in any wall-clock time. The backend must
//   hand completions to the guest at a deterministic instruction count (DESIGN.md invariant 1),
//   never "whenever the promise settles".
// - The device may touch `buffer` until the returned promise settles, so the backend passes a
//   private buffer, never a view of guest RAM (the guest could change or observe it mid-flight,
//   and a growing WebAssembly.Memory detaches old views). For a read it copies the buffer into
//   guest memory at the completion point.
// - Operations complete in the order they were issued as far as the data is concerned: a read
//   issued after a write to the same sectors sees the written data.
// - Durability (DESIGN.md invariant 5): when flush() resolves, every write that resolved before
//   flush() was called is on stable storage (IndexedDB transaction committed with strict
//   durability; the Node file fdatasync'd). If `writeCache` is false, the same holds for each
//   write as soon as its own promise resolves, and flush() has nothing left to do. A backend
//   advertises a volatile write cache (blkif feature-flush-cache) exactly when writeCache is true.
// - Bad ranges (not an integer sector, a buffer that is not a whole number of sectors, past the
//   end) and writes to a read-only device reject with a BlockDeviceError; they never throw
//   synchronously and never touch data. A rejected write may have changed nothing or a prefix of
//   the sectors, as on real disks, but never anything outside its range.

export const SECTOR_SIZE = 512;
export const SECTOR_SHIFT = 9;

export interface BlockDevice {
  /** Size in 512-byte sectors; fixed for the device's lifetime. */
  readonly sectorCount: number;
  readonly readOnly: boolean;
  /** True when a resolved write is only durable after flush() (see the contract above). */
  readonly writeCache: boolean;
  /** Fills `buffer` (a whole number of sectors) from `sector` onwards. */
  read(sector: number, buffer: Uint8Array): Promise<void>;
  /** Writes `data` (a whole number of sectors) at `sector`. */
  write(sector: number, data: Uint8Array): Promise<void>;
  /** Makes every write that resolved before this call durable. */
  flush(): Promise<void>;
  /** Releases host resources (file handles); later operations reject. */
  close(): Promise<void>;
}

export class BlockDeviceError extends Error {
  override name = 'BlockDeviceError';
}

/**
 * Returns why (sector, length) is not a valid request on a device of `sectorCount` sectors, or
 * null when it is. Implementations call this before touching any data.
 */
export function checkBlockRange(sectorCount: number, sector: number, byteLength: number): string | null {
  if (!Number.isSafeInteger(sector) || sector < 0) return `sector ${sector} is not a sector number`;
  if (byteLength % SECTOR_SIZE !== 0) return `length ${byteLength} is not a multiple of ${SECTOR_SIZE}`;
  const count = byteLength / SECTOR_SIZE;
  if (sector > sectorCount || count > sectorCount - sector) {
    return `sectors ${sector}..${sector + count - 1} are past the end of the device (${sectorCount} sectors)`;
  }
  return null;
}
