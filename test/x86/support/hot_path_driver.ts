// Runs one short 64-bit loop through the interpreter's hottest paths (ALU, MOV load/store,
// MOVZX, shifts, TEST, INC, LEA, PUSH/POP, CALL/RET, CMP + Jcc) so that V8 compiles them.
// test/x86/inlining_limits.test.ts starts it with --allow-natives-syntax to read their sizes.

import { Cpu, Exit } from '../../../src/x86/cpu.ts';
import { execute } from '../../../src/x86/exec/dispatch.ts';
import { ALU, INCDEC, TEST } from '../../../src/x86/exec/alu.ts';
import { LEA, MOV, MOVX } from '../../../src/x86/exec/mov.ts';
import { CALL, JCC, RET } from '../../../src/x86/exec/control.ts';
import { POP, PUSH } from '../../../src/x86/exec/stack.ts';
import { SHIFT } from '../../../src/x86/exec/shift_rotate.ts';
import { testCC } from '../../../src/x86/flags.ts';
import { FlatMachine } from './flat_machine.ts';

const m = new FlatMachine([[0, 0x100000]]);
const loop = [
  0x01, 0xd8, // add eax, ebx
  0x48, 0x01, 0xd8, // add rax, rbx
  0x8b, 0x16, // mov edx, [rsi]
  0x89, 0x56, 0x08, // mov [rsi+8], edx
  0x0f, 0xb6, 0x16, // movzx edx, byte [rsi]
  0xc1, 0xe2, 0x03, // shl edx, 3
  0x48, 0xc1, 0xe2, 0x03, // shl rdx, 3
  0x85, 0xd2, // test edx, edx
  0x48, 0xff, 0xc7, // inc rdi
  0x48, 0x8d, 0x14, 0xbe, // lea rdx, [rsi+rdi*4]
  0x52, 0x5a, // push rdx; pop rdx
  0xe8, 0, 0, 0, 0, // call f (patched below)
  0x48, 0x39, 0xdf, // cmp rdi, rbx
  0xff, 0xc9, // dec ecx
];
const code = [0xb9, 0xe8, 0x03, 0x00, 0x00, ...loop, 0x0f, 0x85, 0, 0, 0, 0, 0xf4, 0xc3]; // mov ecx, 1000; …; jnz; hlt; f: ret
const jnz = code.length - 6, call = 5 + loop.indexOf(0xe8);
const put32 = (at: number, v: number): void => { for (let i = 0; i < 4; i++) code[at + i] = (v >>> (8 * i)) & 0xff; };
put32(jnz, 5 - (jnz + 4)); // back to the loop start
put32(call + 1, code.length - 1 - (call + 5)); // the RET at the end
m.load(0x1000, new Uint8Array(code));
const cpu = m.cpu;
cpu.setFlatMode(64);
cpu.rip = 0x1000;
cpu.s32[8] = 0x90000; // rsp
cpu.s32[12] = 0x80000; // rsi
cpu.s32[6] = 1 << 20; // rbx: rdi never reaches it
if (cpu.run(100_000) !== Exit.HLT) throw new Error('hot_path_driver: the loop did not reach HLT');

// With --allow-natives-syntax: print V8's own record of each hot function (its BytecodeArray
// length is the size V8's inliner compares with its limits), one marker before each. The markers
// go through %DebugPrint too: V8 writes to C stdio, whose buffer would reorder them against
// process.stdout.
if (process.execArgv.includes('--allow-natives-syntax')) {
  const debugPrint = new Function('f', '%DebugPrint(f)') as (f: unknown) => void;
  const proto = Cpu.prototype as unknown as Record<string, unknown>;
  const hot: Record<string, unknown> = {
    execute, MOV, ALU, JCC, TEST, SHIFT, MOVX, INCDEC, LEA, PUSH, POP, CALL, RET, testCC,
    ea: proto['ea'], read: proto['read'], write: proto['write'], push: proto['push'], peek: proto['peek'],
  };
  for (const [name, f] of Object.entries(hot)) { debugPrint(`@@hot ${name}`); debugPrint(f); }
}
