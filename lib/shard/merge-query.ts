// One-shot queries over partitioned relations: the shards' contents of every relation the query
// names are gathered into a scratch engine (as plain tables) and the query runs there, so
// aggregates, ORDER BY, LIMIT and joins see the whole relation exactly as one engine would.
import { Engine } from '../engine/engine.js';
import type { QueryResult, RelationInfo } from '../engine/types.js';
import type { Row } from '../types/value.js';
import { typeToSql } from '../types/datatype.js';

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Relation names the SQL text mentions (a superset is harmless: it only costs a copy). */
export function mentionedRelations(sql: string, relations: readonly RelationInfo[]): RelationInfo[] {
  const lower = sql.toLowerCase();
  return relations.filter((r) => {
    const name = r.name.toLowerCase();
    const re = new RegExp(`(^|[^a-z0-9_$])${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^a-z0-9_$])`);
    return re.test(lower);
  });
}

/**
 * Runs `sql` over the given relation contents. `functionSql` re-creates the SQL functions the
 * query may call, `viewSql` the plain views it names.
 */
export function queryOverContents(
  sql: string,
  params: readonly unknown[],
  contents: ReadonlyMap<RelationInfo, Row[]>,
  functionSql: readonly string[],
  viewSql: readonly string[] = [],
): QueryResult {
  const scratch = new Engine({});
  for (const text of functionSql) scratch.execute(text);
  for (const [info, rows] of contents) {
    const cols = info.columns.map((c) => `${quoteIdent(c.name)} ${typeToSql(c.type)}`).join(', ');
    scratch.execute(`CREATE TABLE ${quoteIdent(info.name)} (${cols})`);
    if (rows.length > 0) scratch.insertRows(info.name, rows);
  }
  // plain views are inlined at planning: they only need to exist (in dependency order, as created)
  for (const text of viewSql) scratch.execute(text);
  try {
    return scratch.query(sql, params);
  } finally {
    scratch.close();
  }
}
