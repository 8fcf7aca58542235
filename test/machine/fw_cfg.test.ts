import { describe, it, expect } from 'vitest';
import { FwCfg } from '../../src/machine/fw_cfg.ts';
import { GuestMemory } from '../../src/machine/memory.ts';
import { IoBus } from '../../src/machine/io_bus.ts';

const bswap = (v: number) => (((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24)) >>> 0;

function setup() {
  const mem = new GuestMemory({ ramBytes: 1 << 20, stateBytes: 0 });
  const dev = new FwCfg(mem, { ramBytes: 1 << 20, cpus: 3 });
  const io = new IoBus();
  io.register(0x510, 2, dev);
  io.register(0x514, 8, dev);
  return { mem, io };
}

describe('fw_cfg', () => {
  it('reads items through the selector and data ports, zero past their end', () => {
    const { io } = setup();
    io.out(0x510, 2, 0x05);
    expect([io.in(0x511, 1), io.in(0x511, 1), io.in(0x511, 1)]).toEqual([3, 0, 0]);
    io.out(0x510, 2, 0x00);
    expect(String.fromCharCode(io.in(0x511, 1), io.in(0x511, 1), io.in(0x511, 1), io.in(0x511, 1))).toBe('QEMU');
  });

  it('runs a DMA read with select, and bounds the work of a huge length by the item size', () => {
    const { mem, io } = setup();
    const acc = 0x1000;
    mem.write32(acc, bswap((0x03 << 16) | 0x08 | 0x02));
    mem.write32(acc + 4, bswap(0x10000)); // 64 KiB for an 8-byte item: the rest is zeroed
    mem.write32(acc + 8, 0);
    mem.write32(acc + 12, bswap(0x2000));
    mem.fill(0x2000, 0x10000, 0xaa);
    io.out(0x514, 4, 0);
    io.out(0x518, 4, bswap(acc));
    expect(mem.read32(acc)).toBe(0);
    expect(mem.read64(0x2000)).toBe(1 << 20);
    expect(mem.read8(0x2008)).toBe(0);
    expect(mem.read8(0x2000 + 0xffff)).toBe(0);
    // A target outside RAM sets the error bit.
    mem.write32(acc, bswap((0x03 << 16) | 0x08 | 0x02));
    mem.write32(acc + 4, bswap(0xffffffff));
    io.out(0x514, 4, 0);
    io.out(0x518, 4, bswap(acc));
    expect(bswap(mem.read32(acc)) & 1).toBe(1);
  });
});
