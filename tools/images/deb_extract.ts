// Unpacking a .deb with `dpkg-deb -x` and finding the files we want inside it.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runTool } from './host_tools.ts';

/** A package unpacked into a scratch folder; call dispose() when done. */
export interface UnpackedDeb {
  root: string;
  /** Every regular file and symlink, as paths relative to root (no leading ./), sorted. */
  files: string[];
  dispose(): void;
}

function walk(root: string, rel: string, out: string[]): void {
  for (const ent of readdirSync(join(root, rel), { withFileTypes: true })) {
    const path = rel ? `${rel}/${ent.name}` : ent.name;
    if (ent.isDirectory()) walk(root, path, out);
    else out.push(path);
  }
}

export function unpackDeb(deb: string, scratchParent: string): UnpackedDeb {
  const root = mkdtempSync(join(scratchParent, 'unpack-'));
  runTool('dpkg-deb', ['-x', deb, root]);
  const files: string[] = [];
  walk(root, '', files);
  files.sort();
  return { root, files, dispose: () => rmSync(root, { recursive: true, force: true }) };
}

/** The single file in `files` matching `pattern`; throws naming the package when there are none or several. */
export function findOne(files: readonly string[], pattern: RegExp, pkg: string): string {
  const hits = files.filter((f) => pattern.test(f));
  if (hits.length !== 1) {
    throw new Error(`${pkg}: expected one file matching ${pattern}, found ${hits.length}${hits.length ? `: ${hits.join(', ')}` : ''}`);
  }
  return hits[0]!;
}
