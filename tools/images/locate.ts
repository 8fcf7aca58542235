// For the rest of xentab (CLI demos, tests, the dev server): find the guest images `npm run images` made.
//
//   const images = locateImages();            // undefined when the cache has no manifest yet
//   images?.get('xen-shim')?.path             // absolute path; names as in the manifest
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_CACHE_DIR, MANIFEST_FILE } from './cache_layout.ts';
import { sha256File } from './hash.ts';
import { parseManifest } from './manifest.ts';

export interface LocatedImage {
  name: string;
  /** Absolute path. */
  path: string;
  sha256: string;
  size: number;
}

/**
 * Every artifact and built image by manifest name, or undefined when there is no manifest. With
 * `verify`, files that are missing or whose sha256 differs from the manifest are left out.
 */
export function locateImages(cacheDir: string = DEFAULT_CACHE_DIR, verify = false): Map<string, LocatedImage> | undefined {
  const manifestPath = join(cacheDir, MANIFEST_FILE);
  if (!existsSync(manifestPath)) return undefined;
  const m = parseManifest(readFileSync(manifestPath, 'utf8'));
  const out = new Map<string, LocatedImage>();
  for (const e of [...m.artifacts, ...m.images]) {
    const path = join(cacheDir, e.path);
    if (verify && !(existsSync(path) && sha256File(path) === e.sha256)) continue;
    out.set(e.name, { name: e.name, path, sha256: e.sha256, size: e.size });
  }
  return out;
}
