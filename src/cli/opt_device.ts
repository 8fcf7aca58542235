// -device and -netdev: the device models xentab has, with QEMU's property names and defaults
// (hw/misc/debugexit.c iobase 0x501 iosize 2; MAC 52:54:00:12:34:56 + n as QEMU assigns them).
import { CliError } from './cli_error.ts';
import { isWellFormedId, madeBy, newReader } from './parse_state.ts';
import type { ParseState } from './parse_state.ts';
import type { OptsReader } from './qemu_opts.ts';

export const DEVICE_MODELS: Record<string, string> = {
  'xen-console': 'Xen PV console, chardev=ID',
  'xen-disk': 'Xen PV block device, drive=ID[,vdev=xvda]',
  'xen-net-device': 'Xen PV network device, netdev=ID[,mac=52:54:00:12:34:56]',
  'isa-debug-exit': 'ISA debug exit port, iobase=0x501,iosize=0x02 (exit status (value << 1) | 1)',
  'pc-testdev': 'PC test device (kvm-unit-tests)',
  'pci-testdev': 'PCI test device 1b36:0005 (kvm-unit-tests)',
};
/** Valid QEMU models a test runner or guide may name, which xentab does not have yet. */
const UNSUPPORTED_MODELS = [
  'isa-serial', 'isa-debugcon', 'virtio-blk-pci', 'virtio-net-pci', 'virtio-serial-pci', 'virtconsole',
  'e1000', 'rtl8139', 'ide-hd', 'ide-cd', 'ahci', 'usb-tablet', 'qemu-xhci', 'VGA', 'cirrus-vga', 'loader',
  'xen-pvdevice', 'xen-platform', 'xen-pci-passthrough', 'vfio-pci', 'intel-iommu', 'hpet', 'i8042',
];

/** xen-block's vdev syntaxes (hw/block/xen-block.c): xvdN, hdN, sdN, dNpM. */
const VDEV = /^((xvd|hd|sd)[a-z]+[0-9]*|d[0-9]+(p[0-9]+)?)$/;
const MAC = /^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$/;

export function optDevice(s: ParseState, value: string, where: string): void {
  const r: OptsReader = newReader(s, where, value, 'driver');
  if (r.helpWanted && !r.has('driver')) {
    s.output = `Device models in xentab:\n${Object.entries(DEVICE_MODELS).map(([n, d]) => `  ${n.padEnd(16)} ${d}\n`).join('')}`;
    return;
  }
  const driver = r.requireString('driver', 'the device model');
  if (r.helpWanted) {
    s.output = `${driver}: ${DEVICE_MODELS[driver] ?? 'not a device model xentab has'}\n`;
    return;
  }
  const id = r.string('id') ?? null;
  if (id !== null && !isWellFormedId(id)) r.fail(`parameter 'id' expects an identifier, not '${id}'`);
  if (id !== null && s.config.devices.some((d) => d.id === id)) r.fail(`duplicate ID '${id}' for device`);
  switch (driver) {
    case 'xen-console':
      s.config.devices.push(madeBy(s, { driver, id, chardev: r.requireString('chardev', "parameter 'chardev'") }, where));
      r.done(['idx']);
      return;
    case 'xen-disk': {
      const drive = r.requireString('drive', "parameter 'drive'");
      const vdev = r.string('vdev') ?? '';
      if (vdev !== '' && !VDEV.test(vdev)) r.fail(`invalid vdev '${vdev}' (expected xvda, hda, sda or d0p0 style)`);
      r.done(['max-ring-page-order', 'num-queues', 'iothread']);
      // An empty vdev is given the first free xvdX in finalize_config.ts, as QEMU does.
      s.config.devices.push(madeBy(s, { driver, id, drive, vdev }, where));
      return;
    }
    case 'xen-net-device': {
      const netdev = r.requireString('netdev', "parameter 'netdev'");
      const mac = r.string('mac') ?? '';
      if (mac !== '' && !MAC.test(mac)) r.fail(`property 'mac' expects a MAC address like 52:54:00:12:34:56, not '${mac}'`);
      r.done(['romfile']);
      s.config.devices.push(madeBy(s, { driver, id, netdev, mac: mac.toLowerCase() }, where));
      return;
    }
    case 'isa-debug-exit': {
      const iobase = r.uint('iobase', 0x501, 0, 0xffff);
      const iosize = r.uint('iosize', 0x02, 1, 0x10000 - iobase);
      r.done();
      s.config.devices.push(madeBy(s, { driver, id, iobase, iosize }, where));
      return;
    }
    case 'pc-testdev':
    case 'pci-testdev':
      r.done();
      s.config.devices.push(madeBy(s, { driver, id }, where));
      return;
    default:
      if (UNSUPPORTED_MODELS.includes(driver)) {
        r.fail(`device model '${driver}' is valid in QEMU but not supported yet by xentab (supported: ${Object.keys(DEVICE_MODELS).join(', ')})`);
      }
      r.fail(`'${driver}' is not a valid device model name (use -device help)`);
  }
}

const NETDEV_TYPES = ['user'] as const;
const UNSUPPORTED_NETDEVS = ['tap', 'bridge', 'socket', 'stream', 'dgram', 'vde', 'l2tpv3', 'vhost-user', 'vhost-vdpa', 'hubport', 'passt', 'netmap', 'af-xdp'];

export function optNetdev(s: ParseState, value: string, where: string): void {
  const r: OptsReader = newReader(s, where, value, 'type');
  if (r.helpWanted) {
    s.output = `Available netdev backend types:\n${NETDEV_TYPES.map((t) => `  ${t}\n`).join('')}`;
    return;
  }
  const type = r.requireString('type', 'the netdev type');
  if (UNSUPPORTED_NETDEVS.includes(type)) r.fail(`netdev type '${type}' is valid in QEMU but not supported yet by xentab (supported: ${NETDEV_TYPES.join(', ')})`);
  if (type !== 'user') r.fail(`invalid netdev type '${type}'`);
  const id = r.requireString('id', "parameter 'id'");
  if (!isWellFormedId(id)) r.fail(`parameter 'id' expects an identifier, not '${id}'`);
  r.done(['net', 'host', 'restrict', 'hostname', 'dhcpstart', 'dns', 'dnssearch', 'domainname', 'ipv4', 'ipv6', 'hostfwd', 'guestfwd', 'tftp', 'bootfile', 'smb', 'ipv6-net', 'ipv6-host', 'ipv6-dns']);
  if (s.config.netdevs.some((n) => n.id === id)) r.fail(`duplicate ID '${id}' for netdev`);
  s.config.netdevs.push(madeBy(s, { id, type: 'user' as const }, where));
}

/**
 * -global DRIVER.PROP=VALUE (or driver=,property=,value=): a default property for every device
 * of a class. As in QEMU, a global for a class the machine never creates is accepted and has no
 * effect; xentab's own device models take no globals yet, so those are refused by name.
 */
const UNCREATED_CLASSES = [
  // KVM's in-kernel PIT: kvm-unit-tests' x86/run always passes kvm-pit.lost_tick_policy=discard,
  // which QEMU ignores under TCG because the class is only instantiated with KVM's irqchip.
  'kvm-pit',
];

export function optGlobal(s: ParseState, value: string, where: string): void {
  let driver: string, prop: string;
  const eq = value.indexOf('=');
  const dot = value.indexOf('.');
  if (value.startsWith('driver=')) {
    const r: OptsReader = newReader(s, where, value, null);
    driver = r.requireString('driver', "parameter 'driver'");
    prop = r.requireString('property', "parameter 'property'");
    r.requireString('value', "parameter 'value'");
    r.done();
  } else {
    if (dot <= 0 || eq < dot + 2) throw new CliError(where, `Invalid parameter '${value.split(',')[0]}' (expected DRIVER.PROP=VALUE)`);
    driver = value.slice(0, dot);
    prop = value.slice(dot + 1, eq);
  }
  if (UNCREATED_CLASSES.includes(driver)) return;
  throw new CliError(where, `global property '${driver}.${prop}' is valid in QEMU but not supported yet by xentab (accepted: ${UNCREATED_CLASSES.map((c) => `${c}.*`).join(', ')})`);
}
