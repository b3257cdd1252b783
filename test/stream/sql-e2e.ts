// Shared end-to-end fixtures: result normalisation for comparing the Engine with DuckDB, and a
// Nexmark data set loaded into both.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { Engine } from '../../lib/engine/engine.js';
import { NexmarkGenerator } from '../../lib/nexmark/generator.js';
import type { Column } from '../../lib/exec/batch.js';
import type { Value } from '../../lib/types/value.js';

function norm(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'object' && ('unscaled' in v || 'width' in v)) return Number(String(v));
  if (typeof v === 'number' && !Number.isInteger(v)) return Number(v.toPrecision(10));
  return v;
}

export const normRows = (rows: readonly unknown[][]): string[] => rows.map((r) => JSON.stringify(r.map(norm))).sort();

export async function duckRows(duck: DuckDBConnection, sql: string): Promise<string[]> {
  const res = await duck.runAndReadAll(sql);
  return normRows(res.getRowsJS() as unknown[][]);
}

export const QUERY_DIR = join(__dirname, '../../lib/nexmark/queries');
export const nexmarkQuery = (name: string): string => readFileSync(join(QUERY_DIR, `${name}.sql`), 'utf8').replace(/^--.*$/gm, '').trim();
const COLUMNS = {
  person: ['id', 'name', 'email_address', 'credit_card', 'city', 'state', 'date_time', 'extra'],
  auction: ['id', 'item_name', 'description', 'initial_bid', 'reserve', 'date_time', 'expires', 'seller', 'category', 'extra'],
  bid: ['auction', 'bidder', 'price', 'channel', 'url', 'date_time', 'extra'],
} as const;
const TIME_COLUMNS = new Set(['date_time', 'expires']);

/**
 * An Engine with the Nexmark sources (views created by `before` see all data arrive) and DuckDB
 * tables holding the same `rounds` × `events` generated events; every source's watermark is then
 * advanced past the data so event-time windows are closed.
 */
export async function nexmarkSetup(rounds: number, events: number, before: (e: Engine) => void): Promise<{ engine: Engine; duck: DuckDBConnection }> {
  const gen = new NexmarkGenerator({ seed: 3, eventsPerSecond: 200, numInFlightAuctions: 20, numActivePeople: 30 });
  const duck = await (await DuckDBInstance.create(':memory:')).connect();
  await duck.run(`
    CREATE TABLE person (id BIGINT, name VARCHAR, email_address VARCHAR, credit_card VARCHAR, city VARCHAR, state VARCHAR, date_time TIMESTAMP, extra VARCHAR);
    CREATE TABLE auction (id BIGINT, item_name VARCHAR, description VARCHAR, initial_bid BIGINT, reserve BIGINT, date_time TIMESTAMP, expires TIMESTAMP, seller BIGINT, category BIGINT, extra VARCHAR);
    CREATE TABLE bid (auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, url VARCHAR, date_time TIMESTAMP, extra VARCHAR);`);
  const e = new Engine();
  e.execute(readFileSync(join(__dirname, '../../lib/nexmark/schema.sql'), 'utf8'));
  before(e);
  for (let round = 0; round < rounds; round++) {
    const batch = gen.next(events);
    for (const rel of ['person', 'auction', 'bid'] as const) {
      const cols = batch[rel] as unknown as Record<string, ArrayLike<Value>>;
      const n = rel === 'person' ? batch.persons : rel === 'auction' ? batch.auctions : batch.bids;
      if (n === 0) continue;
      const columns = COLUMNS[rel].map((c) => Array.from(cols[c]!).slice(0, n) as Column);
      e.insertColumns(rel, columns, n);
      const values: string[] = [];
      for (let i = 0; i < n; i++) {
        values.push(`(${COLUMNS[rel].map((c, k) => {
          const v = columns[k]![i];
          if (TIME_COLUMNS.has(c)) return `make_timestamp(${Math.round(Number(v) * 1000)})`;
          return typeof v === 'string' ? `'${v.replace(/'/g, "''")}'` : String(v);
        }).join(', ')})`);
      }
      for (let i = 0; i < values.length; i += 500) await duck.run(`INSERT INTO ${rel} VALUES ${values.slice(i, i + 500).join(', ')}`);
    }
  }
  for (const rel of ['person', 'auction', 'bid']) e.advanceWatermark(rel, 1e13);
  return { engine: e, duck };
}
