// .cache/images/manifest.json: what `npm run images` downloaded, extracted and built, each with sha256 and
// size, so a second run can tell what is still valid and other tools can find and verify the images.
//
// {
//   "format": "xentab-images/1",
//   "packages":  [{ name, version, architecture, deb, sha256, size }],              the downloaded .debs
//   "artifacts": [{ name, package, version, debSha256, source, path, sha256, size }], files taken from them
//   "images":    [{ name, path, sha256, size, inputs, from }]                       images our code built
// }
// Paths are relative to the cache folder. `source` is the file's path inside the package. `inputs` is the
// sha256 of everything an image is built from (its artifacts, its recipe and the builder's own source), so
// an image is rebuilt exactly when one of those changes.

export const MANIFEST_FORMAT = 'xentab-images/1';

export interface PackageRecord {
  name: string;
  version: string;
  architecture: string;
  /** The .deb, relative to the cache folder. */
  deb: string;
  sha256: string;
  size: number;
}

export interface ArtifactRecord {
  name: string;
  package: string;
  version: string;
  debSha256: string;
  /** Path of the file inside the package (as `dpkg-deb -c` lists it, without the leading ./). */
  source: string;
  /** Where the extracted (and, for kernel modules, decompressed) file is, relative to the cache folder. */
  path: string;
  sha256: string;
  size: number;
}

export interface ImageRecord {
  name: string;
  path: string;
  sha256: string;
  size: number;
  /** sha256 over everything the image is built from. */
  inputs: string;
  /** Names of the artifacts it contains. */
  from: string[];
}

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  packages: PackageRecord[];
  artifacts: ArtifactRecord[];
  images: ImageRecord[];
}

export function emptyManifest(): Manifest {
  return { format: MANIFEST_FORMAT, packages: [], artifacts: [], images: [] };
}

const HEX64 = /^[0-9a-f]{64}$/;
// Debian Policy §5.6.1 (package names) and §5.6.12 (versions): these end up in file names.
const DEB_NAME = /^[a-z0-9][a-z0-9+.-]+$/;
const DEB_VERSION = /^(\d+:)?[0-9][A-Za-z0-9.+~-]*$/;

function fail(where: string, what: string): never {
  throw new Error(`manifest: ${where}: ${what}`);
}

function str(o: Record<string, unknown>, key: string, where: string): string {
  const v = o[key];
  if (typeof v !== 'string' || v === '') fail(where, `${key} must be a non-empty string`);
  return v;
}

function sha(o: Record<string, unknown>, key: string, where: string): string {
  const v = str(o, key, where);
  if (!HEX64.test(v)) fail(where, `${key} must be 64 lowercase hex digits`);
  return v;
}

function size(o: Record<string, unknown>, where: string): number {
  const v = o.size;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) fail(where, 'size must be a non-negative integer');
  return v;
}

/** A path inside the cache folder: relative, no `..`, no backslashes. */
function relPath(o: Record<string, unknown>, key: string, where: string): string {
  const v = str(o, key, where);
  if (v.startsWith('/') || v.includes('\\') || v.split('/').some((p) => p === '' || p === '.' || p === '..')) {
    fail(where, `${key} ${JSON.stringify(v)} must be a relative path inside the cache`);
  }
  return v;
}

function records(root: Record<string, unknown>, key: string): Record<string, unknown>[] {
  const v = root[key];
  if (!Array.isArray(v)) fail(key, 'must be an array');
  return v.map((r, i) => {
    if (typeof r !== 'object' || r === null || Array.isArray(r)) fail(`${key}[${i}]`, 'must be an object');
    return r as Record<string, unknown>;
  });
}

function unique(names: string[], where: string): void {
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) fail(where, `duplicate name ${n}`);
    seen.add(n);
  }
}

/** Parses and validates manifest.json; throws with the offending field on anything unexpected. */
export function parseManifest(text: string): Manifest {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (e) {
    throw new Error(`manifest: not JSON: ${(e as Error).message}`);
  }
  if (typeof root !== 'object' || root === null || Array.isArray(root)) fail('root', 'must be an object');
  const r = root as Record<string, unknown>;
  if (r.format !== MANIFEST_FORMAT) fail('format', `expected ${MANIFEST_FORMAT}, got ${JSON.stringify(r.format)}`);
  const packages = records(r, 'packages').map((o, i): PackageRecord => {
    const w = `packages[${i}]`;
    const name = str(o, 'name', w);
    const version = str(o, 'version', w);
    if (!DEB_NAME.test(name)) fail(w, `name ${JSON.stringify(name)} is not a Debian package name`);
    if (!DEB_VERSION.test(version)) fail(w, `version ${JSON.stringify(version)} is not a Debian version`);
    return {
      name,
      version,
      architecture: str(o, 'architecture', w),
      deb: relPath(o, 'deb', w),
      sha256: sha(o, 'sha256', w),
      size: size(o, w),
    };
  });
  const artifacts = records(r, 'artifacts').map((o, i): ArtifactRecord => {
    const w = `artifacts[${i}]`;
    return {
      name: str(o, 'name', w),
      package: str(o, 'package', w),
      version: str(o, 'version', w),
      debSha256: sha(o, 'debSha256', w),
      source: relPath(o, 'source', w),
      path: relPath(o, 'path', w),
      sha256: sha(o, 'sha256', w),
      size: size(o, w),
    };
  });
  const images = records(r, 'images').map((o, i): ImageRecord => {
    const w = `images[${i}]`;
    const from = o.from;
    if (!Array.isArray(from) || !from.every((f) => typeof f === 'string')) fail(w, 'from must be an array of names');
    return {
      name: str(o, 'name', w),
      path: relPath(o, 'path', w),
      sha256: sha(o, 'sha256', w),
      size: size(o, w),
      inputs: sha(o, 'inputs', w),
      from: [...(from as string[])],
    };
  });
  unique(packages.map((p) => p.name), 'packages');
  unique([...artifacts.map((a) => a.name), ...images.map((m) => m.name)], 'artifacts/images');
  for (const a of artifacts) {
    const p = packages.find((q) => q.name === a.package);
    if (!p) fail(`artifact ${a.name}`, `package ${a.package} is not listed`);
    if (p.version !== a.version || p.sha256 !== a.debSha256) fail(`artifact ${a.name}`, `does not match package ${p.name}`);
  }
  for (const m of images) {
    for (const f of m.from) if (!artifacts.some((a) => a.name === f)) fail(`image ${m.name}`, `unknown artifact ${f}`);
  }
  return { format: MANIFEST_FORMAT, packages, artifacts, images };
}

/** Stable JSON text (two-space indent, trailing newline). */
export function formatManifest(m: Manifest): string {
  return `${JSON.stringify(m, null, 2)}\n`;
}

function humanSize(n: number): string {
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MiB`;
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(1)} KiB`;
  return `${n} B`;
}

/** The table `npm run images -- --list` prints: one line per file, then the packages. */
export function formatListing(m: Manifest, cacheDir: string): string {
  const rows: string[][] = [['NAME', 'SIZE', 'SHA256', 'FROM', 'PATH']];
  for (const a of m.artifacts) rows.push([a.name, humanSize(a.size), a.sha256.slice(0, 16), `${a.package} ${a.version}`, a.path]);
  for (const i of m.images) rows.push([i.name, humanSize(i.size), i.sha256.slice(0, 16), `built from ${i.from.join(', ')}`, i.path]);
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const lines = rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  '));
  lines.push('', `cache: ${cacheDir}`);
  for (const p of m.packages) lines.push(`package ${p.name} ${p.version} ${p.architecture}  ${humanSize(p.size)}  sha256 ${p.sha256}`);
  return `${lines.join('\n')}\n`;
}
