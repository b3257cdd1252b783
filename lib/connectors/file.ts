// The `file` source connector: reads a JSON-lines or CSV file once, from its start to its end,
// in batches. JSON rows go through the same validation as db.insert (objects keyed by column);
// CSV fields are text cast to each column's type as SQL's CAST does. The file is read in 1 MiB
// blocks, so a large file never sits in memory whole.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { SchemaError } from '../errors.js';
import { T, type Field } from '../types/datatype.js';
import { makeCast, type CastFn } from '../types/cast.js';
import type { OptionReader } from './options.js';

export interface FilePlan {
  /** absolute path (a relative one is resolved against the working directory at CREATE) */
  path: string;
  format: 'json' | 'csv';
  header: boolean;
  delimiter: string;
  batchSize: number;
  rowsPerSecond: number | undefined;
  columns: readonly Field[];
}

/** `checkFile`: the file must exist now and its CSV header fit (not while a log is replayed: the
 *  file may have gone since, which must not stop the database from opening). */
export function planFile(o: OptionReader, columns: readonly Field[], checkFile = true): FilePlan {
  o.string('connector');
  const file = o.string(['path', 'file.path']);
  if (file === undefined) throw o.error('connector', "connector 'file' needs option path = '<file>'");
  const absolute = path.resolve(file);
  if (checkFile) {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(absolute);
    } catch {
      throw o.error('path', `option 'path': no file ${absolute}`);
    }
    if (!stat.isFile()) throw o.error('path', `option 'path': ${absolute} is not a file`);
  }
  // `format = 'csv'`, or RisingWave's FORMAT PLAIN ENCODE CSV (kept as format / encode), or the extension
  const format = o.choice('format', ['json', 'csv', 'plain'] as const);
  const encode = o.choice('encode', ['json', 'csv'] as const);
  let chosen: 'json' | 'csv' | undefined = format === 'plain' ? encode : format;
  if (format !== 'plain' && format !== undefined && encode !== undefined) throw o.error('encode', "give the format once: format = 'json' | 'csv', or FORMAT PLAIN ENCODE JSON | CSV");
  chosen ??= /\.csv$/i.test(absolute) ? 'csv' : /\.(jsonl|ndjson|json)$/i.test(absolute) ? 'json' : undefined;
  if (chosen === undefined) throw o.error('path', "cannot tell the file's format from its name: give format = 'json' or 'csv'");
  const header = readBoolean(o, 'csv.header') ?? true;
  const delimiter = o.string('csv.delimiter') ?? ',';
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n') throw o.error('csv.delimiter', "option 'csv.delimiter' must be one character (not a quote or newline)");
  if (chosen === 'json' && (o.has('csv.header') || o.has('csv.delimiter'))) throw o.error(o.has('csv.header') ? 'csv.header' : 'csv.delimiter', 'csv options do not apply to a JSON file');
  const batchSize = o.number('batch_size', { min: 1, max: 1_000_000, integer: true }) ?? 1024;
  const rowsPerSecond = o.number('rows_per_second', { min: 0, exclusiveMin: true });
  o.rejectUnused("connector 'file'");
  for (const c of columns) {
    if (chosen === 'csv' && !['boolean', 'smallint', 'int', 'bigint', 'real', 'double', 'decimal', 'varchar', 'timestamp', 'timestamptz', 'date', 'interval', 'jsonb'].includes(c.type.id)) {
      throw o.error('connector', `connector 'file' cannot read CSV text into column "${c.name}" of type ${c.type.id.toUpperCase()}`);
    }
  }
  const plan: FilePlan = { path: absolute, format: chosen, header, delimiter, batchSize, rowsPerSecond, columns };
  if (chosen === 'csv' && header && checkFile) {
    // the header is checked now: a column the source does not have is an error at CREATE
    const line = firstLine(absolute);
    if (line !== undefined) csvLayout(plan, splitCsv(line, delimiter, 1), (message) => o.error('path', message));
  }
  return plan;
}

function readBoolean(o: OptionReader, key: string): boolean | undefined {
  const raw = o.raw(key);
  if (raw === undefined) return undefined;
  if (typeof raw.value === 'boolean') return raw.value;
  const s = String(raw.value).toLowerCase();
  if (s === 'true' || s === 'false') return s === 'true';
  throw o.error(key, `option '${key}' must be true or false, got ${JSON.stringify(raw.value)}`);
}

const BLOCK = 1 << 20;

/** Reads one file's lines incrementally; `lineNo` is the 1-based number of the last line returned. */
class LineReader {
  readonly #fd: number;
  readonly #buffer = Buffer.allocUnsafe(BLOCK);
  #pending = '';
  #lines: string[] = [];
  #next = 0;
  #eof = false;
  lineNo = 0;

  constructor(file: string) {
    this.#fd = fs.openSync(file, 'r');
  }

  /** the next line, or undefined at the end of the file */
  next(): string | undefined {
    while (this.#next >= this.#lines.length) {
      if (this.#eof) return undefined;
      const n = fs.readSync(this.#fd, this.#buffer, 0, BLOCK, null);
      if (n === 0) {
        this.#eof = true;
        this.#lines = this.#pending === '' ? [] : [this.#pending];
        this.#pending = '';
      } else {
        // a multi-byte character cut by the block boundary stays in `pending` as bytes would not: decode whole lines only
        const text = this.#pending + this.#buffer.toString('latin1', 0, n);
        const parts = text.split('\n');
        this.#pending = parts.pop()!;
        this.#lines = parts;
      }
      this.#next = 0;
    }
    this.lineNo++;
    const raw = this.#lines[this.#next++]!;
    const line = Buffer.from(raw, 'latin1').toString('utf8');
    return line.endsWith('\r') ? line.slice(0, -1) : line;
  }

  close(): void {
    fs.closeSync(this.#fd);
  }
}

function firstLine(file: string): string | undefined {
  const r = new LineReader(file);
  try {
    return r.next();
  } finally {
    r.close();
  }
}

/** What one batch read from the file holds. */
export type FileBatch = { kind: 'rows'; rows: Record<string, unknown>[]; lines: number[] } | { kind: 'columns'; columns: unknown[][]; length: number };

/** Reads a file's data rows in batches, skipping the first `skip` (a resumed source). */
export class FileFeed {
  readonly #plan: FilePlan;
  readonly #reader: LineReader;
  readonly #source: string;
  /** CSV: for each column, the field index it comes from (-1: absent, NULL) */
  #layout: number[] | undefined;
  readonly #casts: CastFn[];
  done = false;

  constructor(plan: FilePlan, source: string, skip: number) {
    this.#plan = plan;
    this.#source = source;
    try {
      this.#reader = new LineReader(plan.path);
    } catch (e) {
      const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message;
      throw new SchemaError('INVALID_ROW', `cannot read ${plan.path}: ${why}`);
    }
    this.#casts = plan.columns.map((c) => makeCast(T.varchar, c.type));
    if (plan.format === 'csv') {
      if (plan.header) {
        const line = this.#reader.next();
        this.#layout = line === undefined ? [] : csvLayout(plan, splitCsv(line, plan.delimiter, 1), (m) => new SchemaError('INVALID_ROW', `${this.#where()}: ${m}`));
      } else {
        this.#layout = plan.columns.map((_c, i) => i);
      }
    }
    for (let i = 0; i < skip && this.#dataLine() !== undefined; i++);
  }

  /** Up to `n` rows; `done` is set once the file has no more. */
  read(n: number): FileBatch & { length: number } {
    return this.#plan.format === 'json' ? this.#readJson(n) : this.#readCsv(n);
  }

  close(): void {
    this.#reader.close();
  }

  /** A row's SchemaError from db.insert, told where in the file the row is. */
  locate(error: unknown, batch: FileBatch): unknown {
    if (!(error instanceof SchemaError) || batch.kind !== 'rows' || error.rowIndex === undefined) return error;
    const line = batch.lines[error.rowIndex];
    return new SchemaError(error.code, `${this.#plan.path}:${line}: ${error.message}`, { column: error.column, rowIndex: error.rowIndex });
  }

  #where(): string {
    return `${this.#plan.path}:${this.#reader.lineNo}`;
  }

  /** the next non-blank line */
  #dataLine(): string | undefined {
    for (;;) {
      const line = this.#reader.next();
      if (line === undefined) {
        this.done = true;
        return undefined;
      }
      if (line.trim() !== '') return line;
    }
  }

  #readJson(n: number): FileBatch & { length: number } {
    const rows: Record<string, unknown>[] = [];
    const lines: number[] = [];
    while (rows.length < n) {
      const line = this.#dataLine();
      if (line === undefined) break;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (e) {
        throw new SchemaError('INVALID_ROW', `${this.#where()}: not a JSON value (${(e as Error).message})`);
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new SchemaError('INVALID_ROW', `${this.#where()}: each line must be a JSON object of column values`);
      }
      rows.push(value as Record<string, unknown>);
      lines.push(this.#reader.lineNo);
    }
    return { kind: 'rows', rows, lines, length: rows.length };
  }

  #readCsv(n: number): FileBatch & { length: number } {
    const columns = this.#plan.columns;
    const layout = this.#layout!;
    const out: unknown[][] = columns.map(() => []);
    let length = 0;
    while (length < n) {
      const line = this.#dataLine();
      if (line === undefined) break;
      const fields = splitCsv(line, this.#plan.delimiter, this.#reader.lineNo, this.#plan.path);
      if (!this.#plan.header && fields.length !== columns.length) {
        throw new SchemaError('INVALID_ROW', `${this.#where()}: ${fields.length} fields, but "${this.#source}" has ${columns.length} columns`);
      }
      for (let c = 0; c < columns.length; c++) {
        const f = layout[c]! < 0 ? undefined : fields[layout[c]!];
        let v: unknown = null;
        if (f !== undefined && f !== null) {
          try {
            v = this.#casts[c]!(f);
          } catch (e) {
            throw new SchemaError('INVALID_VALUE', `${this.#where()}: column "${columns[c]!.name}": ${(e as Error).message}`, { column: columns[c]!.name });
          }
        }
        if (v === null && !columns[c]!.nullable) {
          throw new SchemaError('NOT_NULL_VIOLATION', `${this.#where()}: column "${columns[c]!.name}" is NOT NULL but the field is empty`, { column: columns[c]!.name });
        }
        out[c]!.push(v);
      }
      length++;
    }
    return { kind: 'columns', columns: out, length };
  }
}

/** For each column, the index of the header field naming it (-1 when none does). */
function csvLayout(plan: FilePlan, header: (string | null)[], fail: (message: string) => Error): number[] {
  const names = header.map((h) => (h ?? '').trim());
  for (const n of names) {
    if (!plan.columns.some((c) => c.name === n)) throw fail(`the CSV header names "${n}", which is not a column (columns: ${plan.columns.map((c) => c.name).join(', ')})`);
  }
  return plan.columns.map((c) => names.indexOf(c.name));
}

/**
 * Splits one CSV line: fields may be quoted ("a,b", "" for a quote). An empty unquoted field is
 * NULL (null); a quoted empty field is the empty string. Quoted fields spanning lines are not read.
 */
export function splitCsv(line: string, delimiter: string, lineNo: number, file = ''): (string | null)[] {
  const out: (string | null)[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let s = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) throw new SchemaError('INVALID_ROW', `${file}:${lineNo}: unterminated quoted field (a field spanning lines is not supported)`);
        s += line.slice(i, q);
        if (line[q + 1] === '"') {
          s += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      out.push(s);
      if (i < line.length && line[i] !== delimiter) throw new SchemaError('INVALID_ROW', `${file}:${lineNo}: text after a quoted field`);
    } else {
      const d = line.indexOf(delimiter, i);
      const raw = d < 0 ? line.slice(i) : line.slice(i, d);
      out.push(raw === '' ? null : raw);
      i = d < 0 ? line.length : d;
    }
    if (i >= line.length) return out;
    i++; // the delimiter
    if (i === line.length) {
      out.push(null);
      return out;
    }
  }
}
