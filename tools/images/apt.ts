// Resolving and downloading Debian packages by name through the host's apt (`apt-cache show`,
// `apt-cache depends`, `apt-get download`), so the images always come from the configured Debian mirror.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runTool, UserError, findTool } from './host_tools.ts';
import { spawnSync } from 'node:child_process';

/** The candidate version of a package, as the apt index describes it. */
export interface AptCandidate {
  name: string;
  version: string;
  architecture: string;
  /** sha256 of the .deb, from the signed Packages index. */
  sha256: string;
  size: number;
}

/** Parses the first stanza of `apt-cache show` output (RFC 822 style fields). */
export function parseAptStanza(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  let last = '';
  for (const line of text.split('\n')) {
    if (line === '') {
      if (fields.size) break;
      continue;
    }
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (last) fields.set(last, `${fields.get(last)}\n${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    last = line.slice(0, colon);
    fields.set(last, line.slice(colon + 1).trim());
  }
  return fields;
}

/** The candidate version of `name`, or undefined when apt does not know the package. */
export function aptCandidate(name: string): AptCandidate | undefined {
  const r = spawnSync(findTool('apt-cache') ?? 'apt-cache', ['show', '--no-all-versions', name], {
    env: { ...process.env, LC_ALL: 'C' },
    encoding: 'utf8',
  });
  if (r.status !== 0 || !r.stdout.trim()) return undefined;
  const f = parseAptStanza(r.stdout);
  const version = f.get('Version');
  const sha256 = f.get('SHA256');
  const size = Number(f.get('Size'));
  if (!version || !sha256 || !Number.isSafeInteger(size)) return undefined;
  return { name, version, architecture: f.get('Architecture') ?? 'amd64', sha256, size };
}

/**
 * The package a metapackage currently depends on whose name matches `pattern`
 * (linux-image-cloud-amd64 → linux-image-6.1.0-NN-cloud-amd64).
 */
export function resolveDependency(metapackage: string, pattern: RegExp): string {
  const out = runTool('apt-cache', ['depends', metapackage]).toString();
  for (const line of out.split('\n')) {
    const m = /^\s*\|?Depends:\s*(\S+)/.exec(line);
    if (m && pattern.test(m[1]!)) return m[1]!;
  }
  throw new UserError(`apt-cache depends ${metapackage} names no package matching ${pattern}`);
}

/**
 * Makes sure apt has package lists (a fresh container often has none): runs `apt-get update` when we are
 * root, otherwise says exactly what to run.
 */
export function ensureAptLists(probe: string, log: (s: string) => void): void {
  if (aptCandidate(probe)) return;
  if (process.getuid?.() !== 0) {
    throw new UserError(`apt does not know ${probe}: its package lists are empty or stale; run \`sudo apt-get update\``);
  }
  log('apt has no package lists: running apt-get update');
  runTool('apt-get', ['update', '-qq']);
  if (!aptCandidate(probe)) {
    throw new UserError(`apt still does not know ${probe} after apt-get update: check /etc/apt/sources.list(.d) for Debian bookworm main`);
  }
}

/** `apt-get download NAME=VERSION` into `dir` (which must be empty); returns the .deb's path. */
export function aptDownload(c: AptCandidate, dir: string): string {
  try {
    runTool('apt-get', ['download', '-qq', `${c.name}=${c.version}`], { cwd: dir });
  } catch (e) {
    throw new UserError(`could not download ${c.name} ${c.version} (is the Debian mirror reachable?):\n${(e as Error).message}`);
  }
  const debs = readdirSync(dir).filter((f) => f.endsWith('.deb'));
  if (debs.length !== 1) throw new Error(`apt-get download ${c.name} left ${debs.length} .deb files in ${dir}`);
  return join(dir, debs[0]!);
}
