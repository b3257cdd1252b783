// A durable database: the in-memory Engine plus a logical write-ahead log through the native WAL
// writer (SPSC ring → writer thread → group commit). Every mutating call is appended as one
// record before it is applied; `flush()` resolves once the group commit covering every earlier
// record is on disk. On open the directory is locked and the log replayed into a fresh engine.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CatalogError, LaminarError, StorageError } from '../errors.js';
import type { EnginePort, EngineSettings } from '../api/engine-port.js';
import type { Column } from '../exec/batch.js';
import type { DataType } from '../types/datatype.js';
import type { Row, Value } from '../types/value.js';
import type { ChangeListener, EngineSubscription, QueryResult, RelationInfo, StatementResult } from '../engine/types.js';
import { parse } from '../sql/parser.js';
import { committedText } from '../engine/atomic-execute.js';
import { wrapUdf } from '../api/udf.js';
import { WalWriter } from '../native/wal.js';
import { DirectoryLock } from './lock.js';
import { FORMAT_VERSION, readManifest, writeManifest, type Manifest } from './manifest.js';
import { RecordEncoder } from './record.js';
import { replayLog, type ReplayResult, type WarningHandler } from './recovery.js';
import { schemaFingerprint } from './schema-fingerprint.js';
import { isChangePosition, type ChangePosition } from './sink-protocol.js';
import type { EngineState } from '../engine/state.js';
import { Changelog } from './changelog.js';
import { checkOptions, type Durability, type StorageOptions } from './durable-options.js';
import { SinkDriver, checkSinkStatements } from '../connectors/sinks/driver.js';
import { captureCut, changesCatalog, deferredArrays, removeCheckpointsExcept, restoreCheckpoint, writeCheckpointFile, type CatalogCall } from './checkpoint.js';
import { Checkpointer, readCheckpointChain, type CheckpointEntry, type EncodedCheckpoint, type LoadedCheckpoint } from './checkpoint-image.js';

const WAL_DIR = 'wal';
const READ_ONLY = new Set(['select', 'show', 'describe', 'explain', 'checkpoint']);

export class DurableEngine implements EnginePort {
  /** what recovery did when this database was opened */
  readonly recovery: ReplayResult;
  private readonly wal: WalWriter;
  private readonly encoder = new RecordEncoder();
  private readonly fingerprints = new Map<string, number>();
  private readonly durability: Durability;
  private manifest: Manifest;
  private dirtySinceFlush = false;
  private readonly timer: NodeJS.Timeout | undefined;
  private failure: unknown = null;
  private closed = false;
  /** the calls that built the current catalog, in order (a checkpoint's DDL) */
  private catalogCalls: CatalogCall[] = [];
  /** the running checkpoint, so CHECKPOINT and the timer never overlap */
  private checkpointing: Promise<void> | null = null;
  /** change positions of every subscription, and the changes of views that keep a changelog */
  private readonly changelog: Changelog;
  private readonly changelogEnabled: boolean;
  /** the exactly-once sinks (CREATE SINK … connector = 'file'), committed at checkpoints */
  private readonly sinks: SinkDriver;
  /** the engine's dataflow, to tell calls made from inside a delivery (null: no storage hooks) */
  private readonly flowState: EngineState | null;
  /** what the last checkpoint cost: `captureMs` is the pause of the hot path for the cut,
   *  `maxSliceMs` the longest slice of the encoding after it, `incremental` whether it holds
   *  only the changes since its parent (`changedElements` of them) */
  lastCheckpoint: {
    epoch: number;
    lsn: number;
    bytes: number;
    captureMs: number;
    writeMs: number;
    maxSliceMs: number;
    incremental: boolean;
    changedElements: number;
  } | null = null;
  /** encodes cuts, incrementally against the previous checkpoint */
  private readonly checkpointer = new Checkpointer();

  /** Locks `settings.path`, replays its log into `inner` and starts the WAL writer. */
  static open(settings: EngineSettings, inner: EnginePort): DurableEngine {
    const dir = settings.path;
    if (typeof dir !== 'string') throw new LaminarError('INVALID_ARGUMENT', 'a durable database needs a path');
    const options = checkOptions(settings);
    const lock = DirectoryLock.acquire(dir);
    try {
      return new DurableEngine(dir, inner, options, lock, settings.bigint === true);
    } catch (error) {
      lock.release();
      throw error;
    }
  }

  /** checkpoints on disk that recovery may use, oldest first */
  private checkpoints: CheckpointEntry[] = [];
  /** bytes of log records (as framed on disk) since open, plus those replayed at open */
  private loggedBytes = 0;
  /** `loggedBytes` at the newest checkpoint's cut */
  private checkpointedBytes = 0;
  /** close() checkpoints first above this many bytes logged since the newest checkpoint */
  private readonly closeCheckpointBytes: number;
  /** a microtask will hand the records appended in this turn to the WAL writer */
  private publishQueued = false;
  private readonly publishLog = (): void => {
    this.publishQueued = false;
    this.wal.publish();
  };

  private constructor(
    readonly dir: string,
    private readonly inner: EnginePort,
    options: StorageOptions,
    private readonly lock: DirectoryLock,
    bigint: boolean,
  ) {
    const warn = options.onWarning ?? ((m: string) => console.warn(m));
    this.durability = options.durability ?? 'group';
    this.closeCheckpointBytes = options.closeCheckpointBytes ?? CLOSE_CHECKPOINT_BYTES;
    const existing = readManifest(dir);
    const walDir = path.join(dir, existing?.walDir ?? WAL_DIR);
    if (existing === null && fs.existsSync(walDir) && fs.readdirSync(walDir).length > 0) {
      throw new StorageError('CORRUPTION', `${dir} has a write-ahead log but no MANIFEST: the directory is damaged (the MANIFEST was deleted?); refusing to guess`);
    }
    for (const [name, def] of Object.entries(options.functions ?? {})) {
      const udf = wrapUdf(name, def.fn, def.signature, bigint);
      inner.registerFunction(name, udf.fn, udf.sig);
    }
    const readStarted = performance.now();
    const loaded = existing === null ? null : loadNewestCheckpoint(dir, existing, warn);
    const checkpointReadMs = performance.now() - readStarted;
    let checkpointRestoreMs = 0;
    const image = loaded?.image ?? null;
    const state = engineStateOf(inner);
    this.flowState = state;
    this.changelogEnabled = options.changelog !== undefined;
    this.changelog = new Changelog(
      dir,
      { views: options.changelog?.views ?? [], retainCheckpoints: options.changelog?.retainCheckpoints ?? 16 },
      existing?.changelog ?? [],
      image?.lsn ?? 0,
      warn,
    );
    this.sinks = new SinkDriver(
      { relation: (n) => inner.relation(n), relations: () => inner.relations(), subscribe: (n, l, o) => inner.subscribe(n, l, o), currentLsn: () => this.changelog.currentLsn, baseDir: dir, bigint, warn },
      existing?.sinks ?? [],
      (existing?.epoch ?? 0) + 1,
    );
    if (image !== null) {
      if (state === null) throw new StorageError('RECOVERY_FAILED', `${dir} has a checkpoint but this engine cannot restore operator state`);
      const restoreStarted = performance.now();
      restoreCheckpoint(image, inner as unknown as { execute(sql: string, params?: readonly unknown[]): unknown }, state, `checkpoint ${image.epoch} of ${dir}`);
      this.catalogCalls = image.catalog;
      this.checkpointer.seed(loaded!, deferredArrays(state));
      this.checkpoints = existing!.checkpoints!.filter((c) => c.epoch <= image.epoch);
      this.changelog.currentLsn = image.lsn;
      this.catalogChanged(false);
      checkpointRestoreMs = performance.now() - restoreStarted;
    }
    const replayed = replayLog(walDir, inner, warn, image === null ? 1 : image.lsn + 1, {
      applying: (lsn) => (this.changelog.currentLsn = lsn),
      executed: () => this.catalogChanged(true),
    });
    this.recovery = { ...replayed, checkpointReadMs, checkpointRestoreMs };
    this.catalogCalls.push(...this.recovery.catalogCalls);
    // what this open replayed, as the last MANIFEST knew it (0 when a crash left it unrecorded)
    this.loggedBytes = this.recovery.records > 0 ? (existing?.logBytesSinceCheckpoint ?? 0) : 0;
    if (existing !== null && this.recovery.lastLsn < existing.durableLsn) {
      throw new StorageError(
        'CORRUPTION',
        `${walDir} ends at record ${this.recovery.lastLsn}, but records up to ${existing.durableLsn} were durable (MANIFEST): write-ahead log segments are missing or truncated`,
      );
    }
    this.wal = WalWriter.open(walDir, {
      sync: this.durability === 'none' ? 'off' : 'group',
      groupDelayUs: options.walGroupDelayUs,
      segmentBytes: options.walSegmentBytes,
      // pwrite by default: the writer thread makes the write and the fdatasync itself. io_uring
      // hands each fdatasync to a kernel worker thread: twice the context switches per commit
      // (8.3 vs 3.7 measured), each one a wait for a CPU on a busy machine, and its commits onto
      // fresh segments had a 2.5-4x longer p99 (docs/durability.md, "The ack path").
      backend: options.walBackend ?? 'pwrite',
      ringBytes: 64 * 1024 * 1024,
      faultInjection: options.walFaultInjection,
    });
    if (this.wal.lastLsnAtOpen !== this.recovery.lastLsn) {
      const lsn = this.wal.lastLsnAtOpen;
      void this.wal.close();
      throw new StorageError('CORRUPTION', `${walDir}: replay ended at record ${this.recovery.lastLsn} but the writer found ${lsn}`);
    }
    // mark it now, or the next replay would find records after an unexplained failure
    if (this.recovery.unmarkedFailure !== null) this.append(this.encoder.failed(this.recovery.unmarkedFailure));
    this.manifest = {
      format: FORMAT_VERSION,
      walDir: WAL_DIR,
      durableLsn: existing?.durableLsn ?? 0,
      epoch: existing?.epoch ?? 0,
      reason: existing === null ? 'create' : 'open',
      writtenAt: new Date().toISOString(),
      checkpoints: this.checkpoints,
      changelog: this.changelog.named,
      sinks: existing?.sinks,
      logBytesSinceCheckpoint: this.loggedBytes,
    };
    writeManifest(dir, this.manifest);
    const every = options.checkpointIntervalMs ?? 10_000;
    if (every > 0) {
      this.timer = setInterval(() => this.periodic(), every);
      this.timer.unref();
    }
  }

  /** Periodic: a checkpoint when anything was logged since the last one, else the durable LSN. */
  private periodic(): void {
    if (this.closed || this.failure !== null || this.checkpointing !== null) return;
    const last = this.checkpoints[this.checkpoints.length - 1]?.lsn ?? 0;
    if (this.wal.lastLsn > last && engineStateOf(this.inner) !== null && !engineStateOf(this.inner)!.flow.busy) {
      this.checkpoint().catch(() => {
        // recorded in this.failure by the log, or a failed checkpoint file: the next period retries
      });
      return;
    }
    this.recordDurableLsn();
  }

  /** Periodic: move the MANIFEST's durable LSN up to what the WAL has synced (no extra sync). */
  private recordDurableLsn(): void {
    if (this.closed || this.failure !== null) return;
    const durable = this.wal.durableLsn;
    if (durable <= this.manifest.durableLsn) return;
    try {
      this.manifest = { ...this.manifest, durableLsn: durable, reason: 'periodic', writtenAt: new Date().toISOString(), logBytesSinceCheckpoint: this.logBytesSinceCheckpoint };
      writeManifest(this.dir, this.manifest);
    } catch (error) {
      this.failure = error;
    }
  }

  // ---- reads: straight through ----

  query(sql: string, params?: readonly unknown[]): QueryResult {
    return this.inner.query(sql, params);
  }

  relation(name: string): RelationInfo | undefined {
    return this.inner.relation(name);
  }

  relations(): RelationInfo[] {
    return this.inner.relations();
  }

  /** Changes carry their position; `from` first delivers the retained changes after it (changelog views). */
  subscribe(name: string, listener: ChangeListener, opts?: { snapshot?: boolean; from?: ChangePosition }): EngineSubscription {
    const from = opts?.from;
    if (from === undefined) {
      // the snapshot is delivered while attaching: it has no position
      let attaching = true;
      const stamp = this.changelog.stamped(listener);
      const sub = this.inner.subscribe(name, (cs) => (attaching ? listener(cs) : stamp(cs)), opts);
      attaching = false;
      return sub;
    }
    if (!isChangePosition(from)) {
      throw new LaminarError('INVALID_ARGUMENT', `subscribe("${name}", { from }): from must be a position { lsn, index } taken from a delivered change, got ${JSON.stringify(from)}`);
    }
    if (opts?.snapshot === true) throw new LaminarError('INVALID_ARGUMENT', `subscribe("${name}"): snapshot and from exclude each other`);
    const history = this.changelog.changesAfter(name, from, this.wal.lastLsn);
    // catch up synchronously, then attach: no step can run in between
    if (history.length > 0) listener(history);
    return this.inner.subscribe(name, this.changelog.stamped(listener));
  }

  /** After DDL (live, replayed, restored): retained views are tapped, file sinks started or stopped. */
  private catalogChanged(snapshot: boolean): void {
    const relations = this.inner.relations();
    if (this.changelogEnabled) this.changelog.reconcile(relations, (n, l) => this.inner.subscribe(n, l));
    this.sinks.reconcile(snapshot);
  }

  /** JavaScript functions live in code, not in the log: register them again after every open. */
  registerFunction(name: string, fn: (...args: Value[]) => Value, sig: { args: DataType[]; returns: DataType }): void {
    this.inner.registerFunction(name, fn, sig);
  }

  // ---- writes: logged, then applied ----

  insertColumns(name: string, columns: Column[], length: number): void {
    this.checkHealthy();
    const lsn = this.append(this.encoder.insertColumns(name, this.fingerprint(name), columns, length));
    this.applyLogged(lsn, () => this.inner.insertColumns(name, columns, length));
  }

  insertRows(name: string, rows: readonly Row[]): void {
    this.checkHealthy();
    const lsn = this.append(this.encoder.insertRows(name, this.fingerprint(name), rows));
    this.applyLogged(lsn, () => this.inner.insertRows(name, rows));
  }

  advanceWatermark(source: string, eventTimeMs: number): void {
    this.checkHealthy();
    const lsn = this.append(this.encoder.watermark(source, eventTimeMs));
    this.applyLogged(lsn, () => this.inner.advanceWatermark(source, eventTimeMs));
  }

  /**
   * Logs an opaque record between calls (replay skips it; WalReader sees it as a TAG record):
   * the sharded engine's end-of-call marks. Returns its LSN.
   */
  logTag(payload: Uint8Array): number {
    this.checkHealthy();
    return this.append(this.encoder.tag(payload));
  }

  execute(sql: string, params: readonly unknown[] = []): StatementResult[] | Promise<StatementResult[]> {
    this.checkHealthy();
    const statements = parse(sql);
    const kinds = statements.map((st) => st.kind);
    checkSinkStatements(statements, this.dir);
    const mutates = kinds.some((k) => !READ_ONLY.has(k));
    const checkpoint = kinds.includes('checkpoint');
    let results: StatementResult[];
    if (mutates) {
      const record = this.encoder.execute(sql, params);
      const call: CatalogCall | null = changesCatalog(kinds) ? { record: new Uint8Array(record), failed: false } : null;
      const lsn = this.append(record);
      if (call !== null) this.catalogCalls.push(call);
      try {
        results = this.applyLogged(lsn, () => this.inner.execute(sql, params) as StatementResult[]);
      } catch (error) {
        if (call !== null) {
          call.failed = true;
          // a multi-statement call is all-or-nothing up to its DROP / CHECKPOINT: the catalog
          // keeps only what stayed applied (its re-run at a restore may not fail without the data)
          const kept = committedText(sql, error);
          if (kept !== undefined) call.record = new Uint8Array(this.encoder.execute(kept, params));
        }
        throw error;
      } finally {
        // a DDL statement may have replaced a relation (even when a later statement threw)
        this.fingerprints.clear();
        if (call !== null) this.catalogChanged(true);
      }
    } else {
      results = this.inner.execute(sql, params) as StatementResult[];
    }
    if (checkpoint) {
      return this.checkpoint().then(() =>
        results.map((r) =>
          r.command === 'CHECKPOINT'
            ? { ...r, notice: this.checkpointNotice() }
            : r,
        ),
      );
    }
    if (mutates && this.durability === 'sync') return this.syncLog(true).then(() => results);
    if (kinds.includes('flush')) return this.syncLog(false).then(() => results);
    return results;
  }

  /** Ends the step; resolves once every earlier call is durable (durability 'group' / 'sync'). */
  flush(): Promise<void> {
    try {
      this.checkHealthy();
      // logged first, so the changes the flush produces carry its LSN as they do on replay
      if (this.dirtySinceFlush) {
        this.markApplying(this.append(this.encoder.flush()));
        this.dirtySinceFlush = false;
      }
      // the writer writes and syncs the records while the step below runs
      this.wal.publish();
      this.inner.flush();
    } catch (error) {
      return Promise.reject(error);
    }
    return this.syncLog(false);
  }

  /**
   * Takes a consistent cut now (between steps), then — off the hot path — syncs the log, writes
   * checkpoints/<epoch>/ and atomically points the MANIFEST at it. The previous checkpoint stays
   * as a fallback; WAL segments wholly below it and older checkpoints are deleted.
   */
  checkpoint(): Promise<void> {
    const run = (this.checkpointing ?? Promise.resolve()).catch(() => {}).then(() => this.runCheckpoint());
    const tracked = run.finally(() => {
      if (this.checkpointing === tracked) this.checkpointing = null;
    });
    // the caller handles `run`; this copy only tracks the one in flight (no unhandled rejection)
    tracked.catch(() => {});
    this.checkpointing = tracked;
    return run;
  }

  private async runCheckpoint(): Promise<void> {
    this.checkHealthy();
    const state = engineStateOf(this.inner);
    if (state === null) {
      // an engine without operator-state hooks: a durability barrier only
      await this.syncLog(true);
      this.manifest = { ...this.manifest, durableLsn: this.wal.durableLsn, epoch: this.manifest.epoch + 1, reason: 'checkpoint', writtenAt: new Date().toISOString() };
      writeManifest(this.dir, this.manifest);
      return;
    }
    const epoch = this.manifest.epoch + 1;
    const lsn = this.wal.lastLsn;
    const t0 = performance.now();
    // the only pause of the hot path: the encoding after it runs in slices, the writes off the thread
    const cut = captureCut(state, this.catalogCalls, epoch, lsn);
    const bytesAtCut = this.loggedBytes;
    // the same cut closes the epoch of the changelog and of the sinks
    const sealed = this.changelogEnabled ? this.changelog.seal(epoch, lsn) : null;
    const sinkEpoch = this.sinks.cut();
    const t1 = performance.now();
    const previous = this.checkpoints[this.checkpoints.length - 1];
    let encoded: EncodedCheckpoint | undefined;
    let keep: CheckpointEntry[] = [];
    let sinkRecords;
    try {
      encoded = await this.checkpointer.encode(cut);
      keep = previous === undefined ? [encoded.entry] : [previous, encoded.entry];
      await this.syncLog(true);
      await writeCheckpointFile(this.dir, epoch, encoded.buffers);
      if (sealed !== null) await this.changelog.write(sealed);
      sinkRecords = await this.sinks.preCommit(sinkEpoch, epoch, lsn);
      const changelog = sealed !== null ? this.changelog.segmentsAfter(sealed) : this.manifest.changelog;
      this.manifest = { ...this.manifest, durableLsn: Math.max(this.manifest.durableLsn, this.wal.durableLsn), epoch, reason: 'checkpoint', writtenAt: new Date().toISOString(), checkpoints: keep, changelog, sinks: sinkRecords, logBytesSinceCheckpoint: this.loggedBytes - bytesAtCut };
      writeManifest(this.dir, this.manifest);
    } catch (error) {
      if (sealed !== null) this.changelog.failed(sealed);
      throw error;
    }
    if (sealed !== null) this.changelog.committed(sealed, this.manifest.changelog ?? []);
    this.checkpoints = keep;
    this.checkpointedBytes = bytesAtCut;
    this.checkpointer.committed(encoded);
    this.lastCheckpoint = {
      epoch,
      lsn,
      bytes: encoded.bytes,
      captureMs: t1 - t0,
      writeMs: performance.now() - t1,
      maxSliceMs: encoded.maxSliceMs,
      incremental: encoded.entry.chain !== undefined,
      changedElements: encoded.changedElements,
    };
    // the kept checkpoints and every checkpoint they are deltas on
    removeCheckpointsExcept(this.dir, keep.flatMap((c) => [...(c.chain ?? []).map((l) => l.epoch), c.epoch]));
    // after the commit point: a crash before this is repaired by recovery re-committing the handles
    await this.sinks.commit(sinkRecords);
    // recovery from the fallback needs the records after it; everything wholly below can go
    if (previous !== undefined && !this.closed) this.wal.truncateBefore(previous.lsn + 1);
  }

  private checkpointNotice(): string {
    const c = this.lastCheckpoint;
    if (c === null) return `CHECKPOINT: the log is on disk up to record ${this.manifest.durableLsn} (epoch ${this.manifest.epoch})`;
    const kind = c.incremental ? `incremental: the ${c.changedElements} rows changed since checkpoint ${c.epoch - 1}, ` : '';
    return `CHECKPOINT: epoch ${c.epoch} holds the state up to record ${c.lsn} (${kind}${c.bytes} bytes); recovery replays only the log after it`;
  }

  /** LSN of the last record appended (0 before any). */
  get lastLsn(): number {
    return this.wal.lastLsn;
  }

  /**
   * Bytes of log after the newest checkpoint (framed as on disk, including what open replayed):
   * what the next open would replay.
   */
  get logBytesSinceCheckpoint(): number {
    return this.loggedBytes - this.checkpointedBytes;
  }

  /** Every record up to this LSN is on disk. */
  get durableLsn(): number {
    return this.wal.durableLsn;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.checkpointing?.catch(() => {});
    // sink output becomes visible at checkpoints: do not leave the last epoch's waiting for the next
    // open; and a long log tail would make the next open slow to replay it
    const longTail = this.logBytesSinceCheckpoint > this.closeCheckpointBytes && engineStateOf(this.inner) !== null;
    if (this.failure === null && (this.sinks.pending || longTail)) await this.checkpoint().catch(() => {});
    this.closed = true;
    this.changelog.close();
    this.sinks.close();
    this.inner.close();
    try {
      await this.wal.close();
      if (this.failure === null) {
        this.manifest = { ...this.manifest, durableLsn: this.wal.lastLsn, reason: 'close', writtenAt: new Date().toISOString(), logBytesSinceCheckpoint: this.logBytesSinceCheckpoint };
        writeManifest(this.dir, this.manifest);
      }
    } finally {
      this.lock.release();
    }
  }

  private fingerprint(name: string): number {
    let fp = this.fingerprints.get(name);
    if (fp === undefined) {
      const info = this.inner.relation(name);
      // refused before logging: replay could not check a record for a relation that is not there
      if (info === undefined) throw new CatalogError('UNKNOWN_OBJECT', `relation "${name}" does not exist`);
      fp = schemaFingerprint(info);
      this.fingerprints.set(name, fp);
    }
    return fp;
  }

  private append(record: Uint8Array): number {
    if (record.byteLength > this.wal.maxRecordBytes) {
      throw new LaminarError(
        'INVALID_ARGUMENT',
        `one call's data is ${record.byteLength} bytes once logged; a durable database takes at most ${this.wal.maxRecordBytes} per call (split it: each call is atomic)`,
      );
    }
    try {
      // published at the end of this turn of the event loop (or by the flush that waits for it):
      // a call and the flush right after it reach the writer together, one fdatasync for both
      const lsn = this.wal.appendDeferred(record);
      if (!this.publishQueued) {
        this.publishQueued = true;
        queueMicrotask(this.publishLog);
      }
      this.loggedBytes += frameBytes(record.byteLength);
      this.dirtySinceFlush = true;
      return lsn;
    } catch (error) {
      this.failure = error;
      throw error;
    }
  }

  /** Applies a logged call; if it throws, the log says so, so replay expects the same failure. */
  private applyLogged<T>(lsn: number, apply: () => T): T {
    this.markApplying(lsn);
    try {
      return apply();
    } catch (error) {
      this.append(this.encoder.failed(lsn));
      throw error;
    }
  }

  /**
   * The changes delivered from now on come from record `lsn`. A call made from a subscriber
   * callback is queued by the dataflow and runs after the current delivery, so its LSN takes
   * effect through a queued (empty) step just before it, as it would on replay.
   */
  private markApplying(lsn: number): void {
    const flow = this.flowState?.flow;
    if (flow !== undefined && flow.busy) flow.transaction(() => (this.changelog.currentLsn = lsn));
    else this.changelog.currentLsn = lsn;
  }

  private syncLog(force: boolean): Promise<void> {
    if (this.durability === 'none' && !force) return Promise.resolve();
    const lsn = this.wal.lastLsn;
    return this.wal.waitDurable(lsn).catch((error: unknown) => {
      this.failure ??= error;
      throw error;
    });
  }

  private checkHealthy(): void {
    if (this.failure !== null) {
      const why = this.failure instanceof Error ? this.failure.message : String(this.failure);
      throw new StorageError(
        this.failure instanceof StorageError ? this.failure.code : 'IO_ERROR',
        `the database ${this.dir} cannot log changes any more (${why}); close it and open it again: everything acknowledged by flush() is on disk`,
        { cause: this.failure },
      );
    }
  }
}

/** Default of closeCheckpointBytes: replaying 1 MiB of log takes a few tens of ms. */
const CLOSE_CHECKPOINT_BYTES = 1 << 20;

/** A record's size in a WAL segment: 16-byte frame header, payload padded to 8 bytes. */
function frameBytes(payload: number): number {
  return 16 + ((payload + 7) & ~7);
}

function engineStateOf(inner: EnginePort): EngineState | null {
  const hook = (inner as unknown as { storageState?: () => EngineState }).storageState;
  return typeof hook === 'function' ? hook.call(inner) : null;
}

/** The newest checkpoint that reads back intact; a damaged one falls back to the one before. */
function loadNewestCheckpoint(dir: string, manifest: Manifest, warn: WarningHandler): LoadedCheckpoint | null {
  const list = manifest.checkpoints ?? [];
  for (let i = list.length - 1; i >= 0; i--) {
    const c = list[i]!;
    try {
      return readCheckpointChain(dir, c);
    } catch (error) {
      if (!(error instanceof StorageError) || error.code !== 'CORRUPTION') throw error;
      warn(`laminardb: ${error.message}; ${i > 0 ? `falling back to checkpoint ${list[i - 1]!.epoch}` : 'replaying the whole log'}`);
    }
  }
  return null;
}
