// The stream of incremental-crash.test.ts: a pure function of the batch number.
import type { Column } from '../../lib/exec/batch.js';

export const KEYS = 6000;
export const BATCH_KEYS = 150;
export const SCHEMA = [
  'CREATE TABLE kv (k INT, v INT, note VARCHAR, PRIMARY KEY (k))',
  'CREATE MATERIALIZED VIEW per_v AS SELECT v % 13 AS g, count(*) AS n, sum(k) AS s FROM kv GROUP BY v % 13',
  'CREATE MATERIALIZED VIEW evens AS SELECT k, v FROM kv WHERE k % 2 = 0',
].join(';\n');

/** Batch 0 fills every key; later batches update BATCH_KEYS of them. Key -1 holds the batch number. */
export function batchColumns(b: number): Column[] {
  const n = b === 0 ? KEYS : BATCH_KEYS;
  const k: number[] = [-1];
  const v: number[] = [b];
  const note: (string | null)[] = [null];
  for (let i = 0; i < n; i++) {
    k.push(b === 0 ? i : (b * 389 + i * 7) % KEYS);
    v.push(b + i);
    note.push(i % 5 === 0 ? null : `b${b}`);
  }
  return [k, v, note];
}

export function batchLength(b: number): number {
  return (b === 0 ? KEYS : BATCH_KEYS) + 1;
}
