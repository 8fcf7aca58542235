// `npm run images`: fetch Xen, GRUB, Linux and busybox from Debian by package name, then build the demo
// initramfs and disk with our own code. See cache_layout.ts for what ends up where, manifest.ts for the
// manifest, and DESIGN.md §4 for why these packages.
//
//   npm run images                  download what is missing or outdated, build what changed
//   npm run images -- --offline     use only the cache (fails, naming what is missing, if incomplete)
//   npm run images -- --list        print the manifest as a table (--json: as JSON)
//   npm run images -- --cache DIR   use DIR instead of .cache/images
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildAll } from './build.ts';
import { DEFAULT_CACHE_DIR, MANIFEST_FILE, TMP_DIR } from './cache_layout.ts';
import { fetchAll } from './fetch.ts';
import { findTool, TOOL_PACKAGES, UserError } from './host_tools.ts';
import { emptyManifest, formatListing, formatManifest, parseManifest, type Manifest } from './manifest.ts';

interface Options {
  offline: boolean;
  list: boolean;
  json: boolean;
  cacheDir: string;
}

const USAGE = `usage: npm run images -- [--offline] [--list [--json]] [--cache DIR]
  (no option)   fetch the Debian packages (apt-get download) and build the initramfs and demo disk
  --offline     use only what is in the cache
  --list        print the manifest (--json: the raw manifest.json)
  --cache DIR   cache folder (default .cache/images)`;

function parseArgs(argv: readonly string[]): Options {
  const o: Options = { offline: false, list: false, json: false, cacheDir: DEFAULT_CACHE_DIR };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--offline') o.offline = true;
    else if (a === '--list') o.list = true;
    else if (a === '--json') o.json = true;
    else if (a === '--cache' && argv[i + 1]) o.cacheDir = resolve(argv[++i]!);
    else if (a === '--help' || a === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else throw new UserError(`unknown option ${a}\n${USAGE}`);
  }
  if (o.json && !o.list) throw new UserError('--json goes with --list');
  return o;
}

/** Every missing tool at once, with the one apt-get line that installs them all. */
function checkTools(offline: boolean): void {
  const needed = ['dpkg-deb', 'mke2fs', 'debugfs', ...(offline ? [] : ['apt-get', 'apt-cache'])];
  const missing = needed.filter((t) => !findTool(t));
  if (!missing.length) return;
  const pkgs = [...new Set(missing.map((t) => TOOL_PACKAGES[t]!))];
  const sudo = process.getuid?.() === 0 ? '' : 'sudo ';
  throw new UserError(`missing ${missing.join(', ')}: install with \`${sudo}apt-get install ${pkgs.join(' ')}\``);
}

function readManifest(cacheDir: string, log: (s: string) => void): Manifest | undefined {
  const path = join(cacheDir, MANIFEST_FILE);
  if (!existsSync(path)) return undefined;
  try {
    return parseManifest(readFileSync(path, 'utf8'));
  } catch (e) {
    log(`ignoring unreadable ${path}: ${(e as Error).message}`);
    return undefined;
  }
}

function main(): void {
  const started = Date.now();
  const log = (line: string) => process.stderr.write(`images: [${((Date.now() - started) / 1000).toFixed(1)}s] ${line}\n`);
  const o = parseArgs(process.argv.slice(2));

  if (o.list) {
    const m = readManifest(o.cacheDir, log);
    if (!m) throw new UserError(`no manifest in ${o.cacheDir}: run \`npm run images\` first`);
    process.stdout.write(o.json ? formatManifest(m) : formatListing(m, o.cacheDir));
    return;
  }

  checkTools(o.offline);
  mkdirSync(o.cacheDir, { recursive: true });
  const previous = readManifest(o.cacheDir, log) ?? emptyManifest();
  if (o.offline && !previous.packages.length) {
    throw new UserError(`--offline: no manifest in ${o.cacheDir}; run \`npm run images\` once with network`);
  }
  try {
    const { packages, artifacts } = fetchAll(previous, { cacheDir: o.cacheDir, offline: o.offline, log });
    const images = buildAll(previous, artifacts, { cacheDir: o.cacheDir, log });
    const manifest: Manifest = { ...emptyManifest(), packages, artifacts, images };
    parseManifest(formatManifest(manifest)); // what we write must be what readers accept
    const path = join(o.cacheDir, MANIFEST_FILE);
    writeFileSync(`${path}.part`, formatManifest(manifest));
    renameSync(`${path}.part`, path);
    for (const p of packages) log(`  ${p.name} ${p.version}`);
    log(`done: ${artifacts.length} files and ${images.length} images in ${o.cacheDir} (npm run images -- --list)`);
  } finally {
    rmSync(join(o.cacheDir, TMP_DIR), { recursive: true, force: true });
  }
}

try {
  main();
} catch (e) {
  if (e instanceof UserError) {
    process.stderr.write(`images: ${e.message}\n`);
  } else {
    process.stderr.write(`images: failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  }
  process.exit(1);
}
