// Guest RAM inside one WebAssembly.Memory, and the guest-physical page map.
//
// Layout of the WebAssembly.Memory (initial = maximum, so views never detach):
//   [0, stateBytes)                  CPU state blocks, one per vCPU (src/x86/state_layout.ts)
//   [ramBase, ramBase + ramBytes)    guest RAM, in guest-physical order (low RAM, then high RAM)
//   [poolBase, end)                  spare host pages for overlays (shared_info, grant frames)
//
// Guest-physical map, as QEMU's i440fx "pc" machine lays it out (hw/i386/pc_piix.c):
// with less than 3.5 GiB all RAM sits below 4 GiB; with 3.5 GiB or more, 3 GiB stays low
// (gigabyte-aligned) and the rest is relocated to 4 GiB upwards, leaving the PCI hole.
// The legacy VGA window 0xA0000-0xBFFFF is a hole (no VGA: -nodefaults). Overlays replace
// whatever backs a frame (RAM, hole or nothing) with a host page, anywhere in the 52-bit
// physical space, and can be removed again to reveal what was underneath.

import { createWasmMemory, type WasmMemory } from './wasm_memory.ts';

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 4096;
const WASM_PAGE = 65536;
const FOUR_GIB = 0x1_0000_0000;
/** QEMU pc: RAM at or above this size is split around the PCI hole. */
export const PC_MAX_RAM_BELOW_4G = 0xe000_0000;
/** QEMU pc with gigabyte alignment keeps this much RAM below 4 GiB when splitting. */
export const PC_SPLIT_RAM_BELOW_4G = 0xc000_0000;
export const VGA_HOLE_START = 0xa0000;
export const VGA_HOLE_END = 0xc0000;
/** Physical addresses are 52 bits at most (SDM Vol 3 4.1.4); frame numbers stay below 2^40. */
export const MAX_PFN = 2 ** 40;

export interface MemoryConfig {
  /** Guest RAM in bytes, a multiple of 4 KiB. */
  ramBytes: number;
  /** Bytes reserved at the start of the Memory for CPU state blocks. */
  stateBytes: number;
  /** Spare 4 KiB host pages for overlays (Xen shared_info, grant frames, special pages). */
  overlayPoolPages?: number;
}

export type MapChangeListener = (pfn: number, count: number) => void;

function alignUp(x: number, a: number): number {
  return Math.ceil(x / a) * a;
}

export class GuestMemory {
  readonly memory: WasmMemory;
  readonly u8: Uint8Array;
  readonly view: DataView;
  readonly ramBytes: number;
  /** Host byte offset of guest-physical frame 0 of RAM. */
  readonly ramBase: number;
  /** RAM below 4 GiB, in bytes (starts at guest-physical 0). */
  readonly lowRamBytes: number;
  /** RAM relocated to 4 GiB and above, in bytes. */
  readonly highRamBytes: number;
  private readonly poolBase: number;
  private readonly poolPages: number;
  private poolUsed = 0;
  /** Dense map for frames below `denseLimit`: host page index, or -1 (not RAM: MMIO or nothing). */
  private readonly dense: Int32Array;
  private readonly denseLimit: number;
  /** Overlays: pfn -> host byte offset; shadows both the dense map and empty space. */
  private readonly overlays = new Map<number, number>();
  /**
   * The frame map below denseLimit with overlays applied (host page numbers, -1 = none): one typed
   * array load per lookup. physPage runs on every page-walk level and TLB fill, and once Xen has
   * mapped shared_info or grant frames a Map lookup there cost ≈ 3 % of a PV-shim boot.
   */
  private readonly frames: Int32Array;
  private readonly listeners: MapChangeListener[] = [];

  constructor(cfg: MemoryConfig) {
    const { ramBytes, stateBytes } = cfg;
    if (!Number.isSafeInteger(ramBytes) || ramBytes <= 0 || ramBytes % PAGE_SIZE !== 0) {
      throw new RangeError(`RAM size ${ramBytes} is not a positive multiple of 4 KiB`);
    }
    this.poolPages = cfg.overlayPoolPages ?? 64;
    this.ramBytes = ramBytes;
    this.ramBase = alignUp(stateBytes, PAGE_SIZE);
    this.poolBase = this.ramBase + ramBytes;
    const total = alignUp(this.poolBase + this.poolPages * PAGE_SIZE, WASM_PAGE);
    const pages = total / WASM_PAGE;
    if (pages > 65536) throw new RangeError(`RAM ${ramBytes} bytes does not fit one 4 GiB WebAssembly.Memory`);
    this.memory = createWasmMemory(pages);
    this.u8 = new Uint8Array(this.memory.buffer);
    this.view = new DataView(this.memory.buffer);

    if (ramBytes >= PC_MAX_RAM_BELOW_4G) {
      this.lowRamBytes = PC_SPLIT_RAM_BELOW_4G;
      this.highRamBytes = ramBytes - PC_SPLIT_RAM_BELOW_4G;
    } else {
      this.lowRamBytes = ramBytes;
      this.highRamBytes = 0;
    }
    const top = this.highRamBytes > 0 ? FOUR_GIB + this.highRamBytes : FOUR_GIB;
    this.denseLimit = top / PAGE_SIZE;
    this.dense = new Int32Array(this.denseLimit).fill(-1);
    const hostPage0 = this.ramBase / PAGE_SIZE;
    const lowPages = this.lowRamBytes / PAGE_SIZE;
    for (let p = 0; p < lowPages; p++) this.dense[p] = hostPage0 + p;
    for (let p = VGA_HOLE_START / PAGE_SIZE; p < VGA_HOLE_END / PAGE_SIZE && p < lowPages; p++) this.dense[p] = -1;
    const highPages = this.highRamBytes / PAGE_SIZE;
    for (let p = 0; p < highPages; p++) this.dense[FOUR_GIB / PAGE_SIZE + p] = hostPage0 + lowPages + p;
    this.frames = this.dense.slice();
  }

  /** Byte offset in the Memory of guest-physical frame `pfn`, or -1 if it is not backed by a page. */
  physPage(pfn: number): number {
    if (pfn >= 0 && pfn < this.denseLimit) {
      const h = this.frames[pfn]!;
      return h < 0 ? -1 : h * PAGE_SIZE;
    }
    if (this.overlays.size !== 0) {
      const o = this.overlays.get(pfn);
      if (o !== undefined) return o;
    }
    return -1;
  }

  /** Keep `frames` in step with `overlays` for frame `pfn`. */
  private refreshFrame(pfn: number): void {
    if (pfn >= this.denseLimit) return;
    const o = this.overlays.get(pfn);
    this.frames[pfn] = o !== undefined ? o / PAGE_SIZE : this.dense[pfn]!;
  }

  /** True if the frame is ordinary guest RAM (ignoring overlays). */
  isRam(pfn: number): boolean {
    return pfn >= 0 && pfn < this.denseLimit && this.dense[pfn]! >= 0;
  }

  /** Take one zeroed 4 KiB host page from the overlay pool; returns its byte offset in the Memory. */
  allocateHostPage(): number {
    if (this.poolUsed >= this.poolPages) throw new RangeError('overlay page pool exhausted');
    const off = this.poolBase + this.poolUsed++ * PAGE_SIZE;
    this.u8.fill(0, off, off + PAGE_SIZE);
    return off;
  }

  /** Map the host page at `hostOffset` at guest frame `pfn`, shadowing whatever is there. */
  setOverlay(pfn: number, hostOffset: number): void {
    if (!Number.isSafeInteger(pfn) || pfn < 0 || pfn >= MAX_PFN) throw new RangeError(`bad overlay frame ${pfn}`);
    if (hostOffset < 0 || hostOffset % PAGE_SIZE !== 0 || hostOffset + PAGE_SIZE > this.u8.length) {
      throw new RangeError(`bad overlay host offset ${hostOffset}`);
    }
    this.overlays.set(pfn, hostOffset);
    this.refreshFrame(pfn);
    this.notify(pfn, 1);
  }

  /** Remove an overlay: the frame shows what was underneath (RAM, a hole or nothing) again. */
  clearOverlay(pfn: number): void {
    if (this.overlays.delete(pfn)) { this.refreshFrame(pfn); this.notify(pfn, 1); }
  }

  /** The frame map's own state (overlays, pool use); RAM bytes are saved with the whole Memory. */
  saveState(): { overlays: [number, number][]; poolUsed: number } {
    return { overlays: [...this.overlays.entries()], poolUsed: this.poolUsed };
  }

  loadState(s: { overlays: [number, number][]; poolUsed: number }): void {
    this.overlays.clear();
    this.frames.set(this.dense);
    for (const [pfn, off] of s.overlays) { this.overlays.set(pfn, off); this.refreshFrame(pfn); }
    this.poolUsed = s.poolUsed;
    this.notify(0, MAX_PFN);
  }

  overlayAt(pfn: number): number | undefined {
    return this.overlays.get(pfn);
  }

  /** Called with (pfn, count) whenever the frame map changes, so TLBs and code caches can drop stale entries. */
  onMapChange(listener: MapChangeListener): void {
    this.listeners.push(listener);
  }

  private notify(pfn: number, count: number): void {
    for (const l of this.listeners) l(pfn, count);
  }

  // --- Helpers for device emulation and loaders (not the CPU's hot path). Accesses to frames
  // that are not backed read as all-ones and drop writes, like an unclaimed bus. ---

  /** True if every byte of [paddr, paddr+len) is backed by a page (RAM or overlay). */
  isBacked(paddr: number, len: number): boolean {
    if (len <= 0) return true;
    const first = Math.floor(paddr / PAGE_SIZE);
    const last = Math.floor((paddr + len - 1) / PAGE_SIZE);
    for (let p = first; p <= last; p++) if (this.physPage(p) < 0) return false;
    return true;
  }

  private hostAddr(paddr: number): number {
    const h = this.physPage(Math.floor(paddr / PAGE_SIZE));
    return h < 0 ? -1 : h + (paddr % PAGE_SIZE);
  }

  read8(paddr: number): number {
    const h = this.hostAddr(paddr);
    return h < 0 ? 0xff : this.u8[h]!;
  }

  write8(paddr: number, v: number): void {
    const h = this.hostAddr(paddr);
    if (h >= 0) this.u8[h] = v;
  }

  read16(paddr: number): number {
    return this.read8(paddr) | (this.read8(paddr + 1) << 8);
  }

  read32(paddr: number): number {
    if (paddr % PAGE_SIZE <= PAGE_SIZE - 4) {
      const h = this.hostAddr(paddr);
      return h < 0 ? 0xffffffff : this.view.getUint32(h, true);
    }
    return (this.read16(paddr) | (this.read16(paddr + 2) << 16)) >>> 0;
  }

  /** 64-bit read as a double; exact below 2^53 (addresses, sizes). */
  read64(paddr: number): number {
    return this.read32(paddr) + this.read32(paddr + 4) * FOUR_GIB;
  }

  write16(paddr: number, v: number): void {
    this.write8(paddr, v & 0xff);
    this.write8(paddr + 1, (v >>> 8) & 0xff);
  }

  write32(paddr: number, v: number): void {
    if (paddr % PAGE_SIZE <= PAGE_SIZE - 4) {
      const h = this.hostAddr(paddr);
      if (h >= 0) this.view.setUint32(h, v >>> 0, true);
      return;
    }
    this.write16(paddr, v & 0xffff);
    this.write16(paddr + 2, v >>> 16);
  }

  /** Writes a non-negative integer below 2^53 as a little-endian u64. */
  write64(paddr: number, v: number): void {
    this.write32(paddr, v % FOUR_GIB);
    this.write32(paddr + 4, Math.floor(v / FOUR_GIB));
  }

  /** Copy bytes into guest-physical memory page by page (unbacked parts are dropped). */
  writeBytes(paddr: number, src: Uint8Array): void {
    let done = 0;
    while (done < src.length) {
      const pa = paddr + done;
      const inPage = Math.min(PAGE_SIZE - (pa % PAGE_SIZE), src.length - done);
      const h = this.hostAddr(pa);
      if (h >= 0) this.u8.set(src.subarray(done, done + inPage), h);
      done += inPage;
    }
  }

  readBytes(paddr: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    let done = 0;
    while (done < len) {
      const pa = paddr + done;
      const inPage = Math.min(PAGE_SIZE - (pa % PAGE_SIZE), len - done);
      const h = this.hostAddr(pa);
      if (h >= 0) out.set(this.u8.subarray(h, h + inPage), done);
      else out.fill(0xff, done, done + inPage);
      done += inPage;
    }
    return out;
  }

  fill(paddr: number, len: number, value: number): void {
    let done = 0;
    while (done < len) {
      const pa = paddr + done;
      const inPage = Math.min(PAGE_SIZE - (pa % PAGE_SIZE), len - done);
      const h = this.hostAddr(pa);
      if (h >= 0) this.u8.fill(value, h, h + inPage);
      done += inPage;
    }
  }

  /** NUL-terminated string written as bytes (Latin-1 / ASCII). */
  writeCString(paddr: number, s: string): number {
    const bytes = new Uint8Array(s.length + 1);
    for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i) & 0xff;
    this.writeBytes(paddr, bytes);
    return bytes.length;
  }
}
