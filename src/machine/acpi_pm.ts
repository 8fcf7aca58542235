// ACPI fixed-hardware PM1 registers (ACPI 6.5 §4.8.3.1-2) at the ports the FADT names:
// PM1a_EVT_BLK = PM1_STS (write-1-to-clear) + PM1_EN, PM1a_CNT_BLK = PM1_CNT, and PIIX4's APM
// control port 0xB2 as the FADT's SMI_CMD: like QEMU, the machine starts in legacy mode
// (SCI_EN = 0) and the OS writes ACPI_ENABLE (0xF1) there to switch (ACPI_DISABLE 0xF0 back).
// Writing SLP_EN with SLP_TYP 0 (our DSDT's \_S5) powers the machine off. No SCI is generated
// (no fixed events are modelled).
import type { PortHandler } from './io_bus.ts';
import { putFields, takeFields, type PlainRecord } from './snapshot.ts';

export const PM1_STS_WAK = 0x8000;
export const PM1_CNT_SCI_EN = 0x0001;
export const PM1_CNT_SLP_EN = 0x2000;
/** Sleep type our DSDT gives for S5 (soft off). */
export const SLP_TYP_S5 = 0;

export const SMI_CMD_PORT = 0xb2;
export const ACPI_ENABLE = 0xf1;
export const ACPI_DISABLE = 0xf0;

const FIELDS = ['sts', 'en', 'cnt', 'apms'] as const;

export class AcpiPm implements PortHandler {
  private sts = 0;
  private en = 0;
  private cnt = 0;
  /** APM status scratch register, port 0xB3. */
  private apms = 0;

  constructor(
    readonly evtBase: number,
    readonly cntBase: number,
    private readonly onPowerOff: () => void,
  ) {}

  saveState(): PlainRecord {
    return takeFields(this, FIELDS);
  }

  loadState(s: PlainRecord): void {
    putFields(this, s, FIELDS);
  }

  /** The 16-bit register at byte offset `off` of the block, as a little-endian byte array view. */
  private reg(port: number): { value: number; shift: number; which: 'sts' | 'en' | 'cnt' } | undefined {
    const e = port - this.evtBase;
    if (e >= 0 && e < 2) return { value: this.sts, shift: e * 8, which: 'sts' };
    if (e >= 2 && e < 4) return { value: this.en, shift: (e - 2) * 8, which: 'en' };
    const c = port - this.cntBase;
    if (c >= 0 && c < 2) return { value: this.cnt, shift: c * 8, which: 'cnt' };
    return undefined;
  }

  portIn(port: number, size: 1 | 2 | 4): number {
    if (port === SMI_CMD_PORT) return 0;
    if (port === SMI_CMD_PORT + 1) return this.apms;
    let v = 0;
    for (let i = 0; i < size; i++) {
      const r = this.reg(port + i);
      v |= (r ? (r.value >>> r.shift) & 0xff : 0xff) << (8 * i);
    }
    return size === 4 ? v >>> 0 : v;
  }

  portOut(port: number, size: 1 | 2 | 4, value: number): void {
    if (port === SMI_CMD_PORT) {
      if ((value & 0xff) === ACPI_ENABLE) this.cnt |= PM1_CNT_SCI_EN;
      else if ((value & 0xff) === ACPI_DISABLE) this.cnt &= ~PM1_CNT_SCI_EN;
      return;
    }
    if (port === SMI_CMD_PORT + 1) {
      this.apms = value & 0xff;
      return;
    }
    for (let i = 0; i < size; i++) {
      const r = this.reg(port + i);
      if (!r) continue;
      const byte = (value >>> (8 * i)) & 0xff;
      if (r.which === 'sts') {
        this.sts &= ~(byte << r.shift); // write 1 to clear
      } else if (r.which === 'en') {
        this.en = (this.en & ~(0xff << r.shift)) | ((byte << r.shift) & 0x0721);
      } else {
        const v = (this.cnt & ~(0xff << r.shift)) | (byte << r.shift);
        this.cnt = v & ~PM1_CNT_SLP_EN & 0x3c07;
        if (v & PM1_CNT_SLP_EN && r.shift === 8) {
          const typ = (v >>> 10) & 7;
          if (typ === SLP_TYP_S5) this.onPowerOff();
        }
      }
    }
  }
}
