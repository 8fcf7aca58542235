// The page's writable disks: a downloaded (or cached) base image under a persistent copy-on-write
// overlay, both in the same chunk store (IndexedDB in the browser). Also what the disk panel
// needs: which overlays exist, how much each holds, and deleting one.

import { chunkIndexOf, overlayMetaKey } from './chunk_store.ts';
import type { ChunkStore } from './chunk_store.ts';
import { CowOverlay } from './cow_overlay.ts';
import { downloadImage } from './image_download.ts';
import type { DownloadOptions, ImageSpec } from './image_download.ts';

export interface BrowserDiskOptions extends DownloadOptions {
  store: ChunkStore;
  image: ImageSpec;
  urls: readonly string[];
  /** Names the overlay; the same id after a reload finds the same writes. */
  diskId: string;
  /** Default true: the guest flushes (blkif feature-flush-cache), which commits. */
  writeCache?: boolean;
  /** With the write cache: commit in the background right after each write (cow_overlay.ts). */
  writeBehind?: boolean;
  onUnsavedChange?: (unsaved: number) => void;
}

/** Fetches or reuses the base image and opens the overlay `diskId` over it. */
export async function openBrowserDisk(options: BrowserDiskOptions): Promise<CowOverlay> {
  const { disk } = await downloadImage(options.store, options.image, options.urls, options);
  return CowOverlay.open({
    base: disk,
    baseId: options.image.sha256,
    store: options.store,
    diskId: options.diskId,
    writeCache: options.writeCache ?? true,
    ownsBase: true,
    ...(options.writeBehind !== undefined ? { writeBehind: options.writeBehind } : {}),
    ...(options.onUnsavedChange ? { onUnsavedChange: options.onUnsavedChange } : {}),
  });
}

export interface OverlayInfo {
  diskId: string;
  /** The base's sha256 (what the overlay was written over), or null if its meta record is gone. */
  baseId: string | null;
  /** Chunks written, and the bytes they occupy. */
  chunks: number;
  bytes: number;
}

/** Every overlay in `store`, sorted by disk id. */
export async function listOverlays(store: ChunkStore): Promise<OverlayInfo[]> {
  const byDisk = new Map<string, number>();
  for (const key of await store.keysWithPrefix('overlay:')) {
    const slash = key.lastIndexOf('/');
    if (slash < 0) continue;
    const diskId = key.slice('overlay:'.length, slash);
    const counted = chunkIndexOf(key, `overlay:${diskId}/`) !== null ? 1 : 0;
    byDisk.set(diskId, (byDisk.get(diskId) ?? 0) + counted);
  }
  const ids = [...byDisk.keys()].sort();
  const metas = await store.getMany(ids.map(overlayMetaKey));
  return ids.map((diskId, i) => {
    const meta = metas[i];
    const plain = meta !== undefined && !(meta instanceof Uint8Array) ? meta : null;
    const chunkSize = plain && typeof plain['chunkSize'] === 'number' ? plain['chunkSize'] : 0;
    const chunks = byDisk.get(diskId)!;
    return { diskId, baseId: plain && typeof plain['baseId'] === 'string' ? plain['baseId'] : null, chunks, bytes: chunks * chunkSize };
  });
}

/** Deletes the overlay `diskId` (every write to that disk). Close any open CowOverlay on it first. */
export async function deleteOverlay(store: ChunkStore, diskId: string): Promise<void> {
  await store.deleteMany(await store.keysWithPrefix(`overlay:${diskId}/`));
}

