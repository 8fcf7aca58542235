// Malformed command lines: each gives exactly this message (after "xentab: ") and nothing
// starts. Rows marked `qemu` are also wrong for QEMU itself, and Debian's qemu-system-x86_64
// (the oracle) must refuse them too, so xentab is never stricter than QEMU by accident there.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { CliError } from '../../src/cli/cli_error.ts';
import { parseArgs } from '../../src/cli/parse_args.ts';
import { makeFixtureDir } from './cli_fixture.ts';

const XEN = ['-accel', 'kvm,xen-version=0x40011,kernel-irqchip=split'];
const QEMU = '/usr/bin/qemu-system-x86_64';

interface Row {
  argv: string[];
  message: string;
  /** QEMU rejects this line too. */
  qemu?: true;
}

const ROWS: Row[] = [
  { argv: ['-m', '1X'], message: "-m 1X: invalid size '1X' (expected a number with an optional K, M, G or T suffix)", qemu: true },
  { argv: ['-m', '1.3'], message: "-m 1.3: invalid size '1.3' (expected a number with an optional K, M, G or T suffix)" },
  { argv: ['-m', '8G'], message: '-m 8G: at most 3584M of RAM is supported (guest RAM lives in one 32-bit WebAssembly.Memory)' },
  { argv: ['-m', '1G,maxmem=2G'], message: "-m 1G,maxmem=2G: parameter 'maxmem' is valid in QEMU but not supported yet by xentab" },
  { argv: ['-m=1G'], message: "-m=1G: invalid option (as in QEMU, the value is the next argument: '-m 1G')", qemu: true },
  { argv: ['--kernel=xen'], message: "--kernel=xen: invalid option (as in QEMU, the value is the next argument: '--kernel xen')", qemu: true },
  { argv: ['-frobnicate'], message: '-frobnicate: invalid option (see xentab -help)', qemu: true },
  { argv: ['-kernel'], message: '-kernel: requires an argument', qemu: true },
  { argv: ['guest.img'], message: "guest.img: a disk image without an option (QEMU's implicit -hda) is not supported yet by xentab; use -drive file=guest.img,if=xen" },
  { argv: ['-hda', 'guest.img'], message: '-hda guest.img: option -hda is valid in QEMU but not supported yet by xentab' },
  { argv: ['--accel', 'kvm,xen-version=0x40011'], message: '--accel kvm,xen-version=0x40011: Xen support requires kernel-irqchip=split (as in QEMU: add kernel-irqchip=split to -accel kvm)' },
  { argv: ['-accel', 'tcg,xen-version=0x40011'], message: "-accel tcg,xen-version=0x40011: property 'tcg-accel.xen-version' not found (the Xen properties belong to -accel kvm)", qemu: true },
  { argv: ['-accel', 'kvm,xen-version=4.17,kernel-irqchip=split'], message: "-accel kvm,xen-version=4.17,kernel-irqchip=split: parameter 'xen-version' expects a 32-bit number such as 0x40011 (Xen 4.17), not '4.17'" },
  { argv: ['-accel', 'kvm,kernel-irqchip=maybe'], message: "-accel kvm,kernel-irqchip=maybe: parameter 'kernel-irqchip' expects 'on', 'off' or 'split', not 'maybe'" },
  { argv: ['-accel', 'kvm,xen-version=0x40011,kernel-irqchip=split,xen-gnttab-max-frames=0'], message: "-accel kvm,xen-version=0x40011,kernel-irqchip=split,xen-gnttab-max-frames=0: parameter 'xen-gnttab-max-frames' must be between 1 and 65536, not 0" },
  { argv: ['-machine', 'pc,accel=tcg', '-accel', 'tcg'], message: '-accel tcg: the -accel and "-machine accel=" (or -enable-kvm) options are incompatible, as in QEMU', qemu: true },
  { argv: ['-accel', 'tcg', '-enable-kvm'], message: '-enable-kvm: the -accel and "-machine accel=" (or -enable-kvm) options are incompatible, as in QEMU', qemu: true },
  { argv: ['-accel', 'hvf'], message: "-accel hvf: accelerator 'hvf' is valid in QEMU but not supported by xentab (kvm, tcg)" },
  { argv: [...XEN, '-chardev', 'stdio,id=c0', '-device', 'xen-console,chardev=c9'], message: "-device xen-console,chardev=c9: chardev 'c9' not found (define it with -chardev …,id=c9)" },
  { argv: ['-chardev', 'stdio,id=c0', '-device', 'xen-console,chardev=c0'], message: "-device xen-console,chardev=c0: No 'xen-bus' bus found for device 'xen-console' (Xen devices need -accel kvm,xen-version=0x40011,kernel-irqchip=split)", qemu: true },
  { argv: [...XEN, '-device', 'xen-console'], message: "-device xen-console: parameter 'chardev' is missing" },
  { argv: ['-chardev', 'stdio'], message: "-chardev stdio: parameter 'id' is missing", qemu: true },
  { argv: ['-chardev', 'bogus,id=x'], message: "-chardev bogus,id=x: 'bogus' is not a valid char driver name", qemu: true },
  { argv: ['-chardev', 'socket,id=s0,path=/tmp/s'], message: "-chardev socket,id=s0,path=/tmp/s: chardev backend 'socket' is valid in QEMU but not supported yet by xentab (supported: stdio, file, null)" },
  { argv: ['-chardev', 'stdio,id=c0,mux=maybe'], message: "-chardev stdio,id=c0,mux=maybe: parameter 'mux' expects 'on' or 'off', not 'maybe'" },
  { argv: ['-chardev', 'stdio,id=c0', '-chardev', 'null,id=c0'], message: "-chardev null,id=c0: duplicate ID 'c0' for chardev", qemu: true },
  { argv: ['-nographic', '-chardev', 'stdio,id=c0'], message: "-nographic: cannot use stdio by multiple character devices (already used by chardev 'c0')", qemu: true },
  { argv: ['-chardev', 'stdio,id=c0', '-serial', 'chardev:c0', '-monitor', 'chardev:c0'], message: "-chardev stdio,id=c0: chardev 'c0' is used by serial0 and monitor; add mux=on to share it", qemu: true },
  { argv: ['-mon', 'c0'], message: "-mon c0: chardev 'c0' not found (define it with -chardev …,id=c0)", qemu: true },
  { argv: ['-mon', 'chardev=c0,mode=control', '-chardev', 'stdio,id=c0'], message: '-mon chardev=c0,mode=control: the QMP monitor (mode=control) is valid in QEMU but not supported yet by xentab' },
  { argv: ['-serial', 'pty'], message: "-serial pty: character device 'pty' is valid in QEMU but not supported yet by xentab (supported: stdio, null, vc, file:PATH, mon:DEV, chardev:ID, none)" },
  { argv: ['-debugcon', 'stdio', '-debugcon', 'null'], message: '-debugcon null: already have a debugcon device', qemu: true },
  { argv: ['-device', 'frob'], message: "-device frob: 'frob' is not a valid device model name (use -device help)", qemu: true },
  { argv: ['-device', 'e1000'], message: "-device e1000: device model 'e1000' is valid in QEMU but not supported yet by xentab (supported: xen-console, xen-disk, xen-net-device, isa-debug-exit, pc-testdev, pci-testdev)" },
  { argv: ['-device', 'pci-testdev,membar=4096'], message: "-device pci-testdev,membar=4096: invalid parameter 'membar' (accepted: driver, id)" },
  { argv: ['-global', 'kvm-pit'], message: "-global kvm-pit: Invalid parameter 'kvm-pit' (expected DRIVER.PROP=VALUE)", qemu: true },
  { argv: ['-global', 'mc146818rtc.lost_tick_policy=slew'], message: "-global mc146818rtc.lost_tick_policy=slew: global property 'mc146818rtc.lost_tick_policy' is valid in QEMU but not supported yet by xentab (accepted: kvm-pit.*)" },
  { argv: ['-device', 'isa-debug-exit,iobase=0x10000'], message: "-device isa-debug-exit,iobase=0x10000: parameter 'iobase' must be between 0 and 65535, not 0x10000" },
  { argv: ['-device', 'pc-testdev,frob=1'], message: "-device pc-testdev,frob=1: invalid parameter 'frob' (accepted: driver, id)" },
  { argv: ['-drive', 'file=guest.img,if=scsi'], message: '-drive file=guest.img,if=scsi: interface if=scsi is valid in QEMU but not supported yet by xentab (supported: xen, ide, none)' },
  { argv: ['-drive', 'file=guest.img,format=qcow2'], message: "-drive file=guest.img,format=qcow2: image format 'qcow2' is valid in QEMU but not supported yet by xentab (only raw)" },
  { argv: ['-drive', 'if=none,id=d0'], message: "-drive if=none,id=d0: parameter 'file' is missing (a disk needs an image)" },
  { argv: ['-drive', 'file=guest.img,index=9,if=ide'], message: "-drive file=guest.img,index=9,if=ide: parameter 'index' must be between 0 and 3, not 9", qemu: true },
  { argv: ['-drive', 'file=guest.img,if=ide', '-drive', 'file=guest.img,if=ide,index=0'], message: '-drive file=guest.img,if=ide,index=0: drive with bus=0, unit=0 (index=0) exists', qemu: true },
  { argv: [...XEN, '-drive', 'file=guest.img,if=none,id=d0', '-device', 'xen-disk,drive=d1'], message: "-device xen-disk,drive=d1: drive 'd1' not found (define it with -drive …,if=none,id=d1)" },
  { argv: [...XEN, '-drive', 'file=guest.img,if=ide', '-device', 'xen-disk,drive=ide0-hd0'], message: "-device xen-disk,drive=ide0-hd0: drive 'ide0-hd0' is already in use because it has been automatically connected to another device (did you need 'if=none' in the drive options?)" },
  { argv: [...XEN, '-drive', 'file=guest.img,if=none,id=d0', '-device', 'xen-disk,drive=d0', '-device', 'xen-disk,drive=d0'], message: "-device xen-disk,drive=d0: drive 'd0' is already in use by another device" },
  { argv: [...XEN, '-drive', 'file=guest.img,if=none,id=d0', '-drive', 'file=disk2.img,if=none,id=d1', '-device', 'xen-disk,drive=d0,vdev=xvda', '-device', 'xen-disk,drive=d1,vdev=xvda'], message: "-device xen-disk,drive=d1,vdev=xvda: vdev 'xvda' is already used by another xen-disk" },
  { argv: [...XEN, '-drive', 'file=guest.img,if=none,id=d0', '-device', 'xen-disk,drive=d0,vdev=floppy'], message: "-device xen-disk,drive=d0,vdev=floppy: invalid vdev 'floppy' (expected xvda, hda, sda or d0p0 style)" },
  { argv: [...XEN, '-device', 'xen-net-device,netdev=n9'], message: "-device xen-net-device,netdev=n9: netdev 'n9' not found (define it with -netdev user,id=n9)" },
  { argv: [...XEN, '-netdev', 'user,id=n0', '-device', 'xen-net-device,netdev=n0,mac=52:54:00'], message: "-device xen-net-device,netdev=n0,mac=52:54:00: property 'mac' expects a MAC address like 52:54:00:12:34:56, not '52:54:00'" },
  { argv: ['-netdev', 'tap,id=n0'], message: "-netdev tap,id=n0: netdev type 'tap' is valid in QEMU but not supported yet by xentab (supported: user)" },
  { argv: ['-initrd', 'bzImage'], message: '-initrd only allowed with -kernel option', qemu: true },
  { argv: ['-append', 'console=hvc0'], message: '-append only allowed with -kernel option', qemu: true },
  { argv: ['-kernel', 'xen', '-initrd', 'bzImage,,initrd.img,'], message: '-initrd bzImage,,initrd.img,: module 2 has no file name' },
  { argv: ['-smp', '3,cores=2'], message: '-smp 3,cores=2: invalid CPU topology: product of the hierarchy must match maxcpus: sockets (1) * dies (1) * cores (2) * threads (1) != maxcpus (3)', qemu: true },
  { argv: ['-smp', '4,maxcpus=2'], message: '-smp 4,maxcpus=2: invalid CPU topology: maxcpus must be equal to or greater than smp: sockets (1) * dies (1) * cores (2) * threads (1) == maxcpus (2) < smp_cpus (4)', qemu: true },
  { argv: ['-cpu', 'Skylake-Client'], message: "-cpu Skylake-Client: CPU model 'Skylake-Client' is not supported by xentab (supported: host, max, qemu64, qemu32, kvm64, kvm32, base; use -cpu help)" },
  { argv: ['-cpu', 'host,+'], message: "-cpu host,+: invalid CPU feature name ''" },
  { argv: ['-cpu', 'host,+hv-spinlocks=0x1fff'], message: "-cpu host,+hv-spinlocks=0x1fff: invalid CPU feature name 'hv-spinlocks=0x1fff'" },
  { argv: ['-M', 'q35'], message: "-M q35: machine type 'q35' is valid in QEMU but not supported yet by xentab (supported: pc)" },
  { argv: ['-M', 'frob'], message: "-M frob: unknown machine type 'frob' (use -machine help to list)", qemu: true },
  { argv: ['-display', 'gtk'], message: "-display gtk: display 'gtk' is valid in QEMU but not supported by xentab (only none; the page is xentab's display)" },
  { argv: ['-vga', 'std'], message: "-vga std: VGA type 'std' is valid in QEMU but not supported yet by xentab (only none)" },
  { argv: ['-icount', 'shift=auto'], message: '-icount shift=auto: shift=auto is valid in QEMU but not supported by xentab (it ties virtual time to host speed; xentab is deterministic)' },
  { argv: ['-icount', 'shift=11'], message: "-icount shift=11: parameter 'shift' must be between 0 and 10, not 11", qemu: true },
  { argv: ['-d', 'frob'], message: "-d frob: unknown log item 'frob' (use -d help)", qemu: true },
  { argv: ['-d', 'out_asm'], message: "-d out_asm: log item 'out_asm' is valid in QEMU but not supported by xentab" },
  { argv: ['-trace', 'xen_*;rm'], message: "-trace xen_*;rm: invalid trace event pattern 'xen_*;rm' (event names with * and ? wildcards, e.g. 'xen_*')" },
  { argv: ['-trace', 'events=nonexistent.txt'], message: "-trace events=nonexistent.txt: cannot read trace events file 'nonexistent.txt': ENOENT", qemu: true },
  { argv: ['-rtc', 'base=yesterday'], message: "-rtc base=yesterday: invalid date format 'yesterday' (valid formats: '2006-06-17T16:01:21' or '2006-06-17')", qemu: true },
  { argv: ['--timeout', 'soon'], message: "--timeout soon: invalid timeout 'soon' (expected a positive number of seconds)" },
  { argv: ['--send', 'a\\q'], message: "--send a\\q: unknown escape '\\q' (use \\n \\r \\t \\e \\\\ or \\xHH for ASCII HH)" },
  { argv: ['-nodefaults', '--expect', 'login:'], message: '--expect/--send need a console: add -chardev stdio,id=c0 -device xen-console,chardev=c0, or -serial stdio' },
  { argv: ['--expect', ''], message: '--expect : the expected text is empty' },
];

const fixtures = makeFixtureDir();
afterAll(() => fixtures.cleanup());

function errorOf(argv: string[]): string {
  try {
    parseArgs(argv, { cwd: fixtures.dir });
  } catch (e) {
    if (e instanceof CliError) return e.message;
    throw e;
  }
  return '(accepted)';
}

describe('malformed command lines', () => {
  for (const row of ROWS) {
    it(`refuses ${row.argv.join(' ')}`, () => {
      expect(errorOf(row.argv)).toBe(row.message);
    });
  }

  it('reports missing and unreadable files by option, without throwing', () => {
    const result = parseArgs([...XEN, '-kernel', 'nope', '-initrd', 'bzImage,gone.img', '-drive', `file=${fixtures.dir},if=xen`], { cwd: fixtures.dir });
    if (result.kind !== 'config') throw new Error('expected a config');
    expect(result.fileProblems).toEqual([
      `-kernel nope: could not open kernel file 'nope' (${fixtures.dir}/nope): no such file`,
      `-initrd bzImage,gone.img: cannot use module 2 'gone.img' (${fixtures.dir}/gone.img): no such file`,
      `-drive file=${fixtures.dir},if=xen: cannot use disk image '${fixtures.dir}' (${fixtures.dir}): is a directory`,
    ]);
  });

  it('reports output files whose directory does not exist', () => {
    const result = parseArgs(['-D', '/nonexistent/log', '-chardev', 'file,id=f,path=no/dir/out.txt', '-trace', 'file=/nonexistent/t'], { cwd: fixtures.dir });
    if (result.kind !== 'config') throw new Error('expected a config');
    expect(result.fileProblems).toEqual([
      `-chardev file,id=f,path=no/dir/out.txt: cannot write chardev 'f' file 'no/dir/out.txt' (${fixtures.dir}/no/dir/out.txt): no such directory ${fixtures.dir}/no/dir`,
      "-D /nonexistent/log: cannot write log file '/nonexistent/log' (/nonexistent/log): no such directory /nonexistent",
      "-trace file=/nonexistent/t: cannot write trace file '/nonexistent/t' (/nonexistent/t): no such directory /nonexistent",
    ]);
  });
});

describe.skipIf(!existsSync(QEMU))('QEMU (Debian qemu-system-x86_64) refuses the same lines', () => {
  for (const row of ROWS.filter((r) => r.qemu)) {
    it(`qemu refuses ${row.argv.join(' ')}`, () => {
      const r = spawnSync(QEMU, [...row.argv, '-S', '-display', 'none'], { cwd: fixtures.dir, timeout: 20_000, encoding: 'utf8', input: '' });
      // Killed by our timeout means QEMU started the machine: it accepted the line.
      expect(r.signal === 'SIGTERM' ? 'started' : 'refused').toBe('refused');
      expect(r.status).not.toBe(0); // an exit status, or null when QEMU aborted (SIGABRT)
    });
  }
});
