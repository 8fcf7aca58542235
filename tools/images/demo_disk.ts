// Builds the demo disk: an MBR written by our own code (src/storage/mbr.ts) with one Linux partition at
// 1 MiB, holding an ext2 filesystem that `mke2fs -d` fills with a few demo files. The result is
// byte-for-byte reproducible: fixed UUID, hash seed and timestamps (E2FSPROGS_FAKE_TIME; `mke2fs -d` copies
// the host's ctime, so debugfs resets it afterwards).
import { chmodSync, closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, utimesSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { encodeMbr, MBR_PARTITION_LINUX, SECTOR_SIZE } from '../../src/storage/mbr.ts';
import { sha256 } from './hash.ts';
import { runTool, toolVersion } from './host_tools.ts';

export const DEMO_DISK = {
  sizeBytes: 16 << 20,
  /** 1 MiB, the alignment fdisk and parted use. */
  partitionStartLba: 2048,
  /** "xtab" */
  diskSignature: 0x62617478,
  label: 'xentab-demo',
  uuid: '6c8e5a4e-1d2b-4f3a-9a7e-78656e746162',
  /** 2024-01-01T00:00:00Z: every timestamp in the filesystem. */
  epoch: 1_704_067_200,
  blockSize: 1024,
} as const;

/** GRUB's environment block: this signature line, padded with '#' to exactly 1024 bytes. */
export const GRUB_ENVBLK_HEADER = '# GRUB Environment Block\n';
export const GRUB_ENVBLK_SIZE = 1024;

export const DEMO_FILES: readonly { path: string; mode: number; text: string }[] = [
  {
    path: 'README',
    mode: 0o644,
    text: `This is the xentab demo disk.

It is the first partition of a Xen PV disk (/dev/xvda1 in the guest, ext2), served by xentab's
block backend through grant tables and an event channel, exactly as a real Xen host would.
Files you change here are kept: the page stores your writes in IndexedDB, the CLI in its overlay.

Try:  sh /mnt/hello     cat /mnt/etc/motd     echo hi > /mnt/note; sync
`,
  },
  {
    path: 'hello',
    mode: 0o755,
    text: `#!/bin/sh
# A script that lives on the demo disk.
echo "Hello from $(hostname), running Linux $(uname -r) as a Xen PV guest."
echo "This script was read from /dev/xvda1 through xen-blkfront."
`,
  },
  {
    // A GRUB environment block (grub-core/lib/envblk.c: the header line, then '#' padding to 1024 bytes),
    // so GRUB on the PV disk can write: save_env -f (xen/xvda,msdos1)/grubenv NAME. GRUB rewrites the file's
    // blocks in place and never changes its size.
    path: 'grubenv',
    mode: 0o644,
    text: GRUB_ENVBLK_HEADER + '#'.repeat(GRUB_ENVBLK_SIZE - GRUB_ENVBLK_HEADER.length),
  },
  {
    path: 'etc/motd',
    mode: 0o644,
    text: `Welcome to xentab: Xen in a browser tab.
Debian's Xen 4.17 PV shim and Linux 6.1 run on an x86-64 machine written in TypeScript.
`,
  },
];

const DIR_MODE = 0o755;
const PARTITION_SECTORS = DEMO_DISK.sizeBytes / SECTOR_SIZE - DEMO_DISK.partitionStartLba;

/** Everything the disk depends on: the recipe, this builder's source, the MBR codec and mke2fs's version. */
export function demoDiskInputs(): string {
  const sources = ['./demo_disk.ts', '../../src/storage/mbr.ts'].map((u) => readFileSync(new URL(u, import.meta.url), 'utf8'));
  const mke2fs = toolVersion('mke2fs', ['-V']);
  return sha256(JSON.stringify({ DEMO_DISK, DEMO_FILES, sources, mke2fs }));
}

function stage(dir: string): string[] {
  const paths: string[] = [];
  const dirs = new Set<string>();
  for (const f of DEMO_FILES) {
    for (let d = dirname(f.path); d !== '.'; d = dirname(d)) dirs.add(d);
    const full = join(dir, f.path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, f.text);
    chmodSync(full, f.mode);
    paths.push(f.path);
  }
  for (const d of dirs) chmodSync(join(dir, d), DIR_MODE);
  // Children before parents, so writing a file does not disturb its directory's times afterwards.
  for (const p of [...paths, ...[...dirs].sort().reverse(), '.']) utimesSync(join(dir, p), DEMO_DISK.epoch, DEMO_DISK.epoch);
  return [...dirs, ...paths];
}

/** Builds the disk image at `outPath`, using `scratch` for the staging folder and the bare filesystem. */
export function buildDemoDisk(outPath: string, scratch: string): void {
  const work = mkdtempSync(join(scratch, 'disk-'));
  try {
    const root = join(work, 'root');
    mkdirSync(root);
    const staged = stage(root);
    const fs = join(work, 'fs.img');
    const env = { E2FSPROGS_FAKE_TIME: String(DEMO_DISK.epoch) };
    const blocks = (PARTITION_SECTORS * SECTOR_SIZE) / DEMO_DISK.blockSize;
    runTool(
      'mke2fs',
      ['-q', '-F', '-t', 'ext2', '-b', String(DEMO_DISK.blockSize), '-m', '0', '-L', DEMO_DISK.label, '-U', DEMO_DISK.uuid,
        '-E', `hash_seed=${DEMO_DISK.uuid},root_owner=0:0`, '-d', root, fs, String(blocks)],
      { env },
    );
    const fixCtime = staged.map((p) => `set_inode_field /${p} ctime @${DEMO_DISK.epoch}`).join('\n');
    runTool('debugfs', ['-w', '-f', '-', fs], { env, input: `${fixCtime}\n` });

    const mbr = encodeMbr(
      {
        diskSignature: DEMO_DISK.diskSignature,
        partitions: [{ type: MBR_PARTITION_LINUX, bootable: false, startLba: DEMO_DISK.partitionStartLba, sectorCount: PARTITION_SECTORS }],
      },
      DEMO_DISK.sizeBytes / SECTOR_SIZE,
    );
    const disk = new Uint8Array(DEMO_DISK.sizeBytes);
    disk.set(mbr, 0);
    const fsBytes = readFileSync(fs);
    if (fsBytes.length !== PARTITION_SECTORS * SECTOR_SIZE) throw new Error(`mke2fs made ${fsBytes.length} bytes, expected ${PARTITION_SECTORS * SECTOR_SIZE}`);
    disk.set(fsBytes, DEMO_DISK.partitionStartLba * SECTOR_SIZE);
    const fd = openSync(outPath, 'w');
    try {
      writeSync(fd, disk);
    } finally {
      closeSync(fd);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
