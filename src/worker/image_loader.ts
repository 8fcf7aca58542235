// Downloads one image with progress and verifies it against the size and SHA-256 its ImageRef
// promises: a mismatch refuses the image (a share link cannot swap a kernel). Caching in
// IndexedDB belongs to src/storage; this is the network half.
import type { ImageRef } from './protocol.ts';

export class ImageError extends Error {}

/** Largest image the worker accepts at all (guest RAM is at most 3.5 GiB). */
export const MAX_IMAGE_BYTES = 2 ** 31;

export function hex(bytes: ArrayBuffer): string {
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('');
}

export async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  return hex(await crypto.subtle.digest('SHA-256', bytes));
}

export function checkImageRef(img: ImageRef): string | null {
  if (!/^[0-9a-f]{64}$/.test(img.sha256)) return `image ${img.name}: sha256 must be 64 lower-case hex digits`;
  if (!Number.isSafeInteger(img.size) || img.size < 0 || img.size > MAX_IMAGE_BYTES) return `image ${img.name}: bad size`;
  if (typeof img.url !== 'string' || img.url.length === 0) return `image ${img.name}: no url`;
  return null;
}

/**
 * Fetches `img.url` (relative to `base`), reporting progress, and returns its verified bytes.
 * `fetchFn` is the host's fetch (the worker's, or Node's in tests).
 */
export async function loadImage(
  img: ImageRef,
  base: string,
  fetchFn: typeof fetch,
  progress: (loaded: number, total: number) => void,
): Promise<Uint8Array<ArrayBuffer>> {
  const bad = checkImageRef(img);
  if (bad) throw new ImageError(bad);
  let res: Response;
  try {
    res = await fetchFn(new URL(img.url, base));
  } catch (e) {
    throw new ImageError(`image ${img.name}: cannot fetch ${img.url}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!res.ok || !res.body) throw new ImageError(`image ${img.name}: ${img.url} answered HTTP ${res.status}`);
  const out = new Uint8Array(img.size);
  let loaded = 0;
  const reader = res.body.getReader();
  progress(0, img.size);
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (loaded + value.length > img.size) {
      await reader.cancel();
      throw new ImageError(`image ${img.name}: larger than the ${img.size} bytes expected; refused`);
    }
    out.set(value, loaded);
    loaded += value.length;
    progress(loaded, img.size);
  }
  if (loaded !== img.size) throw new ImageError(`image ${img.name}: ${loaded} bytes instead of ${img.size}; refused`);
  const digest = await sha256Hex(out);
  if (digest !== img.sha256) throw new ImageError(`image ${img.name}: sha256 ${digest} differs from the expected ${img.sha256}; refused`);
  return out;
}
