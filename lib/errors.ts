// Error classes of the public API. Every error the library throws on purpose is a LaminarError
// with a stable `code`; SQL errors also carry the 1-based line and column of the offending token.

/** Where in the SQL text an error was found (1-based line and column, 0-based offset). */
export interface SourcePosition {
  line: number;
  column: number;
  offset: number;
}

/** Base class of every error thrown by laminardb. `code` is stable across versions. */
export class LaminarError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** An error located in SQL text. `line`/`column` are 1-based; absent when no text applies. */
export class SqlError extends LaminarError {
  readonly line?: number;
  readonly column?: number;
  readonly position?: number;
  constructor(code: string, message: string, pos?: SourcePosition, options?: { cause?: unknown }) {
    super(code, pos ? `line ${pos.line}, column ${pos.column}: ${message}` : message, options);
    if (pos) {
      this.line = pos.line;
      this.column = pos.column;
      this.position = pos.offset;
    }
  }
}

/** The SQL text does not parse. code: SYNTAX_ERROR */
export class SqlSyntaxError extends SqlError {
  constructor(message: string, pos?: SourcePosition) {
    super('SYNTAX_ERROR', message, pos);
  }
}

/**
 * A catalog problem: unknown or duplicate object, unknown column, dependants blocking a DROP.
 * codes: UNKNOWN_OBJECT, DUPLICATE_OBJECT, UNKNOWN_COLUMN, AMBIGUOUS_COLUMN, DEPENDENT_OBJECTS,
 * WRONG_OBJECT_KIND
 */
export class CatalogError extends SqlError {}

/** An expression's types do not fit (e.g. `'a' + 1`, non-boolean WHERE). code: TYPE_MISMATCH, ... */
export class SqlTypeError extends SqlError {}

/** Valid SQL that this engine does not support (yet). code: UNSUPPORTED */
export class UnsupportedError extends SqlError {
  constructor(message: string, pos?: SourcePosition) {
    super('UNSUPPORTED', message, pos);
  }
}

/**
 * A row does not fit its table's schema (unknown column, wrong type, NULL in NOT NULL, bad
 * timestamp). `column` names the column and `rowIndex` the row within the call.
 * codes: INVALID_VALUE, NOT_NULL_VIOLATION, UNKNOWN_COLUMN, PRIMARY_KEY_VIOLATION, INVALID_ROW
 */
export class SchemaError extends LaminarError {
  readonly column?: string;
  readonly rowIndex?: number;
  constructor(code: string, message: string, details: { column?: string; rowIndex?: number } = {}) {
    super(code, message);
    this.column = details.column;
    this.rowIndex = details.rowIndex;
  }
}

/**
 * A failure while evaluating data: division by zero, invalid cast, numeric overflow, a UDF that
 * threw. codes: DIVISION_BY_ZERO, INVALID_CAST, NUMERIC_OVERFLOW, UDF_ERROR, INVALID_ARGUMENT
 */
export class ExecutionError extends LaminarError {}

/** Durable storage failures. codes: IO_ERROR, CORRUPTION, DATABASE_LOCKED, DISK_FULL */
export class StorageError extends LaminarError {}

/** The database (or subscription) was closed. code: CLOSED */
export class ClosedError extends LaminarError {
  constructor(what = 'database') {
    super('CLOSED', `the ${what} is closed`);
  }
}
