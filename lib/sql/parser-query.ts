// Queries: WITH, set operations (INTERSECT binds tighter than UNION / EXCEPT), SELECT with its
// clauses, VALUES, ORDER BY / LIMIT / OFFSET / FETCH, and FROM items (tables, derived tables,
// joins, window table functions with TABLE / DESCRIPTOR / named arguments).

import type { SqlSyntaxError } from '../errors.js';
import type {
  CommonTableExpr,
  Expr,
  JoinRef,
  JoinType,
  Query,
  Select,
  SelectItem,
  SetExpr,
  TableFunctionArg,
  TableFunctionRef,
  TableRef,
  ValuesClause,
} from './ast.js';
import { ExprParser } from './parser-expr.js';
import type { Token } from './tokens.js';

/** Table functions whose first argument is a relation (`TUMBLE(bid, …)`). */
const WINDOW_TABLE_FUNCTIONS = new Set(['tumble', 'hop', 'session', 'cumulate']);

export abstract class QueryParser extends ExprParser {
  protected isQueryStart(t: Token): boolean {
    return t.kind === 'word' && (t.upper === 'SELECT' || t.upper === 'WITH' || t.upper === 'VALUES');
  }

  /** true when the current token starts a query, possibly parenthesised */
  protected atQueryStart(): boolean {
    return this.isQueryStart(this.tok) || this.queryAhead();
  }

  parseQuery(): Query {
    this.enter();
    const pos = this.tok.pos;
    const query: Query = { kind: 'query', body: undefined as unknown as SetExpr, orderBy: [], pos };
    if (this.acceptWord('WITH')) {
      const recursive = this.acceptWord('RECURSIVE');
      const ctes = [this.parseCte()];
      while (this.acceptOp(',')) ctes.push(this.parseCte());
      query.with = { recursive, ctes };
    }
    query.body = this.parseSetExpr();
    if (this.acceptWord('ORDER')) {
      this.expectWord('BY');
      query.orderBy = this.parseOrderItems();
    }
    this.parseLimitOffset(query);
    this.leave();
    return query;
  }

  private parseCte(): CommonTableExpr {
    const pos = this.tok.pos;
    const name = this.parseIdent('a common table expression name');
    const cte: CommonTableExpr = { name, query: undefined as unknown as Query, pos };
    if (this.isOp('(')) cte.columns = this.parseParenIdentList();
    this.expectWord('AS');
    if (!this.acceptWord('MATERIALIZED')) this.acceptWords('NOT', 'MATERIALIZED');
    if (!this.isOp('(')) this.failExpected("'('");
    cte.query = this.parseParenQuery();
    return cte;
  }

  private parseLimitOffset(query: Query): void {
    while (true) {
      const t = this.tok;
      if (this.acceptWord('LIMIT')) {
        if (query.limit) this.fail('LIMIT given more than once', t);
        if (this.acceptWord('ALL')) continue;
        query.limit = this.parseExpr();
      } else if (this.acceptWord('OFFSET')) {
        if (query.offset) this.fail('OFFSET given more than once', t);
        query.offset = this.parseExpr();
        if (!this.acceptWord('ROWS')) this.acceptWord('ROW');
      } else if (this.acceptWord('FETCH')) {
        if (query.limit) this.fail('LIMIT given more than once', t);
        if (!this.acceptWord('FIRST') && !this.acceptWord('NEXT')) this.failExpected('FIRST or NEXT');
        query.limit = this.isWord('ROW') || this.isWord('ROWS')
          ? { kind: 'number', text: '1', integer: true, pos: this.tok.pos }
          : this.parseExprAt(0);
        if (!this.acceptWord('ROWS') && !this.acceptWord('ROW')) this.failExpected('ROWS');
        this.expectWord('ONLY');
      } else {
        return;
      }
    }
  }

  // --- set operations -------------------------------------------------------------------------

  private parseSetExpr(): SetExpr {
    let left = this.parseIntersectTerm();
    while (this.isWord('UNION') || this.isWord('EXCEPT')) {
      const opTok = this.advance();
      const all = this.parseSetQuantifier();
      const right = this.parseIntersectTerm();
      left = { kind: 'set-op', op: opTok.upper as 'UNION' | 'EXCEPT', all, left, right, pos: left.pos };
    }
    return left;
  }

  private parseIntersectTerm(): SetExpr {
    let left = this.parseSetTerm();
    while (this.acceptWord('INTERSECT')) {
      const all = this.parseSetQuantifier();
      const right = this.parseSetTerm();
      left = { kind: 'set-op', op: 'INTERSECT', all, left, right, pos: left.pos };
    }
    return left;
  }

  private parseSetQuantifier(): boolean {
    if (this.acceptWord('ALL')) return true;
    this.acceptWord('DISTINCT');
    return false;
  }

  private parseSetTerm(): SetExpr {
    const t = this.tok;
    if (this.isWord('SELECT')) return this.parseSelect();
    if (this.isWord('VALUES')) return this.parseValues();
    if (this.isOp('(')) {
      // memoised: expression parsing may try the same parentheses as a query again
      const inner = this.parseParenQuery();
      // a parenthesised plain query is just its body
      const plain = !inner.with && inner.orderBy.length === 0 && !inner.limit && !inner.offset;
      return plain ? inner.body : inner;
    }
    if (this.isWord('WITH')) this.fail('WITH must come first in a query or be parenthesised', t);
    this.failUnexpected('SELECT, VALUES or \'(\'', ['SELECT', 'VALUES']);
  }

  protected parseValues(): ValuesClause {
    const pos = this.expectWord('VALUES').pos;
    const rows: Expr[][] = [];
    do {
      const open = this.expectOp('(');
      const row = this.parseExprList();
      this.expectOp(')');
      if (rows.length > 0 && row.length !== rows[0].length) {
        this.fail(`VALUES lists must all be the same length (row ${rows.length + 1} has ${row.length} values, the first has ${rows[0].length})`, open);
      }
      rows.push(row);
    } while (this.acceptOp(','));
    return { kind: 'values', rows, pos };
  }

  // --- SELECT ---------------------------------------------------------------------------------

  private parseSelect(): Select {
    const pos = this.expectWord('SELECT').pos;
    const select: Select = { kind: 'select', distinct: false, items: [], from: [], groupBy: [], windows: [], pos };
    if (this.acceptWord('DISTINCT')) {
      select.distinct = true;
      if (this.acceptWord('ON')) {
        this.expectOp('(');
        select.distinctOn = this.parseExprList();
        this.expectOp(')');
      }
    } else {
      this.acceptWord('ALL');
    }
    do select.items.push(this.parseSelectItem());
    while (this.acceptOp(','));
    if (this.acceptWord('FROM')) select.from = this.parseFromList();
    if (this.acceptWord('WHERE')) select.where = this.parseExpr();
    if (this.acceptWord('GROUP')) {
      this.expectWord('BY');
      this.acceptWord('ALL');
      select.groupBy = this.parseExprList();
    }
    if (this.acceptWord('HAVING')) select.having = this.parseExpr();
    for (let k = 0; k < 2; k++) {
      if (select.windows.length === 0 && this.acceptWord('WINDOW')) {
        do {
          const name = this.parseIdent('a window name');
          this.expectWord('AS');
          select.windows.push({ name, spec: this.parseWindowSpec() });
        } while (this.acceptOp(','));
      } else if (!select.qualify && this.acceptWord('QUALIFY')) {
        select.qualify = this.parseExpr();
      }
    }
    return select;
  }

  private parseSelectItem(): SelectItem {
    const t = this.tok;
    if (this.isOp('*')) {
      this.i++;
      return { kind: 'star', pos: t.pos };
    }
    // t.* and s.t.*
    if (t.kind === 'word' || t.kind === 'quoted') {
      let k = 0;
      while (this.isOp('.', this.peek(k + 1)) && (this.peek(k + 2).kind === 'word' || this.peek(k + 2).kind === 'quoted')) k += 2;
      if (this.isOp('.', this.peek(k + 1)) && this.isOp('*', this.peek(k + 2))) {
        const table = this.peek(k).value;
        this.i += k + 3;
        return { kind: 'star', table, pos: t.pos };
      }
    }
    const expr = this.parseExpr();
    const item: SelectItem = { kind: 'expr', expr, pos: t.pos };
    if (this.acceptWord('AS')) {
      item.alias = this.parseLabel('an alias');
    } else if (this.isBareAlias()) {
      this.lastBareAliasIndex = this.i;
      item.alias = this.advance().value;
    }
    return item;
  }

  // --- FROM -----------------------------------------------------------------------------------

  protected parseFromList(): TableRef[] {
    const refs = [this.parseTableRef()];
    while (this.acceptOp(',')) refs.push(this.parseTableRef());
    return refs;
  }

  protected parseTableRef(): TableRef {
    this.enter();
    let left = this.parseTablePrimary();
    while (true) {
      const join = this.parseJoinKeywords();
      if (!join) break;
      const right = this.parseTablePrimary();
      const node: JoinRef = { kind: 'join', type: join.type, asof: join.asof, natural: join.natural, left, right, pos: left.pos };
      if (join.type !== 'CROSS' && !join.natural) {
        if (this.acceptWord('ON')) node.on = this.parseExpr();
        else if (this.acceptWord('USING')) node.using = this.parseParenIdentList();
        else this.failExpected('ON or USING');
      }
      left = node;
    }
    this.leave();
    return left;
  }

  /** Consumes `[NATURAL] [INNER | LEFT|RIGHT|FULL [OUTER] | CROSS] JOIN` or `ASOF [LEFT] JOIN`. */
  private parseJoinKeywords(): { type: JoinType; natural: boolean; asof: boolean } | undefined {
    if (this.isWord('ASOF') && (this.isWordAt(1, 'JOIN') || (this.isWordAt(1, 'LEFT') && this.isWordAt(2, 'JOIN')))) {
      this.i++;
      const type: JoinType = this.acceptWord('LEFT') ? 'LEFT' : 'INNER';
      this.expectWord('JOIN');
      return { type, natural: false, asof: true };
    }
    if (this.acceptWords('CROSS', 'JOIN')) return { type: 'CROSS', natural: false, asof: false };
    const natural = this.acceptWord('NATURAL');
    let type: JoinType | undefined;
    if (this.acceptWord('INNER')) type = 'INNER';
    else if (this.isWord('LEFT') || this.isWord('RIGHT') || this.isWord('FULL')) {
      type = this.advance().upper as JoinType;
      this.acceptWord('OUTER');
    }
    if (type || natural) {
      this.expectWord('JOIN');
      return { type: type ?? 'INNER', natural, asof: false };
    }
    if (this.acceptWord('JOIN')) return { type: 'INNER', natural: false, asof: false };
    return undefined;
  }

  private parseTablePrimary(): TableRef {
    const t = this.tok;
    if (this.acceptWord('LATERAL')) {
      if (this.isOp('(')) return this.finishSubqueryRef(this.parseParenQuery(), t, true);
      if (this.isIdent() && this.isOp('(', this.peek())) return this.parseTableFunction();
      this.failExpected("a subquery or table function after LATERAL");
    }
    if (this.isOp('(')) {
      let queryError: SqlSyntaxError | undefined;
      if (this.queryAhead()) {
        const sub = this.tryParenQuery();
        if (sub.query) return this.finishSubqueryRef(sub.query, t, false);
        queryError = sub.error;
      }
      const r = this.attempt(() => {
        this.i++;
        const inner = this.parseTableRef();
        this.expectOp(')');
        return inner;
      });
      if (r.value) return r.value;
      const err = r.error!;
      throw queryError && (queryError.position ?? 0) > (err.position ?? 0) ? queryError : err;
    }
    if (this.isIdent() && this.isOp('(', this.peek())) return this.parseTableFunction();
    const name = this.parseObjectName('a table name');
    const ref: TableRef = { kind: 'table', name, pos: t.pos };
    this.parseSystemTime(ref);
    this.parseAlias(ref);
    if (!ref.systemTimeAsOf) this.parseSystemTime(ref);
    return ref;
  }

  /** `FOR SYSTEM_TIME AS OF expr` (temporal join) */
  private parseSystemTime(ref: { systemTimeAsOf?: Expr }): void {
    if (this.isWord('FOR') && this.isWordAt(1, 'SYSTEM_TIME')) {
      this.i += 2;
      this.expectWord('AS');
      this.expectWord('OF');
      ref.systemTimeAsOf = this.parseExpr();
    }
  }

  private finishSubqueryRef(query: Query, start: Token, lateral: boolean): TableRef {
    const ref: TableRef = { kind: 'subquery', query, lateral, pos: start.pos };
    this.parseAlias(ref);
    return ref;
  }

  /** `[AS] alias [(col, …)]` */
  private parseAlias(ref: { alias?: string; columnAliases?: string[] }): void {
    if (this.acceptWord('AS')) {
      ref.alias = this.parseIdent('an alias');
    } else if (this.isBareAlias()) {
      this.lastBareAliasIndex = this.i;
      ref.alias = this.advance().value;
    } else {
      return;
    }
    if (this.isOp('(')) ref.columnAliases = this.parseParenIdentList();
  }

  /** `name(args) [[AS] alias [(cols)]]`, the name is the current token. */
  private parseTableFunction(): TableFunctionRef {
    const nameTok = this.advance();
    const name = nameTok.value;
    this.expectOp('(');
    const args: TableFunctionArg[] = [];
    if (!this.isOp(')')) {
      do args.push(this.parseTableFunctionArg(name, args.length));
      while (this.acceptOp(','));
    }
    this.expectOp(')');
    const ref: TableFunctionRef = { kind: 'table-function', name, args, pos: nameTok.pos };
    this.parseAlias(ref);
    return ref;
  }

  private parseTableFunctionArg(fnName: string, index: number): TableFunctionArg {
    const pos = this.tok.pos;
    let argName: string | undefined;
    if ((this.tok.kind === 'word' || this.tok.kind === 'quoted') && this.isOp('=>', this.peek())) {
      argName = this.tok.value;
      this.i += 2;
    }
    if (this.acceptWord('TABLE')) {
      return { kind: 'table', name: this.parseObjectName('a table name'), pos };
    }
    if (this.isWord('DESCRIPTOR') && this.isOp('(', this.peek())) {
      this.i++;
      const arg: TableFunctionArg = { kind: 'descriptor', columns: this.parseParenIdentList(), pos };
      if (argName !== undefined) arg.name = argName;
      return arg;
    }
    const relationSlot = WINDOW_TABLE_FUNCTIONS.has(fnName) && (argName === undefined ? index === 0 : argName === 'data');
    if (relationSlot && this.isIdent()) {
      const saved = this.mark();
      const relation = this.parseObjectName();
      if (this.isOp(',') || this.isOp(')')) return { kind: 'table', name: relation, pos };
      this.reset(saved);
    }
    const arg: TableFunctionArg = { kind: 'expr', expr: this.parseExpr(), pos };
    if (argName !== undefined) arg.name = argName;
    return arg;
  }
}
