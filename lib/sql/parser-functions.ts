// Function-call syntax: ordinary calls with DISTINCT / ORDER BY / FILTER / OVER, the special
// forms PostgreSQL writes with keywords (EXTRACT, SUBSTRING, POSITION, TRIM, OVERLAY), CASE,
// CAST / TRY_CAST, window specifications and ORDER BY items.

import type {
  CaseExpr,
  CastExpr,
  Expr,
  FrameBound,
  FunctionCall,
  OrderItem,
  Pos,
  Query,
  WindowFrame,
  WindowSpec,
} from './ast.js';
import type { CursorMark } from './parser-base.js';
import { TypeParser } from './parser-types.js';
import type { Token } from './tokens.js';

/**
 * Binding strength of operators, PostgreSQL's order from loosest to tightest. An operand parsed
 * "at" a level takes only operators of that level or tighter.
 */
export const PREC = {
  OR: 1,
  AND: 2,
  NOT: 3,
  IS: 4,
  COMPARE: 5,
  /** BETWEEN, IN, LIKE, ILIKE, SIMILAR TO */
  LIKE: 6,
  /** every other operator: ||, ~, ->, @>, &, <<, … */
  OTHER: 7,
  ADD: 8,
  MUL: 9,
  EXP: 10,
  AT_TIME_ZONE: 11,
  UNARY: 12,
  /** `::`, `[…]` */
  POSTFIX: 13,
} as const;

/** Clause words that end a window specification's optional leading window name. */
const WINDOW_SPEC_WORDS = new Set(['PARTITION', 'ORDER', 'ROWS', 'RANGE', 'GROUPS']);

export abstract class FunctionParser extends TypeParser {
  abstract parseExpr(): Expr;
  abstract parseExprAt(level: number): Expr;
  abstract parseQuery(): Query;

  protected parseExprList(): Expr[] {
    const list = [this.parseExpr()];
    while (this.acceptOp(',')) list.push(this.parseExpr());
    return list;
  }

  protected makeCall(name: string, args: Expr[], pos: Pos): FunctionCall {
    return { kind: 'call', name, args, distinct: false, star: false, pos };
  }

  /** `name(` … `)` [FILTER (WHERE …)] [OVER …]; the name has been consumed, `(` is next. */
  protected parseFunctionCall(name: string, nameTok: Token): FunctionCall {
    const special = this.parseSpecialForm(nameTok);
    const call = special ?? this.parseOrdinaryCall(name, nameTok.pos);
    if (this.isWord('FILTER') && this.isOp('(', this.peek())) {
      this.i += 2;
      this.expectWord('WHERE');
      call.filter = this.parseExpr();
      this.expectOp(')');
    }
    if (this.isWord('OVER')) {
      const overTok = this.advance();
      if (this.isOp('(')) {
        call.over = this.parseWindowSpec();
      } else {
        call.over = { name: this.parseIdent('a window name or \'(\''), partitionBy: [], orderBy: [], pos: overTok.pos };
      }
    }
    return call;
  }

  private parseOrdinaryCall(name: string, pos: Pos): FunctionCall {
    this.expectOp('(');
    const call = this.makeCall(name, [], pos);
    if (this.isOp('*') && this.isOp(')', this.peek())) {
      this.i++;
      call.star = true;
    } else if (!this.isOp(')')) {
      if (this.acceptWord('DISTINCT')) call.distinct = true;
      else this.acceptWord('ALL');
      call.args = this.parseExprList();
      if (this.acceptWord('ORDER')) {
        this.expectWord('BY');
        call.orderBy = this.parseOrderItems();
      }
    }
    this.expectOp(')');
    return call;
  }

  /** The keyword forms; undefined when the call is written as an ordinary argument list. */
  private parseSpecialForm(nameTok: Token): FunctionCall | undefined {
    if (nameTok.kind !== 'word') return undefined;
    switch (nameTok.upper) {
      case 'EXTRACT': return this.parseExtract(nameTok.pos);
      case 'SUBSTRING': return this.parseSubstring(nameTok.pos);
      case 'POSITION': return this.parsePosition(nameTok.pos);
      case 'TRIM': return this.parseTrim(nameTok.pos);
      case 'OVERLAY': return this.parseOverlay(nameTok.pos);
      default: return undefined;
    }
  }

  /** `EXTRACT(field FROM e)` → extract('field', e) */
  private parseExtract(pos: Pos): FunctionCall | undefined {
    const field = this.peek();
    if (!((field.kind === 'word' || field.kind === 'string') && this.isWord('FROM', this.peek(2)))) return undefined;
    this.i += 3;
    const fieldLit: Expr = { kind: 'string', value: field.value.toLowerCase(), pos: field.pos };
    const source = this.parseExpr();
    this.expectOp(')');
    return this.makeCall('extract', [fieldLit, source], pos);
  }

  /** `SUBSTRING(s FROM a [FOR b])`, `SUBSTRING(s FOR b [FROM a])` → substring(s, a, b) */
  private parseSubstring(pos: Pos): FunctionCall | undefined {
    const saved = this.mark();
    this.expectOp('(');
    if (this.isOp(')')) return this.restore(saved);
    const s = this.parseExpr();
    let from: Expr | undefined;
    let forLen: Expr | undefined;
    if (!this.isWord('FROM') && !this.isWord('FOR')) return this.restore(saved);
    for (let k = 0; k < 2; k++) {
      if (!from && this.acceptWord('FROM')) from = this.parseExpr();
      else if (!forLen && this.acceptWord('FOR')) forLen = this.parseExpr();
    }
    this.expectOp(')');
    const args = [s, from ?? { kind: 'number', text: '1', integer: true, pos: s.pos } as Expr];
    if (forLen) args.push(forLen);
    return this.makeCall('substring', args, pos);
  }

  /** `POSITION(a IN b)` → position(a, b) */
  private parsePosition(pos: Pos): FunctionCall | undefined {
    const saved = this.mark();
    this.expectOp('(');
    if (this.isOp(')')) return this.restore(saved);
    const needle = this.parseExprAt(PREC.OTHER);
    if (!this.acceptWord('IN')) return this.restore(saved);
    const haystack = this.parseExprAt(PREC.OTHER);
    this.expectOp(')');
    return this.makeCall('position', [needle, haystack], pos);
  }

  /** `TRIM([BOTH|LEADING|TRAILING] [chars] FROM s)` → btrim|ltrim|rtrim(s, chars?) */
  private parseTrim(pos: Pos): FunctionCall | undefined {
    this.expectOp('(');
    let name = 'btrim';
    if (this.acceptWord('LEADING')) name = 'ltrim';
    else if (this.acceptWord('TRAILING')) name = 'rtrim';
    else this.acceptWord('BOTH');
    let args: Expr[];
    if (this.acceptWord('FROM')) {
      args = this.parseExprList();
    } else {
      const first = this.parseExpr();
      if (this.acceptWord('FROM')) {
        const s = this.parseExpr();
        args = [s, first];
      } else {
        args = [first];
        while (this.acceptOp(',')) args.push(this.parseExpr());
      }
    }
    this.expectOp(')');
    return this.makeCall(name, args, pos);
  }

  /** `OVERLAY(s PLACING r FROM a [FOR b])` → overlay(s, r, a, b?) */
  private parseOverlay(pos: Pos): FunctionCall | undefined {
    const saved = this.mark();
    this.expectOp('(');
    if (this.isOp(')')) return this.restore(saved);
    const s = this.parseExpr();
    if (!this.acceptWord('PLACING')) return this.restore(saved);
    const replacement = this.parseExpr();
    this.expectWord('FROM');
    const args = [s, replacement, this.parseExpr()];
    if (this.acceptWord('FOR')) args.push(this.parseExpr());
    this.expectOp(')');
    return this.makeCall('overlay', args, pos);
  }

  private restore(saved: CursorMark): undefined {
    this.reset(saved);
    return undefined;
  }

  // --- window specifications ------------------------------------------------------------------

  /** `( [name] [PARTITION BY …] [ORDER BY …] [ROWS|RANGE frame] )` */
  protected parseWindowSpec(): WindowSpec {
    const open = this.expectOp('(');
    const spec: WindowSpec = { partitionBy: [], orderBy: [], pos: open.pos };
    if (this.isIdent() && !(this.tok.kind === 'word' && WINDOW_SPEC_WORDS.has(this.tok.upper))) {
      spec.name = this.parseIdent();
    }
    if (this.acceptWord('PARTITION')) {
      this.expectWord('BY');
      spec.partitionBy = this.parseExprList();
    }
    if (this.acceptWord('ORDER')) {
      this.expectWord('BY');
      spec.orderBy = this.parseOrderItems();
    }
    if (this.isWord('ROWS') || this.isWord('RANGE')) spec.frame = this.parseWindowFrame();
    else if (this.isWord('GROUPS')) this.fail('GROUPS frames are not supported; use ROWS or RANGE');
    if (!this.isOp(')')) {
      this.failExpected(spec.frame ? "')'" : "PARTITION BY, ORDER BY, ROWS, RANGE or ')'");
    }
    this.i++;
    return spec;
  }

  private parseWindowFrame(): WindowFrame {
    const mode = this.advance().upper as 'ROWS' | 'RANGE';
    let start: FrameBound;
    let end: FrameBound;
    if (this.acceptWord('BETWEEN')) {
      const startTok = this.tok;
      start = this.parseFrameBound();
      this.expectWord('AND');
      const endTok = this.tok;
      end = this.parseFrameBound();
      if (start.kind === 'unbounded-following') this.fail('frame start cannot be UNBOUNDED FOLLOWING', startTok);
      if (end.kind === 'unbounded-preceding') this.fail('frame end cannot be UNBOUNDED PRECEDING', endTok);
    } else {
      const startTok = this.tok;
      start = this.parseFrameBound();
      if (start.kind === 'unbounded-following' || start.kind === 'following') {
        this.fail('a frame without BETWEEN cannot start FOLLOWING', startTok);
      }
      end = { kind: 'current-row' };
    }
    return { mode, start, end };
  }

  private parseFrameBound(): FrameBound {
    if (this.acceptWord('UNBOUNDED')) {
      if (this.acceptWord('PRECEDING')) return { kind: 'unbounded-preceding' };
      if (this.acceptWord('FOLLOWING')) return { kind: 'unbounded-following' };
      this.failExpected('PRECEDING or FOLLOWING');
    }
    if (this.acceptWords('CURRENT', 'ROW')) return { kind: 'current-row' };
    const offset = this.parseExprAt(PREC.ADD);
    if (this.acceptWord('PRECEDING')) return { kind: 'preceding', offset };
    if (this.acceptWord('FOLLOWING')) return { kind: 'following', offset };
    this.failExpected('PRECEDING or FOLLOWING');
  }

  /** `expr [ASC|DESC] [NULLS FIRST|LAST]`, comma-separated */
  protected parseOrderItems(): OrderItem[] {
    const items: OrderItem[] = [];
    do {
      const item: OrderItem = { expr: this.parseExpr(), desc: false };
      if (this.acceptWord('DESC')) item.desc = true;
      else this.acceptWord('ASC');
      if (this.acceptWord('NULLS')) {
        if (this.acceptWord('FIRST')) item.nullsFirst = true;
        else if (this.acceptWord('LAST')) item.nullsFirst = false;
        else this.failExpected('FIRST or LAST');
      }
      items.push(item);
    } while (this.acceptOp(','));
    return items;
  }

  // --- CASE and CAST --------------------------------------------------------------------------

  /** CASE has been consumed. */
  protected parseCase(pos: Pos): CaseExpr {
    const node: CaseExpr = { kind: 'case', whens: [], pos };
    if (!this.isWord('WHEN')) node.operand = this.parseExpr();
    if (!this.isWord('WHEN')) this.failExpected('WHEN');
    while (this.acceptWord('WHEN')) {
      const when = this.parseExpr();
      this.expectWord('THEN');
      node.whens.push({ when, then: this.parseExpr() });
    }
    if (this.acceptWord('ELSE')) node.else = this.parseExpr();
    if (!this.isWord('END')) this.failExpected(node.else ? 'END' : 'WHEN, ELSE or END');
    this.i++;
    return node;
  }

  /** CAST / TRY_CAST has been consumed: `(expr AS type)` */
  protected parseCastCall(pos: Pos, isTry: boolean): CastExpr {
    this.expectOp('(');
    const expr = this.parseExpr();
    this.expectWord('AS');
    const type = this.parseTypeName();
    this.expectOp(')');
    return { kind: 'cast', expr, type, try: isTry, pos };
  }
}
