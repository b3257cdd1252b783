// Recovery: replays the logical WAL into a fresh engine. Every record is applied exactly as the
// original call was; a call that threw originally is followed by a FAILED record and must throw
// again. A record that fails on replay without one means the history cannot be reproduced
// (StorageError RECOVERY_FAILED) — except at the very end of the log, where the crash came
// between the call's record and its FAILED marker.
import * as fs from 'node:fs';
import { LaminarError, StorageError } from '../errors.js';
import type { EnginePort } from '../api/engine-port.js';
import { WalReader, type WalReplayStop } from '../native/wal.js';
import { decodeRecord, RecordEncoder, RecordKind, type LogRecord } from './record.js';
import { committedText } from '../engine/atomic-execute.js';
import { schemaFingerprint } from './schema-fingerprint.js';
import { changesCatalog, type CatalogCall } from './checkpoint.js';
import { parse } from '../sql/parser.js';

export interface ReplayResult {
  /** LSN of the last record replayed (0 for an empty log) */
  lastLsn: number;
  records: number;
  /** LSN of a last call that failed on replay with no FAILED marker (the crash came between them) */
  unmarkedFailure: number | null;
  stop: WalReplayStop | null;
  elapsedMs: number;
  /** time spent reading the checkpoint chain (set by the durable engine; 0 without a checkpoint) */
  checkpointReadMs?: number;
  /** time spent rebuilding the catalog and restoring operator state from it (likewise) */
  checkpointRestoreMs?: number;
  /** the replayed calls that changed the catalog, in order (appended to a checkpoint's) */
  catalogCalls: CatalogCall[];
}

export type WarningHandler = (message: string) => void;

/** Told which record replay applies (change positions, sinks); `executed` follows every EXECUTE record. */
export interface ReplayObserver {
  applying(lsn: number): void;
  executed(lsn: number): void;
}

/** Replays the records from `fromLsn` on (after a checkpoint at fromLsn - 1, or the whole log). */
export function replayLog(walDir: string, engine: EnginePort, warn: WarningHandler, fromLsn = 1, observer?: ReplayObserver): ReplayResult {
  const started = performance.now();
  const catalogCalls: CatalogCall[] = [];
  if (!fs.existsSync(walDir)) return { lastLsn: fromLsn - 1, records: 0, unmarkedFailure: null, stop: null, elapsedMs: 0, catalogCalls };
  const reader = WalReader.open(walDir, fromLsn);
  let lastLsn = fromLsn - 1;
  let lastCatalogCall: { lsn: number; call: CatalogCall } | null = null;
  let records = 0;
  let pending: { lsn: number; error: unknown } | null = null;
  // relation → schema fingerprint, valid until the next EXECUTE record (only DDL changes a schema)
  const fingerprints = new Map<string, number>();
  try {
    for (const { lsn, data } of reader.records()) {
      let rec: LogRecord;
      try {
        rec = decodeRecord(data);
      } catch (error) {
        throw new StorageError('CORRUPTION', `${walDir}: record ${lsn} cannot be decoded (its checksum matched, so the log was written by an incompatible version or damaged in memory): ${(error as Error).message}`, { cause: error });
      }
      if (rec.kind === RecordKind.Tag) {
        // opaque to the engine: nothing to apply
      } else if (rec.kind === RecordKind.Failed) {
        if (pending === null || pending.lsn !== rec.lsn) {
          throw new StorageError('RECOVERY_FAILED', `${walDir}: record ${lsn} says call ${rec.lsn} failed, but it succeeded on replay; the log does not match this engine`);
        }
        if (lastCatalogCall !== null && lastCatalogCall.lsn === rec.lsn) markFailed(lastCatalogCall.call, pending.error);
        pending = null;
      } else {
        if (rec.kind === RecordKind.Execute && changesCatalog(parse(rec.sql).map((st) => st.kind))) {
          lastCatalogCall = { lsn, call: { record: new Uint8Array(data), failed: false } };
          catalogCalls.push(lastCatalogCall.call);
        }
        if (pending !== null) throw replayFailed(walDir, pending.lsn, pending.error);
        observer?.applying(lsn);
        try {
          if (rec.kind === RecordKind.Execute) fingerprints.clear();
          apply(engine, rec, fingerprints);
        } catch (error) {
          if (error instanceof StorageError) throw error;
          pending = { lsn, error };
        } finally {
          if (rec.kind === RecordKind.Execute) observer?.executed(lsn);
        }
      }
      lastLsn = lsn;
      records++;
    }
  } finally {
    reader.close();
  }
  if (pending !== null) {
    if (lastCatalogCall !== null && lastCatalogCall.lsn === pending.lsn) markFailed(lastCatalogCall.call, pending.error);
    warn(`laminardb: the last logged call (record ${pending.lsn}) failed on replay and was not acknowledged; it is marked failed and ignored: ${(pending.error as Error).message}`);
  }
  const stop = reader.stop;
  if (stop !== null && stop.kind === 'corrupt') {
    throw new StorageError('CORRUPTION', `${walDir}: the write-ahead log is damaged at ${stop.segment} offset ${stop.offset} (record ${stop.lsn}): ${stop.reason}; records after it cannot be trusted, so the database is not opened`);
  }
  if (stop !== null && stop.kind === 'torn-tail') {
    warn(`laminardb: the write-ahead log ends with a partly written record at ${stop.segment} offset ${stop.offset} (record ${stop.lsn}), left by a crash; it was never acknowledged and is discarded (${stop.reason})`);
  }
  return { lastLsn, records, unmarkedFailure: pending?.lsn ?? null, stop, elapsedMs: performance.now() - started, catalogCalls };
}

function replayFailed(walDir: string, lsn: number, error: unknown): StorageError {
  const why = error instanceof LaminarError ? `${error.code}: ${error.message}` : String(error);
  return new StorageError(
    'RECOVERY_FAILED',
    `${walDir}: record ${lsn} succeeded when it was logged but fails on replay (${why}); if it calls a JavaScript function, pass it to open() in the functions option`,
    { cause: error },
  );
}

function apply(engine: EnginePort, rec: LogRecord, fingerprints: Map<string, number>): void {
  switch (rec.kind) {
    case RecordKind.InsertColumns:
      checkSchema(engine, rec.relation, rec.schema, fingerprints);
      engine.insertColumns(rec.relation, rec.columns, rec.length);
      return;
    case RecordKind.InsertRows:
      checkSchema(engine, rec.relation, rec.schema, fingerprints);
      engine.insertRows(rec.relation, rec.rows);
      return;
    case RecordKind.Execute: {
      const out = engine.execute(rec.sql, rec.params);
      if (out instanceof Promise) throw new StorageError('RECOVERY_FAILED', 'replay needs a synchronous engine');
      return;
    }
    case RecordKind.Watermark:
      engine.advanceWatermark(rec.source, rec.eventTimeMs);
      return;
    case RecordKind.Flush:
      void engine.flush();
      return;
    case RecordKind.Failed:
    case RecordKind.Tag:
      return;
  }
}

function checkSchema(engine: EnginePort, relation: string, fingerprint: number, fingerprints: Map<string, number>): void {
  let current = fingerprints.get(relation);
  if (current === undefined) {
    const info = engine.relation(relation);
    if (info === undefined) {
      throw new StorageError('CORRUPTION', `the write-ahead log inserts into "${relation}", which does not exist at that point of the history`);
    }
    current = schemaFingerprint(info);
    fingerprints.set(relation, current);
  }
  if (current !== fingerprint) {
    throw new StorageError('CORRUPTION', `the write-ahead log inserts rows of another version of "${relation}"'s schema; refusing to apply them to the current one`);
  }
}

/** A catalog call that failed keeps only the statements that stayed applied (lib/engine/atomic-execute.ts). */
function markFailed(call: CatalogCall, error: unknown): void {
  call.failed = true;
  const rec = decodeRecord(call.record);
  if (rec.kind !== RecordKind.Execute) return;
  const kept = committedText(rec.sql, error);
  if (kept !== undefined) call.record = new Uint8Array(new RecordEncoder().execute(kept, rec.params));
}
