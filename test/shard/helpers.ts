// Shared by the thread-per-core tests: a sharded database with a handle on its engine, and
// order-insensitive comparison of results.
import { openWith, open } from '../../lib/api/open.js';
import type { Database } from '../../lib/api/database.js';
import { ShardedEngine } from '../../lib/shard/sharded-engine.js';

export async function openSharded(threads = 2): Promise<{ db: Database; engine: ShardedEngine }> {
  let engine: ShardedEngine | undefined;
  const db = openWith((settings) => (engine = new ShardedEngine({ ...settings, threads, pinThreads: false })), {});
  return { db, engine: engine! };
}

export async function openSingle(): Promise<Database> {
  return open();
}

/** Rows as sorted JSON lines: equal multisets compare equal. */
export function canonical(rows: readonly object[]): string[] {
  return rows.map((r) => JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v instanceof Date ? v.toISOString() : v))).sort();
}
