// Compact binary encoding of keyed-state values and stream keys for the native state store.
// Values are written back once per batch, so the encoder is on the hot path: it appends into one
// growing buffer (a whole batch becomes one packed putMany), handles the shapes user state
// usually has (numbers, short ASCII strings, plain objects and arrays of them, Maps, Dates)
// without allocation per field, and falls back to v8's structured clone for the rest (class
// instances lose their prototype, as in a structured clone).
import * as v8 from 'node:v8';

const enum Tag {
  Undefined = 0,
  Null = 1,
  True = 2,
  False = 3,
  Number = 4,
  String = 5,
  BigInt = 6,
  Date = 7,
  Array = 8,
  Object = 9,
  Map = 10,
  Set = 11,
  Int = 12,
  Structured = 13,
  /** a plain object whose field names are a known shape: u32 shape id, then the field values */
  Shaped = 14,
}

/**
 * Field-name lists of the plain objects encoded so far: an object is written as its shape id
 * and its values, not its field names. The shapes a store's values use are saved in the store
 * itself (KeyedState), so decoding after a restore finds them.
 */
export class Shapes {
  readonly byId: string[][] = [];
  /** per shape id, a compiled writer of that shape's field values (made on first use) */
  private readonly writers: (FieldWriter | undefined)[] = [];
  private readonly index = new Map<string, number>();
  /** shapes added since the last `takeNew` (to persist) */
  private fresh: number[] = [];
  /** shape ids by field count, tried in order before the joined-name lookup */
  private byWidth: number[][] = [];
  private readonly scratch: string[] = [];

  /** The id of `o`'s field-name list: identity compares against the shapes of that width first. */
  idOf(o: object): number {
    const scratch = this.scratch;
    let n = 0;
    for (const k in o) scratch[n++] = k;
    // values usually alternate between a few shapes (a window and its accumulator): try them all
    const candidates = this.byWidth[n];
    if (candidates !== undefined) {
      for (let c = 0; c < candidates.length; c++) {
        const names = this.byId[candidates[c]!]!;
        let i = 0;
        while (i < n && names[i] === scratch[i]) i++;
        if (i === n) return candidates[c]!;
      }
    }
    const names = scratch.slice(0, n);
    const joined = names.join('\u0000');
    let id = this.index.get(joined);
    if (id === undefined) {
      id = this.byId.length;
      this.byId.push(names);
      this.index.set(joined, id);
      this.fresh.push(id);
    }
    // field names not interned the same way (e.g. decoded ones) still match by content below
    if (candidates === undefined) this.byWidth[n] = [id];
    else if (candidates.length < 16 && !candidates.includes(id)) candidates.push(id);
    return id;
  }

  /** The writer of the field values of objects of shape `id` (compiled once per shape). */
  writerOf(id: number): FieldWriter {
    return this.writers[id] ?? (this.writers[id] = compileFieldWriter(this.byId[id]!));
  }

  define(id: number, names: string[]): void {
    this.byId[id] = names;
    this.index.set(names.join('\u0000'), id);
    (this.byWidth[names.length] ??= []).push(id);
  }

  takeNew(): number[] {
    const out = this.fresh;
    this.fresh = [];
    return out;
  }

  clear(): void {
    this.byId.length = 0;
    this.writers.length = 0;
    this.index.clear();
    this.fresh = [];
    this.byWidth = [];
  }
}

/** Writes the field values of one object shape (the names are known, in for-in order). */
type FieldWriter = (out: ByteSink, v: object, shapes: Shapes) => void;

/** Above this many fields a shape is written by a loop instead of compiled straight-line code. */
const COMPILED_FIELDS = 32;

// Straight-line code per shape: fixed property reads (inline-cached) instead of a for-in and a
// keyed read per field; number and undefined fields, the usual accumulator contents, inline.
function compileFieldWriter(names: readonly string[]): FieldWriter {
  if (names.length > COMPILED_FIELDS) {
    return (out, v, shapes) => {
      for (const k in v) encodeValue(out, (v as Record<string, unknown>)[k], shapes);
    };
  }
  let body = 'let x;\n';
  for (const name of names) {
    body += `x = v[${JSON.stringify(name)}];\n`;
    body += `if (typeof x === 'number') out.num(x); else if (x === undefined) out.u8(${Tag.Undefined}); else encodeValue(out, x, shapes);\n`;
  }
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- field names are quoted by JSON.stringify
  return new Function('encodeValue', `return function writeFields(out, v, shapes) {\n${body}}`)(encodeValue) as FieldWriter;
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

/** An append-only byte buffer: values (or keys) of one batch, packed back to back. */
export class ByteSink {
  bytes = new Uint8Array(4096);
  private view = new DataView(this.bytes.buffer);
  length = 0;

  reset(): void {
    this.length = 0;
  }

  private room(n: number): void {
    if (this.length + n <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.length + n) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
    this.view = new DataView(grown.buffer);
  }

  u8(v: number): void {
    this.room(1);
    this.bytes[this.length++] = v;
  }

  u32(v: number): void {
    this.room(4);
    this.view.setUint32(this.length, v, true);
    this.length += 4;
  }

  i32(v: number): void {
    this.room(4);
    this.view.setInt32(this.length, v, true);
    this.length += 4;
  }

  f64(v: number): void {
    this.room(8);
    this.view.setFloat64(this.length, v, true);
    this.length += 8;
  }

  /** A tagged number: Int (i32) when it is one (not -0), else Number (f64). */
  num(v: number): void {
    this.room(9);
    const at = this.length;
    if ((v | 0) === v && (v !== 0 || 1 / v > 0)) {
      this.bytes[at] = Tag.Int;
      this.view.setInt32(at + 1, v, true);
      this.length = at + 5;
    } else {
      this.bytes[at] = Tag.Number;
      this.view.setFloat64(at + 1, v, true);
      this.length = at + 9;
    }
  }

  raw(b: Uint8Array): void {
    this.room(b.length);
    this.bytes.set(b, this.length);
    this.length += b.length;
  }

  /** u32 byte length, then UTF-8 (ASCII copied by hand: no encoder call for short keys). */
  str(s: string): void {
    const n = s.length;
    this.room(4 + n);
    const at = this.length + 4;
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      this.bytes[at + i] = c;
    }
    if (i === n) {
      this.view.setUint32(this.length, n, true);
      this.length = at + n;
      return;
    }
    const encoded = utf8.encode(s);
    this.view.setUint32(this.length, encoded.length, true);
    this.length += 4;
    this.raw(encoded);
  }

  /** The bytes written since `from` (a view). */
  slice(from: number): Uint8Array {
    return this.bytes.subarray(from, this.length);
  }
}

/** Objects with own enumerable string keys only and the plain prototype (for-in would see more). */
function isPlainRecord(v: object): boolean {
  return Object.getPrototypeOf(v) === Object.prototype;
}

/** The sink and shapes of the Map being encoded (saved and restored around nested Maps). */
let mapSink: ByteSink | undefined;
let mapShapes: Shapes | undefined;

function writeMapEntry(x: unknown, k: unknown): void {
  const out = mapSink!;
  if (typeof k === 'number') out.num(k);
  else encodeValue(out, k, mapShapes);
  encodeValue(out, x, mapShapes);
}

export function encodeValue(out: ByteSink, v: unknown, shapes?: Shapes): void {
  switch (typeof v) {
    case 'number':
      out.num(v);
      return;
    case 'string':
      out.u8(Tag.String);
      out.str(v);
      return;
    case 'boolean':
      out.u8(v ? Tag.True : Tag.False);
      return;
    case 'undefined':
      out.u8(Tag.Undefined);
      return;
    case 'bigint':
      out.u8(Tag.BigInt);
      out.str(v.toString());
      return;
    case 'object':
      if (v === null) {
        out.u8(Tag.Null);
        return;
      }
      // plain objects first: state values are mostly records
      if (shapes !== undefined && Object.getPrototypeOf(v) === Object.prototype) {
        const id = shapes.idOf(v);
        out.u8(Tag.Shaped);
        out.u32(id);
        shapes.writerOf(id)(out, v, shapes);
        return;
      }
      if (Array.isArray(v)) {
        out.u8(Tag.Array);
        out.u32(v.length);
        for (let i = 0; i < v.length; i++) encodeValue(out, v[i], shapes);
        return;
      }
      if (v instanceof Date) {
        out.u8(Tag.Date);
        out.f64(v.getTime());
        return;
      }
      if (v instanceof Map) {
        out.u8(Tag.Map);
        out.u32(v.size);
        // forEach with one module-level callback: no iterator or [key, value] array per entry
        const outer = mapSink;
        const outerShapes = mapShapes;
        mapSink = out;
        mapShapes = shapes;
        try {
          v.forEach(writeMapEntry);
        } finally {
          mapSink = outer;
          mapShapes = outerShapes;
        }
        return;
      }
      if (v instanceof Set) {
        out.u8(Tag.Set);
        out.u32(v.size);
        for (const x of v) encodeValue(out, x, shapes);
        return;
      }
      if (isPlainRecord(v)) {
        out.u8(Tag.Object);
        const keys = Object.keys(v);
        out.u32(keys.length);
        for (const k of keys) {
          out.str(k);
          encodeValue(out, (v as Record<string, unknown>)[k], shapes);
        }
        return;
      }
      break;
    default:
      throw new TypeError(`keyed state cannot hold a ${typeof v}`);
  }
  const bytes = v8.serialize(v);
  out.u8(Tag.Structured);
  out.u32(bytes.length);
  out.raw(bytes);
}

/** Reads values written by encodeValue out of one byte string. */
export class ByteSource {
  private view: DataView;
  pos = 0;
  constructor(
    private readonly bytes: Uint8Array,
    private readonly shapes?: Shapes,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private need(n: number): void {
    if (this.pos + n > this.bytes.length) throw new RangeError('keyed state value is truncated');
  }

  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  str(): string {
    const n = this.u32();
    this.need(n);
    const at = this.pos;
    this.pos += n;
    if (n <= 32) {
      let s = '';
      for (let i = 0; i < n; i++) {
        const c = this.bytes[at + i]!;
        if (c >= 0x80) return fromUtf8.decode(this.bytes.subarray(at, at + n));
        s += String.fromCharCode(c);
      }
      return s;
    }
    return fromUtf8.decode(this.bytes.subarray(at, at + n));
  }

  value(): unknown {
    this.need(1);
    const tag = this.bytes[this.pos++]!;
    switch (tag) {
      case Tag.Undefined:
        return undefined;
      case Tag.Null:
        return null;
      case Tag.True:
        return true;
      case Tag.False:
        return false;
      case Tag.Int: {
        this.need(4);
        const v = this.view.getInt32(this.pos, true);
        this.pos += 4;
        return v;
      }
      case Tag.Number: {
        this.need(8);
        const v = this.view.getFloat64(this.pos, true);
        this.pos += 8;
        return v;
      }
      case Tag.String:
        return this.str();
      case Tag.BigInt:
        return BigInt(this.str());
      case Tag.Date: {
        this.need(8);
        const v = this.view.getFloat64(this.pos, true);
        this.pos += 8;
        return new Date(v);
      }
      case Tag.Array: {
        const n = this.u32();
        const a = new Array<unknown>(n);
        for (let i = 0; i < n; i++) a[i] = this.value();
        return a;
      }
      case Tag.Object: {
        const n = this.u32();
        const o: Record<string, unknown> = {};
        for (let i = 0; i < n; i++) {
          const k = this.str();
          o[k] = this.value();
        }
        return o;
      }
      case Tag.Map: {
        const n = this.u32();
        const m = new Map<unknown, unknown>();
        for (let i = 0; i < n; i++) {
          const k = this.value();
          m.set(k, this.value());
        }
        return m;
      }
      case Tag.Set: {
        const n = this.u32();
        const s = new Set<unknown>();
        for (let i = 0; i < n; i++) s.add(this.value());
        return s;
      }
      case Tag.Shaped: {
        const id = this.u32();
        const names = this.shapes?.byId[id];
        if (names === undefined) throw new RangeError(`keyed state value refers to an unknown object shape ${id}`);
        const o: Record<string, unknown> = {};
        for (let i = 0; i < names.length; i++) o[names[i]!] = this.value();
        return o;
      }
      case Tag.Structured: {
        const n = this.u32();
        this.need(n);
        const v = v8.deserialize(this.bytes.subarray(this.pos, this.pos + n));
        this.pos += n;
        return v;
      }
      default:
        throw new RangeError(`keyed state value has an unknown tag ${tag}`);
    }
  }
}

export function decodeValue(bytes: Uint8Array, shapes?: Shapes): unknown {
  return new ByteSource(bytes, shapes).value();
}

/**
 * A store key: the state's number (u16), then the stream key. Keys compare by value, as the
 * stream API promises (1 and 1n are different keys, as in a Map).
 */
export function encodeKey(out: ByteSink, state: number, key: unknown): void {
  out.u8(state & 0xff);
  out.u8(state >>> 8);
  encodeValue(out, key === 0 ? 0 : key); // -0 and 0 are one key, as in a Map
}

/** The stream key of a store key written by encodeKey. */
export function decodeKey(bytes: Uint8Array): { state: number; key: unknown } {
  const src = new ByteSource(bytes);
  src.pos = 2;
  return { state: bytes[0]! | (bytes[1]! << 8), key: src.value() };
}
