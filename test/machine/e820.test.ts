import { describe, it, expect } from 'vitest';
import { E820Map, E820_RAM, E820_RESERVED, pcE820 } from '../../src/machine/e820.ts';

describe('E820Map', () => {
  it('cuts later ranges out of earlier ones and merges equal neighbours', () => {
    const m = new E820Map();
    m.add(0, 0x10000, E820_RAM);
    m.add(0x4000, 0x1000, E820_RESERVED);
    m.add(0x10000, 0x1000, E820_RAM);
    expect(m.entries()).toEqual([
      { addr: 0, size: 0x4000, type: E820_RAM },
      { addr: 0x4000, size: 0x1000, type: E820_RESERVED },
      { addr: 0x5000, size: 0xc000, type: E820_RAM },
    ]);
  });

  it('encodes packed 20-byte records', () => {
    const m = new E820Map();
    m.add(0x1_0000_0000, 0x2000_0000, E820_RAM);
    const b = m.toBytes();
    expect(b.length).toBe(20);
    const v = new DataView(b.buffer);
    expect(v.getBigUint64(0, true)).toBe(0x1_0000_0000n);
    expect(v.getBigUint64(8, true)).toBe(0x2000_0000n);
    expect(v.getUint32(16, true)).toBe(1);
  });

  it('describes a PC like QEMU + SeaBIOS: EBDA, BIOS area and top 128 KiB reserved, high RAM above 4 GiB', () => {
    const m = pcE820(0xc000_0000, 0x4000_0000);
    expect(m.entries()).toEqual([
      { addr: 0, size: 0x9fc00, type: E820_RAM },
      { addr: 0x9fc00, size: 0x400, type: E820_RESERVED },
      { addr: 0xf0000, size: 0x10000, type: E820_RESERVED },
      { addr: 0x100000, size: 0xc000_0000 - 0x120000, type: E820_RAM },
      { addr: 0xc000_0000 - 0x20000, size: 0x20000, type: E820_RESERVED },
      { addr: 0xfffc0000, size: 0x40000, type: E820_RESERVED },
      { addr: 0x1_0000_0000, size: 0x4000_0000, type: E820_RAM },
    ]);
  });
});
