// The token cursor shared by every layer of the parser: lookahead, keyword/operator matching,
// identifiers, positioned errors and the nesting guard. The grammar is split by concern into
// subclasses: types → expressions (functions, operators) → queries → DDL → statements.

import { SqlSyntaxError } from '../errors.js';
import type { Pos } from './ast.js';
import { describeToken, NOT_BARE_ALIAS, RESERVED, suggestKeyword, type Token } from './tokens.js';

/** Deeper nesting than this is rejected with a SqlSyntaxError instead of overflowing the stack. */
export const MAX_NESTING = 400;

export interface CursorMark {
  i: number;
  param: number;
}

export class ParserBase {
  protected i = 0;
  /** token index of the latest alias written without AS (for typo hints like `SELECT a FORM t`) */
  protected lastBareAliasIndex = -1;
  /** next index for a `?` parameter (numbered left to right over the whole input) */
  protected nextQuestionParam = 0;
  private depth = 0;

  constructor(
    protected readonly sql: string,
    protected readonly toks: Token[],
  ) {}

  protected get tok(): Token {
    return this.toks[this.i];
  }

  protected peek(k = 1): Token {
    const j = this.i + k;
    return j < this.toks.length ? this.toks[j] : this.toks[this.toks.length - 1];
  }

  protected advance(): Token {
    const t = this.toks[this.i];
    if (t.kind !== 'eof') this.i++;
    return t;
  }

  protected atEnd(): boolean {
    return this.tok.kind === 'eof';
  }

  // --- keywords and operators -----------------------------------------------------------------

  protected isWord(kw: string, t: Token = this.tok): boolean {
    return t.kind === 'word' && t.upper === kw;
  }

  protected isWordAt(k: number, kw: string): boolean {
    return this.isWord(kw, this.peek(k));
  }

  protected acceptWord(kw: string): boolean {
    if (this.isWord(kw)) {
      this.i++;
      return true;
    }
    return false;
  }

  /** Accepts a sequence of keywords only when all of them are present. */
  protected acceptWords(...kws: string[]): boolean {
    for (let k = 0; k < kws.length; k++) if (!this.isWord(kws[k], this.peek(k))) return false;
    this.i += kws.length;
    return true;
  }

  protected expectWord(kw: string): Token {
    if (!this.isWord(kw)) this.failExpected(kw);
    return this.advance();
  }

  protected isOp(op: string, t: Token = this.tok): boolean {
    return t.kind === 'op' && t.value === op;
  }

  protected acceptOp(op: string): boolean {
    if (this.isOp(op)) {
      this.i++;
      return true;
    }
    return false;
  }

  protected expectOp(op: string): Token {
    if (!this.isOp(op)) this.failExpected(`'${op}'`);
    return this.advance();
  }

  // --- errors ---------------------------------------------------------------------------------

  protected fail(message: string, at: Token | Pos = this.tok): never {
    const pos = 'kind' in at ? at.pos : at;
    throw new SqlSyntaxError(message, pos);
  }

  /** `expected FROM, found 'FORM'` or `unexpected end of input, expected ')'`. */
  protected failExpected(what: string, at: Token = this.tok): never {
    // `SELECT a FORM t` reads FORM as an alias and fails at t: point at the typo instead
    if (at === this.tok && this.lastBareAliasIndex === this.i - 1 && this.i > 0) {
      const alias = this.toks[this.i - 1];
      const suggestion = alias.kind === 'word' ? suggestKeyword(alias.upper) : undefined;
      if (suggestion) {
        this.lastBareAliasIndex = -1;
        this.failExpected(suggestion, alias);
      }
    }
    if (at.kind === 'eof') this.fail(`unexpected end of input, expected ${what}`, at);
    this.fail(`expected ${what}, found ${describeToken(this.sql, at)}`, at);
  }

  /**
   * The error for a token that cannot continue a statement. A word that looks like a mistyped
   * keyword names that keyword (`expected FROM, found 'FORM'`).
   */
  protected failUnexpected(expectedFallback: string, candidates?: readonly string[], at: Token = this.tok): never {
    if (at.kind === 'word') {
      const suggestion = suggestKeyword(at.upper, candidates);
      if (suggestion) this.failExpected(suggestion, at);
    }
    this.failExpected(expectedFallback, at);
  }

  // --- identifiers ----------------------------------------------------------------------------

  /** A word usable as a column/table name here: quoted, or unquoted and not reserved. */
  protected isIdent(t: Token = this.tok): boolean {
    return t.kind === 'quoted' || (t.kind === 'word' && !RESERVED.has(t.upper));
  }

  /** A column, table or other object name (unquoted names fold to lower case). */
  protected parseIdent(what = 'an identifier'): string {
    const t = this.tok;
    if (!this.isIdent(t)) this.failExpected(what);
    this.i++;
    return t.value;
  }

  /** Any word, even a reserved one (after AS, after '.', option keys): PostgreSQL's ColLabel. */
  protected parseLabel(what = 'a name'): string {
    const t = this.tok;
    if (t.kind !== 'word' && t.kind !== 'quoted') this.failExpected(what);
    this.i++;
    return t.value;
  }

  /** `name` or `schema.name` (only the last part is kept: there is one schema). */
  protected parseObjectName(what = 'a name'): string {
    let name = this.parseIdent(what);
    while (this.isOp('.') && (this.peek().kind === 'word' || this.peek().kind === 'quoted')) {
      this.i++;
      name = this.parseLabel(what);
    }
    return name;
  }

  protected parseIdentList(what = 'a column name'): string[] {
    const names = [this.parseIdent(what)];
    while (this.acceptOp(',')) names.push(this.parseIdent(what));
    return names;
  }

  /** `(a, b, c)` */
  protected parseParenIdentList(what = 'a column name'): string[] {
    this.expectOp('(');
    const names = this.parseIdentList(what);
    this.expectOp(')');
    return names;
  }

  /** An alias written without AS: any non-reserved word that cannot start a clause. */
  protected isBareAlias(t: Token = this.tok): boolean {
    return t.kind === 'quoted' || (t.kind === 'word' && !NOT_BARE_ALIAS.has(t.upper));
  }

  // --- nesting guard --------------------------------------------------------------------------

  protected enter(): void {
    if (++this.depth > MAX_NESTING) {
      this.fail(`statement is nested too deeply (more than ${MAX_NESTING} levels)`);
    }
  }

  /** The error for a JavaScript stack overflow caught at the top level. */
  failTooDeep(): never {
    this.fail('statement is nested too deeply');
  }

  protected leave(): void {
    this.depth--;
  }

  /** The cursor state, for a cheap lookahead that may be undone with reset(). */
  protected mark(): CursorMark {
    return { i: this.i, param: this.nextQuestionParam };
  }

  protected reset(m: CursorMark): void {
    this.i = m.i;
    this.nextQuestionParam = m.param;
  }

  /** Runs `fn`; on a syntax error restores the cursor and returns undefined plus the error. */
  protected attempt<T>(fn: () => T): { value?: T; error?: SqlSyntaxError } {
    const savedI = this.i;
    const savedParam = this.nextQuestionParam;
    const savedDepth = this.depth;
    try {
      return { value: fn() };
    } catch (e) {
      if (!(e instanceof SqlSyntaxError)) throw e;
      this.i = savedI;
      this.nextQuestionParam = savedParam;
      this.depth = savedDepth;
      return { error: e };
    }
  }
}
