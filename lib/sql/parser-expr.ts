// Expressions: a precedence-climbing parser with PostgreSQL's operator precedence (see PREC),
// literals, parameters, column references, subqueries and the keyword-led primaries
// (CASE, CAST, EXISTS, ARRAY, ROW, INTERVAL, typed literals, CURRENT_TIMESTAMP …).

import { SqlSyntaxError } from '../errors.js';
import type { BinaryOp, Expr, IntervalLiteral, IntervalUnit, Pos, Query, QuantifiedExpr } from './ast.js';
import { FunctionParser, PREC } from './parser-functions.js';
import { TYPE_START_WORDS } from './parser-types.js';
import { describeToken, FUNCTION_NAME_KEYWORDS, type Token } from './tokens.js';

const COMPARISON_OPS: Record<string, BinaryOp> = {
  '=': '=', '<>': '<>', '!=': '<>', '<': '<', '<=': '<=', '>': '>', '>=': '>=',
};

/** Operators of the "any other operator" class, all left-associative at PREC.OTHER. */
const OTHER_OPS = new Set(['||', '~', '~*', '!~', '!~*', '->', '->>', '@>', '<@', '&&', '&', '|', '#', '<<', '>>']);

const INFIX_WORD_AFTER_NOT = new Set(['LIKE', 'ILIKE', 'SIMILAR', 'BETWEEN', 'IN']);

const INTERVAL_UNITS: Record<string, IntervalUnit> = {
  YEAR: 'YEAR', YEARS: 'YEAR', MONTH: 'MONTH', MONTHS: 'MONTH', WEEK: 'WEEK', WEEKS: 'WEEK',
  DAY: 'DAY', DAYS: 'DAY', HOUR: 'HOUR', HOURS: 'HOUR', MINUTE: 'MINUTE', MINUTES: 'MINUTE',
  SECOND: 'SECOND', SECONDS: 'SECOND', MILLISECOND: 'MILLISECOND', MILLISECONDS: 'MILLISECOND',
  MICROSECOND: 'MICROSECOND', MICROSECONDS: 'MICROSECOND',
};

/** Niladic SQL functions written without parentheses. */
const NILADIC_FUNCTIONS = new Set(['CURRENT_TIMESTAMP', 'CURRENT_DATE', 'CURRENT_TIME', 'LOCALTIMESTAMP', 'LOCALTIME']);

const NON_ASSOCIATIVE = new Set<number>([PREC.IS, PREC.COMPARE, PREC.LIKE]);

interface MemoizedQuery {
  query?: Query;
  error?: SqlSyntaxError;
  end: number;
  param: number;
}

export abstract class ExprParser extends FunctionParser {
  /** `( query )` attempts by token index, so backtracking over parentheses stays linear */
  private readonly parenQueryMemo = new Map<number, MemoizedQuery>();

  /** true when `t` starts a query (SELECT / WITH / VALUES); defined by the query layer. */
  protected abstract isQueryStart(t: Token): boolean;

  parseExpr(): Expr {
    return this.parseExprAt(0);
  }

  parseExprAt(minLevel: number): Expr {
    this.enter();
    let left = this.parsePrefix();
    while (true) {
      const level = this.infixLevel();
      if (level === 0 || level < minLevel) break;
      left = this.parseInfix(left, level);
      if (NON_ASSOCIATIVE.has(level) && this.infixLevel() === level) {
        const t = this.tok;
        this.fail(`unexpected ${describeToken(this.sql, t)}: this operator is non-associative, add parentheses`, t);
      }
    }
    this.leave();
    return left;
  }

  // --- operators ------------------------------------------------------------------------------

  /** The precedence of the current token used as an infix or postfix operator; 0 if it is not one. */
  private infixLevel(): number {
    const t = this.tok;
    if (t.kind === 'op') {
      const v = t.value;
      if (v in COMPARISON_OPS) return PREC.COMPARE;
      if (v === '+' || v === '-') return PREC.ADD;
      if (v === '*' || v === '/' || v === '%') return PREC.MUL;
      if (v === '^') return PREC.EXP;
      if (v === '::' || v === '[') return PREC.POSTFIX;
      if (OTHER_OPS.has(v)) return PREC.OTHER;
      return 0;
    }
    if (t.kind !== 'word') return 0;
    switch (t.upper) {
      case 'OR': return PREC.OR;
      case 'AND': return PREC.AND;
      case 'IS': case 'ISNULL': case 'NOTNULL': return PREC.IS;
      case 'LIKE': case 'ILIKE': case 'SIMILAR': case 'BETWEEN': case 'IN': return PREC.LIKE;
      case 'NOT': {
        const next = this.peek();
        return next.kind === 'word' && INFIX_WORD_AFTER_NOT.has(next.upper) ? PREC.LIKE : 0;
      }
      case 'AT': return this.isWordAt(1, 'TIME') ? PREC.AT_TIME_ZONE : 0;
      default: return 0;
    }
  }

  private parseInfix(left: Expr, level: number): Expr {
    const pos = left.pos;
    const t = this.advance();
    if (t.kind === 'op') {
      switch (t.value) {
        case '::': return { kind: 'cast', expr: left, type: this.parseTypeName(), try: false, pos };
        case '[': {
          const index = this.parseExpr();
          this.expectOp(']');
          return { kind: 'subscript', expr: left, index, pos };
        }
      }
      if (level === PREC.COMPARE) {
        const op = COMPARISON_OPS[t.value];
        const quantified = this.parseQuantified(left, op as QuantifiedExpr['op']);
        if (quantified) return quantified;
        return { kind: 'binary', op, left, right: this.parseExprAt(level + 1), pos };
      }
      return { kind: 'binary', op: t.value as BinaryOp, left, right: this.parseExprAt(level + 1), pos };
    }
    switch (t.upper) {
      case 'OR': case 'AND':
        return { kind: 'binary', op: t.upper, left, right: this.parseExprAt(level + 1), pos };
      case 'ISNULL': return { kind: 'is', expr: left, test: 'NULL', not: false, pos };
      case 'NOTNULL': return { kind: 'is', expr: left, test: 'NULL', not: true, pos };
      case 'IS': return this.parseIsTail(left);
      case 'AT': {
        this.expectWord('TIME');
        this.expectWord('ZONE');
        const zone = this.parseExprAt(PREC.AT_TIME_ZONE + 1);
        return this.makeCall('timezone', [zone, left], pos);
      }
    }
    const not = t.upper === 'NOT';
    const kw = not ? this.advance() : t;
    switch (kw.upper) {
      case 'LIKE': case 'ILIKE': {
        if (!not) {
          const quantified = this.parseQuantified(left, kw.upper);
          if (quantified) return quantified;
        }
        return this.parseLikeTail(left, ((not ? 'NOT ' : '') + kw.upper) as BinaryOp);
      }
      case 'SIMILAR':
        this.expectWord('TO');
        return this.parseLikeTail(left, not ? 'NOT SIMILAR TO' : 'SIMILAR TO');
      case 'BETWEEN': {
        let symmetric = false;
        if (this.acceptWord('SYMMETRIC')) symmetric = true;
        else this.acceptWord('ASYMMETRIC');
        const low = this.parseExprAt(PREC.OTHER);
        this.expectWord('AND');
        const high = this.parseExprAt(PREC.OTHER);
        return { kind: 'between', expr: left, low, high, not, symmetric, pos };
      }
      case 'IN': return this.parseInTail(left, not);
    }
    this.fail(`unexpected ${describeToken(this.sql, kw)}`, kw);
  }

  private parseLikeTail(left: Expr, op: BinaryOp): Expr {
    const right = this.parseExprAt(PREC.OTHER);
    const node: Expr = { kind: 'binary', op, left, right, pos: left.pos };
    if (this.acceptWord('ESCAPE')) node.escape = this.parseExprAt(PREC.OTHER);
    return node;
  }

  /** After IS: [NOT] NULL | TRUE | FALSE | UNKNOWN | DISTINCT FROM x */
  private parseIsTail(left: Expr): Expr {
    const not = this.acceptWord('NOT');
    const t = this.tok;
    if (t.kind === 'word') {
      switch (t.upper) {
        case 'NULL': case 'TRUE': case 'FALSE': case 'UNKNOWN':
          this.i++;
          return { kind: 'is', expr: left, test: t.upper, not, pos: left.pos };
        case 'DISTINCT': {
          this.i++;
          this.expectWord('FROM');
          const right = this.parseExprAt(PREC.IS + 1);
          return { kind: 'binary', op: not ? 'IS NOT DISTINCT FROM' : 'IS DISTINCT FROM', left, right, pos: left.pos };
        }
      }
    }
    this.failExpected(not ? 'NULL, TRUE, FALSE, UNKNOWN or DISTINCT FROM' : 'NULL, NOT, TRUE, FALSE, UNKNOWN or DISTINCT FROM');
  }

  /** `x op ANY|SOME|ALL (…)`; undefined when no quantifier follows. */
  private parseQuantified(left: Expr, op: QuantifiedExpr['op']): QuantifiedExpr | undefined {
    const t = this.tok;
    if (!(t.kind === 'word' && (t.upper === 'ANY' || t.upper === 'SOME' || t.upper === 'ALL') && this.isOp('(', this.peek()))) {
      return undefined;
    }
    this.i++;
    const quantifier = t.upper === 'ALL' ? 'ALL' : 'ANY';
    let subject: QuantifiedExpr['subject'];
    if (this.isQueryStart(this.peek())) {
      subject = { kind: 'query', query: this.parseParenQuery() };
    } else {
      this.expectOp('(');
      subject = { kind: 'expr', expr: this.parseExpr() };
      this.expectOp(')');
    }
    return { kind: 'quantified', op, quantifier, expr: left, subject, pos: left.pos };
  }

  private parseInTail(left: Expr, not: boolean): Expr {
    if (!this.isOp('(')) this.failExpected("'('");
    if (this.queryAhead()) {
      const sub = this.tryParenQuery();
      if (sub.query) return { kind: 'in-subquery', expr: left, query: sub.query, not, pos: left.pos };
    }
    this.expectOp('(');
    const list = this.parseExprList();
    this.expectOp(')');
    return { kind: 'in-list', expr: left, list, not, pos: left.pos };
  }

  // --- prefix operators and primaries ---------------------------------------------------------

  private parsePrefix(): Expr {
    const t = this.tok;
    if (t.kind === 'op' && (t.value === '-' || t.value === '+')) {
      this.i++;
      const operand = this.parseExprAt(PREC.UNARY);
      // fold -<number> into one literal so the most negative BIGINT stays representable
      if (t.value === '-' && operand.kind === 'number' && !operand.text.startsWith('-')) {
        return { kind: 'number', text: '-' + operand.text, integer: operand.integer, pos: t.pos };
      }
      return { kind: 'unary', op: t.value, operand, pos: t.pos };
    }
    if (t.kind === 'op' && t.value === '~') {
      this.i++;
      return { kind: 'unary', op: '~', operand: this.parseExprAt(PREC.OTHER + 1), pos: t.pos };
    }
    if (this.isWord('NOT')) {
      const next = this.peek();
      this.i++;
      const operand = this.parseExprAt(PREC.NOT + 1);
      // `NOT EXISTS (…)` is one node (ExistsExpr.not), as the binder plans it as an anti-join
      if (operand.kind === 'exists' && !operand.not && operand.pos === next.pos) {
        return { ...operand, not: true, pos: t.pos };
      }
      return { kind: 'unary', op: 'NOT', operand, pos: t.pos };
    }
    return this.parsePrimary();
  }

  private parsePrimary(): Expr {
    const t = this.tok;
    switch (t.kind) {
      case 'number':
        this.i++;
        return { kind: 'number', text: t.value, integer: !/[.eE]/.test(t.value), pos: t.pos };
      case 'string':
        this.i++;
        return { kind: 'string', value: t.value, pos: t.pos };
      case 'param':
        this.i++;
        return { kind: 'param', index: this.paramIndex(t), pos: t.pos };
      case 'quoted':
        return this.parseNameOrCall();
      case 'word':
        return this.parseWordPrimary(t);
      case 'op':
        if (t.value === '(') return this.parseParenExpr();
        break;
    }
    this.failExpected('an expression');
  }

  private paramIndex(t: Token): number {
    if (t.value === '') return this.nextQuestionParam++;
    const n = Number(t.value);
    if (!(n >= 1 && n <= 65535)) this.fail(`parameter $${t.value} is out of range: parameters are numbered $1 to $65535`, t);
    return n - 1;
  }

  private parseWordPrimary(t: Token): Expr {
    const next = this.peek();
    const callFollows = this.isOp('(', next);
    switch (t.upper) {
      case 'NULL': this.i++; return { kind: 'null', pos: t.pos };
      case 'TRUE': this.i++; return { kind: 'boolean', value: true, pos: t.pos };
      case 'FALSE': this.i++; return { kind: 'boolean', value: false, pos: t.pos };
      case 'CASE': this.i++; return this.parseCase(t.pos);
      case 'CAST': case 'TRY_CAST':
        if (callFollows) {
          this.i++;
          return this.parseCastCall(t.pos, t.upper === 'TRY_CAST');
        }
        break;
      case 'EXISTS':
        if (callFollows) {
          this.i++;
          return { kind: 'exists', query: this.parseParenQuery(), not: false, pos: t.pos };
        }
        break;
      case 'ARRAY':
        if (this.isOp('[', next)) {
          this.i++;
          return this.parseArrayBrackets(t.pos);
        }
        if (callFollows) {
          this.i++;
          const query = this.parseParenQuery();
          return this.makeCall('array', [{ kind: 'scalar-subquery', query, pos: t.pos }], t.pos);
        }
        break;
      case 'ROW':
        if (callFollows) {
          this.i += 2;
          const elements = this.isOp(')') ? [] : this.parseExprList();
          this.expectOp(')');
          return { kind: 'row', elements, pos: t.pos };
        }
        break;
      case 'INTERVAL':
        if (next.kind === 'string' || next.kind === 'number') {
          this.i++;
          return this.parseIntervalLiteral(t.pos);
        }
        break;
    }
    if (NILADIC_FUNCTIONS.has(t.upper)) {
      this.i++;
      return this.makeCall(t.value, [], t.pos);
    }
    if (callFollows && (this.isIdent(t) || FUNCTION_NAME_KEYWORDS.has(t.upper))) {
      this.i++;
      return this.parseFunctionCall(t.value, t);
    }
    if (TYPE_START_WORDS.has(t.upper)) {
      const literal = this.tryTypedLiteral();
      if (literal) return literal;
    }
    if (!this.isIdent(t)) this.failExpected('an expression');
    return this.parseNameOrCall();
  }

  /** `TIMESTAMP '…'`, `DATE '…'`, `DOUBLE PRECISION '1.5'` … or undefined (cursor unchanged). */
  private tryTypedLiteral(): Expr | undefined {
    const saved = this.mark();
    const r = this.attempt(() => this.parseTypeName());
    if (r.value && this.tok.kind === 'string') {
      const value = this.advance().value;
      return { kind: 'typed-literal', type: r.value, value, pos: r.value.pos };
    }
    this.reset(saved);
    return undefined;
  }

  /** INTERVAL has been consumed: `'5' SECOND`, `'1' HOUR TO SECOND`, `'5 seconds'`, `5 MINUTES`. */
  private parseIntervalLiteral(pos: Pos): IntervalLiteral {
    const value = this.advance().value;
    const node: IntervalLiteral = { kind: 'interval', value, pos };
    const unit = this.tok.kind === 'word' ? INTERVAL_UNITS[this.tok.upper] : undefined;
    if (unit) {
      this.i++;
      node.unit = unit;
      if (this.acceptWord('TO')) {
        const to = this.tok.kind === 'word' ? INTERVAL_UNITS[this.tok.upper] : undefined;
        if (!to) this.failExpected('an interval unit (YEAR, MONTH, DAY, HOUR, MINUTE, SECOND …)');
        this.i++;
        node.toUnit = to;
      }
    }
    return node;
  }

  /** `[a, b]` after ARRAY; nested `[…]` elements build multi-dimensional arrays. */
  private parseArrayBrackets(pos: Pos): Expr {
    this.enter();
    this.expectOp('[');
    const elements: Expr[] = [];
    if (!this.isOp(']')) {
      do {
        elements.push(this.isOp('[') ? this.parseArrayBrackets(this.tok.pos) : this.parseExpr());
      } while (this.acceptOp(','));
    }
    this.expectOp(']');
    this.leave();
    return { kind: 'array', elements, pos };
  }

  /** `col`, `t.col`, `s.t.col` (last two parts kept), or a (qualified) function call. */
  private parseNameOrCall(): Expr {
    const first = this.advance();
    const parts = [first.value];
    let last = first;
    while (this.isOp('.') && (this.peek().kind === 'word' || this.peek().kind === 'quoted')) {
      this.i++;
      last = this.advance();
      parts.push(last.value);
    }
    if (this.isOp('(')) return this.parseFunctionCall(last.value, parts.length === 1 ? first : last);
    if (parts.length === 1) return { kind: 'column', name: parts[0], pos: first.pos };
    return { kind: 'column', table: parts[parts.length - 2], name: parts[parts.length - 1], pos: first.pos };
  }

  // --- parentheses: grouping, rows and subqueries ---------------------------------------------

  /** true when '(' … '(' is followed by SELECT / WITH / VALUES. */
  protected queryAhead(): boolean {
    let k = 0;
    while (this.isOp('(', this.peek(k))) k++;
    return k > 0 && this.isQueryStart(this.peek(k));
  }

  /** `( query )`, required. */
  protected parseParenQuery(): Query {
    const r = this.tryParenQuery();
    if (r.error) throw r.error;
    return r.query!;
  }

  /** `( query )` without moving the cursor on failure; memoised per position. */
  protected tryParenQuery(): MemoizedQuery {
    const start = this.i;
    let memo = this.parenQueryMemo.get(start);
    if (!memo) {
      const r = this.attempt(() => {
        this.expectOp('(');
        const query = this.parseQuery();
        this.expectOp(')');
        return query;
      });
      memo = { query: r.value, error: r.error, end: this.i, param: this.nextQuestionParam };
      this.parenQueryMemo.set(start, memo);
    }
    if (memo.query) {
      this.i = memo.end;
      this.nextQuestionParam = memo.param;
    }
    return memo;
  }

  private parseParenExpr(): Expr {
    const open = this.tok;
    let queryError: SqlSyntaxError | undefined;
    if (this.queryAhead()) {
      const sub = this.tryParenQuery();
      if (sub.query) return { kind: 'scalar-subquery', query: sub.query, pos: open.pos };
      queryError = sub.error;
    }
    try {
      this.i++;
      const first = this.parseExpr();
      let result: Expr = first;
      if (this.isOp(',')) {
        const elements = [first];
        while (this.acceptOp(',')) elements.push(this.parseExpr());
        result = { kind: 'row', elements, pos: open.pos };
      }
      this.expectOp(')');
      return result;
    } catch (e) {
      // report whichever reading of the parentheses got further into the text
      if (queryError && e instanceof SqlSyntaxError && (queryError.position ?? 0) > (e.position ?? 0)) throw queryError;
      throw e;
    }
  }
}
