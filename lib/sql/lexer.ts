// The SQL lexer: one pass over the text with charCodeAt, producing positioned tokens. Comments
// (`-- …`, nested `/* … */`) and whitespace are dropped. Errors (unterminated literals, stray
// characters) are SqlSyntaxErrors positioned at the start of the offending text.

import { SqlSyntaxError } from '../errors.js';
import type { Pos } from './ast.js';
import { OPERATORS_1, OPERATORS_2, OPERATORS_3, type Token, type TokenKind } from './tokens.js';

const CH_NL = 10;
const CH_CR = 13;
const CH_QUOTE = 39; // '
const CH_DQUOTE = 34; // "
const CH_DOLLAR = 36;
const CH_DOT = 46;
const CH_0 = 48;
const CH_9 = 57;
const CH_BACKSLASH = 92;

const NON_ASCII = /[^\x00-\x7f]/;

function isDigit(c: number): boolean {
  return c >= CH_0 && c <= CH_9;
}

function isIdentStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c >= 128;
}

function isIdentPart(c: number): boolean {
  return isIdentStart(c) || isDigit(c) || c === CH_DOLLAR;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === CH_NL || c === CH_CR || c === 12 || c === 11;
}

function isHexDigit(c: number): boolean {
  return isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

class Lexer {
  private i = 0;
  private line = 1;
  private lineStart = 0;
  readonly tokens: Token[] = [];

  constructor(private readonly sql: string) {}

  run(): Token[] {
    const sql = this.sql;
    const n = sql.length;
    if (sql.charCodeAt(0) === 0xfeff) this.i = this.lineStart = 1; // byte-order mark of a .sql file
    while (true) {
      this.skipSpaceAndComments();
      if (this.i >= n) break;
      const c = sql.charCodeAt(this.i);
      const pos = this.pos();
      if (isIdentStart(c)) {
        if ((c === 69 || c === 101) && sql.charCodeAt(this.i + 1) === CH_QUOTE) {
          this.i++;
          this.push('string', this.readQuoted(pos, true), pos);
        } else {
          this.readWord(pos);
        }
      } else if (isDigit(c) || (c === CH_DOT && isDigit(sql.charCodeAt(this.i + 1)))) {
        this.readNumber(pos);
      } else if (c === CH_QUOTE) {
        this.push('string', this.readQuoted(pos, false), pos);
      } else if (c === CH_DQUOTE) {
        this.readQuotedIdent(pos);
      } else if (c === CH_DOLLAR) {
        this.readDollar(pos);
      } else if (c === 63 /* ? */) {
        this.i++;
        this.push('param', '', pos);
      } else {
        this.readOperator(pos);
      }
    }
    const eofPos = this.pos();
    this.tokens.push({ kind: 'eof', value: '', upper: '', pos: eofPos, end: n });
    return this.tokens;
  }

  private pos(): Pos {
    return { line: this.line, column: this.i - this.lineStart + 1, offset: this.i };
  }

  private fail(message: string, pos: Pos): never {
    throw new SqlSyntaxError(message, pos);
  }

  private push(kind: TokenKind, value: string, pos: Pos, upper = ''): void {
    this.tokens.push({ kind, value, upper, pos, end: this.i });
  }

  /** Advances over one character, keeping line/column in step (CRLF counts as one break). */
  private step(): void {
    const c = this.sql.charCodeAt(this.i++);
    if (c === CH_NL || (c === CH_CR && this.sql.charCodeAt(this.i) !== CH_NL)) {
      this.line++;
      this.lineStart = this.i;
    }
  }

  private skipSpaceAndComments(): void {
    const sql = this.sql;
    const n = sql.length;
    while (this.i < n) {
      const c = sql.charCodeAt(this.i);
      if (isSpace(c)) {
        this.step();
      } else if (c === 45 /* - */ && sql.charCodeAt(this.i + 1) === 45) {
        while (this.i < n && sql.charCodeAt(this.i) !== CH_NL && sql.charCodeAt(this.i) !== CH_CR) this.i++;
      } else if (c === 47 /* / */ && sql.charCodeAt(this.i + 1) === 42 /* * */) {
        this.skipBlockComment();
      } else {
        return;
      }
    }
  }

  private skipBlockComment(): void {
    const sql = this.sql;
    const start = this.pos();
    let depth = 0;
    while (this.i < sql.length) {
      const c = sql.charCodeAt(this.i);
      const d = sql.charCodeAt(this.i + 1);
      if (c === 47 && d === 42) {
        depth++;
        this.i += 2;
      } else if (c === 42 && d === 47) {
        depth--;
        this.i += 2;
        if (depth === 0) return;
      } else {
        this.step();
      }
    }
    this.fail('unterminated /* comment', start);
  }

  private readWord(pos: Pos): void {
    const sql = this.sql;
    const start = this.i;
    while (this.i < sql.length && isIdentPart(sql.charCodeAt(this.i))) this.i++;
    const text = sql.slice(start, this.i);
    if (NON_ASCII.test(text)) {
      // as PostgreSQL does with UTF-8: only ASCII letters fold (and 'ıs' never becomes IS)
      this.push('word', text.replace(/[A-Z]+/g, (m) => m.toLowerCase()), pos, text.replace(/[a-z]+/g, (m) => m.toUpperCase()));
    } else {
      this.push('word', text.toLowerCase(), pos, text.toUpperCase());
    }
  }

  private readNumber(pos: Pos): void {
    const sql = this.sql;
    const start = this.i;
    const c1 = sql.charCodeAt(this.i + 1);
    if (sql.charCodeAt(this.i) === CH_0 && (c1 === 120 || c1 === 88) /* x X */) {
      this.i += 2;
      const digitsStart = this.i;
      while (isHexDigit(sql.charCodeAt(this.i))) this.i++;
      if (this.i === digitsStart) this.fail('invalid hexadecimal literal', pos);
      this.checkNoTrailingJunk(pos);
      this.push('number', BigInt(sql.slice(start, this.i)).toString(), pos);
      return;
    }
    while (isDigit(sql.charCodeAt(this.i))) this.i++;
    if (sql.charCodeAt(this.i) === CH_DOT && sql.charCodeAt(this.i + 1) !== CH_DOT) {
      this.i++;
      while (isDigit(sql.charCodeAt(this.i))) this.i++;
    }
    const e = sql.charCodeAt(this.i);
    if (e === 101 || e === 69) {
      let j = this.i + 1;
      const sign = sql.charCodeAt(j);
      if (sign === 43 || sign === 45) j++;
      if (!isDigit(sql.charCodeAt(j))) this.fail('invalid exponent in numeric literal', pos);
      while (isDigit(sql.charCodeAt(j))) j++;
      this.i = j;
    }
    this.checkNoTrailingJunk(pos);
    this.push('number', sql.slice(start, this.i), pos);
  }

  /** `123abc` is an error (as in PostgreSQL 15+), not a number followed by an alias. */
  private checkNoTrailingJunk(pos: Pos): void {
    if (this.i < this.sql.length && isIdentPart(this.sql.charCodeAt(this.i))) {
      this.fail(`trailing junk after numeric literal '${this.sql.slice(pos.offset, this.i + 1)}'`, pos);
    }
  }

  /**
   * Reads '…' (the opening quote is at this.i). `''` is a quote; with `escapes` (E'…') backslash
   * escapes are processed. A literal continued on the next line ('a'\n'b') is concatenated.
   */
  private readQuoted(pos: Pos, escapes: boolean): string {
    const sql = this.sql;
    let out = '';
    while (true) {
      this.i++; // opening quote
      let chunkStart = this.i;
      while (true) {
        if (this.i >= sql.length) this.fail('unterminated string literal', pos);
        const c = sql.charCodeAt(this.i);
        if (c === CH_QUOTE) {
          out += sql.slice(chunkStart, this.i);
          if (sql.charCodeAt(this.i + 1) === CH_QUOTE) {
            out += "'";
            this.i += 2;
            chunkStart = this.i;
            continue;
          }
          this.i++;
          break;
        }
        if (escapes && c === CH_BACKSLASH) {
          out += sql.slice(chunkStart, this.i);
          out += this.readEscape(pos);
          chunkStart = this.i;
          continue;
        }
        this.step();
      }
      if (!this.continuesOnNextLine()) return out;
    }
  }

  /** After a string literal: whitespace containing a newline, then another quote. */
  private continuesOnNextLine(): boolean {
    const sql = this.sql;
    let j = this.i;
    let newline = false;
    while (j < sql.length && isSpace(sql.charCodeAt(j))) {
      const c = sql.charCodeAt(j);
      if (c === CH_NL || c === CH_CR) newline = true;
      j++;
    }
    if (!newline || sql.charCodeAt(j) !== CH_QUOTE) return false;
    while (this.i < j) this.step();
    return true;
  }

  private readEscape(pos: Pos): string {
    const sql = this.sql;
    const escapePos = this.pos();
    this.i++; // backslash
    if (this.i >= sql.length) this.fail('unterminated string literal', pos);
    const c = sql[this.i];
    switch (c) {
      case 'n': this.i++; return '\n';
      case 't': this.i++; return '\t';
      case 'r': this.i++; return '\r';
      case 'b': this.i++; return '\b';
      case 'f': this.i++; return '\f';
      case 'x': {
        const m = /^[0-9a-fA-F]{1,2}/.exec(sql.slice(this.i + 1, this.i + 3));
        if (!m) { this.i++; return 'x'; }
        this.i += 1 + m[0].length;
        return String.fromCharCode(parseInt(m[0], 16));
      }
      case 'u':
      case 'U': {
        const len = c === 'u' ? 4 : 8;
        const hex = sql.slice(this.i + 1, this.i + 1 + len);
        if (hex.length !== len || !/^[0-9a-fA-F]+$/.test(hex)) {
          this.fail(`invalid Unicode escape: \\${c} must be followed by ${len} hexadecimal digits`, escapePos);
        }
        const code = parseInt(hex, 16);
        if (code > 0x10ffff) this.fail('invalid Unicode escape value', escapePos);
        this.i += 1 + len;
        return String.fromCodePoint(code);
      }
      default: {
        const m = /^[0-7]{1,3}/.exec(sql.slice(this.i, this.i + 3));
        if (m) {
          this.i += m[0].length;
          return String.fromCharCode(parseInt(m[0], 8) & 0xff);
        }
        this.step();
        return c;
      }
    }
  }

  private readQuotedIdent(pos: Pos): void {
    const sql = this.sql;
    this.i++;
    let out = '';
    let chunkStart = this.i;
    while (true) {
      if (this.i >= sql.length) this.fail('unterminated quoted identifier', pos);
      const c = sql.charCodeAt(this.i);
      if (c === CH_DQUOTE) {
        out += sql.slice(chunkStart, this.i);
        if (sql.charCodeAt(this.i + 1) === CH_DQUOTE) {
          out += '"';
          this.i += 2;
          chunkStart = this.i;
          continue;
        }
        this.i++;
        break;
      }
      this.step();
    }
    if (out.length === 0) this.fail('zero-length quoted identifier', pos);
    this.push('quoted', out, pos);
  }

  /** `$1` parameters and `$$…$$` / `$tag$…$tag$` strings. */
  private readDollar(pos: Pos): void {
    const sql = this.sql;
    const next = sql.charCodeAt(this.i + 1);
    if (isDigit(next)) {
      this.i++;
      const start = this.i;
      while (isDigit(sql.charCodeAt(this.i))) this.i++;
      this.checkNoTrailingJunk(pos);
      this.push('param', sql.slice(start, this.i), pos);
      return;
    }
    let j = this.i + 1;
    if (isIdentStart(next)) {
      while (j < sql.length && isIdentPart(sql.charCodeAt(j)) && sql.charCodeAt(j) !== CH_DOLLAR) j++;
    }
    if (sql.charCodeAt(j) !== CH_DOLLAR) this.fail("unexpected character '$'", pos);
    const delimiter = sql.slice(this.i, j + 1);
    const bodyStart = j + 1;
    const close = sql.indexOf(delimiter, bodyStart);
    if (close < 0) this.fail('unterminated dollar-quoted string', pos);
    this.i = bodyStart;
    while (this.i < close) this.step();
    this.i = close + delimiter.length;
    this.push('string', sql.slice(bodyStart, close), pos);
  }

  private readOperator(pos: Pos): void {
    const sql = this.sql;
    // most operators are one character: only build substrings when a longer one may follow
    const c2 = sql.charCodeAt(this.i + 1);
    if (OPERATOR_SECOND_CHARS.has(c2)) {
      const three = sql.slice(this.i, this.i + 3);
      if (OPERATORS_3.has(three)) return this.pushOperator(three, pos);
      const two = three.slice(0, 2);
      if (OPERATORS_2.has(two)) return this.pushOperator(two, pos);
    }
    const one = sql[this.i];
    if (OPERATORS_1.has(one)) return this.pushOperator(one, pos);
    const cp = sql.codePointAt(this.i) ?? 0;
    this.fail(`unexpected character '${String.fromCodePoint(cp)}'`, pos);
  }

  private pushOperator(op: string, pos: Pos): void {
    this.i += op.length;
    this.push('op', op, pos);
  }
}

/** Characters that can be the second character of a multi-character operator. */
const OPERATOR_SECOND_CHARS = new Set(
  [...OPERATORS_2, ...OPERATORS_3].map((op) => op.charCodeAt(1)),
);

/** Splits SQL text into tokens; the last token is always `eof` (positioned at the end). */
export function tokenize(sql: string): Token[] {
  return new Lexer(sql).run();
}
