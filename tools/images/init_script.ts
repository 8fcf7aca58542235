// The files of the initramfs's root that are text: /init (run by the kernel as PID 1 through busybox sh)
// and a few /etc files for a friendlier shell.

/**
 * /init for a Xen PV guest: mounts proc/sys/devtmpfs, loads the PV drivers, mounts the demo disk when one
 * is attached, then keeps a job-control shell on the Xen console hvc0.
 *
 * PID 1 must never exit (the kernel panics), so the shell runs in a loop rather than by `exec`. `setsid`
 * in the child makes a new session; opening /dev/hvc0 then makes it the controlling terminal, which
 * gives job control (^C, ^Z). `xentab.tty=ttyS0` on the kernel command line picks another terminal
 * (tests boot this initramfs under QEMU that way); without the chosen device, cttyhack finds the active
 * console instead.
 */
export function initScript(modules: readonly string[]): string {
  return `#!/bin/busybox sh
# /init of the xentab demo initramfs (built by tools/images; see initramfs.ts).
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
[ -x /bin/sh ] || /bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
hostname -F /etc/hostname

# Xen PV drivers, dependencies first. Outside Xen they refuse to load with "No such device".
for m in ${modules.join(' ')}; do
  insmod /lib/modules/$m.ko || echo "init: $m not loaded"
done

hv=$(cat /sys/hypervisor/type 2>/dev/null)
echo
echo "xentab: Linux $(uname -r) on ${'$'}{hv:-an unknown hypervisor}, busybox initramfs"

# A PV disk shows up once blkfront and its backend reach XenbusStateConnected; give it a few seconds.
if ls /sys/bus/xen/devices 2>/dev/null | grep -q '^vbd-'; then
  i=0
  while [ ! -b /dev/xvda ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
fi
if [ -b /dev/xvda1 ] && mount /dev/xvda1 /mnt; then
  echo "xentab: /dev/xvda1 mounted on /mnt"
  [ -f /mnt/etc/motd ] && cat /mnt/etc/motd
fi

# The shell's terminal: hvc0 (the Xen console), or xentab.tty=NAME from the kernel command line.
tty=hvc0
for arg in $(cat /proc/cmdline); do
  case "$arg" in xentab.tty=*) tty=${'$'}{arg#xentab.tty=} ;; esac
done
while true; do
  if [ -c "/dev/$tty" ]; then
    setsid sh -c "exec sh -l </dev/$tty >/dev/$tty 2>&1"
  else
    setsid cttyhack sh -l
  fi
  echo "init: the shell exited; starting another"
done
`;
}

export const ETC_FILES: Readonly<Record<string, string>> = {
  'etc/hostname': 'xentab\n',
  'etc/passwd': 'root:x:0:0:root:/root:/bin/sh\n',
  'etc/group': 'root:x:0:\n',
  'etc/profile': [
    'export PATH=/bin:/sbin:/usr/bin:/usr/sbin',
    'export HOME=/root',
    'export PS1="\\u@\\h:\\w\\$ "',
    'cd "$HOME"',
    '',
  ].join('\n'),
};
