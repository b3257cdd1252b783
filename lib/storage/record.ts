// Logical WAL records: one record per mutating call, in apply order (LSN order = apply order).
// An insert call is one record, so after a crash it is wholly present or wholly absent.
//
//   u8 kind, then per kind:
//   INSERT_COLUMNS  str relation, u32 schema fingerprint, u32 rows, u32 columns, columns…
//   INSERT_ROWS     str relation, u32 schema fingerprint, str JSON of tagged rows
//   EXECUTE         str sql, str JSON of tagged params
//   WATERMARK       str source, f64 event time (ms)
//   FLUSH           (nothing): the end of a propagation step the caller asked for
//   FAILED          f64 lsn: the call logged at that LSN threw when applied (replay expects it to)
//   TAG             bytes: opaque to the engine (replay skips it); a layer above logs it between
//                   calls, e.g. the sharded engine's end-of-call marks (lib/shard/shard-log.ts)
//
// Records are appended before the call is applied (so LSN order is apply order even when a
// subscriber's callback inserts from inside a step); a call that then throws is followed by FAILED.
import { StorageError } from '../errors.js';
import type { Column } from '../exec/batch.js';
import type { Row } from '../types/value.js';
import { readColumn, writeColumn } from './column-codec.js';
import { RecordReader, RecordWriter } from './record-buffer.js';
import { decodeValue, encodeValue, type Encoded } from './value-codec.js';

export enum RecordKind {
  InsertColumns = 1,
  InsertRows = 2,
  Execute = 3,
  Watermark = 4,
  Flush = 5,
  Failed = 6,
  Tag = 7,
}

export type LogRecord =
  | { kind: RecordKind.InsertColumns; relation: string; schema: number; columns: Column[]; length: number }
  | { kind: RecordKind.InsertRows; relation: string; schema: number; rows: Row[] }
  | { kind: RecordKind.Execute; sql: string; params: unknown[] }
  | { kind: RecordKind.Watermark; source: string; eventTimeMs: number }
  | { kind: RecordKind.Flush }
  | { kind: RecordKind.Failed; lsn: number }
  | { kind: RecordKind.Tag; payload: Uint8Array };

/** Encodes records into one reused scratch buffer; each result is valid until the next call. */
export class RecordEncoder {
  private readonly w = new RecordWriter();

  insertColumns(relation: string, schema: number, columns: Column[], length: number): Uint8Array {
    const w = this.start(RecordKind.InsertColumns);
    w.str(relation);
    w.u32(schema);
    w.u32(length);
    w.u32(columns.length);
    for (const col of columns) writeColumn(w, col, length);
    return w.bytes();
  }

  insertRows(relation: string, schema: number, rows: readonly Row[]): Uint8Array {
    const w = this.start(RecordKind.InsertRows);
    w.str(relation);
    w.u32(schema);
    w.str(JSON.stringify(rows.map((r) => r.map(encodeValue))));
    return w.bytes();
  }

  execute(sql: string, params: readonly unknown[]): Uint8Array {
    const w = this.start(RecordKind.Execute);
    w.str(sql);
    w.str(JSON.stringify(params.map(encodeValue)));
    return w.bytes();
  }

  watermark(source: string, eventTimeMs: number): Uint8Array {
    const w = this.start(RecordKind.Watermark);
    w.str(source);
    w.f64(eventTimeMs);
    return w.bytes();
  }

  flush(): Uint8Array {
    return this.start(RecordKind.Flush).bytes();
  }

  failed(lsn: number): Uint8Array {
    const w = this.start(RecordKind.Failed);
    w.f64(lsn);
    return w.bytes();
  }

  tag(payload: Uint8Array): Uint8Array {
    const w = this.start(RecordKind.Tag);
    // byte by byte: tags are a few bytes, and raw() would wrap each one in a new view
    w.ensure(payload.length);
    for (let i = 0; i < payload.length; i++) w.u8(payload[i]!);
    return w.bytes();
  }

  private start(kind: RecordKind): RecordWriter {
    this.w.reset();
    this.w.u8(kind);
    return this.w;
  }
}

function parseJsonArray(text: string, what: string): Encoded[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new StorageError('CORRUPTION', `write-ahead log record has unreadable ${what}: ${(error as Error).message}`);
  }
  if (!Array.isArray(parsed)) throw new StorageError('CORRUPTION', `write-ahead log record has malformed ${what}`);
  return parsed as Encoded[];
}

/** Decodes one record; StorageError CORRUPTION if the bytes do not form a whole record. */
export function decodeRecord(data: Uint8Array): LogRecord {
  const r = new RecordReader(data);
  const kind = r.u8();
  let rec: LogRecord;
  switch (kind) {
    case RecordKind.InsertColumns: {
      const relation = r.str();
      const schema = r.u32();
      const length = r.u32();
      const width = r.u32();
      const columns: Column[] = [];
      for (let c = 0; c < width; c++) columns.push(readColumn(r, length));
      rec = { kind, relation, schema, columns, length };
      break;
    }
    case RecordKind.InsertRows: {
      const relation = r.str();
      const schema = r.u32();
      const rows = parseJsonArray(r.str(), 'rows').map((row) => {
        if (!Array.isArray(row)) throw new StorageError('CORRUPTION', 'write-ahead log record has a malformed row');
        return row.map((v) => decodeValue(v)) as Row;
      });
      rec = { kind, relation, schema, rows };
      break;
    }
    case RecordKind.Execute: {
      const sql = r.str();
      const params = parseJsonArray(r.str(), 'parameters').map(decodeValue);
      rec = { kind, sql, params };
      break;
    }
    case RecordKind.Watermark:
      rec = { kind, source: r.str(), eventTimeMs: r.f64() };
      break;
    case RecordKind.Flush:
      rec = { kind };
      break;
    case RecordKind.Failed:
      rec = { kind, lsn: r.f64() };
      break;
    case RecordKind.Tag:
      rec = { kind, payload: new Uint8Array(r.copy(data.byteLength - 1)) };
      break;
    default:
      throw new StorageError('CORRUPTION', `write-ahead log record has unknown kind ${kind}`);
  }
  if (!r.done) throw new StorageError('CORRUPTION', `write-ahead log record of kind ${kind} has trailing bytes`);
  return rec;
}
