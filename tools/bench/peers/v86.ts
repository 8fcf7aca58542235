// Runs a multiboot benchmark image in v86 (npm `v86`, 32-bit only) under Node: SeaBIOS from
// Debian's `seabios` package boots, v86's multiboot option ROM enters the image, and the
// stub in multiboot.S reports on port 0xE9.
// Counting: v86's own retired-instruction counter (get_instruction_counter, a u32 that
// wraps) read at the entry marker and after the final HLT, so SeaBIOS is excluded. The JIT
// keeps the counter in a wasm local until a block exits, so it is exact only outside compiled
// code: at the entry marker (cold code) and at HLT. The count therefore includes the ~80
// instructions of the checksum-printing tail. Timing: entry marker to the first checksum
// digit (one host port write each), wall time and this process's CPU time.

import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { V86 } from 'v86';
import type { MultibootImage, PeerRun } from './build.ts';

export const SEABIOS = '/usr/share/seabios/bios.bin';

export function v86Available(): string | undefined {
  return existsSync(SEABIOS) ? undefined : `v86 needs SeaBIOS at ${SEABIOS}: apt-get install seabios`;
}

const toArrayBuffer = (b: Uint8Array): ArrayBuffer => b.slice().buffer;

/** v86's internals this harness touches: the I/O port bus, to see the stub's marker writes. */
interface V86Internals {
  v86: { cpu: { io: { register_write(port: number, dev: object, w8: (v: number) => void): void } } };
}

export async function runV86(img: MultibootImage, opts: { jit: boolean; timeoutMs?: number }): Promise<PeerRun> {
  const require = createRequire(import.meta.url);
  const wasmPath = join(dirname(require.resolve('v86')), 'v86.wasm');
  const emu = new V86({
    wasm_path: wasmPath,
    bios: { buffer: toArrayBuffer(readFileSync(SEABIOS)) },
    multiboot: { buffer: toArrayBuffer(img.elf) },
    memory_size: 32 << 20,
    disable_jit: !opts.jit,
    autostart: true,
  });
  try {
    return await new Promise<PeerRun>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`v86: ${img.name} did not finish in ${opts.timeoutMs ?? 600_000} ms`)),
        opts.timeoutMs ?? 600_000);
      let c0 = -1, t0 = 0, cpu0 = process.cpuUsage(), ms = 0, cpuMs = 0, out = '';
      emu.add_listener('emulator-ready', () => {
        (emu as unknown as V86Internals).v86.cpu.io.register_write(0xE9, {}, (b: number) => {
          const now = performance.now();
          if (c0 < 0) {
            if (b !== 0x53) return; // anything before 'S' is not ours
            c0 = emu.get_instruction_counter(); t0 = now; cpu0 = process.cpuUsage(); out = 'S';
            return;
          }
          if (out.length === 1) { ms = now - t0; const c = process.cpuUsage(cpu0); cpuMs = (c.user + c.system) / 1000; }
          out += String.fromCharCode(b);
          if (b !== 10) return;
          // Let the stub reach HLT so the JIT has flushed its counter, then read it.
          setTimeout(() => {
            clearTimeout(timer);
            const insns = (emu.get_instruction_counter() - c0) >>> 0;
            const checksum = /^S([0-9a-f]{8})\n$/.test(out) ? parseInt(out.slice(1, 9), 16) >>> 0 : -1;
            resolve({ insns, ms, cpuMs, checksum });
          }, 20);
        });
      });
    });
  } finally {
    await emu.stop();
    await emu.destroy();
  }
}
