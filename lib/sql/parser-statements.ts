// Statements: dispatch on the first keyword, ';'-separated lists with each statement's own
// text, DML (INSERT / UPDATE / DELETE), SHOW, DESCRIBE, EXPLAIN, SET and transaction control.

import type {
  Delete,
  Explain,
  Expr,
  Insert,
  Pos,
  SelectItem,
  SetOption,
  Show,
  Statement,
  TypeName,
  Update,
} from './ast.js';
import { tokenize } from './lexer.js';
import { DdlParser } from './parser-ddl.js';

const STATEMENT_KEYWORDS =
  'SELECT, WITH, VALUES, CREATE, DROP, INSERT, UPDATE, DELETE, SHOW, DESCRIBE, EXPLAIN, FLUSH, CHECKPOINT, SET, BEGIN, COMMIT or ROLLBACK';

const STATEMENT_STARTS = [
  'SELECT', 'WITH', 'VALUES', 'CREATE', 'DROP', 'INSERT', 'UPDATE', 'DELETE', 'SHOW', 'DESCRIBE', 'EXPLAIN',
  'FLUSH', 'CHECKPOINT', 'SET', 'BEGIN', 'COMMIT', 'ROLLBACK', 'START',
];

const SHOW_LISTS: Record<string, Show['what']> = {
  TABLES: 'TABLES', SOURCES: 'SOURCES', VIEWS: 'VIEWS', SINKS: 'SINKS', FUNCTIONS: 'FUNCTIONS',
};

export class StatementParser extends DdlParser {
  /** Every ';'-separated statement; empty statements are skipped. */
  parseStatementList(): Statement[] {
    const out: Statement[] = [];
    while (true) {
      while (this.acceptOp(';'));
      if (this.atEnd()) return out;
      out.push(this.parseStatement());
      this.expectStatementEnd();
    }
  }

  /** Exactly one statement, optionally followed by ';'. */
  parseOnlyStatement(): Statement {
    while (this.acceptOp(';'));
    if (this.atEnd()) this.failExpected(`a statement (${STATEMENT_KEYWORDS})`);
    const stmt = this.parseStatement();
    this.expectStatementEnd();
    while (this.acceptOp(';'));
    if (!this.atEnd()) this.fail('expected exactly one statement, found another one');
    return stmt;
  }

  /** A whole input that must be one expression. */
  parseStandaloneExpression(): Expr {
    const e = this.parseExpr();
    if (!this.atEnd()) this.failUnexpected('end of input');
    return e;
  }

  /** A whole input that must be one type name. */
  parseStandaloneTypeName(): TypeName {
    const type = this.parseTypeName();
    if (!this.atEnd()) this.failExpected('end of input');
    return type;
  }

  protected parseBody(body: string): Statement[] {
    return runParser(body, (p) => p.parseStatementList());
  }

  private expectStatementEnd(): void {
    if (this.atEnd() || this.isOp(';')) return;
    this.failUnexpected("';' or end of input");
  }

  /** One statement at the cursor, with its source text. */
  parseStatement(): Statement {
    const start = this.tok;
    const stmt = this.parseStatementBody();
    stmt.text = this.sql.slice(start.pos.offset, this.toks[this.i - 1].end);
    return stmt;
  }

  private parseStatementBody(): Statement {
    const t = this.tok;
    const pos = t.pos;
    if (this.atQueryStart()) return { kind: 'select', query: this.parseQuery(), pos, text: '' };
    if (t.kind !== 'word') this.failExpected(`a statement (${STATEMENT_KEYWORDS})`);
    this.i++;
    switch (t.upper) {
      case 'CREATE': return this.parseCreate(pos);
      case 'DROP': return this.parseDrop(pos);
      case 'INSERT': return this.parseInsert(pos);
      case 'UPDATE': return this.parseUpdate(pos);
      case 'DELETE': return this.parseDelete(pos);
      case 'SHOW': return this.parseShow(pos);
      case 'DESCRIBE': case 'DESC':
        return { kind: 'describe', name: this.parseObjectName('a relation name'), pos, text: '' };
      case 'EXPLAIN': return this.parseExplain(pos);
      case 'FLUSH': return { kind: 'flush', pos, text: '' };
      case 'CHECKPOINT': return { kind: 'checkpoint', pos, text: '' };
      case 'SET': return this.parseSet(pos);
      case 'BEGIN':
        if (!this.acceptWord('TRANSACTION')) this.acceptWord('WORK');
        return { kind: 'begin', pos, text: '' };
      case 'START':
        this.expectWord('TRANSACTION');
        return { kind: 'begin', pos, text: '' };
      case 'COMMIT': case 'END': case 'ROLLBACK': case 'ABORT':
        if (!this.acceptWord('TRANSACTION')) this.acceptWord('WORK');
        return { kind: 'commit', rollback: t.upper === 'ROLLBACK' || t.upper === 'ABORT', pos, text: '' };
    }
    this.i--;
    this.failUnexpected(`a statement (${STATEMENT_KEYWORDS})`, STATEMENT_STARTS);
  }

  // --- DML ------------------------------------------------------------------------------------

  private parseInsert(pos: Pos): Insert {
    this.expectWord('INTO');
    const table = this.parseObjectName('a table name');
    const node: Insert = { kind: 'insert', table, source: undefined as never, pos, text: '' };
    if (this.isOp('(') && !this.queryAhead()) node.columns = this.parseParenIdentList();
    if (!this.atQueryStart()) this.failUnexpected('VALUES or SELECT', ['VALUES', 'SELECT', 'WITH']);
    node.source = this.parseQuery();
    if (this.acceptWords('ON', 'CONFLICT')) {
      const conflict: NonNullable<Insert['onConflict']> = { action: 'nothing' };
      if (this.isOp('(')) conflict.target = this.parseParenIdentList();
      this.expectWord('DO');
      if (this.acceptWord('UPDATE')) {
        conflict.action = 'update';
        this.expectWord('SET');
        conflict.set = this.parseAssignments().map(({ column, value }) => ({ column, value }));
        if (this.acceptWord('WHERE')) conflict.where = this.parseExpr();
      } else if (!this.acceptWord('NOTHING')) {
        this.failExpected('NOTHING or UPDATE');
      }
      node.onConflict = conflict;
    }
    if (this.acceptWord('RETURNING')) node.returning = this.parseReturning();
    return node;
  }

  private parseReturning(): SelectItem[] {
    const items: SelectItem[] = [];
    do {
      const t = this.tok;
      if (this.acceptOp('*')) {
        items.push({ kind: 'star', pos: t.pos });
        continue;
      }
      const item: SelectItem = { kind: 'expr', expr: this.parseExpr(), pos: t.pos };
      if (this.acceptWord('AS')) item.alias = this.parseLabel('an alias');
      else if (this.isBareAlias()) item.alias = this.advance().value;
      items.push(item);
    } while (this.acceptOp(','));
    return items;
  }

  /** `col = expr, …` */
  private parseAssignments(): Update['set'] {
    const set: Update['set'] = [];
    do {
      const pos = this.tok.pos;
      const column = this.parseIdent('a column name');
      this.expectOp('=');
      set.push({ column, value: this.parseExpr(), pos });
    } while (this.acceptOp(','));
    return set;
  }

  private parseTargetAlias(): string | undefined {
    if (this.acceptWord('AS')) return this.parseIdent('an alias');
    if (this.isBareAlias()) return this.advance().value;
    return undefined;
  }

  private parseUpdate(pos: Pos): Update {
    const table = this.parseObjectName('a table name');
    const node: Update = { kind: 'update', table, set: [], pos, text: '' };
    const alias = this.parseTargetAlias();
    if (alias !== undefined) node.alias = alias;
    this.expectWord('SET');
    node.set = this.parseAssignments();
    if (this.acceptWord('FROM')) node.from = this.parseFromList();
    if (this.acceptWord('WHERE')) node.where = this.parseExpr();
    return node;
  }

  private parseDelete(pos: Pos): Delete {
    this.expectWord('FROM');
    const table = this.parseObjectName('a table name');
    const node: Delete = { kind: 'delete', table, pos, text: '' };
    const alias = this.parseTargetAlias();
    if (alias !== undefined) node.alias = alias;
    if (this.acceptWord('WHERE')) node.where = this.parseExpr();
    return node;
  }

  // --- utility statements ---------------------------------------------------------------------

  private parseShow(pos: Pos): Show {
    const t = this.tok;
    if (t.kind === 'word' && t.upper in SHOW_LISTS && (this.peek().kind === 'eof' || this.isOp(';', this.peek()))) {
      this.i++;
      return { kind: 'show', what: SHOW_LISTS[t.upper], pos, text: '' };
    }
    if (this.acceptWords('MATERIALIZED', 'VIEWS')) return { kind: 'show', what: 'MATERIALIZED VIEWS', pos, text: '' };
    if (this.isWord('COLUMNS') && (this.isWordAt(1, 'FROM') || this.isWordAt(1, 'IN'))) {
      this.i += 2;
      return { kind: 'show', what: 'COLUMNS', target: this.parseObjectName('a relation name'), pos, text: '' };
    }
    if (this.acceptWords('TIME', 'ZONE')) return { kind: 'show', what: 'OPTION', target: 'timezone', pos, text: '' };
    return { kind: 'show', what: 'OPTION', target: this.parseDottedName('an option name'), pos, text: '' };
  }

  /** `a.b.c` kept whole (option names), lower case. */
  private parseDottedName(what: string): string {
    let name = this.parseLabel(what);
    while (this.acceptOp('.')) name += '.' + this.parseLabel(what);
    return name.toLowerCase();
  }

  private parseExplain(pos: Pos): Explain {
    let analyze = false;
    let verbose = false;
    if (this.isOp('(') && !this.queryAhead()) {
      this.i++;
      do {
        const opt = this.tok;
        if (!this.acceptWord('ANALYZE') && !this.acceptWord('ANALYSE') && !this.acceptWord('VERBOSE')) {
          this.failExpected('ANALYZE or VERBOSE');
        }
        let on = true;
        if (this.acceptWord('FALSE') || this.acceptWord('OFF')) on = false;
        else if (!this.acceptWord('TRUE')) this.acceptWord('ON');
        if (opt.upper === 'VERBOSE') verbose = on;
        else analyze = on;
      } while (this.acceptOp(','));
      this.expectOp(')');
    } else {
      if (this.acceptWord('ANALYZE') || this.acceptWord('ANALYSE')) analyze = true;
      if (this.acceptWord('VERBOSE')) verbose = true;
    }
    const statement = this.parseStatement();
    return { kind: 'explain', analyze, verbose, statement, pos, text: '' };
  }

  private parseSet(pos: Pos): SetOption {
    if (!this.acceptWord('SESSION')) this.acceptWord('LOCAL');
    let name: string;
    if (this.acceptWords('TIME', 'ZONE')) {
      name = 'timezone';
    } else {
      name = this.parseDottedName('an option name');
      if (!this.acceptOp('=') && !this.acceptWord('TO')) this.failExpected("'=' or TO");
    }
    const first = this.parseSetValue();
    if (!this.isOp(',')) return { kind: 'set', name, value: first, pos, text: '' };
    const parts = [String(first)];
    while (this.acceptOp(',')) parts.push(String(this.parseSetValue()));
    return { kind: 'set', name, value: parts.join(', '), pos, text: '' };
  }

  private parseSetValue(): string | number | boolean {
    const t = this.tok;
    if (t.kind === 'word') {
      switch (t.upper) {
        case 'ON': this.i++; return true;
        case 'OFF': this.i++; return false;
        case 'DEFAULT': this.i++; return 'default';
        case 'LOCAL': this.i++; return 'local';
      }
    }
    return this.parseOptionValue();
  }
}

/** Runs a parser over `sql`, converting a stack overflow into a positioned syntax error. */
export function runParser<T>(sql: string, fn: (p: StatementParser) => T): T {
  const parser = new StatementParser(sql, tokenize(sql));
  try {
    return fn(parser);
  } catch (e) {
    if (e instanceof RangeError) parser.failTooDeep();
    throw e;
  }
}
