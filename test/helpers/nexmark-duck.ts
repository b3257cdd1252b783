// Test fixture: the same generated Nexmark events loaded into an Engine and into DuckDB (the
// independent oracle), so a query's answers can be compared side by side.
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Engine } from '../../lib/engine/engine.js';
import type { Column } from '../../lib/exec/batch.js';
import type { EventBatch } from '../../lib/nexmark/generator.js';
import type { Value } from '../../lib/types/value.js';

export const NEXMARK_COLUMNS = {
  person: ['id', 'name', 'email_address', 'credit_card', 'city', 'state', 'date_time', 'extra'],
  auction: ['id', 'item_name', 'description', 'initial_bid', 'reserve', 'date_time', 'expires', 'seller', 'category', 'extra'],
  bid: ['auction', 'bidder', 'price', 'channel', 'url', 'date_time', 'extra'],
} as const;
export const NEXMARK_TIME_COLUMNS = new Set(['date_time', 'expires']);

/** The Nexmark relations as plain DuckDB tables. */
export const DUCK_NEXMARK_TABLES = `
  CREATE TABLE person (id BIGINT, name VARCHAR, email_address VARCHAR, credit_card VARCHAR, city VARCHAR, state VARCHAR, date_time TIMESTAMP, extra VARCHAR);
  CREATE TABLE auction (id BIGINT, item_name VARCHAR, description VARCHAR, initial_bid BIGINT, reserve BIGINT, date_time TIMESTAMP, expires TIMESTAMP, seller BIGINT, category BIGINT, extra VARCHAR);
  CREATE TABLE bid (auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, url VARCHAR, date_time TIMESTAMP, extra VARCHAR);`;

/** Inserts one generated batch into the engine's sources and into DuckDB's tables. */
export async function loadNexmarkBatch(engine: Engine, duck: DuckDBConnection, batch: EventBatch): Promise<void> {
  for (const rel of ['person', 'auction', 'bid'] as const) {
    const cols = batch[rel] as unknown as Record<string, ArrayLike<Value>>;
    const n = rel === 'person' ? batch.persons : rel === 'auction' ? batch.auctions : batch.bids;
    if (n === 0) continue;
    const columns = NEXMARK_COLUMNS[rel].map((c) => Array.from(cols[c]!).slice(0, n) as Column);
    engine.insertColumns(rel, columns, n);
    const values: string[] = [];
    for (let i = 0; i < n; i++) {
      values.push(`(${NEXMARK_COLUMNS[rel].map((c, k) => {
        const v = columns[k]![i];
        if (NEXMARK_TIME_COLUMNS.has(c)) return `make_timestamp(${Math.round(Number(v) * 1000)})`;
        return typeof v === 'string' ? `'${v.replace(/'/g, "''")}'` : String(v);
      }).join(', ')})`);
    }
    for (let i = 0; i < values.length; i += 500) await duck.run(`INSERT INTO ${rel} VALUES ${values.slice(i, i + 500).join(', ')}`);
  }
}
