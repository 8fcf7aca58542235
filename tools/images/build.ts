// Step 2 of `npm run images`: build the initramfs and the demo disk from the extracted artifacts, each only
// when its inputs changed since the manifest was written.
import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ARTIFACT, TMP_DIR } from './cache_layout.ts';
import { buildDemoDisk, demoDiskInputs } from './demo_disk.ts';
import { fileHasSha256, sha256, sha256File } from './hash.ts';
import { buildInitramfsCpio, compressInitramfs, listApplets } from './initramfs.ts';
import type { ArtifactRecord, ImageRecord, Manifest } from './manifest.ts';
import { INITRAMFS_MODULES } from './recipe.ts';

export interface BuildContext {
  cacheDir: string;
  log: (line: string) => void;
}

/** Uncompressed: the kernel only copies it, where gunzip would cost the emulated guest ~10^8 instructions. */
export const INITRAMFS_FILE = 'initramfs.cpio';
/** The same archive gzipped (CONFIG_RD_GZIP), a third of the size for downloads. */
export const INITRAMFS_GZ_FILE = 'initramfs.cpio.gz';
export const DEMO_DISK_FILE = 'demo-disk.img';

function upToDate(previous: Manifest, name: string, path: string, inputs: string, cacheDir: string): boolean {
  const rec = previous.images.find((i) => i.name === name);
  return !!rec && rec.path === path && rec.inputs === inputs && fileHasSha256(join(cacheDir, path), rec.sha256);
}

function record(name: string, path: string, inputs: string, from: string[], cacheDir: string): ImageRecord {
  const full = join(cacheDir, path);
  return { name, path, sha256: sha256File(full), size: statSync(full).size, inputs, from };
}

function writeAtomically(path: string, bytes: Uint8Array): void {
  writeFileSync(`${path}.part`, bytes);
  renameSync(`${path}.part`, path);
}

/** The initramfs's modules: the recipe's modules after whatever they depend on, as extracted. */
function initramfsModules(artifacts: readonly ArtifactRecord[]): ArtifactRecord[] {
  const modules = artifacts.filter((a) => a.path.startsWith('modules/'));
  for (const m of INITRAMFS_MODULES) if (!modules.some((a) => a.name === `${m}.ko`)) throw new Error(`module ${m} was not extracted`);
  return modules; // fetch.ts stores them in dependency order
}

export function buildAll(previous: Manifest, artifacts: readonly ArtifactRecord[], ctx: BuildContext): ImageRecord[] {
  const byName = (n: string) => {
    const a = artifacts.find((x) => x.name === n);
    if (!a) throw new Error(`artifact ${n} missing`);
    return a;
  };
  const images: ImageRecord[] = [];

  // Initramfs: its inputs are exactly the uncompressed archive, which takes milliseconds to make.
  const busybox = byName(ARTIFACT.busybox);
  const modules = initramfsModules(artifacts);
  const cpio = buildInitramfsCpio({
    busybox: readFileSync(join(ctx.cacheDir, busybox.path)),
    applets: listApplets(join(ctx.cacheDir, busybox.path)),
    modules: modules.map((m) => ({ file: m.path.slice('modules/'.length), elf: readFileSync(join(ctx.cacheDir, m.path)) })),
  });
  const cpioSha = sha256(cpio);
  const from = [busybox.name, ...modules.map((m) => m.name)];
  if (upToDate(previous, ARTIFACT.initramfs, INITRAMFS_FILE, cpioSha, ctx.cacheDir) &&
    upToDate(previous, ARTIFACT.initramfsGz, INITRAMFS_GZ_FILE, cpioSha, ctx.cacheDir)) {
    ctx.log(`${INITRAMFS_FILE}(.gz): up to date`);
  } else {
    ctx.log(`${INITRAMFS_FILE}(.gz): building (${(cpio.length / (1 << 20)).toFixed(1)} MiB cpio, and gzip)`);
    writeAtomically(join(ctx.cacheDir, INITRAMFS_FILE), cpio);
    writeAtomically(join(ctx.cacheDir, INITRAMFS_GZ_FILE), compressInitramfs(cpio));
  }
  images.push(record(ARTIFACT.initramfs, INITRAMFS_FILE, cpioSha, from, ctx.cacheDir));
  images.push(record(ARTIFACT.initramfsGz, INITRAMFS_GZ_FILE, cpioSha, from, ctx.cacheDir));

  // Demo disk.
  const diskInputs = demoDiskInputs();
  if (upToDate(previous, ARTIFACT.demoDisk, DEMO_DISK_FILE, diskInputs, ctx.cacheDir)) {
    ctx.log(`${DEMO_DISK_FILE}: up to date`);
  } else {
    ctx.log(`${DEMO_DISK_FILE}: building (MBR + ext2 with mke2fs -d)`);
    const out = join(ctx.cacheDir, DEMO_DISK_FILE);
    buildDemoDisk(`${out}.part`, join(ctx.cacheDir, TMP_DIR));
    renameSync(`${out}.part`, out);
  }
  images.push(record(ARTIFACT.demoDisk, DEMO_DISK_FILE, diskInputs, [], ctx.cacheDir));
  return images;
}
