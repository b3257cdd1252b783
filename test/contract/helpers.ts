// Shared helpers for the contract suite: everything goes through the public entry, as a user's
// code would.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { open, type Change, type Database } from '../../lib/index.js';

export { open };
export type { Change, Database };

/** Runs `fn` and returns what it threw (or fails loudly when it did not throw). */
export function thrown(fn: () => unknown): any {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

export async function rejected(p: Promise<unknown>): Promise<any> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

/** Collects every change of `name` through onChange. */
export function collect(db: Database, name: string, snapshot = false): { changes: Change[]; close(): void } {
  const changes: Change[] = [];
  const sub = db.subscribe(name, { snapshot, onChange: (c) => changes.push(c) });
  return { changes, close: () => sub.close() };
}

/** Applies a changelog to a multiset of rows keyed by their JSON form. */
export function applyChanges(state: Map<string, number>, changes: readonly Change[]): Map<string, number> {
  const bump = (row: unknown, d: number): void => {
    const k = JSON.stringify(row);
    const n = (state.get(k) ?? 0) + d;
    if (n === 0) state.delete(k);
    else state.set(k, n);
  };
  for (const c of changes) {
    if (c.op === 'insert') bump(c.row, 1);
    else if (c.op === 'delete') bump(c.row, -1);
    else {
      bump(c.old, -1);
      bump(c.row, 1);
    }
  }
  return state;
}

/** Rows as sorted JSON strings: order-insensitive multiset comparison. */
export function bag(rows: readonly unknown[]): string[] {
  return rows.map((r) => JSON.stringify(r)).sort();
}

export function bagOf(state: Map<string, number>): string[] {
  const out: string[] = [];
  for (const [k, n] of state) for (let i = 0; i < n; i++) out.push(k);
  return out.sort();
}

/** An independent SQL engine to compare answers with. */
export class Duck {
  private constructor(private readonly con: DuckDBConnection) {}
  static async open(): Promise<Duck> {
    const inst = await DuckDBInstance.create(':memory:');
    return new Duck(await inst.connect());
  }
  async run(sql: string): Promise<void> {
    await this.con.run(sql);
  }
  /** Rows as plain objects with numbers for integers (DuckDB returns BIGINT as bigint). */
  async query(sql: string): Promise<Record<string, unknown>[]> {
    const res = await this.con.runAndReadAll(sql);
    const names = res.columnNames();
    return res.getRowsJS().map((r) => {
      const o: Record<string, unknown> = {};
      r.forEach((v, i) => (o[names[i]!] = typeof v === 'bigint' ? Number(v) : v));
      return o;
    });
  }
}

export const sqlLiteral = (v: unknown): string =>
  v === null || v === undefined ? 'NULL' : typeof v === 'string' ? `'${v.replace(/'/g, "''")}'` : String(v);
