// Byte comparison for large buffers: vitest's toEqual walks typed arrays element by element and
// takes seconds per MiB. Returns a description of the first difference, or 'equal'.
export function diffBytes(actual: Uint8Array, expected: Uint8Array): string {
  if (actual.length !== expected.length) return `length ${actual.length}, expected ${expected.length}`;
  if (Buffer.from(actual.buffer, actual.byteOffset, actual.length).equals(Buffer.from(expected.buffer, expected.byteOffset, expected.length))) return 'equal';
  for (let i = 0; i < actual.length; i++) if (actual[i] !== expected[i]) return `byte ${i}: ${actual[i]}, expected ${expected[i]}`;
  return 'equal';
}

/** Deterministic pseudo-random bytes (xorshift32) so failures reproduce. */
export function randomBytes(n: number, seed: number): Uint8Array<ArrayBuffer> {
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

/** The error a promise rejects with (fails the test if it resolves). */
export async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    if (e instanceof Error) return e;
    throw new Error(`rejected with a non-Error: ${String(e)}`);
  }
  throw new Error('expected a rejection, but the promise resolved');
}
