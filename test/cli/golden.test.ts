// Golden tests: every command line of QEMU's Xen guide (docs/system/i386/xen.rst, old and new
// revisions, and the -initrd module example of qemu-options.hx), the test-runner lines of
// issue 4, and xentab's own options parse to the checked-in config in fixtures/NAME.json.
// `UPDATE_GOLDEN=1 npx vitest run test/cli/golden.test.ts` rewrites the fixtures; review the diff.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/cli/parse_args.ts';
import { makeFixtureDir, normalisePaths } from './cli_fixture.ts';

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
};

/** Lines QEMU 7.2 can run too (Debian's QEMU predates Xen emulation, which came in 8.0). */
const QEMU_RUNS = ['test-runner', 'debugcon', 'nographic'];
const QEMU = '/usr/bin/qemu-system-x86_64';

const fixtures = makeFixtureDir();
afterAll(() => fixtures.cleanup());

describe('golden command lines', () => {
  for (const [name, argv] of Object.entries(GOLDEN_LINES)) {
    it(`parses ${name} to fixtures/${name}.json`, () => {
      const result = parseArgs(argv, { cwd: fixtures.dir });
      if (result.kind !== 'config') throw new Error(`expected a config, got ${result.kind}`);
      expect(result.fileProblems).toEqual([]);
      // Plain data: survives JSON unchanged (share links carry it).
      expect(JSON.parse(JSON.stringify(result.config))).toEqual(result.config);
      const actual = { argv, config: normalisePaths(result.config, fixtures.dir) };
      const file = join(import.meta.dirname, 'fixtures', `${name}.json`);
      if (process.env['UPDATE_GOLDEN'] === '1' || !existsSync(file)) {
        if (process.env['UPDATE_GOLDEN'] !== '1') throw new Error(`missing ${file}; run with UPDATE_GOLDEN=1 and review it`);
        writeFileSync(file, `${JSON.stringify(actual, null, 2)}\n`);
      }
      expect(actual).toEqual(JSON.parse(readFileSync(file, 'utf8')));
    });
  }
});

describe.skipIf(!existsSync(QEMU))('QEMU (Debian qemu-system-x86_64) accepts the same lines', () => {
  for (const name of QEMU_RUNS) {
    it(`qemu starts ${name} (paused by -S)`, () => {
      const r = spawnSync(QEMU, [...GOLDEN_LINES[name]!, '-S'], { cwd: fixtures.dir, timeout: 2000, encoding: 'utf8', input: '' });
      // Still running when our timeout stopped it: QEMU accepted the line and built the machine
      // (QEMU catches SIGTERM and exits 0 by itself, so look at the timeout, not the status).
      const timedOut = (r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT';
      expect({ timedOut, stderr: timedOut ? '' : r.stderr }).toEqual({ timedOut: true, stderr: '' });
    });
  }
});
