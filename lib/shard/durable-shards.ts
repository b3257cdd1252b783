// Durability of a sharded database (open({ path, threads: N })), seen from the main thread.
//
// Each shard is a durable engine in <path>/shard-<i>/ logging what it receives (its WAL is the
// log of its partition). The main thread owns <path>: the directory lock, the catalog log (every
// DDL statement and placement decision, on disk before the shards see it) and the SHARDS file.
// A checkpoint is a barrier call written into every ring at the same point of the input; each
// shard takes its cut there and checkpoints asynchronously; the cut is committed to SHARDS only
// once every shard has completed it. Recovery starts every shard from the newest committed cut
// that every shard can read (falling back together to the previous one) and each replays its
// WAL after it; shards that missed the last DDL statements of the catalog log get them again.
// Routed calls are numbered here and each shard logs the end of its part of a call, so recovery
// first cuts every shard's log after the last call that is whole on every shard (call-cut.ts):
// one insert call is wholly present or wholly absent after a crash.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LaminarError, StorageError } from '../errors.js';
import { DirectoryLock } from '../storage/lock.js';
import { MANIFEST_FILE } from '../storage/manifest.js';
import { CatalogLog, checkThreads, readShardsFile, shardDir, writeShardsFile, type CatalogEntry, type CommittedCut } from './shard-files.js';
import type { DurableShardCheck } from './protocol.js';
import { computeCallCut, type ShardCallLog } from './call-cut.js';
import type { DurablePoolOptions, ShardPool } from './shard-pool.js';
import type { Placement } from './placement.js';

/** Options of open() that the shards' durable engines read (structured-cloneable). */
const SHARD_SETTINGS = ['durability', 'walSegmentBytes', 'walBackend', 'walGroupDelayUs', 'walFaultInjection'];

/** Options a sharded database cannot honour (each would need state shared by all shards). */
const REFUSED = {
  changelog: 'subscribe({ from }) and the changelog option',
  functions: 'JavaScript functions (the functions option)',
} as const;

export class DurableShards {
  /** every DDL statement and placement decision, in order (replayed into the catalog at open) */
  readonly entries: CatalogEntry[];
  /** the cut the shards were opened from (epoch 0: none) */
  recoveredCut: CommittedCut = { epoch: 0, shards: [] };
  /** set by every logged change; a periodic checkpoint runs only after some */
  dirty = false;
  private cuts: CommittedCut[];
  private nextEpoch: number;
  private running: Promise<CommittedCut> | null = null;
  /** a failed checkpoint stops the database: shards may now hold cuts the others lack */
  private failure: unknown = null;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly warn: (message: string) => void;
  /** the pool's bytesWritten at the last barrier */
  private bytesAtCheckpoint = 0;
  /** the number of the next routed call (call-cut.ts) */
  private nextSeq = 1;
  /** SHARDS' firstSeq: every call since creation is numbered (undefined: an older database) */
  private readonly firstSeq: number | undefined;
  /** SHARDS' dmlCalls: SQL DML statements are numbered calls since creation */
  private readonly dmlCalls: boolean | undefined;

  /** Locks `dir`, checks the thread count and reads the catalog log. */
  static open(dir: string, threads: number, options: Record<string, unknown>): DurableShards {
    for (const [option, what] of Object.entries(REFUSED)) {
      if (options[option] !== undefined) throw new LaminarError('INVALID_ARGUMENT', `open: ${what} is not supported with threads > 1; use threads: 1`);
    }
    const lock = DirectoryLock.acquire(dir);
    try {
      checkThreads(dir, threads);
      return new DurableShards(dir, threads, options, lock);
    } catch (error) {
      lock.release();
      throw error;
    }
  }

  private readonly log: CatalogLog;

  private constructor(
    readonly dir: string,
    readonly threads: number,
    private readonly options: Record<string, unknown>,
    private readonly lock: DirectoryLock,
  ) {
    const onWarning = options.onWarning as ((m: string) => void) | undefined;
    this.warn = typeof onWarning === 'function' ? onWarning : (m) => console.warn(m);
    const shards = readShardsFile(dir);
    this.cuts = shards?.cuts ?? [];
    this.nextEpoch = (this.cuts[this.cuts.length - 1]?.epoch ?? 0) + 1;
    this.firstSeq = shards === null ? 1 : shards.firstSeq;
    this.dmlCalls = shards === null ? true : shards.dmlCalls;
    if (shards === null) {
      for (let i = 0; i < threads; i++) fs.mkdirSync(shardDir(dir, i), { recursive: true });
      writeShardsFile(dir, { format: 1, threads, cuts: [], firstSeq: 1, dmlCalls: true });
    }
    const { log, entries } = CatalogLog.open(dir);
    this.log = log;
    this.entries = entries;
  }

  /** What the pool needs to start durable shards. */
  poolOptions(): DurablePoolOptions {
    const settings: Record<string, unknown> = {};
    for (const k of SHARD_SETTINGS) if (this.options[k] !== undefined) settings[k] = this.options[k];
    // a shard's own checkpoint at close would not be a committed cut: close() takes a common one
    settings.closeCheckpointBytes = Infinity;
    return { dir: this.dir, settings, onWarning: (m, shard) => this.warn(`shard ${shard}: ${m}`) };
  }

  /**
   * Opens every shard's durable engine from the newest committed cut all of them can read, then
   * gives shards that missed the catalog log's last DDL statements those statements again.
   */
  recover(pool: ShardPool): void {
    // every shard wrote its MANIFEST at its first open, before any statement was logged
    if (this.entries.length > 0) {
      for (let i = 0; i < this.threads; i++) {
        if (!fs.existsSync(path.join(shardDir(this.dir, i), MANIFEST_FILE))) {
          throw new StorageError('CORRUPTION', `${shardDir(this.dir, i)} has no MANIFEST but the catalog log holds statements: the shard's directory was deleted or damaged; refusing to start it empty`);
        }
      }
    }
    const candidates: CommittedCut[] = [...this.cuts].reverse();
    // no cut was ever committed: every shard still has its whole log
    if (candidates.length === 0) candidates.push({ epoch: 0, shards: new Array<number>(this.threads).fill(0) });
    let chosen: CommittedCut | undefined;
    for (const cut of candidates) {
      const checks = pool.call((i) => ({ op: 'verify', local: cut.shards[i]! })) as DurableShardCheck[];
      const bad = checks.flatMap((c, i) => (c.ok ? [] : [`shard ${i}: ${c.message}`]));
      if (bad.length === 0) {
        chosen = cut;
        break;
      }
      this.warn(`laminardb: checkpoint ${cut.epoch} of ${this.dir} cannot be used (${bad.join('; ')}); falling back to the previous checkpoint common to all shards`);
    }
    if (chosen === undefined) {
      throw new StorageError('CORRUPTION', `${this.dir}: no checkpoint is intact on every shard (tried ${candidates.map((c) => c.epoch).join(', ')}); the database cannot be recovered consistently`);
    }
    this.recoveredCut = chosen;
    const truncateAt = this.cutCalls(pool, chosen);
    const counts = pool.call((i) => ({ op: 'open', local: chosen!.shards[i]!, truncateAt: truncateAt[i]! })) as number[];
    if (chosen !== candidates[0]) {
      // the shards dropped the newer cuts' checkpoints: the fallback of the next cut is this one
      this.cuts = this.cuts.filter((c) => c.epoch <= chosen!.epoch);
      writeShardsFile(this.dir, { format: 1, threads: this.threads, cuts: this.cuts, firstSeq: this.firstSeq, dmlCalls: this.dmlCalls });
    }
    const ddl = this.entries.filter((e): e is Extract<CatalogEntry, { ddl: string }> => 'ddl' in e);
    counts.forEach((count, shard) => {
      if (count > ddl.length) {
        throw new StorageError('CORRUPTION', `${this.dir}: shard ${shard} holds ${count} DDL statements but the catalog log only ${ddl.length}: the catalog log lost records`);
      }
      // the shard crashed before logging them; they were next in its input, so they go last
      for (const missing of ddl.slice(count)) {
        try {
          pool.call({ op: 'execute', sql: missing.ddl, params: missing.params }, [shard]);
        } catch (error) {
          this.warn(`laminardb: shard ${shard}: re-applying "${missing.ddl}" after recovery failed: ${(error as Error).message}`);
        }
      }
    });
  }

  /**
   * Which records of each shard's log recovery drops: those from the first call after the last
   * call that is whole on every shard (call-cut.ts). Sets the next call's number. Per shard, the
   * LSN to cut at (0: none).
   */
  private cutCalls(pool: ShardPool, from: CommittedCut): number[] {
    const none = new Array<number>(this.threads).fill(0);
    const first = from.epoch > 0 ? from.seq : this.firstSeq;
    // a database (or cut) from before calls were numbered: each shard keeps its whole log
    if (first === undefined) return none;
    const logs = pool.call((i) => ({ op: 'scan', local: from.shards[i]!, dmlCalls: this.dmlCalls === true })) as ShardCallLog[];
    const cut = computeCallCut(first, logs);
    this.nextSeq = cut.last + 1;
    if (cut.incomplete !== undefined) {
      const { seq, reached, marked } = cut.incomplete;
      const why = reached === 0 ? 'no shard finished logging its part' : `${marked} of the ${reached} shards it reached logged their part`;
      const shards = cut.truncateAt.flatMap((lsn, i) => (lsn > 0 ? [i] : []));
      this.warn(
        `laminardb: ${this.dir} was not closed cleanly: routed call ${seq} (an insert, a watermark or an SQL DML statement) is not whole on disk (${why}); it and every later call (${cut.dropped} with a part on disk) were never acknowledged and are dropped from shard${shards.length === 1 ? '' : 's'} ${shards.join(', ')}, so that every insert call is wholly present or wholly absent`,
      );
    }
    return cut.truncateAt;
  }

  /** The number of the next routed call; its parts' ends go to the rings it reached (call-cut.ts). */
  beginCall(): number {
    return this.nextSeq++;
  }

  /** A call numbered by beginCall() that reached no shard (it failed first) gives its number back. */
  abandonCall(seq: number): void {
    if (seq === this.nextSeq - 1) this.nextSeq = seq;
  }

  /** The shards' `durability` setting ('group' unless open() said otherwise). */
  get durability(): string {
    return (this.options.durability as string | undefined) ?? 'group';
  }

  /** Starts periodic checkpoints (every `checkpointIntervalMs`, default 10 s; 0 = only CHECKPOINT). */
  startTimer(pool: ShardPool): void {
    const every = (this.options.checkpointIntervalMs as number | undefined) ?? 10_000;
    if (every <= 0) return;
    this.timer = setInterval(() => {
      if (!this.dirty || this.running !== null || this.failure !== null || this.closed) return;
      this.checkpoint(pool).catch((error: unknown) => this.warn(`laminardb: periodic checkpoint of ${this.dir} failed: ${(error as Error).message}`));
    }, every);
    this.timer.unref();
  }

  logDdl(sql: string, params: readonly unknown[]): void {
    this.checkHealthy();
    this.log.append({ ddl: sql, params });
    this.dirty = true;
  }

  logForce(relation: string, placement: Placement): void {
    this.checkHealthy();
    this.log.append({ force: relation, placement });
  }

  /**
   * A checkpoint across shards: the barrier goes into every ring after every earlier row; the
   * cut is committed (SHARDS) once every shard has durably completed its part.
   */
  checkpoint(pool: ShardPool): Promise<CommittedCut> {
    // the barrier enters the rings now (synchronously) unless a checkpoint is still running:
    // then it follows that one, at a later point of the input but the same for every shard
    const run = this.running === null ? this.runCheckpoint(pool) : this.running.catch(() => undefined).then(() => this.runCheckpoint(pool));
    const tracked = run.finally(() => {
      if (this.running === tracked) this.running = null;
    });
    tracked.catch(() => {});
    this.running = tracked;
    return run;
  }

  private async runCheckpoint(pool: ShardPool): Promise<CommittedCut> {
    this.checkHealthy();
    const epoch = this.nextEpoch++;
    this.dirty = false;
    this.bytesAtCheckpoint = pool.bytesWritten;
    // the barrier enters the rings in this synchronous part: calls before it are whole in the cut
    const seq = this.nextSeq;
    try {
      const shards = (await pool.callAsync({ op: 'checkpoint' })) as number[];
      const cut: CommittedCut = { epoch, shards, seq };
      this.cuts = [...this.cuts.slice(-1), cut];
      writeShardsFile(this.dir, { format: 1, threads: this.threads, cuts: this.cuts, firstSeq: this.firstSeq, dmlCalls: this.dmlCalls });
      return cut;
    } catch (error) {
      this.failure ??= error;
      throw error;
    }
  }

  /** The committed cuts, oldest first (introspection and tests). */
  committedCuts(): readonly CommittedCut[] {
    return this.cuts;
  }

  checkHealthy(): void {
    if (this.failure === null) return;
    const why = this.failure instanceof Error ? this.failure.message : String(this.failure);
    throw new StorageError(
      this.failure instanceof StorageError ? this.failure.code : 'IO_ERROR',
      `the database ${this.dir} stopped after a checkpoint failed on a shard (${why}); close it and open it again: everything acknowledged by flush() is on disk`,
      { cause: this.failure },
    );
  }

  /**
   * Waits for a running checkpoint, then takes a last one when more than `closeCheckpointBytes`
   * (default 1 MiB; 0: whenever anything was written; Infinity: never) went to the shards since
   * the newest, so the next open replays little. The caller then closes the pool.
   */
  async quiesce(pool: ShardPool): Promise<void> {
    this.closed = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.running?.catch(() => {});
    const limit = (this.options.closeCheckpointBytes as number | undefined) ?? 1 << 20;
    const written = pool.bytesWritten - this.bytesAtCheckpoint;
    if (this.failure === null && this.dirty && written > limit) {
      await this.checkpoint(pool).catch((error: unknown) => this.warn(`laminardb: the checkpoint at close of ${this.dir} failed: ${(error as Error).message}`));
    }
  }

  /** After the pool closed: the catalog log and the directory lock. */
  release(): void {
    this.log.close();
    this.lock.release();
  }
}
