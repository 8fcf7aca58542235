// The Xen platform PCI device 5853:0001 (QEMU hw/i386/xen/xen_platform.c; docs/misc/hvm-emulated-
// unplug.pandoc): class "other" (0xff80), INTA, BAR0 a 256-byte I/O window, BAR1 16 MiB of
// prefetchable MMIO where Linux places grant frames. The unplug protocol on I/O ports
// 0x10/0x12: reading 0x10 gives the magic 0x49d2, writing 0x12 a build number, writing 0x10 a
// mask of emulated devices to unplug (we emulate no IDE or NIC, so it is recorded only).
import type { PcPlatform } from '../machine/pc_platform.ts';

export const XEN_PLATFORM_VENDOR = 0x5853;
export const XEN_PLATFORM_DEVICE = 0x0001;
const UNPLUG_MAGIC = 0x49d2;
const PCI_DEVICE_SLOT = 3;

export class XenPlatformPci {
  /** Last unplug mask and product/build numbers written (teaching view, tests). */
  unplugMask = 0;
  productNumber = 0;
  buildNumber = 0;
  /** Bytes written to the log port 0x12 as text (QEMU xen_platform_log). */
  log = '';

  constructor(platform: PcPlatform) {
    platform.pci.register({
      device: PCI_DEVICE_SLOT,
      function: 0,
      vendorId: XEN_PLATFORM_VENDOR,
      deviceId: XEN_PLATFORM_DEVICE,
      classCode: 0xff8000,
      revision: 1,
      subsystemVendorId: XEN_PLATFORM_VENDOR,
      subsystemId: XEN_PLATFORM_DEVICE,
      interruptPin: 1,
      bars: [
        { size: 0x100, kind: 'io' },
        { size: 0x1000000, kind: 'mem32', prefetchable: true },
      ],
    });
    platform.io.register(0x10, 4, {
      portIn: (port: number, size: number) => {
        if (port === 0x10 && size === 2) return UNPLUG_MAGIC;
        if (port === 0x12 && size === 1) return 1; // protocol version
        return size === 1 ? 0xff : size === 2 ? 0xffff : 0xffffffff;
      },
      portOut: (port: number, size: number, value: number) => {
        if (port === 0x10 && size === 2) this.unplugMask = value & 0xffff;
        else if (port === 0x12 && size === 2) this.productNumber = value & 0xffff;
        else if (port === 0x10 && size === 4) this.buildNumber = value >>> 0;
        else if (port === 0x12 && size === 1) this.log = (this.log + String.fromCharCode(value & 0xff)).slice(-4096);
      },
    });
  }
}
