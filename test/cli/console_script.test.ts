// --expect / --send / --timeout on a console byte stream: matches across chunk boundaries,
// sends only after the previous expect, and times out with the text it was waiting for.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ByteMatcher, ConsoleScript, runConsoleScript, scriptChardev } from '../../src/cli/console_script.ts';
import type { MachineConfig } from '../../src/machine/config.ts';
import type { ConsolePort } from '../../src/cli/console_script.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();
const bytes = (s: string): Uint8Array => enc.encode(s);

describe('ByteMatcher', () => {
  it('finds a pattern split over many chunks', () => {
    const m = new ByteMatcher('grub>');
    expect(m.feed(bytes('Welcome to gr'))).toBe(-1);
    expect(m.feed(bytes('u'))).toBe(-1);
    expect(m.feed(bytes('b> '))).toBe(2);
  });

  it('handles self-overlapping patterns (KMP fallback)', () => {
    const m = new ByteMatcher('aab');
    expect(m.feed(bytes('aa'))).toBe(-1);
    expect(m.feed(bytes('aab'))).toBe(3);
    const n = new ByteMatcher('abab');
    expect(n.feed(bytes('abaabab'))).toBe(7);
  });

  it('matches UTF-8 text byte for byte', () => {
    const m = new ByteMatcher('λ>');
    const b = bytes('xλ>');
    expect(m.feed(b.subarray(0, 2))).toBe(-1); // λ is two bytes; split in the middle
    expect(m.feed(b.subarray(2))).toBe(2);
  });
});

describe('ConsoleScript', () => {
  it('sends leading --send steps at start, then waits', () => {
    const s = new ConsoleScript([{ send: 'a' }, { send: 'b' }, { expect: 'x' }]);
    expect(s.start().map((b) => dec.decode(b))).toEqual(['a', 'b']);
    expect(s.waitingFor).toBe('x');
    expect(s.complete).toBe(false);
  });

  it('sends only after the expected text appeared, and completes on the last expect', () => {
    const s = new ConsoleScript([{ expect: 'grub>' }, { send: 'echo hello\n' }, { expect: 'hello' }]);
    expect(s.start()).toEqual([]);
    expect(s.output(bytes('booting...'))).toEqual([]);
    expect(s.output(bytes('grub> ')).map((b) => dec.decode(b))).toEqual(['echo hello\n']);
    expect(s.waitingFor).toBe('hello');
    expect(s.output(bytes('echo hel'))).toEqual([]);
    expect(s.complete).toBe(false);
    s.output(bytes('lo\n'));
    expect(s.complete).toBe(true);
  });

  it('continues matching the rest of a chunk after a match', () => {
    const s = new ConsoleScript([{ expect: 'one' }, { expect: 'two' }]);
    s.start();
    s.output(bytes('one two'));
    expect(s.complete).toBe(true);
  });

  it('never completes when the script ends with a send or is empty', () => {
    const s = new ConsoleScript([{ expect: 'a' }, { send: 'b' }]);
    s.start();
    s.output(bytes('a'));
    expect(s.complete).toBe(false);
    const e = new ConsoleScript([]);
    e.start();
    expect(e.complete).toBe(false);
  });
});

/** A console whose guest side echoes what is typed, like a shell with echo on. */
function echoConsole(): ConsolePort & { typed: string[]; emit(text: string): void } {
  const listeners: Array<(c: Uint8Array) => void> = [];
  const port = {
    typed: [] as string[],
    onOutput: (l: (c: Uint8Array) => void) => listeners.push(l),
    input: (b: Uint8Array) => {
      port.typed.push(dec.decode(b));
      queueMicrotask(() => port.emit(dec.decode(b)));
    },
    emit: (text: string) => {
      for (const l of listeners) l(bytes(text));
    },
  };
  return port;
}

describe('runConsoleScript', () => {
  it('resolves when the last expect matches', async () => {
    const port = echoConsole();
    const run = runConsoleScript(port, [{ expect: '$ ' }, { send: 'uname\n' }, { expect: 'uname' }], 5);
    port.emit('login ok\n$ ');
    await expect(run.done).resolves.toEqual({ reason: 'matched' });
    expect(port.typed).toEqual(['uname\n']);
  });

  it('times out naming the text it was waiting for', async () => {
    const port = echoConsole();
    const run = runConsoleScript(port, [{ expect: 'never' }], 0.05);
    port.emit('something else');
    await expect(run.done).resolves.toEqual({ reason: 'timeout', waitingFor: 'never' });
  });
});

describe('scriptChardev', () => {
  const golden = (name: string): MachineConfig =>
    (JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', `${name}.json`), 'utf8')) as { config: MachineConfig }).config;

  it('prefers the stdio chardev, then the Xen console, then COM1', () => {
    expect(scriptChardev(golden('grub-pvh'))).toBe('char0');
    expect(scriptChardev(golden('test-runner'))).toBe('serial0');
    expect(scriptChardev(golden('debugcon'))).toBe('debugcon');
    expect(scriptChardev(golden('hyperv-and-limits'))).toBe('serial0');
    const noStdio = golden('grub-pvh');
    noStdio.chardevs[0]!.backend = 'null';
    expect(scriptChardev(noStdio)).toBe('char0');
  });
});
