// Type names as written in SQL, canonicalised to the names in ast.ts TypeName.

import type { TypeName } from './ast.js';
import { ParserBase } from './parser-base.js';

type CanonicalType = TypeName['name'];

/** Single-word spellings and what they mean (multi-word forms are handled in parseTypeName). */
const SIMPLE_TYPES: Record<string, CanonicalType> = {
  BOOLEAN: 'BOOLEAN', BOOL: 'BOOLEAN',
  SMALLINT: 'SMALLINT', INT2: 'SMALLINT',
  INT: 'INT', INTEGER: 'INT', INT4: 'INT',
  BIGINT: 'BIGINT', INT8: 'BIGINT',
  REAL: 'REAL', FLOAT4: 'REAL',
  FLOAT8: 'DOUBLE',
  DECIMAL: 'DECIMAL', NUMERIC: 'DECIMAL', DEC: 'DECIMAL',
  VARCHAR: 'VARCHAR', TEXT: 'VARCHAR', STRING: 'VARCHAR',
  TIMESTAMPTZ: 'TIMESTAMPTZ',
  DATE: 'DATE',
  INTERVAL: 'INTERVAL',
  BYTEA: 'BYTEA',
  JSON: 'JSONB', JSONB: 'JSONB',
};

/** Words that can start a type name (used to recognise typed literals like `DATE '…'`). */
export const TYPE_START_WORDS = new Set([
  ...Object.keys(SIMPLE_TYPES), 'DOUBLE', 'FLOAT', 'CHAR', 'CHARACTER', 'TIMESTAMP',
]);

/** How many numbers may follow in parentheses: [min, max]. */
const PARAM_COUNTS: Partial<Record<CanonicalType, [number, number]>> = {
  DECIMAL: [1, 2],
  VARCHAR: [1, 1],
  TIMESTAMP: [1, 1],
  TIMESTAMPTZ: [1, 1],
};

export class TypeParser extends ParserBase {
  parseTypeName(): TypeName {
    const start = this.tok;
    if (start.kind !== 'word') this.failExpected('a type name');
    const pos = start.pos;
    const word = start.upper;
    this.i++;
    let name: CanonicalType;
    let params: number[] = [];
    let paramsAllowed = true;
    if (word === 'DOUBLE') {
      this.acceptWord('PRECISION');
      name = 'DOUBLE';
    } else if (word === 'FLOAT') {
      // PostgreSQL: float(1..24) is real, float(25..53) and plain float are double precision
      name = 'DOUBLE';
      if (this.isOp('(')) {
        const [p] = this.parseTypeParams('FLOAT', 1, 1);
        if (p < 1 || p > 53) this.fail('precision for type FLOAT must be between 1 and 53', start);
        if (p <= 24) name = 'REAL';
      }
      paramsAllowed = false;
    } else if (word === 'CHAR' || word === 'CHARACTER') {
      this.acceptWord('VARYING');
      name = 'VARCHAR';
    } else if (word === 'TIMESTAMP') {
      name = 'TIMESTAMP';
      if (this.isOp('(')) params = this.parseTypeParams('TIMESTAMP', 1, 1);
      if (this.acceptWords('WITH', 'TIME', 'ZONE')) name = 'TIMESTAMPTZ';
      else this.acceptWords('WITHOUT', 'TIME', 'ZONE');
      paramsAllowed = false;
    } else if (word in SIMPLE_TYPES) {
      name = SIMPLE_TYPES[word];
      if (word === 'TEXT' || word === 'STRING') paramsAllowed = false;
    } else {
      this.fail(`unknown type '${start.value}'`, start);
    }
    if (paramsAllowed && this.isOp('(')) {
      const counts = PARAM_COUNTS[name];
      if (!counts) this.fail(`type ${name} does not take parameters`, this.tok);
      params = this.parseTypeParams(name, counts[0], counts[1]);
    } else if (this.isOp('(')) {
      this.fail(`type ${start.upper} does not take parameters here`, this.tok);
    }
    if (name === 'TIMESTAMP' || name === 'TIMESTAMPTZ') {
      if (params.length && params[0] > 6) this.fail('timestamp precision must be between 0 and 6', start);
    }
    const array = this.parseArraySuffix();
    return { name, params, array, pos };
  }

  private parseTypeParams(typeName: string, min: number, max: number): number[] {
    const open = this.expectOp('(');
    const params: number[] = [];
    do {
      const t = this.tok;
      if (t.kind !== 'number' || !/^\d+$/.test(t.value)) this.failExpected('an integer');
      params.push(Number(t.value));
      this.i++;
    } while (this.acceptOp(','));
    this.expectOp(')');
    if (params.length < min || params.length > max) {
      const want = min === max ? `${min}` : `${min} or ${max}`;
      this.fail(`type ${typeName} takes ${want} parameter${max > 1 ? 's' : ''}, got ${params.length}`, open);
    }
    return params;
  }

  /** `[]`, `[3]` (any number of times) or `ARRAY` / `ARRAY[3]`. */
  private parseArraySuffix(): boolean {
    let array = false;
    while (true) {
      if (this.isOp('[') && (this.isOp(']', this.peek()) || (this.peek().kind === 'number' && this.isOp(']', this.peek(2))))) {
        this.i += this.isOp(']', this.peek()) ? 2 : 3;
        array = true;
      } else if (this.isWord('ARRAY')) {
        this.i++;
        if (this.isOp('[') && this.peek().kind === 'number' && this.isOp(']', this.peek(2))) this.i += 3;
        array = true;
      } else {
        return array;
      }
    }
  }
}
