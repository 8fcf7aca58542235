// Step 1 of `npm run images`: make sure every package in the recipe is downloaded (or cached with the right
// sha256) and the files we need are extracted into the cache folder.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { aptDownload, resolveCandidates, resolveDependency, type AptCandidate } from './apt.ts';
import { DEBS_DIR, TMP_DIR } from './cache_layout.ts';
import { findOne, unpackDeb } from './deb_extract.ts';
import { fileHasSha256, sha256, sha256File } from './hash.ts';
import { UserError } from './host_tools.ts';
import { decompressModule, moduleClosure, moduleName } from './kernel_modules.ts';
import type { ArtifactRecord, Manifest, PackageRecord } from './manifest.ts';
import { MODULE_FILE, PACKAGES, type PackageSpec } from './recipe.ts';

export interface FetchContext {
  cacheDir: string;
  offline: boolean;
  log: (line: string) => void;
}

/** apt's own file naming: NAME_VERSION_ARCH.deb with the epoch colon escaped. */
export function debFileName(name: string, version: string, arch: string): string {
  return `${name}_${version.replace(/:/g, '%3a')}_${arch}.deb`;
}

function specMatches(spec: PackageSpec, name: string): boolean {
  return typeof spec.package === 'string' ? spec.package === name : spec.package.matching.test(name);
}

function specLabel(spec: PackageSpec): string {
  return typeof spec.package === 'string' ? spec.package : spec.package.dependencyOf;
}

/** Which package and version to use for each spec: apt's candidates online, the manifest's records offline. */
function resolveAll(previous: Manifest, ctx: FetchContext): AptCandidate[] {
  if (ctx.offline) {
    return PACKAGES.map((spec) => {
      const rec = previous.packages.find((p) => specMatches(spec, p.name));
      if (!rec) throw new UserError(`--offline: the cache has no ${specLabel(spec)}; run \`npm run images\` once with network`);
      return { name: rec.name, version: rec.version, architecture: rec.architecture, sha256: rec.sha256, size: rec.size };
    });
  }
  // First the fixed names and the metapackages (this also runs apt-get update when apt knows none of
  // them), then the packages the metapackages point at today.
  const direct = PACKAGES.map((spec) => (typeof spec.package === 'string' ? spec.package : spec.package.dependencyOf));
  const candidates = resolveCandidates(direct, ctx.log);
  const names = PACKAGES.map((spec) =>
    typeof spec.package === 'string' ? spec.package : resolveDependency(spec.package.dependencyOf, spec.package.matching),
  );
  for (const [n, c] of resolveCandidates(names.filter((n) => !candidates.has(n)), ctx.log)) candidates.set(n, c);
  return names.map((n) => candidates.get(n)!);
}

function ensureDeb(c: AptCandidate, ctx: FetchContext): PackageRecord {
  const rel = `${DEBS_DIR}/${debFileName(c.name, c.version, c.architecture)}`;
  const path = join(ctx.cacheDir, rel);
  if (fileHasSha256(path, c.sha256)) {
    ctx.log(`${c.name} ${c.version}: cached`);
  } else {
    if (ctx.offline) throw new UserError(`--offline: ${rel} is missing or damaged; run \`npm run images\` with network`);
    ctx.log(`${c.name} ${c.version}: downloading ${(c.size / (1 << 20)).toFixed(1)} MiB`);
    const dir = mkdtempSync(join(ctx.cacheDir, TMP_DIR, 'download-'));
    try {
      const got = aptDownload(c, dir);
      const digest = sha256File(got);
      if (digest !== c.sha256) throw new Error(`${c.name}: downloaded .deb has sha256 ${digest}, the apt index says ${c.sha256}`);
      mkdirSync(dirname(path), { recursive: true });
      renameSync(got, path);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return { name: c.name, version: c.version, architecture: c.architecture, deb: rel, sha256: c.sha256, size: statSync(path).size };
}

function artifactsStillValid(spec: PackageSpec, pkg: PackageRecord, previous: Manifest, cacheDir: string): ArtifactRecord[] | undefined {
  const mine = previous.artifacts.filter((a) => a.package === pkg.name && a.debSha256 === pkg.sha256);
  const wanted = spec.files.length + (spec.modules?.length ?? 0);
  if (mine.length < wanted) return undefined;
  for (const f of spec.files) if (!mine.some((a) => a.name === f.name && a.path === f.path)) return undefined;
  for (const m of spec.modules ?? []) if (!mine.some((a) => a.name === `${m}.ko` && a.path === `modules/${m}.ko`)) return undefined;
  return mine.every((a) => fileHasSha256(join(cacheDir, a.path), a.sha256)) ? mine : undefined;
}

function extract(spec: PackageSpec, pkg: PackageRecord, ctx: FetchContext): ArtifactRecord[] {
  ctx.log(`${pkg.name}: unpacking with dpkg-deb -x`);
  const unpacked = unpackDeb(join(ctx.cacheDir, pkg.deb), join(ctx.cacheDir, TMP_DIR));
  try {
    const records: ArtifactRecord[] = [];
    const store = (name: string, source: string, rel: string, bytes: Uint8Array) => {
      const dest = join(ctx.cacheDir, rel);
      mkdirSync(dirname(dest), { recursive: true });
      writeFileSync(`${dest}.part`, bytes);
      chmodSync(`${dest}.part`, statSync(join(unpacked.root, source)).mode & 0o755); // busybox stays executable
      renameSync(`${dest}.part`, dest);
      records.push({ name, package: pkg.name, version: pkg.version, debSha256: pkg.sha256, source, path: rel, sha256: sha256(bytes), size: bytes.length });
    };
    for (const f of spec.files) {
      const source = findOne(unpacked.files, f.source, pkg.name);
      store(f.name, source, f.path, readFileSync(join(unpacked.root, source)));
    }
    if (spec.modules) {
      const byName = new Map(unpacked.files.filter((f) => MODULE_FILE.test(f)).map((f) => [moduleName(f), f]));
      const closure = moduleClosure(spec.modules, (name) => {
        const source = byName.get(name);
        return source ? { source, elf: decompressModule(source, readFileSync(join(unpacked.root, source))) } : undefined;
      });
      for (const m of closure) {
        const file = m.source.slice(m.source.lastIndexOf('/') + 1).replace(/\.ko\..*$/, '.ko');
        store(file, m.source, `modules/${file}`, m.elf);
      }
    }
    return records;
  } finally {
    unpacked.dispose();
  }
}

/** Downloads and extracts everything in the recipe; returns the new manifest's packages and artifacts. */
export function fetchAll(previous: Manifest, ctx: FetchContext): Pick<Manifest, 'packages' | 'artifacts'> {
  mkdirSync(join(ctx.cacheDir, DEBS_DIR), { recursive: true });
  mkdirSync(join(ctx.cacheDir, TMP_DIR), { recursive: true });
  const candidates = resolveAll(previous, ctx);
  const packages: PackageRecord[] = [];
  const artifacts: ArtifactRecord[] = [];
  for (const [i, spec] of PACKAGES.entries()) {
    const pkg = ensureDeb(candidates[i]!, ctx);
    packages.push(pkg);
    artifacts.push(...(artifactsStillValid(spec, pkg, previous, ctx.cacheDir) ?? extract(spec, pkg, ctx)));
  }
  // Drop .debs of versions no longer used, so the cache does not grow with every kernel update.
  const keep = new Set(packages.map((p) => p.deb.slice(DEBS_DIR.length + 1)));
  for (const f of readdirSync(join(ctx.cacheDir, DEBS_DIR))) {
    if (!keep.has(f)) {
      ctx.log(`removing stale ${DEBS_DIR}/${f}`);
      rmSync(join(ctx.cacheDir, DEBS_DIR, f), { force: true });
    }
  }
  return { packages, artifacts };
}
