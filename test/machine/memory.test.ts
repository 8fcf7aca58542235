import { describe, it, expect } from 'vitest';
import { GuestMemory, PAGE_SIZE } from '../../src/machine/memory.ts';

describe('GuestMemory', () => {
  it('places RAM after the CPU state prefix and maps low RAM identity-ordered', () => {
    const m = new GuestMemory({ ramBytes: 16 << 20, stateBytes: 5000 });
    expect(m.ramBase).toBe(8192);
    expect(m.physPage(0)).toBe(8192);
    expect(m.physPage(0x100)).toBe(8192 + 0x100 * PAGE_SIZE);
    expect(m.physPage((16 << 20) / PAGE_SIZE)).toBe(-1);
    expect(m.memory.buffer.byteLength % 65536).toBe(0);
  });

  it('leaves the legacy VGA window 0xA0000-0xBFFFF unbacked (all-ones reads, dropped writes)', () => {
    const m = new GuestMemory({ ramBytes: 2 << 20, stateBytes: 0 });
    expect(m.physPage(0x9f)).toBeGreaterThanOrEqual(0);
    expect(m.physPage(0xa0)).toBe(-1);
    expect(m.physPage(0xbf)).toBe(-1);
    expect(m.physPage(0xc0)).toBeGreaterThanOrEqual(0);
    m.write32(0xa0000, 0x12345678);
    expect(m.read32(0xa0000)).toBe(0xffffffff);
  });

  it('reads and writes across page boundaries little-endian', () => {
    const m = new GuestMemory({ ramBytes: 1 << 20, stateBytes: 0 });
    m.write32(0x1ffe, 0xdeadbeef);
    expect(m.read8(0x1ffe)).toBe(0xef);
    expect(m.read8(0x2001)).toBe(0xde);
    expect(m.read32(0x1ffe)).toBe(0xdeadbeef);
    m.write64(0x3000, 2 ** 52 + 5);
    expect(m.read64(0x3000)).toBe(2 ** 52 + 5);
    m.writeCString(0x4000, 'hi');
    expect([...m.readBytes(0x4000, 3)]).toEqual([0x68, 0x69, 0]);
  });

  it('overlays a host page at any frame, above 4 GiB too, and reveals RAM again when removed', () => {
    const m = new GuestMemory({ ramBytes: 1 << 20, stateBytes: 0 });
    const changes: number[] = [];
    m.onMapChange((pfn) => changes.push(pfn));
    const page = m.allocateHostPage();
    m.write8(0x5000, 0x11);
    m.setOverlay(5, page);
    expect(m.read8(0x5000)).toBe(0);
    m.write8(0x5000, 0x22);
    expect(m.u8[page]).toBe(0x22);
    m.clearOverlay(5);
    expect(m.read8(0x5000)).toBe(0x11);
    const high = 0x1_0000_0000 / PAGE_SIZE + 7;
    expect(m.physPage(high)).toBe(-1);
    m.setOverlay(high, page);
    expect(m.physPage(high)).toBe(page);
    expect(changes).toEqual([5, 5, high]);
    expect(() => m.setOverlay(-1, page)).toThrow();
    expect(() => m.setOverlay(9, page + 1)).toThrow();
  });

  it('loadState replaces the overlays: a frame overlaid only before the load shows RAM again', () => {
    const m = new GuestMemory({ ramBytes: 1 << 20, stateBytes: 0 });
    const page = m.allocateHostPage(), other = m.allocateHostPage();
    m.setOverlay(3, page);
    const saved = m.saveState();
    m.setOverlay(7, other);
    m.loadState(saved);
    expect(m.physPage(3)).toBe(page);
    expect(m.physPage(7)).toBe(m.ramBase + 7 * PAGE_SIZE);
    m.clearOverlay(3);
    expect(m.physPage(3)).toBe(m.ramBase + 3 * PAGE_SIZE);
  });

  it('splits RAM of 3.5 GiB or more around the PCI hole like QEMU pc (3 GiB low, rest at 4 GiB)', () => {
    // Only the map is checked; 3.5 GiB is allocated lazily by the engine.
    let m: GuestMemory;
    try {
      m = new GuestMemory({ ramBytes: 0xe000_0000, stateBytes: 0, overlayPoolPages: 0 });
    } catch {
      return; // host cannot allocate 3.5 GiB
    }
    expect(m.lowRamBytes).toBe(0xc000_0000);
    expect(m.highRamBytes).toBe(0x2000_0000);
    expect(m.physPage(0xc0000 - 1)).toBeGreaterThanOrEqual(0);
    expect(m.physPage(0xc0000)).toBe(-1);
    expect(m.physPage(0x100000)).toBe(m.ramBase + 0xc000_0000);
  });

  it('refuses a RAM size that is not a multiple of 4 KiB or does not fit 4 GiB', () => {
    expect(() => new GuestMemory({ ramBytes: 1000, stateBytes: 0 })).toThrow(/multiple/);
    expect(() => new GuestMemory({ ramBytes: 2 ** 32, stateBytes: 0 })).toThrow(/fit/);
  });
});
