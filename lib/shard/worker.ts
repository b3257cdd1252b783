// A shard: one Engine in a worker thread, fed by its SPSC ring (rows, watermarks, call markers)
// and answering through its MessagePort (replies, subscription changes, failures). A durable
// shard wraps its Engine in a DurableEngine (its own WAL and checkpoints in <path>/shard-<i>/),
// opened by the main thread's 'open' call once it has chosen the checkpoint to start from.
import { receiveMessageOnPort, workerData } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { Engine } from '../engine/engine.js';
import { DurableEngine } from '../storage/durable-engine.js';
import * as path from 'node:path';
import { readManifest, writeManifest } from '../storage/manifest.js';
import { readCheckpointChain } from '../storage/checkpoint-image.js';
import { StorageError } from '../errors.js';
import type { EngineChange, EngineSubscription } from '../engine/types.js';
import type { Column } from '../exec/batch.js';
import { SpscRing } from '../native/ring.js';
import { pinCurrentThread, setThreadName } from '../native/sys.js';
import { Reader } from './codec.js';
import { encodeCallMark, scanCallLog, truncateLog } from './shard-log.js';
import type { ShardCallLog } from './call-cut.js';
import { RecordKind, encodeChanges, packResults, serializeError, type ControlRequest, type ShardMessage, type WorkerData } from './protocol.js';

const data = workerData as WorkerData;
const port = data.port as unknown as MessagePort;
const ring = SpscRing.attach(data.ring);
const signal = new Int32Array(data.signal);
/** the shard's engine (rows, views, queries) */
let inner = new Engine(data.options);
/** what rows and calls go to: the durable engine around `inner`, or `inner` itself */
let engine: Engine | DurableEngine = inner;
let durable: DurableEngine | undefined;
/** DDL calls held by the checkpoint the durable engine opened from (its catalog) */
let checkpointDdl = 0;
/** replies still waiting for the disk (sync, checkpoint, close, durability 'sync' DDL) */
let awaiting = 0;
const subscriptions = new Map<number, EngineSubscription>();
/** changes produced while handling records, posted once per drained run of the ring */
const pendingChanges = new Map<number, EngineChange[]>();

if (data.cpu !== undefined) {
  try {
    pinCurrentThread(data.cpu);
  } catch {
    // pinning is an optimisation: a restricted affinity mask must not stop the shard
  }
}
try {
  setThreadName(`laminar-shard${data.shard}`);
} catch {
  // naming is cosmetic
}

function post(message: ShardMessage, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
}

function postChanges(): void {
  for (const [sub, changes] of pendingChanges) {
    const buf = encodeChanges(changes);
    post({ t: 'changes', sub, buf }, [buf]);
  }
  pendingChanges.clear();
}

function handleData(r: Reader): void {
  const name = r.str();
  const length = r.u32();
  const width = r.u32();
  const columns: Column[] = new Array(width);
  for (let i = 0; i < width; i++) columns[i] = r.column(length);
  try {
    engine.insertColumns(name, columns, length);
  } catch (error) {
    post({ t: 'error', error: serializeError(error) });
  }
}

function handleWatermark(r: Reader): void {
  const name = r.str();
  const ms = r.f64();
  try {
    engine.advanceWatermark(name, ms);
  } catch (error) {
    post({ t: 'error', error: serializeError(error) });
  }
}

/** A durable shard logs the end of its part of a routed call (recovery keeps whole calls only). */
function handleCallEnd(r: Reader): void {
  const seq = r.f64();
  const shards = r.u32();
  try {
    logCallMark(seq, shards);
  } catch (error) {
    post({ t: 'error', error: serializeError(error) });
  }
}

function logCallMark(seq: number, shards: number): void {
  if (durable !== undefined) durable.logTag(encodeCallMark(seq, shards));
}

function run(request: ControlRequest): unknown {
  switch (request.op) {
    case 'execute': {
      let results: ReturnType<typeof engine.execute>;
      try {
        results = engine.execute(request.sql, request.params);
      } finally {
        // also when the statement failed: a number without a mark would read as a lost call
        if (request.callSeq !== undefined) logCallMark(request.callSeq, 1);
      }
      return results instanceof Promise ? results.then(packResults) : packResults(results);
    }
    case 'query':
      return packResults([{ command: 'SELECT', rowsAffected: 0, ...engine.query(request.sql, request.params) }]);
    case 'flush':
      // a durable engine logs the flush and answers once it is on disk
      if (durable !== undefined) return durable.flush().then(() => null);
      inner.flush();
      return null;
    case 'subscribe': {
      const sub = request.sub;
      const listener = (changes: EngineChange[]): void => {
        const list = pendingChanges.get(sub);
        if (list) list.push(...changes);
        else pendingChanges.set(sub, changes.slice());
      };
      subscriptions.set(sub, engine.subscribe(request.name, listener, { snapshot: request.snapshot }));
      return null;
    }
    case 'unsubscribe':
      subscriptions.get(request.sub)?.close();
      subscriptions.delete(request.sub);
      pendingChanges.delete(request.sub);
      return null;
    case 'call': {
      // a watermark is logged by the durable engine; idleness and introspection are not logged
      const target = request.method === 'advanceWatermark' ? engine : inner;
      const fn = (target as unknown as Record<string, (...a: unknown[]) => unknown>)[request.method]!;
      return fn.apply(target, request.args) ?? null;
    }
    case 'dump':
      return packResults([{ command: 'SELECT', rowsAffected: 0, ...engine.query(`SELECT * FROM "${request.name.replace(/"/g, '""')}"`) }]);
    case 'verify':
      return verifyCheckpoint(request.local);
    case 'scan':
      return scanLog(request.local, request.dmlCalls === true);
    case 'open':
      return openDurable(request.local, request.truncateAt ?? 0);
    case 'sync':
      return requireDurable().flush().then(() => null);
    case 'checkpoint': {
      const d = requireDurable();
      return d.checkpoint().then(() => d.lastCheckpoint!.epoch);
    }
    case 'close':
      return durable === undefined ? null : durable.close().then(() => null);
  }
}

function requireDurable(): DurableEngine {
  if (durable === undefined) throw new StorageError('IO_ERROR', `shard ${data.shard} is not a durable shard`);
  return durable;
}

function shardDirectory(): string {
  if (data.durable === undefined) throw new StorageError('IO_ERROR', `shard ${data.shard} has no directory`);
  return data.durable.dir;
}

/** Whether local checkpoint `local` reads back intact, and how many DDL calls its catalog holds. */
function verifyCheckpoint(local: number): { ok: boolean; ddl: number; message?: string } {
  if (local === 0) return { ok: true, ddl: 0 };
  const dir = shardDirectory();
  const entry = readManifest(dir)?.checkpoints?.find((c) => c.epoch === local);
  if (entry === undefined) return { ok: false, ddl: 0, message: `${dir} no longer has checkpoint ${local}` };
  try {
    return { ok: true, ddl: readCheckpointChain(dir, entry).image.catalog.length };
  } catch (error) {
    if (!(error instanceof StorageError) || error.code !== 'CORRUPTION') throw error;
    return { ok: false, ddl: 0, message: error.message };
  }
}

/**
 * The record the shard's replay from local checkpoint `local` starts at, and its log directory
 * (null before the shard's first open: no MANIFEST, no log).
 */
function replayStart(local: number): { walDir: string; fromLsn: number } | null {
  const dir = shardDirectory();
  const manifest = readManifest(dir);
  if (manifest === null) return null;
  const walDir = path.join(dir, manifest.walDir);
  if (local === 0) return { walDir, fromLsn: 1 };
  const entry = manifest?.checkpoints?.find((c) => c.epoch === local);
  if (entry === undefined) throw new StorageError('CORRUPTION', `${dir} no longer has checkpoint ${local}`);
  return { walDir, fromLsn: entry.lsn + 1 };
}

/** The end-of-call marks of the shard's log after local checkpoint `local`. */
function scanLog(local: number, dmlCalls: boolean): ShardCallLog {
  const start = replayStart(local);
  if (start === null) return { seqs: [], shards: [], firstLsn: [], tailLsn: 0, lastLsn: 0 };
  const log = scanCallLog(start.walDir, start.fromLsn, dmlCalls);
  // a damaged record in the log's last segment reads as its end: the MANIFEST knows better (as
  // the durable engine's own open checks), and the cut must not be computed from a log that lost
  // acknowledged records
  const durableLsn = readManifest(shardDirectory())?.durableLsn ?? 0;
  if (log.lastLsn < durableLsn) {
    throw new StorageError('CORRUPTION', `${start.walDir} ends at record ${log.lastLsn}, but records up to ${durableLsn} were durable (MANIFEST): write-ahead log segments are missing, truncated or damaged`);
  }
  return log;
}

/**
 * Opens the durable engine from local checkpoint `local` (checked by 'verify' first): newer local
 * checkpoints (taken at a barrier the other shards did not complete) are dropped from the
 * shard's MANIFEST, so the durable engine starts from the committed cut and replays its WAL —
 * cut first at record `truncateAt` when calls from there on are not whole on every shard.
 */
function openDurable(local: number, truncateAt: number): number {
  const dir = shardDirectory();
  let manifest = readManifest(dir);
  if (manifest !== null && (manifest.checkpoints ?? []).some((c) => c.epoch > local)) {
    manifest = { ...manifest, checkpoints: (manifest.checkpoints ?? []).filter((c) => c.epoch <= local), reason: 'open' };
    writeManifest(dir, manifest);
  }
  if (truncateAt > 0) {
    const start = replayStart(local);
    if (start === null) throw new StorageError('CORRUPTION', `${dir}: asked to cut a log it does not have (no MANIFEST)`);
    const { walDir, fromLsn } = start;
    if (truncateAt < fromLsn) throw new StorageError('CORRUPTION', `${dir}: asked to cut the log at record ${truncateAt}, inside checkpoint ${local}`);
    // the MANIFEST must not claim records the cut removes were durable
    if (manifest !== null && manifest.durableLsn >= truncateAt) writeManifest(dir, { ...manifest, durableLsn: truncateAt - 1, reason: 'open' });
    truncateLog(walDir, truncateAt);
  }
  checkpointDdl = local === 0 ? 0 : verifyCheckpoint(local).ddl;
  inner.close();
  inner = new Engine(data.options);
  durable = DurableEngine.open(
    { ...data.durable!.settings, path: dir, checkpointIntervalMs: 0, onWarning: (message: string) => post({ t: 'warning', message }) },
    inner,
  );
  engine = durable;
  return checkpointDdl + durable.recovery.catalogCalls.length;
}

/** Runs a call; returns true for a checkpoint barrier (no later record may run before its cut). */
function handleControl(r: Reader): boolean {
  const id = r.u32();
  const got = receiveMessageOnPort(port);
  if (!got) throw new Error(`shard ${data.shard}: call ${id} announced but its message is missing`);
  const request = got.message as ControlRequest;
  let reply: ShardMessage;
  try {
    const result = run(request);
    if (result instanceof Promise) {
      // answered when the disk has it; later records go on meanwhile
      awaiting++;
      result.then(
        (value: unknown) => answer({ t: 'reply', id, ok: true, result: value }),
        (error: unknown) => answer({ t: 'reply', id, ok: false, error: serializeError(error) }),
      );
      return request.op === 'checkpoint';
    }
    reply = { t: 'reply', id, ok: true, result };
  } catch (error) {
    reply = { t: 'reply', id, ok: false, error: serializeError(error) };
  }
  // changes caused by earlier records and by this call reach the main thread before the reply
  postChanges();
  post(reply);
  return false;
}

function answer(reply: ShardMessage): void {
  awaiting--;
  postChanges();
  post(reply);
}

/** Applies one ring record; true when the drain must pause (a checkpoint barrier). */
function handle(bytes: Uint8Array): boolean {
  const r = new Reader(bytes);
  switch (r.u8() as RecordKind) {
    case RecordKind.Data:
      handleData(r);
      return false;
    case RecordKind.Watermark:
      handleWatermark(r);
      return false;
    case RecordKind.Control:
      return handleControl(r);
    case RecordKind.CallEnd:
      handleCallEnd(r);
      return false;
  }
  return false;
}

/** ring records handled before the shard yields to its event loop */
const MAX_RECORDS_PER_RUN = 1024;

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function loop(): Promise<void> {
  for (;;) {
    let handled = 0;
    for (let at = ring.peek(); at >= 0; at = ring.peek()) {
      // the record is decoded (and copied out) before its space is handed back
      const barrier = handle(ring.bytes.subarray(at, at + ring.lastLength));
      ring.advance();
      if (++handled % 32 === 0) ring.release();
      // the durable engine takes its cut in a microtask: let it run before the next record
      if (barrier) break;
      // a producer that never pauses must not starve the loop: disk completions (flush and
      // checkpoint replies) and timers run between runs
      if (handled >= MAX_RECORDS_PER_RUN) break;
    }
    ring.release();
    if (handled > 0) postChanges();
    // let the engine's microtasks and timers run, then sleep until rows or a call arrive
    await yieldToLoop();
    // while a reply waits for the disk, wake often so its completion is seen promptly
    if (ring.used === 0) ring.waitForData(handled > 0 || awaiting > 0 ? 1 : 50);
  }
}

post({ t: 'ready' });
loop().catch((error: unknown) => {
  // a broken shard must not leave the main thread waiting: report, then stop the thread
  post({ t: 'error', error: serializeError(error) });
  process.exit(1);
});
