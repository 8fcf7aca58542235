// Which Debian packages the guest images come from and which files we take out of them (DESIGN.md §4).

export interface FileSpec {
  /** Artifact name in the manifest. */
  name: string;
  /** Path inside the package (no leading ./). */
  source: RegExp;
  /** Where it goes, relative to the cache folder. */
  path: string;
}

export interface PackageSpec {
  /** A package name, or the dependency of a metapackage whose name matches (the current kernel ABI). */
  package: string | { dependencyOf: string; matching: RegExp };
  files: FileSpec[];
  /** Kernel modules to take (with their dependencies), stored uncompressed as modules/NAME.ko. */
  modules?: string[];
}

/** The kernel: Debian's cloud flavour (LZ4-compressed, XEN_PV/PVH and HVC_XEN built in, blkfront as a module). */
export const KERNEL_METAPACKAGE = 'linux-image-cloud-amd64';

/** Modules the initramfs carries and loads, in this order after their dependencies. */
export const INITRAMFS_MODULES = ['xen-blkfront', 'xen-netfront'];

export const PACKAGES: readonly PackageSpec[] = [
  {
    package: 'xen-utils-4.17',
    files: [{ name: 'xen-shim', source: /^usr\/lib\/xen-4\.17\/boot\/xen-shim$/, path: 'xen-shim' }],
  },
  {
    package: 'grub-xen-host',
    files: [
      { name: 'grub-i386-xen_pvh', source: /^usr\/lib\/grub-xen\/grub-i386-xen_pvh\.bin$/, path: 'grub-i386-xen_pvh.bin' },
      { name: 'grub-x86_64-xen', source: /^usr\/lib\/grub-xen\/grub-x86_64-xen\.bin$/, path: 'grub-x86_64-xen.bin' },
    ],
  },
  {
    package: 'busybox-static',
    files: [{ name: 'busybox', source: /^bin\/busybox$/, path: 'busybox' }],
  },
  {
    package: { dependencyOf: KERNEL_METAPACKAGE, matching: /^linux-image-\d.*-cloud-amd64(-unsigned)?$/ },
    files: [{ name: 'vmlinuz', source: /^boot\/vmlinuz-/, path: 'vmlinuz' }],
    modules: INITRAMFS_MODULES,
  },
];

/** Module files live under lib/modules/VERSION/kernel/… in the kernel package. */
export const MODULE_FILE = /^lib\/modules\/[^/]+\/kernel\/.*\.ko(\.(xz|gz|zst))?$/;
