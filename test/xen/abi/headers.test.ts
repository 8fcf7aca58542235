// The oracle for every layout and constant in src/xen/abi: Debian's libxen-dev 4.17 public headers
// as gcc compiles them for x86_64 and for i386 (gcc -m32), probed with sizeof/offsetof.
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectedValues, parseProbeOutput, probeSource, type AbiModule } from '../../../tools/xen_abi/probe_source.ts';
import type { Abi } from '../../../src/xen/abi/struct.ts';
import { ABI_MODULES } from './abi_modules.ts';

const hasHeaders = existsSync('/usr/include/xen/xen.h') && existsSync('/usr/include/xen/io/xs_wire.h');
const hasGcc = spawnSync('gcc', ['--version']).status === 0;
const skipReason = !hasHeaders ? 'Xen public headers absent (apt-get install libxen-dev)' : !hasGcc ? 'gcc absent' : '';
if (skipReason) console.warn(`headers.test.ts skipped: ${skipReason}`);

// Guest-visible layouts: the latest interface version (what Linux and GRUB compile against) and
// __XEN_TOOLS__, under which xen-x86_32.h makes uint64_aligned_t truly 8-byte aligned.
const CFLAGS = ['-D__XEN_INTERFACE_VERSION__=__XEN_LATEST_INTERFACE_VERSION__', '-D__XEN_TOOLS__', '-O0', '-w'];

function runProbe(abi: Abi): Map<string, bigint> | string {
  const dir = mkdtempSync(join(tmpdir(), 'xen-abi-'));
  try {
    const src = join(dir, 'probe.c');
    const exe = join(dir, 'probe');
    writeFileSync(src, probeSource(ABI_MODULES as readonly AbiModule[]));
    const cc = spawnSync('gcc', [abi === 'x86_32' ? '-m32' : '-m64', ...CFLAGS, '-o', exe, src], { encoding: 'utf8' });
    if (cc.status !== 0) return `gcc ${abi} failed:\n${cc.stderr.slice(0, 4000)}`;
    const run = spawnSync(exe, [], { encoding: 'utf8' });
    if (run.status !== 0) return `probe ${abi} exited ${run.status}`;
    return parseProbeOutput(run.stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.skipIf(!!skipReason)('src/xen/abi against libxen-dev headers compiled by gcc', () => {
  for (const abi of ['x86_64', 'x86_32'] as const) {
    it(`every size, offset, ring geometry and constant matches for ${abi}`, () => {
      const got = runProbe(abi);
      if (typeof got === 'string') throw new Error(got);
      const want = expectedValues(ABI_MODULES as readonly AbiModule[], abi);
      const mismatches: string[] = [];
      for (const [k, v] of want) {
        const g = got.get(k);
        if (g === undefined) mismatches.push(`${k}: not printed by the probe`);
        else if (BigInt.asUintN(64, g) !== BigInt.asUintN(64, v)) mismatches.push(`${k}: ours ${v}, gcc ${g}`);
      }
      expect(mismatches).toEqual([]);
      // Sanity: the probe really covered a lot.
      expect(want.size).toBeGreaterThan(500);
    });
  }

  it('the anchors quoted in DESIGN.md come out of our layouts', async () => {
    const { SharedInfoLayout, VcpuInfoLayout } = await import('../../../src/xen/abi/xen.ts');
    expect(SharedInfoLayout.x86_64.evtchn_pending).toBe(2048);
    expect(SharedInfoLayout.x86_64.evtchn_mask).toBe(2560);
    expect(SharedInfoLayout.x86_32.wc_sec).toBe(2308);
    expect(SharedInfoLayout.sizeof).toEqual({ x86_64: 3136, x86_32: 2344 });
    expect(VcpuInfoLayout.sizeof).toEqual({ x86_64: 64, x86_32: 64 });
  });
});
