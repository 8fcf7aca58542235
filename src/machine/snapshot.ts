// Device state as plain data (DESIGN.md invariant 8): every device lists the fields it owns and
// saves/restores them through these helpers. Typed arrays become number arrays, so a snapshot is
// JSON-serialisable; restoring into a machine built from the same spec gives the same machine.

export type Plain = number | boolean | string | null | Plain[] | { [k: string]: Plain };
export type PlainRecord = { [k: string]: Plain };

type Indexable = Record<string, unknown>;

function toPlain(v: unknown, what: string): Plain {
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string' || v === null) return v;
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number>);
  if (Array.isArray(v)) return v.map((x, i) => toPlain(x, `${what}[${i}]`));
  throw new Error(`snapshot: field ${what} is not plain data`);
}

/** Copy the named fields of `obj` into a plain record. */
export function takeFields(obj: object, keys: readonly string[]): PlainRecord {
  const o = obj as Indexable;
  const out: PlainRecord = {};
  for (const k of keys) out[k] = toPlain(o[k], k);
  return out;
}

/** Write the named fields back; typed arrays are filled in place (their length must match). */
export function putFields(obj: object, state: PlainRecord, keys: readonly string[]): void {
  const o = obj as Indexable;
  for (const k of keys) {
    const v = state[k];
    if (v === undefined) throw new Error(`snapshot: missing field ${k}`);
    const cur = o[k];
    if (ArrayBuffer.isView(cur) && !(cur instanceof DataView)) {
      const arr = cur as unknown as { length: number; set(a: ArrayLike<number>): void };
      if (!Array.isArray(v) || v.length !== arr.length) throw new Error(`snapshot: field ${k} has the wrong length`);
      arr.set(v as number[]);
    } else if (typeof cur === 'number' || typeof cur === 'boolean' || typeof cur === 'string' || cur === null) {
      if (typeof v !== typeof cur && cur !== null) throw new Error(`snapshot: field ${k} has the wrong type`);
      o[k] = v;
    } else if (Array.isArray(cur)) {
      if (!Array.isArray(v)) throw new Error(`snapshot: field ${k} is not an array`);
      o[k] = v.slice();
    } else {
      throw new Error(`snapshot: field ${k} cannot be restored`);
    }
  }
}

/** What a device that owns state implements. */
export interface Snapshottable {
  saveState(): PlainRecord;
  loadState(s: PlainRecord): void;
}
