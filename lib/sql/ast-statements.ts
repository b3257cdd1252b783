// The AST's statements (see ast.ts for the conventions).

import type { Expr, Pos, TypeName } from './ast-expr.js';
import type { Query, SelectItem, TableRef } from './ast-query.js';

// ---------------------------------------------------------------------------------------------
// Statements

export type Statement =
  | CreateTable
  | CreateMaterializedView
  | CreateView
  | CreateSink
  | CreateFunction
  | CreateIndex
  | Drop
  | Insert
  | Update
  | Delete
  | SelectStatement
  | Show
  | Describe
  | Explain
  | Flush
  | Checkpoint
  | SetOption
  | Begin
  | Commit;

interface StatementBase {
  pos: Pos;
  /** the statement's own text (without the trailing ';'), kept for the durable catalog */
  text: string;
}

/** WITH (key = value, …) options; keys lower case, dotted keys allowed (`kafka.topic`). */
export type Options = Record<string, string | number | boolean>;

export interface ColumnDef {
  name: string;
  type: TypeName;
  notNull: boolean;
  /** inline `PRIMARY KEY` */
  primaryKey: boolean;
  default?: Expr;
  pos: Pos;
}

export interface WatermarkDef {
  column: string;
  /** e.g. `ts - INTERVAL '5' SECOND`; bare `ts` for a zero delay */
  expr: Expr;
  pos: Pos;
}

/**
 * `CREATE TABLE`, `CREATE TABLE … APPEND ONLY` and `CREATE SOURCE` (sources are append-only:
 * `source` true implies `appendOnly` true).
 */
export interface CreateTable extends StatementBase {
  kind: 'create-table';
  source: boolean;
  name: string;
  ifNotExists: boolean;
  orReplace: boolean;
  columns: ColumnDef[];
  /** table-level `PRIMARY KEY (a, b)` merged with inline ones */
  primaryKey?: string[];
  appendOnly: boolean;
  watermark?: WatermarkDef;
  options: Options;
  /** `CREATE TABLE t AS SELECT …` */
  asQuery?: Query;
}

export interface CreateMaterializedView extends StatementBase {
  kind: 'create-materialized-view';
  name: string;
  ifNotExists: boolean;
  orReplace: boolean;
  columns?: string[];
  query: Query;
  /** `EMIT ON WINDOW CLOSE` → 'window-close'; `EMIT CHANGES` → 'changes'; absent = default */
  emit?: 'window-close' | 'changes';
  /** `EMIT … AFTER WATERMARK WITH DELAY` etc. are not supported; `WITH (…)` after the query */
  options: Options;
}

export interface CreateView extends StatementBase {
  kind: 'create-view';
  name: string;
  orReplace: boolean;
  ifNotExists: boolean;
  columns?: string[];
  query: Query;
}

/** `CREATE SINK s FROM v WITH (…)` or `CREATE SINK s AS SELECT … WITH (…)` */
export interface CreateSink extends StatementBase {
  kind: 'create-sink';
  name: string;
  ifNotExists: boolean;
  from?: string;
  query?: Query;
  options: Options;
}

/**
 * `CREATE [OR REPLACE] FUNCTION f(a INT, b INT) RETURNS INT LANGUAGE SQL AS 'select a + b'`
 * (also `RETURN expr` and `$$ … $$` bodies, IMMUTABLE etc. recorded in `volatility`).
 */
export interface CreateFunction extends StatementBase {
  kind: 'create-function';
  name: string;
  orReplace: boolean;
  params: { name?: string; type: TypeName }[];
  returns: TypeName;
  language: string;
  body: string;
  /** the body parsed as an expression when it is `RETURN expr` or a single `SELECT expr` */
  returnExpr?: Expr;
  volatility?: 'IMMUTABLE' | 'STABLE' | 'VOLATILE';
}

export interface CreateIndex extends StatementBase {
  kind: 'create-index';
  name?: string;
  table: string;
  columns: string[];
  ifNotExists: boolean;
}

export type ObjectKind =
  | 'TABLE'
  | 'SOURCE'
  | 'VIEW'
  | 'MATERIALIZED VIEW'
  | 'SINK'
  | 'FUNCTION'
  | 'INDEX';

export interface Drop extends StatementBase {
  kind: 'drop';
  objectKind: ObjectKind;
  names: string[];
  ifExists: boolean;
  cascade: boolean;
}

/** `INSERT INTO t [(cols)] VALUES … | SELECT … [ON CONFLICT …]` */
export interface Insert extends StatementBase {
  kind: 'insert';
  table: string;
  columns?: string[];
  source: Query;
  onConflict?: {
    target?: string[];
    action: 'nothing' | 'update';
    set?: { column: string; value: Expr }[];
    where?: Expr;
  };
  returning?: SelectItem[];
}

export interface Update extends StatementBase {
  kind: 'update';
  table: string;
  alias?: string;
  set: { column: string; value: Expr; pos: Pos }[];
  from?: TableRef[];
  where?: Expr;
}

export interface Delete extends StatementBase {
  kind: 'delete';
  table: string;
  alias?: string;
  where?: Expr;
}

export interface SelectStatement extends StatementBase {
  kind: 'select';
  query: Query;
}

/** SHOW TABLES | SOURCES | VIEWS | MATERIALIZED VIEWS | SINKS | FUNCTIONS | COLUMNS FROM x | <option> */
export interface Show extends StatementBase {
  kind: 'show';
  what: 'TABLES' | 'SOURCES' | 'VIEWS' | 'MATERIALIZED VIEWS' | 'SINKS' | 'FUNCTIONS' | 'COLUMNS' | 'OPTION';
  /** the object for SHOW COLUMNS FROM x / SHOW CREATE …, or the option name */
  target?: string;
}

/** `DESCRIBE x` / `DESC x` */
export interface Describe extends StatementBase {
  kind: 'describe';
  name: string;
}

export interface Explain extends StatementBase {
  kind: 'explain';
  analyze: boolean;
  verbose: boolean;
  statement: Statement;
}

export interface Flush extends StatementBase {
  kind: 'flush';
}

export interface Checkpoint extends StatementBase {
  kind: 'checkpoint';
}

/** `SET name = value` / `SET name TO value` */
export interface SetOption extends StatementBase {
  kind: 'set';
  name: string;
  value: string | number | boolean;
}

/** `BEGIN` / `START TRANSACTION` — accepted for compatibility */
export interface Begin extends StatementBase {
  kind: 'begin';
}

/** `COMMIT` / `END` / `ROLLBACK` (rollback = true) */
export interface Commit extends StatementBase {
  kind: 'commit';
  rollback: boolean;
}
