import { describe, it, expect } from 'vitest';
import { PciBus } from '../../src/machine/pci.ts';
import { IoBus } from '../../src/machine/io_bus.ts';

function setup() {
  const pci = PciBus.pc();
  const io = new IoBus();
  io.register(0xcf8, 8, pci);
  const cfg = (dev: number, fn: number, reg: number) => 0x80000000 | (dev << 11) | (fn << 8) | reg;
  const rd = (dev: number, fn: number, reg: number, size: 1 | 2 | 4 = 4) => {
    io.out(0xcf8, 4, cfg(dev, fn, reg & ~3));
    return io.in(0xcfc + (reg & 3), size);
  };
  const wr = (dev: number, fn: number, reg: number, v: number, size: 1 | 2 | 4 = 4) => {
    io.out(0xcf8, 4, cfg(dev, fn, reg & ~3));
    io.out(0xcfc + (reg & 3), size, v);
  };
  return { pci, io, rd, wr };
}

describe('PCI configuration mechanism #1', () => {
  it('shows the i440FX host bridge and the PIIX3 ISA bridge, and all-ones for empty slots', () => {
    const { rd, io } = setup();
    expect(rd(0, 0, 0)).toBe(0x12378086);
    expect(rd(0, 0, 8) >>> 8).toBe(0x060000);
    expect(rd(1, 0, 0)).toBe(0x70008086);
    expect(rd(1, 0, 0x0e, 1)).toBe(0x80);
    expect(rd(5, 0, 0)).toBe(0xffffffff);
    expect(rd(0, 0, 2, 2)).toBe(0x1237);
    io.out(0xcf8, 4, 0x8000_0004);
    expect(io.in(0xcf8, 4)).toBe(0x8000_0004);
    io.out(0xcf8, 4, 0); // enable bit clear: data port floats
    expect(io.in(0xcfc, 4)).toBe(0xffffffff);
  });

  it('sizes BARs (write all-ones, read ~(size-1) | flags) and maps them when decoding is enabled', () => {
    const { pci, rd, wr } = setup();
    const maps: string[] = [];
    pci.register({
      device: 2, function: 0, vendorId: 0x5853, deviceId: 0x0001, classCode: 0xff8000, interruptPin: 1,
      bars: [
        { size: 0x100, kind: 'io', onMap: (a) => maps.push(`io:${a.toString(16)}`) },
        { size: 0x1000000, kind: 'mem32', prefetchable: true, onMap: (a) => maps.push(`mem:${a.toString(16)}`) },
      ],
    });
    wr(2, 0, 0x10, 0xffffffff);
    expect(rd(2, 0, 0x10)).toBe(0xffffff01);
    wr(2, 0, 0x14, 0xffffffff);
    expect(rd(2, 0, 0x14)).toBe(0xff000008);
    wr(2, 0, 0x10, 0xc101);
    wr(2, 0, 0x14, 0xf1234567);
    expect(rd(2, 0, 0x14)).toBe(0xf1000008);
    expect(maps).toEqual([]);
    wr(2, 0, 0x04, 0x3, 2);
    expect(maps).toEqual(['io:c100', 'mem:f1000000']);
    wr(2, 0, 0x04, 0x0, 2);
    expect(maps).toEqual(['io:c100', 'mem:f1000000', 'io:-1', 'mem:-1']);
    expect(rd(2, 0, 0x00)).toBe(0x00015853); // IDs are read-only
    wr(2, 0, 0x00, 0);
    expect(rd(2, 0, 0x00)).toBe(0x00015853);
  });

  it('assigns resources like firmware and routes INTA of slot 2 to IRQ 11 (PIRQC)', () => {
    const { pci, rd } = setup();
    const maps: number[] = [];
    pci.register({
      device: 2, function: 0, vendorId: 0x5853, deviceId: 1, classCode: 0xff8000, interruptPin: 1,
      bars: [{ size: 0x100, kind: 'io', onMap: (a) => maps.push(a) }],
    });
    pci.assignResources();
    expect(maps).toEqual([0xc000]);
    expect(pci.irqOf(2)).toBe(11);
    expect(rd(2, 0, 0x3c, 1)).toBe(11);
  });

  it('requests a reset on a PIIX RCR write with RST_CPU', () => {
    const { pci, io } = setup();
    let resets = 0;
    pci.onReset = () => resets++;
    io.out(0xcf9, 1, 0x02);
    io.out(0xcf9, 1, 0x06);
    expect(resets).toBe(1);
  });
});
