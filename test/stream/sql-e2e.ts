// Shared end-to-end fixtures: result normalisation for comparing the Engine with DuckDB, and a
// Nexmark data set loaded into both.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { Engine } from '../../lib/engine/engine.js';
import { NexmarkGenerator } from '../../lib/nexmark/generator.js';
import { DUCK_NEXMARK_TABLES, loadNexmarkBatch } from '../helpers/nexmark-duck.js';

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

/**
 * An Engine with the Nexmark sources (views created by `before` see all data arrive) and DuckDB
 * tables holding the same `rounds` × `events` generated events; every source's watermark is then
 * advanced past the data so event-time windows are closed.
 */
export async function nexmarkSetup(rounds: number, events: number, before: (e: Engine) => void): Promise<{ engine: Engine; duck: DuckDBConnection }> {
  const gen = new NexmarkGenerator({ seed: 3, eventsPerSecond: 200, numInFlightAuctions: 20, numActivePeople: 30 });
  const duck = await (await DuckDBInstance.create(':memory:')).connect();
  await duck.run(DUCK_NEXMARK_TABLES);
  const e = new Engine();
  e.execute(readFileSync(join(__dirname, '../../lib/nexmark/schema.sql'), 'utf8'));
  before(e);
  for (let round = 0; round < rounds; round++) {
    await loadNexmarkBatch(e, duck, gen.next(events));
  }
  for (const rel of ['person', 'auction', 'bid']) e.advanceWatermark(rel, 1e13);
  return { engine: e, duck };
}
