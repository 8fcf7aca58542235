// The ACPI power-management timer (ACPI 6.5 §4.8.3.3): a free-running counter at 3.579545 MHz,
// read as a 32-bit port (PM_TMR_BLK). Only 24 bits count unless the FADT sets TMR_VAL_EXT.
// QEMU's PIIX4 timer is 24-bit; we follow it by default.
import type { PortHandler } from './io_bus.ts';
import type { VirtualClock } from './virtual_clock.ts';

export const PM_TIMER_HZ = 3_579_545;
/** Port of PM_TMR_BLK in our PIIX4-style PM block at 0x600 (PM1a_EVT 0x600, PM1a_CNT 0x604). */
export const PM_TIMER_PORT = 0x608;

export class AcpiPmTimer implements PortHandler {
  constructor(
    private readonly clock: VirtualClock,
    readonly bits: 24 | 32 = 24,
  ) {}

  /** Counter value now. */
  value(): number {
    const ns = this.clock.nowNs();
    const s = Math.floor(ns / 1e9);
    const ticks = s * PM_TIMER_HZ + Math.floor(((ns - s * 1e9) * PM_TIMER_HZ) / 1e9);
    return this.bits === 24 ? ticks % 0x100_0000 : ticks % 0x1_0000_0000;
  }

  portIn(port: number, size: 1 | 2 | 4): number {
    const v = this.value() >>> ((port & 3) * 8);
    return size === 4 ? v >>> 0 : v & ((1 << (size * 8)) - 1);
  }

  portOut(): void {
    // read-only
  }
}
