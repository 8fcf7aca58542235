// runHeadless: loads the images a config names, wires the stdio chardev, runs the console
// script, and maps every way a run can end to its exit status. The machine here is a small
// echoing console written for the test (the real machine does not exist yet); what is under
// test is the host's wiring around it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { runHeadless } from '../../src/cli/headless_host.ts';
import type { HeadlessMachine, HostIo, LoadedImages } from '../../src/cli/headless_host.ts';
import { parseArgs } from '../../src/cli/parse_args.ts';
import type { MachineConfig } from '../../src/machine/config.ts';
import { makeFixtureDir } from './cli_fixture.ts';

const fixtures = makeFixtureDir();
afterAll(() => fixtures.cleanup());
const XEN = ['-accel', 'kvm,xen-version=0x40011,kernel-irqchip=split', '-kernel', 'xen', '-display', 'none', '-nodefaults'];

function config(args: string[]): MachineConfig {
  const r = parseArgs(args, { cwd: fixtures.dir });
  if (r.kind !== 'config' || r.fileProblems.length) throw new Error('bad test config');
  return r.config;
}

function hostIo(): HostIo & { out: () => string; err: () => string; stdin: PassThrough } {
  let out = '';
  let err = '';
  const dec = new TextDecoder();
  return {
    stdout: { write: (c: Uint8Array | string) => (out += typeof c === 'string' ? c : dec.decode(c)) },
    stderr: { write: (c: string) => (err += c) },
    stdin: new PassThrough(),
    out: () => out,
    err: () => err,
  };
}

/** A console that prints `banner` when it starts and echoes what is typed into `consoleId`. */
class EchoMachine implements HeadlessMachine {
  inputs: string[] = [];
  stopped = false;
  images: LoadedImages | null = null;
  private listener: (id: string, bytes: Uint8Array) => void = () => undefined;
  private finish: (status: number) => void = () => undefined;

  constructor(
    private readonly consoleId: string,
    private readonly banner: string,
  ) {}

  onChardevOutput(l: (id: string, bytes: Uint8Array) => void): void {
    this.listener = l;
  }

  chardevInput(id: string, bytes: Uint8Array): void {
    const text = new TextDecoder().decode(bytes);
    this.inputs.push(text);
    if (text === 'poweroff\n') this.finish(7);
    else if (id === this.consoleId) setImmediate(() => this.listener(id, bytes));
  }

  run(): Promise<number> {
    setImmediate(() => this.listener(this.consoleId, new TextEncoder().encode(this.banner)));
    return new Promise((resolve) => (this.finish = resolve));
  }

  stop(): void {
    this.stopped = true;
  }
}

describe('runHeadless', () => {
  it('reports what it would boot and returns 3 for a Xen guest whose kernel it cannot load', async () => {
    const io = hostIo();
    expect(await runHeadless(config(XEN), io)).toBe(3);
    expect(io.err()).toContain('xentab: would boot a Xen guest:');
    expect(io.err()).toContain('xentab: not run: cannot boot xen: xen: neither a multiboot 1 image nor a PVH ELF');
  });

  it('hands the machine the loaded images', async () => {
    const io = hostIo();
    const m = new EchoMachine('c0', 'hi');
    const c = config([...XEN, '-initrd', 'bzImage,initrd.img', '-chardev', 'stdio,id=c0', '-device', 'xen-console,chardev=c0', '--expect', 'hi']);
    expect(await runHeadless(c, io, (_c, images) => ((m.images = images), m))).toBe(0);
    expect(m.images!.kernel).toEqual(new Uint8Array(readFileSync(join(fixtures.dir, 'xen'))));
    expect(m.images!.modules.map((b) => new TextDecoder().decode(b))).toEqual(['bzImage\n', 'initrd.img\n']);
  });

  it('runs --expect/--send on the console and exits 0 on the last match, output on stdout', async () => {
    const io = hostIo();
    const m = new EchoMachine('c0', 'grub> ');
    const c = config([...XEN, '-chardev', 'stdio,id=c0', '-device', 'xen-console,chardev=c0', '--expect', 'grub>', '--send', 'echo hello\\n', '--expect', 'hello']);
    expect(await runHeadless(c, io, () => m)).toBe(0);
    expect(m.inputs).toEqual(['echo hello\n']);
    expect(io.out()).toBe('grub> echo hello\n');
    expect(m.stopped).toBe(true);
  });

  it('returns 124 on --timeout, naming the text it waited for', async () => {
    const io = hostIo();
    const c = config([...XEN, '-chardev', 'stdio,id=c0', '-device', 'xen-console,chardev=c0', '--expect', 'login:', '--timeout', '0.05']);
    expect(await runHeadless(c, io, () => new EchoMachine('c0', 'booting'))).toBe(124);
    expect(io.err()).toBe("xentab: --timeout 0.05: timed out waiting for 'login:'\n");
  });

  it("returns the machine's own status when the guest stops it, with stdin reaching the console", async () => {
    const io = hostIo();
    const c = config([...XEN, '-chardev', 'stdio,id=c0', '-device', 'xen-console,chardev=c0']);
    const run = runHeadless(c, io, () => new EchoMachine('c0', ''));
    io.stdin.write('poweroff\n');
    expect(await run).toBe(7);
  });

  it('exits 0 on C-a x from stdin when the stdio chardev is a mux', async () => {
    const io = hostIo();
    const m = new EchoMachine('c0', '');
    const c = config([...XEN, '-chardev', 'stdio,id=c0,mux=on,signal=off', '-mon', 'c0', '-device', 'xen-console,chardev=c0']);
    const run = runHeadless(c, io, () => m);
    io.stdin.write(Uint8Array.of(0x6c, 0x73, 0x01, 0x78));
    expect(await run).toBe(0);
    expect(m.inputs).toEqual(['ls']);
    expect(io.err()).toBe('xentab: terminated (C-a x)\n');
  });

  it('writes a file chardev to its path', async () => {
    const io = hostIo();
    const c = config([...XEN, '-chardev', 'file,id=f0,path=console.log', '-device', 'xen-console,chardev=f0', '--expect', 'done']);
    expect(await runHeadless(c, io, () => new EchoMachine('f0', 'all done'))).toBe(0);
    expect(readFileSync(join(fixtures.dir, 'console.log'), 'utf8')).toBe('all done');
  });
});
