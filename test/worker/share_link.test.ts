import { readFileSync } from 'node:fs';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { MachineConfig } from '../../src/machine/config.ts';
import {
  base64urlDecode,
  base64urlEncode,
  checkShareLink,
  decodeShareLink,
  encodeShareLink,
  MAX_FRAGMENT_CHARS,
  ShareLinkError,
} from '../../src/worker/share_link.ts';
import type { ShareLink, ShareReplay } from '../../src/worker/share_link.ts';

interface DemoEntry {
  id: string;
  config: MachineConfig;
  images: Array<{ role: 'kernel' | 'module' | 'drive'; name: string; size: number; sha256: string; url: string }>;
}
const demos = (JSON.parse(readFileSync(new URL('../../public/demos.json', import.meta.url), 'utf8')) as { demos: DemoEntry[] }).demos;

/** A link for the demo `id` of public/demos.json, the configs the page really shares. */
function demoLink(id: string): ShareLink {
  const demo = demos.find((d) => d.id === id)!;
  return {
    v: 1,
    emu: '0.1.0',
    machine: demo.config,
    images: demo.images.map((i) => ({ role: i.role, name: i.name, sha256: i.sha256, size: i.size, urls: [i.url, `https://mirror.example.org/xentab/${i.sha256}`] })),
    input: [
      { after: 'login:', send: 'root\n' },
      { after: 1_000_000, send: 'echo hello\n' },
    ],
  };
}

/** A fragment made with node:zlib (an independent deflate-raw) from arbitrary JSON text. */
function rawFragment(json: string): string {
  return '#v1.' + deflateRawSync(Buffer.from(json, 'utf8')).toString('base64url');
}

/** The link as plain JSON with `edit` applied, re-encoded: for hostile variations. */
function tampered(edit: (j: Record<string, unknown>) => void, id = 'xen-shim-linux'): string {
  const j = JSON.parse(JSON.stringify(demoLink(id))) as Record<string, unknown>;
  edit(j);
  return rawFragment(JSON.stringify(j));
}

async function refusal(fragment: string): Promise<string> {
  try {
    await decodeShareLink(fragment);
  } catch (e) {
    expect(e).toBeInstanceOf(ShareLinkError);
    return (e as Error).message;
  }
  throw new Error('the link was accepted');
}

describe('share link round trip', () => {
  it('decodes what it encodes, for every demo', async () => {
    for (const d of demos) {
      const link = demoLink(d.id);
      const fragment = await encodeShareLink(link);
      expect(fragment.startsWith('#v1.')).toBe(true);
      expect(fragment).toMatch(/^#v1\.[A-Za-z0-9_-]+$/);
      expect(await decodeShareLink(fragment)).toEqual(link);
      expect(await decodeShareLink(fragment.slice(1))).toEqual(link);
    }
  });

  it('writes standard deflate-raw and base64url that node:zlib and Buffer read back', async () => {
    const link = demoLink('xen-shim-linux');
    const fragment = await encodeShareLink(link);
    const json = inflateRawSync(Buffer.from(fragment.slice(4), 'base64url')).toString('utf8');
    expect(JSON.parse(json)).toEqual(link);
    expect(await decodeShareLink(rawFragment(JSON.stringify(link)))).toEqual(link);
  });

  it('keeps the headline demo link short enough for a URL bar (under 4 KiB)', async () => {
    const fragment = await encodeShareLink(demoLink('xen-shim-linux'));
    expect(fragment.length).toBeLessThan(4096);
  });

  it('base64url codec agrees with Buffer for all lengths and refuses non-canonical text', () => {
    for (let n = 0; n < 40; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 97 + n) & 0xff);
      const text = base64urlEncode(bytes);
      expect(text).toBe(Buffer.from(bytes).toString('base64url'));
      expect(base64urlDecode(text)).toEqual(bytes);
    }
    expect(() => base64urlDecode('AB+/')).toThrow(/not base64url/);
    expect(() => base64urlDecode('QQ==')).toThrow(/not base64url/);
    expect(() => base64urlDecode('QR')).toThrow(/stray bits/);
  });
});

describe('malformed links are refused with a clear error', () => {
  it('refuses what is not a v1 xentab link', async () => {
    expect(await refusal('')).toMatch(/must start with #v1\./);
    expect(await refusal('#hello')).toMatch(/must start with #v1\./);
    expect(await refusal('#v2.AAAA')).toBe('unsupported link version v2: this xentab reads v1 links');
  });

  it('refuses truncated base64 and truncated deflate data', async () => {
    const fragment = await encodeShareLink(demoLink('serial-echo'));
    const body = fragment.slice(4);
    const oddCut = '#v1.' + body.slice(0, body.length - (body.length % 4) - 3);
    expect(await refusal(oddCut)).toMatch(/truncated base64url/);
    expect(await refusal('#v1.' + body.slice(0, Math.floor(body.length / 8) * 4))).toMatch(/compressed data is invalid or truncated/);
    expect(await refusal('#v1.' + Buffer.from('not deflate at all, just text').toString('base64url'))).toMatch(/damaged/);
  });

  it('refuses a link with a different version field, or a JSON that is not an object', async () => {
    expect(await refusal(tampered((j) => (j['v'] = 2)))).toMatch(/\bv: expected 1/);
    expect(await refusal(rawFragment('[1,2,3]'))).toMatch(/not a JSON object/);
    expect(await refusal(rawFragment('{"v":1,'))).toMatch(/not JSON/);
    expect(await refusal('#v1.' + deflateRawSync(Buffer.from([0x7b, 0xff, 0xfe, 0x7d])).toString('base64url'))).toMatch(/not UTF-8/);
  });

  it('names each field of the wrong type', async () => {
    const msg = await refusal(
      tampered((j) => {
        (j['images'] as Array<Record<string, unknown>>)[0]!['size'] = '416';
        ((j['machine'] as Record<string, Record<string, unknown>>)['memory']!)['bytes'] = -1;
        j['emu'] = 42;
      }),
    );
    expect(msg).toContain('images[0].size: expected a byte count');
    expect(msg).toContain('machine.memory.bytes: expected an integer');
    expect(msg).toContain('emu: expected a version string');
  });

  it('refuses unknown fields at every level, including a relay URL', async () => {
    expect(await refusal(tampered((j) => (j['relay'] = 'wss://relay.example.org/')))).toContain('relay: unknown field');
    expect(await refusal(tampered((j) => ((j['images'] as Array<Record<string, unknown>>)[1]!['chunk'] = 1)))).toContain('images[1].chunk: unknown field');
    expect(await refusal(tampered((j) => (((j['machine'] as Record<string, Record<string, unknown>>)['accel']!)['evil'] = true)))).toContain('machine.accel.evil: unknown field');
    expect(
      await refusal(tampered((j) => ((((j['machine'] as Record<string, unknown>)['devices'] as Array<Record<string, unknown>>)[0]!)['extra'] = 'x'))),
    ).toContain('machine.devices[0].extra: unknown field');
    expect(await refusal(tampered((j) => (((j['input'] as Array<Record<string, unknown>>)[0]!)['port'] = 'hvc0')))).toContain('input[0].port: unknown field');
  });

  it('refuses __proto__, constructor and prototype keys anywhere', async () => {
    const json = JSON.stringify(demoLink('serial-echo'));
    const protoTop = json.replace('{"v":1,', '{"v":1,"__proto__":{"polluted":true},');
    expect(await refusal(rawFragment(protoTop))).toBe("the link contains a forbidden key '__proto__'");
    const protoDeep = json.replace('"features":{}', '"features":{"__proto__":{"admin":true}}');
    expect(protoDeep).not.toBe(json);
    expect(await refusal(rawFragment(protoDeep))).toMatch(/forbidden key '__proto__'/);
    expect(await refusal(rawFragment(json.replace('"properties":{}', '"properties":{"constructor":"x"}')))).toMatch(/forbidden key 'constructor'/);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('refuses a deflate bomb without inflating it all', async () => {
    // 32 MiB of spaces compresses to ~32 KiB: a legal fragment size that would inflate 128-fold past the cap.
    const bomb = '#v1.' + deflateRawSync(Buffer.alloc(32 << 20, 0x20), { level: 9 }).toString('base64url');
    expect(bomb.length).toBeLessThan(MAX_FRAGMENT_CHARS);
    // Count what the real inflater produces by wrapping it.
    const Real = globalThis.DecompressionStream;
    let produced = 0;
    class Counting {
      readonly writable: WritableStream<Uint8Array>;
      readonly readable: ReadableStream<Uint8Array>;
      constructor(format: CompressionFormat) {
        const real = new Real(format);
        this.writable = real.writable as WritableStream<Uint8Array>;
        this.readable = (real.readable as ReadableStream<Uint8Array>).pipeThrough(
          new TransformStream<Uint8Array, Uint8Array>({
            transform(chunk, controller) {
              produced += chunk.length;
              controller.enqueue(chunk);
            },
          }),
        );
      }
    }
    globalThis.DecompressionStream = Counting as unknown as typeof DecompressionStream;
    try {
      expect(await refusal(bomb)).toMatch(/inflates to more than 262144 bytes; refused/);
    } finally {
      globalThis.DecompressionStream = Real;
    }
    expect(produced).toBeGreaterThan(262144);
    expect(produced).toBeLessThan(4 << 20);
  });

  it('refuses an over-long fragment before decoding it', async () => {
    expect(await refusal('#v1.' + 'A'.repeat(MAX_FRAGMENT_CHARS))).toMatch(/characters long; at most 65536/);
  });

  it('refuses JSON nested deeper than 32', async () => {
    expect(await refusal(rawFragment('['.repeat(5000) + ']'.repeat(5000)))).toMatch(/nested 5000 deep/);
  });

  it('accepts only http(s) URLs without credentials', async () => {
    const withUrl = (u: string) => tampered((j) => (((j['images'] as Array<Record<string, unknown>>)[0]!)['urls'] = [u]), 'serial-echo');
    expect(await refusal(withUrl('javascript:alert(1)'))).toMatch(/images\[0\]\.urls\[0\]: only http and https URLs are allowed, not javascript:/);
    expect(await refusal(withUrl('data:application/octet-stream;base64,AAAA'))).toMatch(/not data:/);
    expect(await refusal(withUrl('wss://relay.example.org/'))).toMatch(/not wss:/);
    expect(await refusal(withUrl('https://user:secret@example.org/k.bin'))).toMatch(/may not carry credentials/);
    expect(await refusal(withUrl(' https://example.org/k.bin'))).toMatch(/may not contain spaces/);
    for (const ok of ['https://example.org/k.bin', 'http://127.0.0.1:8080/k', 'guests/serial_echo.bin']) {
      expect(checkShareLink(JSON.parse(JSON.stringify({ ...demoLink('serial-echo'), images: [{ ...demoLink('serial-echo').images[0]!, urls: [ok] }] })))).toEqual([]);
    }
  });

  it('refuses a malformed sha256 and a duplicate image name', async () => {
    expect(await refusal(tampered((j) => (((j['images'] as Array<Record<string, unknown>>)[0]!)['sha256'] = 'AB'.repeat(32))))).toContain(
      'images[0].sha256: expected 64 lowercase hex digits',
    );
    expect(
      await refusal(
        tampered((j) => {
          const imgs = j['images'] as Array<Record<string, unknown>>;
          imgs[1]!['name'] = imgs[0]!['name'];
        }),
      ),
    ).toMatch(/images\[1\]\.name: 'xen-shim' is used twice/);
  });

  it('refuses machines whose files are not the link images, host paths, or host file output', async () => {
    const m = (j: Record<string, unknown>) => j['machine'] as MachineConfig;
    expect(await refusal(tampered((j) => (m(j).boot.kernel!.resolved = 'other')))).toContain("machine.boot.kernel.resolved: 'other' is not one of the link's images");
    expect(await refusal(tampered((j) => (m(j).boot.kernel!.path = '/home/me/xen-shim')))).toContain('machine.boot.kernel.path: expected a bare file name');
    expect(await refusal(tampered((j) => (m(j).drives[0]!.file!.resolved = 'vmlinuz')))).toContain("image 'vmlinuz' has role module, expected drive");
    expect(await refusal(tampered((j) => (j['images'] as unknown[]).push({ role: 'drive', name: 'extra', sha256: '0'.repeat(64), size: 1, urls: [] })))).toContain(
      "images: 'extra' is not used by the machine",
    );
    expect(await refusal(tampered((j) => (m(j).log.file = { path: 'x.log', resolved: '/tmp/x.log' })))).toContain('machine.log.file: a link may not write host files');
    expect(
      await refusal(tampered((j) => m(j).chardevs.push({ id: 'f', backend: 'file', mux: false, signal: true, path: { path: 'o', resolved: '/etc/o' }, append: false }))),
    ).toContain('machine.chardevs[3]: a link may not write host files');
  });

  it('checks input steps', async () => {
    const withInput = (input: unknown) => tampered((j) => (j['input'] = input));
    expect(await refusal(withInput([{ after: '', send: 'x' }]))).toContain('input[0].after: expected text to wait for or an instruction count');
    expect(await refusal(withInput([{ after: -5, send: 'x' }]))).toContain('input[0].after');
    expect(await refusal(withInput([{ after: 1.5, send: 'x' }]))).toContain('input[0].after');
    expect(await refusal(withInput([{ after: 'a', send: 7 }]))).toContain('input[0].send: expected 1..4096 characters');
    expect(await refusal(withInput('type this'))).toContain('input: expected an array');
    const noInput = demoLink('serial-echo');
    delete noInput.input;
    expect(await decodeShareLink(await encodeShareLink(noInput))).toEqual(noInput);
  });

  it('checks a recorded run: events in instruction order, whole base64url bytes, the machine own chardevs, 8-digit hashes', async () => {
    const end = { at: 9000, ns: 123456, output: '0123abcd', trace: '811c9dc5' };
    const good: ShareReplay = { epoch: 1_700_000_000, events: [{ at: 10, ns: 50, console: 'char0', input: 'aGk' }, { at: 10, idle: 900 }, { at: 15, cut: true }, { at: 20, ns: 1000, console: 'char0', input: 'DQ' }], end };
    const link = { ...demoLink('grub-pvh'), replay: good };
    delete link.input;
    expect(await decodeShareLink(await encodeShareLink(link))).toEqual(link);
    const withReplay = (replay: unknown) => tampered((j) => (j['replay'] = replay), 'grub-pvh');
    const at = (events: unknown[]) => withReplay({ ...good, events });
    expect(await refusal(at([{ at: 10, ns: 0, console: 'char0', input: 'aGk' }, { at: 9, idle: 5 }]))).toContain("replay.events[1].at: expected an instruction count, not before the previous event's");
    expect(await refusal(at([{ at: 1, ns: 0, console: 'char0', input: 'a' }]))).toContain('replay.events[0].input: expected 1..3072 bytes as base64url');
    expect(await refusal(at([{ at: 1, ns: 0, console: 'char0', input: 'aGl' }]))).toContain('replay.events[0].input'); // stray bits
    expect(await refusal(at([{ at: 1, ns: 0, console: 'nosuch', input: 'aGk' }]))).toContain("replay.events[0].console: 'nosuch' is not a chardev of the machine");
    expect(await refusal(at([{ at: 1, console: 'char0', input: 'aGk' }]))).toContain('replay.events[0].ns: expected a virtual time in ns');
    expect(await refusal(at([{ at: 1, idle: -1 }]))).toContain('replay.events[0].idle');
    expect(await refusal(at([{ at: 1, cut: 1 }]))).toContain('replay.events[0].cut: expected true');
    expect(await refusal(at([{ at: 1, idle: 5, relay: 'wss://x' }]))).toContain('replay.events[0].relay: unknown field');
    expect(await refusal(at(Array.from({ length: 8193 }, () => ({ at: 1, idle: 1 }))))).toContain('replay.events: expected an array of at most 8192 events');
    expect(await refusal(withReplay({ ...good, end: { ...end, trace: 'xyz' } }))).toContain('replay.end.trace: expected 8 hex digits');
    expect(await refusal(withReplay({ ...good, end: { ...end, at: 5 } }))).toContain('replay.end.at: expected an instruction count, not before the last event');
    expect(await refusal(withReplay({ ...good, epoch: 1.5 }))).toContain('replay.epoch');
  });

  it('will not encode an invalid link', async () => {
    const bad = { ...demoLink('serial-echo'), emu: '' };
    await expect(encodeShareLink(bad)).rejects.toThrow(/cannot make a link: emu: expected a version string/);
  });
});
