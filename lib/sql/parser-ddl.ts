// DDL: CREATE TABLE / SOURCE / MATERIALIZED VIEW / VIEW / SINK / FUNCTION / INDEX, DROP, and
// WITH (…) option lists.

import { SqlSyntaxError } from '../errors.js';
import type {
  ColumnDef,
  CreateFunction,
  CreateIndex,
  CreateMaterializedView,
  CreateSink,
  CreateTable,
  CreateView,
  Drop,
  Expr,
  ObjectKind,
  Options,
  Pos,
  Statement,
  TypeName,
} from './ast.js';
import { PREC } from './parser-functions.js';
import { QueryParser } from './parser-query.js';
import type { Token } from './tokens.js';

const FUNCTION_CLAUSES = ['RETURNS', 'LANGUAGE', 'AS', 'RETURN', 'IMMUTABLE', 'STABLE', 'VOLATILE'];
const OBJECT_KEYWORDS = ['TABLE', 'SOURCE', 'MATERIALIZED', 'VIEW', 'SINK', 'FUNCTION', 'INDEX'];

export abstract class DdlParser extends QueryParser {
  /** parses a SQL function body with a fresh parser (set by the statement layer) */
  protected abstract parseBody(body: string): Statement[];

  /** CREATE has been consumed. */
  protected parseCreate(pos: Pos): Statement {
    const orReplace = this.acceptWords('OR', 'REPLACE');
    const t = this.tok;
    if (this.acceptWord('TABLE')) return this.parseCreateTable(pos, false, orReplace);
    if (this.acceptWord('SOURCE')) return this.parseCreateTable(pos, true, orReplace);
    if (this.acceptWords('MATERIALIZED', 'VIEW')) return this.parseCreateMaterializedView(pos, orReplace);
    if (this.acceptWord('VIEW')) return this.parseCreateView(pos, orReplace);
    if (this.acceptWord('FUNCTION')) return this.parseCreateFunction(pos, orReplace);
    if (this.isWord('SINK') || this.isWord('INDEX')) {
      if (orReplace) this.fail(`CREATE OR REPLACE is not allowed for ${t.upper}`, t);
      this.i++;
      return t.upper === 'SINK' ? this.parseCreateSink(pos) : this.parseCreateIndex(pos);
    }
    if (t.kind === 'word' && t.upper === 'MATERIALIZED') this.failExpected('VIEW', this.peek());
    this.failUnexpected('TABLE, SOURCE, MATERIALIZED VIEW, VIEW, SINK, FUNCTION or INDEX', OBJECT_KEYWORDS);
  }

  private parseIfNotExists(): boolean {
    return this.acceptWords('IF', 'NOT', 'EXISTS');
  }

  // --- tables and sources ---------------------------------------------------------------------

  private parseCreateTable(pos: Pos, source: boolean, orReplace: boolean): CreateTable {
    const ifNotExists = this.parseIfNotExists();
    const name = this.parseObjectName(source ? 'a source name' : 'a table name');
    const node: CreateTable = {
      kind: 'create-table', source, name, ifNotExists, orReplace, columns: [], appendOnly: source, options: {}, pos, text: '',
    };
    const hasColumns = this.isOp('(');
    if (hasColumns) this.parseTableElements(node);
    let withSeen = false;
    while (true) {
      const t = this.tok;
      if (this.acceptWords('APPEND', 'ONLY')) {
        node.appendOnly = true;
      } else if (this.isWord('WITH') && this.isOp('(', this.peek())) {
        if (withSeen) this.fail('WITH options given more than once', t);
        withSeen = true;
        this.i++;
        this.parseOptionList(node.options);
      } else if (this.isWord('FORMAT')) {
        this.parseFormatEncode(node.options);
      } else {
        break;
      }
    }
    if (!hasColumns) {
      if (source) this.failExpected("'('");
      if (!this.acceptWord('AS')) this.failExpected("'(' or AS");
      node.asQuery = this.parseQuery();
    }
    return node;
  }

  private parseTableElements(node: CreateTable): void {
    this.expectOp('(');
    let primaryKey: string[] | undefined;
    const duplicateKey = (at: Token): never => this.fail(`multiple primary keys for table '${node.name}' are not allowed`, at);
    do {
      const t = this.tok;
      if (this.isWord('PRIMARY') || this.isWord('CONSTRAINT')) {
        if (this.acceptWord('CONSTRAINT')) this.parseIdent('a constraint name');
        this.expectWord('PRIMARY');
        this.expectWord('KEY');
        if (primaryKey) duplicateKey(t);
        primaryKey = this.parseParenIdentList();
      } else if (this.isWord('WATERMARK') && this.isWordAt(1, 'FOR')) {
        this.i += 2;
        if (node.watermark) this.fail('only one WATERMARK is allowed', t);
        const column = this.parseIdent('a column name');
        this.expectWord('AS');
        node.watermark = { column, expr: this.parseExpr(), pos: t.pos };
      } else {
        const col = this.parseColumnDef();
        if (col.primaryKey) {
          if (primaryKey) duplicateKey(t);
          primaryKey = [col.name];
        }
        node.columns.push(col);
      }
    } while (this.acceptOp(','));
    this.expectOp(')');
    if (primaryKey) node.primaryKey = primaryKey;
    if (node.columns.length === 0) this.fail(`table '${node.name}' must have at least one column`, this.toks[this.i - 1]);
  }

  private parseColumnDef(): ColumnDef {
    const pos = this.tok.pos;
    const name = this.parseIdent('a column name');
    const type = this.parseTypeName();
    const col: ColumnDef = { name, type, notNull: false, primaryKey: false, pos };
    while (true) {
      if (this.acceptWords('NOT', 'NULL')) col.notNull = true;
      else if (this.acceptWord('NULL')) col.notNull = false;
      else if (this.acceptWords('PRIMARY', 'KEY')) {
        col.primaryKey = true;
        col.notNull = true;
      } else if (this.acceptWord('DEFAULT')) col.default = this.parseExprAt(PREC.OTHER);
      else return col;
    }
  }

  // --- options --------------------------------------------------------------------------------

  /** `( key = value, … )` into `into`; keys lower case, dotted keys allowed. */
  protected parseOptionList(into: Options): void {
    this.expectOp('(');
    do {
      const keyTok = this.tok;
      let key: string;
      if (keyTok.kind === 'string') {
        this.i++;
        key = keyTok.value;
      } else {
        key = this.parseLabel('an option name');
        while (this.isOp('.')) {
          this.i++;
          key += '.' + this.parseLabel('an option name');
        }
      }
      key = key.toLowerCase();
      if (Object.prototype.hasOwnProperty.call(into, key)) this.fail(`option '${key}' given more than once`, keyTok);
      this.expectOp('=');
      into[key] = this.parseOptionValue();
    } while (this.acceptOp(','));
    this.expectOp(')');
  }

  /** A literal option value: 'text', 42, -1.5, TRUE/FALSE, or a bare word (as text). */
  protected parseOptionValue(): string | number | boolean {
    const t = this.tok;
    const negative = this.isOp('-') && this.peek().kind === 'number';
    if (negative || (this.isOp('+') && this.peek().kind === 'number')) this.i++;
    const v = this.tok;
    switch (v.kind) {
      case 'string':
        if (negative) break;
        this.i++;
        return v.value;
      case 'number': {
        this.i++;
        const text = (negative ? '-' : '') + v.value;
        const n = Number(text);
        // integers beyond 2^53 keep their exact text
        return /^-?\d+$/.test(text) && !Number.isSafeInteger(n) ? text : n;
      }
      case 'word':
      case 'quoted':
        if (negative) break;
        this.i++;
        if (v.kind === 'word' && (v.upper === 'TRUE' || v.upper === 'FALSE')) return v.upper === 'TRUE';
        return v.value;
    }
    this.failExpected('an option value (a string, number, TRUE/FALSE or a name)', t);
  }

  /** RisingWave's `FORMAT PLAIN ENCODE JSON [( … )]`, kept as options format / encode. */
  private parseFormatEncode(into: Options): void {
    const t = this.advance();
    if (Object.prototype.hasOwnProperty.call(into, 'format')) this.fail("option 'format' given more than once", t);
    into.format = this.parseLabel('a format name').toLowerCase();
    this.expectWord('ENCODE');
    into.encode = this.parseLabel('an encoding name').toLowerCase();
    if (this.isOp('(')) this.parseOptionList(into);
  }

  // --- views and sinks ------------------------------------------------------------------------

  private parseCreateMaterializedView(pos: Pos, orReplace: boolean): CreateMaterializedView {
    const ifNotExists = this.parseIfNotExists();
    const name = this.parseObjectName('a view name');
    const node: CreateMaterializedView = {
      kind: 'create-materialized-view', name, ifNotExists, orReplace, query: undefined as never, options: {}, pos, text: '',
    };
    if (this.isOp('(')) node.columns = this.parseParenIdentList();
    let withSeen = false;
    if (this.isWord('WITH') && this.isOp('(', this.peek())) {
      withSeen = true;
      this.i++;
      this.parseOptionList(node.options);
    }
    this.expectWord('AS');
    node.query = this.parseQuery();
    if (this.acceptWord('EMIT')) {
      if (this.acceptWords('ON', 'WINDOW', 'CLOSE')) node.emit = 'window-close';
      else if (this.acceptWord('CHANGES')) node.emit = 'changes';
      else this.failExpected('ON WINDOW CLOSE or CHANGES');
    }
    if (this.isWord('WITH') && this.isOp('(', this.peek())) {
      if (withSeen) this.fail('WITH options given more than once');
      this.i++;
      this.parseOptionList(node.options);
    }
    return node;
  }

  private parseCreateView(pos: Pos, orReplace: boolean): CreateView {
    const ifNotExists = this.parseIfNotExists();
    const name = this.parseObjectName('a view name');
    const node: CreateView = { kind: 'create-view', name, orReplace, ifNotExists, query: undefined as never, pos, text: '' };
    if (this.isOp('(')) node.columns = this.parseParenIdentList();
    this.expectWord('AS');
    node.query = this.parseQuery();
    return node;
  }

  private parseCreateSink(pos: Pos): CreateSink {
    const ifNotExists = this.parseIfNotExists();
    const name = this.parseObjectName('a sink name');
    const node: CreateSink = { kind: 'create-sink', name, ifNotExists, options: {}, pos, text: '' };
    if (this.acceptWord('FROM')) node.from = this.parseObjectName('a relation name');
    else if (this.acceptWord('AS')) node.query = this.parseQuery();
    else this.failExpected('FROM or AS');
    if (this.isWord('WITH') && this.isOp('(', this.peek())) {
      this.i++;
      this.parseOptionList(node.options);
    }
    if (this.isWord('FORMAT')) this.parseFormatEncode(node.options);
    return node;
  }

  private parseCreateIndex(pos: Pos): CreateIndex {
    const ifNotExists = this.parseIfNotExists();
    const node: CreateIndex = { kind: 'create-index', table: '', columns: [], ifNotExists, pos, text: '' };
    if (!this.isWord('ON')) node.name = this.parseObjectName('an index name');
    this.expectWord('ON');
    node.table = this.parseObjectName('a table name');
    if (this.acceptWord('USING')) this.parseIdent('an index method');
    this.expectOp('(');
    do {
      node.columns.push(this.parseIdent('a column name'));
      if (!this.acceptWord('ASC')) this.acceptWord('DESC');
    } while (this.acceptOp(','));
    this.expectOp(')');
    return node;
  }

  // --- functions ------------------------------------------------------------------------------

  private parseCreateFunction(pos: Pos, orReplace: boolean): CreateFunction {
    const name = this.parseObjectName('a function name');
    this.expectOp('(');
    const params: CreateFunction['params'] = [];
    if (!this.isOp(')')) {
      do params.push(this.parseFunctionParam());
      while (this.acceptOp(','));
    }
    this.expectOp(')');
    let returns: TypeName | undefined;
    let language: string | undefined;
    let bodyTok: Token | undefined;
    let returnExpr: Expr | undefined;
    let body: string | undefined;
    let volatility: CreateFunction['volatility'];
    while (!this.atEnd() && !this.isOp(';')) {
      const t = this.tok;
      if (this.acceptWord('RETURNS')) {
        if (returns) this.fail('RETURNS given more than once', t);
        returns = this.parseTypeName();
      } else if (this.acceptWord('LANGUAGE')) {
        if (language) this.fail('LANGUAGE given more than once', t);
        const l = this.tok;
        if (l.kind !== 'string' && l.kind !== 'word' && l.kind !== 'quoted') this.failExpected('a language name');
        this.i++;
        language = l.value.toLowerCase();
      } else if (this.isWord('IMMUTABLE') || this.isWord('STABLE') || this.isWord('VOLATILE')) {
        if (volatility) this.fail('volatility given more than once', t);
        volatility = this.advance().upper as CreateFunction['volatility'];
      } else if (this.acceptWord('AS')) {
        if (body !== undefined) this.fail('function body given more than once', t);
        if (this.tok.kind !== 'string') this.failExpected('the function body as a string');
        bodyTok = this.advance();
        body = bodyTok.value;
      } else if (this.acceptWord('RETURN')) {
        if (body !== undefined) this.fail('function body given more than once', t);
        const start = this.tok;
        returnExpr = this.parseExpr();
        body = this.sql.slice(start.pos.offset, this.toks[this.i - 1].end);
      } else {
        this.failUnexpected('RETURNS, LANGUAGE, AS, RETURN, IMMUTABLE, STABLE or VOLATILE', FUNCTION_CLAUSES);
      }
    }
    if (!returns) this.failExpected('RETURNS');
    if (body === undefined) this.failExpected("a function body (AS '…' or RETURN expression)");
    language ??= 'sql';
    if (language === 'sql' && bodyTok) returnExpr = this.parseSqlFunctionBody(bodyTok);
    const node: CreateFunction = { kind: 'create-function', name, orReplace, params, returns, language, body, pos, text: '' };
    if (returnExpr) node.returnExpr = returnExpr;
    if (volatility) node.volatility = volatility;
    return node;
  }

  /** `[IN] [name] type` — a lone word is a type name when it parses as one (`f(int, text)`). */
  private parseFunctionParam(): { name?: string; type: TypeName } {
    this.acceptWord('IN');
    const asType = this.attempt(() => {
      const type = this.parseTypeName();
      if (!this.isOp(',') && !this.isOp(')')) this.failExpected("',' or ')'");
      return type;
    });
    if (asType.value) return { type: asType.value };
    const name = this.parseIdent('a parameter name');
    return { name, type: this.parseTypeName() };
  }

  /**
   * Parses a LANGUAGE SQL body; its expression is returned when the body is a single
   * `SELECT expr` (no FROM or other clauses). Errors are positioned inside the outer text when
   * the literal's text is the body verbatim.
   */
  private parseSqlFunctionBody(bodyTok: Token): Expr | undefined {
    let stmts: Statement[];
    try {
      stmts = this.parseBody(bodyTok.value);
    } catch (e) {
      if (!(e instanceof SqlSyntaxError)) throw e;
      const raw = this.sql.slice(bodyTok.pos.offset, bodyTok.end);
      const inner = raw.indexOf(bodyTok.value);
      const verbatim = bodyTok.value.length > 0 && inner >= 0 && raw.lastIndexOf(bodyTok.value) === inner;
      const message = e.message.replace(/^line \d+, column \d+: /, '');
      if (verbatim && e.position !== undefined) {
        this.fail(`in function body: ${message}`, this.posAt(bodyTok.pos.offset + inner + e.position));
      }
      this.fail(`in function body: ${message}`, bodyTok);
    }
    if (stmts.length !== 1 || stmts[0].kind !== 'select') return undefined;
    const q = stmts[0].query;
    const b = q.body;
    if (q.with || q.orderBy.length || q.limit || q.offset || b.kind !== 'select') return undefined;
    if (b.items.length !== 1 || b.items[0].kind !== 'expr' || b.from.length || b.where || b.groupBy.length
      || b.having || b.distinct || b.qualify || b.windows.length) return undefined;
    return b.items[0].expr;
  }

  /** The line/column of an offset in this parser's text. */
  protected posAt(offset: number): Pos {
    let line = 1;
    let lineStart = 0;
    for (let k = 0; k < offset && k < this.sql.length; k++) {
      const c = this.sql.charCodeAt(k);
      if (c === 10 || (c === 13 && this.sql.charCodeAt(k + 1) !== 10)) {
        line++;
        lineStart = k + 1;
      }
    }
    return { line, column: offset - lineStart + 1, offset };
  }

  // --- DROP -----------------------------------------------------------------------------------

  /** DROP has been consumed. */
  protected parseDrop(pos: Pos): Drop {
    let objectKind: ObjectKind;
    if (this.acceptWords('MATERIALIZED', 'VIEW')) objectKind = 'MATERIALIZED VIEW';
    else if (this.isWord('TABLE') || this.isWord('SOURCE') || this.isWord('VIEW') || this.isWord('SINK')
      || this.isWord('FUNCTION') || this.isWord('INDEX')) objectKind = this.advance().upper as ObjectKind;
    else this.failUnexpected('TABLE, SOURCE, VIEW, MATERIALIZED VIEW, SINK, FUNCTION or INDEX', OBJECT_KEYWORDS);
    const ifExists = this.acceptWords('IF', 'EXISTS');
    const names: string[] = [];
    do {
      names.push(this.parseObjectName('a name'));
      if (objectKind === 'FUNCTION' && this.isOp('(')) this.skipFunctionSignature();
    } while (this.acceptOp(','));
    let cascade = false;
    if (this.acceptWord('CASCADE')) cascade = true;
    else this.acceptWord('RESTRICT');
    return { kind: 'drop', objectKind, names, ifExists, cascade, pos, text: '' };
  }

  /** `DROP FUNCTION f(int, text)`: the argument types are checked for syntax only. */
  private skipFunctionSignature(): void {
    this.expectOp('(');
    if (!this.isOp(')')) {
      do this.parseFunctionParam();
      while (this.acceptOp(','));
    }
    this.expectOp(')');
  }
}
