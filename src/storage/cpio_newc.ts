// Writer for the "newc" cpio format (magic 070701), the format the Linux kernel unpacks as an initramfs
// (Documentation/driver-api/early-userspace/buffer-format.rst). Pure: no Node APIs, usable in the page.
//
// Each member is a 110-byte ASCII header — the magic, then 13 fields of 8 hex digits: ino, mode, uid, gid,
// nlink, mtime, filesize, devmajor, devminor, rdevmajor, rdevminor, namesize (with the NUL), check — followed
// by the NUL-terminated name padded to a multiple of 4, then the data padded to a multiple of 4. A member
// named TRAILER!!! ends the archive. The kernel does not create missing parent directories, so callers list
// a directory before anything inside it; encodeCpioNewc checks that.

/** File-type bits of st_mode (POSIX <sys/stat.h>). */
export const S_IFMT = 0o170000;
export const S_IFDIR = 0o040000;
export const S_IFREG = 0o100000;
export const S_IFLNK = 0o120000;
export const S_IFCHR = 0o020000;
export const S_IFBLK = 0o060000;

export type CpioEntry =
  | { kind: 'dir'; name: string; perm: number; uid?: number; gid?: number; mtime?: number }
  | { kind: 'file'; name: string; perm: number; data: Uint8Array; uid?: number; gid?: number; mtime?: number }
  | { kind: 'symlink'; name: string; target: string; uid?: number; gid?: number; mtime?: number }
  | {
      kind: 'char' | 'block';
      name: string;
      perm: number;
      major: number;
      minor: number;
      uid?: number;
      gid?: number;
      mtime?: number;
    };

export const CPIO_NEWC_MAGIC = '070701';
export const CPIO_TRAILER = 'TRAILER!!!';
const HEADER_SIZE = 110;

const pad4 = (n: number): number => (n + 3) & ~3;

function checkU32(what: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new RangeError(`cpio: ${what} ${value} does not fit the 8-hex-digit newc field`);
  }
}

/** Archive member names are relative ("bin/sh"), the form the kernel and GNU cpio both expect. */
function checkName(name: string): void {
  if (name === '' || name.startsWith('/') || name.endsWith('/') || name.includes('\0')) {
    throw new Error(`cpio: bad member name ${JSON.stringify(name)} (want a relative path without NUL)`);
  }
  for (const part of name.split('/')) {
    if (part === '' || part === '.' || part === '..') {
      throw new Error(`cpio: bad member name ${JSON.stringify(name)} (empty, . or .. component)`);
    }
  }
}

function modeOf(e: CpioEntry): number {
  switch (e.kind) {
    case 'dir':
      return S_IFDIR | (e.perm & 0o7777);
    case 'file':
      return S_IFREG | (e.perm & 0o7777);
    case 'symlink':
      return S_IFLNK | 0o777;
    case 'char':
      return S_IFCHR | (e.perm & 0o7777);
    case 'block':
      return S_IFBLK | (e.perm & 0o7777);
  }
}

const utf8 = new TextEncoder();

function writeHeader(out: Uint8Array, at: number, fields: readonly number[]): void {
  for (let i = 0; i < 6; i++) out[at + i] = CPIO_NEWC_MAGIC.charCodeAt(i);
  let p = at + 6;
  for (const f of fields) {
    const hex = f.toString(16).padStart(8, '0');
    for (let i = 0; i < 8; i++) out[p++] = hex.charCodeAt(i);
  }
}

/**
 * Encodes `entries` in order, numbering inodes from 1 (no hard links), and appends the trailer.
 * Every parent directory of a member must appear earlier in `entries`.
 */
export function encodeCpioNewc(entries: readonly CpioEntry[]): Uint8Array {
  const seen = new Set<string>();
  const parts: { header: number[]; name: Uint8Array; data: Uint8Array }[] = [];
  let total = 0;
  let ino = 1;
  for (const e of entries) {
    checkName(e.name);
    if (seen.has(e.name)) throw new Error(`cpio: duplicate member ${e.name}`);
    const slash = e.name.lastIndexOf('/');
    if (slash > 0 && !seen.has(e.name.slice(0, slash))) {
      throw new Error(`cpio: ${e.name} comes before its directory ${e.name.slice(0, slash)}`);
    }
    seen.add(e.name);
    const data = e.kind === 'file' ? e.data : e.kind === 'symlink' ? utf8.encode(e.target) : new Uint8Array(0);
    const rdevMajor = e.kind === 'char' || e.kind === 'block' ? e.major : 0;
    const rdevMinor = e.kind === 'char' || e.kind === 'block' ? e.minor : 0;
    const name = utf8.encode(e.name);
    const header = [
      ino++,
      modeOf(e),
      e.uid ?? 0,
      e.gid ?? 0,
      e.kind === 'dir' ? 2 : 1,
      e.mtime ?? 0,
      data.length,
      0, // devmajor/devminor: the (imaginary) filesystem the member came from
      0,
      rdevMajor,
      rdevMinor,
      name.length + 1,
      0, // check: only used by the "070702" CRC variant
    ];
    const labels = ['ino', 'mode', 'uid', 'gid', 'nlink', 'mtime', 'size', 'dev', 'dev', 'rdev major', 'rdev minor'];
    labels.forEach((label, i) => checkU32(`${e.name}: ${label}`, header[i]!));
    parts.push({ header, name, data });
    total += pad4(HEADER_SIZE + name.length + 1) + pad4(data.length);
  }
  const trailerName = utf8.encode(CPIO_TRAILER);
  parts.push({ header: [0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, trailerName.length + 1, 0], name: trailerName, data: new Uint8Array(0) });
  total += pad4(HEADER_SIZE + trailerName.length + 1);

  const out = new Uint8Array(total); // zero-filled, so NUL terminators and padding need no writes
  let at = 0;
  for (const { header, name, data } of parts) {
    writeHeader(out, at, header);
    out.set(name, at + HEADER_SIZE);
    at += pad4(HEADER_SIZE + name.length + 1);
    out.set(data, at);
    at += pad4(data.length);
  }
  return out;
}
