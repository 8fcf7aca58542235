// Our own test kernels booted on the whole machine (CPU + platform) and under QEMU TCG with the
// same command line: the serial output must match line for line (loader name and QEMU's AMD
// HyperTransport e820 hole excepted), and both must exit through isa-debug-exit with status 1.
import { describe, it, expect, beforeAll } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Machine as MachineT } from '../../src/machine/machine.ts';
import { buildGuest, DEVICES, ENTRY_STATE, EXCEPTIONS, INTERRUPTS, LONGMODE, SMP, haveGcc32, MULTIBOOT_AOUT_INFO, MULTIBOOT_INFO, PVH_INFO, type GuestSpec } from '../guests/build_guest.ts';
import { haveQemu, runQemu } from './loader/qemu_run.ts';

/** The CPU is being written in parallel; until its run loop loads, these tests are skipped. */
let MachineClass: typeof MachineT | undefined;
try {
  MachineClass = (await import('../../src/machine/machine.ts')).Machine;
} catch {
  MachineClass = undefined;
}

function boot(spec: GuestSpec, append: string, modules: { path: string; args: string }[], dir: string, pcTestdev = false, cpus = 1) {
  const path = buildGuest(spec);
  const out: number[] = [];
  const m = new MachineClass!(
    {
      ramBytes: 128 << 20, cpus, tscKHz: 2_000_000, icountShift: 0, rtcEpochSeconds: Date.UTC(2026, 0, 1) / 1000,
      serials: [{ iobase: 0x3f8, irq: 4 }], debugcon: null, debugExit: { iobase: 0xf4, iosize: 4 }, pcTestdev,
    },
    { serialOut: (_i, b) => out.push(b), debugconOut: () => {}, debugExit: () => {}, resetRequest: () => {} },
  );
  m.bootKernel({
    kernel: readFileSync(path), kernelPath: path, append,
    modules: modules.map((x) => ({ bytes: readFileSync(join(dir, x.path)), path: x.path, args: x.args })),
  });
  const reason = m.run(500_000_000);
  return { reason, status: m.exitStatus, lines: Buffer.from(out).toString('latin1').trim().split('\n'), path, m };
}

const ready = MachineClass !== undefined && haveGcc32() && haveQemu();

describe.skipIf(!ready)('test kernels: xentab vs QEMU TCG', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'xentab-boot-'));
    writeFileSync(join(dir, 'm1'), 'MODULE-ONE-DATA-xyz');
    writeFileSync(join(dir, 'm2'), 'second');
  });
  const drop = (l: string[]) => {
    const out: string[] = [];
    for (let i = 0; i < l.length; i++) {
      if (l[i]!.startsWith('loader=')) continue;
      if (/^(mmap_base|memmap_addr)=000000fd00000000$/.test(l[i]!)) {
        if (l[i]!.startsWith('mmap')) out.pop();
        i += 2;
        continue;
      }
      const m = /^(mmap_entries|memmap_entries)=([0-9a-f]+)$/.exec(l[i]!);
      if (m && l.some((x) => x.endsWith('=000000fd00000000'))) {
        out.push(`${m[1]}=${(parseInt(m[2]!, 16) - 1).toString(16).padStart(8, '0')}`);
        continue;
      }
      out.push(l[i]!);
    }
    return out;
  };

  for (const spec of [MULTIBOOT_INFO, MULTIBOOT_AOUT_INFO, ENTRY_STATE]) {
    it(`${spec.name} prints the same lines`, (ctx) => {
      const r = boot(spec, 'hello world', [{ path: 'm1', args: 'arg1 arg2' }, { path: 'm2', args: '' }], dir);
      // entry_state reads CR0/CR4 (MOV from CRn): CPU part 2, written in parallel. Until then #UD.
      if (r.reason === 'exception' && r.m.lastException?.vector === 6 && spec === ENTRY_STATE) ctx.skip();
      const q = runQemu(['-m', '128', '-kernel', r.path, '-append', 'hello world', '-initrd', 'm1 arg1 arg2,m2'], dir);
      expect(r.reason).toBe('exit');
      expect(r.status).toBe(q.status);
      expect(drop(r.lines)).toEqual(drop(q.out.trim().split('\n')));
    });
  }

  it('devices (polled PIT, RTC, CMOS, UART, PIC, LAPIC, I/O APIC, pc-testdev, PCI, ACPI, PM timer) prints the same lines', () => {
    const r = boot(DEVICES, '', [], dir, true);
    const q = runQemu(['-m', '128', '-device', 'pc-testdev', '-rtc', 'base=2026-01-01T00:00:00', '-kernel', r.path], dir);
    expect(r.reason).toBe('exit');
    expect(q.status).toBe(1);
    // Where QEMU TCG departs from the SDM we follow the SDM (as KVM and hardware do):
    //  - ESR "send illegal vector" (bit 5) after a fixed IPI with vector < 16 (SDM Vol 3A §11.5.3);
    //  - LVT writes while the APIC is software-disabled keep the mask bit set (SDM Vol 3A §11.4.7.2).
    const sdm: Record<string, string> = { apic_esr_illegal: '00000020', apic_lvt_err_swdis: '00010033' };
    const qemuLines = q.out.trim().split('\n').map((l) => {
      const k = l.split('=')[0]!;
      return k in sdm ? `${k}=${sdm[k]}` : l;
    });
    expect(r.lines).toEqual(qemuLines);
  });

  it('interrupts (PIT via 8259, LAPIC timer, IPI priority, TPR, I/O APIC level, RTC, UART THRE) prints the same lines', (ctx) => {
    const r = boot(INTERRUPTS, '', [], dir, true);
    // Needs LGDT/LIDT and interrupt delivery: CPU part 2, written in parallel. Until then #UD.
    if (r.reason === 'exception' && r.m.lastException?.vector === 6) ctx.skip();
    const q = runQemu(['-m', '128', '-device', 'pc-testdev', '-kernel', r.path], dir);
    expect(q.status).toBe(1);
    expect(r.reason).toBe('exit');
    expect(r.lines).toEqual(q.out.trim().split('\n'));
  });

  it('smp (INIT-SIPI-SIPI to 3 APs, real mode to protected mode) prints the same lines', (ctx) => {
    const r = boot(SMP, '', [], dir, false, 4);
    // Needs real mode, LGDT, MOV CR0 and far jumps between modes: CPU part 2. Until then #UD.
    if (r.reason === 'exception' && r.m.lastException?.vector === 6) ctx.skip();
    const q = runQemu(['-m', '128', '-smp', '4', '-kernel', r.path], dir);
    expect(q.status).toBe(1);
    expect(r.reason).toBe('exit');
    expect(r.lines).toEqual(q.out.trim().split('\n'));
  });

  it('exceptions (#DE #BP #OF #BR #UD, #GP/#NP/#SS, #PF error codes and CR2, ring-3 privilege faults) prints the same lines', (ctx) => {
    const r = boot(EXCEPTIONS, '', [], dir);
    // Needs LGDT/LIDT/LTR and exception delivery: CPU part 2. Until then #UD.
    if (r.reason === 'exception' && r.m.lastException?.vector === 6) ctx.skip();
    const q = runQemu(['-m', '128', '-kernel', r.path], dir);
    expect(q.status).toBe(1);
    expect(r.reason).toBe('exit');
    // QEMU TCG checks neither null selectors nor segment limits on data accesses; the SDM does
    // (Vol 3A §5.3 limit checking, §3.4.2 null segment selector): #GP(0) at the access.
    const sdm: Record<string, string> = {
      gp_null_es_access: 'gp_null_es_access: vector=0d error=00000000 eip=fault',
      gp_limit: 'gp_limit: vector=0d error=00000000 eip=fault',
    };
    const qemuLines = q.out.trim().split('\n').map((l) => sdm[l.split(':')[0]!] ?? l);
    expect(r.lines).toEqual(qemuLines);
  });

  it('longmode (PAE + LME + paging, 64-bit code, #GP non-canonical, NX #PF, SYSRET/SYSCALL) prints the same lines', (ctx) => {
    const r = boot(LONGMODE, '', [], dir);
    // Needs LGDT, CR4/EFER/CR0 writes and long mode: CPU part 2. Until then #UD.
    if (r.reason === 'exception' && r.m.lastException?.vector === 6) ctx.skip();
    const q = runQemu(['-m', '128', '-kernel', r.path], dir);
    expect(q.status).toBe(1);
    expect(r.reason).toBe('exit');
    expect(r.lines).toEqual(q.out.trim().split('\n'));
  });

  it('pvh_info prints the same lines', () => {
    const r = boot(PVH_INFO, 'hello world', [{ path: 'm1', args: '' }], dir);
    const q = runQemu(['-m', '128', '-kernel', r.path, '-append', 'hello world', '-initrd', 'm1'], dir);
    expect(r.reason).toBe('exit');
    expect(drop(r.lines)).toEqual(drop(q.out.trim().split('\n')));
  });
});

const SHIM = join(import.meta.dirname, '../../.cache/images/xen-shim');

describe.skipIf(MachineClass === undefined || !existsSync(SHIM))("Debian's Xen PV shim through PVH", () => {
  it('boots to its first hypercall (XENMEM_memory_map from pvh_init) and, with no Xen interface, reports the #UD on port 0xE9', () => {
    const serial: number[] = [];
    const e9: number[] = [];
    let firstE9 = -1;
    const m: MachineT = new MachineClass!(
      {
        ramBytes: 256 << 20, cpus: 1, tscKHz: 2_000_000, icountShift: 0, rtcEpochSeconds: 1_767_225_600,
        serials: [{ iobase: 0x3f8, irq: 4 }], debugcon: { iobase: 0xe9 }, debugExit: null, pcTestdev: false,
      },
      {
        serialOut: (_i, b) => serial.push(b),
        debugconOut: (b) => {
          if (firstE9 < 0) firstE9 = m.totalInstructions();
          e9.push(b);
        },
        debugExit: () => {},
        resetRequest: () => {},
      },
    );
    expect(m.bootKernel({ kernel: readFileSync(SHIM), kernelPath: 'xen-shim', append: 'console=xen,pv loglvl=all', modules: [] })).toBe('pvh');
    expect(m.boot!.entry.eip).toBe(0x6279f2);
    m.run(2_000_000);
    // head.S saves EBX in pvh_start_info_pa (0x66b248 in this build); reloc() copies the start
    // info down to 0xffc0 and updates it (reference xen-shim-requirements §1.3).
    expect(m.platform.mem.read32(0x66b248)).toBe(0xffc0);
    expect(m.platform.mem.read32(0xffc0)).toBe(0x336ec578);
    const text = Buffer.from(e9).toString('latin1');
    // The first hypercall: VMCALL (0F 01 C1) in early_hypercall, called from pvh_init with
    // rax = 12 (__HYPERVISOR_memory_op) and rdi = 9 (XENMEM_memory_map). Without a vmcall hook
    // it is #UD, and Xen prints its panic on the debug port.
    expect(text).toContain('early_hypercall+0xf/0x40');
    expect(text).toContain('pvh_init+');
    expect(text).toMatch(/rax: 000000000000000c/);
    expect(text).toMatch(/rdi: 0000000000000009/);
    expect(text).toContain('FATAL TRAP: vector = 6 (invalid opcode)');
    console.log(`xen-shim: first 0xE9 output after ~${firstE9} instructions; ${e9.length} bytes on 0xE9, ${serial.length} on COM1`);
  });
});

const GRUB_PVH = join(import.meta.dirname, '../../.cache/images/grub-i386-xen_pvh.bin');

describe.skipIf(MachineClass === undefined || !existsSync(GRUB_PVH))("Debian's GRUB PVH image", () => {
  it('boots through PVH and, with no Xen CPUID leaves yet, panics with "Found no Xen signature!" on 0xE9', () => {
    const e9: number[] = [];
    const m = new MachineClass!(
      {
        ramBytes: 128 << 20, cpus: 1, tscKHz: 2_000_000, icountShift: 0, rtcEpochSeconds: 1_767_225_600,
        serials: [{ iobase: 0x3f8, irq: 4 }], debugcon: { iobase: 0xe9 }, debugExit: null, pcTestdev: false,
      },
      { serialOut: () => {}, debugconOut: (b) => e9.push(b), debugExit: () => {}, resetRequest: () => {} },
    );
    expect(m.bootKernel({ kernel: readFileSync(GRUB_PVH), kernelPath: 'grub', append: '', modules: [] })).toBe('pvh');
    m.run(1_000_000, { idle: 'return' });
    expect(Buffer.from(e9).toString('latin1')).toBe('Found no Xen signature!\nSystem halted!\n');
  });
});
