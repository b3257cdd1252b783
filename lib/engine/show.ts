// Row-returning statements other than DML: SELECT, SHOW, DESCRIBE, EXPLAIN.

import { CatalogError } from '../errors.js';
import type { SourcePosition } from '../errors.js';
import type { Explain, SelectStatement, Show } from '../sql/ast.js';
import { T, typeToSql } from '../types/datatype.js';
import type { Row } from '../types/value.js';
import type { RelationEntry } from '../plan/catalog.js';
import { explainLines, schemaLine } from '../plan/explain.js';
import type { ColumnInfo, StatementResult } from './types.js';
import type { EngineState } from './state.js';

export function selectResult(s: EngineState, st: SelectStatement, params: readonly unknown[]): StatementResult {
  const plan = s.plan(st.query, params, { top: true });
  const rows = s.run(plan);
  const columns: ColumnInfo[] = plan.schema.map((f) => ({ name: f.name, type: f.type.id === 'null' ? T.varchar : f.type, nullable: f.nullable }));
  return { command: 'SELECT', rowsAffected: rows.length, columns, rows };
}

const SHOW_KINDS: Record<string, RelationEntry['kind']> = {
  TABLES: 'table',
  SOURCES: 'source',
  VIEWS: 'view',
  'MATERIALIZED VIEWS': 'materialized view',
  SINKS: 'sink',
};

const nameColumn: ColumnInfo = { name: 'name', type: T.varchar, nullable: false };

export function show(s: EngineState, st: Show): StatementResult {
  if (st.what === 'COLUMNS') return { ...describe(s, st.target ?? '', st.pos), command: 'SHOW' };
  if (st.what === 'FUNCTIONS') {
    const rows: Row[] = s.catalog
      .functions()
      .map((f) => [f.name, f.kind === 'sql' ? 'sql' : 'javascript', `${f.params.map((p) => typeToSql(p.type)).join(', ')}`, typeToSql(f.returns)])
      .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    return {
      command: 'SHOW',
      rowsAffected: rows.length,
      columns: [nameColumn, { name: 'language', type: T.varchar, nullable: false }, { name: 'arguments', type: T.varchar, nullable: false }, { name: 'returns', type: T.varchar, nullable: false }],
      rows,
    };
  }
  if (st.what === 'OPTION') {
    const name = st.target ?? '';
    const v = s.settings.get(name);
    return { command: 'SHOW', rowsAffected: 1, columns: [{ name, type: T.varchar, nullable: true }], rows: [[v === undefined ? null : String(v)]] };
  }
  const kind = SHOW_KINDS[st.what]!;
  const rows: Row[] = s.catalog
    .relations()
    .filter((r) => r.kind === kind || (kind === 'source' && r.kind === 'table' && r.appendOnly))
    .map((r) => [r.name])
    .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
  return { command: 'SHOW', rowsAffected: rows.length, columns: [nameColumn], rows };
}

export function describe(s: EngineState, name: string, pos?: SourcePosition): StatementResult {
  const rel = s.catalog.relation(name);
  if (!rel) throw new CatalogError('UNKNOWN_OBJECT', `relation "${name}" does not exist`, pos);
  const pk = new Set(rel.kind === 'table' || rel.kind === 'source' ? (rel.primaryKey ?? []) : []);
  const rows: Row[] = rel.columns.map((c, i) => [c.name, typeToSql(c.type), c.nullable, pk.has(i)]);
  return {
    command: 'DESCRIBE',
    rowsAffected: rows.length,
    columns: [
      nameColumn,
      { name: 'type', type: T.varchar, nullable: false },
      { name: 'nullable', type: T.boolean, nullable: false },
      { name: 'primary_key', type: T.boolean, nullable: false },
    ],
    rows,
  };
}

export function explainStatement(s: EngineState, st: Explain, params: readonly unknown[]): StatementResult {
  const inner = st.statement;
  let plan;
  if (inner.kind === 'select') plan = s.plan(inner.query, params, { top: true });
  else if (inner.kind === 'create-materialized-view' || inner.kind === 'create-view') plan = s.plan(inner.query, params, { top: false });
  else if (inner.kind === 'insert') plan = s.plan(inner.source, params, { top: true });
  else throw new CatalogError('INVALID_ARGUMENT', `EXPLAIN supports SELECT, INSERT and CREATE [MATERIALIZED] VIEW, not ${inner.kind}`, st.pos);
  const lines = explainLines(plan);
  if (st.verbose) lines.push(schemaLine(plan));
  if (st.analyze) lines.push('(ANALYZE: run statistics are not collected yet)');
  return { command: 'EXPLAIN', rowsAffected: lines.length, columns: [{ name: 'QUERY PLAN', type: T.varchar, nullable: false }], rows: lines.map((l) => [l]) };
}
