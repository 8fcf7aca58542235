// Two NMIs in a row to a vCPU in real mode: a self NMI, then one from another vCPU while the first
// is handled or after; both handlers run. The real-mode IRET must end NMI blocking (SDM Vol 3
// §6.7.1); it did not, so the second NMI stayed pending forever. (The kvm-unit-tests apic
// "multiple nmi" case, in long mode, also needed the self NMI to enter the CPU's latch at once.)
import { describe, it, expect } from 'vitest';
import { Machine } from '../../src/machine/machine.ts';
import * as L from '../../src/x86/state_layout.ts';

const SPEC = {
  ramBytes: 1 << 20, cpus: 2, tscKHz: 2_000_000, icountShift: 0, rtcEpochSeconds: 0,
  serials: [], debugcon: null, debugExit: null, pcTestdev: false,
};
const host = { serialOut: () => {}, debugconOut: () => {}, debugExit: () => {}, resetRequest: () => {} };

// CPU0 at 0x7C00 (16-bit, 4 GiB DS limit): [0x610] = 0; IVT[2] = nmi_h; release CPU1 ([0x600] = 1);
// ICR = self, NMI; wait for CPU1's [0x604]; PAUSE x2000; [0x500] = [0x610]; HLT loop.
// nmi_h: INC word [0x610]; IRET.
const CPU0 = [
  0xc7, 0x06, 0x10, 0x06, 0x00, 0x00, 0xc7, 0x06, 0x08, 0x00, 0x3e, 0x7c, 0xc7, 0x06, 0x0a, 0x00, 0x00, 0x00, 0xc6, 0x06,
  0x00, 0x06, 0x01, 0x66, 0xb8, 0x00, 0x44, 0x04, 0x00, 0x66, 0xbb, 0x00, 0x03, 0xe0, 0xfe, 0x67, 0x66, 0x89, 0x03, 0x80,
  0x3e, 0x04, 0x06, 0x01, 0x75, 0xf9, 0xb9, 0xd0, 0x07, 0xf3, 0x90, 0xe2, 0xfc, 0xa1, 0x10, 0x06, 0xa3, 0x00, 0x05, 0xf4,
  0xeb, 0xfd, 0xff, 0x06, 0x10, 0x06, 0xcf,
];
// CPU1 at 0x8000: SVR = 0x1FF; wait for [0x600]; ICR = NMI to APIC ID 0; [0x604] = 1; CLI; HLT loop.
const CPU1 = [
  0x66, 0xbb, 0xf0, 0x00, 0xe0, 0xfe, 0x67, 0x66, 0xc7, 0x03, 0xff, 0x01, 0x00, 0x00, 0x80, 0x3e, 0x00, 0x06, 0x01, 0x75,
  0xf9, 0x66, 0xb8, 0x00, 0x44, 0x00, 0x00, 0x66, 0xbb, 0x00, 0x03, 0xe0, 0xfe, 0x67, 0x66, 0x89, 0x03, 0xc6, 0x06, 0x04,
  0x06, 0x01, 0xfa, 0xf4, 0xeb, 0xfd,
];

describe('NMI latch', () => {
  it("a self NMI then another vCPU's NMI run the real-mode handler twice", () => {
    const m = new Machine(SPEC, host);
    m.platform.mem.writeBytes(0x7c00, Uint8Array.from(CPU0));
    m.platform.mem.writeBytes(0x8000, Uint8Array.from(CPU1));
    for (const [i, rip] of [[0, 0x7c00], [1, 0x8000]] as const) {
      const cpu = m.cpus[i]!;
      cpu.setFlatMode(16);
      cpu.s32[(L.SEG + L.DS * L.SEG_STRIDE + L.SEG_LIMIT) >> 2] = -1; // DS reaches the LAPIC page
      cpu.s32[L.RIP >> 2] = rip;
      cpu.s32[(L.RIP >> 2) + 1] = 0;
      cpu.s32[L.HALTED >> 2] = 0;
      cpu.s32[(L.IDTR >> 2) + 2] = 0x3ff; // the real-mode IVT at 0
    }
    m.platform.lapics[1]!.waitingForSipi = false;
    m.run(200_000);
    expect(m.platform.mem.read32(0x604) & 0xff).toBe(1);
    expect(m.platform.mem.read32(0x500) & 0xffff).toBe(2);
  });
});
