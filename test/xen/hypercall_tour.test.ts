// Our own PVH test guest (test/guests/xen/hypercall_tour.c) walks every hypercall family from
// 32-bit code, through the hypercall page, and prints what it observes on the hypervisor log.
// The expected transcript is what Xen 4.17 documents for each call (public headers, and
// reference/qemu-xen-inventory.md where QEMU's choices apply): errno values are Xen's.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { haveGcc32 } from '../guests/build_guest.ts';
import { buildXenGuest } from '../guests/xen/build_xen_guest.ts';
import { makeXen } from './xen_harness.ts';


const EXPECTED = `cpuid base = 0x40000000
cpuid version = 0x00040011
hypercall msr = 0x40000000
cpuid hvm flags = 0x0000004c
xen_version(version) = 0x00040011
xen_version(pagesize) = 4096
xen_version(get_features) = 0
features[0] = 0x00000707
xen_version(commandline) = -1
xen_version(bad pointer) = -14
memory_op(memory_map) = 0
e820 has the Xen special pages reserved = 1
memory_op(add_to_physmap shared_info above 4G) = 0
memory_op(add_to_physmap shared_info idx 1) = -22
memory_op(add_to_physmap other domain) = -3
memory_op(unknown) = -38
hvm_op(get_param STORE_PFN) = 0 value 0x000feff9
hvm_op(get_param STORE_EVTCHN) = 0 value 0x00000002
hvm_op(get_param CONSOLE_PFN) = 0 value 0x000feff8
hvm_op(get_param CONSOLE_EVTCHN) = 0 value 0x00000001
hvm_op(get_param 1000) = -22
hvm_op(set_param STORE_PFN) = -1
evtchn(alloc_unbound) = 0
evtchn(bind_interdomain) = 0
ports 3 4
evtchn(send) = 0
evtchn(status) = 0
status 2 remote port 4
evtchn(bind_virq TIMER) = 0
evtchn(bind_virq TIMER again) = -17
evtchn(send to port 5000) = -22
evtchn(close) = 0
evtchn(FIFO init_control) = -38
evtchn(FIFO init_control bad gfn) = -22
evtchn(FIFO init_control misaligned) = -22
evtchn(FIFO init_control vcpu 9) = -2
evtchn(FIFO expand_array) = -95
gnttab(set_version 2) = -38
gnttab(query_size) = 0
grant frames 1 of 64
gnttab(dump_table) = -38
memory_op(add_to_physmap grant_table 0) = 0
gnttab(map own grant) = 0 status 0 handle 0
the mapped frame shows the granted page = 1
a write through it lands in the granted page = 1
grant entry now reading|writing = 25
gnttab(map over a mapped frame) status = -1
gnttab(unmap) = 0 status 0
grant entry flags after unmap = 1
gnttab(unmap again) status = -4
gnttab(map a grant of dom 0) status = -2
gnttab(map DOMID_SELF) status = -2
gnttab(map ref 0, granted to dom 0) status = -1
gnttab(map ref 100000) status = -3
gnttab(map without host_map) status = -3
gnttab(map device_map) status = -1
gnttab(map read-only grant for writing) status = -1
grant entry flags after the refusals = 1281
gnttab(copy frame to own grant) = 0 status 0
copied bytes arrived = 1
gnttab(copy from a frame named by domid 1) status = -8
gnttab(copy to a grant of dom 5) status = -2
gnttab(copy past the page) status = -10
gnttab(copy into a read-only grant) status = -1
gnttab(copy into a grant for dom 5) status = -1
gnttab(copy from a frame past RAM) status = -9
gnttab(swap 8 9) = 0 status 0
entry 8 now read-only = 5
gnttab(swap with a ref past the table) status = -3
vcpu_op(set_singleshot_timer) = 0
vcpu_op(set_singleshot_timer vcpu 7) = -2
vcpu_op(is_up) = 1
xenstore read domid: type 2 value 1
sched_op(yield) = 0
sched_op(remote_shutdown) = -1
unknown hypercall 44 = -38
`;

describe.skipIf(!haveGcc32())('hypercall tour guest (PVH)', () => {
  it.each([32, 64] as const)('%i-bit: prints what Xen would answer, greets on the console ring and powers off', (bits) => {
    const kernel = readFileSync(buildXenGuest('hypercall_tour', bits));
    const x = makeXen();
    x.m.bootKernel({ kernel, kernelPath: 'hypercall_tour', append: '', modules: [] });
    let r = '';
    for (let i = 0; i < 50 && r !== 'poweroff'; i++) r = x.m.run(2_000_000);
    expect(String.fromCharCode(...x.consoleIo)).toBe(EXPECTED);
    expect(String.fromCharCode(...x.consoleOut)).toBe('hello from the primary console ring\r\n');
    expect(r).toBe('poweroff');
    expect(x.shutdowns).toEqual([0]);
  });
});

describe.skipIf(!haveGcc32())('trace events (invariant 7 and 8)', () => {
  it('tracing records every hypercall with its result and changes nothing the guest sees', () => {
    const kernel = readFileSync(buildXenGuest('hypercall_tour', 32));
    const run = (trace: boolean) => {
      const x = makeXen();
      const events: { name: string; icount: number; flow: number; args: Record<string, number | string> }[] = [];
      if (trace) x.d.trace.attach((e) => events.push(e));
      x.m.bootKernel({ kernel, kernelPath: 'hypercall_tour', append: '', modules: [] });
      for (let i = 0; i < 50 && x.d.shutdownReason === null; i++) x.m.run(2_000_000);
      return { x, events };
    };
    const off = run(false), on = run(true);
    expect(on.x.consoleIo).toEqual(off.x.consoleIo);
    expect(on.x.m.totalInstructions()).toBe(off.x.m.totalInstructions());
    const calls = on.events.filter((e) => e.name === 'xen_hypercall');
    expect(calls.find((e) => e.args.name === 'memory_op' && e.args.a0 === 9)?.args.ret).toBe(0);
    expect(calls.find((e) => e.args.name === 'memory_op' && e.args.a0 === 9)?.args.op).toBe('XENMEM_memory_map');
    expect(calls.find((e) => e.args.name === 'event_channel_op' && e.args.a0 === 11)?.args.op).toBe('EVTCHNOP_init_control');
    expect(calls.find((e) => e.args.name === 'grant_table_op' && e.args.a0 === 3)?.args.ret).toBe(-38);
    expect(calls.filter((e) => e.args.name === 'unknown').length).toBe(1);
    // icount never goes back; a guest send and the backend work it causes share a flow id.
    for (let i = 1; i < on.events.length; i++) expect(on.events[i]!.icount).toBeGreaterThanOrEqual(on.events[i - 1]!.icount);
    const send = on.events.find((e) => e.name === 'xen_evtchn_send' && e.args.port === 2)!;
    expect(on.events.some((e) => e.name === 'xen_xenstore_request' && e.flow === send.flow)).toBe(true);
    expect(on.events.some((e) => e.name === 'xen_shutdown')).toBe(true);
  });
});

describe.skipIf(!haveGcc32())('-trace xen_* in the CLI (issue 5)', () => {
  it('shows every hypercall with its name, sub-op, arguments and result', () => {
    const kernel = buildXenGuest('hypercall_tour', 32);
    const root = join(import.meta.dirname, '../..');
    const r = spawnSync(
      process.execPath,
      [join(root, 'bin/xentab.js'), '--accel', 'kvm,xen-version=0x40011,kernel-irqchip=split', '-display', 'none', '-m', '64M',
        '-chardev', 'null,id=c0', '-device', 'xen-console,chardev=c0', '-kernel', kernel, '-trace', 'xen_*'],
      { encoding: 'utf8', input: '', timeout: 60_000 },
    );
    expect(r.status).toBe(0);
    const calls = r.stderr.split('\n').filter((l) => l.startsWith('xen_hypercall '));
    // The tour makes one hypercall per printed line at least, plus its console_io writes.
    expect(calls.length).toBeGreaterThan(EXPECTED.split('\n').length);
    expect(r.stderr).toMatch(/^xen_hypercall icount=\d+ vcpu=0 layer=guest flow=\d+ nr=0xc name=memory_op op=XENMEM_memory_map cpl=0x0 a0=0x9 a1=0x[0-9a-f]+ ret=0$/m);
    expect(r.stderr).toMatch(/^xen_hypercall .* name=grant_table_op op=GNTTABOP_dump_table cpl=0x0 a0=0x3 a1=0x[0-9a-f]+ a2=0x[0-9a-f]+ ret=-38$/m);
    expect(r.stderr).toMatch(/^xen_hypercall .* nr=0x2c name=unknown cpl=0x0 a0=.* a5=0x[0-9a-f]+ ret=-38$/m);
    expect(r.stderr).toMatch(/^xen_evtchn_send /m);
    expect(r.stderr).toMatch(/^xen_xenstore_request .* type=0x2 /m); // XS_READ
  }, 90_000);
});
