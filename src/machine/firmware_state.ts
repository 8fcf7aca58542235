// The device state PC firmware leaves behind before a direct-boot kernel runs. We boot without
// a BIOS, so we reproduce what QEMU + SeaBIOS leave (observed under QEMU 7.2 by the test kernel
// test/guests/entry_state.c, and QEMU's pc_cmos_init for the CMOS memory bytes). Everything is
// done through the devices' own ports, as firmware would.
import type { PcPlatform } from './pc_platform.ts';

/** Vectors SeaBIOS gives the 8259s (BIOS_HWIRQ0_VECTOR, BIOS_HWIRQ8_VECTOR). */
export const FIRMWARE_PIC_MASTER_BASE = 0x08;
export const FIRMWARE_PIC_SLAVE_BASE = 0x70;

/** Where the real-mode interrupt stubs live: F000:F100, past the boot GDT at 0xFF000. */
const IVT_STUBS = 0xff100;
const STUB_IRET = 0, STUB_EOI_MASTER = 4, STUB_EOI_SLAVE = 0x10;
const REAL_MODE_STUBS = new Uint8Array(0x20);
REAL_MODE_STUBS[STUB_IRET] = 0xcf; // IRET
// PUSH AX; MOV AL,20h; OUT 20h,AL; POP AX; IRET
REAL_MODE_STUBS.set([0x50, 0xb0, 0x20, 0xe6, 0x20, 0x58, 0xcf], STUB_EOI_MASTER);
// PUSH AX; MOV AL,20h; OUT 0A0h,AL; OUT 20h,AL; POP AX; IRET
REAL_MODE_STUBS.set([0x50, 0xb0, 0x20, 0xe6, 0xa0, 0xe6, 0x20, 0x58, 0xcf], STUB_EOI_SLAVE);

export function applyPcFirmwareState(p: PcPlatform): void {
  const out = (port: number, v: number) => p.io.out(port, 1, v);

  // 8259s: ICW1-4 (edge, cascade, 8086 mode), the masks and ELCR SeaBIOS leaves
  // (IRQ 0, 1, 2, 6, 8, 12, 13, 14 unmasked; PCI IRQs 10 and 11 level-triggered).
  out(0x20, 0x11);
  out(0x21, FIRMWARE_PIC_MASTER_BASE);
  out(0x21, 0x04);
  out(0x21, 0x01);
  out(0xa0, 0x11);
  out(0xa1, FIRMWARE_PIC_SLAVE_BASE);
  out(0xa1, 0x02);
  out(0xa1, 0x01);
  out(0x21, 0xb8);
  out(0xa1, 0x8e);
  out(0x4d0, 0x00);
  out(0x4d1, 0x0c);

  // PIT channel 0: mode 2, lobyte/hibyte, count 65536 (18.2 Hz).
  out(0x43, 0x34);
  out(0x40, 0x00);
  out(0x40, 0x00);

  // SeaBIOS leaves COM1's IRQ 4 latched in the master 8259's IRR (seen under QEMU 7.2).
  p.setIsaIrq(4, true);
  p.setIsaIrq(4, false);

  // BSP local APIC: software-enabled, LINT0 ExtINT, LINT1 NMI.
  p.lapics[0]!.applyFirmwareState();

  // Real-mode IVT: SeaBIOS points every vector at a handler, so an interrupt a real-mode guest
  // takes (the PIT's IRQ 0 waking a HLT, as kvm-unit-tests' realmode "sti inhibit" relies on)
  // returns instead of running the zeros at 0000:0000. Ours are minimal: IRET for software
  // vectors, and for hardware IRQs an EOI to the 8259(s) then IRET (SeaBIOS's IRQ 0 handler
  // also counts BIOS ticks at 0x46C; nothing here needs that).
  p.mem.writeBytes(IVT_STUBS, REAL_MODE_STUBS);
  for (let v = 0; v < 256; v++) {
    const off = v >= 0x08 && v < 0x10 ? STUB_EOI_MASTER : v >= 0x70 && v < 0x78 ? STUB_EOI_SLAVE : STUB_IRET;
    p.mem.write16(v * 4, (IVT_STUBS & 0xffff) + off);
    p.mem.write16(v * 4 + 2, 0xf000);
  }

  // BIOS data area: EBDA segment and base memory size in KiB (Xen's multiboot path reads both),
  // and the EBDA's own size byte.
  p.mem.write16(0x40e, 0x9fc0);
  p.mem.write16(0x413, 639);
  p.mem.write8(0x9fc00, 1);

  // CMOS memory-size bytes (QEMU hw/i386/pc.c pc_cmos_init).
  const cmos = (i: number, v: number) => {
    out(0x70, i);
    out(0x71, v & 0xff);
  };
  const below = p.mem.lowRamBytes;
  const base = Math.min(below / 1024, 640);
  cmos(0x15, base);
  cmos(0x16, base >> 8);
  const ext = Math.min(below > 0x100000 ? (below - 0x100000) / 1024 : 0, 65535);
  for (const [lo, hi] of [[0x17, 0x18], [0x30, 0x31]] as const) {
    cmos(lo, ext);
    cmos(hi, ext >> 8);
  }
  const above16 = Math.min(below > 16 << 20 ? (below - (16 << 20)) / 65536 : 0, 65535);
  cmos(0x34, above16);
  cmos(0x35, above16 >> 8);
  const above4g = p.mem.highRamBytes / 65536;
  cmos(0x5b, above4g);
  cmos(0x5c, above4g >> 8);
  cmos(0x5d, above4g >> 16);
  cmos(0x5f, p.lapics.length - 1);
  cmos(0x14, 0x06); // equipment: FPU, PS/2 mouse; no floppy, no display adapter
  out(0x70, 0x00);
}
