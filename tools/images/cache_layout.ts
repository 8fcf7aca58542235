// Where `npm run images` keeps what it downloads and builds. Other parts (the CLI demo, tests, the page's
// dev server) find guest images through these names or, better, through manifest.json.
//
// .cache/images/                     (git-ignored; safe to delete, the next run rebuilds it)
//   manifest.json                    every package, extracted file and built image, with sha256 and size
//   debs/NAME_VERSION_ARCH.deb       the downloaded packages, kept so a second run skips the download
//   xen-shim                         usr/lib/xen-4.17/boot/xen-shim              (xen-utils-4.17)
//   grub-i386-xen_pvh.bin            usr/lib/grub-xen/grub-i386-xen_pvh.bin      (grub-xen-host)
//   grub-x86_64-xen.bin              usr/lib/grub-xen/grub-x86_64-xen.bin        (grub-xen-host)
//   vmlinuz                          boot/vmlinuz-*                               (linux-image-*-cloud-amd64)
//   busybox                          bin/busybox                                  (busybox-static)
//   modules/NAME.ko                  lib/modules/*/kernel/**/NAME.ko*, uncompressed
//   initramfs.cpio                   built: busybox + /init + modules (newc cpio, uncompressed: cheapest to boot)
//   initramfs.cpio.gz                built: the same, gzipped
//   demo-disk.img                    built: MBR, one Linux partition at 1 MiB holding ext2 with demo files
//   tmp/                             scratch space of a run in progress
import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';

/** The repository root (tools/images/ is two levels down). */
export const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
export const DEFAULT_CACHE_DIR = join(REPO_ROOT, '.cache', 'images');
export const MANIFEST_FILE = 'manifest.json';
export const DEBS_DIR = 'debs';
export const TMP_DIR = 'tmp';

/** Names of the artifacts, as they appear in the manifest's `name` fields. */
export const ARTIFACT = {
  xenShim: 'xen-shim',
  grubPvh: 'grub-i386-xen_pvh',
  grubPv64: 'grub-x86_64-xen',
  vmlinuz: 'vmlinuz',
  busybox: 'busybox',
  initramfs: 'initramfs',
  initramfsGz: 'initramfs.gz',
  demoDisk: 'demo-disk',
} as const;
