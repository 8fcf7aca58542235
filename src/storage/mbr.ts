// The classic PC (MBR, "dos") partition table in sector 0. Pure: no Node APIs, usable in the page.
//
// Layout (the de-facto IBM PC format that fdisk, GRUB and Linux's block/partitions/msdos.c read):
//   0x000..0x1B7 boot code (we leave it zero: our disks are not booted through a BIOS)
//   0x1B8..0x1BB 32-bit disk signature (little-endian), 0x1BC..0x1BD zero
//   0x1BE + 16*i four primary entries: status (0x80 = active), CHS of first sector (3 bytes), type,
//                CHS of last sector (3 bytes), first LBA (u32 LE), sector count (u32 LE)
//   0x1FE..0x1FF boot signature 0x55 0xAA

export const SECTOR_SIZE = 512;
export const MBR_PARTITION_LINUX = 0x83;
const ENTRY_OFFSET = 0x1be;
const SIGNATURE_OFFSET = 0x1b8;
// The translated geometry every LBA-era tool assumes for CHS fields (255 heads, 63 sectors per track).
const HEADS = 255;
const SECTORS_PER_TRACK = 63;

export interface MbrPartition {
  /** Partition type byte, e.g. 0x83 for Linux. */
  type: number;
  bootable: boolean;
  startLba: number;
  sectorCount: number;
}

export interface MbrTable {
  diskSignature: number;
  /** At most four primary partitions, in slot order (slot i is partition number i+1). */
  partitions: MbrPartition[];
}

/** CHS triple for an LBA; addresses past cylinder 1023 saturate to 1023/254/63, as the format requires. */
function chsBytes(lba: number): [number, number, number] {
  const cylinder = Math.floor(lba / (HEADS * SECTORS_PER_TRACK));
  if (cylinder > 1023) return [0xfe, 0xff, 0xff];
  const head = Math.floor(lba / SECTORS_PER_TRACK) % HEADS;
  const sector = (lba % SECTORS_PER_TRACK) + 1;
  return [head, sector | ((cylinder >> 2) & 0xc0), cylinder & 0xff];
}

function checkU32(what: string, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`mbr: ${what} ${v} is not a 32-bit sector number`);
}

/**
 * Encodes sector 0 for `table`. `diskSectors`, when given, is the disk's size: every partition must fit in it.
 * Partitions must not overlap or touch sector 0.
 */
export function encodeMbr(table: MbrTable, diskSectors?: number): Uint8Array {
  if (table.partitions.length > 4) throw new Error(`mbr: ${table.partitions.length} partitions, at most 4 primary`);
  checkU32('disk signature', table.diskSignature);
  const sorted = table.partitions.map((p, i) => ({ ...p, slot: i })).sort((a, b) => a.startLba - b.startLba);
  let previousEnd = 1;
  for (const p of sorted) {
    if (!Number.isInteger(p.type) || p.type <= 0 || p.type > 0xff) throw new RangeError(`mbr: partition type ${p.type}`);
    checkU32('start', p.startLba);
    checkU32('sector count', p.sectorCount);
    if (p.sectorCount === 0) throw new Error(`mbr: partition ${p.slot + 1} is empty`);
    const end = p.startLba + p.sectorCount;
    if (end > 0x100000000) throw new RangeError(`mbr: partition ${p.slot + 1} ends past 2^32 sectors`);
    if (p.startLba < previousEnd) throw new Error(`mbr: partition ${p.slot + 1} overlaps sector 0 or another partition`);
    if (diskSectors !== undefined && end > diskSectors) {
      throw new Error(`mbr: partition ${p.slot + 1} ends at sector ${end}, past the disk's ${diskSectors}`);
    }
    previousEnd = end;
  }

  const out = new Uint8Array(SECTOR_SIZE);
  const view = new DataView(out.buffer);
  view.setUint32(SIGNATURE_OFFSET, table.diskSignature, true);
  table.partitions.forEach((p, i) => {
    const at = ENTRY_OFFSET + 16 * i;
    out[at] = p.bootable ? 0x80 : 0x00;
    out.set(chsBytes(p.startLba), at + 1);
    out[at + 4] = p.type;
    out.set(chsBytes(p.startLba + p.sectorCount - 1), at + 5);
    view.setUint32(at + 8, p.startLba, true);
    view.setUint32(at + 12, p.sectorCount, true);
  });
  out[0x1fe] = 0x55;
  out[0x1ff] = 0xaa;
  return out;
}

/** Decodes sector 0; empty slots (type 0) are skipped. Throws when the 0x55AA signature is missing. */
export function decodeMbr(sector0: Uint8Array): MbrTable {
  if (sector0.length < SECTOR_SIZE) throw new Error(`mbr: need ${SECTOR_SIZE} bytes, got ${sector0.length}`);
  if (sector0[0x1fe] !== 0x55 || sector0[0x1ff] !== 0xaa) throw new Error('mbr: no 0x55AA boot signature');
  const view = new DataView(sector0.buffer, sector0.byteOffset, SECTOR_SIZE);
  const partitions: MbrPartition[] = [];
  for (let i = 0; i < 4; i++) {
    const at = ENTRY_OFFSET + 16 * i;
    const type = sector0[at + 4]!;
    if (type === 0) continue;
    partitions.push({
      type,
      bootable: (sector0[at]! & 0x80) !== 0,
      startLba: view.getUint32(at + 8, true),
      sectorCount: view.getUint32(at + 12, true),
    });
  }
  return { diskSignature: view.getUint32(SIGNATURE_OFFSET, true), partitions };
}
