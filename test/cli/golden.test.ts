// Golden tests: every command line of QEMU's Xen guide (docs/system/i386/xen.rst, old and new
// revisions, and the -initrd module example of qemu-options.hx), the test-runner lines of
// issue 4, and xentab's own options parse to the checked-in config in fixtures/NAME.json.
// `UPDATE_GOLDEN=1 npx vitest run test/cli/golden.test.ts` rewrites the fixtures; review the diff.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/cli/parse_args.ts';
import { makeFixtureDir, normalisePaths } from './cli_fixture.ts';
import { GOLDEN_LINES } from './golden_lines.ts';

/** Lines QEMU 7.2 can run too (Debian's QEMU predates Xen emulation, which came in 8.0). */
const QEMU_RUNS = ['kvm-unit-tests', 'test-runner', 'debugcon', 'nographic', 'qemu-compat'];
const QEMU = '/usr/bin/qemu-system-x86_64';

const fixtures = makeFixtureDir();
afterAll(() => fixtures.cleanup());

describe('golden command lines', () => {
  for (const [name, argv] of Object.entries(GOLDEN_LINES)) {
    it(`parses ${name} to fixtures/${name}.json`, () => {
      const result = parseArgs(argv, { cwd: fixtures.dir });
      if (result.kind !== 'config') throw new Error(`expected a config, got ${result.kind}`);
      expect(result.fileProblems).toEqual([]);
      // Plain data: survives JSON unchanged (share links carry it).
      expect(JSON.parse(JSON.stringify(result.config))).toEqual(result.config);
      const actual = { argv, config: normalisePaths(result.config, fixtures.dir) };
      const file = join(import.meta.dirname, 'fixtures', `${name}.json`);
      if (process.env['UPDATE_GOLDEN'] === '1' || !existsSync(file)) {
        if (process.env['UPDATE_GOLDEN'] !== '1') throw new Error(`missing ${file}; run with UPDATE_GOLDEN=1 and review it`);
        writeFileSync(file, `${JSON.stringify(actual, null, 2)}\n`);
      }
      expect(actual).toEqual(JSON.parse(readFileSync(file, 'utf8')));
    });
  }
});

describe.skipIf(!existsSync(QEMU))('QEMU (Debian qemu-system-x86_64) accepts the same lines', () => {
  for (const name of QEMU_RUNS) {
    it(`qemu starts ${name} (paused by -S)`, () => {
      const r = spawnSync(QEMU, [...GOLDEN_LINES[name]!, '-S'], { cwd: fixtures.dir, timeout: 2000, encoding: 'utf8', input: '' });
      // Still running when our timeout stopped it: QEMU accepted the line and built the machine
      // (QEMU catches SIGTERM and exits 0 by itself, so look at the timeout, not the status).
      const timedOut = (r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT';
      expect({ timedOut, stderr: timedOut ? '' : r.stderr }).toEqual({ timedOut: true, stderr: '' });
    });
  }
});
