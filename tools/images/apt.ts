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

/** Parses `apt-cache show` output: RFC 822 style stanzas separated by blank lines. */
export function parseAptStanzas(text: string): Map<string, string>[] {
  const stanzas: Map<string, string>[] = [];
  let fields = new Map<string, string>();
  let last = '';
  for (const line of text.split('\n')) {
    if (line === '') {
      if (fields.size) stanzas.push(fields);
      fields = new Map();
      last = '';
    } else if (line.startsWith(' ') || line.startsWith('\t')) {
      if (last) fields.set(last, `${fields.get(last)}\n${line.trim()}`);
    } else {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      last = line.slice(0, colon);
      fields.set(last, line.slice(colon + 1).trim());
    }
  }
  if (fields.size) stanzas.push(fields);
  return stanzas;
}

/**
 * The candidate versions of `names` in one `apt-cache show` call (each call re-reads the package lists,
 * ≈0.4 s). Names apt does not know are absent from the result.
 */
export function aptCandidates(names: readonly string[]): Map<string, AptCandidate> {
  const r = spawnSync(findTool('apt-cache') ?? 'apt-cache', ['show', '--no-all-versions', ...names], {
    env: { ...process.env, LC_ALL: 'C' },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const out = new Map<string, AptCandidate>();
  for (const f of parseAptStanzas(r.stdout ?? '')) {
    const name = f.get('Package');
    const version = f.get('Version');
    const sha256 = f.get('SHA256');
    const size = Number(f.get('Size'));
    if (!name || !version || !sha256 || !/^[0-9a-f]{64}$/.test(sha256) || !Number.isSafeInteger(size)) continue;
    if (!names.includes(name) || out.has(name)) continue;
    out.set(name, { name, version, architecture: f.get('Architecture') ?? 'amd64', sha256, size });
  }
  return out;
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
 * Candidates for all of `names`. When apt lacks some (a fresh container often has no package lists), runs
 * `apt-get update` once if we are root, otherwise says exactly what to run.
 */
export function resolveCandidates(names: readonly string[], log: (s: string) => void): Map<string, AptCandidate> {
  let found = aptCandidates(names);
  const missing = () => names.filter((n) => !found.has(n));
  if (!missing().length) return found;
  if (process.getuid?.() !== 0) {
    throw new UserError(`apt does not know ${missing().join(', ')}: its package lists are empty or stale; run \`sudo apt-get update\``);
  }
  log(`apt does not know ${missing().join(', ')}: running apt-get update`);
  runTool('apt-get', ['update', '-qq']);
  found = aptCandidates(names);
  if (missing().length) {
    throw new UserError(`apt still does not know ${missing().join(', ')} after apt-get update: check that Debian bookworm main (and bookworm-security) are in /etc/apt/sources.list(.d)`);
  }
  return found;
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
