// Runs the sinks of a database (CREATE SINK … WITH (connector = 'file', …)) through the epoch
// protocol. The durable engine drives it: reconcile() after DDL (live, replay and checkpoint
// restore), cut() at a checkpoint's cut, preCommit() before the MANIFEST rename, commit() after.
// Sink epochs are the driver's own counter (a failed checkpoint does not reuse one), the MANIFEST
// keys each sink's handle by the checkpoint that committed it.
import * as path from 'node:path';
import { SqlTypeError, StorageError } from '../../errors.js';
import type { ChangeListener, EngineChange, EngineSubscription, RelationInfo } from '../../engine/types.js';
import { makeRowDecoder } from '../../api/values.js';
import { parse } from '../../sql/parser.js';
import type { CreateSink, Statement } from '../../sql/ast.js';
import type { ExactlyOnceSink, SinkCommitRecord } from '../../storage/sink-protocol.js';
import { FileSink } from './file-sink.js';

export interface SinkHost {
  relation(name: string): RelationInfo | undefined;
  relations(): RelationInfo[];
  subscribe(name: string, listener: ChangeListener, opts: { snapshot: boolean }): EngineSubscription;
  /** LSN of the record being applied */
  currentLsn(): number;
  /** relative sink paths resolve against this directory (the database's) */
  baseDir: string;
  bigint: boolean;
  /** told about a sink in the catalog that cannot start */
  warn?: (message: string) => void;
}

interface Attached {
  sql: string;
  sink: ExactlyOnceSink & { readonly pending: boolean; discard(): void };
  sub: EngineSubscription;
  /** changes of records up to this LSN are already in the sink's committed output */
  skipUpToLsn: number;
  /** a write that failed (disk full …): no later epoch of this process may commit */
  failure: unknown;
}

/** The options of a `file` sink, checked. null when the statement is not a file sink. */
export function fileSinkSpec(st: CreateSink, baseDir: string): { path: string; from: string } | null {
  const o = st.options;
  const connector = o.connector;
  if (connector === undefined || String(connector).toLowerCase() !== 'file') return null;
  const target = o.path;
  if (typeof target !== 'string' || target.length === 0) {
    throw new SqlTypeError('INVALID_ARGUMENT', `sink "${st.name}": connector 'file' needs path = '<file>'`, st.pos);
  }
  const format = o.format ?? 'jsonl';
  if (typeof format !== 'string' || format.toLowerCase() !== 'jsonl') {
    throw new SqlTypeError('INVALID_ARGUMENT', `sink "${st.name}": format ${JSON.stringify(format)} is not supported by connector 'file' (only 'jsonl')`, st.pos);
  }
  for (const key of Object.keys(o)) {
    if (key !== 'connector' && key !== 'path' && key !== 'format') {
      throw new SqlTypeError('INVALID_ARGUMENT', `sink "${st.name}": unknown option "${key}" for connector 'file' (path, format)`, st.pos);
    }
  }
  if (st.from === undefined) {
    throw new SqlTypeError('INVALID_ARGUMENT', `sink "${st.name}": connector 'file' writes a relation's changes: use CREATE SINK ${st.name} FROM <view> WITH (…)`, st.pos);
  }
  return { path: path.resolve(baseDir, target), from: st.from };
}

/** Checks every file sink of a statement list before it is logged (bad options never reach the log). */
export function checkSinkStatements(statements: readonly Statement[], baseDir: string): void {
  for (const st of statements) if (st.kind === 'create-sink') fileSinkSpec(st, baseDir);
}

export class SinkDriver {
  private readonly sinks = new Map<string, Attached>();
  private readonly committed: Map<string, SinkCommitRecord>;
  private readonly refused = new Set<string>();
  private epoch: number;

  constructor(
    private readonly host: SinkHost,
    committed: readonly SinkCommitRecord[],
    firstEpoch: number,
  ) {
    this.committed = new Map(committed.map((r) => [r.sink, r]));
    this.epoch = firstEpoch;
  }

  /**
   * After DDL: start new file sinks (recovering their committed output first), stop dropped
   * ones. `snapshot`: a sink created now starts with its relation's current rows (false while a
   * checkpoint is restored: the restored rows are in its committed output already).
   */
  reconcile(snapshot: boolean): void {
    const present = new Map<string, { info: RelationInfo; st: CreateSink }>();
    for (const info of this.host.relations()) {
      if (info.kind !== 'sink') continue;
      const st = parse(info.sql).find((s): s is CreateSink => s.kind === 'create-sink');
      if (st === undefined) continue;
      try {
        if (fileSinkSpec(st, this.host.baseDir) !== null) present.set(info.name, { info, st });
      } catch (error) {
        // logged by a version that did not check file sink options: it never wrote anything
        if (!this.refused.has(info.sql)) this.host.warn?.(`laminardb: sink "${info.name}" is not started: ${(error as Error).message}`);
        this.refused.add(info.sql);
      }
    }
    for (const [name, a] of this.sinks) {
      const now = present.get(name);
      if (now === undefined || now.info.sql !== a.sql) {
        a.sub.close();
        a.sink.discard();
        this.sinks.delete(name);
      }
    }
    for (const [name, { info, st }] of present) {
      if (this.sinks.has(name)) continue;
      const spec = fileSinkSpec(st, this.host.baseDir)!;
      const from = this.host.relation(spec.from);
      if (from === undefined) continue; // the catalog refuses this; nothing to write meanwhile
      const decode = makeRowDecoder(from.columns, this.host.bigint);
      const sink = new FileSink(name, spec.path, (c) => formatChange(c, decode));
      const record = this.committed.get(name);
      this.committed.delete(name); // a later sink of the same name starts afresh
      try {
        sink.recover(record);
      } catch (error) {
        // the file was shortened, replaced or deleted outside the database: say so, start over on it
        if (!(error instanceof StorageError) || error.code !== 'CORRUPTION') throw error;
        this.host.warn?.(`laminardb: ${error.message}; sink "${name}" appends from the file's current end`);
        sink.recover(undefined);
      }
      const a: Attached = { sql: info.sql, sink, sub: { close() {} }, skipUpToLsn: record?.lsn ?? 0, failure: undefined };
      a.sub = this.host.subscribe(spec.from, (changes) => this.deliver(a, changes), { snapshot });
      this.sinks.set(name, a);
    }
  }

  private deliver(a: Attached, changes: EngineChange[]): void {
    // after a fallback to an older checkpoint, replay recomputes changes already committed
    if (this.host.currentLsn() <= a.skipUpToLsn || a.failure !== undefined) return;
    try {
      void a.sink.write(this.epoch, changes);
    } catch (error) {
      // never fail the insert: it is logged, and replay (where the write may succeed) must agree.
      // Checkpoints fail from now on, so the log keeps everything and the next open re-writes it.
      a.failure = error;
      this.host.warn?.(`laminardb: sink "${a.sink.name}" stopped: ${(error as Error).message}; checkpoints fail until the database is reopened`);
    }
  }

  /** At a checkpoint's cut: later changes belong to the next epoch. Returns the sealed epoch. */
  cut(): number {
    return this.epoch++;
  }

  /** Stages every sink's output up to `sealed` durably; the records go into the MANIFEST. */
  async preCommit(sealed: number, checkpointEpoch: number, lsn: number): Promise<SinkCommitRecord[]> {
    const out: SinkCommitRecord[] = [];
    for (const [name, a] of this.sinks) {
      if (a.failure !== undefined) throw a.failure;
      const handle = (await a.sink.preCommit(sealed)) ?? null;
      out.push({ sink: name, epoch: checkpointEpoch, lsn, handle });
    }
    return out;
  }

  /** The MANIFEST holding `records` is durable: make their output visible. */
  async commit(records: readonly SinkCommitRecord[]): Promise<void> {
    for (const r of records) {
      const a = this.sinks.get(r.sink);
      if (a !== undefined) await a.sink.commit(r.epoch, r.handle);
    }
  }

  /** true when some sink holds output that a checkpoint has not committed yet */
  get pending(): boolean {
    for (const a of this.sinks.values()) if (a.sink.pending) return true;
    return false;
  }

  get size(): number {
    return this.sinks.size;
  }

  close(): void {
    for (const a of this.sinks.values()) {
      a.sub.close();
      a.sink.close();
    }
    this.sinks.clear();
  }
}

/** One JSON line: {"op", "row", "old"?}; bigints that fit a double are numbers, others strings. */
export function formatChange(c: EngineChange, decode: (row: EngineChange['row']) => Record<string, unknown>): string {
  const out: Record<string, unknown> = { op: c.op, row: decode(c.row) };
  if (c.old !== undefined) out.old = decode(c.old);
  return JSON.stringify(out, jsonValue);
}

function jsonValue(this: Record<string, unknown>, key: string, v: unknown): unknown {
  if (typeof v === 'bigint') return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v.toString();
  // a Buffer's toJSON ran already: look at the value itself
  const raw = this[key];
  if (raw instanceof Uint8Array) return Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64');
  return v;
}
