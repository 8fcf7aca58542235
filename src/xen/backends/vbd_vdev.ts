// Virtual block device numbers (xen docs/misc/vbd-interface.txt): the number a toolstack uses
// as the vbd's directory name and `virtual-device` node, computed from a Linux-style name.
//   xvd<disk><part>, disk < 16, part < 16:  (202 << 8) | (disk << 4) | part
//   xvd, larger disk or part (< 256):       (1 << 28) | (disk << 8) | part
//   hd<disk><part>, part < 64:              disks 0,1 → (3 << 8) | (disk << 6) | part
//                                           disks 2,3 → (22 << 8) | ((disk - 2) << 6) | part
//   sd<disk><part>, disk < 16, part < 16:   (8 << 8) | (disk << 4) | part
//   d<disk>p<part>:                         (1 << 28) | (disk << 8) | part
// Disk letters count like spreadsheet columns (a..z, aa..zz, …: "xvdaa" is disk 26).

export interface Vdev {
  /** The vbd number (the device/vbd/<n> directory name). */
  readonly number: number;
  /** The canonical Linux-style name, e.g. "xvda" (what GRUB shows after a backend `dev` node). */
  readonly name: string;
  readonly disk: number;
  readonly partition: number;
}

function letters(disk: number): string {
  let s = '';
  for (let n = disk + 1; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(97 + ((n - 1) % 26)) + s;
  return s;
}

function diskIndex(s: string): number {
  let n = 0;
  for (const c of s) n = n * 26 + (c.charCodeAt(0) - 96);
  return n - 1;
}

/** Parses a vdev name (or a plain number); null when it is not one vbd-interface.txt allows. */
export function parseVdev(spec: string): Vdev | null {
  let m = /^(xvd|hd|sd)([a-z]{1,4})([1-9][0-9]{0,2})?$/.exec(spec);
  if (m) {
    const kind = m[1]!;
    const disk = diskIndex(m[2]!);
    const part = m[3] ? Number(m[3]) : 0;
    return numbered(kind, disk, part, spec);
  }
  m = /^d(0|[1-9][0-9]{0,6})(?:p(0|[1-9][0-9]{0,2}))?$/.exec(spec);
  if (m) {
    const disk = Number(m[1]), part = m[2] ? Number(m[2]) : 0;
    if (disk >= 1 << 20 || part >= 256) return null;
    return { number: (1 << 28) | (disk << 8) | part, name: `xvd${letters(disk)}${part ? part : ''}`, disk, partition: part };
  }
  if (/^(0|[1-9][0-9]{0,9})$/.test(spec)) {
    const n = Number(spec);
    if (n >= 2 ** 31) return null;
    if (n >= 1 << 28) return { number: n, name: `xvd${letters((n >> 8) & 0xfffff)}${n & 0xff ? n & 0xff : ''}`, disk: (n >> 8) & 0xfffff, partition: n & 0xff };
    if (n >> 8 === 202) return { number: n, name: `xvd${letters((n >> 4) & 15)}${n & 15 ? n & 15 : ''}`, disk: (n >> 4) & 15, partition: n & 15 };
    return null;
  }
  return null;
}

function numbered(kind: string, disk: number, part: number, name: string): Vdev | null {
  switch (kind) {
    case 'xvd':
      if (disk < 16 && part < 16) return { number: (202 << 8) | (disk << 4) | part, name, disk, partition: part };
      if (disk < 1 << 20 && part < 256) return { number: (1 << 28) | (disk << 8) | part, name, disk, partition: part };
      return null;
    case 'hd':
      if (part >= 64 || disk > 3) return null;
      return { number: disk < 2 ? (3 << 8) | (disk << 6) | part : (22 << 8) | ((disk - 2) << 6) | part, name, disk, partition: part };
    case 'sd':
      if (disk >= 16 || part >= 16) return null;
      return { number: (8 << 8) | (disk << 4) | part, name, disk, partition: part };
    default:
      return null;
  }
}
