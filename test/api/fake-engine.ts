// A stand-in Engine for unit tests of the API layer alone (conversion, validation, subscription
// buffering, lifecycle). It stores inserted rows per relation and treats every relation named
// `<table>_changes` as a view that receives each insert into <table>. End-to-end behaviour is
// tested against the real Engine in engine-e2e.test.ts.

import type { EnginePort } from '../../lib/api/engine-port.js';
import type { DataType } from '../../lib/types/datatype.js';
import type { Row, Value } from '../../lib/types/value.js';
import type { Column } from '../../lib/exec/batch.js';
import type {
  ChangeListener,
  EngineChange,
  EngineSubscription,
  QueryResult,
  RelationInfo,
  StatementResult,
} from '../../lib/engine/types.js';

export class FakeEngine implements EnginePort {
  readonly rows = new Map<string, Row[]>();
  readonly insertCalls: { name: string; columns: Column[]; length: number }[] = [];
  readonly listeners = new Map<string, Set<ChangeListener>>();
  readonly functions = new Map<string, { fn: (...args: Value[]) => Value; sig: { args: DataType[]; returns: DataType } }>();
  readonly watermarks: { source: string; ms: number }[] = [];
  nextQuery: QueryResult | undefined;
  nextExecute: StatementResult[] = [];
  closeCount = 0;
  flushCount = 0;

  constructor(private readonly catalog: RelationInfo[]) {
    for (const r of catalog) this.rows.set(r.name, []);
  }

  execute(): StatementResult[] {
    return this.nextExecute;
  }

  query(): QueryResult {
    if (!this.nextQuery) throw new Error('FakeEngine: no query result prepared');
    return this.nextQuery;
  }

  relation(name: string): RelationInfo | undefined {
    return this.catalog.find((r) => r.name === name);
  }

  relations(): RelationInfo[] {
    return [...this.catalog];
  }

  insertRows(name: string, rows: readonly Row[]): void {
    this.#apply(name, rows.map((r) => [...r]));
  }

  insertColumns(name: string, columns: Column[], length: number): void {
    this.insertCalls.push({ name, columns, length });
    const rows: Row[] = [];
    for (let i = 0; i < length; i++) rows.push(columns.map((c) => c[i]!));
    this.#apply(name, rows);
  }

  /** Delivers arbitrary changes to subscribers of `view` (tests of updates/deletes). */
  emit(view: string, changes: EngineChange[]): void {
    for (const l of this.listeners.get(view) ?? []) l(changes);
  }

  #apply(name: string, rows: Row[]): void {
    this.rows.get(name)!.push(...rows);
    this.emit(`${name}_changes`, rows.map((row) => ({ op: 'insert', row })));
  }

  subscribe(name: string, listener: ChangeListener, opts?: { snapshot?: boolean }): EngineSubscription {
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    set.add(listener);
    if (opts?.snapshot) {
      const base = this.rows.get(name.replace(/_changes$/, '')) ?? [];
      if (base.length > 0) listener(base.map((row) => ({ op: 'insert', row })));
    }
    return { close: () => set.delete(listener) };
  }

  advanceWatermark(source: string, ms: number): void {
    this.watermarks.push({ source, ms });
  }

  registerFunction(name: string, fn: (...args: Value[]) => Value, sig: { args: DataType[]; returns: DataType }): void {
    this.functions.set(name, { fn, sig });
  }

  flush(): void {
    this.flushCount++;
  }

  close(): void {
    this.closeCount++;
  }
}
