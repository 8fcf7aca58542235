// Grant tables v1 (xen/include/public/grant_table.h): the guest writes grant_entry_v1
// {u16 flags; u16 domid; u32 frame} into frames it maps with XENMEM_add_to_physmap; backends
// (our in-emulator dom0) map, unmap and copy through the checks Xen's gnttab.c makes:
// the entry must be GTF_permit_access (no transitive or sub-page grants here) for our domain,
// a write mapping needs !GTF_readonly, and GTF_reading/GTF_writing are set while mapped.
import type { GuestMemory } from '../machine/memory.ts';
import {
  GNTST_bad_copy_arg,
  GNTST_bad_domain,
  GNTST_bad_gntref,
  GNTST_eagain,
  GNTST_general_error,
  GNTST_no_space,
  GNTST_okay,
  GNTST_permission_denied,
  GTF_permit_access,
  GTF_readonly,
  GTF_reading,
  GTF_sub_page,
  GTF_type_mask,
  GTF_writing,
  GNTTAB_RESERVED_CONSOLE,
  GNTTAB_RESERVED_XENSTORE,
} from './abi/grant_table.ts';

export const ENTRIES_PER_FRAME = 512; // 4096 / sizeof(grant_entry_v1_t)
/** gnttab.c: a ref may be mapped at most this many times at once. */
const MAX_PIN = 255;

export class GrantTable {
  /** Host offsets of the table frames allocated so far. */
  readonly frames: number[] = [];
  /** Guest frame each table frame is mapped at (-1: not mapped). */
  readonly gfns: number[] = [];
  version = 1;
  /** Active maps per ref: [readers, writers]. */
  private readonly pins = new Map<number, [number, number]>();

  constructor(
    private readonly mem: GuestMemory,
    readonly maxFrames: number,
    private readonly backendDomid = 0,
  ) {}

  get nrFrames(): number {
    return this.frames.length;
  }

  /** Grow the table to `n` frames (setup_table / add_to_physmap); false past max_frames. */
  grow(n: number): boolean {
    if (n > this.maxFrames) return false;
    while (this.frames.length < n) {
      this.frames.push(this.mem.allocateHostPage());
      this.gfns.push(-1);
    }
    return true;
  }

  /** Host offset of the entry for `ref`, or -1 past the table. */
  entry(ref: number): number {
    if (!Number.isInteger(ref) || ref < 0) return -1;
    const f = Math.floor(ref / ENTRIES_PER_FRAME);
    if (f >= this.frames.length) return -1;
    return this.frames[f]! + (ref % ENTRIES_PER_FRAME) * 8;
  }

  /** QEMU/libxl pre-fill: ref 0 = console ring, ref 1 = xenstore ring, both for dom0. */
  prefill(consoleGfn: number | null, storeGfn: number): void {
    this.grow(1);
    const dv = this.mem.view;
    if (consoleGfn !== null) {
      const e = this.entry(GNTTAB_RESERVED_CONSOLE);
      dv.setUint16(e, GTF_permit_access, true); dv.setUint16(e + 2, this.backendDomid, true); dv.setUint32(e + 4, consoleGfn, true);
    }
    const e = this.entry(GNTTAB_RESERVED_XENSTORE);
    dv.setUint16(e, GTF_permit_access, true); dv.setUint16(e + 2, this.backendDomid, true); dv.setUint32(e + 4, storeGfn, true);
  }

  /**
   * Backend map of `ref` (gnttab.c map_grant_ref for a v1 entry). Returns the granted frame's
   * guest frame number, or a negative GNTST_* status.
   */
  map(ref: number, write: boolean): number {
    const e = this.entry(ref);
    if (e < 0) return GNTST_bad_gntref;
    const dv = this.mem.view;
    const flags = dv.getUint16(e, true), domid = dv.getUint16(e + 2, true);
    if ((flags & (GTF_type_mask | GTF_sub_page)) !== GTF_permit_access) return GNTST_general_error;
    if (domid !== this.backendDomid) return GNTST_permission_denied;
    if (write && (flags & GTF_readonly) !== 0) return GNTST_permission_denied;
    const pin = this.pins.get(ref) ?? [0, 0];
    if (pin[0] + pin[1] >= MAX_PIN) return GNTST_no_space;
    if (write) pin[1]++;
    else pin[0]++;
    this.pins.set(ref, pin);
    dv.setUint16(e, flags | GTF_reading | (write ? GTF_writing : 0), true);
    return dv.getUint32(e + 4, true);
  }

  /**
   * Pin `ref` for the domain's own use (its GNTTABOP_map_grant_ref / GNTTABOP_copy), with the
   * status codes of Xen's _set_status_v1: past the table → GNTST_bad_gntref; an entry that is not
   * GTF_permit_access for `grantee` (or, when mapping, a sub-page grant), or a write pin of a
   * GTF_readonly entry → GNTST_general_error. Returns the granted frame; undo with unmap().
   */
  pin(ref: number, write: boolean, grantee: number, mapping: boolean): number {
    const e = this.entry(ref);
    if (e < 0) return GNTST_bad_gntref;
    const dv = this.mem.view;
    const flags = dv.getUint16(e, true), domid = dv.getUint16(e + 2, true);
    const mask = mapping ? GTF_type_mask | GTF_sub_page : GTF_type_mask;
    if ((flags & mask) !== GTF_permit_access || domid !== grantee) return GNTST_general_error;
    if (write && (flags & GTF_readonly) !== 0) return GNTST_general_error;
    const pin = this.pins.get(ref) ?? [0, 0];
    if (pin[0] + pin[1] >= MAX_PIN) return GNTST_general_error; // "risk of counter overflow"
    if (write) pin[1]++;
    else pin[0]++;
    this.pins.set(ref, pin);
    dv.setUint16(e, flags | GTF_reading | (write ? GTF_writing : 0), true);
    return dv.getUint32(e + 4, true);
  }

  unmap(ref: number, write: boolean): number {
    const e = this.entry(ref);
    const pin = this.pins.get(ref);
    if (e < 0 || !pin || (write ? pin[1] : pin[0]) === 0) return GNTST_bad_gntref;
    if (write) pin[1]--;
    else pin[0]--;
    const dv = this.mem.view;
    let flags = dv.getUint16(e, true);
    if (pin[1] === 0) flags &= ~GTF_writing;
    if (pin[0] + pin[1] === 0) {
      flags &= ~GTF_reading;
      this.pins.delete(ref);
    }
    dv.setUint16(e, flags, true);
    return GNTST_okay;
  }

  /** GNTTABOP_swap_grant_ref (Xen swap_grant_ref): exchange two entries unless either is pinned. */
  swap(a: number, b: number): number {
    const ea = this.entry(a), eb = this.entry(b);
    if (ea < 0 || eb < 0) return GNTST_bad_gntref;
    if (a === b) return GNTST_okay;
    if (this.pins.has(a) || this.pins.has(b)) return GNTST_eagain;
    const u8 = this.mem.u8;
    const tmp = u8.slice(ea, ea + 8);
    u8.copyWithin(ea, eb, eb + 8);
    u8.set(tmp, eb);
    return GNTST_okay;
  }

  /** Map, copy and unmap: the backend reads or writes `len` bytes at `offset` of the granted page. */
  copy(ref: number, offset: number, data: Uint8Array, toGuest: boolean): number {
    if (!Number.isInteger(offset) || offset < 0 || offset + data.length > 4096) return GNTST_bad_copy_arg;
    const gfn = this.map(ref, toGuest);
    if (gfn < 0) return gfn;
    const host = this.mem.physPage(gfn);
    let st = GNTST_okay;
    if (host < 0) st = GNTST_bad_domain;
    else if (toGuest) this.mem.u8.set(data, host + offset);
    else data.set(this.mem.u8.subarray(host + offset, host + offset + data.length));
    this.unmap(ref, toGuest);
    return st;
  }

  saveState(): { frames: number[]; gfns: number[]; version: number; pins: number[][] } {
    return { frames: [...this.frames], gfns: [...this.gfns], version: this.version, pins: [...this.pins].map(([r, [a, b]]) => [r, a, b]) };
  }

  loadState(s: { frames: number[]; gfns: number[]; version: number; pins: number[][] }): void {
    this.frames.length = 0;
    this.frames.push(...s.frames);
    this.gfns.length = 0;
    this.gfns.push(...s.gfns);
    this.version = s.version;
    this.pins.clear();
    for (const [r, a, b] of s.pins) this.pins.set(r!, [a!, b!]);
  }

  reset(): void {
    for (const f of this.frames) this.mem.u8.fill(0, f, f + 4096);
    this.pins.clear();
    this.version = 1;
  }
}
