// Binary encoding of internal values, columns and rows for the shard rings and shard replies.
// Keeps class-backed values (Decimal, Interval, JSONB) intact, which structured clone would not.
import { Decimal } from '../types/decimal.js';
import { Interval } from '../types/interval.js';
import { isJsonValue, makeJson } from '../types/cast.js';
import type { Column } from '../exec/batch.js';
import type { Row, Value } from '../types/value.js';

const enum Tag { Null, F64, Str, True, False, Bytes, List, Dec, Ivl, Json }
const enum ColKind { Float64Typed, Int32Typed, Numbers, Tagged }

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

/** Growable little-endian byte writer. */
export class Writer {
  bytes = new Uint8Array(1 << 16);
  view = new DataView(this.bytes.buffer);
  pos = 0;

  reset(): void {
    this.pos = 0;
  }

  private room(n: number): void {
    if (this.pos + n <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.bytes.subarray(0, this.pos));
    this.bytes = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): void {
    this.room(1);
    this.bytes[this.pos++] = v;
  }
  u32(v: number): void {
    this.room(4);
    this.view.setUint32(this.pos, v, true);
    this.pos += 4;
  }
  f64(v: number): void {
    this.room(8);
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }
  str(s: string): void {
    this.room(4 + s.length * 3);
    const { written } = utf8.encodeInto(s, this.bytes.subarray(this.pos + 4));
    this.view.setUint32(this.pos, written, true);
    this.pos += 4 + written;
  }
  raw(b: Uint8Array): void {
    this.u32(b.length);
    this.room(b.length);
    this.bytes.set(b, this.pos);
    this.pos += b.length;
  }

  value(v: Value): void {
    if (v === null || v === undefined) return this.u8(Tag.Null);
    switch (typeof v) {
      case 'number':
        this.u8(Tag.F64);
        return this.f64(v);
      case 'string':
        this.u8(Tag.Str);
        return this.str(v);
      case 'boolean':
        return this.u8(v ? Tag.True : Tag.False);
    }
    if (v instanceof Uint8Array) {
      this.u8(Tag.Bytes);
      return this.raw(v);
    }
    if (Array.isArray(v)) {
      this.u8(Tag.List);
      this.u32(v.length);
      for (const x of v) this.value(x);
      return;
    }
    if (v instanceof Decimal) {
      this.u8(Tag.Dec);
      this.str(v.unscaled.toString());
      return this.u32(v.scale);
    }
    if (v instanceof Interval) {
      this.u8(Tag.Ivl);
      this.f64(v.months);
      this.f64(v.days);
      return this.f64(v.micros);
    }
    if (isJsonValue(v)) {
      this.u8(Tag.Json);
      return this.str(JSON.stringify(v.json));
    }
    throw new TypeError(`shard codec: cannot encode a value of type ${Object.prototype.toString.call(v)}`);
  }

  column(col: Column, from: number, to: number): void {
    if (col instanceof Float64Array || col instanceof Int32Array) {
      this.u8(col instanceof Float64Array ? ColKind.Float64Typed : ColKind.Int32Typed);
      const width = col instanceof Float64Array ? 8 : 4;
      const n = (to - from) * width;
      this.u32(n);
      this.room(n + 8);
      // align the payload so the reader can view it in place
      const pad = (8 - ((this.pos + 1) & 7)) & 7;
      this.u8(pad);
      this.pos += pad;
      this.bytes.set(new Uint8Array(col.buffer, col.byteOffset + from * width, n), this.pos);
      this.pos += n;
      return;
    }
    let numbers = true;
    for (let i = from; i < to; i++) {
      if (typeof col[i] !== 'number') {
        numbers = false;
        break;
      }
    }
    if (numbers) {
      this.u8(ColKind.Numbers);
      this.room((to - from) * 8);
      for (let i = from; i < to; i++) {
        this.view.setFloat64(this.pos, col[i] as number, true);
        this.pos += 8;
      }
      return;
    }
    this.u8(ColKind.Tagged);
    for (let i = from; i < to; i++) this.value(col[i]!);
  }

  /** Rows (each `width` values) in row order. */
  rows(rows: readonly Row[]): void {
    this.u32(rows.length);
    for (const row of rows) {
      this.u32(row.length);
      for (const v of row) this.value(v);
    }
  }

  /** A copy of the written bytes. */
  take(): Uint8Array {
    return this.bytes.slice(0, this.pos);
  }
}

/** Reader over bytes produced by Writer. */
export class Reader {
  pos = 0;
  private readonly view: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  u8(): number {
    return this.bytes[this.pos++]!;
  }
  u32(): number {
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  f64(): number {
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }
  str(): string {
    const n = this.u32();
    const s = fromUtf8.decode(this.bytes.subarray(this.pos, this.pos + n));
    this.pos += n;
    return s;
  }
  value(): Value {
    switch (this.u8() as Tag) {
      case Tag.Null:
        return null;
      case Tag.F64:
        return this.f64();
      case Tag.Str:
        return this.str();
      case Tag.True:
        return true;
      case Tag.False:
        return false;
      case Tag.Bytes: {
        const n = this.u32();
        const b = this.bytes.slice(this.pos, this.pos + n);
        this.pos += n;
        return b;
      }
      case Tag.List: {
        const n = this.u32();
        const out: Value[] = new Array(n);
        for (let i = 0; i < n; i++) out[i] = this.value();
        return out;
      }
      case Tag.Dec: {
        const unscaled = BigInt(this.str());
        return new Decimal(unscaled, this.u32());
      }
      case Tag.Ivl:
        return new Interval(this.f64(), this.f64(), this.f64());
      case Tag.Json:
        return makeJson(JSON.parse(this.str()));
    }
  }

  column(length: number): Column {
    const kind = this.u8() as ColKind;
    if (kind === ColKind.Float64Typed || kind === ColKind.Int32Typed) {
      const n = this.u32();
      const pad = this.u8();
      this.pos += pad;
      // copy out into private memory: the ring space is reused once released
      const copy = new ArrayBuffer(n);
      new Uint8Array(copy).set(this.bytes.subarray(this.pos, this.pos + n));
      this.pos += n;
      return kind === ColKind.Float64Typed ? new Float64Array(copy) : new Int32Array(copy);
    }
    const out: Value[] = new Array(length);
    if (kind === ColKind.Numbers) {
      for (let i = 0; i < length; i++) out[i] = this.f64();
    } else {
      for (let i = 0; i < length; i++) out[i] = this.value();
    }
    return out;
  }

  rows(): Row[] {
    const n = this.u32();
    const out: Row[] = new Array(n);
    for (let r = 0; r < n; r++) {
      const w = this.u32();
      const row: Value[] = new Array(w);
      for (let i = 0; i < w; i++) row[i] = this.value();
      out[r] = row;
    }
    return out;
  }
}

/** Rows → a transferable buffer. */
export function encodeRows(rows: readonly Row[]): ArrayBuffer {
  const w = new Writer();
  w.rows(rows);
  return w.take().buffer as ArrayBuffer;
}

export function decodeRows(buf: ArrayBuffer): Row[] {
  return new Reader(new Uint8Array(buf)).rows();
}
