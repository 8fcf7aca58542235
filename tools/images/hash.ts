// SHA-256 helpers for the image cache: every file in the manifest is identified by its digest.
import { createHash } from 'node:crypto';
import { readFileSync, existsSync } from 'node:fs';

export function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export function sha256File(path: string): string {
  return sha256(readFileSync(path));
}

/** True when `path` exists and has the expected digest. */
export function fileHasSha256(path: string, expected: string): boolean {
  return existsSync(path) && sha256File(path) === expected;
}
