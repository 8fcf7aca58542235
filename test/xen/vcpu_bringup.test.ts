// Secondary vCPUs started through Xen (test/guests/xen/vcpu_bringup.c): VCPUOP_initialise with a
// vcpu_hvm_context, VCPUOP_up/down/is_up, and the refusals of Xen 4.17's do_vcpu_op
// (xen/common/domain.c) and arch_set_info_hvm_guest (xen/arch/x86/hvm/domain.c), from a 3-vCPU
// PVH guest built 32-bit (APs in 32-bit flat mode) and 64-bit (APs in long mode). The expected
// transcript is what Xen documents: -ENOENT for a vCPU that does not exist, -EFAULT for an
// unreadable context, -EINVAL for each rejected context and for VCPUOP_up before initialise,
// -EEXIST once initialised (also after VCPUOP_down); the last vCPU going down powers off.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { haveGcc32 } from '../guests/build_guest.ts';
import { buildXenGuest } from '../guests/xen/build_xen_guest.ts';
import { makeXen } from './xen_harness.ts';

const EXPECTED = `is_up(1) before start = 0
up(1) before initialise = -22
initialise(7) = -2
initialise(1) bad pointer = -14
32b: mode 2 = -22
32b: pad = -22
32b: pad1 = -22
32b: pad2[2] = -22
32b: null CS = -22
32b: null SS = -22
32b: null TR = -22
32b: CS attr bit 12 = -22
32b: data segment for CS = -22
32b: code segment for SS = -22
32b: read-only SS = -22
32b: execute-only DS = -22
32b: not-present ES = -22
32b: system descriptor for DS = -22
32b: code segment for TR = -22
32b: LDT for TR = -22
32b: EIP past CS limit = -22
32b: SS.DPL != CS.DPL = -22
32b: DS.DPL > CS.DPL = -22
32b: ES.DPL > CS.DPL = -22
32b: EFER.LMA without LME = -22
32b: EFER.LME without CR0.PG = -22
32b: EFER bit 12 = -22
32b: CR4 bit 31 = -22
64b: non-canonical RIP = -22
64b: CR0.PG clear = -22
64b: CR4.PAE clear = -22
64b: EFER.LME clear = -22
is_up(1) after refusals = 0
initialise(1) = 0
is_up(1) after initialise = 0
initialise(1) again = -17
initialise(0) (the running BSP) = -17
up(1) = 0
ap 1 got EAX/RAX from the context = 1
ap 1 CPUID vCPU id = 1
ap 1 xen_version = 0x00040011
is_up(1) running = 1
up(1) while up = 0
down(1) from vCPU 0 = 0
is_up(1) after down = 0
runstate(1) after down (3 = offline) = 3
down(1) again = 0
ap 1 still while down = 1
up(1) after down = 0
ap 1 runs on = 1
ap 1 took itself down = 1
ap 1 resumed while down = 0
initialise(1) after down = -17
up(1) again = 0
ap 1 VCPUOP_down returned = 0
initialise(2) = 0
up(2) = 0
ap 2 CPUID vCPU id = 2
down(1) = 0
down(2) = 0
is_up(0) = 1
`;

describe.skipIf(!haveGcc32())('vCPU bring-up through VCPUOP_initialise / VCPUOP_up (PVH guest, 3 vCPUs)', () => {
  it.each([32, 64] as const)('%i-bit: every refusal, APs that run, stop, restart and take themselves down; the last down powers off', (bits) => {
    const kernel = readFileSync(buildXenGuest('vcpu_bringup', bits));
    const x = makeXen({}, 3);
    x.m.bootKernel({ kernel, kernelPath: 'vcpu_bringup', append: '', modules: [] });
    let r = '';
    for (let i = 0; i < 20 && r !== 'poweroff' && r !== 'exit'; i++) r = x.m.run(2_000_000);
    expect(String.fromCharCode(...x.consoleIo)).toBe(EXPECTED);
    expect(r).toBe('poweroff');
    expect(x.shutdowns).toEqual([0]);
  });
});
