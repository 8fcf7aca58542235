// Opens the BlockDevice a `-drive` describes, for the CLI (Node only: it imports node_file_disk).
// QEMU semantics (qemu-options.hx "-drive"):
// - readonly=on, and media=cdrom, open the file read-only;
// - snapshot=on writes to a temporary overlay and leaves the file untouched; here the overlay is
//   in memory and vanishes with the process;
// - cache=writethrough|directsync make every write durable before it completes (no write cache
//   for the guest to flush); writeback|none|unsafe give the guest a write cache that flush
//   empties (QEMU's `unsafe` would ignore flushes; xentab honours them).

import type { BlockDevice } from '../machine/block_device.ts';
import type { DriveConfig } from '../machine/config.ts';
import { MemoryChunkStore } from './chunk_store.ts';
import { CowOverlay } from './cow_overlay.ts';
import { NodeFileDisk } from './node_file_disk.ts';

/** Snapshot overlays live in memory: smaller chunks copy less per small write. */
const SNAPSHOT_CHUNK = 64 * 1024;

export function driveHasWriteCache(cache: DriveConfig['cache']): boolean {
  return cache !== 'writethrough' && cache !== 'directsync';
}

/** The drive's disk, or null for a drive without a medium (`-drive if=none` with no file). */
export async function openNodeDrive(drive: DriveConfig): Promise<BlockDevice | null> {
  if (drive.file === null) return null;
  const path = drive.file.resolved;
  const readOnly = drive.readOnly || drive.media === 'cdrom';
  const writeCache = driveHasWriteCache(drive.cache);
  if (!drive.snapshot || readOnly) return NodeFileDisk.open(path, { readOnly, writeCache });
  const base = await NodeFileDisk.open(path, { readOnly: true });
  return CowOverlay.open({ base, baseId: path, store: new MemoryChunkStore(), diskId: 'snapshot', chunkSize: SNAPSHOT_CHUNK, writeCache, ownsBase: true });
}
