// The shard workers seen from the main thread: start them, write rows and watermarks into their
// rings (one publish per call, not per row), make synchronous calls (Atomics.wait on a shared
// counter + receiveMessageOnPort, so the EnginePort surface stays synchronous), deliver their
// subscription changes, and keep a shard's asynchronous failure until the next call.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MessageChannel, Worker, receiveMessageOnPort } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { ExecutionError, type LaminarError } from '../errors.js';
import type { EngineChange } from '../engine/types.js';
import type { Column } from '../exec/batch.js';
import { SpscRing } from '../native/ring.js';
import { Writer } from './codec.js';
import { RecordKind, decodeChanges, reviveError, type ControlRequest, type ShardMessage, type WorkerData } from './protocol.js';
import { shardDir } from './shard-files.js';

/** A durable pool: shard i keeps its log and checkpoints in <dir>/shard-<i>/. */
export interface DurablePoolOptions {
  dir: string;
  /** the durable engine's settings (durability, WAL tuning) */
  settings: Record<string, unknown>;
  /** receives the shards' recovery warnings */
  onWarning: (message: string, shard: number) => void;
}

interface PendingCall {
  remaining: number;
  results: unknown[];
  error: LaminarError | undefined;
  resolve: (results: unknown[]) => void;
  reject: (error: LaminarError) => void;
}

/** Data bytes of each shard's ring (records up to half of it). */
const RING_BYTES = 1 << 25;
/** How long a synchronous call waits for a shard before reporting it stuck. */
const CALL_TIMEOUT_MS = 120_000;

interface Shard {
  readonly index: number;
  readonly worker: Worker;
  readonly ring: SpscRing;
  readonly signal: Int32Array;
  readonly port: MessagePort;
  /** a failure the shard reported while applying rows; thrown at the next call */
  failure: LaminarError | undefined;
  /** rows written since the last publish */
  unpublished: boolean;
  exited: boolean;
}

/** The worker's entry: compiled worker.js, or (running from source) worker.ts through tsx. */
function workerEntry(): { file: string; eval: boolean } {
  const js = path.join(__dirname, 'worker.js');
  if (fs.existsSync(js)) return { file: js, eval: false };
  const ts = path.join(__dirname, 'worker.ts');
  return { file: `require('tsx/cjs'); require(${JSON.stringify(ts)});`, eval: true };
}

export class ShardPool {
  readonly shards: Shard[] = [];
  private readonly writer = new Writer();
  private nextCall = 1;
  private readonly listeners = new Map<number, (changes: EngineChange[], shard: number) => void>();
  /** asynchronous calls waiting for replies, by call id (each id belongs to one shard) */
  private readonly pending = new Map<number, { call: PendingCall; slot: number; shard: number }>();

  constructor(
    count: number,
    options: Record<string, unknown>,
    cpus: (number | undefined)[],
    private readonly durable?: DurablePoolOptions,
  ) {
    for (let i = 0; i < count; i++) {
      const ring = SpscRing.create(RING_BYTES);
      const signalBuffer = new SharedArrayBuffer(4);
      const { port1, port2 } = new MessageChannel();
      const data: WorkerData = { shard: i, shards: count, ring: ring.buffer, signal: signalBuffer, port: port2 as never, cpu: cpus[i], options };
      if (durable) data.durable = { dir: shardDir(durable.dir, i), settings: durable.settings };
      const entry = workerEntry();
      const worker = new Worker(entry.file, { eval: entry.eval, workerData: data, transferList: [port2 as never], name: `laminardb-shard-${i}` });
      const shard: Shard = { index: i, worker, ring, signal: new Int32Array(signalBuffer), port: port1, failure: undefined, unpublished: false, exited: false };
      port1.on('message', (m: ShardMessage) => this.dispatch(shard, m));
      worker.on('error', (e) => {
        shard.failure ??= new ExecutionError('SHARD_FAILED', `shard ${i} failed: ${e.message}`);
      });
      worker.on('exit', () => {
        shard.exited = true;
        // a stopped shard answers nothing more: its asynchronous calls fail now
        for (const [id, p] of this.pending) {
          if (p.shard !== i) continue;
          const error = shard.failure ?? new ExecutionError('SHARD_FAILED', `shard ${i} has stopped`);
          this.settle({ t: 'reply', id, ok: false, error: { name: error.constructor.name, code: error.code, message: error.message } }, i);
        }
      });
      // like the single-threaded engine, an open database does not keep the process alive
      port1.unref();
      worker.unref();
      this.shards.push(shard);
    }
  }

  /** Subscription changes arrive under the id given to `listen`. */
  listen(id: number, listener: ((changes: EngineChange[], shard: number) => void) | undefined): void {
    if (listener) this.listeners.set(id, listener);
    else this.listeners.delete(id);
  }

  private dispatch(shard: Shard, m: ShardMessage): void {
    if (m.t === 'changes') {
      this.listeners.get(m.sub)?.(decodeChanges(m.buf), shard.index);
    } else if (m.t === 'error') {
      shard.failure ??= reviveError(m.error, shard.index);
    } else if (m.t === 'warning') {
      this.durable?.onWarning(m.message, shard.index);
    } else if (m.t === 'reply') {
      this.settle(m, shard.index);
    }
    // replies of synchronous calls are read by call(); 'ready' needs nothing
  }

  private settle(m: Extract<ShardMessage, { t: 'reply' }>, shard: number): void {
    const entry = this.pending.get(m.id);
    if (entry === undefined) return;
    this.pending.delete(m.id);
    const call = entry.call;
    if (m.ok) call.results[entry.slot] = m.result;
    else call.error ??= reviveError(m.error, shard);
    if (--call.remaining > 0) return;
    if (this.pending.size === 0) for (const s of this.shards) s.port.unref();
    if (call.error) call.reject(call.error);
    else call.resolve(call.results);
  }

  /**
   * Runs `request` on the given shards (after everything written before) without blocking:
   * resolves with their results once every shard answered (e.g. once its rows are on disk).
   */
  callAsync(request: ControlRequest, shards: readonly number[] = this.shards.map((s) => s.index)): Promise<unknown[]> {
    return new Promise<unknown[]>((resolve, reject) => {
      const call: PendingCall = { remaining: shards.length, results: new Array(shards.length), error: undefined, resolve, reject };
      if (shards.length === 0) return resolve([]);
      // an answer still to come keeps the process alive, as a pending disk write does
      for (const s of this.shards) s.port.ref();
      shards.forEach((i, slot) => {
        const s = this.shards[i]!;
        const id = this.nextCall++;
        this.pending.set(id, { call, slot, shard: i });
        s.port.postMessage(request);
        this.announce(s, id);
      });
      this.publish();
    });
  }

  private announce(s: Shard, id: number): void {
    const w = this.writer;
    w.reset();
    w.u8(RecordKind.Control);
    w.u32(id);
    this.write(s, w.bytes.subarray(0, w.pos));
  }

  /** Throws (once) the first failure a shard reported since the last check. */
  throwFailures(): void {
    for (const s of this.shards) {
      const f = s.failure;
      if (f) {
        s.failure = undefined;
        throw f;
      }
    }
  }

  /** Appends a columnar batch (rows from..to of `columns`) for one shard. */
  writeRows(shard: number, name: string, columns: readonly Column[], length: number): void {
    const w = this.writer;
    w.reset();
    w.u8(RecordKind.Data);
    w.str(name);
    w.u32(length);
    w.u32(columns.length);
    for (const col of columns) w.column(col, 0, length);
    const s = this.shards[shard]!;
    if (w.pos > s.ring.maxRecord) {
      if (length < 2) throw new ExecutionError('ROW_TOO_LARGE', `a row of "${name}" needs ${w.pos} bytes, more than a shard ring record (${s.ring.maxRecord})`);
      const half = length >> 1;
      this.writeRows(shard, name, columns.map((c) => sliceColumn(c, 0, half)), half);
      this.writeRows(shard, name, columns.map((c) => sliceColumn(c, half, length)), length - half);
      return;
    }
    this.write(s, w.bytes.subarray(0, w.pos));
  }

  /** Appends a watermark for every shard. */
  writeWatermark(name: string, ms: number): void {
    const w = this.writer;
    w.reset();
    w.u8(RecordKind.Watermark);
    w.str(name);
    w.f64(ms);
    const rec = w.bytes.subarray(0, w.pos);
    for (const s of this.shards) this.write(s, rec);
  }

  /** Ends a routed call's part on one shard: a durable shard logs the mark (call-cut.ts). */
  writeCallEnd(shard: number, seq: number, shards: number): void {
    const w = this.writer;
    w.reset();
    w.u8(RecordKind.CallEnd);
    w.f64(seq);
    w.u32(shards);
    this.write(this.shards[shard]!, w.bytes.subarray(0, w.pos));
  }

  /** bytes written into the rings so far (how much the shards logged, roughly) */
  bytesWritten = 0;

  private write(s: Shard, rec: Uint8Array): void {
    this.bytesWritten += rec.length;
    while (!s.ring.tryWrite(rec)) {
      s.ring.publish();
      if (s.exited) throw new ExecutionError('SHARD_FAILED', `shard ${s.index} has stopped`);
      s.ring.waitForSpace(rec.length, 100);
    }
    s.unpublished = true;
  }

  /** Makes written rows visible to the shards (once per insert call). */
  publish(): void {
    for (const s of this.shards) {
      if (s.unpublished) {
        s.unpublished = false;
        s.ring.publish();
      }
    }
  }

  /** Runs `request` (or the request for each shard) on the given shards, after everything written before, and returns their results. */
  call(request: ControlRequest | ((shard: number) => ControlRequest), shards: readonly number[] = this.shards.map((s) => s.index)): unknown[] {
    const ids: number[] = [];
    for (const i of shards) {
      const s = this.shards[i]!;
      const id = this.nextCall++;
      ids.push(id);
      s.port.postMessage(typeof request === 'function' ? request(i) : request);
      this.announce(s, id);
    }
    this.publish();
    const results: unknown[] = [];
    let error: LaminarError | undefined;
    shards.forEach((i, k) => {
      const reply = this.awaitReply(this.shards[i]!, ids[k]!);
      if (reply.ok) results.push(reply.result);
      else error ??= reviveError(reply.error, i);
    });
    if (error) throw error;
    return results;
  }

  private awaitReply(s: Shard, id: number): Extract<ShardMessage, { t: 'reply' }> {
    const deadline = Date.now() + CALL_TIMEOUT_MS;
    for (;;) {
      const seen = Atomics.load(s.signal, 0);
      for (let got = receiveMessageOnPort(s.port); got; got = receiveMessageOnPort(s.port)) {
        const m = got.message as ShardMessage;
        if (m.t === 'reply' && m.id === id) return m;
        this.dispatch(s, m);
      }
      if (s.exited) throw s.failure ?? new ExecutionError('SHARD_FAILED', `shard ${s.index} has stopped`);
      if (Date.now() > deadline) throw new ExecutionError('SHARD_TIMEOUT', `shard ${s.index} did not answer within ${CALL_TIMEOUT_MS / 1000} s`);
      Atomics.wait(s.signal, 0, seen, 100);
    }
  }

  /** Stops every worker (a durable shard closes its log first); resolves once all have exited. */
  async close(): Promise<void> {
    if (this.durable) {
      const live = this.shards.filter((s) => !s.exited).map((s) => s.index);
      await this.callAsync({ op: 'close' }, live);
    }
    await Promise.all(
      this.shards.map(async (s) => {
        s.port.close();
        await s.worker.terminate();
      }),
    );
  }
}

function sliceColumn(c: Column, from: number, to: number): Column {
  if (c instanceof Float64Array || c instanceof Int32Array) return c.subarray(from, to) as unknown as Column;
  return Array.prototype.slice.call(c, from, to) as Column;
}
