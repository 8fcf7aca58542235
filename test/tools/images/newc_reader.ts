// An independent reader for newc cpio archives, written from the kernel's buffer-format.rst for tests:
// it shares no code with src/storage/cpio_newc.ts, so a bug in the writer cannot hide in both.

export interface NewcMember {
  name: string;
  ino: number;
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  mtime: number;
  rdevMajor: number;
  rdevMinor: number;
  data: Uint8Array;
}

/** Parses a whole archive up to TRAILER!!!; throws on a bad magic, a missing NUL or trailing bytes. */
export function readNewc(buf: Uint8Array): NewcMember[] {
  const out: NewcMember[] = [];
  const ascii = (a: number, b: number) => String.fromCharCode(...buf.subarray(a, b));
  let p = 0;
  for (;;) {
    if (p + 110 > buf.length) throw new Error(`newc: truncated header at ${p}`);
    const magic = ascii(p, p + 6);
    if (magic !== '070701') throw new Error(`newc: bad magic ${JSON.stringify(magic)} at ${p}`);
    const field = (i: number) => {
      const hex = ascii(p + 6 + 8 * i, p + 14 + 8 * i);
      if (!/^[0-9a-fA-F]{8}$/.test(hex)) throw new Error(`newc: bad field ${i} at ${p}`);
      return parseInt(hex, 16);
    };
    const nameSize = field(11);
    const size = field(6);
    if (buf[p + 110 + nameSize - 1] !== 0) throw new Error(`newc: name at ${p} is not NUL-terminated`);
    const name = new TextDecoder().decode(buf.subarray(p + 110, p + 110 + nameSize - 1));
    const dataAt = (p + 110 + nameSize + 3) & ~3;
    if (name === 'TRAILER!!!') {
      if (dataAt !== buf.length) throw new Error(`newc: ${buf.length - dataAt} bytes after the trailer`);
      return out;
    }
    if (dataAt + size > buf.length) throw new Error(`newc: ${name} runs past the end`);
    out.push({
      name,
      ino: field(0),
      mode: field(1),
      uid: field(2),
      gid: field(3),
      nlink: field(4),
      mtime: field(5),
      rdevMajor: field(9),
      rdevMinor: field(10),
      data: buf.slice(dataAt, dataAt + size),
    });
    p = (dataAt + size + 3) & ~3;
  }
}
