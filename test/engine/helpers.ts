// Helpers for engine tests: plain comparable rows (Decimal/Interval → strings), sorting.

import { Engine } from '../../lib/engine/engine.js';
import type { Row, Value } from '../../lib/types/value.js';

export function plain(v: Value): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(plain);
  if (v instanceof Uint8Array) return [...v];
  return String(v);
}

export function plainRows(rows: readonly Row[]): unknown[][] {
  return rows.map((r) => r.map(plain));
}

/** Rows as strings sorted, for order-independent comparison. */
export function bag(rows: readonly (readonly unknown[])[]): string[] {
  return rows.map((r) => JSON.stringify(r)).sort();
}

export function engineWith(...statements: string[]): Engine {
  const e = new Engine();
  for (const s of statements) e.execute(s);
  return e;
}

export function rowsOf(e: Engine, sql: string, params?: unknown[]): unknown[][] {
  return plainRows(e.query(sql, params).rows);
}
