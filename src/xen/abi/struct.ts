// A tiny layout language for Xen's public structs (DESIGN.md invariant 3).
//
// Each struct is declared once, with the headers' own field names and type names, and its layout
// is computed at module load for both x86 ABIs a guest may call us with:
//   x86_64 (LP64): 8-byte members aligned to 8; unsigned long / xen_ulong_t / xen_pfn_t and guest
//                  handles are 8 bytes.
//   x86_32 (ILP32, i386 SysV): 8-byte members aligned to only 4 inside structs, except
//                  uint64_aligned_t and XEN_GUEST_HANDLE_64 (arch-x86/xen-x86_32.h gives them
//                  __attribute__((aligned(8))) when __XEN__ or __XEN_TOOLS__ is defined, i.e. as
//                  Xen itself sees them; only toolstack structs use them); unsigned long,
//                  xen_ulong_t, xen_pfn_t and XEN_GUEST_HANDLE are 4 bytes (arch-x86/xen.h,
//                  xen-x86_32.h).
//
// Decision (issue 5): offsets are computed once at module load into frozen plain objects, not emitted
// as generated const enums. The computation is a few microseconds per struct and happens once;
// hot code copies the numbers it needs into module-level consts (`const PENDING =
// SharedInfoLayout.x86_64.evtchn_pending`) and never computes an offset per access. There is no
// generated file that can go stale; test/xen/abi/headers.test.ts checks every number against gcc.

export type Abi = 'x86_64' | 'x86_32';
export const ABIS: readonly Abi[] = ['x86_64', 'x86_32'];

/** A value that differs between the two ABIs. */
export interface PerAbi<T> {
  readonly x86_64: T;
  readonly x86_32: T;
}

/** Xen's scalar type spellings (xen.h, arch-x86/xen*.h, grant_table.h, event_channel.h). */
export type ScalarType =
  | 'char'
  | 'uint8_t'
  | 'int8_t'
  | 'uint16_t'
  | 'int16_t'
  | 'uint32_t'
  | 'int32_t'
  | 'unsigned int'
  | 'int'
  | 'uint64_t'
  | 'int64_t'
  | 'uint64_aligned_t'
  | 'unsigned long'
  | 'long'
  | 'xen_ulong_t'
  | 'xen_pfn_t'
  | 'domid_t'
  | 'evtchn_port_t'
  | 'grant_ref_t'
  | 'grant_handle_t'
  | 'XEN_GUEST_HANDLE'
  | 'XEN_GUEST_HANDLE_64'
  | 'void *';

// [size, alignment] per ABI.
const SCALARS: Record<ScalarType, PerAbi<readonly [number, number]>> = {
  char: { x86_64: [1, 1], x86_32: [1, 1] },
  uint8_t: { x86_64: [1, 1], x86_32: [1, 1] },
  int8_t: { x86_64: [1, 1], x86_32: [1, 1] },
  uint16_t: { x86_64: [2, 2], x86_32: [2, 2] },
  int16_t: { x86_64: [2, 2], x86_32: [2, 2] },
  domid_t: { x86_64: [2, 2], x86_32: [2, 2] },
  uint32_t: { x86_64: [4, 4], x86_32: [4, 4] },
  int32_t: { x86_64: [4, 4], x86_32: [4, 4] },
  'unsigned int': { x86_64: [4, 4], x86_32: [4, 4] },
  int: { x86_64: [4, 4], x86_32: [4, 4] },
  evtchn_port_t: { x86_64: [4, 4], x86_32: [4, 4] },
  grant_ref_t: { x86_64: [4, 4], x86_32: [4, 4] },
  grant_handle_t: { x86_64: [4, 4], x86_32: [4, 4] },
  uint64_t: { x86_64: [8, 8], x86_32: [8, 4] },
  int64_t: { x86_64: [8, 8], x86_32: [8, 4] },
  uint64_aligned_t: { x86_64: [8, 8], x86_32: [8, 8] },
  'unsigned long': { x86_64: [8, 8], x86_32: [4, 4] },
  long: { x86_64: [8, 8], x86_32: [4, 4] },
  xen_ulong_t: { x86_64: [8, 8], x86_32: [4, 4] },
  xen_pfn_t: { x86_64: [8, 8], x86_32: [4, 4] },
  XEN_GUEST_HANDLE: { x86_64: [8, 8], x86_32: [4, 4] },
  XEN_GUEST_HANDLE_64: { x86_64: [8, 8], x86_32: [8, 8] },
  'void *': { x86_64: [8, 8], x86_32: [4, 4] },
};

export type FieldType = ScalarType | Aggregate;

/**
 * `[name, type]`, `[name, type, count]` (an array; count may differ per ABI, 0 = flexible array),
 * or `[name, type, count, only]` for a member the header declares under `#ifdef __i386__` /
 * `__x86_64__`.
 */
export type FieldDecl =
  | readonly [string, FieldType]
  | readonly [string, FieldType, number | PerAbi<number>]
  | readonly [string, FieldType, number | PerAbi<number>, Abi];

/** Everything known about one (possibly nested) member in one ABI. */
export interface FieldInfo {
  readonly offset: number;
  /** Total bytes: elemSize × count. */
  readonly size: number;
  readonly elemSize: number;
  readonly count: number;
  readonly isArray: boolean;
  readonly type: FieldType;
}

/** Every member path, nested ones dotted (`u.interdomain.remote_dom`), as a string literal union. */
export type PathsOf<F extends readonly FieldDecl[]> =
  F[number] extends infer D
    ? D extends readonly [infer N extends string, infer T, ...unknown[]]
      ? N | (T extends Aggregate<infer G> ? `${N}.${PathsOf<G>}` : never)
      : never
    : never;

export type Offsets<F extends readonly FieldDecl[]> = { readonly [P in PathsOf<F>]: number };

export interface Aggregate<F extends readonly FieldDecl[] = readonly FieldDecl[]> {
  readonly kind: 'struct' | 'union';
  /** The C spelling (`struct shared_info`), or undefined for a type declared inline in its parent. */
  readonly cname: string | undefined;
  readonly fields: F;
  readonly sizeof: PerAbi<number>;
  readonly alignof: PerAbi<number>;
  /** Offsets of every member path, for x86_64 … */
  readonly x86_64: Offsets<F>;
  /** … and for x86_32. A member absent in one ABI has no key there (it reads as undefined). */
  readonly x86_32: Offsets<F>;
  /** Size, count and type of every member path per ABI. */
  readonly info: PerAbi<Readonly<Record<string, FieldInfo>>>;
}

function perAbi<T>(v: T | PerAbi<T>, abi: Abi): T {
  return typeof v === 'object' && v !== null && 'x86_64' in v ? (v as PerAbi<T>)[abi] : (v as T);
}

const alignUp = (n: number, a: number): number => Math.ceil(n / a) * a;

function typeSizeAlign(t: FieldType, abi: Abi): readonly [number, number] {
  return typeof t === 'string' ? SCALARS[t][abi] : [t.sizeof[abi], t.alignof[abi]];
}

function build<const F extends readonly FieldDecl[]>(kind: 'struct' | 'union', cname: string | undefined, fields: F): Aggregate<F> {
  const sizeof = { x86_64: 0, x86_32: 0 };
  const alignof = { x86_64: 1, x86_32: 1 };
  const offs: Record<Abi, Record<string, number>> = { x86_64: {}, x86_32: {} };
  const info: Record<Abi, Record<string, FieldInfo>> = { x86_64: {}, x86_32: {} };
  for (const abi of ABIS) {
    const seen = new Set<string>();
    let off = 0;
    let size = 0;
    let align = 1;
    for (const f of fields) {
      const [name, type] = f;
      if (f[3] !== undefined && f[3] !== abi) continue;
      if (seen.has(name)) throw new Error(`${cname ?? kind}: duplicate member ${name}`);
      seen.add(name);
      const count = f[2] === undefined ? 1 : perAbi(f[2], abi);
      const [es, ea] = typeSizeAlign(type, abi);
      const at = kind === 'union' ? 0 : alignUp(off, ea);
      align = Math.max(align, ea);
      const fi: FieldInfo = { offset: at, size: es * count, elemSize: es, count, isArray: f[2] !== undefined, type };
      offs[abi][name] = at;
      info[abi][name] = fi;
      if (typeof type !== 'string') {
        for (const [sub, si] of Object.entries(type.info[abi])) {
          offs[abi][`${name}.${sub}`] = at + si.offset;
          info[abi][`${name}.${sub}`] = { ...si, offset: at + si.offset };
        }
      }
      if (kind === 'union') size = Math.max(size, es * count);
      else off = at + es * count;
    }
    if (kind === 'struct') size = off;
    sizeof[abi] = alignUp(size, align);
    alignof[abi] = align;
  }
  return Object.freeze({
    kind,
    cname,
    fields,
    sizeof: Object.freeze(sizeof),
    alignof: Object.freeze(alignof),
    x86_64: Object.freeze(offs.x86_64) as Offsets<F>,
    x86_32: Object.freeze(offs.x86_32) as Offsets<F>,
    info: Object.freeze({ x86_64: Object.freeze(info.x86_64), x86_32: Object.freeze(info.x86_32) }),
  });
}

/** A struct; `cname` is its C spelling for the header probe, or undefined when declared inline. */
export function struct<const F extends readonly FieldDecl[]>(cname: string | undefined, fields: F): Aggregate<F> {
  return build('struct', cname, fields);
}

/** A union: every member at offset 0, size of the largest, alignment of the strictest. */
export function union<const F extends readonly FieldDecl[]>(cname: string | undefined, fields: F): Aggregate<F> {
  return build('union', cname, fields);
}

/** Every named aggregate registered for the header probe, in declaration order. */
export const ALL_STRUCTS: Aggregate[] = [];

/** Declares and registers a named struct (the ones the probe checks against gcc). */
export function xenStruct<const F extends readonly FieldDecl[]>(cname: string, fields: F): Aggregate<F> {
  const s = struct(cname, fields);
  ALL_STRUCTS.push(s as unknown as Aggregate);
  return s;
}

/** Declares and registers a named union. */
export function xenUnion<const F extends readonly FieldDecl[]>(cname: string, fields: F): Aggregate<F> {
  const s = union(cname, fields);
  ALL_STRUCTS.push(s as unknown as Aggregate);
  return s;
}
