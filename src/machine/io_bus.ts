// The x86 I/O port space (64 Ki byte-addressed ports). An unclaimed port reads as all-ones and
// ignores writes, as on a PC ISA bus with nobody driving the data lines.

/** A device's port handler. `port` is the absolute port; `size` is 1, 2 or 4 bytes. */
export interface PortHandler {
  portIn(port: number, size: 1 | 2 | 4): number;
  portOut(port: number, size: 1 | 2 | 4, value: number): void;
}

const ALL_ONES = [0, 0xff, 0xffff, 0, 0xffffffff] as const;

export class IoBus {
  private readonly handlers: (PortHandler | undefined)[] = new Array<PortHandler | undefined>(0x10000);
  /** Ports whose device only decodes byte accesses: wider accesses are split into byte accesses, low port first. */
  private readonly byteOnly = new Uint8Array(0x10000);

  /** Claim [base, base+count). A port can have one owner; claiming a taken port is a wiring bug. */
  register(base: number, count: number, h: PortHandler, opts: { byteOnly?: boolean } = {}): void {
    for (let p = base; p < base + count; p++) {
      if (p < 0 || p > 0xffff) throw new RangeError(`port ${p} out of range`);
      if (this.handlers[p]) throw new Error(`port 0x${p.toString(16)} already claimed`);
      this.handlers[p] = h;
      this.byteOnly[p] = opts.byteOnly ? 1 : 0;
    }
  }

  unregister(base: number, count: number): void {
    for (let p = base; p < base + count; p++) {
      this.handlers[p & 0xffff] = undefined;
      this.byteOnly[p & 0xffff] = 0;
    }
  }

  isClaimed(port: number): boolean {
    return this.handlers[port & 0xffff] !== undefined;
  }

  in(port: number, size: 1 | 2 | 4): number {
    port &= 0xffff;
    const h = this.handlers[port];
    if (!h) return ALL_ONES[size];
    if (size === 1 || !this.byteOnly[port]) return h.portIn(port, size);
    let v = 0;
    for (let i = 0; i < size; i++) v |= this.in((port + i) & 0xffff, 1) << (8 * i);
    return size === 4 ? v >>> 0 : v;
  }

  out(port: number, size: 1 | 2 | 4, value: number): void {
    port &= 0xffff;
    const h = this.handlers[port];
    if (!h) return;
    if (size === 1) h.portOut(port, 1, value & 0xff);
    else if (!this.byteOnly[port]) h.portOut(port, size, size === 2 ? value & 0xffff : value >>> 0);
    else for (let i = 0; i < size; i++) this.out((port + i) & 0xffff, 1, (value >>> (8 * i)) & 0xff);
  }
}
