// The Xen HVM interface seen from guest code executing VMCALL on our CPU. Expected numbers are
// Xen 4.17's (public headers via gcc: reference/pv-guest-requirements.md appendix A/B, and
// xen/arch-x86/cpuid.h), written as literals so these tests do not trust src/xen/abi.
import { describe, expect, it } from 'vitest';
import { traceFilter } from '../../src/xen/trace_events.ts';
import { call32, call64, CODE, DATA, makeXen, mem, runCode } from './xen_harness.ts';

const EPERM = -1, ENOENT = -2, ESRCH = -3, EFAULT = -14, EINVAL = -22, ENOSYS = -38;
const memory_op = 12, xen_version = 17, console_io = 18, grant_table_op = 20, vcpu_op = 24, sched_op = 29;
const event_channel_op = 32, hvm_op = 34, set_timer_op = 15, multicall = 13;

function cpuid(x: ReturnType<typeof makeXen>, leaf: number, sub = 0): number[] {
  runCode(x, [0x0f, 0xa2, 0xf4], { eax: leaf, ecx: sub });
  const c = x.m.cpus[0]!;
  return [0, 3, 1, 2].map((r) => c.getReg(2, r) >>> 0);
}

describe('CPUID leaves (xen/arch-x86/cpuid.h, QEMU kvm.c)', () => {
  it('signature, version and hypercall MSR at 0x40000000', () => {
    const x = makeXen();
    expect(cpuid(x, 0x40000000)).toEqual([0x40000004, 0x566e6558, 0x65584d4d, 0x4d4d566e]);
    expect(cpuid(x, 0x40000001)[0]).toBe(0x40011);
    expect(cpuid(x, 0x40000002).slice(0, 2)).toEqual([1, 0x40000000]);
  });
  it('HVM leaf follows xen-version: 4.17 has vcpu id + upcall vector, 4.4 nothing', () => {
    expect(cpuid(makeXen(), 0x40000004)[0]).toBe(0x4 | 0x8 | 0x40);
    expect(cpuid(makeXen({ xenVersion: 0x40006 }), 0x40000004)[0]).toBe(0x4 | 0x8);
    expect(cpuid(makeXen({ xenVersion: 0x40004 }), 0x40000004)[0]).toBe(0);
    expect(cpuid(makeXen({ xenVapic: true }), 0x40000004)[0]).toBe(0x1 | 0x2 | 0x4 | 0x8 | 0x40);
  });
  it('Hyper-V moves the leaves to 0x40000100 and the MSR to 0x40000200', () => {
    const x = makeXen({ hyperv: true });
    expect(cpuid(x, 0x40000100).slice(0, 2)).toEqual([0x40000104, 0x566e6558]);
    expect(cpuid(x, 0x40000102)[1]).toBe(0x40000200);
  });
  it('the TSC sub-leaves describe the virtual TSC', () => {
    const x = makeXen();
    expect(cpuid(x, 0x40000003, 2)[0]).toBe(2_000_000);
    expect(cpuid(x, 0x40000003, 1)[2]).toBe(0x80000000); // 0.5 ns per tick: mul 2^31, shift 0
  });
});

describe('hypercall page and entry', () => {
  it('WRMSR fills the page with mov/vmcall/ret stubs; calling stub 17 returns the version', () => {
    const x = makeXen();
    // wrmsr(0x40000000, 0x8000); call 0x8000 + 17*32; hlt
    const target = 0x8000 + 17 * 32;
    const rel = target - (CODE + 2 + 5);
    runCode(x, [0x0f, 0x30, 0xe8, rel & 0xff, (rel >> 8) & 0xff, (rel >> 16) & 0xff, (rel >>> 24) & 0xff, 0xf4], { ecx: 0x40000000, eax: 0x8000, edx: 0 });
    expect(x.m.cpus[0]!.getReg(2, 0)).toBe(0x40011);
    const page = mem(x).readBytes(0x8000, 4096);
    expect([...page.subarray(17 * 32, 17 * 32 + 9)]).toEqual([0xb8, 17, 0, 0, 0, 0x0f, 0x01, 0xc1, 0xc3]);
    expect([...page.subarray(23 * 32, 23 * 32 + 2)]).toEqual([0x0f, 0x0b]); // iret: ud2
    expect(page[9]).toBe(0xcc);
  });
  it('a page index other than 0 is #GP', () => {
    const x = makeXen();
    runCode(x, [0x0f, 0x30, 0xf4], { ecx: 0x40000000, eax: 0x8001, edx: 0 }, 32, 0, 5);
    expect(x.m.lastException?.vector).toBe(13);
  });
  it('VMCALL from CPL 3 gets -EPERM; unknown numbers -ENOSYS', () => {
    const x = makeXen();
    runCode(x, [0x0f, 0x01, 0xc1], { eax: xen_version, ebx: 0 }, 32, 3, 1);
    expect(x.m.cpus[0]!.getReg(2, 0) | 0).toBe(EPERM);
    expect(call32(x, 48)).toBe(ENOSYS);
    expect(call32(x, 1)).toBe(ENOSYS); // mmu_update: PV only
    expect(call32(x, 21, 0, 5)).toBe(0); // vm_assist(enable, runstate_update_flag)
    expect(call32(x, 21, 0, 2)).toBe(EINVAL); // writable_pagetables: PV only
    expect(call32(x, 21, 7, 5)).toBe(EINVAL);
  });
  it('VMMCALL works too, and 64-bit callers use RDI/RSI', () => {
    const x = makeXen();
    runCode(x, [0x0f, 0x01, 0xd9, 0xf4], { eax: xen_version, edi: 0 }, 64);
    expect(x.m.cpus[0]!.getReg(2, 0)).toBe(0x40011);
    expect(call64(x, xen_version, 7 /* XENVER_pagesize */)).toBe(4096);
    expect(call64(x, xen_version, 9 /* XENVER_commandline */)).toBe(EPERM);
  });
});

describe('hypercall trace events (-trace xen_*)', () => {
  it('every call, refused ones and multicall entries too, is a xen_* event with name, sub-op, args, result', () => {
    const x = makeXen();
    const ev: { name: string; args: Record<string, number | string> }[] = [];
    x.d.trace.attach((e) => ev.push(e));
    runCode(x, [0x0f, 0x01, 0xc1], { eax: xen_version, ebx: 7, ecx: 0x1234 }, 32, 3, 1);
    // multicall_entry x86_64: op@0 result@8 args@16, 64 bytes: xen_version(pagesize), memory_op(99)
    mem(x).write64(DATA, xen_version); mem(x).write64(DATA + 16, 7);
    mem(x).write64(DATA + 64, memory_op); mem(x).write64(DATA + 80, 99);
    expect(call64(x, multicall, DATA, 2)).toBe(0);
    expect(ev.every((e) => traceFilter(['xen_*'])(e.name))).toBe(true);
    expect(ev.map((e) => e.args)).toEqual([
      { nr: xen_version, name: 'xen_version', op: 'XENVER_pagesize', cpl: 3, a0: 7, a1: 0x1234, ret: EPERM },
      { nr: xen_version, name: 'xen_version', op: 'XENVER_pagesize', cpl: 0, a0: 7, a1: 0, multicall: 1, ret: 4096 },
      { nr: memory_op, name: 'memory_op', op: 'unknown(35)', cpl: 0, a0: 99, a1: 0, multicall: 2, ret: ENOSYS },
      { nr: multicall, name: 'multicall', cpl: 0, a0: DATA, a1: 2, ret: 0 },
    ]);
  });
});

describe('xen_version', () => {
  it('get_features submap 0 and -EPERM for commandline', () => {
    const x = makeXen();
    mem(x).write32(DATA, 0);
    expect(call32(x, xen_version, 6, DATA)).toBe(0);
    expect(mem(x).read32(DATA + 4)).toBe(0b111_0000_0111);
    expect(call32(x, xen_version, 7)).toBe(4096);
    expect(call32(x, xen_version, 9, DATA)).toBe(EPERM);
    expect(call32(x, xen_version, 1, 0xfff0000)).toBe(EFAULT); // outside RAM
    expect(call32(x, xen_version, 0x100)).toBe(ENOSYS);
  });
});

describe('memory_op', () => {
  it('memory_map (i386: 8-byte struct) returns the E820 with the Xen special pages reserved', () => {
    const x = makeXen();
    mem(x).write32(DATA, 128);
    mem(x).write32(DATA + 4, DATA + 0x100);
    expect(call32(x, memory_op, 9, DATA)).toBe(0);
    const n = mem(x).read32(DATA);
    const entries = [];
    for (let i = 0; i < n; i++) entries.push([mem(x).read64(DATA + 0x100 + i * 20), mem(x).read64(DATA + 0x108 + i * 20), mem(x).read32(DATA + 0x110 + i * 20)]);
    expect(entries).toContainEqual([0xfeff8000, 0x4000, 2]);
    expect(entries.filter((e) => e[2] === 1).reduce((s, e) => s + e[1]!, 0)).toBeGreaterThan(60 << 20);
    // nr_entries smaller than the map: truncated, no overflow of the guest buffer.
    mem(x).write32(DATA, 1);
    mem(x).write32(DATA + 0x100 + 20, 0xdeadbeef);
    expect(call32(x, memory_op, 9, DATA)).toBe(0);
    expect(mem(x).read32(DATA)).toBe(1);
    expect(mem(x).read32(DATA + 0x100 + 20)).toBe(0xdeadbeef);
  });
  it('add_to_physmap(shared_info) overlays any frame, even above 4 GiB, with a usable clock', () => {
    const x = makeXen();
    // i386 xen_add_to_physmap: domid@0 size@2 space@4 idx@8 gpfn@12
    const gfn = 0x100010;
    mem(x).write16(DATA, 0x7ff0); mem(x).write32(DATA + 4, 0); mem(x).write32(DATA + 8, 0); mem(x).write32(DATA + 12, gfn);
    expect(call32(x, memory_op, 7, DATA)).toBe(0);
    const host = mem(x).physPage(gfn);
    expect(host).toBeGreaterThan(0);
    expect(host).toBe(x.d.shinfo);
    const pa = gfn * 4096;
    const mul = mem(x).read32(pa + 32 + 24);
    expect(mul).toBe(0x80000000);
    expect(mem(x).read32(pa + 32) % 2).toBe(0); // version even
    expect(mem(x).read32(pa + 3076)).toBe(1_700_000_000); // 64-bit layout until latched
    // idx != 0 → -EINVAL; wrong domain → -ESRCH; gmfn_foreign → -EPERM
    mem(x).write32(DATA + 8, 1);
    expect(call32(x, memory_op, 7, DATA)).toBe(EINVAL);
    mem(x).write16(DATA, 5);
    expect(call32(x, memory_op, 7, DATA)).toBe(ESRCH);
    mem(x).write16(DATA, 0x7ff0); mem(x).write32(DATA + 4, 4);
    expect(call32(x, memory_op, 7, DATA)).toBe(EPERM);
  });
  it('the hypercall MSR written from 32-bit code latches the i386 shared_info (wc_sec at 2308)', () => {
    const x = makeXen();
    runCode(x, [0x0f, 0x30, 0xf4], { ecx: 0x40000000, eax: 0x8000, edx: 0 });
    mem(x).write16(DATA, 0x7ff0); mem(x).write32(DATA + 4, 0); mem(x).write32(DATA + 8, 0); mem(x).write32(DATA + 12, 0xfc000);
    expect(call32(x, memory_op, 7, DATA)).toBe(0);
    expect(mem(x).read32(0xfc000000 + 2308)).toBe(1_700_000_000);
  });
  it('add_to_physmap(grant_table) maps frames with refs 0/1 pre-filled for console and xenstore', () => {
    const x = makeXen();
    mem(x).write16(DATA, 0x7ff0); mem(x).write32(DATA + 4, 1); mem(x).write32(DATA + 8, 0); mem(x).write32(DATA + 12, 0xfd000);
    expect(call32(x, memory_op, 7, DATA)).toBe(0);
    const g = 0xfd000 * 4096;
    expect([mem(x).read16(g), mem(x).read16(g + 2), mem(x).read32(g + 4)]).toEqual([1, 0, 0xfeff8]);
    expect([mem(x).read16(g + 8), mem(x).read16(g + 10), mem(x).read32(g + 12)]).toEqual([1, 0, 0xfeff9]);
    mem(x).write32(DATA + 8, 64);
    expect(call32(x, memory_op, 7, DATA)).toBe(EINVAL); // idx beyond max frames
  });
});

describe('hvm_op', () => {
  it('get_param gives the console and xenstore rings and ports', () => {
    const x = makeXen();
    const get = (index: number): [number, number] => {
      mem(x).write16(DATA, 0x7ff0); mem(x).write32(DATA + 4, index); mem(x).write64(DATA + 8, 0);
      return [call32(x, hvm_op, 1, DATA), mem(x).read32(DATA + 8)];
    };
    expect(get(17)).toEqual([0, 0xfeff8]);
    expect(get(18)).toEqual([0, 1]);
    expect(get(1)).toEqual([0, 0xfeff9]);
    expect(get(2)).toEqual([0, 2]);
    expect(get(39)[0]).toBe(EINVAL); // HVM_NR_PARAMS
  });
  it('without a console, CONSOLE_PFN is -EINVAL and xenstore takes port 1', () => {
    const x = makeXen({ primaryConsole: false });
    mem(x).write16(DATA, 0x7ff0); mem(x).write32(DATA + 4, 17);
    expect(call32(x, hvm_op, 1, DATA)).toBe(EINVAL);
    mem(x).write32(DATA + 4, 2);
    expect(call32(x, hvm_op, 1, DATA)).toBe(0);
    expect(mem(x).read32(DATA + 8)).toBe(1);
  });
  it('set_param: CALLBACK_IRQ only; upcall vector below 0x10 refused', () => {
    const x = makeXen();
    mem(x).write16(DATA, 0x7ff0); mem(x).write32(DATA + 4, 0); mem(x).write32(DATA + 8, 0xf3); mem(x).write32(DATA + 12, 0x02000000);
    expect(call32(x, hvm_op, 0, DATA)).toBe(0);
    expect(x.d.callback).toEqual({ type: 'vector', value: 0xf3 });
    mem(x).write32(DATA + 4, 1);
    expect(call32(x, hvm_op, 0, DATA)).toBe(EPERM);
    mem(x).write32(DATA + 0x40, 0); mem(x).write8(DATA + 0x44, 0x0f);
    expect(call32(x, hvm_op, 23, DATA + 0x40)).toBe(EINVAL);
    mem(x).write8(DATA + 0x44, 0xf2);
    expect(call32(x, hvm_op, 23, DATA + 0x40)).toBe(0);
    expect(call32(x, hvm_op, 9, DATA)).toBe(ENOSYS);
  });
  it('set_evtchn_upcall_vector raises the vector once (hvm.c hvm_assert_evtchn_irq), so an upcall already pending is not lost', () => {
    const x = makeXen();
    const lapic = x.m.platform.lapics[0]!;
    const inIrr = (v: number): boolean => (lapic.irr[v >>> 5]! & (1 << (v & 31))) !== 0;
    expect(inIrr(0xf2)).toBe(false); // the BSP's LAPIC is enabled, as SeaBIOS leaves it
    mem(x).write32(DATA + 0x40, 0); mem(x).write8(DATA + 0x44, 0xf2);
    expect(call32(x, hvm_op, 23, DATA + 0x40)).toBe(0);
    expect(inIrr(0xf2)).toBe(true);
  });
});

describe('primary console and XenStore rings', () => {
  it('the console ring is drained on EVTCHNOP_send and typed input appears in in[]', () => {
    const x = makeXen();
    const ring = 0xfeff8000;
    mem(x).writeBytes(ring + 1024, Uint8Array.from([0x68, 0x69])); // "hi"
    mem(x).write32(ring + 3084, 2);
    mem(x).write32(DATA, 1);
    expect(call32(x, event_channel_op, 4, DATA)).toBe(0);
    expect(String.fromCharCode(...x.consoleOut)).toBe('hi');
    expect(mem(x).read32(ring + 3080)).toBe(2);
    x.d.consoleInput([0x61, 0x0d]);
    expect(mem(x).read32(ring + 3076)).toBe(2);
    expect(mem(x).read8(ring + 1)).toBe(0x0d);
    // The console port (1) is now pending in shared_info (bit 1 of evtchn_pending @2048).
    expect(x.d.evtchn.isPending(1)).toBe(true);
  });
  it('a broken out_prod far ahead of out_cons is not trusted', () => {
    const x = makeXen();
    const ring = 0xfeff8000;
    mem(x).write32(ring + 3084, 0x7fffffff);
    x.d.runBackends();
    expect(x.consoleOut.length).toBe(0);
    expect(mem(x).read32(ring + 3080)).toBe(0x7fffffff);
  });
  it('XenStore: XS_READ domid through the ring answers "1" (GRUB at yield)', () => {
    const x = makeXen();
    const ring = 0xfeff9000;
    const msg = [2, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 6, 0, 0, 0, ...Array.from('domid\0', (c) => c.charCodeAt(0))];
    mem(x).writeBytes(ring, Uint8Array.from(msg));
    mem(x).write32(ring + 2052, msg.length);
    expect(call32(x, sched_op, 0, 0)).toBe(0); // yield runs the backends
    expect(mem(x).read32(ring + 2048)).toBe(msg.length);
    const prod = mem(x).read32(ring + 2060);
    const rsp = mem(x).readBytes(ring + 1024, prod);
    expect([...rsp.subarray(0, 4)]).toEqual([2, 0, 0, 0]);
    expect(new DataView(rsp.buffer).getUint32(4, true)).toBe(7);
    expect(String.fromCharCode(...rsp.subarray(16))).toBe('1');
  });
});

describe('event channels (2-level)', () => {
  it('loopback interdomain: alloc_unbound + bind_interdomain + send sets pending, selector and upcall bits', () => {
    const x = makeXen();
    // evtchn_alloc_unbound {dom, remote_dom, port}
    mem(x).write16(DATA, 0x7ff0); mem(x).write16(DATA + 2, 0x7ff0);
    expect(call64(x, event_channel_op, 6, DATA)).toBe(0);
    const a = mem(x).read32(DATA + 4);
    expect(a).toBe(3); // ports 1 and 2 are the console and xenstore
    // evtchn_bind_interdomain {remote_dom, remote_port, local_port}
    mem(x).write16(DATA + 0x20, 0x7ff0); mem(x).write32(DATA + 0x24, a);
    expect(call64(x, event_channel_op, 0, DATA + 0x20)).toBe(0);
    const b = mem(x).read32(DATA + 0x28);
    expect(b).toBe(4);
    const sh = x.d.shinfo, u8 = mem(x).u8;
    u8[sh + 2048] = 0; u8[sh + 8] = 0; u8[sh] = 0; // clear pending, selector, upcall_pending
    mem(x).write32(DATA + 0x30, b);
    expect(call64(x, event_channel_op, 4, DATA + 0x30)).toBe(0); // send on b → a pending
    expect(u8[sh + 2048]! & (1 << a)).toBeTruthy();
    expect(u8[sh + 8]! & 1).toBe(1); // evtchn_pending_sel word 0
    expect(u8[sh]).toBe(1); // evtchn_upcall_pending
    // status of a: interdomain to ourselves
    mem(x).write16(DATA + 0x40, 0x7ff0); mem(x).write32(DATA + 0x44, a);
    expect(call64(x, event_channel_op, 5, DATA + 0x40)).toBe(0);
    expect(mem(x).read32(DATA + 0x48)).toBe(2); // EVTCHNSTAT_interdomain
    mem(x).write32(DATA + 0x30, 4000);
    expect(call64(x, event_channel_op, 4, DATA + 0x30)).toBe(EINVAL);
    // FIFO init_control (control_gfn at 0, offset 8, vcpu 12): a request Xen would take is -ENOSYS
    // (no FIFO ABI, so guests stay 2-level); a control_gfn that is not RAM is Xen's -EINVAL.
    mem(x).write32(DATA, 5); mem(x).write32(DATA + 4, 0); mem(x).write32(DATA + 8, 0); mem(x).write32(DATA + 12, 0);
    expect(call64(x, event_channel_op, 11, DATA)).toBe(ENOSYS);
    mem(x).write32(DATA, -2); mem(x).write32(DATA + 4, -1);
    expect(call64(x, event_channel_op, 11, DATA)).toBe(EINVAL);
  });
  it('a masked port stays pending without an upcall; unmask delivers it', () => {
    const x = makeXen();
    mem(x).write32(DATA, 0); // bind_ipi vcpu 0
    expect(call64(x, event_channel_op, 7, DATA)).toBe(0);
    const p = mem(x).read32(DATA + 4);
    const sh = x.d.shinfo, u8 = mem(x).u8;
    u8[sh] = 0;
    u8[sh + 2560 + (p >> 3)] |= 1 << (p & 7); // mask
    mem(x).write32(DATA + 8, p);
    expect(call64(x, event_channel_op, 4, DATA + 8)).toBe(0);
    expect(u8[sh]).toBe(0);
    expect(x.d.evtchn.isPending(p)).toBe(true);
    expect(call64(x, event_channel_op, 9, DATA + 8)).toBe(0); // unmask
    expect(u8[sh]).toBe(1);
  });
  it('VIRQ_TIMER bound on vCPU 0 fires from a singleshot timer in the past and from set_timer_op', () => {
    const x = makeXen();
    mem(x).write32(DATA, 0); mem(x).write32(DATA + 4, 0); // bind_virq TIMER vcpu 0
    expect(call64(x, event_channel_op, 1, DATA)).toBe(0);
    const p = mem(x).read32(DATA + 8);
    mem(x).write32(DATA + 0x20, 2); // VIRQ_CONSOLE is global: binding it on vCPU 1 is -EINVAL
    mem(x).write32(DATA + 0x24, 1);
    expect(call64(x, event_channel_op, 1, DATA + 0x20)).toBe(EINVAL);
    mem(x).write64(DATA + 0x40, 1); mem(x).write32(DATA + 0x48, 1); // timeout 1 ns, VCPU_SSHOTTMR_future
    expect(call64(x, vcpu_op, 8, 0, DATA + 0x40)).toBe(0);
    runCode(x, [0x90, 0xf4], {});
    expect(x.d.evtchn.isPending(p)).toBe(true);
    expect(call64(x, vcpu_op, 8, 5, DATA + 0x40)).toBe(ENOENT);
    expect(call32(x, set_timer_op, 0, 0)).toBe(0);
  });
  it('SCHEDOP_poll blocks until a polled port is pending or the timeout passes', () => {
    const x = makeXen();
    mem(x).write32(DATA, 0);
    expect(call64(x, event_channel_op, 7, DATA)).toBe(0); // an IPI port
    const p = mem(x).read32(DATA + 4);
    mem(x).write32(DATA + 0x100, p);
    // sched_poll (x86_64): ports@0, nr_ports@8, timeout@16
    mem(x).write64(DATA + 0x20, DATA + 0x100); mem(x).write32(DATA + 0x28, 1);
    mem(x).write64(DATA + 0x30, x.m.platform.clock.nowNs() + 1_000_000);
    expect(call64(x, sched_op, 3, DATA + 0x20)).toBe(0);
    expect(x.d.blocked[0]).toBe(true);
    x.m.run(1000, { idle: 'skip' });
    expect(x.d.blocked[0]).toBe(false); // woken by the poll timeout (idle skip)
    expect(x.m.platform.clock.nowNs()).toBeGreaterThanOrEqual(1_000_000);
    mem(x).write32(DATA + 0x28, 129);
    expect(call64(x, sched_op, 3, DATA + 0x20)).toBe(EINVAL);
  });
});

describe('grant_table_op', () => {
  it('setup_table (i386, 4-byte frames), query_size, set_version', () => {
    const x = makeXen();
    // gnttab_setup_table i386: dom@0 nr_frames@4 status@8 frame_list@12
    mem(x).write16(DATA, 0x7ff0); mem(x).write32(DATA + 4, 2); mem(x).write32(DATA + 12, DATA + 0x100);
    expect(call32(x, grant_table_op, 2, DATA, 1)).toBe(0);
    expect(mem(x).read16(DATA + 8)).toBe(0);
    expect(mem(x).read32(DATA + 0x100)).toBe(0xffffffff); // not mapped yet: INVALID_GFN
    mem(x).write16(DATA + 0x40, 0x7ff0);
    expect(call32(x, grant_table_op, 6, DATA + 0x40, 1)).toBe(0);
    expect([mem(x).read32(DATA + 0x44), mem(x).read32(DATA + 0x48), mem(x).read16(DATA + 0x4c)]).toEqual([2, 64, 0]);
    mem(x).write32(DATA + 0x60, 2);
    expect(call32(x, grant_table_op, 8, DATA + 0x60, 1)).toBe(ENOSYS);
    mem(x).write32(DATA + 0x60, 1);
    expect(call32(x, grant_table_op, 8, DATA + 0x60, 1)).toBe(0);
    expect(call32(x, grant_table_op, 3, DATA, 1)).toBe(ENOSYS); // dump_table: not for HVM
    mem(x).write32(DATA + 4, 65);
    expect(call32(x, grant_table_op, 2, DATA, 1)).toBe(0);
    expect(mem(x).read16(DATA + 8)).toBe(0xffff); // GNTST_general_error (-1)
  });
  it('backend map checks permit_access, domid and readonly', () => {
    const x = makeXen();
    const gt = x.d.gnttab;
    const e = gt.entry(5);
    const dv = mem(x).view;
    dv.setUint16(e, 1 | 4, true); dv.setUint16(e + 2, 0, true); dv.setUint32(e + 4, 0x123, true); // permit, readonly
    expect(gt.map(5, true)).toBe(-8); // GNTST_permission_denied
    expect(gt.map(5, false)).toBe(0x123);
    expect(dv.getUint16(e, true) & 8).toBe(8); // GTF_reading
    expect(gt.unmap(5, false)).toBe(0);
    expect(dv.getUint16(e, true) & 8).toBe(0);
    dv.setUint16(e + 2, 3, true);
    expect(gt.map(5, false)).toBe(-8);
    expect(gt.map(99999, false)).toBe(-3); // GNTST_bad_gntref
    dv.setUint16(e, 0, true);
    expect(gt.map(5, false)).toBe(-1);
  });
});

describe('sched_op, console_io, multicall', () => {
  it('SCHEDOP_shutdown poweroff stops the machine and tells the host', () => {
    const x = makeXen();
    mem(x).write32(DATA, 0);
    runCode(x, [0x0f, 0x01, 0xc1, 0xf4], { eax: sched_op, ebx: 2, ecx: DATA });
    expect(x.shutdowns).toEqual([0]);
    expect(x.d.shutdownReason).toBe(0);
    mem(x).write32(DATA, 9);
    expect(call32(x, sched_op, 2, DATA)).toBe(EINVAL);
  });
  it('console_io write goes to the hypervisor log channel, not the console', () => {
    const x = makeXen();
    mem(x).writeBytes(DATA, Uint8Array.from([0x58, 0x0a]));
    expect(call32(x, console_io, 0, 2, DATA)).toBe(0);
    expect(x.consoleIo).toEqual([0x58, 0x0a]);
    expect(x.consoleOut).toEqual([]);
    expect(call32(x, console_io, 0, 2, 0xfff0000)).toBe(EFAULT);
  });
  it('console_io read returns the typed bytes available, 0 if none, once the guest reads there', () => {
    const x = makeXen();
    const bytes = (str: string) => Array.from(str, (c) => c.charCodeAt(0));
    // Typed before the guest's first read: the console ring takes 1024, the rest waits.
    x.d.consoleInput(new Array<number>(1024).fill(0x61).concat(bytes('ab')));
    // evtchn_bind_virq { virq, vcpu, port }: VIRQ_CONSOLE on vCPU 0
    mem(x).write32(DATA + 0x80, 2); mem(x).write32(DATA + 0x84, 0);
    expect(call32(x, event_channel_op, 1, DATA + 0x80)).toBe(0);
    const port = mem(x).read32(DATA + 0x88);
    expect(call32(x, console_io, 1, 16, DATA)).toBe(2); // the waiting bytes move over at the first read
    expect(String.fromCharCode(...mem(x).readBytes(DATA, 2))).toBe('ab');
    expect(call32(x, console_io, 1, 16, DATA)).toBe(0); // nothing available: 0, no blocking
    x.d.consoleInput(bytes('hello'));
    expect(x.d.evtchn.isPending(port)).toBe(true); // VIRQ_CONSOLE on input
    expect(call32(x, console_io, 1, 3, DATA)).toBe(3);
    expect(call32(x, console_io, 1, 16, DATA + 3)).toBe(2);
    expect(String.fromCharCode(...mem(x).readBytes(DATA, 5))).toBe('hello');
    x.d.consoleInput(bytes('z'));
    expect(call32(x, console_io, 1, 1, 0xfff0000)).toBe(EFAULT);
    // The console ring got only what it took before: in_prod (xencons_interface @0xc04) is 1024.
    expect(mem(x).read32(0xfeff8000 + 0xc04)).toBe(1024);
    // The routing is domain state: a restored domain keeps reading input with console_io.
    const y = makeXen();
    y.m.loadSnapshot(x.m.saveSnapshot());
    y.d.loadState(JSON.parse(JSON.stringify(x.d.saveState())));
    y.d.consoleInput(bytes('q'));
    expect(call32(y, console_io, 1, 16, DATA)).toBe(2); // 'z' from before the snapshot, then 'q'
    expect(String.fromCharCode(...mem(y).readBytes(DATA, 2))).toBe('zq');
  });
  it('multicall runs each entry and stores its result (64-bit entries of 64 bytes)', () => {
    const x = makeXen();
    const e = DATA;
    mem(x).write64(e, xen_version); mem(x).write64(e + 16, 0);
    mem(x).write64(e + 64, 99);
    mem(x).write64(e + 128, multicall);
    expect(call64(x, multicall, e, 3)).toBe(0);
    expect(mem(x).read32(e + 8)).toBe(0x40011);
    expect(mem(x).read32(e + 64 + 8) | 0).toBe(ENOSYS);
    expect(mem(x).read32(e + 128 + 8) | 0).toBe(EINVAL);
  });
});

describe('upcall delivery', () => {
  // 32-bit code with its own GDT and IDT; the handler at 0x7100 clears evtchn_upcall_pending
  // (vcpu_info[0] at shared_info + 0, mapped at 0xfc000000), counts at 0x30000 and IRETs.
  function setupIdt(x: ReturnType<typeof makeXen>, vector: number, eoi: boolean): void {
    const m = mem(x);
    m.write64(0x20000, 0); m.write32(0x20008, 0x0000ffff); m.write32(0x2000c, 0x00cf9a00);
    m.write32(0x20010, 0x0000ffff); m.write32(0x20014, 0x00cf9200);
    m.write16(0x20100, 0x17); m.write32(0x20102, 0x20000);
    m.write16(0x20108, 0x7ff); m.write32(0x2010a, 0x21000);
    const g = 0x21000 + vector * 8;
    m.write16(g, 0x7100); m.write16(g + 2, 0x08); m.write8(g + 4, 0); m.write8(g + 5, 0x8e); m.write16(g + 6, 0);
    const handler = [0xc6, 0x05, 0x00, 0x00, 0x00, 0xfc, 0x00, 0xff, 0x05, 0x00, 0x00, 0x03, 0x00];
    // LAPIC EOI: mov dword [0xfee000b0], 0
    if (eoi) handler.push(0xc7, 0x05, 0xb0, 0x00, 0xe0, 0xfe, 0, 0, 0, 0);
    handler.push(0xcf);
    m.writeBytes(0x7100, Uint8Array.from(handler));
    m.write32(0x30000, 0);
    // shared_info at 0xfc000, and a loopback pair whose send raises port a on vCPU 0.
    m.write16(DATA, 0x7ff0); m.write32(DATA + 4, 0); m.write32(DATA + 8, 0); m.write32(DATA + 12, 0xfc000);
    expect(call32(x, memory_op, 7, DATA)).toBe(0);
    m.write16(DATA, 0x7ff0); m.write16(DATA + 2, 0x7ff0);
    expect(call32(x, event_channel_op, 6, DATA)).toBe(0);
    m.write16(DATA + 0x20, 0x7ff0); m.write32(DATA + 0x24, m.read32(DATA + 4));
    expect(call32(x, event_channel_op, 0, DATA + 0x20)).toBe(0);
    m.write32(DATA + 0x40, m.read32(DATA + 0x28));
    const sh = 0xfc000000;
    // Clear upcall_pending, the selector (at +4 in the i386 layout, +8 in x86_64) and pending bits.
    m.write8(sh, 0); m.write32(sh + 4, 0); m.write32(sh + 8, 0); m.write32(sh + 2048, 0);
  }
  // lgdt [0x20100]; lidt [0x20108]; sti; mov eax,32; mov ebx,4; mov ecx,DATA+0x40; vmcall; nop; hlt
  const MAIN = [0x0f, 0x01, 0x15, 0x00, 0x01, 0x02, 0x00, 0x0f, 0x01, 0x1d, 0x08, 0x01, 0x02, 0x00, 0xfb,
    0xb8, 32, 0, 0, 0, 0xbb, 4, 0, 0, 0, 0xb9, 0x40, 0x00, 0x01, 0x00, 0x0f, 0x01, 0xc1, 0x90, 0xf4];

  it('the global callback vector is taken once per upcall, without EOI, and not re-taken once cleared', () => {
    const x = makeXen();
    setupIdt(x, 0xf3, false);
    mem(x).write16(DATA + 0x60, 0x7ff0); mem(x).write32(DATA + 0x64, 0); mem(x).write32(DATA + 0x68, 0xf3); mem(x).write32(DATA + 0x6c, 0x02000000);
    expect(call32(x, hvm_op, 0, DATA + 0x60)).toBe(0);
    runCode(x, MAIN, {});
    expect(mem(x).read32(0x30000)).toBe(1);
    expect(mem(x).read8(0xfc000000)).toBe(0);
  });
  it('a per-vCPU upcall vector goes through the LAPIC (the handler EOIs)', () => {
    const x = makeXen();
    setupIdt(x, 0xf2, true);
    mem(x).write32(DATA + 0x60, 0); mem(x).write8(DATA + 0x64, 0xf2);
    expect(call32(x, hvm_op, 23, DATA + 0x60)).toBe(0);
    // Software-enable the LAPIC first (SVR = 0x1ff), as any guest does.
    runCode(x, [0xc7, 0x05, 0xf0, 0x00, 0xe0, 0xfe, 0xff, 0x01, 0x00, 0x00, ...MAIN], {});
    // Twice: once raised by set_evtchn_upcall_vector itself (the BSP's LAPIC is already enabled,
    // as SeaBIOS leaves it; hvm.c hvm_assert_evtchn_irq), once for the event.
    expect(mem(x).read32(0x30000)).toBe(2);
  });
});

describe('vcpu_op', () => {
  it('register_vcpu_info moves vcpu_info (events land there); a second registration is refused', () => {
    const x = makeXen({}, 2);
    const area = 0x40000; // gfn 0x40, offset 64
    // vcpu_register_vcpu_info: mfn u64@0, offset u32@8
    mem(x).write64(DATA, area / 4096); mem(x).write32(DATA + 8, 64);
    expect(call64(x, vcpu_op, 10, 0, DATA)).toBe(0);
    expect(mem(x).read32(area + 64 + 32 + 24)).toBe(0x80000000); // time record filled in
    expect(call64(x, vcpu_op, 10, 0, DATA)).toBe(EINVAL);
    mem(x).write32(DATA + 8, 4096 - 63);
    expect(call64(x, vcpu_op, 10, 1, DATA)).toBe(EINVAL);
    mem(x).write32(DATA + 0x20, 0); // bind_ipi vcpu 0
    expect(call64(x, event_channel_op, 7, DATA + 0x20)).toBe(0);
    mem(x).write32(DATA + 0x30, mem(x).read32(DATA + 0x24));
    mem(x).write8(area + 64, 0);
    expect(call64(x, event_channel_op, 4, DATA + 0x30)).toBe(0);
    expect(mem(x).read8(area + 64)).toBe(1); // evtchn_upcall_pending in the registered area
    expect(call64(x, vcpu_op, 3, 0)).toBe(1);
    expect(call64(x, vcpu_op, 3, 1)).toBe(0); // the AP has not been started
    expect(call64(x, vcpu_op, 3, 2)).toBe(ENOENT);
  });
});

describe('more of Xen documented behaviour', () => {
  it('HVMOP_flush_tlbs takes NULL only; CALLBACK_IRQ reads back as written (type in bits 63:56)', () => {
    const x = makeXen();
    expect(call64(x, hvm_op, 5, 0)).toBe(0);
    expect(call64(x, hvm_op, 5, DATA)).toBe(EINVAL);
    mem(x).write16(DATA, 0x7ff0); mem(x).write32(DATA + 4, 0); mem(x).write32(DATA + 8, 0x0a0b1800); mem(x).write32(DATA + 12, 0x01000000);
    expect(call64(x, hvm_op, 0, DATA)).toBe(0); // PCI INTx, device 3 pin 0
    mem(x).write64(DATA + 8, 0);
    expect(call64(x, hvm_op, 1, DATA)).toBe(0);
    expect([mem(x).read32(DATA + 8), mem(x).read32(DATA + 12)]).toEqual([0x0a0b1800, 0x01000000]);
  });
  it('decrease_reservation / populate_physmap count extents done and zero the frames', () => {
    const x = makeXen();
    const m = mem(x);
    m.write32(0x50000, 0xdeadbeef);
    // xen_memory_reservation x86_64: extent_start@0 nr_extents@8 extent_order@16 mem_flags@20 domid@24
    m.write64(DATA + 0x100, 0x50); m.write64(DATA + 0x108, 0x1000000); // second gfn outside RAM
    m.write64(DATA, DATA + 0x100); m.write64(DATA + 8, 1); m.write32(DATA + 16, 0); m.write16(DATA + 24, 0x7ff0);
    expect(call64(x, memory_op, 1, DATA)).toBe(1);
    expect(m.read32(0x50000)).toBe(0);
    m.write64(DATA + 8, 2);
    expect(call64(x, memory_op, 6, DATA)).toBe(1);
    m.write16(DATA + 24, 9);
    expect(call64(x, memory_op, 1, DATA)).toBe(ESRCH);
  });
  it('a frame given back is ballooned out: a second decrease does 0 extents, populate brings it back (XTF xsa-277)', () => {
    const x = makeXen();
    const m = mem(x);
    const ram = call64(x, memory_op, 4 /* maximum_reservation */, DATA + 0x200);
    m.write16(DATA + 0x200, 0x7ff0);
    const max = call64(x, memory_op, 4, DATA + 0x200);
    expect(call64(x, memory_op, 3 /* current_reservation */, DATA + 0x200)).toBe(max);
    m.write64(DATA + 0x100, 0x60);
    m.write64(DATA, DATA + 0x100); m.write64(DATA + 8, 1); m.write32(DATA + 16, 0); m.write16(DATA + 24, 0x7ff0);
    expect(call64(x, memory_op, 1, DATA)).toBe(1);
    expect(call64(x, memory_op, 1, DATA)).toBe(0); // already gone: 0 extents done
    expect(call64(x, memory_op, 3, DATA + 0x200)).toBe(max - 1);
    // The record is domain state: a restored domain still refuses the second decrease.
    const y = makeXen();
    y.m.loadSnapshot(x.m.saveSnapshot());
    y.d.loadState(JSON.parse(JSON.stringify(x.d.saveState())));
    expect(call64(y, memory_op, 1, DATA)).toBe(0);
    m.write32(0x60010, 0x12345678);
    expect(call64(x, memory_op, 6 /* populate_physmap */, DATA)).toBe(1);
    expect(m.read32(0x60010)).toBe(0); // back, zeroed
    expect(call64(x, memory_op, 3, DATA + 0x200)).toBe(max);
    expect(call64(x, memory_op, 1, DATA)).toBe(1); // and can be given back again
    // An order-1 extent over a half-ballooned pair stops at the missing page.
    m.write64(DATA + 0x100, 0x60); m.write32(DATA + 16, 1);
    expect(call64(x, memory_op, 1, DATA)).toBe(0);
    expect(ram).toBe(ESRCH); // domid 0 before it was written
  });
  it('the runstate area follows block / wake / HLT with state_entry_time and time[] in ns (public/vcpu.h)', () => {
    const x = makeXen();
    const m = mem(x);
    const clock = x.m.platform.clock;
    const AREA = DATA + 0x400;
    // vcpu_runstate_info x86_64: state@0 state_entry_time@8 time[4]@16
    const area = () => ({ state: m.read32(AREA), entry: m.read64(AREA + 8), time: [0, 1, 2, 3].map((k) => m.read64(AREA + 16 + k * 8)) });
    const accounted = (a: ReturnType<typeof area>) => a.time.reduce((p, c) => p + c, 0) + (clock.nowNs() - a.entry);
    expect(call64(x, 21 /* vm_assist */, 0, 5)).toBe(0); // VMASST_TYPE_runstate_update_flag
    m.write64(DATA, AREA);
    expect(call64(x, vcpu_op, 5, 0, DATA)).toBe(0);
    // The HLT after the call blocked the vCPU: the area says so, and all time since 0 is accounted.
    let a = area();
    expect(a.state).toBe(2);
    expect(a.entry).toBe(clock.nowNs());
    expect(accounted(a)).toBe(clock.nowNs());
    // SCHEDOP_poll, no ports, timeout 5 ms ahead: blocked from the call until the timer.
    const t0 = clock.nowNs();
    m.write64(DATA + 0x40, 0); m.write32(DATA + 0x48, 0); m.write64(DATA + 0x50, t0 + 5_000_000);
    runCode(x, [0x0f, 0x01, 0xc1, 0x89, 0x05, 0x00, 0x01, 0x00, 0x00, 0xf4], { eax: sched_op, edi: 3, esi: DATA + 0x40 }, 64);
    a = area();
    expect(a.state).toBe(2);
    const blockedAt = a.entry;
    expect(blockedAt).toBeGreaterThanOrEqual(t0);
    const runningBefore = a.time[0]!;
    x.m.run(1000); // idle skip to the deadline: the poll wakes, stores its result, HLTs
    a = area();
    expect(a.state).toBe(2); // blocked again, in HLT
    expect(a.time[2]!).toBeGreaterThanOrEqual(t0 + 5_000_000 - blockedAt);
    expect(a.entry).toBeGreaterThanOrEqual(t0 + 5_000_000);
    expect(a.time[0]).toBeGreaterThan(runningBefore); // ran between wake and HLT
    expect(accounted(a)).toBe(clock.nowNs());
    expect(m.read64(AREA + 8) < 2 ** 63).toBe(true); // XEN_RUNSTATE_UPDATE cleared after the update
    // Xen's order: set XEN_RUNSTATE_UPDATE (top byte of state_entry_time), rewrite, clear it.
    const seen: number[] = [];
    const w8 = m.write8.bind(m);
    m.write8 = (pa: number, v: number) => { if (pa === AREA + 15) seen.push(v); w8(pa, v); };
    runCode(x, [0xf4], {}, 64); // running, then HLT: one update
    m.write8 = w8;
    expect(seen).toEqual([0x80, 0]);
    // get_runstate_info counts the current period too: time[] sums to now.
    expect(call64(x, vcpu_op, 4, 0, DATA + 0x100)).toBe(0);
    const info = [0, 1, 2, 3].map((k) => m.read64(DATA + 0x110 + k * 8));
    expect(m.read32(DATA + 0x100)).toBe(0); // running (inside the hypercall)
    const sum = info.reduce((p, c) => p + c, 0);
    expect(sum).toBeGreaterThanOrEqual(m.read64(DATA + 0x108));
    expect(sum).toBeLessThanOrEqual(clock.nowNs());
  });
  it('bind_interdomain to dom0 finds no unbound port (-EINVAL)', () => {
    const x = makeXen();
    mem(x).write16(DATA, 0); mem(x).write32(DATA + 4, 1);
    expect(call64(x, event_channel_op, 0, DATA)).toBe(EINVAL);
    mem(x).write16(DATA, 9);
    expect(call64(x, event_channel_op, 0, DATA)).toBe(ESRCH);
  });
});

describe('runstate of secondary vCPUs', () => {
  it('an AP waiting for SIPI is offline from time 0 (get_runstate_info)', () => {
    const x = makeXen({}, 2);
    expect(call64(x, 17 /* xen_version */, 0)).toBe(0x40011); // let some time pass
    expect(call64(x, 24 /* vcpu_op */, 4 /* get_runstate_info */, 1, DATA)).toBe(0);
    const m = mem(x);
    expect(m.read32(DATA)).toBe(3); // RUNSTATE_offline
    expect(m.read64(DATA + 8)).toBe(0);
    expect(m.read64(DATA + 16 + 3 * 8)).toBeLessThanOrEqual(x.m.platform.clock.nowNs()); // all time so far offline
    expect(m.read64(DATA + 16 + 2 * 8)).toBe(0);
    expect(m.read64(DATA + 16)).toBe(0); // never ran
  });
});
