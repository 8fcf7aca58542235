// The interpreter's speed depends on V8 inlining its hot handlers and helpers, and V8 never
// inlines a function over 460 bytes of bytecode (max_inlined_bytecode_size; browsers run with that
// default). One commit pushed testCC to 629 bytes and ALU to 715 and the benchmark fell from 80 to
// 67 MIPS without any test noticing. This test asks V8 itself (%DebugPrint: the BytecodeArray
// length the inliner compares) about the functions on the hot path, after
// test/x86/support/hot_path_driver.ts has run them, and keeps each under the limit.

import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** V8's max_inlined_bytecode_size (Node 20 / V8 11.3; Chromium alike). */
const V8_MAX_INLINED_BYTECODE = 460;

describe('V8 inlining limits', () => {
  it(`every hot-path function stays under ${V8_MAX_INLINED_BYTECODE} bytes of bytecode`, () => {
    // Interpreter only (no Sparkplug/TurboFan/Maglev code), so %DebugPrint shows the bytecode.
    // Its output goes to a file: V8 writes with C stdio, which drops output on a full non-blocking
    // pipe (Node sets its stdout pipe non-blocking).
    const dir = mkdtempSync(join(tmpdir(), 'xentab-inlining-'));
    const out = join(dir, 'debugprint.txt');
    const fd = openSync(out, 'w');
    let text: string;
    try {
      const r = spawnSync(process.execPath, ['--allow-natives-syntax', '--no-sparkplug', '--no-opt', '--no-maglev',
        join(root, 'bin', 'run-ts.js'), join(root, 'test', 'x86', 'support', 'hot_path_driver.ts')],
      { encoding: 'utf8', stdio: ['ignore', fd, 'pipe'], cwd: root });
      expect(r.status, r.stderr).toBe(0);
    } finally {
      closeSync(fd);
      text = readFileSync(out, 'utf8');
      rmSync(dir, { recursive: true, force: true });
    }
    const sizes: Record<string, number> = {};
    let name: string | undefined;
    for (const line of text.split('\n')) {
      const marker = /^DebugPrint: .*@@hot (\w+)/.exec(line);
      if (marker) { name = marker[1]; continue; }
      const bc = /^ - bytecode: \S+ <BytecodeArray\[(\d+)\]>/.exec(line);
      if (bc && name !== undefined) { sizes[name] = Number(bc[1]); name = undefined; }
    }
    expect(Object.keys(sizes).length).toBeGreaterThanOrEqual(19);
    expect(Object.entries(sizes).filter(([, n]) => n >= V8_MAX_INLINED_BYTECODE)).toEqual([]);
  }, 60_000);
});
