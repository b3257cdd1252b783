// Shared by the durable thread-per-core tests: a durable sharded database with a handle on its
// engine, a workload with keyed aggregate, join and window views, and a reference run.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Test } from 'tap';
import { open, openWith, type OpenOptions } from '../../lib/api/open.js';
import type { Database } from '../../lib/api/database.js';
import { ShardedEngine } from '../../lib/shard/sharded-engine.js';
import { canonical } from './helpers.js';

export function tempDir(t: Test): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'laminar-shard-durable-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export async function openDurableSharded(
  dir: string,
  options: OpenOptions = {},
  threads = 2,
): Promise<{ db: Database; engine: ShardedEngine; warnings: string[] }> {
  let engine: ShardedEngine | undefined;
  const warnings: string[] = [];
  const db = openWith((settings) => (engine = new ShardedEngine({ ...settings, threads, pinThreads: false })), {
    path: dir,
    walSegmentBytes: 1 << 20,
    checkpointIntervalMs: 0,
    onWarning: (m: string) => warnings.push(m),
    ...options,
  });
  return { db, engine: engine!, warnings };
}

export const SCHEMA = [
  'CREATE TABLE bids (auction INT, bidder INT, price INT)',
  'CREATE TABLE auctions (id INT, reserve INT)',
  `CREATE SOURCE clicks (k INT, v INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '5' SECOND)`,
  'CREATE MATERIALIZED VIEW per_auction AS SELECT auction, count(*) AS n, sum(price) AS total, max(price) AS top FROM bids GROUP BY auction',
  'CREATE MATERIALIZED VIEW above_reserve AS SELECT b.auction, count(*) AS n, sum(b.price - a.reserve) AS margin FROM bids b JOIN auctions a ON b.auction = a.id WHERE b.price > a.reserve GROUP BY b.auction',
  `CREATE MATERIALIZED VIEW clicks_10s AS SELECT k, window_start, count(*) AS n, sum(v) AS s FROM TUMBLE(clicks, ts, INTERVAL '10' SECOND) GROUP BY k, window_start, window_end EMIT ON WINDOW CLOSE`,
];

export const VIEWS = ['per_auction', 'above_reserve', 'clicks_10s'];

/** A deterministic pseudo-random stream: batch b of each relation. */
function lcg(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

export function bidsBatch(b: number, size = 200): Record<string, unknown>[] {
  const r = lcg(1000 + b);
  return Array.from({ length: size }, () => ({ auction: Math.floor(r() * 50), bidder: Math.floor(r() * 1000), price: Math.floor(r() * 1000) }));
}

export function auctionsBatch(b: number): Record<string, unknown>[] {
  return Array.from({ length: 10 }, (_, i) => ({ id: b * 10 + i, reserve: ((b * 10 + i) * 37) % 600 }));
}

export function clicksBatch(b: number, size = 100): Record<string, unknown>[] {
  const r = lcg(5000 + b);
  // event time moves forward 4 s per batch with some disorder, so windows close as batches arrive
  return Array.from({ length: size }, () => ({ k: Math.floor(r() * 20), v: Math.floor(r() * 100), ts: new Date(1_700_000_000_000 + b * 4000 + Math.floor(r() * 6000)) }));
}

/** Inserts batches [from, to) of every relation. */
export function feed(db: Database, from: number, to: number): void {
  for (let b = from; b < to; b++) {
    if (b < 5) db.insert('auctions', auctionsBatch(b));
    db.insert('bids', bidsBatch(b));
    db.insert('clicks', clicksBatch(b));
  }
}

export async function viewContents(db: Database): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const v of [...VIEWS, 'bids', 'auctions']) out[v] = canonical(await db.query(`SELECT * FROM ${v}`));
  return out;
}

/** The never-closed run: a single-threaded in-memory database fed batches [0, to). */
export async function reference(to: number): Promise<Record<string, string[]>> {
  const db = await open();
  for (const s of SCHEMA) await db.execute(s);
  feed(db, 0, to);
  await db.flush();
  const out = await viewContents(db);
  await db.close();
  return out;
}
