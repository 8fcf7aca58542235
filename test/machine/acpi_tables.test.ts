import { describe, it, expect } from 'vitest';
import { ACPI_DEFAULTS, buildAcpiTables } from '../../src/machine/acpi_tables.ts';

const sum = (b: Uint8Array, off: number, len: number) => b.subarray(off, off + len).reduce((a, x) => (a + x) & 0xff, 0);
const sig = (b: Uint8Array, off: number, n = 4) => String.fromCharCode(...b.subarray(off, off + n));

describe('ACPI tables', () => {
  const base = 0xf0000;
  const blob = buildAcpiTables({ ...ACPI_DEFAULTS, apicIds: [0, 1, 2] }, base);
  const b = blob.bytes;
  const v = new DataView(b.buffer);
  const at = (addr: number) => addr - base;

  it('has an RSDP revision 2 with valid checksums pointing to the RSDT and XSDT', () => {
    const r = at(blob.rsdpAddr);
    expect(blob.rsdpAddr % 16).toBe(0);
    expect(sig(b, r, 8)).toBe('RSD PTR ');
    expect(sum(b, r, 20)).toBe(0);
    expect(sum(b, r, 36)).toBe(0);
    expect(b[r + 15]).toBe(2);
    expect(v.getUint32(r + 16, true)).toBe(blob.tables.RSDT);
    expect(Number(v.getBigUint64(r + 24, true))).toBe(blob.tables.XSDT);
  });

  it('gives every table a correct length and checksum, and the XSDT lists FADT and MADT', () => {
    for (const name of ['RSDT', 'XSDT', 'FACP', 'APIC', 'DSDT']) {
      const o = at(blob.tables[name]!);
      expect(sig(b, o)).toBe(name);
      expect(sum(b, o, v.getUint32(o + 4, true))).toBe(0);
    }
    const x = at(blob.tables.XSDT!);
    const n = (v.getUint32(x + 4, true) - 36) / 8;
    const listed = Array.from({ length: n }, (_, i) => sig(b, at(Number(v.getBigUint64(x + 36 + 8 * i, true)))));
    expect(listed).toEqual(['FACP', 'APIC']);
  });

  it('describes the PM timer, PM1 blocks, SCI, FACS and DSDT in the FADT', () => {
    const f = at(blob.tables.FACP!);
    expect(v.getUint32(f + 4, true)).toBe(244);
    expect(v.getUint32(f + 76, true)).toBe(0x608);
    expect(b[f + 91]).toBe(4);
    expect(v.getUint16(f + 46, true)).toBe(9);
    expect(v.getUint32(f + 36, true)).toBe(blob.tables.FACS);
    expect(sig(b, at(blob.tables.FACS!))).toBe('FACS');
    expect(v.getUint32(f + 40, true)).toBe(blob.tables.DSDT);
    expect(Number(v.getBigUint64(f + 140, true))).toBe(blob.tables.DSDT);
    expect(b[f + 208]).toBe(1); // X_PM_TMR_BLK in system I/O space
    expect(Number(v.getBigUint64(f + 212, true))).toBe(0x608);
    expect(v.getUint32(f + 112, true) & 0x100).toBe(0); // 24-bit timer
  });

  it('lists one enabled local APIC per vCPU, the I/O APIC, the IRQ0 and SCI overrides and LINT1 NMI in the MADT', () => {
    const m = at(blob.tables.APIC!);
    const len = v.getUint32(m + 4, true);
    expect(v.getUint32(m + 36, true)).toBe(0xfee00000);
    const seen: string[] = [];
    for (let o = m + 44; o < m + len; o += b[o + 1]!) {
      const t = b[o]!;
      if (t === 0) seen.push(`lapic uid=${b[o + 2]} id=${b[o + 3]} flags=${v.getUint32(o + 4, true)}`);
      if (t === 1) seen.push(`ioapic id=${b[o + 2]} addr=${v.getUint32(o + 4, true).toString(16)} gsi=${v.getUint32(o + 8, true)}`);
      if (t === 2) seen.push(`iso irq=${b[o + 3]} gsi=${v.getUint32(o + 4, true)} flags=${v.getUint16(o + 8, true)}`);
      if (t === 4) seen.push(`nmi uid=${b[o + 2]} lint=${b[o + 5]}`);
    }
    expect(seen).toEqual([
      'lapic uid=0 id=0 flags=1', 'lapic uid=1 id=1 flags=1', 'lapic uid=2 id=2 flags=1',
      'ioapic id=0 addr=fec00000 gsi=0', 'iso irq=0 gsi=2 flags=0', 'iso irq=9 gsi=9 flags=13', 'nmi uid=255 lint=1',
    ]);
  });
});
