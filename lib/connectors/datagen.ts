// The `datagen` source connector (RisingWave / Flink style): one generator per column, chosen by
// `fields.<column>.kind` and tuned by `fields.<column>.*` options. Values are a pure function of
// (seed, column, row number), so a run is reproducible whatever the batch boundaries, and a
// resumed source continues the same sequence.

import type { Field } from '../types/datatype.js';
import { Decimal } from '../types/decimal.js';
import { ExecutionError } from '../errors.js';
import { OptionReader } from './options.js';

export type ColumnGenerator = (first: number, n: number, startMs: number) => ArrayLike<unknown>;

export interface DatagenPlan {
  /** wall-clock rate limit (rows per second); undefined = as fast as possible */
  rowsPerSecond: number | undefined;
  /** rows to produce in all (number_of_rows, or the end of a sequence column); undefined = unbounded */
  limit: number | undefined;
  batchSize: number;
  /** one generator per column, in schema order */
  columns: ColumnGenerator[];
  /** the wall-clock time is needed (a timestamp sequence starting 'now', or kind 'now') */
  usesNow: boolean;
}

const FIELD_KEYS = ['kind', 'start', 'end', 'step', 'min', 'max', 'length', 'null_rate', 'seed'] as const;

/** Validates the options against the columns and compiles the per-column generators. */
export function planDatagen(options: OptionReader, columns: readonly Field[]): DatagenPlan {
  const rowsPerSecond = options.number(['rows_per_second', 'datagen.rows.per.second'], { min: 0, exclusiveMin: true });
  let limit = options.number(['number_of_rows', 'datagen.number.of.rows'], { min: 0, integer: true });
  const batchSize = options.number(['batch_size', 'datagen.max.chunk.size'], { min: 1, max: 1_000_000, integer: true }) ?? 1024;
  const seed = options.number(['seed', 'datagen.seed'], { integer: true }) ?? 0;
  options.string('connector');
  options.number('datagen.split.num', { min: 1, max: 1, integer: true }); // RisingWave's: one split here
  // fields.<column>.<key> for a column that does not exist, or a key no generator reads
  for (const key of options.keys()) {
    const m = /^fields\.(.+)\.([^.]+)$/.exec(key);
    if (!key.startsWith('fields.')) continue;
    if (!m) throw options.error(key, `option '${key}' must look like 'fields.<column>.<property>'`);
    if (!columns.some((c) => c.name === m[1])) throw options.error(key, `option '${key}' names no column of this source ("${m[1]}")`);
    if (!(FIELD_KEYS as readonly string[]).includes(m[2]!)) {
      throw options.error(key, `unknown option '${key}' (a datagen field takes ${FIELD_KEYS.join(', ')})`);
    }
  }
  let usesNow = false;
  const generators = columns.map((column, index) => {
    const g = columnGenerator(options, column, hash2(seed, index + 1));
    if (g.usesNow) usesNow = true;
    if (g.rows !== undefined) limit = limit === undefined ? g.rows : Math.min(limit, g.rows);
    return g.fill;
  });
  options.rejectUnused("connector 'datagen'");
  return { rowsPerSecond, limit, batchSize, columns: generators, usesNow };
}

interface CompiledColumn {
  fill: ColumnGenerator;
  /** a sequence with an end bounds the source to this many rows */
  rows?: number;
  usesNow?: boolean;
}

function columnGenerator(o: OptionReader, column: Field, columnSeed: number): CompiledColumn {
  const key = (p: string) => `fields.${column.name}.${p}`;
  const type = column.type.id;
  const isTime = type === 'timestamp' || type === 'timestamptz';
  const kinds = isTime ? (['sequence', 'now'] as const) : type === 'boolean' ? (['random'] as const) : (['sequence', 'random'] as const);
  const kind = o.choice(key('kind'), kinds as readonly string[]) ?? (isTime ? 'sequence' : 'random');
  const ownSeed = o.number(key('seed'), { integer: true });
  const seed = ownSeed === undefined ? columnSeed : hash2(ownSeed, 0x5eed);
  const nullRate = o.number(key('null_rate'), { min: 0, max: 1 }) ?? 0;
  if (nullRate > 0 && !column.nullable) throw o.error(key('null_rate'), `option '${key('null_rate')}': column "${column.name}" is NOT NULL`);
  const allowOnly = (allowed: readonly string[], why: string) => {
    for (const p of FIELD_KEYS) {
      if (!allowed.includes(p) && o.has(key(p))) throw o.error(key(p), `option '${key(p)}' does not apply to ${why}`);
    }
  };
  let compiled: CompiledColumn;
  if (isTime) {
    if (kind === 'now') {
      allowOnly(['kind', 'null_rate', 'seed'], `a '${kind}' column`);
      compiled = { fill: (_first, n) => new Float64Array(n).fill(Date.now()), usesNow: true };
    } else {
      allowOnly(['kind', 'start', 'step', 'end', 'null_rate', 'seed'], 'a timestamp sequence');
      const start = o.timestamp(key('start')) ?? { now: true };
      const stepMs = o.intervalMs(key('step')) ?? 1000 / (o.number(['rows_per_second', 'datagen.rows.per.second']) ?? 1000);
      const end = o.timestamp(key('end'));
      let rows: number | undefined;
      if (end !== undefined) {
        if (end.now || start.now) throw o.error(key('end'), `option '${key('end')}' needs a fixed '${key('start')}' and a fixed end`);
        if (end.ms < start.ms) throw o.error(key('end'), `option '${key('end')}' is before '${key('start')}'`);
        rows = Math.floor((end.ms - start.ms) / stepMs) + 1;
      }
      const fixed = start.now ? undefined : start.ms;
      compiled = {
        fill: (first, n, startMs) => {
          const base = fixed ?? startMs;
          const out = new Float64Array(n);
          for (let i = 0; i < n; i++) out[i] = base + (first + i) * stepMs;
          return out;
        },
        rows,
        usesNow: start.now,
      };
    }
  } else if (type === 'boolean') {
    allowOnly(['kind', 'null_rate', 'seed'], 'a BOOLEAN column');
    compiled = { fill: (first, n) => fillRows(first, n, (row) => (hash2(seed, row) & 1) === 1) };
  } else if (type === 'varchar') {
    if (kind === 'sequence') {
      const seq = sequence(o, key, 'a VARCHAR sequence');
      compiled = { fill: (first, n) => fillRows(first, n, (row) => String(seq.start + row * seq.step)), rows: seq.rows };
    } else {
      allowOnly(['kind', 'length', 'null_rate', 'seed'], 'a random VARCHAR column');
      const length = o.number(key('length'), { min: 0, max: 1_000_000, integer: true }) ?? 10;
      compiled = { fill: (first, n) => fillRows(first, n, (row) => randomString(hash2(seed, row), length)) };
    }
  } else if (type === 'smallint' || type === 'int' || type === 'bigint' || type === 'real' || type === 'double' || type === 'decimal') {
    const integral = type === 'smallint' || type === 'int' || type === 'bigint';
    const limits = INTEGER_LIMITS[type];
    if (kind === 'sequence') {
      const seq = sequence(o, key, `a sequence of type ${type.toUpperCase()}`, integral, limits);
      const value = (row: number) => seq.start + row * seq.step;
      const checked: ColumnGenerator = (first, n) => {
        // a sequence without an end can run past its type: that stops the source (never wraps)
        const last = value(first + n - 1);
        if (limits !== undefined && (last > limits.max || last < limits.min)) {
          throw new ExecutionError('NUMERIC_OVERFLOW', `datagen sequence of column "${column.name}" reached ${last}, outside the range of ${type.toUpperCase()}`);
        }
        return fillNumbers(first, n, value);
      };
      compiled = { fill: type === 'decimal' ? (first, n) => fillRows(first, n, (row) => Decimal.fromNumber(value(row))) : checked, rows: seq.rows };
    } else {
      allowOnly(['kind', 'min', 'max', 'null_rate', 'seed'], `a random column of type ${type.toUpperCase()}`);
      const min = o.number(key('min'), { integer: integral, ...limits }) ?? 0;
      const max = o.number(key('max'), { integer: integral, ...limits }) ?? (integral ? limits!.max : 1);
      if (max < min) throw o.error(key('max'), `option '${key('max')}' (${max}) is below '${key('min')}' (${min})`);
      const span = integral ? max - min + 1 : max - min;
      const value = integral ? (row: number) => min + Math.floor(unit(seed, row) * span) : (row: number) => min + unit(seed, row) * span;
      const scale = column.type.scale ?? 2;
      compiled = {
        fill: type === 'decimal' ? (first, n) => fillRows(first, n, (row) => Decimal.parse(value(row).toFixed(scale))) : (first, n) => fillNumbers(first, n, value),
      };
    }
  } else {
    throw o.error('connector', `connector 'datagen' cannot generate column "${column.name}" of type ${type.toUpperCase()}`);
  }
  if (nullRate === 0) return compiled;
  const inner = compiled.fill;
  const nullSeed = hash2(seed, 0x0badf00d);
  return {
    ...compiled,
    fill: (first, n, startMs) => {
      const values = inner(first, n, startMs);
      const out = new Array<unknown>(n);
      for (let i = 0; i < n; i++) out[i] = unit(nullSeed, first + i) < nullRate ? null : values[i];
      return out;
    },
  };
}

const INTEGER_LIMITS: Record<string, { min: number; max: number } | undefined> = {
  smallint: { min: -32768, max: 32767 },
  int: { min: -2147483648, max: 2147483647 },
  bigint: { min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER },
};

function sequence(o: OptionReader, key: (p: string) => string, what: string, integral = true, limits?: { min: number; max: number }) {
  for (const p of ['min', 'max', 'length']) if (o.has(key(p))) throw o.error(key(p), `option '${key(p)}' does not apply to ${what} (use start / end / step)`);
  const start = o.number(key('start'), { integer: integral, ...limits }) ?? 1;
  const step = o.number(key('step'), { integer: integral }) ?? 1;
  if (step === 0) throw o.error(key('step'), `option '${key('step')}' must not be 0`);
  const end = o.number(key('end'), { integer: integral, ...limits });
  let rows: number | undefined;
  if (end !== undefined) {
    if ((end - start) * step < 0) throw o.error(key('end'), `option '${key('end')}' (${end}) is never reached from ${start} by steps of ${step}`);
    rows = Math.floor((end - start) / step) + 1;
  }
  return { start, step, rows };
}

function fillNumbers(first: number, n: number, value: (row: number) => number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = value(first + i);
  return out;
}

function fillRows(first: number, n: number, value: (row: number) => unknown): unknown[] {
  const out = new Array<unknown>(n);
  for (let i = 0; i < n; i++) out[i] = value(first + i);
  return out;
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

function randomString(seed: number, length: number): string {
  let s = '';
  let x = seed | 1;
  for (let i = 0; i < length; i++) {
    // xorshift32: a cheap stream of characters from the row's hash
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    s += ALPHABET[(x >>> 0) % ALPHABET.length];
  }
  return s;
}

/** A uniform double in [0, 1) from (seed, row). */
function unit(seed: number, row: number): number {
  const a = hash2(seed, row);
  const b = hash2(a ^ 0x68e31da4, row);
  return ((a >>> 0) * 2097152 + ((b >>> 0) >>> 11)) / 9007199254740992;
}

/** 32-bit hash of (seed, n) for any n below 2^53 (murmur3's finaliser over both halves). */
export function hash2(seed: number, n: number): number {
  const lo = n >>> 0;
  const hi = Math.floor(n / 4294967296) >>> 0;
  return fmix32(lo ^ fmix32((hi ^ Math.imul(seed | 0, 0x9e3779b1)) >>> 0)) | 0;
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
