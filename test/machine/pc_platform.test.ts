// The assembled platform in firmware state, read through its buses exactly as the test kernel
// test/guests/entry_state.c reads the real thing under QEMU + SeaBIOS; the device lines must match.
import { describe, it, expect } from 'vitest';
import { PcPlatform, type PcSpec, type PlatformHost } from '../../src/machine/pc_platform.ts';
import { applyPcFirmwareState } from '../../src/machine/firmware_state.ts';
import { buildGuest, ENTRY_STATE, haveGcc32 } from '../guests/build_guest.ts';
import { haveQemu, runQemu } from './loader/qemu_run.ts';

const SPEC: PcSpec = {
  ramBytes: 128 << 20, cpus: 1, cpuStateBytes: 4096, tscKHz: 2_000_000, icountShift: 0,
  rtcEpochSeconds: Date.UTC(2026, 0, 1) / 1000,
  serials: [{ iobase: 0x3f8, irq: 4 }], debugcon: { iobase: 0xe9 }, debugExit: { iobase: 0xf4, iosize: 4 }, pcTestdev: true,
};

function makeHost() {
  const log = { serial: [] as number[], debugcon: [] as number[], exits: [] as number[], resets: 0 };
  const host: PlatformHost = {
    serialOut: (_i, b) => log.serial.push(b),
    debugconOut: (b) => log.debugcon.push(b),
    debugExit: (s) => log.exits.push(s),
    resetRequest: () => log.resets++,
  };
  return { host, log };
}

const hex = (v: number, d: number) => (v >>> 0).toString(16).padStart(d, '0');

/** The device part of entry_state.c, performed on our platform. */
function readEntryState(p: PcPlatform): string[] {
  const inb = (port: number) => p.io.in(port, 1);
  const outb = (port: number, v: number) => p.io.out(port, 1, v);
  const rd32 = (a: number) => (a >= 0xfe000000 ? p.mmio.read(a, 4) : p.mem.read32(a));
  const f = (name: string, v: number, d: number) => `${name}=${hex(v, d)}`;
  const l: string[] = [];
  l.push(f('pic_imr_master', inb(0x21), 2), f('pic_imr_slave', inb(0xa1), 2));
  outb(0x20, 0x0b);
  l.push(f('pic_isr_master', inb(0x20), 2));
  outb(0x4d0, inb(0x4d0));
  l.push(f('elcr_master', inb(0x4d0), 2), f('elcr_slave', inb(0x4d1), 2));
  l.push(f('lapic_id', rd32(0xfee00020) >>> 24, 2), f('lapic_svr', rd32(0xfee000f0), 8), f('lapic_tpr', rd32(0xfee00080), 8));
  l.push(f('lapic_lvt_timer', rd32(0xfee00320), 8), f('lapic_lint0', rd32(0xfee00350), 8), f('lapic_lint1', rd32(0xfee00360), 8));
  l.push(f('lapic_lvt_err', rd32(0xfee00370), 8), f('lapic_ldr', rd32(0xfee000d0), 8), f('lapic_dfr', rd32(0xfee000e0), 8));
  outb(0x43, 0xe2);
  l.push(f('pit0_status', inb(0x40) & 0x3f, 2));
  outb(0x70, 0x0a);
  l.push(f('rtc_a', inb(0x71) & 0x7f, 2));
  outb(0x70, 0x0b);
  l.push(f('rtc_b', inb(0x71), 2));
  outb(0x70, 0x0d);
  l.push(f('rtc_d', inb(0x71), 2));
  l.push(f('bda_ebda', p.mem.read16(0x40e), 4), f('bda_basemem', p.mem.read16(0x413), 4));
  p.mmio.write(0xfec00000, 4, 1);
  l.push(f('ioapic_ver', rd32(0xfec00010), 8));
  p.mmio.write(0xfec00000, 4, 0x10 + 2 * 2);
  l.push(f('ioapic_pin2', rd32(0xfec00010), 8), f('port_unclaimed', inb(0x2f0), 2));
  return l;
}

describe('PC platform in firmware state', () => {
  it('shows the same device state at kernel entry as QEMU + SeaBIOS', () => {
    const { host } = makeHost();
    const p = new PcPlatform(SPEC, host);
    applyPcFirmwareState(p);
    const ours = readEntryState(p);
    expect(ours).toContain('lapic_svr=000001ff');
    if (haveGcc32() && haveQemu()) {
      const q = runQemu(['-m', '128', '-kernel', buildGuest(ENTRY_STATE)]);
      expect(q.status).toBe(1);
      const cpuLines = /^(eax|cr0|cr4|eflags|cs|ds|ss|es|fs|gs)=|^done$/;
      expect(ours).toEqual(q.out.trim().split('\n').filter((x) => !cpuLines.test(x)));
    }
  });

  it('routes ISA IRQ0 to 8259 input 0 and I/O APIC pin 2, and PIT ticks reach the PIC', () => {
    const { host } = makeHost();
    const t = { n: 0 };
    const p = new PcPlatform(SPEC, host);
    p.setInstructionSource(() => t.n);
    applyPcFirmwareState(p);
    t.n = 60_000_000; // 60 ms at 1 ns per instruction: past the first 54.9 ms PIT period
    p.clock.runDue();
    expect(p.pic.interruptPending).toBe(true);
    expect(p.pic.acknowledge()).toBe(0x08);
  });

  it('connects COM1, debugcon, isa-debug-exit and the PIIX reset register to the host', () => {
    const { host, log } = makeHost();
    const p = new PcPlatform(SPEC, host);
    p.io.out(0x3f8, 1, 0x41);
    p.io.out(0xe9, 1, 0x42);
    p.io.out(0xf4, 1, 3);
    p.io.out(0xcf9, 1, 0x06);
    expect(log).toEqual({ serial: [0x41], debugcon: [0x42], exits: [7], resets: 1 });
  });

  it('puts valid ACPI tables in the BIOS area where the legacy RSDP scan finds them', () => {
    const p = new PcPlatform({ ...SPEC, cpus: 4 }, makeHost().host);
    let found = -1;
    for (let a = 0xe0000; a < 0x100000; a += 16) {
      if (String.fromCharCode(...p.mem.readBytes(a, 8)) === 'RSD PTR ') {
        found = a;
        break;
      }
    }
    expect(found).toBe(p.acpi.rsdpAddr);
    expect(p.e820.entries().some((e) => e.addr <= found && found < e.addr + e.size && e.type === 2)).toBe(true);
  });

  it('banks the LAPIC page per vCPU', () => {
    const p = new PcPlatform({ ...SPEC, cpus: 2 }, makeHost().host);
    p.currentCpu = 1;
    expect(p.mmio.read(0xfee00020, 4)).toBe(0x01000000);
    p.currentCpu = 0;
    expect(p.mmio.read(0xfee00020, 4)).toBe(0);
  });
});
