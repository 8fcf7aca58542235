import { describe, it, expect } from 'vitest';
import { IoBus } from '../../src/machine/io_bus.ts';
import { MmioBus } from '../../src/machine/mmio.ts';

describe('IoBus', () => {
  it('reads unclaimed ports as all-ones of the access width and ignores writes', () => {
    const bus = new IoBus();
    expect(bus.in(0x1234, 1)).toBe(0xff);
    expect(bus.in(0x1234, 2)).toBe(0xffff);
    expect(bus.in(0x1234, 4)).toBe(0xffffffff);
    bus.out(0x1234, 4, 0);
  });

  it('splits wide accesses to byte-only devices into byte accesses, low port first', () => {
    const bus = new IoBus();
    const log: string[] = [];
    bus.register(0x10, 2, {
      portIn: (p) => p,
      portOut: (p, s, v) => log.push(`${p}:${s}:${v}`),
    }, { byteOnly: true });
    expect(bus.in(0x10, 2)).toBe(0x1110);
    bus.out(0x10, 2, 0xabcd);
    expect(log).toEqual(['16:1:205', '17:1:171']);
  });

  it('refuses to give one port two owners', () => {
    const bus = new IoBus();
    const h = { portIn: () => 0, portOut: () => {} };
    bus.register(0x60, 1, h);
    expect(() => bus.register(0x60, 1, h)).toThrow(/claimed/);
  });
});

describe('MmioBus', () => {
  it('dispatches by region with offsets and reads unclaimed space as all-ones', () => {
    const bus = new MmioBus();
    bus.register(0xfee00000, 0x1000, { mmioRead: (o) => o, mmioWrite: () => {} });
    expect(bus.read(0xfee00030, 4)).toBe(0x30);
    expect(bus.read(0xfec00000, 4)).toBe(0xffffffff);
    expect(() => bus.register(0xfee00800, 0x1000, { mmioRead: () => 0, mmioWrite: () => {} })).toThrow(/overlaps/);
  });
});
