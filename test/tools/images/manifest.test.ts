import { describe, it, expect } from 'vitest';
import {
  emptyManifest,
  formatListing,
  formatManifest,
  MANIFEST_FORMAT,
  parseManifest,
  type Manifest,
} from '../../../tools/images/manifest.ts';

const H = (c: string) => c.repeat(64);
const sample: Manifest = {
  format: MANIFEST_FORMAT,
  packages: [
    { name: 'busybox-static', version: '1:1.35.0-4+deb12u1+b1', architecture: 'amd64', deb: 'debs/busybox-static_1%3a1.35.0-4+deb12u1+b1_amd64.deb', sha256: H('a'), size: 928188 },
  ],
  artifacts: [
    { name: 'busybox', package: 'busybox-static', version: '1:1.35.0-4+deb12u1+b1', debSha256: H('a'), source: 'bin/busybox', path: 'busybox', sha256: H('b'), size: 1982256 },
  ],
  images: [{ name: 'initramfs', path: 'initramfs.cpio.gz', sha256: H('c'), size: 1000, inputs: H('d'), from: ['busybox'] }],
};

const mutate = (f: (m: Record<string, unknown> & { packages: Record<string, unknown>[]; artifacts: Record<string, unknown>[]; images: Record<string, unknown>[] }) => void) => {
  const m = JSON.parse(formatManifest(sample));
  f(m);
  return JSON.stringify(m);
};

describe('images manifest', () => {
  it('round-trips through its JSON text', () => {
    expect(parseManifest(formatManifest(sample))).toEqual(sample);
    expect(formatManifest(sample).endsWith('}\n')).toBe(true);
  });

  it('accepts the empty manifest', () => {
    expect(parseManifest(formatManifest(emptyManifest()))).toEqual(emptyManifest());
  });

  it('names the offending field of a bad manifest', () => {
    expect(() => parseManifest('{')).toThrow(/not JSON/);
    expect(() => parseManifest(mutate((m) => (m.format = 'xentab-images/0')))).toThrow(/format/);
    expect(() => parseManifest(mutate((m) => (m.packages[0]!.sha256 = 'ABC')))).toThrow(/packages\[0\].*sha256/);
    expect(() => parseManifest(mutate((m) => (m.artifacts[0]!.size = -1)))).toThrow(/artifacts\[0\].*size/);
    expect(() => parseManifest(mutate((m) => (m.artifacts[0]!.path = '../etc/passwd')))).toThrow(/inside the cache/);
    expect(() => parseManifest(mutate((m) => (m.artifacts[0]!.path = '/etc/passwd')))).toThrow(/inside the cache/);
    expect(() => parseManifest(mutate((m) => (m.images[0]!.from = ['nope'])))).toThrow(/unknown artifact nope/);
    expect(() => parseManifest(mutate((m) => (m.artifacts[0]!.debSha256 = H('e'))))).toThrow(/does not match package/);
    expect(() => parseManifest(mutate((m) => (m.artifacts[0]!.package = 'other')))).toThrow(/not listed/);
    expect(() => parseManifest(mutate((m) => m.images.push({ ...m.images[0]! })))).toThrow(/duplicate/);
    expect(() => parseManifest(mutate((m) => (m.packages[0]!.name = '../x')))).toThrow(/Debian package name/);
    expect(() => parseManifest(mutate((m) => (m.packages[0]!.version = '1.0/../x')))).toThrow(/Debian version/);
  });

  it('lists every file with its size, digest prefix and origin', () => {
    const text = formatListing(sample, '/cache');
    expect(text).toMatch(/^busybox +1\.9 MiB +bbbbbbbbbbbbbbbb +busybox-static 1:1\.35\.0-4\+deb12u1\+b1 +busybox$/m);
    expect(text).toMatch(/^initramfs +1000 B +cccccccccccccccc +built from busybox +initramfs\.cpio\.gz$/m);
    expect(text).toContain(`package busybox-static 1:1.35.0-4+deb12u1+b1 amd64  906.4 KiB  sha256 ${H('a')}`);
  });
});
