// The CPU state a loader asks for at the kernel entry, as plain data: the machine applies it
// to the CPU, so loaders depend on no CPU internals.

/**
 * 'protected32-flat': CR0 = PE only (paging off), CR4 = 0, EFER = 0; CS a 32-bit execute/read
 * code segment and DS/ES/FS/GS/SS 32-bit read/write data segments, all base 0 limit 4 GiB;
 * TR a 32-bit busy TSS (base 0, limit 0x67); EFLAGS = 0x2 (IF = 0); the listed registers set
 * and all others zero. This is both the PVH entry state (Xen docs/misc/pvh.pandoc) and the
 * multiboot 1 entry state (spec §3.2 "Machine state").
 */
export interface EntryState {
  mode: 'protected32-flat';
  eip: number;
  eax: number;
  ebx: number;
  esp: number;
}

/** One boot module: the file's bytes and the string the guest sees for it. */
export interface BootModuleInput {
  bytes: Uint8Array;
  cmdline: string;
}

/** Where a module was placed. */
export interface PlacedModule {
  paddr: number;
  size: number;
  cmdlinePaddr: number;
}
