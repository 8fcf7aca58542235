// Plumbing checks of the host-CPU oracle: known results of simple instructions
// executed natively. The silicon is the oracle; these tests check that the
// runner loads and reports state faithfully in both modes.
import { readFileSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
import {
  CODE_BASE,
  DATA_BASE,
  DATA_SIZE,
  emptyHostState,
  hostOracleAvailable,
  hostOracleUnavailableReason,
  runOnHost,
  type HostCase,
  type HostState,
} from './host_oracle.ts';

const CF = 0x1, PF = 0x4, AF = 0x10, ZF = 0x40, SF = 0x80, DF = 0x400, OF = 0x800;
const ARITH = CF | PF | AF | ZF | SF | OF;
const RAX = 0, RCX = 1, RDX = 2, RBX = 3, RSP = 4;

const hostHasAvx = (() => {
  try {
    return /^flags\s*:.*\bavx\b/m.test(readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    return false;
  }
})();

function state(gpr: Partial<Record<number, bigint>> = {}, rflags = 0): HostState {
  const s = emptyHostState();
  for (const [r, v] of Object.entries(gpr)) s.gpr[Number(r)] = v!;
  s.rflags = rflags;
  return s;
}

function run1(mode: 64 | 32, code: number[], s: HostState = state()) {
  return runOnHost([{ mode, code: Uint8Array.from(code), state: s }])[0]!;
}

function xmm(fx: Uint8Array, n: number): Uint8Array {
  return fx.subarray(160 + 16 * n, 176 + 16 * n);
}
function f32x4(...v: number[]): Uint8Array {
  return new Uint8Array(Float32Array.from(v).buffer);
}

for (const mode of [64, 32] as const) {
  const available = hostOracleAvailable(mode);
  if (!available) console.warn(`host oracle ${mode}-bit skipped: ${hostOracleUnavailableReason(mode)}`);
  const mask = mode === 64 ? 0xffffffffffffffffn : 0xffffffffn;

  describe.skipIf(!available)(`host oracle, ${mode}-bit`, () => {
    it('ADD EAX, EBX wraps to zero with CF, ZF, AF, PF set', () => {
      const r = run1(mode, [0x01, 0xd8], state({ [RAX]: 0xdead_beef_ffff_ffffn, [RBX]: 1n }));
      expect(r.signal).toBe('none');
      expect(r.rip).toBe(CODE_BASE + 2);
      expect(r.state.gpr[RAX]).toBe(0n); // 32-bit destination zero-extends in 64-bit mode
      expect(r.state.rflags & ARITH).toBe(CF | ZF | AF | PF);
    });

    it('ADC EAX, EBX consumes the loaded CF and sets SF and OF', () => {
      const r = run1(mode, [0x11, 0xd8], state({ [RAX]: 0x7fff_fffen, [RBX]: 1n }, CF));
      expect(r.state.gpr[RAX]).toBe(0x8000_0000n);
      expect(r.state.rflags & ARITH).toBe(SF | OF | AF | PF);
    });

    it('loads DF and reports it back', () => {
      const r = run1(mode, [0x90], state({}, DF | ZF));
      expect(r.state.rflags & (DF | ZF)).toBe(DF | ZF);
      expect(r.state.rflags & 0x200).toBe(0x200); // IF is the CPU's
    });

    it('DIV by zero raises SIGFPE with RIP at the DIV and registers as before it', () => {
      const r = run1(mode, [0x90, 0xf7, 0xf1], state({ [RAX]: 7n, [RDX]: 0n, [RCX]: 0n, [RBX]: 0x55n }));
      expect(r.signal).toBe('SIGFPE');
      expect(r.rip).toBe(CODE_BASE + 1);
      expect(r.trapNo).toBe(0);
      expect(r.state.gpr[RAX]).toBe(7n);
      expect(r.state.gpr[RBX]).toBe(0x55n);
    });

    it('UD2 raises SIGILL at the instruction', () => {
      const r = run1(mode, [0x90, 0x90, 0x0f, 0x0b]);
      expect(r.signal).toBe('SIGILL');
      expect(r.rip).toBe(CODE_BASE + 2);
      expect(r.trapNo).toBe(6);
    });

    it('a load just past the data window raises SIGSEGV with the address', () => {
      const r = run1(mode, [0x8b, 0x03], state({ [RBX]: BigInt(DATA_BASE + DATA_SIZE) }));
      expect(r.signal).toBe('SIGSEGV');
      expect(r.faultAddress).toBe(DATA_BASE + DATA_SIZE);
      expect(r.trapNo).toBe(14);
      expect(r.errorCode! & 0x6).toBe(0x4); // user-mode read (SDM Vol.3 4.7)
    });

    it('a load crossing the two data pages reads both', () => {
      const s = state({ [RBX]: BigInt(DATA_BASE + 0xffe) });
      s.mem.set([0x11, 0x22, 0x33, 0x44], 0xffe);
      const r = run1(mode, [0x8b, 0x03], s);
      expect(r.signal).toBe('none');
      expect(r.state.gpr[RAX]).toBe(0x44332211n);
      expect(r.state.mem).toEqual(s.mem);
    });

    it('PUSH writes below RSP in the data window', () => {
      const top = DATA_BASE + 0x1000;
      const r = run1(mode, [0x50], state({ [RAX]: 0x1122_3344_5566_7788n, [RSP]: BigInt(top) }));
      const w = mode / 8;
      expect(r.signal).toBe('none');
      expect(r.state.gpr[RSP]).toBe(BigInt(top - w));
      const expected = mode === 64 ? [0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11] : [0x88, 0x77, 0x66, 0x55];
      expect([...r.state.mem.subarray(0x1000 - w, 0x1000)]).toEqual(expected);
    });

    it('survives a garbage RSP when the code never uses the stack', () => {
      const r = run1(mode, [0x90], state({ [RSP]: 0xdead_0000n }));
      expect(r.signal).toBe('none');
      expect(r.state.gpr[RSP]).toBe(0xdead_0000n);
    });

    it('PXOR and ADDPS are visible in the FXSAVE image', () => {
      const s = state();
      s.fxsave.set(f32x4(9, 9, 9, 9), 160); // xmm0
      s.fxsave.set(f32x4(1, 2, 3, 4), 176); // xmm1
      s.fxsave.set(f32x4(0.5, 0.25, -3, 1e30), 192); // xmm2
      // PXOR xmm0, xmm0; ADDPS xmm1, xmm2
      const r = run1(mode, [0x66, 0x0f, 0xef, 0xc0, 0x0f, 0x58, 0xca], s);
      expect(r.signal).toBe('none');
      expect(xmm(r.state.fxsave, 0)).toEqual(new Uint8Array(16));
      expect(xmm(r.state.fxsave, 1)).toEqual(f32x4(1.5, 2.25, 0, 1e30));
      expect(xmm(r.state.fxsave, 2)).toEqual(f32x4(0.5, 0.25, -3, 1e30));
      // ADDPS of 4 + 1e30 is inexact: MXCSR.PE
      expect(new DataView(r.state.fxsave.buffer).getUint32(24, true)).toBe(0x1f80 | 0x20);
    });

    it('FLD1; FLD1; FADDP leaves 2.0 in ST0 with TOP=7', () => {
      const r = run1(mode, [0xd9, 0xe8, 0xd9, 0xe8, 0xde, 0xc1]);
      const dv = new DataView(r.state.fxsave.buffer);
      expect(r.signal).toBe('none');
      expect((dv.getUint16(2, true) >> 11) & 7).toBe(7); // FSW.TOP
      expect(dv.getUint8(4)).toBe(0x80); // abridged FTW: physical reg 7 valid
      expect(dv.getBigUint64(32, true)).toBe(0x8000_0000_0000_0000n); // ST0 significand
      expect(dv.getUint16(40, true)).toBe(0x4000); // ST0 sign+exponent: 2.0
    });

    it('a fault reports the FP state from the signal frame', () => {
      const s = state();
      s.fxsave.set(f32x4(1, 2, 3, 4), 160 + 16 * 7);
      const r = run1(mode, [0xd9, 0xe8, 0x0f, 0x0b], s); // FLD1; UD2
      const dv = new DataView(r.state.fxsave.buffer);
      expect(r.signal).toBe('SIGILL');
      expect(dv.getUint16(0, true)).toBe(0x037f);
      expect(dv.getUint8(4)).toBe(0x80);
      expect(dv.getUint16(40, true)).toBe(0x3fff); // 1.0
      expect(dv.getUint32(24, true)).toBe(0x1f80);
      expect(xmm(r.state.fxsave, 7)).toEqual(f32x4(1, 2, 3, 4));
    });

    it('a fault after an untouched FP state reports the init values, not an earlier frame', () => {
      // The kernel's XSAVE may skip components in their init state; make sure nothing stale shows.
      const dirty = state();
      dirty.fxsave.set(f32x4(5, 6, 7, 8), 160 + 16 * 3);
      const [a, b] = runOnHost([
        { mode, code: Uint8Array.of(0xd9, 0xe8, 0x0f, 0x0b), state: dirty }, // FLD1; UD2
        { mode, code: Uint8Array.of(0x0f, 0x0b), state: state() }, // UD2
      ]);
      expect(a!.signal).toBe('SIGILL');
      expect(b!.signal).toBe('SIGILL');
      const fx = b!.state.fxsave.slice();
      fx.fill(0, 28, 32); // MXCSR_MASK is the CPU's
      expect(fx).toEqual(emptyHostState().fxsave);
    });

    it('the exit and the fault paths report the same FXSAVE image (FOP, FIP, FDP included)', () => {
      // FLD dword [rbx] of a signalling NaN with IM unmasked leaves an x87 exception pending,
      // so the CPU keeps FOP/FIP/FDP; the second case then faults on UD2.
      const s = state({ [RBX]: BigInt(DATA_BASE + 0x10) });
      new DataView(s.fxsave.buffer).setUint16(0, 0x037e, true);
      new DataView(s.mem.buffer).setUint32(0x10, 0x7f800001, true);
      const [exit, fault] = runOnHost([
        { mode, code: Uint8Array.of(0x90, 0xd9, 0x03), state: s },
        { mode, code: Uint8Array.of(0x90, 0xd9, 0x03, 0x0f, 0x0b), state: s },
      ]);
      expect(exit!.signal).toBe('none');
      expect(fault!.signal).toBe('SIGILL');
      const dv = new DataView(exit!.state.fxsave.buffer);
      expect(dv.getUint16(2, true) & 0x81).toBe(0x81); // FSW.ES and IE
      expect(dv.getUint32(8, true)).toBe(CODE_BASE + 1); // FIP: the FLD
      expect(dv.getUint32(16, true)).toBe(DATA_BASE + 0x10); // FDP: its operand
      expect(fault!.state.fxsave).toEqual(exit!.state.fxsave);
    });

    it.skipIf(!hostHasAvx)('upper YMM halves do not leak from one case into the next', () => {
      const ones = { mode, code: Uint8Array.of(0xc5, 0xf5, 0x76, 0xc9), state: state() }; // VPCMPEQD ymm1, ymm1, ymm1
      const peek = { mode, code: Uint8Array.of(0xc4, 0xe3, 0x7d, 0x19, 0xc8, 0x01), state: state() }; // VEXTRACTF128 xmm0, ymm1, 1
      const [a, b] = runOnHost([ones, peek]);
      expect(a!.signal).toBe('none');
      expect(xmm(a!.state.fxsave, 1)).toEqual(new Uint8Array(16).fill(0xff));
      expect(b!.signal).toBe('none');
      expect(xmm(b!.state.fxsave, 0)).toEqual(new Uint8Array(16));
    });

    it('INT3 raises SIGTRAP with RIP after it', () => {
      const r = run1(mode, [0x90, 0xcc, 0x90]);
      expect(r.signal).toBe('SIGTRAP');
      expect(r.rip).toBe(CODE_BASE + 2);
      expect(r.trapNo).toBe(3);
    });

    it('setting TF with POPF single-steps into SIGTRAP after the next instruction', () => {
      // PUSHF; OR dword [rsp], 0x100; POPF; NOP; NOP
      const code = [0x9c, 0x81, 0x0c, 0x24, 0x00, 0x01, 0x00, 0x00, 0x9d, 0x90, 0x90];
      const r = run1(mode, code, state({ [RSP]: BigInt(DATA_BASE + 0x1000) }));
      expect(r.signal).toBe('SIGTRAP');
      expect(r.rip).toBe(CODE_BASE + 10);
      expect(r.trapNo).toBe(1);
    });

    it('AC with a misaligned load raises SIGBUS (#AC)', () => {
      const r = run1(mode, [0x8b, 0x03], state({ [RBX]: BigInt(DATA_BASE + 1) }, 0x40000));
      expect(r.signal).toBe('SIGBUS');
      expect(r.trapNo).toBe(17);
      expect(r.rip).toBe(CODE_BASE);
    });

    it('an endless loop is stopped and reported as SIGALRM', () => {
      const r = run1(mode, [0xeb, 0xfe]);
      expect(r.signal).toBe('SIGALRM');
      expect(r.rip).toBe(CODE_BASE);
    });

    it('a system call from the code is refused with SIGSYS', () => {
      // 64-bit: SYSCALL (rax = 60 would be exit). 32-bit: INT 0x80 (eax = 1 would be exit).
      const code = mode === 64 ? [0x90, 0x0f, 0x05] : [0x90, 0xcd, 0x80];
      const r = run1(mode, code, state({ [RAX]: mode === 64 ? 60n : 1n, [RBX]: 3n }, CF));
      expect(r.signal).toBe('SIGSYS');
      expect(r.rip).toBe(CODE_BASE + 3);
      if (mode === 64) {
        expect(r.state.gpr[RCX]).toBe(BigInt(CODE_BASE + 3)); // SYSCALL: RCX = next RIP
        expect(Number(r.state.gpr[11]!) & ARITH).toBe(CF); // R11 = RFLAGS
      }
      expect(run1(mode, [0x90]).signal).toBe('none'); // and the runner lives on
    });

    it('code-area writes by one case do not leak into the next', () => {
      // Case 1 stores a NOP at CODE_BASE+0x100 (MOV byte [rbx], 0x90); case 2 jumps there and must
      // find the INT3 fill again.
      const at = BigInt(CODE_BASE + 0x100);
      const writer = { mode, code: Uint8Array.of(0xc6, 0x03, 0x90), state: state({ [RBX]: at }) };
      const jumper = { mode, code: Uint8Array.of(0xff, 0xe3), state: state({ [RBX]: at }) }; // JMP rbx
      const [w, j] = runOnHost([writer, jumper]);
      expect(w!.signal).toBe('none');
      expect(j!.signal).toBe('SIGTRAP');
      expect(j!.rip).toBe(CODE_BASE + 0x101);
    });

    it('a case that loads a null segment selector leaves the runner working', () => {
      // 64-bit: MOV FS, EAX (null clears the FS base glibc relies on); 32-bit: MOV DS, EAX.
      const code = mode === 64 ? [0x8e, 0xe0] : [0x8e, 0xd8];
      const add = { mode, code: Uint8Array.of(0x01, 0xd8), state: state({ [RAX]: 2n, [RBX]: 3n }) };
      const [a, b, c] = runOnHost([{ mode, code: Uint8Array.from(code), state: state() }, add, add]);
      expect(a!.signal).toBe('none');
      expect(b!.state.gpr[RAX]).toBe(5n);
      expect(c!.state.gpr[RAX]).toBe(5n);
    });

    it('survives 2,000 cases of random instruction bytes and still computes correctly after them', () => {
      let seed = 0x5eed + mode;
      const byte = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24);
      const cases: HostCase[] = [];
      for (let i = 0; i < 2000; i++) {
        const s = state();
        for (let r = 0; r < 16; r++) s.gpr[r] = BigInt(DATA_BASE + 0x800 + 16 * r);
        s.gpr[RSP] = BigInt(DATA_BASE + 0x1000);
        cases.push({ mode, code: Uint8Array.from({ length: 15 }, byte), state: s });
      }
      cases.push({ mode, code: Uint8Array.of(0x01, 0xd8), state: state({ [RAX]: 40n, [RBX]: 2n }) });
      const results = runOnHost(cases);
      expect(results.length).toBe(2001);
      expect(results.filter((r) => r.signal === 'none').length).toBeGreaterThan(0);
      expect(results.filter((r) => r.signal === 'SIGSEGV').length).toBeGreaterThan(0);
      expect(results[2000]!.signal).toBe('none');
      expect(results[2000]!.state.gpr[RAX]).toBe(42n);
    });

    it('refuses an FXSAVE image whose MXCSR has reserved bits set', () => {
      const s = state();
      new DataView(s.fxsave.buffer).setUint32(24, 0xffff_0000, true);
      expect(() => run1(mode, [0x90], s)).toThrow(/MXCSR/);
    });

    it('truncates registers to the mode', () => {
      const s = state({ [RCX]: 0x1234_5678_9abc_def0n });
      for (let r = 8; r < 16; r++) s.gpr[r] = BigInt(r);
      const r = run1(mode, [0x90], s);
      expect(r.state.gpr[RCX]).toBe(0x1234_5678_9abc_def0n & mask);
      expect(r.state.gpr[15]).toBe(mode === 64 ? 15n : 0n);
    });

    it('runs a batch of 10,000 cases in order within a few seconds', () => {
      const cases: HostCase[] = [];
      for (let i = 0; i < 10_000; i++) {
        const code = i % 3 === 2 ? [0x0f, 0x0b] : [0x01, 0xd8]; // UD2 or ADD EAX, EBX
        cases.push({ mode, code: Uint8Array.from(code), state: state({ [RAX]: BigInt(i), [RBX]: BigInt(i * 7) }) });
      }
      const t0 = performance.now();
      const results = runOnHost(cases);
      const seconds = (performance.now() - t0) / 1000;
      console.log(`host oracle ${mode}-bit: ${Math.round(10_000 / seconds)} cases/s`);
      expect(seconds).toBeLessThan(5);
      results.forEach((r, i) => {
        if (i % 3 === 2) expect(r.signal).toBe('SIGILL');
        else expect(r.state.gpr[RAX]).toBe(BigInt(i * 8));
      });
    });
  });
}

describe.skipIf(!hostOracleAvailable(64) || !hostOracleAvailable(32))('host oracle, mixed modes', () => {
  it('keeps results in case order across both runners', () => {
    const modes: (64 | 32)[] = [32, 64, 64, 32];
    // 0x48 is DEC EAX in 32-bit mode and a REX.W prefix (here on NOP) in 64-bit mode.
    const cases = modes.map((mode, i) => ({ mode, code: Uint8Array.of(0x48, 0x90), state: state({ [RAX]: BigInt(i + 10) }) }));
    const r = runOnHost(cases);
    expect(r.map((x) => x.state.gpr[RAX])).toEqual([9n, 11n, 12n, 12n]);
  });
});
