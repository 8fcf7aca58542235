import { describe, it, expect } from 'vitest';
import { Uart16550 } from '../../src/machine/uart_16550.ts';
import { IoBus } from '../../src/machine/io_bus.ts';

function setup() {
  const out: number[] = [];
  const irq: boolean[] = [];
  const u = new Uart16550(0x3f8, (b) => out.push(b), (l) => irq.push(l));
  const bus = new IoBus();
  bus.register(0x3f8, 8, u, { byteOnly: true });
  return { u, out, irq, bus };
}

describe('16550 UART', () => {
  it('transmits THR bytes at once and keeps THRE/TEMT set (polled output)', () => {
    const { out, bus } = setup();
    expect(bus.in(0x3fd, 1) & 0x60).toBe(0x60);
    bus.out(0x3f8, 1, 0x41);
    expect(out).toEqual([0x41]);
    expect(bus.in(0x3fd, 1) & 0x60).toBe(0x60);
  });

  it('programs the divisor latch through DLAB without transmitting', () => {
    const { out, bus } = setup();
    bus.out(0x3fb, 1, 0x80);
    bus.out(0x3f8, 1, 0x01);
    bus.out(0x3f9, 1, 0x00);
    expect(bus.in(0x3f8, 1)).toBe(1);
    bus.out(0x3fb, 1, 0x03);
    expect(bus.in(0x3fb, 1)).toBe(0x03);
    expect(out).toEqual([]);
  });

  it('receives into the FIFO, sets DR, and raises the receive interrupt', () => {
    const { u, irq, bus } = setup();
    bus.out(0x3fa, 1, 0xc7); // FIFO on, clear, trigger 14
    bus.out(0x3f9, 1, 0x01); // RDI
    expect(u.receive([0x61, 0x62])).toBe(2);
    expect(irq).toEqual([true]);
    expect(bus.in(0x3fa, 1)).toBe(0xc0 | 0x0c); // FIFO enabled, character timeout (below trigger)
    expect(bus.in(0x3fd, 1) & 1).toBe(1);
    expect(bus.in(0x3f8, 1)).toBe(0x61);
    expect(bus.in(0x3f8, 1)).toBe(0x62);
    expect(bus.in(0x3fd, 1) & 1).toBe(0);
    expect(irq).toEqual([true, false]);
    expect(bus.in(0x3fa, 1)).toBe(0xc1);
  });

  it('signals overrun when the 16-byte FIFO is full, and reading LSR clears it', () => {
    const { u, bus } = setup();
    bus.out(0x3fa, 1, 0x01);
    expect(u.receive(new Uint8Array(20))).toBe(16);
    expect(bus.in(0x3fd, 1) & 0x02).toBe(0x02);
    expect(bus.in(0x3fd, 1) & 0x02).toBe(0);
  });

  it('raises THRE when enabled and clears it on reading IIR', () => {
    const { irq, bus } = setup();
    bus.out(0x3f9, 1, 0x02);
    expect(irq).toEqual([true]);
    expect(bus.in(0x3fa, 1)).toBe(0x02);
    expect(irq).toEqual([true, false]);
    expect(bus.in(0x3fa, 1)).toBe(0x01);
    bus.out(0x3f8, 1, 0x20);
    expect(irq).toEqual([true, false, true]);
  });

  it('loops transmitted bytes back to the receiver and modem outputs to inputs in loopback', () => {
    const { out, bus } = setup();
    bus.out(0x3fc, 1, 0x1f);
    bus.out(0x3f8, 1, 0x55);
    expect(out).toEqual([]);
    expect(bus.in(0x3f8, 1)).toBe(0x55);
    expect(bus.in(0x3fe, 1) & 0xf0).toBe(0xf0);
    bus.out(0x3fc, 1, 0x10);
    expect(bus.in(0x3fe, 1) & 0xf0).toBe(0);
    bus.out(0x3fc, 1, 0x00);
    expect(bus.in(0x3fe, 1)).toBe(0xb0); // DCD, DSR, CTS
  });

  it('keeps the scratch register', () => {
    const { bus } = setup();
    bus.out(0x3ff, 1, 0xa5);
    expect(bus.in(0x3ff, 1)).toBe(0xa5);
  });
});
