// ACPI tables for a direct-boot PC (ACPI 6.5 §5.2): RSDP (revision 2) in the BIOS area where
// the legacy scan finds it, RSDT and XSDT, FADT (revision 3 layout, 244 bytes) pointing at the
// FACS, a DSDT holding only \_S5, and the PM timer; MADT with one Processor Local APIC per vCPU,
// the I/O APIC, the ISA overrides QEMU's pc declares (IRQ0 -> GSI2, SCI IRQ9 level/high) and the
// LINT1 NMI; the HPET table when the board has an HPET. Every table carries a valid checksum.
import { writeU64 } from './e820.ts';

export interface AcpiConfig {
  /** APIC IDs of the vCPUs, in order (ACPI processor UID = index). */
  apicIds: number[];
  ioapicId: number;
  ioapicAddress: number;
  localApicAddress: number;
  sciIrq: number;
  pm1aEvtPort: number;
  pm1aCntPort: number;
  pmTimerPort: number;
  /** TMR_VAL_EXT: the PM timer counts 32 bits instead of 24. */
  pmTimer32: boolean;
  /** CMOS index of the century byte (0 = none). */
  centuryIndex: number;
  /** The HPET timer block, if the board has one (GCAP_ID low half and MMIO base). */
  hpet?: { blockId: number; address: number };
}

export const ACPI_DEFAULTS: Omit<AcpiConfig, 'apicIds'> = {
  ioapicId: 0,
  ioapicAddress: 0xfec00000,
  localApicAddress: 0xfee00000,
  sciIrq: 9,
  pm1aEvtPort: 0x600,
  pm1aCntPort: 0x604,
  pmTimerPort: 0x608,
  pmTimer32: false,
  centuryIndex: 0x32,
};

const OEM_ID = 'XENTAB';
const OEM_TABLE_ID = 'XENTABPC';

/** The tables laid out for one physical address: copy `bytes` to `base`. */
export interface AcpiBlob {
  base: number;
  bytes: Uint8Array;
  rsdpAddr: number;
  /** Address of each table by signature, for tests and the loader. */
  tables: Record<string, number>;
}

class Builder {
  readonly buf = new Uint8Array(0x4000);
  readonly v = new DataView(this.buf.buffer);
  len = 0;
  constructor(readonly base: number) {}

  alloc(size: number, align: number): number {
    this.len = Math.ceil(this.len / align) * align;
    const off = this.len;
    this.len += size;
    if (this.len > this.buf.length) throw new Error('ACPI tables exceed their area');
    return off;
  }

  ascii(off: number, s: string, width: number): void {
    for (let i = 0; i < width; i++) this.buf[off + i] = i < s.length ? s.charCodeAt(i) : 0x20;
  }

  /** Standard description header (ACPI §5.2.6). */
  header(off: number, sig: string, length: number, revision: number): void {
    this.ascii(off, sig, 4);
    this.v.setUint32(off + 4, length, true);
    this.buf[off + 8] = revision;
    this.ascii(off + 10, OEM_ID, 6);
    this.ascii(off + 16, OEM_TABLE_ID, 8);
    this.v.setUint32(off + 24, 1, true);
    this.ascii(off + 28, 'XTAB', 4);
    this.v.setUint32(off + 32, 1, true);
  }

  checksum(off: number, len: number, at: number): void {
    this.buf[at] = 0;
    let sum = 0;
    for (let i = 0; i < len; i++) sum += this.buf[off + i]!;
    this.buf[at] = (256 - (sum & 0xff)) & 0xff;
  }

  /** Generic Address Structure (§5.2.3.2) for a system-I/O register. */
  gasIo(off: number, port: number, bits: number): void {
    this.buf[off] = 1; // system I/O space
    this.buf[off + 1] = bits;
    this.buf[off + 2] = 0;
    this.buf[off + 3] = bits === 32 ? 3 : bits === 16 ? 2 : 1; // access size
    writeU64(this.v, off + 4, port);
  }

  addr(off: number): number {
    return this.base + off;
  }
}

/** Lay out the tables at `base` (16-byte aligned; the RSDP comes first, so put it in 0xE0000-0xFFFFF for the legacy scan; we use 0xF0000, reserved in the e820 map). */
export function buildAcpiTables(cfg: AcpiConfig, base: number): AcpiBlob {
  if (base % 16) throw new Error('ACPI area must be 16-byte aligned');
  const b = new Builder(base);
  const tables: Record<string, number> = {};
  const r = b.alloc(36, 16);

  // FACS (§5.2.10): 64 bytes, 64-byte aligned, no checksum.
  const facs = b.alloc(64, 64);
  b.ascii(facs, 'FACS', 4);
  b.v.setUint32(facs + 4, 64, true);
  b.buf[facs + 32] = 1; // version
  tables.FACS = b.addr(facs);

  // DSDT: Name(_S5, Package(4){0,0,0,0}) so the guest knows the soft-off sleep type.
  const aml = [0x08, 0x5f, 0x53, 0x35, 0x5f, 0x12, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00];
  const dsdt = b.alloc(36 + aml.length, 16);
  b.header(dsdt, 'DSDT', 36 + aml.length, 2);
  b.buf.set(aml, dsdt + 36);
  b.checksum(dsdt, 36 + aml.length, dsdt + 9);
  tables.DSDT = b.addr(dsdt);

  // FADT (§5.2.9, Table 5.9), revision 3 layout.
  const FADT_LEN = 244;
  const fadt = b.alloc(FADT_LEN, 16);
  b.header(fadt, 'FACP', FADT_LEN, 3);
  const f = (o: number) => fadt + o;
  b.v.setUint32(f(36), b.addr(facs), true); // FIRMWARE_CTRL
  b.v.setUint32(f(40), b.addr(dsdt), true); // DSDT
  b.buf[f(45)] = 0; // preferred PM profile: unspecified
  b.v.setUint16(f(46), cfg.sciIrq, true);
  b.v.setUint32(f(48), 0xb2, true); // SMI_CMD: PIIX4 APM control port, as QEMU
  b.buf[f(52)] = 0xf1; // ACPI_ENABLE
  b.buf[f(53)] = 0xf0; // ACPI_DISABLE
  b.v.setUint32(f(56), cfg.pm1aEvtPort, true);
  b.v.setUint32(f(64), cfg.pm1aCntPort, true);
  b.v.setUint32(f(76), cfg.pmTimerPort, true);
  b.buf[f(88)] = 4; // PM1_EVT_LEN
  b.buf[f(89)] = 2; // PM1_CNT_LEN
  b.buf[f(91)] = 4; // PM_TMR_LEN
  b.v.setUint16(f(96), 0x0fff, true); // P_LVL2_LAT > 100: C2 unsupported
  b.v.setUint16(f(98), 0x0fff, true); // P_LVL3_LAT > 1000: C3 unsupported
  b.buf[f(108)] = cfg.centuryIndex;
  // Flags: WBINVD | PROC_C1 | SLP_BUTTON | RTC_S4 | (TMR_VAL_EXT) | RESET_REG_SUP
  const flags = 0x1 | 0x4 | 0x20 | 0x80 | (cfg.pmTimer32 ? 0x100 : 0) | 0x400;
  b.v.setUint32(f(112), flags, true);
  b.gasIo(f(116), 0xcf9, 8); // RESET_REG: PIIX reset control
  b.buf[f(128)] = 0x06; // RESET_VALUE: hard reset
  writeU64(b.v, f(132), b.addr(facs)); // X_FIRMWARE_CTRL
  writeU64(b.v, f(140), b.addr(dsdt)); // X_DSDT
  b.gasIo(f(148), cfg.pm1aEvtPort, 32);
  b.gasIo(f(172), cfg.pm1aCntPort, 16);
  b.gasIo(f(208), cfg.pmTimerPort, 32);
  b.checksum(fadt, FADT_LEN, fadt + 9);
  tables.FACP = b.addr(fadt);

  // MADT (§5.2.12).
  const entries: number[][] = [];
  cfg.apicIds.forEach((id, uid) => entries.push([0, 8, uid, id, 1, 0, 0, 0])); // Processor Local APIC, enabled
  const io = cfg.ioapicAddress;
  entries.push([1, 12, cfg.ioapicId, 0, io & 0xff, (io >>> 8) & 0xff, (io >>> 16) & 0xff, io >>> 24, 0, 0, 0, 0]);
  entries.push([2, 10, 0, 0, 2, 0, 0, 0, 0, 0]); // ISA IRQ0 -> GSI 2, conforming
  entries.push([2, 10, 0, cfg.sciIrq, cfg.sciIrq, 0, 0, 0, 0x0d, 0]); // SCI: level, active high
  entries.push([4, 6, 0xff, 0x05, 0x00, 1]); // Local APIC NMI on LINT1 for all processors, edge/high
  const madtLen = 44 + entries.reduce((n, e) => n + e.length, 0);
  const madt = b.alloc(madtLen, 16);
  b.header(madt, 'APIC', madtLen, 3);
  b.v.setUint32(madt + 36, cfg.localApicAddress, true);
  b.v.setUint32(madt + 40, 1, true); // PCAT_COMPAT: dual 8259s present
  let o = madt + 44;
  for (const e of entries) {
    b.buf.set(e, o);
    o += e.length;
  }
  b.checksum(madt, madtLen, madt + 9);
  tables.APIC = b.addr(madt);

  // HPET (IA-PC HPET spec 1.0a §3.2.4), 56 bytes, as QEMU's build_hpet: revision 1, the event
  // timer block ID read from GCAP_ID, the base as a system-memory GAS, HPET number 0, minimum
  // periodic tick 0, no page protection.
  if (cfg.hpet) {
    const HPET_LEN = 56;
    const h = b.alloc(HPET_LEN, 16);
    b.header(h, 'HPET', HPET_LEN, 1);
    b.v.setUint32(h + 36, cfg.hpet.blockId >>> 0, true);
    b.buf[h + 40] = 0; // address space: system memory (bit width, offset, access size 0)
    writeU64(b.v, h + 44, cfg.hpet.address);
    b.buf[h + 52] = 0; // HPET number
    b.v.setUint16(h + 53, 0, true); // main counter minimum clock tick in periodic mode
    b.buf[h + 55] = 0; // page protection and OEM attribute
    b.checksum(h, HPET_LEN, h + 9);
    tables.HPET = b.addr(h);
  }

  const list = [tables.FACP, tables.APIC];
  if (tables.HPET !== undefined) list.push(tables.HPET);
  const rsdt = b.alloc(36 + 4 * list.length, 16);
  b.header(rsdt, 'RSDT', 36 + 4 * list.length, 1);
  list.forEach((a, i) => b.v.setUint32(rsdt + 36 + 4 * i, a, true));
  b.checksum(rsdt, 36 + 4 * list.length, rsdt + 9);
  tables.RSDT = b.addr(rsdt);

  const xsdt = b.alloc(36 + 8 * list.length, 16);
  b.header(xsdt, 'XSDT', 36 + 8 * list.length, 1);
  list.forEach((a, i) => writeU64(b.v, xsdt + 36 + 8 * i, a));
  b.checksum(xsdt, 36 + 8 * list.length, xsdt + 9);
  tables.XSDT = b.addr(xsdt);

  // RSDP (§5.2.5.3).
  b.ascii(r, 'RSD PTR ', 8);
  b.ascii(r + 9, OEM_ID, 6);
  b.buf[r + 15] = 2;
  b.v.setUint32(r + 16, b.addr(rsdt), true);
  b.v.setUint32(r + 20, 36, true);
  writeU64(b.v, r + 24, b.addr(xsdt));
  b.checksum(r, 20, r + 8);
  b.checksum(r, 36, r + 32);
  tables.RSDP = b.addr(r);

  return { base, bytes: b.buf.slice(0, b.len), rsdpAddr: b.addr(r), tables };
}
