// Single-producer single-consumer ring of variable-length records in a SharedArrayBuffer, shared
// by the JS thread, worker threads and native threads. The memory layout is the contract with
// native/ring/spsc_ring.h (read it for the byte map). Each side keeps private cached positions,
// so create one SpscRing object per side (`SpscRing.attach(buffer)` in the other thread).
import { native } from './binding.js';

const HEADER_BYTES = 192;
const HEAD = 64;
const PRODUCER_WAITING = 68;
const TAIL = 128;
const CONSUMER_WAITING = 132;
const WRAP_MARKER = 0xffffffff;
const MAGIC = 0x4c52494e;
const VERSION = 1;

/** Bytes of SharedArrayBuffer a ring of `capacity` data bytes needs (room for alignment). */
export function ringBufferBytes(capacity: number): number {
  return 128 + HEADER_BYTES + capacity;
}

function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
}

/** Whether an ArrayBuffer was detached (transferred): views over it then have length 0. */
export function isDetached(buffer: ArrayBufferLike): boolean {
  if (buffer.byteLength !== 0) return false;
  try {
    new Uint8Array(buffer);
    return false;
  } catch {
    return true;
  }
}

/**
 * A view of one side (producer or consumer) of a shared SPSC ring.
 *
 * Producer: `tryWrite` (or `reserve` + fill `bytes`) any number of records, then `publish()` once
 * per batch — publishing is the only cross-thread store. Consumer: `peek`/`advance` records, then
 * `release()` once per batch to hand space back. `waitForData` / `waitForSpace` sleep on a futex
 * through the addon (usable from the main thread too, where `Atomics.wait` is not allowed) and
 * never spin; the other side wakes them only when their waiting flag is set.
 */
export class SpscRing {
  /** The shared memory; post it to a worker and `SpscRing.attach` it there. */
  readonly buffer: SharedArrayBuffer;
  /** Data bytes of the ring (a power of two). */
  readonly capacity: number;
  /** Largest record payload (half the ring, so a record plus a wrap marker always fit). */
  readonly maxRecord: number;
  /** The whole buffer as bytes; `reserve` returns offsets into it. */
  readonly bytes: Uint8Array;
  private readonly i32: Int32Array;
  private readonly u32: Uint32Array;
  private readonly dataStart: number;
  private readonly mask: number;
  private readonly headIdx: number;
  private readonly tailIdx: number;
  private readonly producerWaitingIdx: number;
  private readonly consumerWaitingIdx: number;
  private writePos: number;
  private cachedTail: number;
  private readPos: number;
  private cachedHead: number;
  private peekedSpan = 0;

  /** Allocates and formats a ring with `capacity` data bytes (a power of two, 64 B .. 1 GiB). */
  static create(capacity: number): SpscRing {
    if (!isPowerOfTwo(capacity) || capacity < 64 || capacity > 2 ** 30) {
      throw new RangeError(`ring capacity must be a power of two between 64 and 2^30 bytes, got ${capacity}`);
    }
    const buffer = new SharedArrayBuffer(ringBufferBytes(capacity));
    // Only native code knows the buffer's address, hence the cache-line-aligned base offset.
    native().ringFormat(new Uint8Array(buffer), capacity);
    return new SpscRing(buffer);
  }

  /** Attaches to a ring created by `create` (in this or another thread). */
  static attach(buffer: SharedArrayBuffer): SpscRing {
    if (!(buffer instanceof SharedArrayBuffer)) throw new TypeError('SpscRing.attach expects a SharedArrayBuffer');
    return new SpscRing(buffer);
  }

  private constructor(buffer: SharedArrayBuffer) {
    if (buffer.byteLength < 128 + HEADER_BYTES + 64) throw new RangeError('buffer is too small to hold a ring');
    this.buffer = buffer;
    this.i32 = new Int32Array(buffer, 0, buffer.byteLength >>> 2);
    this.u32 = new Uint32Array(buffer, 0, buffer.byteLength >>> 2);
    this.bytes = new Uint8Array(buffer);
    const base = Atomics.load(this.i32, 0);
    if (base < 4 || base > 128 || base % 4 !== 0) throw new TypeError('buffer does not hold a formatted ring (bad base offset)');
    const b = base >>> 2;
    if (Atomics.load(this.i32, b) >>> 0 !== MAGIC || this.u32[b + 1] !== VERSION) {
      throw new TypeError('buffer does not hold a formatted ring (bad magic or version)');
    }
    this.capacity = this.u32[b + 2];
    if (!isPowerOfTwo(this.capacity) || base + HEADER_BYTES + this.capacity > buffer.byteLength) {
      throw new TypeError('ring header names a capacity the buffer cannot hold');
    }
    this.maxRecord = this.capacity / 2 - 4 - 8;
    this.mask = this.capacity - 1;
    this.dataStart = base + HEADER_BYTES;
    this.headIdx = (base + HEAD) >>> 2;
    this.tailIdx = (base + TAIL) >>> 2;
    this.producerWaitingIdx = (base + PRODUCER_WAITING) >>> 2;
    this.consumerWaitingIdx = (base + CONSUMER_WAITING) >>> 2;
    this.writePos = Atomics.load(this.i32, this.headIdx) >>> 0;
    this.cachedHead = this.writePos;
    this.cachedTail = Atomics.load(this.i32, this.tailIdx) >>> 0;
    this.readPos = this.cachedTail;
  }

  // ---------------------------------------------------------------- producer

  /**
   * Reserves room for a record of `len` bytes and returns the offset in `bytes` where its payload
   * goes, or -1 when the ring is full. Unpublished until `publish()`.
   */
  reserve(len: number): number {
    if (!(len >= 0 && len <= this.maxRecord) || !Number.isInteger(len)) {
      throw new RangeError(`record of ${len} bytes: must be an integer from 0 to ${this.maxRecord}`);
    }
    const span = (4 + len + 7) & ~7;
    let pos = this.writePos & this.mask;
    const contiguous = this.capacity - pos;
    const need = span <= contiguous ? span : contiguous + span;
    if (this.capacity - ((this.writePos - this.cachedTail) >>> 0) < need) {
      this.cachedTail = Atomics.load(this.i32, this.tailIdx) >>> 0;
      if (this.capacity - ((this.writePos - this.cachedTail) >>> 0) < need) return -1;
    }
    if (span > contiguous) {
      this.u32[(this.dataStart + pos) >>> 2] = WRAP_MARKER;
      this.writePos = (this.writePos + contiguous) >>> 0;
      pos = 0;
    }
    this.u32[(this.dataStart + pos) >>> 2] = len;
    this.writePos = (this.writePos + span) >>> 0;
    return this.dataStart + pos + 4;
  }

  /** Copies a record in (unpublished). Returns false when the ring is full. */
  tryWrite(record: Uint8Array): boolean {
    const at = this.reserve(record.byteLength);
    if (at < 0) return false;
    this.bytes.set(record, at);
    return true;
  }

  /** Makes every written record visible to the consumer, waking it if it sleeps. */
  publish(): void {
    Atomics.store(this.i32, this.headIdx, this.writePos | 0);
    if (Atomics.load(this.i32, this.consumerWaitingIdx) !== 0) native().ringWake(this.bytes, 0);
  }

  /**
   * Sleeps (futex, no spinning) until a record of `len` bytes fits or `timeoutMs` passes.
   * Returns whether it fits now. Blocks the calling thread.
   */
  waitForSpace(len: number, timeoutMs: number): boolean {
    const need = Math.min(((4 + len + 7) & ~7) * 2, this.capacity);
    Atomics.store(this.i32, this.producerWaitingIdx, 1);
    let tail = Atomics.load(this.i32, this.tailIdx) >>> 0;
    if (this.capacity - ((this.writePos - tail) >>> 0) < need) {
      native().ringWait(this.bytes, 1, tail, timeoutMs);
      tail = Atomics.load(this.i32, this.tailIdx) >>> 0;
    }
    Atomics.store(this.i32, this.producerWaitingIdx, 0);
    this.cachedTail = tail;
    return this.capacity - ((this.writePos - tail) >>> 0) >= need;
  }

  // ---------------------------------------------------------------- consumer

  /**
   * Offset in `bytes` of the next published record's payload, or -1 when none; its length is then
   * in `lastLength`. The record stays valid until `release()`.
   */
  peek(): number {
    for (;;) {
      if (this.readPos === this.cachedHead) {
        this.cachedHead = Atomics.load(this.i32, this.headIdx) >>> 0;
        if (this.readPos === this.cachedHead) return -1;
      }
      const pos = this.readPos & this.mask;
      const len = this.u32[(this.dataStart + pos) >>> 2];
      if (len === WRAP_MARKER) {
        this.readPos = (this.readPos + this.capacity - pos) >>> 0;
        continue;
      }
      if (len > this.maxRecord) throw new RangeError(`ring holds a record length ${len} larger than any producer writes`);
      this.lastLength = len;
      this.peekedSpan = (4 + len + 7) & ~7;
      return this.dataStart + pos + 4;
    }
  }

  /** Length of the record returned by the last `peek()`. */
  lastLength = 0;

  /** Consumes the record returned by the last `peek()`. */
  advance(): void {
    this.readPos = (this.readPos + this.peekedSpan) >>> 0;
    this.peekedSpan = 0;
  }

  /** Next record as a copy, or null. Convenience over peek/advance (allocates). */
  read(): Uint8Array | null {
    const at = this.peek();
    if (at < 0) return null;
    const out = this.bytes.slice(at, at + this.lastLength);
    this.advance();
    return out;
  }

  /** Hands the space of every consumed record back to the producer (once per batch). */
  release(): void {
    Atomics.store(this.i32, this.tailIdx, this.readPos | 0);
    if (Atomics.load(this.i32, this.producerWaitingIdx) !== 0) native().ringWake(this.bytes, 1);
  }

  /** Sleeps (futex) until a record is published or `timeoutMs` passes; returns whether one is. */
  waitForData(timeoutMs: number): boolean {
    Atomics.store(this.i32, this.consumerWaitingIdx, 1);
    let head = Atomics.load(this.i32, this.headIdx) >>> 0;
    if (head === this.readPos) {
      native().ringWait(this.bytes, 0, head, timeoutMs);
      head = Atomics.load(this.i32, this.headIdx) >>> 0;
    }
    Atomics.store(this.i32, this.consumerWaitingIdx, 0);
    this.cachedHead = head;
    return head !== this.readPos;
  }

  /** Bytes published and not yet released. */
  get used(): number {
    return (Atomics.load(this.i32, this.headIdx) - Atomics.load(this.i32, this.tailIdx)) >>> 0;
  }
}

/** Statistics of a native sink thread (see `startNativeSink`). */
export interface NativeSinkResult {
  count: number;
  bytes: number;
  /** CRC32C over every payload in order: compare with `crc32cOf` on the sent records. */
  hash: number;
  /** One-way latency per record (ns) when the sink ran in latency mode. */
  latenciesNs: Float64Array;
  /**
   * Latency mode: 1 for records a CPU stall of the sink thread delayed (it waited over 50 µs for
   * a CPU: the record read right after, and every record sent before the stall ended).
   */
  stalled: Uint8Array;
  /** Times the sink thread slept (voluntary context switches: futex waits). */
  sleeps: number;
}

/**
 * Starts a native thread consuming `ring` (tests and benchmarks: the JS → native direction).
 * In latency mode each record starts with its send time from `monotonicNowNs()` (8 bytes, LE).
 */
export function startNativeSink(ring: SpscRing, options: { latency?: boolean } = {}): { stop(): NativeSinkResult } {
  const handle = native().ringSinkStart(ring.bytes, options.latency === true);
  return { stop: () => native().ringSinkStop(handle) as NativeSinkResult };
}

/**
 * Starts a native thread producing `count` records of `size` bytes into `ring` (record i, byte j
 * = (i * 31 + j) & 255), publishing every `batch` records: the native → JS direction.
 */
export function startNativeSource(ring: SpscRing, count: number, size: number, batch = 64): { join(): void } {
  const handle = native().ringSourceStart(ring.bytes, count, size, batch);
  return { join: () => void native().ringSourceJoin(handle) };
}

/** CLOCK_MONOTONIC in ns, the clock native latency measurements use. */
export function monotonicNowNs(): number {
  return native().monotonicNowNs() as number;
}
