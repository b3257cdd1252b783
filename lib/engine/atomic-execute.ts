// All-or-nothing execute() of several statements, as PostgreSQL runs a multi-statement simple
// query in one implicit transaction. The statements run as usual (each sees the effects of the
// ones before it) while the dataflow holds their changes back from subscribers and records every
// delta the table / source stores emit. If one fails, the undo log is applied in reverse: the
// inverse deltas are pushed into the stores (views retract incrementally, as for a DELETE),
// created objects are dropped, replaced views / functions and settings are restored, and the
// held changes are discarded, so subscribers see nothing of the call. A single statement takes
// none of this (it is already all-or-nothing on its own).
//
// DROP, CHECKPOINT and INSERT into an existing source cannot be undone: each commits the
// statements before it, and the statements after it form the next unit (see commitsBefore).

import { LaminarError } from '../errors.js';
import type { Statement } from '../sql/ast.js';
import { parse } from '../sql/parser.js';
import type { Batch, Column } from '../exec/batch.js';
import { rowAt, weightAt } from '../exec/runtime/batch-builder.js';
import type { DataflowNode, RootHold } from '../exec/runtime/dataflow.js';
import type { FunctionEntry, RelationEntry } from '../plan/catalog.js';
import type { Row } from '../types/value.js';
import { drop } from './ddl.js';
import type { EngineState } from './state.js';
import type { StatementResult } from './types.js';

type DropKind = 'TABLE' | 'SOURCE' | 'VIEW' | 'MATERIALIZED VIEW' | 'SINK' | 'FUNCTION';
const DROP_KIND_OF: Record<RelationEntry['kind'], DropKind> = {
  table: 'TABLE',
  source: 'SOURCE',
  view: 'VIEW',
  'materialized view': 'MATERIALIZED VIEW',
  sink: 'SINK',
};

type UndoEntry =
  | { kind: 'rows'; node: DataflowNode; rows: Row[]; weights: number[] }
  | { kind: 'created'; objectKind: DropKind; name: string }
  | { kind: 'relation-replaced'; entry: RelationEntry }
  | { kind: 'function-replaced'; entry: FunctionEntry }
  | { kind: 'setting'; name: string; had: boolean; value: string | number | boolean | undefined };

/**
 * Run the statements of one execute() call all-or-nothing (see the header). `run` executes one
 * statement. Errors are rethrown after the roll-back, naming the failed statement's position.
 */
export function executeStatements(s: EngineState, statements: readonly Statement[], run: (st: Statement) => StatementResult): StatementResult[] {
  // inside a step or a delivery (a subscriber callback) pushes are queued, so nothing could be
  // undone in time: such nested calls run statement by statement as before
  if (statements.length === 1 || s.flow.busy) return statements.map(run);
  const results: StatementResult[] = [];
  let unit: Unit | null = null;
  // statements applied for good: those before the open unit
  let committed = 0;
  try {
    statements.forEach((st, i) => {
      if (commitsBefore(s, st, unit)) {
        const done = unit;
        unit = null;
        done?.commit();
        committed = i;
        results.push(withPosition(statements, i, () => run(st)));
        committed = i + 1;
        return;
      }
      const u: Unit = (unit ??= new Unit(s));
      results.push(withPosition(statements, i, () => u.run(st, run)));
    });
  } catch (error) {
    (unit as Unit | null)?.rollBack();
    if (typeof error === 'object' && error !== null) committedCounts.set(error, committed);
    throw error;
  }
  (unit as Unit | null)?.commit();
  return results;
}

const committedCounts = new WeakMap<object, number>();

/**
 * For an error thrown by a multi-statement execute(): the text of the statements that stayed
 * applied (those a DROP / CHECKPOINT / source INSERT committed before the failing unit), so a
 * durable catalog can record what the call really did. Undefined for other errors.
 */
export function committedText(sql: string, error: unknown): string | undefined {
  const n = typeof error === 'object' && error !== null ? committedCounts.get(error) : undefined;
  if (n === undefined) return undefined;
  return parse(sql)
    .slice(0, n)
    .map((st) => st.text)
    .join(';\n');
}

/**
 * Statements that cannot be undone commit what ran before them in the call: DROP (it closes
 * subscriptions and frees state), CHECKPOINT, and INSERT into a source that existed before the
 * unit (sources are append-only, and their rows move event time on).
 */
function commitsBefore(s: EngineState, st: Statement, unit: Unit | null): boolean {
  if (st.kind === 'drop' || st.kind === 'checkpoint') return true;
  if (st.kind !== 'insert') return false;
  const target = s.catalog.relation(st.table);
  return target !== undefined && (target.kind === 'source' || (target.kind === 'table' && target.appendOnly === true)) && !(unit?.created(target.name) ?? false);
}

/** Statements run together: their changes are held from subscribers until commit or roll-back. */
class Unit {
  private readonly undo: UndoEntry[] = [];
  private readonly hold: RootHold;

  constructor(private readonly s: EngineState) {
    this.hold = s.flow.beginHold((node, batch) => this.record(node, batch));
  }

  run(st: Statement, run: (st: Statement) => StatementResult): StatementResult {
    const before = beforeStatement(this.s, st);
    const result = run(st);
    afterStatement(this.s, st, before, this.undo);
    return result;
  }

  created(name: string): boolean {
    return this.undo.some((e) => e.kind === 'created' && e.name === name);
  }

  commit(): void {
    this.s.flow.endHold(this.hold, true);
  }

  rollBack(): void {
    this.hold.recording = false;
    try {
      rollBack(this.s, this.undo);
    } finally {
      this.s.flow.endHold(this.hold, false);
    }
  }

  private record(node: DataflowNode, batch: Batch): void {
    const rows: Row[] = new Array(batch.length);
    const weights: number[] = new Array(batch.length);
    for (let i = 0; i < batch.length; i++) {
      rows[i] = rowAt(batch, i);
      weights[i] = weightAt(batch, i);
    }
    this.undo.push({ kind: 'rows', node, rows, weights });
  }
}

interface Before {
  relation?: RelationEntry;
  fn?: FunctionEntry;
  setting?: { had: boolean; value: string | number | boolean | undefined };
}

function createdName(st: Statement): string | undefined {
  switch (st.kind) {
    case 'create-table':
    case 'create-materialized-view':
    case 'create-view':
    case 'create-sink':
    case 'create-function':
      return st.name;
    default:
      return undefined;
  }
}

function beforeStatement(s: EngineState, st: Statement): Before {
  if (st.kind === 'set') return { setting: { had: s.settings.has(st.name), value: s.settings.get(st.name) } };
  const name = createdName(st);
  if (name === undefined) return {};
  return st.kind === 'create-function' ? { fn: s.catalog.function(name) } : { relation: s.catalog.relation(name) };
}

function afterStatement(s: EngineState, st: Statement, before: Before, undo: UndoEntry[]): void {
  if (st.kind === 'set') {
    undo.push({ kind: 'setting', name: st.name, had: before.setting!.had, value: before.setting!.value });
    return;
  }
  const name = createdName(st);
  if (name === undefined) return;
  if (st.kind === 'create-function') {
    const now = s.catalog.function(name);
    if (now === before.fn) return;
    undo.push(before.fn ? { kind: 'function-replaced', entry: before.fn } : { kind: 'created', objectKind: 'FUNCTION', name: now!.name });
    return;
  }
  const now = s.catalog.relation(name);
  if (now === undefined || now === before.relation) return; // IF NOT EXISTS that did nothing
  undo.push(before.relation ? { kind: 'relation-replaced', entry: before.relation } : { kind: 'created', objectKind: DROP_KIND_OF[now.kind], name: now.name });
}

/** Undo in reverse order; every step is tried even if one fails (the original error wins). */
function rollBack(s: EngineState, undo: UndoEntry[]): void {
  for (let k = undo.length - 1; k >= 0; k--) {
    const e = undo[k]!;
    try {
      switch (e.kind) {
        case 'rows':
          if (!e.node.removed) s.flow.push(e.node, inverse(e.rows, e.weights));
          break;
        case 'created':
          drop(s, { kind: 'drop', objectKind: e.objectKind, names: [e.name], ifExists: true, cascade: true, pos: { line: 1, column: 1, offset: 0 }, text: '' } as Statement & { kind: 'drop' });
          break;
        case 'relation-replaced':
          s.catalog.replaceRelation(e.entry);
          break;
        case 'function-replaced':
          s.catalog.addFunction(e.entry, true);
          break;
        case 'setting':
          if (e.had) s.settings.set(e.name, e.value!);
          else s.settings.delete(e.name);
          break;
      }
    } catch {
      // keep undoing the rest: the caller reports the statement's own error
    }
  }
}

/**
 * The store's delta undone: rows in reverse order with negated weights, so a keyed store that
 * replaced a row (−old, +new) first deletes the new row, then puts the old one back.
 */
function inverse(rows: Row[], weights: number[]): Batch {
  const n = rows.length;
  const width = rows[0]?.length ?? 0;
  const columns: Column[] = [];
  for (let c = 0; c < width; c++) columns.push(new Array(n));
  const w = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const row = rows[n - 1 - i]!;
    for (let c = 0; c < width; c++) (columns[c] as unknown[])[i] = row[c];
    w[i] = -weights[n - 1 - i]!;
  }
  return { length: n, columns, weights: w };
}

/** Run one statement; an error says which statement of the call failed and where it starts. */
function withPosition<R>(all: readonly Statement[], index: number, fn: () => R): R {
  try {
    return fn();
  } catch (error) {
    if (error instanceof LaminarError && !error.message.includes('(statement ')) {
      const pos = all[index]!.pos;
      error.message += ` (statement ${index + 1} of ${all.length}, at line ${pos.line}, column ${pos.column})`;
    }
    throw error;
  }
}
