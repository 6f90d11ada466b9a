import { MalformedRequestError, Reader } from '../reader';
import { Writer } from '../writer';
import { FieldDef, inRange, MessageDef } from './types';

/** A `records` value on the way out: a buffer, or buffers sent one after the other without copying. */
export interface RecordChunks {
  chunks: Buffer[];
  size: number;
}

export const ZERO_UUID = '00000000000000000000000000000000';

interface Compiled {
  name: string;
  /** Primitive type name, or '[]' / '{}' for structs. */
  type: string;
  /** For arrays of primitives, the element type. */
  elem: string | null;
  nullable: boolean;
  tag: number;
  def: unknown;
  sub: CompiledStruct | null;
}

interface CompiledStruct {
  fields: Compiled[];
  tagged: Map<number, Compiled>;
  /** Fields absent from this version (or tagged): their defaults, set on every decoded object. */
  defaults: Array<[string, () => unknown]>;
}

function typeDefault(f: FieldDef): unknown {
  if (f.d !== undefined) return f.d;
  if (f.t.startsWith('[]')) return [];
  switch (f.t) {
    case 'bool':
      return false;
    case 'string':
      return '';
    case 'bytes':
      return Buffer.alloc(0);
    case 'records':
      return null;
    case 'uuid':
      return ZERO_UUID;
    case '{}':
      return null;
    default:
      return 0;
  }
}

function defaultFactory(f: FieldDef): () => unknown {
  const d = typeDefault(f);
  return Array.isArray(d) ? () => [] : () => d;
}

const cache = new WeakMap<FieldDef[], Map<number, CompiledStruct>>();

/** The fields of `defs` present at `version`, in wire order, tagged ones apart. */
function compile(defs: FieldDef[], version: number, flexible: boolean): CompiledStruct {
  let byVersion = cache.get(defs);
  if (!byVersion) cache.set(defs, (byVersion = new Map()));
  const key = flexible ? version + 100000 : version;
  const hit = byVersion.get(key);
  if (hit) return hit;
  const out: CompiledStruct = { fields: [], tagged: new Map(), defaults: [] };
  for (const f of defs) {
    const tagged = f.tag !== undefined && flexible && inRange(f.tv, version);
    // A tagged field exists only in its tagged versions.
    const present = inRange(f.v, version) && (f.tag === undefined || tagged);
    if (!present || tagged) out.defaults.push([f.n, defaultFactory(f)]);
    if (!present) continue;
    const c: Compiled = {
      name: f.n,
      type: f.t.startsWith('[]') ? '[]' : f.t,
      elem: f.t.startsWith('[]') && !f.f ? f.t.slice(2) : null,
      nullable: inRange(f.nv, version),
      tag: f.tag ?? -1,
      def: typeDefault(f),
      sub: f.f ? compile(f.f, version, flexible) : null,
    };
    if (tagged) out.tagged.set(c.tag, c);
    else out.fields.push(c);
  }
  byVersion.set(key, out);
  return out;
}

// ---------------------------------------------------------------- decoding

function decodePrimitive(r: Reader, type: string, nullable: boolean, flex: boolean): unknown {
  switch (type) {
    case 'bool':
      return r.bool();
    case 'int8':
      return r.int8();
    case 'int16':
      return r.int16();
    case 'uint16':
      return r.uint16();
    case 'int32':
      return r.int32();
    case 'uint32':
      return r.uint32();
    case 'int64':
      return r.int64n();
    case 'float64':
      return r.float64();
    case 'uuid':
      return r.uuid();
    case 'string': {
      const s = flex ? r.compactNullableString() : r.nullableString();
      if (s === null && !nullable) throw new MalformedRequestError('null string');
      return s;
    }
    case 'bytes':
    case 'records': {
      const b = flex ? r.compactNullableBytes() : r.nullableBytes();
      if (b === null && !nullable && type === 'bytes') return Buffer.alloc(0);
      return b;
    }
    default:
      throw new Error(`unknown type ${type}`);
  }
}

function decodeValue(r: Reader, c: Compiled, flex: boolean): unknown {
  if (c.type === '[]') {
    const n = flex ? r.compactArrayLength() : r.arrayLength();
    if (n < 0) {
      if (!c.nullable) throw new MalformedRequestError(`null array ${c.name}`);
      return null;
    }
    const out = new Array<unknown>(n);
    if (c.sub) for (let i = 0; i < n; i++) out[i] = decodeStruct(r, c.sub, flex);
    else for (let i = 0; i < n; i++) out[i] = decodePrimitive(r, c.elem as string, false, flex);
    return out;
  }
  if (c.type === '{}') {
    if (c.nullable && r.int8() < 0) return null;
    return decodeStruct(r, c.sub as CompiledStruct, flex);
  }
  return decodePrimitive(r, c.type, c.nullable, flex);
}

function decodeStruct(r: Reader, s: CompiledStruct, flex: boolean): Record<string, unknown> {
  const obj: Record<string, unknown> = {};
  for (const [name, d] of s.defaults) obj[name] = d();
  for (const c of s.fields) obj[c.name] = decodeValue(r, c, flex);
  if (flex) {
    const n = r.unsignedVarint();
    for (let i = 0; i < n; i++) {
      const tag = r.unsignedVarint();
      const size = r.unsignedVarint();
      const c = s.tagged.get(tag);
      const end = r.offset + size;
      if (end > r.buf.length) throw new MalformedRequestError('tagged field truncated');
      if (c) obj[c.name] = decodeValue(new Reader(r.buf.subarray(0, end), r.offset), c, flex);
      r.offset = end;
    }
  }
  return obj;
}

// ---------------------------------------------------------------- encoding

function encodePrimitive(w: Writer, type: string, v: unknown, flex: boolean): void {
  switch (type) {
    case 'bool':
      w.bool(Boolean(v));
      return;
    case 'int8':
      w.int8(Number(v));
      return;
    case 'int16':
      w.int16(Number(v));
      return;
    case 'uint16':
      w.uint16(Number(v));
      return;
    case 'int32':
      w.int32(Number(v));
      return;
    case 'uint32':
      w.uint32(Number(v));
      return;
    case 'int64':
      w.int64(typeof v === 'bigint' ? v : BigInt(Number(v)));
      return;
    case 'float64':
      w.float64(Number(v));
      return;
    case 'uuid':
      w.uuid(String(v));
      return;
    case 'string': {
      const s = v === null || v === undefined ? null : String(v);
      if (flex) w.compactNullableString(s);
      else w.nullableString(s);
      return;
    }
    case 'bytes':
    case 'records': {
      if (v === null || v === undefined) {
        if (flex) w.unsignedVarint(0);
        else w.int32(-1);
        return;
      }
      if (Buffer.isBuffer(v)) {
        if (flex) w.unsignedVarint(v.length + 1);
        else w.int32(v.length);
        w.rawRef(v);
        return;
      }
      const rc = v as RecordChunks;
      if (flex) w.unsignedVarint(rc.size + 1);
      else w.int32(rc.size);
      for (const c of rc.chunks) w.rawRef(c);
      return;
    }
    default:
      throw new Error(`unknown type ${type}`);
  }
}

function encodeValue(w: Writer, c: Compiled, v: unknown, flex: boolean): void {
  if (v === undefined) v = c.def;
  if (c.type === '[]') {
    if (v === null) {
      if (flex) w.unsignedVarint(0);
      else w.int32(-1);
      return;
    }
    const items = v as unknown[];
    if (flex) w.unsignedVarint(items.length + 1);
    else w.int32(items.length);
    if (c.sub) for (const it of items) encodeStruct(w, c.sub, it as Record<string, unknown>, flex);
    else for (const it of items) encodePrimitive(w, c.elem as string, it, flex);
    return;
  }
  if (c.type === '{}') {
    if (c.nullable) {
      if (v === null) {
        w.int8(-1);
        return;
      }
      w.int8(1);
    }
    encodeStruct(w, c.sub as CompiledStruct, (v ?? {}) as Record<string, unknown>, flex);
    return;
  }
  encodePrimitive(w, c.type, v, flex);
}

function isDefault(c: Compiled, v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (Array.isArray(v)) return v.length === 0;
  return v === c.def;
}

function encodeStruct(w: Writer, s: CompiledStruct, obj: Record<string, unknown>, flex: boolean): void {
  for (const c of s.fields) encodeValue(w, c, obj[c.name], flex);
  if (!flex) return;
  const present = [...s.tagged.values()].filter((c) => !isDefault(c, obj[c.name])).sort((a, b) => a.tag - b.tag);
  w.unsignedVarint(present.length);
  for (const c of present) {
    const sub = new Writer(64);
    encodeValue(sub, c, obj[c.name], flex);
    const bytes = sub.toBuffer();
    w.unsignedVarint(c.tag).unsignedVarint(bytes.length).raw(bytes);
  }
}

// ---------------------------------------------------------------- entry points

export function isFlexible(def: MessageDef, version: number): boolean {
  return inRange(def.flexible, version);
}

/** Decodes a message body (after the header) of the given version. */
export function decodeMessage<T>(def: MessageDef, version: number, r: Reader): T {
  const flex = isFlexible(def, version);
  return decodeStruct(r, compile(def.fields, version, flex), flex) as T;
}

/** Encodes a message body; fields left out take the definition's defaults. */
export function encodeMessage<T extends object>(def: MessageDef, version: number, w: Writer, msg: T): void {
  const flex = isFlexible(def, version);
  encodeStruct(w, compile(def.fields, version, flex), msg as Record<string, unknown>, flex);
}
