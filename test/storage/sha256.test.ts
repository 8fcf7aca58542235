import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Sha256, sha256Hex, toHex } from '../../src/storage/sha256.ts';

function nodeSha(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Deterministic pseudo-random bytes (xorshift32) so failures reproduce. */
function bytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed | 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x;
  }
  return out;
}

describe('Sha256', () => {
  it('matches node:crypto for every length around the padding boundaries', () => {
    for (let n = 0; n <= 200; n++) {
      const data = bytes(n, n + 1);
      expect(sha256Hex(data), `length ${n}`).toBe(nodeSha(data));
    }
  });

  it('gives the FIPS 180-4 example digest for "abc"', () => {
    expect(sha256Hex(new TextEncoder().encode('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('gives the same digest however the input is split into updates', () => {
    const data = bytes(5000, 7);
    const expected = nodeSha(data);
    for (const step of [1, 3, 63, 64, 65, 127, 1000, 4999]) {
      const h = new Sha256();
      for (let i = 0; i < data.length; i += step) h.update(data.subarray(i, i + step));
      expect(toHex(h.digest()), `step ${step}`).toBe(expected);
    }
  });

  it('matches node:crypto on a multi-MiB input hashed in 1 MiB pieces', () => {
    const data = bytes(3 * 1024 * 1024 + 17, 99);
    const h = new Sha256();
    for (let i = 0; i < data.length; i += 1 << 20) h.update(data.subarray(i, i + (1 << 20)));
    expect(toHex(h.digest())).toBe(nodeSha(data));
  });

  it('refuses updates after the digest is taken', () => {
    const h = new Sha256();
    h.digest();
    expect(() => h.update(new Uint8Array(1))).toThrow(/after digest/);
  });
});
