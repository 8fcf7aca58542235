// The golden command lines, shared by golden.test.ts and main_process.test.ts.

const XEN = ['--accel', 'kvm,xen-version=0x40011,kernel-irqchip=split'];

/** name → argv exactly as the source writes it (${GUEST_IMAGE} → guest.img). */
export const GOLDEN_LINES: Record<string, string[]> = {
  // xen.rst "Setup"
  'xen-setup': [...XEN],
  'xen-setup-4.10': ['--accel', 'kvm,xen-version=0x4000a,kernel-irqchip=split'],
  'xen-vapic': [...XEN, '--cpu', 'host,+xen-vapic'],
  // the older revision spells the flag with an underscore
  'xen-vapic-underscore': ['--accel', 'kvm,xen-version=0x4000a,kernel-irqchip=split', '--cpu', 'host,+xen_vapic'],
  // xen.rst "Xen paravirtual devices": the Xen console equivalent of -serial mon:stdio
  'xen-console-mux': [...XEN, '-chardev', 'stdio,mux=on,id=char0,signal=off', '-mon', 'char0', '-device', 'xen-console,chardev=char0'],
  // xen.rst: the boot disk both as a PV disk and on IDE
  'xen-disk-and-ide': [...XEN, '-drive', 'file=guest.img,if=xen', '-drive', 'file=guest.img,file.locking=off,if=ide'],
  // the older revision: if=none + -device xen-disk, and IDE index 2
  'xen-disk-device': [
    '-M', 'pc', '--accel', 'kvm,xen-version=0x4000a,kernel-irqchip=split',
    '-drive', 'file=guest.img,if=none,id=disk,file.locking=off', '-device', 'xen-disk,drive=disk,vdev=xvda',
    '-drive', 'file=guest.img,index=2,media=disk,file.locking=off,if=ide',
  ],
  // xen.rst "Booting Xen PV guests"
  'pv-shim': [
    ...XEN, '-chardev', 'stdio,id=char0', '-device', 'xen-console,chardev=char0',
    '-display', 'none', '-m', '1G', '-kernel', 'xen', '-initrd', 'bzImage',
    '-append', 'pv-shim console=xen,pv -- console=hvc0 root=/dev/xvda1', '-drive', 'file=guest.img,if=xen',
  ],
  // qemu-options.hx -initrd: two multiboot modules, the first with its own command line
  'pv-shim-modules': [
    ...XEN, '-chardev', 'stdio,id=char0', '-device', 'xen-console,chardev=char0', '-display', 'none', '-m', '1G',
    '-kernel', 'xen', '-initrd', 'bzImage earlyprintk=xen,,keep root=/dev/xvda1,initrd.img', '-append', 'pv-shim console=xen,pv',
  ],
  'xen-net': [...XEN, '-netdev', 'user,id=net0', '-device', 'xen-net-device,netdev=net0', '-netdev', 'user,id=net1', '-device', 'xen-net-device,netdev=net1,mac=52:54:00:AB:CD:EF'],
  // issue 5: GRUB PVH to grub>
  'grub-pvh': [...XEN, '-chardev', 'stdio,id=char0', '-device', 'xen-console,chardev=char0', '-display', 'none', '-m', '256M', '-kernel', 'grub-i386-xen_pvh.bin'],
  // issue 4: what QEMU's test runners pass (kvm-unit-tests style)
  'test-runner': [
    '-nodefaults', '-device', 'pc-testdev', '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x4', '-vnc', 'none', '-serial', 'stdio',
    '-machine', 'accel=tcg', '-kernel', 'kernel.mb', '-smp', '2', '-cpu', 'max,+x2apic,-la57', '-append', 'smp=2', '-initrd', 'initrd.img', '--no-reboot',
  ],
  // kvm-unit-tests' x86/run (ACCEL=tcg), exactly as it runs x86/apic.flat for its x2apic test
  'kvm-unit-tests': [
    '--no-reboot', '-nodefaults', '-global', 'kvm-pit.lost_tick_policy=discard', '-device', 'pc-testdev',
    '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x4', '-display', 'none', '-serial', 'stdio', '-device', 'pci-testdev',
    '-machine', 'accel=tcg', '-kernel', 'kernel.mb', '-smp', '2', '-cpu', 'qemu64,+x2apic,+tsc-deadline', '-initrd', 'initrd.img',
  ],
  'debugcon': ['-nodefaults', '--no-reboot', '-display', 'none', '-debugcon', 'stdio', '-kernel', 'kernel.mb', '-m', '64'],
  'nographic': ['-nographic', '-kernel', 'kernel.mb'],
  'hyperv-and-limits': [
    '-accel', 'kvm,xen-version=0x40011,kernel-irqchip=split,xen-evtchn-max-pirq=1024,xen-gnttab-max-frames=128',
    '-cpu', 'host,hv-relaxed,hv_vapic,hv-time,hv-spinlocks=0x1fff', '-smp', '4,cores=2', '-m', '2G', '-kernel', 'xen',
  ],
  'xentab-script': [
    ...XEN, '-chardev', 'stdio,id=c0,mux=on,signal=off', '-device', 'xen-console,chardev=c0', '-mon', 'chardev=c0,mode=readline',
    '-kernel', 'grub-i386-xen_pvh.bin', '-drive', 'file=disk2.img,if=none,id=d1,readonly=on', '-device', 'xen-disk,drive=d1',
    '--expect', 'grub>', '--send', 'echo hello\\n', '--expect', 'hello', '--timeout', '30',
    '-trace', 'xen_*', '-trace', 'events=trace-events.txt,file=trace.out', '-d', 'int,guest_errors,trace:xenstore_*', '-D', 'log.txt',
    '-icount', 'shift=3,sleep=off', '-rtc', 'base=2026-01-01T00:00:00,clock=vm', '-name', 'demo', '-S', '-snapshot', '--no-shutdown',
  ],
  // Many standard options at once, which QEMU 7.2 also accepts (golden.test.ts runs it there).
  'qemu-compat': [
    '-nodefaults', '-chardev', 'stdio,id=c0,mux=on,signal=off', '-serial', 'chardev:c0', '-mon', 'c0', '-display', 'none',
    '-kernel', 'kernel.mb', '-m', '64', '-drive', 'file=guest.img,if=ide,format=raw,cache=unsafe',
    '-drive', 'file=disk2.img,if=none,id=d1,readonly=on,format=raw', '-snapshot', '-smp', 'cores=2,threads=2',
    '-cpu', 'qemu64,+x2apic,-sse4.2', '-icount', 'shift=3,sleep=off', '-rtc', 'base=2026-01-01,clock=vm', '-d', 'int,guest_errors',
    '-D', 'log.txt', '-trace', 'xen_*', '-trace', 'events=trace-events.txt,file=trace.out', '-name', 'demo', '-no-shutdown',
    '-no-reboot', '-vga', 'none', '-debugcon', 'file:debug.log', '-device', 'isa-debug-exit', '-device', 'pc-testdev',
    '-netdev', 'user,id=n0', '-M', 'pc,accel=tcg',
  ],
};
