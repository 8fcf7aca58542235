// `npx xentab` as a child process (node bin/xentab.js …): what a user or a CI script sees on
// stdout, stderr and in the exit status.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OPTIONS } from '../../src/cli/options.ts';
import { makeFixtureDir, normalisePaths } from './cli_fixture.ts';
import { GOLDEN_LINES } from './golden_lines.ts';

const QEMU = '/usr/bin/qemu-system-x86_64';
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'xentab.js');
const fixtures = makeFixtureDir();
afterAll(() => fixtures.cleanup());

function xentab(args: string[], input = ''): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: fixtures.dir, encoding: 'utf8', input, timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('npx xentab', () => {
  it('--help prints the grouped usage with every supported option and exits 0', () => {
    const r = xentab(['--help']);
    expect(r.status).toBe(0);
    for (const title of ['Standard options:', 'Xen options', 'xentab options', 'Examples', 'Exit status:']) expect(r.stdout).toContain(title);
    for (const row of OPTIONS.filter((o) => o.apply !== null)) expect(r.stdout).toContain(`-${row.names[0]}`);
    expect(r.stdout).toContain('-append "pv-shim console=xen,pv -- console=hvc0 root=/dev/xvda1"');
    expect(r.stderr).toBe('');
  });

  it('-version names the package version', () => {
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
    const r = xentab(['-version']);
    expect([r.status, r.stdout.split('\n')[0]]).toEqual([0, `xentab version ${pkg.version}`]);
  });

  it('-device help lists the device models', () => {
    const r = xentab(['-device', 'help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/xen-console[\s\S]*xen-disk[\s\S]*xen-net-device[\s\S]*isa-debug-exit[\s\S]*pc-testdev/);
  });

  it('--print-config prints the PV shim config as JSON, equal to the golden fixture', () => {
    const r = xentab([...GOLDEN_LINES['pv-shim']!, '--print-config']);
    expect([r.status, r.stderr]).toEqual([0, '']);
    const golden = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'pv-shim.json'), 'utf8')) as { config: unknown };
    expect(normalisePaths(JSON.parse(r.stdout), fixtures.dir)).toEqual(golden.config);
  });

  it('--print-config still prints a config whose files are missing, names them and exits 1', () => {
    const r = xentab(['-kernel', 'missing-xen', '--print-config']);
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout).boot.kernel.path).toBe('missing-xen');
    expect(r.stderr).toBe(`xentab: -kernel missing-xen: could not open kernel file 'missing-xen' (${fixtures.dir}/missing-xen): no such file\n`);
  });

  it('a bad option value names the option and value and exits 1 with nothing on stdout', () => {
    const r = xentab(['-m', '1X', '-kernel', 'xen']);
    expect(r).toEqual({ status: 1, stdout: '', stderr: "xentab: -m 1X: invalid size '1X' (expected a number with an optional K, M, G or T suffix)\n" });
  });

  it('prints QEMU deprecation warnings on stderr and goes on', () => {
    const r = xentab(['-chardev', 'stdio,id=c0,mux', '-mon', 'c0', '--print-config']);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe("xentab: -chardev stdio,id=c0,mux: warning: short-form boolean option 'mux' deprecated; please use mux=on instead\n");
  });

  it('loads the files, says what it would boot and exits 3 for a Xen guest whose kernel it cannot load', () => {
    const r = xentab([...GOLDEN_LINES['pv-shim']!]);
    expect(r.status).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('xentab: would boot a Xen guest:');
    expect(r.stderr).toContain("xentab:   kernel xen (4), command line 'pv-shim console=xen,pv -- console=hvc0 root=/dev/xvda1'");
    expect(r.stderr).toContain('xentab:   Xen 4.17 HVM guest interface');
    expect(r.stderr).toContain('xentab:   xen-disk xvda = guest.img (10)');
    expect(r.stderr).toContain('xentab: not run: cannot boot xen:');
  });
});

describe('npx xentab runs a test kernel like QEMU does', () => {
  const line = ['-nodefaults', '-display', 'none', '-serial', 'stdio', '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x4', '-kernel', 'hello.mb'];

  it('prints on COM1 and exits with the isa-debug-exit status, as QEMU TCG does', () => {
    const r = xentab(line);
    expect(r).toEqual({ status: 85, stdout: 'Hi\n', stderr: '' });
    if (!existsSync(QEMU)) return;
    const q = spawnSync(QEMU, line, { cwd: fixtures.dir, encoding: 'utf8', input: '', timeout: 30_000 });
    expect({ status: q.status, stdout: q.stdout }).toEqual({ status: r.status, stdout: r.stdout });
  });

  it('--expect ends the run with 0 as soon as the text appears', () => {
    expect(xentab([...line, '--expect', 'Hi'])).toEqual({ status: 0, stdout: 'Hi\n', stderr: '' });
  });

  it('--timeout ends a guest that never finishes with 124', () => {
    const r = xentab(['-nodefaults', '-display', 'none', '-serial', 'stdio', '-kernel', 'kernel.mb', '--expect', 'never', '--timeout', '0.5']);
    expect(r).toEqual({ status: 124, stdout: '', stderr: "xentab: --timeout 0.5: timed out waiting for 'never'\n" });
  });

  // Longer than the UART's 16-byte FIFO: typed input must be paced, not dropped.
  const TYPED = 'a line longer than sixteen bytes, to overflow a FIFO: q';
  const echo = ['-nodefaults', '-display', 'none', '-serial', 'stdio', '-device', 'isa-debug-exit,iobase=0xf4,iosize=4', '-kernel', 'echo.mb'];

  it('feeds stdin to COM1 without losing bytes, as QEMU does', () => {
    const r = xentab(echo, TYPED);
    expect(r).toEqual({ status: 1, stdout: TYPED, stderr: '' });
    if (!existsSync(QEMU)) return;
    const q = spawnSync(QEMU, echo, { cwd: fixtures.dir, encoding: 'utf8', input: TYPED, timeout: 30_000 });
    expect({ status: q.status, stdout: q.stdout }).toEqual({ status: 1, stdout: TYPED });
  });

  it('--send types into the console after --expect', () => {
    expect(xentab([...echo, '--send', 'ping', '--expect', 'ping', '--send', TYPED.slice(4)])).toEqual({ status: 1, stdout: `ping${TYPED.slice(4)}`, stderr: '' });
  });

  it('-no-reboot turns a guest reset into exit 0, as in QEMU; without it the guest boots again', () => {
    const line = ['-nodefaults', '-display', 'none', '-serial', 'stdio', '-kernel', 'reset.mb'];
    expect(xentab([...line, '-no-reboot'])).toEqual({ status: 0, stdout: 'R', stderr: '' });
    if (existsSync(QEMU)) {
      const q = spawnSync(QEMU, [...line, '-no-reboot'], { cwd: fixtures.dir, encoding: 'utf8', input: '', timeout: 30_000 });
      expect({ status: q.status, stdout: q.stdout }).toEqual({ status: 0, stdout: 'R' });
    }
    expect(xentab([...line, '--expect', 'RRR', '--timeout', '20'])).toMatchObject({ status: 0, stdout: expect.stringMatching(/^RRR/) });
  });
});
