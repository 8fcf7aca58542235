// Runs a test kernel under QEMU TCG (Debian qemu-system-x86) the way QEMU's test runners do,
// returning its serial output and exit status. Used as the oracle for our loaders and devices.
import { spawnSync } from 'node:child_process';

export function haveQemu(): boolean {
  return spawnSync('qemu-system-x86_64', ['--version'], { stdio: 'ignore' }).status === 0;
}

export function runQemu(args: string[], cwd?: string): { out: string; status: number | null } {
  const r = spawnSync(
    'qemu-system-x86_64',
    ['-nodefaults', '-display', 'none', '-serial', 'stdio', '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x4', ...args],
    { encoding: 'utf8', timeout: 30_000, cwd },
  );
  return { out: r.stdout, status: r.status };
}
