// Growable little-endian byte writer and a bounds-checked reader for WAL records. The writer's
// scratch buffer is reused across records: `bytes()` is a view valid until the next `reset()`
// (the WAL copies it into its ring at append time, so no per-record allocation).
import { StorageError } from '../errors.js';

export class RecordWriter {
  private buf = Buffer.allocUnsafe(1 << 16);
  private pos = 0;

  reset(): void {
    this.pos = 0;
  }

  get length(): number {
    return this.pos;
  }

  bytes(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }

  ensure(extra: number): void {
    const need = this.pos + extra;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32LE(v, this.pos);
    this.pos += 4;
  }

  f64(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }

  /** Reserves n bytes (zeroed) and returns their offset, for bitmaps filled afterwards. */
  zeros(n: number): number {
    this.ensure(n);
    const at = this.pos;
    this.buf.fill(0, at, at + n);
    this.pos += n;
    return at;
  }

  setBit(at: number, i: number): void {
    this.buf[at + (i >> 3)]! |= 1 << (i & 7);
  }

  /** Raw bytes of a typed array (the reader copies them out, so no alignment is needed). */
  raw(view: ArrayBufferView): void {
    this.ensure(view.byteLength);
    this.buf.set(new Uint8Array(view.buffer, view.byteOffset, view.byteLength), this.pos);
    this.pos += view.byteLength;
  }

  str(s: string): void {
    this.ensure(4 + s.length * 3);
    const n = this.buf.write(s, this.pos + 4, 'utf8');
    this.buf.writeUInt32LE(n, this.pos);
    this.pos += 4 + n;
  }
}

export class RecordReader {
  private pos = 0;
  private readonly view: DataView;

  constructor(private readonly data: Uint8Array) {
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }

  get done(): boolean {
    return this.pos === this.data.byteLength;
  }

  private need(n: number): void {
    if (this.pos + n > this.data.byteLength) {
      throw new StorageError('CORRUPTION', `write-ahead log record is truncated (needs ${n} bytes at offset ${this.pos} of ${this.data.byteLength})`);
    }
  }

  u8(): number {
    this.need(1);
    return this.data[this.pos++]!;
  }

  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  f64(): number {
    this.need(8);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** n bytes as a fresh copy (so typed arrays over it are aligned and outlive the WAL batch). */
  copy(n: number): ArrayBuffer {
    this.need(n);
    const out = new ArrayBuffer(n);
    new Uint8Array(out).set(this.data.subarray(this.pos, this.pos + n));
    this.pos += n;
    return out;
  }

  view8(n: number): Uint8Array {
    this.need(n);
    const v = this.data.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  str(): string {
    const n = this.u32();
    this.need(n);
    const s = Buffer.from(this.data.buffer, this.data.byteOffset + this.pos, n).toString('utf8');
    this.pos += n;
    return s;
  }
}
