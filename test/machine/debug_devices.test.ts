import { describe, it, expect } from 'vitest';
import { IoBus } from '../../src/machine/io_bus.ts';
import { DebugExit } from '../../src/machine/debug_exit.ts';
import { DebugCon } from '../../src/machine/debugcon.ts';
import { PcTestdev } from '../../src/machine/pc_testdev.ts';
import { AcpiPmTimer } from '../../src/machine/acpi_pm_timer.ts';
import { VirtualClock } from '../../src/machine/virtual_clock.ts';

describe('debug devices', () => {
  it('isa-debug-exit exits with (value << 1) | 1 from any port of its range', () => {
    const bus = new IoBus();
    const st: number[] = [];
    bus.register(0xf4, 4, new DebugExit((s) => st.push(s)));
    bus.out(0xf4, 1, 0);
    bus.out(0xf6, 4, 0x10);
    expect(st).toEqual([1, 0x21]);
  });

  it('debugcon passes bytes through and reads back 0xE9', () => {
    const bus = new IoBus();
    const out: number[] = [];
    bus.register(0xe9, 1, new DebugCon((b) => out.push(b)));
    bus.out(0xe9, 1, 0x48);
    expect(out).toEqual([0x48]);
    expect(bus.in(0xe9, 1)).toBe(0xe9);
  });

  it('pc-testdev keeps a 32-bit register at 0xE0 (any width) and 0xE8 (bytewise), and drives IRQ lines', () => {
    const bus = new IoBus();
    const lines: string[] = [];
    const dev = new PcTestdev((l, v) => lines.push(`${l}=${v}`));
    bus.register(0xe0, 8, dev);
    bus.register(0xe8, 4, dev, { byteOnly: true });
    bus.register(0x2000, 24, dev);
    bus.out(0xe0, 4, 0x12345678);
    expect(bus.in(0xe0, 4)).toBe(0x12345678);
    bus.out(0xe1, 1, 0xaa);
    expect(bus.in(0xe0, 4)).toBe(0x1234aa78);
    expect(bus.in(0xe2, 2)).toBe(0x1234);
    bus.out(0xe8, 4, 0xcafebabe);
    expect(bus.in(0xe8, 4)).toBe(0xcafebabe);
    expect(bus.in(0xe0, 4)).toBe(0xcafebabe);
    bus.out(0x2000 + 10, 1, 1);
    bus.out(0x2000 + 10, 1, 0);
    expect(lines).toEqual(['10=true', '10=false']);
    dev.mmioWrite(0x10, 4, 0xdeadbeef);
    expect(dev.mmioRead(0x12, 2)).toBe(0xdead);
  });

  it('ACPI PM timer counts at 3.579545 MHz and wraps at 24 bits', () => {
    let ns = 0;
    const clock = new VirtualClock({ tscKHz: 1_000_000, icountShift: 0 }, () => ns);
    const pm = new AcpiPmTimer(clock);
    ns = 1e9;
    expect(pm.portIn(0x608, 4)).toBe(3_579_545);
    ns = 10e9;
    expect(pm.portIn(0x608, 4)).toBe(35_795_450 % 0x1000000);
    expect(new AcpiPmTimer(clock, 32).portIn(0x608, 4)).toBe(35_795_450);
  });
});

describe('ACPI PM1 registers', () => {
  it('switch to ACPI mode through SMI_CMD, clear status bits by writing 1 and power off on S5', async () => {
    const { AcpiPm } = await import('../../src/machine/acpi_pm.ts');
    const bus = new IoBus();
    let off = 0;
    const pm = new AcpiPm(0x600, 0x604, () => off++);
    bus.register(0x600, 4, pm);
    bus.register(0x604, 2, pm);
    bus.register(0xb2, 2, pm, { byteOnly: true });
    expect(bus.in(0x604, 2) & 1).toBe(0);
    bus.out(0xb2, 1, 0xf1);
    expect(bus.in(0x604, 2) & 1).toBe(1);
    bus.out(0x602, 2, 0xffff);
    expect(bus.in(0x602, 2)).toBe(0x0721); // TMR, GBL, PWRBTN, SLPBTN, RTC enables only
    bus.out(0x604, 2, 0x3401); // SLP_TYP 5 with SLP_EN: not our S5
    expect(off).toBe(0);
    bus.out(0x604, 2, 0x2001); // SLP_TYP 0 | SLP_EN
    expect(off).toBe(1);
    expect(bus.in(0x604, 2) & 0x2000).toBe(0); // SLP_EN reads as 0
  });
});

describe('port 0x92', () => {
  it('reads A20 enabled and resets on a rising bit 0', async () => {
    const { Port92 } = await import('../../src/machine/port92.ts');
    let resets = 0;
    const p = new Port92(() => resets++);
    expect(p.portIn()).toBe(0x02);
    p.portOut(0x92, 1, 0x00);
    expect(p.portIn()).toBe(0x02); // A20 stays on
    p.portOut(0x92, 1, 0x03);
    expect(resets).toBe(1);
  });
});
