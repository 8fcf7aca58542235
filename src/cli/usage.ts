// -help and -version text, grouped like QEMU's help, generated from the option table.
import { GROUP_TITLES, OPTIONS } from './options.ts';
import type { OptionGroup, OptionRow } from './options.ts';

const XEN_SECTION = `Xen options (properties of -accel kvm, as in QEMU's docs/system/i386/xen.rst):
-accel kvm,xen-version=0x40011,kernel-irqchip=split
                enable the Xen HVM guest interface; xen-version is major<<16|minor
                (0x40011 = Xen 4.17); kernel-irqchip=split is required, as in QEMU
    xen-evtchn-max-pirq=N     PIRQs that can be routed to event channels (default 256)
    xen-gnttab-max-frames=N   grant table frames, 512 grants each (default 64)
-cpu host,+xen-vapic
                advertise virtual APIC support to the Xen guest
-cpu host,hv-relaxed,...
                any Hyper-V enlightenment moves the Xen CPUID leaves to 0x40000100
-device xen-console,chardev=ID      Xen PV console on a chardev
-device xen-disk,drive=ID,vdev=xvda Xen PV disk on a -drive ...,if=none,id=ID
-drive file=IMAGE,if=xen            shorthand: appears to the guest as xvda onwards
-device xen-net-device,netdev=ID    Xen PV network device on a -netdev
-trace 'xen_*'                      print hypercalls, event channels, grants, XenStore
`;

const EXAMPLES = `Examples (from QEMU's Xen guide; -accel kvm runs on xentab's own CPU):
  Boot a PV guest through the Xen PV shim, console on stdio:
    xentab --accel kvm,xen-version=0x40011,kernel-irqchip=split \\
      -chardev stdio,id=char0 -device xen-console,chardev=char0 \\
      -display none -m 1G -kernel xen -initrd bzImage \\
      -append "pv-shim console=xen,pv -- console=hvc0 root=/dev/xvda1" \\
      -drive file=guest.img,if=xen
  Serial-port-like Xen console with the monitor multiplexed (C-a c, C-a x):
    xentab --accel kvm,xen-version=0x40011,kernel-irqchip=split \\
      -chardev stdio,mux=on,id=char0,signal=off -mon char0 \\
      -device xen-console,chardev=char0 -kernel grub-i386-xen_pvh.bin
  Multiboot modules with their own command lines (a literal comma is ,,):
    xentab ... -kernel xen -initrd "bzImage earlyprintk=xen,,keep root=/dev/xvda1,initrd.img"
  A test script: wait for the prompt, type a command, wait for its output:
    xentab ... --expect "grub>" --send "echo hello\\n" --expect hello --timeout 60
`;

const EXIT_STATUSES = `Exit status:
  0    --expect text seen (or the guest shut down cleanly)
  1    bad command line or unusable input file (nothing was started)
  2    internal error (a bug in xentab)
  3    the command line is fine but xentab cannot run this machine yet (Xen guests, disks)
  4    the guest stopped the CPU on an exception it could not deliver
  124  --timeout reached
  isa-debug-exit: (value << 1) | 1, as in QEMU
`;

function formatRow(row: OptionRow): string {
  // xentab's own options are GNU-style long options in spirit; both spellings work for all.
  const dash = row.group === 'xentab' ? '--' : '-';
  const head = `${dash}${row.names[0]}${row.arg ? ` ${row.arg}` : ''}`;
  const alias = row.names.length > 1 ? ` (also -${row.names.slice(1).join(', -')})` : '';
  if (head.length < 16 && !alias) return `${head.padEnd(16)}${row.help}\n`;
  return `${head}${alias}\n                ${row.help}\n`;
}

export function usageText(): string {
  let out = 'usage: xentab [options]\n\n' +
    'Runs an x86-64 guest with the Xen HVM guest interface, headless, taking the options\n' +
    "of qemu-system-x86_64. Every option may be written -opt or --opt; its value is the next\n" +
    "argument (-m 1G, not -m=1G). Values use QEMU's key=value,... syntax (,, is a literal comma).\n\n";
  const unsupported: string[] = [];
  for (const group of Object.keys(GROUP_TITLES) as OptionGroup[]) {
    if (group === 'xen') {
      out += `${XEN_SECTION}\n`;
      continue;
    }
    const rows = OPTIONS.filter((r) => r.group === group);
    const supported = rows.filter((r) => r.apply !== null);
    unsupported.push(...rows.filter((r) => r.apply === null).map((r) => `-${r.names[0]}`));
    if (supported.length === 0) continue;
    out += `${GROUP_TITLES[group]}:\n${supported.map(formatRow).join('')}\n`;
  }
  out += `Valid in QEMU but not supported yet by xentab (refused by name):\n`;
  for (let i = 0; i < unsupported.length; i += 10) out += `  ${unsupported.slice(i, i + 10).join(' ')}\n`;
  return `${out}\n${EXAMPLES}\n${EXIT_STATUSES}`;
}

export function versionText(version: string): string {
  return `xentab version ${version}\nAn x86-64 machine with the Xen HVM guest interface, taking QEMU's command line.\n`;
}
