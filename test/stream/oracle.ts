// DuckDB as the independent oracle: window assignment written out as explicit arithmetic in SQL
// (not DuckDB's own window helpers), so it checks our window math as well as the operators.

import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { Row, Value } from '../../lib/types/value.js';

export type WindowShape =
  | { kind: 'tumble'; size: number; offset: number }
  | { kind: 'hop'; size: number; slide: number; offset: number }
  | { kind: 'cumulate'; size: number; step: number; offset: number }
  | { kind: 'session'; gap: number };

export class Oracle {
  private constructor(private readonly con: DuckDBConnection) {}

  static async open(): Promise<Oracle> {
    const inst = await DuckDBInstance.create(':memory:');
    return new Oracle(await inst.connect());
  }

  async query(sql: string): Promise<Row[]> {
    const res = await this.con.runAndReadAll(sql);
    return res.getRowsJS().map((r) => r.map((v) => (typeof v === 'bigint' ? Number(v) : (v as Value))));
  }

  async run(sql: string): Promise<void> {
    await this.con.run(sql);
  }

  /** Loads rows into a fresh table `name` with the given column definitions. */
  async load(name: string, columnsSql: string, rows: Row[]): Promise<void> {
    await this.run(`CREATE OR REPLACE TABLE ${name} (${columnsSql})`);
    for (let i = 0; i < rows.length; i += 500) {
      const chunk = rows.slice(i, i + 500);
      if (chunk.length === 0) break;
      const values = chunk.map((r) => '(' + r.map((v) => (v === null ? 'NULL' : typeof v === 'string' ? `'${v.replace(/'/g, "''")}'` : String(v))).join(', ') + ')').join(', ');
      await this.run(`INSERT INTO ${name} VALUES ${values}`);
    }
  }
}

const fm = (x: string, m: number): string => `(((${x}) % ${m}) + ${m}) % ${m}`;

/** SQL producing (k, ts, v, window_start, window_end) for every window of each row of `events`. */
export function windowedSql(shape: WindowShape): string {
  switch (shape.kind) {
    case 'tumble': {
      const ws = `ts - ${fm(`ts - ${shape.offset}`, shape.size)}`;
      return `SELECT k, ts, v, ${ws} AS ws, ${ws} + ${shape.size} AS we FROM events`;
    }
    case 'hop': {
      const last = `ts - ${fm(`ts - ${shape.offset}`, shape.slide)}`;
      const n = Math.ceil(shape.size / shape.slide) + 1;
      return `SELECT k, ts, v, ws, ws + ${shape.size} AS we FROM (
        SELECT k, ts, v, ${last} - r.i * ${shape.slide} AS ws FROM events, range(0, ${n}) r(i)) x
        WHERE ts < ws + ${shape.size}`;
    }
    case 'cumulate': {
      const ws = `ts - ${fm(`ts - ${shape.offset}`, shape.size)}`;
      const steps = shape.size / shape.step;
      return `SELECT k, ts, v, ws, we FROM (
        SELECT k, ts, v, ${ws} AS ws, ${ws} + r.j * ${shape.step} AS we FROM events, range(1, ${steps + 1}) r(j)) x
        WHERE ts < we`;
    }
    case 'session':
      // a new session starts where the gap to the previous event of the key exceeds `gap`
      // (touching sessions — next ts == previous ts + gap — merge)
      return `SELECT k, ts, v, min(ts) OVER (PARTITION BY k, sid) AS ws, max(ts) OVER (PARTITION BY k, sid) + ${shape.gap} AS we FROM (
        SELECT *, sum(brk) OVER (PARTITION BY k ORDER BY ts ROWS UNBOUNDED PRECEDING) AS sid FROM (
          SELECT *, CASE WHEN ts - lag(ts) OVER (PARTITION BY k ORDER BY ts) <= ${shape.gap} THEN 0 ELSE 1 END AS brk FROM events) a) b`;
  }
}

/** The aggregate query the stream tests compare with: per (k, window) count(*), count(v), sum(v), min(v), max(v). */
export function aggregateSql(shape: WindowShape): string {
  return `SELECT k, ws, we, count(*), count(v), sum(v), min(v), max(v) FROM (${windowedSql(shape)}) w GROUP BY k, ws, we`;
}
