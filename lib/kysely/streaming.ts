// Streaming SQL from Kysely with the same typing as the rest of the query builder: window table
// functions (TUMBLE, HOP, SESSION, CUMULATE) as aliased table expressions whose rows are the
// source's rows plus window_start / window_end, and CREATE MATERIALIZED VIEW … EMIT … from a
// compiled Kysely query. Kysely is required lazily, as in dialect.ts: importing laminardb must not
// load it.

import type { AliasedRawBuilder, Compilable, Kysely, RawBuilder, SelectType } from 'kysely';
import { SqlTypeError, UnsupportedError } from '../errors.js';
import { Interval } from '../types/interval.js';

/** An interval: PostgreSQL text ('10 seconds', '1 minute 30 seconds', 'PT5M') or milliseconds. */
export type WindowInterval = string | number;

/** Names of the columns of row type R holding timestamps (the columns a window can be placed on). */
export type TimeColumnOf<R> = {
  [K in keyof R & string]: NonNullable<SelectType<R[K]>> extends Date ? K : never;
}[keyof R & string];

/** Row type R plus the window bounds a window table function adds. */
export type WindowedRow<R> = {
  [K in keyof R as K extends 'window_start' | 'window_end' ? never : K]: R[K];
} & { window_start: Date; window_end: Date };

/** Options of the window helpers. */
export interface WindowOptions<A extends string> {
  /** the name the window's rows are referred to by (default: the table's name) */
  alias?: A;
}

/** Options of createMaterializedView. */
export interface MaterializedViewOptions {
  /** 'window-close': EMIT ON WINDOW CLOSE (closed windows only); 'changes': EMIT CHANGES; default: no clause */
  emit?: 'window-close' | 'changes';
  /** CREATE MATERIALIZED VIEW IF NOT EXISTS */
  ifNotExists?: boolean;
}

type KyselySql = (typeof import('kysely'))['sql'];

function kyselySql(): KyselySql {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('kysely') as typeof import('kysely')).sql;
}

/**
 * Validates an interval now (a clear error at the call, not later inside a view's SQL) and returns
 * the text of its literal: the user's own spelling, so the view's stored SQL reads as written.
 */
function intervalText(what: string, value: WindowInterval): string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new SqlTypeError('INVALID_ARGUMENT', `${what} must be a finite number of milliseconds, got ${value}`);
    return `${value} milliseconds`;
  }
  if (typeof value !== 'string') {
    throw new SqlTypeError('INVALID_ARGUMENT', `${what} must be an interval string or a number of milliseconds, got ${typeof value}`);
  }
  try {
    Interval.parse(value);
  } catch (error) {
    throw new SqlTypeError('INVALID_ARGUMENT', `${what} ${JSON.stringify(value)} is not an interval (e.g. '10 seconds')`, undefined, { cause: error });
  }
  return value.trim();
}

function windowCall<R, A extends string>(
  fn: 'TUMBLE' | 'HOP' | 'SESSION' | 'CUMULATE',
  table: string,
  timeColumn: string,
  intervals: ReadonlyArray<readonly [string, WindowInterval]>,
  alias: A | undefined,
): AliasedRawBuilder<R, A> {
  if (typeof table !== 'string' || table === '') throw new SqlTypeError('INVALID_ARGUMENT', `${fn}: the table name must be a non-empty string`);
  if (typeof timeColumn !== 'string' || timeColumn === '') throw new SqlTypeError('INVALID_ARGUMENT', `${fn}: the time column must be a non-empty string`);
  const sql = kyselySql();
  const args: RawBuilder<unknown>[] = [sql.table(table), sql.ref(timeColumn)];
  for (const [what, value] of intervals) args.push(sql`INTERVAL ${sql.lit(intervalText(`${fn} ${what}`, value))}`);
  const call = sql<R>`${sql.raw(fn)}(${sql.join(args)})`;
  return call.as((alias ?? table) as A);
}

/**
 * TUMBLE(table, timeColumn, size): fixed, non-overlapping windows. Use it in `selectFrom`; its
 * rows are the table's rows plus `window_start` and `window_end`.
 */
export function tumbleTable<DB, TB extends keyof DB & string, const A extends string = TB>(
  _db: Kysely<DB>,
  table: TB,
  timeColumn: TimeColumnOf<DB[TB]>,
  size: WindowInterval,
  options?: WindowOptions<A>,
): AliasedRawBuilder<WindowedRow<DB[TB]>, A> {
  return windowCall('TUMBLE', table, timeColumn, [['size', size]], options?.alias);
}

/** HOP(table, timeColumn, slide, size): windows of `size` starting every `slide` (overlapping when slide < size). */
export function hopTable<DB, TB extends keyof DB & string, const A extends string = TB>(
  _db: Kysely<DB>,
  table: TB,
  timeColumn: TimeColumnOf<DB[TB]>,
  slide: WindowInterval,
  size: WindowInterval,
  options?: WindowOptions<A>,
): AliasedRawBuilder<WindowedRow<DB[TB]>, A> {
  return windowCall('HOP', table, timeColumn, [['slide', slide], ['size', size]], options?.alias);
}

/** SESSION(table, timeColumn, gap): per grouping key, events closer than `gap` share a window. */
export function sessionTable<DB, TB extends keyof DB & string, const A extends string = TB>(
  _db: Kysely<DB>,
  table: TB,
  timeColumn: TimeColumnOf<DB[TB]>,
  gap: WindowInterval,
  options?: WindowOptions<A>,
): AliasedRawBuilder<WindowedRow<DB[TB]>, A> {
  return windowCall('SESSION', table, timeColumn, [['gap', gap]], options?.alias);
}

/** CUMULATE(table, timeColumn, step, size): windows of `size` that emit growing prefixes every `step`. */
export function cumulateTable<DB, TB extends keyof DB & string, const A extends string = TB>(
  _db: Kysely<DB>,
  table: TB,
  timeColumn: TimeColumnOf<DB[TB]>,
  step: WindowInterval,
  size: WindowInterval,
  options?: WindowOptions<A>,
): AliasedRawBuilder<WindowedRow<DB[TB]>, A> {
  return windowCall('CUMULATE', table, timeColumn, [['step', step], ['size', size]], options?.alias);
}

function quoteIdentifier(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}

/**
 * Compiles a Kysely SELECT with the database's dialect and runs
 * `CREATE MATERIALIZED VIEW name AS <query> [EMIT ON WINDOW CLOSE | EMIT CHANGES]`. The query's
 * parameters stay parameters ($n): the engine binds them when it plans the view, and a durable
 * database logs them with the statement.
 */
export async function createMaterializedView(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  db: Kysely<any>,
  name: string,
  query: Compilable<unknown>,
  options: MaterializedViewOptions = {},
): Promise<void> {
  if (typeof name !== 'string' || name === '') throw new SqlTypeError('INVALID_ARGUMENT', 'createMaterializedView: the view name must be a non-empty string');
  if (!query || typeof (query as { compile?: unknown }).compile !== 'function') {
    throw new SqlTypeError('INVALID_ARGUMENT', 'createMaterializedView: the query must be a Kysely query builder (something with compile())');
  }
  const emit = options.emit;
  if (emit !== undefined && emit !== 'window-close' && emit !== 'changes') {
    throw new SqlTypeError('INVALID_ARGUMENT', `createMaterializedView: emit must be 'window-close' or 'changes', got ${JSON.stringify(emit)}`);
  }
  const compiled = query.compile();
  if (compiled.query.kind !== 'SelectQueryNode') {
    throw new UnsupportedError(`createMaterializedView: a materialized view is defined by a SELECT, not a ${compiled.query.kind.replace(/Node$/, '')}`);
  }
  const text =
    `CREATE MATERIALIZED VIEW ${options.ifNotExists ? 'IF NOT EXISTS ' : ''}${quoteIdentifier(name)} AS ${compiled.sql}` +
    (emit === 'window-close' ? ' EMIT ON WINDOW CLOSE' : emit === 'changes' ? ' EMIT CHANGES' : '');
  const { CompiledQuery } = require('kysely') as typeof import('kysely'); // eslint-disable-line @typescript-eslint/no-require-imports
  await db.executeQuery(CompiledQuery.raw(text, [...compiled.parameters]));
}
