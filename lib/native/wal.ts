// Write-ahead log over the native writer thread (native/wal/). Records go from the JS thread into
// a shared SPSC ring (no native call per append); the writer thread frames them (length, CRC32C,
// LSN) into preallocated segments and commits them under the chosen sync policy. Durability is
// visible to JS by polling a shared counter (`durableLsn`) or awaiting `waitDurable(lsn)`.
import { ClosedError, StorageError } from '../errors.js';
import { native } from './binding.js';
import { isDetached, SpscRing } from './ring.js';

/**
 * When the writer makes records durable:
 * - `'every'`: fdatasync after each record (no group commit; slowest, for comparison)
 * - `'group'`: one fdatasync per group — after `groupDelayUs` (0: as soon as the ring is drained,
 *   so everything that arrived during the previous sync commits together) or `groupMaxRecords`
 * - `'off'`: never on its own; only `sync()`, `waitDurable()`, segment roll and `close()` sync
 */
export type WalSyncPolicy = 'every' | 'group' | 'off';

/**
 * How bytes reach the disk: io_uring (raw syscalls), pwritev + fdatasync, or `'pwrite-dsync'`:
 * one pwritev2(RWF_DSYNC) per commit (pwritev + fdatasync where the kernel refuses the flag);
 * `'auto'` picks io_uring when the kernel allows it.
 */
export type WalBackend = 'auto' | 'io_uring' | 'pwrite' | 'pwrite-dsync';

export interface WalWriterOptions {
  sync?: WalSyncPolicy;
  groupDelayUs?: number;
  groupMaxRecords?: number;
  backend?: WalBackend;
  /** Segment file size (multiple of 4096; default 64 MiB). A record must fit in one segment. */
  segmentBytes?: number;
  /** Write zeros into new segments so commits never update file metadata (default true). */
  preZero?: boolean;
  /**
   * Zero the next (spare) segment, prepared on a helper thread while commits run, 256 KiB at a
   * time, each written back before the next, with pauses (default true); false: all at once,
   * synced at the end, which puts the whole segment in front of the commits' syncs.
   */
  paceSpare?: boolean;
  /** Pin the writer thread to this CPU. */
  cpu?: number;
  /** Ring between JS and the writer thread (power of two, default 16 MiB); records up to half of it. */
  ringBytes?: number;
  /** First LSN of a brand-new log (default 1). */
  startLsn?: number;
  /** Test seam: writes fail with this errno after this many bytes (simulates a full disk). */
  faultInjection?: { failAfterBytes: number; errno: 'ENOSPC' | 'EIO' };
}

const SLOT_DURABLE = 0;
const SLOT_WRITTEN = 1;
const SLOT_NOTIFY_AT = 2;
const SLOT_SYNC_REQUEST = 3;
const SLOT_ERROR = 4;
const SLOT_DURABLE_AT = 5;
const SLOT_GROUP_TAKEN_AT = 6;
const SLOT_SYNC_START_AT = 7;
const CONTROL_SLOTS = 8;
const ERRNO: Record<string, number> = { ENOSPC: 28, EIO: 5 };
/** appendDeferred publishes by itself once this many bytes wait unpublished (keeps the writer busy during bulk appends). */
const DEFERRED_PUBLISH_BYTES = 256 * 1024;

interface NativeError {
  code: string;
  message: string;
}

interface Waiter {
  lsn: number;
  resolve: () => void;
  reject: (e: Error) => void;
}

function checkPositiveInt(name: string, v: unknown, min: number, max: number): void {
  if (v === undefined) return;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new RangeError(`WAL option ${name} must be an integer from ${min} to ${max}, got ${String(v)}`);
  }
}

function checkRecord(rec: unknown, i: number, max: number): Uint8Array {
  if (!(rec instanceof Uint8Array)) throw new TypeError(`WAL record ${i} must be a Uint8Array`);
  if (isDetached(rec.buffer)) throw new TypeError(`WAL record ${i} is backed by a detached ArrayBuffer`);
  if (rec.byteLength > max) throw new RangeError(`WAL record ${i} has ${rec.byteLength} bytes; the most this log accepts is ${max}`);
  return rec;
}

/**
 * Appends records to a durable log. One writer per directory; append from one thread only.
 *
 * ```ts
 * const wal = WalWriter.open('./data/wal', { sync: 'group' });
 * const lsn = wal.append([encode(batch)]);
 * await wal.waitDurable(lsn);   // on disk
 * await wal.close();
 * ```
 */
export class WalWriter {
  /** The I/O backend in use: 'io_uring' or 'pwrite'. */
  readonly backend: string;
  /** Largest record payload accepted. */
  readonly maxRecordBytes: number;
  /** LSN of the last record in the log when it was opened (startLsn - 1 for a new log). */
  readonly lastLsnAtOpen: number;
  private readonly ring: SpscRing;
  private readonly control: BigInt64Array;
  private readonly policy: WalSyncPolicy;
  private handle: unknown;
  private nextLsn: number;
  private waiters: Waiter[] = [];
  private closed = false;
  /** bytes appended by appendDeferred and not yet published to the writer */
  private unpublished = 0;

  /** Opens (creating if needed) the log in `dir`, recovers a torn tail, starts the writer thread. */
  static open(dir: string, options: WalWriterOptions = {}): WalWriter {
    if (typeof dir !== 'string' || dir.length === 0) throw new TypeError('WAL directory must be a non-empty string');
    if (options === null || typeof options !== 'object') throw new TypeError('WAL options must be an object');
    const sync = options.sync ?? 'group';
    if (sync !== 'every' && sync !== 'group' && sync !== 'off') throw new RangeError(`WAL sync policy must be 'every', 'group' or 'off', got ${String(sync)}`);
    const backend = options.backend ?? 'auto';
    if (backend !== 'auto' && backend !== 'io_uring' && backend !== 'pwrite' && backend !== 'pwrite-dsync') {
      throw new RangeError(`WAL backend must be 'auto', 'io_uring', 'pwrite' or 'pwrite-dsync', got ${String(backend)}`);
    }
    checkPositiveInt('groupDelayUs', options.groupDelayUs, 0, 10_000_000);
    checkPositiveInt('groupMaxRecords', options.groupMaxRecords, 0, 2 ** 31);
    checkPositiveInt('segmentBytes', options.segmentBytes, 4096, 2 ** 40);
    if (options.segmentBytes !== undefined && options.segmentBytes % 4096 !== 0) throw new RangeError('WAL option segmentBytes must be a multiple of 4096');
    if (options.paceSpare !== undefined && typeof options.paceSpare !== 'boolean') throw new TypeError('WAL option paceSpare must be a boolean');
    checkPositiveInt('cpu', options.cpu, 0, 1023);
    checkPositiveInt('startLsn', options.startLsn, 1, Number.MAX_SAFE_INTEGER);
    const ringBytes = options.ringBytes ?? 16 * 1024 * 1024;
    return new WalWriter(dir, options, sync, backend, ringBytes);
  }

  private constructor(dir: string, options: WalWriterOptions, sync: WalSyncPolicy, backend: WalBackend, ringBytes: number) {
    this.ring = SpscRing.create(ringBytes);
    this.control = new BigInt64Array(new SharedArrayBuffer(CONTROL_SLOTS * 8));
    this.policy = sync;
    const fault = options.faultInjection;
    const res = native().walOpen(
      dir,
      {
        sync,
        backend,
        groupDelayUs: options.groupDelayUs,
        groupMaxRecords: options.groupMaxRecords,
        segmentBytes: options.segmentBytes,
        preZero: options.preZero,
        paceSpare: options.paceSpare,
        cpu: options.cpu,
        startLsn: options.startLsn,
        failAfterBytes: fault?.failAfterBytes,
        failErrno: fault ? ERRNO[fault.errno] : undefined,
      },
      this.ring.bytes,
      this.control,
      () => this.onDurable(),
    ) as { error?: NativeError; handle: unknown; lastLsn: number; backend: string; maxRecordBytes: number };
    if (res.error) throw new StorageError(res.error.code, `cannot open the WAL in ${dir}: ${res.error.message}`);
    this.handle = res.handle;
    this.backend = res.backend;
    this.lastLsnAtOpen = res.lastLsn;
    this.nextLsn = res.lastLsn + 1;
    this.maxRecordBytes = Math.min(res.maxRecordBytes, this.ring.maxRecord);
  }

  /** LSN of the last record appended (lastLsnAtOpen before any append). */
  get lastLsn(): number {
    return this.nextLsn - 1;
  }

  /** Every record up to this LSN is on disk. A plain shared-memory read; poll it freely. */
  get durableLsn(): number {
    return Number(Atomics.load(this.control, SLOT_DURABLE));
  }

  /**
   * When the writer last raised `durableLsn`, on the clock of `process.hrtime.bigint()`
   * (CLOCK_MONOTONIC, ns; 0n before the first sync). For latency breakdowns: how long after the
   * disk confirmed did a waiter run.
   */
  get durableAtNs(): bigint {
    return Atomics.load(this.control, SLOT_DURABLE_AT);
  }

  /**
   * Where the time of the group commit that last raised `durableLsn` went, on the clock of
   * `process.hrtime.bigint()` (ns): when the writer took the group's first record off the ring,
   * when it started the write + sync, and when durability was published. For latency breakdowns.
   */
  get lastCommitTimes(): { takenAtNs: bigint; syncStartAtNs: bigint; durableAtNs: bigint } {
    return {
      takenAtNs: Atomics.load(this.control, SLOT_GROUP_TAKEN_AT),
      syncStartAtNs: Atomics.load(this.control, SLOT_SYNC_START_AT),
      durableAtNs: Atomics.load(this.control, SLOT_DURABLE_AT),
    };
  }

  /** Every record up to this LSN was handed to the kernel (may not be durable yet). */
  get writtenLsn(): number {
    return Number(Atomics.load(this.control, SLOT_WRITTEN));
  }

  /**
   * Appends one record or a batch (each Uint8Array is one record) and returns the LSN of the last.
   * The batch is validated before anything is written. Blocks only when the ring is full (the
   * writer is behind); throws StorageError once the writer has failed (disk full, I/O error).
   */
  append(records: Uint8Array | readonly Uint8Array[]): number {
    this.checkOpen();
    this.throwIfFailed();
    const list: readonly Uint8Array[] = records instanceof Uint8Array ? [records] : records;
    if (!Array.isArray(list)) throw new TypeError('WAL append expects a Uint8Array or an array of Uint8Array');
    for (let i = 0; i < list.length; i++) checkRecord(list[i], i, this.maxRecordBytes);
    const ring = this.ring;
    for (let i = 0; i < list.length; i++) {
      const rec = list[i];
      let at = ring.reserve(rec.byteLength);
      while (at < 0) {
        ring.publish();
        this.unpublished = 0;
        ring.waitForSpace(rec.byteLength, 100);
        this.throwIfFailed();
        at = ring.reserve(rec.byteLength);
      }
      ring.bytes.set(rec, at);
      this.nextLsn++;
    }
    ring.publish();
    this.unpublished = 0;
    return this.nextLsn - 1;
  }

  /**
   * As `append`, but leaves the records unpublished (the writer does not see them yet) until
   * `publish()`, a wait for durability (`waitDurable`, `sync`), `close()` or 256 KiB of them.
   * A caller that appends a record and then waits for durability right after (a logged call
   * followed by its flush) lets both reach the writer together: one write and one fdatasync
   * instead of a sync for the first record that the second must then wait out.
   */
  appendDeferred(record: Uint8Array): number {
    this.checkOpen();
    this.throwIfFailed();
    checkRecord(record, 0, this.maxRecordBytes);
    const ring = this.ring;
    let at = ring.reserve(record.byteLength);
    while (at < 0) {
      ring.publish();
      this.unpublished = 0;
      ring.waitForSpace(record.byteLength, 100);
      this.throwIfFailed();
      at = ring.reserve(record.byteLength);
    }
    ring.bytes.set(record, at);
    this.unpublished += record.byteLength + 16;
    if (this.unpublished >= DEFERRED_PUBLISH_BYTES) this.publish();
    return this.nextLsn++;
  }

  /** Hands every appended record to the writer (a no-op when nothing waits unpublished). */
  publish(): void {
    if (this.unpublished === 0 || this.closed) return;
    this.unpublished = 0;
    this.ring.publish();
  }

  /**
   * Appends records packed in one buffer, in the reader's batch layout: record i is
   * `data[ends[i-1] ?? 0, ends[i])`. Saves building an array of views for large batches.
   * Returns the LSN of the last record (lastLsn unchanged for an empty `ends`).
   */
  appendPacked(data: Uint8Array, ends: Uint32Array): number {
    this.checkOpen();
    this.throwIfFailed();
    if (!(data instanceof Uint8Array)) throw new TypeError('WAL appendPacked: data must be a Uint8Array');
    if (!(ends instanceof Uint32Array)) throw new TypeError('WAL appendPacked: ends must be a Uint32Array');
    if (isDetached(data.buffer) || isDetached(ends.buffer)) throw new TypeError('WAL appendPacked: a buffer is detached');
    let prev = 0;
    for (let i = 0; i < ends.length; i++) {
      const end = ends[i];
      if (end < prev || end > data.byteLength) throw new RangeError(`WAL appendPacked: ends[${i}] = ${end} is outside ${prev}..${data.byteLength}`);
      if (end - prev > this.maxRecordBytes) throw new RangeError(`WAL record ${i} has ${end - prev} bytes; the most this log accepts is ${this.maxRecordBytes}`);
      prev = end;
    }
    const ring = this.ring;
    let start = 0;
    for (let i = 0; i < ends.length; i++) {
      const len = ends[i] - start;
      let at = ring.reserve(len);
      while (at < 0) {
        ring.publish();
        this.unpublished = 0;
        ring.waitForSpace(len, 100);
        this.throwIfFailed();
        at = ring.reserve(len);
      }
      ring.bytes.set(data.subarray(start, ends[i]), at);
      start = ends[i];
      this.nextLsn++;
    }
    ring.publish();
    this.unpublished = 0;
    return this.nextLsn - 1;
  }

  /**
   * Resolves once every record up to `lsn` is durable; rejects with StorageError if the writer
   * fails first and ClosedError if the log is closed first. Under sync 'off' it requests a sync.
   */
  waitDurable(lsn: number): Promise<void> {
    if (typeof lsn !== 'number' || !Number.isInteger(lsn) || lsn < 0) return Promise.reject(new TypeError(`LSN must be a non-negative integer, got ${String(lsn)}`));
    if (lsn > this.lastLsn) return Promise.reject(new RangeError(`LSN ${lsn} was never appended (last is ${this.lastLsn})`));
    if (this.durableLsn >= lsn) return Promise.resolve();
    this.publish();
    if (this.closed) return Promise.reject(new ClosedError('WAL writer'));
    const failure = this.failure();
    if (failure) return Promise.reject(failure);
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ lsn, resolve, reject });
      if (this.waiters.length === 1) native().walRef(this.handle, true);
      if (this.policy === 'off') this.requestSync(lsn);
      this.arm();
    });
  }

  /** Makes every record appended so far durable, whatever the policy. */
  sync(): Promise<void> {
    this.checkOpen();
    this.publish();
    const lsn = this.lastLsn;
    if (this.durableLsn >= lsn) return Promise.resolve();
    this.requestSync(lsn);
    return this.waitDurable(lsn);
  }

  /**
   * Retires segments whose records are all below `lsn` (after a checkpoint covering them): up to
   * 2 are kept as `<n>.free` files and reused for the next segments (no zeroing on the commit
   * path), the rest deleted. The segment being written always stays. Returns how many retired.
   */
  truncateBefore(lsn: number): number {
    this.checkOpen();
    if (typeof lsn !== 'number' || !Number.isInteger(lsn) || lsn < 0) throw new TypeError(`LSN must be a non-negative integer, got ${String(lsn)}`);
    const res = native().walTruncateBefore(this.handle, lsn) as number | NativeError;
    if (typeof res !== 'number') throw new StorageError(res.code, res.message);
    return res;
  }

  /** Writes and syncs everything appended, stops the writer thread. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.publish();
    this.closed = true;
    const err = native().walClose(this.handle) as NativeError | null;
    native().walRef(this.handle, false);
    this.settle();
    const rest = this.waiters;
    this.waiters = [];
    const failure = err ? new StorageError(err.code, `WAL writer failed: ${err.message}`) : null;
    for (const w of rest) w.reject(failure ?? new ClosedError('WAL writer'));
    if (failure) throw failure;
  }

  private checkOpen(): void {
    if (this.closed) throw new ClosedError('WAL writer');
  }

  private failure(): StorageError | null {
    if (Atomics.load(this.control, SLOT_ERROR) === 0n) return null;
    const err = native().walError(this.handle) as NativeError | null;
    return new StorageError(err?.code ?? 'IO_ERROR', `WAL writer failed: ${err?.message ?? 'unknown error'}`);
  }

  private throwIfFailed(): void {
    const f = this.failure();
    if (f) throw f;
  }

  private requestSync(lsn: number): void {
    const big = BigInt(lsn);
    if (Atomics.load(this.control, SLOT_SYNC_REQUEST) < big) Atomics.store(this.control, SLOT_SYNC_REQUEST, big);
    native().walWake(this.handle);
  }

  // Asks the writer to call back once durable >= the smallest awaited LSN, then re-checks: the
  // writer stores durable before reading notify-at, so one of the two always sees the other.
  private arm(): void {
    while (this.waiters.length > 0) {
      let min = Infinity;
      for (const w of this.waiters) if (w.lsn < min) min = w.lsn;
      Atomics.store(this.control, SLOT_NOTIFY_AT, BigInt(min));
      if (this.durableLsn < min && Atomics.load(this.control, SLOT_ERROR) === 0n) return;
      this.settle();
    }
  }

  private settle(): void {
    const durable = this.durableLsn;
    const failure = this.failure();
    const keep: Waiter[] = [];
    for (const w of this.waiters) {
      if (w.lsn <= durable) w.resolve();
      else if (failure) w.reject(failure);
      else keep.push(w);
    }
    this.waiters = keep;
    if (keep.length === 0) {
      Atomics.store(this.control, SLOT_NOTIFY_AT, 0n);
      if (!this.closed) native().walRef(this.handle, false);
    }
  }

  private onDurable(): void {
    if (this.closed) return;
    this.settle();
    this.arm();
  }
}

/** Where and why a replay stopped. `torn-tail` is the normal end after a crash mid-write. */
export interface WalReplayStop {
  kind: 'end' | 'torn-tail' | 'corrupt';
  /** Segment file where reading stopped ('' for an empty log). */
  segment: string;
  /** Byte offset in that segment of the first byte not trusted. */
  offset: number;
  /** LSN of the first record not returned (the next LSN to write after recovery). */
  lsn: number;
  reason: string;
}

/** A batch of consecutive records: record i has LSN firstLsn + i, bytes data[start_i, ends[i]). */
export interface WalRecordBatch {
  firstLsn: number;
  data: Uint8Array;
  ends: Uint32Array;
}

/**
 * Reads a log back from an LSN, in batches (one native call per batch, not per record). Stops
 * cleanly at the first torn or corrupt record and reports where (`stop`).
 */
export class WalReader {
  private handle: unknown;
  private closed = false;
  private finalStop: WalReplayStop | null = null;

  /** Opens `dir` for replay from `fromLsn` (default 1). Throws StorageError if it cannot. */
  static open(dir: string, fromLsn = 1): WalReader {
    if (typeof dir !== 'string' || dir.length === 0) throw new TypeError('WAL directory must be a non-empty string');
    if (typeof fromLsn !== 'number' || !Number.isInteger(fromLsn) || fromLsn < 1) throw new RangeError(`fromLsn must be a positive integer, got ${String(fromLsn)}`);
    const res = native().walReaderOpen(dir, fromLsn) as { error?: NativeError; handle: unknown };
    if (res.error) throw new StorageError(res.error.code, res.error.message);
    return new WalReader(res.handle);
  }

  private constructor(handle: unknown) {
    this.handle = handle;
  }

  /** The next batch (about `maxBytes` of payload), or null at the end (then see `stop`). */
  nextBatch(maxBytes = 1 << 20): WalRecordBatch | null {
    if (this.closed) throw new ClosedError('WAL reader');
    const res = native().walReaderNext(this.handle, maxBytes) as (WalRecordBatch & { error?: NativeError }) | null;
    if (res === null) {
      this.finalStop = native().walReaderStop(this.handle) as WalReplayStop;
      return null;
    }
    if (res.error) throw new StorageError(res.error.code, res.error.message);
    return res;
  }

  /** Every remaining record; `data` is a view valid until the next iteration step's batch. */
  *records(maxBatchBytes = 1 << 20): Generator<{ lsn: number; data: Uint8Array }> {
    for (let b = this.nextBatch(maxBatchBytes); b !== null; b = this.nextBatch(maxBatchBytes)) {
      let start = 0;
      for (let i = 0; i < b.ends.length; i++) {
        yield { lsn: b.firstLsn + i, data: b.data.subarray(start, b.ends[i]) };
        start = b.ends[i];
      }
    }
  }

  /** Calls `onRecord` for every remaining record and returns where replay stopped. */
  replay(onRecord: (lsn: number, data: Uint8Array) => void): WalReplayStop {
    for (const r of this.records()) onRecord(r.lsn, r.data);
    return this.stop!;
  }

  /** Where reading stopped; null until the end was reached. */
  get stop(): WalReplayStop | null {
    return this.finalStop;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    native().walReaderClose(this.handle);
  }
}
