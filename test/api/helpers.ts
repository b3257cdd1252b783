// Shared fixtures of the API unit tests: a catalog and a database over the FakeEngine.
import { openWith, type OpenOptions } from '../../lib/api/open.js';
import type { Database } from '../../lib/api/database.js';
import { T } from '../../lib/types/datatype.js';
import type { RelationInfo } from '../../lib/engine/types.js';
import { FakeEngine } from './fake-engine.js';

export const catalog: RelationInfo[] = [
  {
    name: 'bid',
    kind: 'source',
    appendOnly: true,
    columns: [
      { name: 'auction', type: T.bigint, nullable: false },
      { name: 'price', type: T.double, nullable: false },
      { name: 'channel', type: T.varchar, nullable: true },
      { name: 'ts', type: T.timestamp, nullable: false },
    ],
    watermark: { column: 'ts', delayMs: 5000 },
    sql: 'CREATE SOURCE bid (...)',
  },
  {
    name: 'person',
    kind: 'table',
    appendOnly: false,
    primaryKey: ['id'],
    columns: [
      { name: 'id', type: T.int, nullable: false },
      { name: 'name', type: T.varchar, nullable: true },
      { name: 'balance', type: { id: 'decimal', precision: 10, scale: 2 }, nullable: true },
    ],
    sql: 'CREATE TABLE person (...)',
  },
  {
    name: 'bid_changes',
    kind: 'materialized view',
    appendOnly: false,
    columns: [
      { name: 'auction', type: T.bigint, nullable: false },
      { name: 'price', type: T.double, nullable: false },
      { name: 'channel', type: T.varchar, nullable: true },
      { name: 'ts', type: T.timestamp, nullable: false },
    ],
    sql: 'CREATE MATERIALIZED VIEW bid_changes AS SELECT * FROM bid',
  },
];

export function fakeDb(options: OpenOptions = {}): { db: Database; engine: FakeEngine } {
  let engine: FakeEngine | undefined;
  const db = openWith(() => (engine = new FakeEngine(catalog)), options);
  return { db, engine: engine! };
}

export const bidRow = (i: number) => ({ auction: 1000 + i, price: 1.5 * i, channel: i % 2 ? 'Google' : null, ts: 1_700_000_000_000 + i });
