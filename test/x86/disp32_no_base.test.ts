// 64-bit addressing, ModRM + SIB with no base and no index ([disp32]): the displacement is
// sign-extended to 64 bits (SDM Vol 2A §2.2.1.3), so `mov rax, fs:[-0x68]` (the TLS access of
// static glibc/busybox binaries) reads FS.base - 0x68, not FS.base + 0xFFFFFF98. Busybox's init
// segfaulted at exactly that address under the Xen PV shim.
import { describe, it, expect } from 'vitest';
import { FlatMachine } from './support/flat_machine.ts';
import { Exit } from '../../src/x86/cpu.ts';

describe('[disp32] through a SIB byte in 64-bit mode', () => {
  it('sign-extends a negative displacement (fs:[-0x68] reads FS.base - 0x68)', () => {
    const m = new FlatMachine([[0, 0x10000]]);
    m.cpu.setFlatMode(64);
    m.load(0x1f98, new Uint8Array([0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x08]));
    m.load(0x1000, new Uint8Array([
      0xb9, 0x00, 0x01, 0x00, 0xc0, // mov ecx, 0xC0000100 (IA32_FS_BASE)
      0xb8, 0x00, 0x20, 0x00, 0x00, // mov eax, 0x2000
      0x31, 0xd2, // xor edx, edx
      0x0f, 0x30, // wrmsr
      0x64, 0x48, 0x8b, 0x04, 0x25, 0x98, 0xff, 0xff, 0xff, // mov rax, fs:[-0x68]
      0xf4,
    ]));
    m.cpu.rip = 0x1000;
    expect(m.cpu.run(10)).toBe(Exit.HLT);
    expect(m.cpu.reg32(0) >>> 0).toBe(0x44332211);
    expect(m.cpu.s32[1]! >>> 0).toBe(0x08776655);
  });
});
