// Knows when typed SQL is complete: the text ends with ';' outside string literals, quoted
// identifiers and comments. The shell uses it to accept multi-line statements.

/** True when `text` holds at least one statement and ends after a terminating ';'. */
export function isCompleteSql(text: string): boolean {
  let lastSignificant = '';
  let i = 0;
  const n = text.length;
  while (i < n) {
    const ch = text[i]!;
    if (ch === "'" && isEscapeStringPrefix(text, i)) {
      // E'…': a backslash escapes the next character
      let j = i + 1;
      while (j < n && text[j] !== "'") j += text[j] === '\\' ? 2 : 1;
      if (j >= n) return false;
      i = j + 1;
      lastSignificant = ch;
      continue;
    }
    if (ch === "'" || ch === '"') {
      const close = text.indexOf(ch, i + 1);
      if (close < 0) return false; // inside a literal: keep reading
      // a doubled quote is an escaped quote: the scan continues after it either way
      i = close + 1;
      lastSignificant = ch;
      continue;
    }
    if (ch === '$') {
      // $$…$$ and $tag$…$tag$ strings ($1 parameters start with a digit and are not strings)
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(text.slice(i, i + 66));
      if (tag && !isIdentifierChar(text[i - 1])) {
        const close = text.indexOf(tag[0], i + tag[0].length);
        if (close < 0) return false;
        i = close + tag[0].length;
        lastSignificant = '$';
        continue;
      }
    }
    if (ch === '-' && text[i + 1] === '-') {
      const eol = text.indexOf('\n', i);
      if (eol < 0) break;
      i = eol + 1;
      continue;
    }
    if (ch === '/' && text[i + 1] === '*') {
      const close = text.indexOf('*/', i + 2);
      if (close < 0) return false;
      i = close + 2;
      continue;
    }
    if (!/\s/.test(ch)) lastSignificant = ch;
    i++;
  }
  return lastSignificant === ';';
}

/** True when the text has nothing but whitespace and comments. */
export function isBlankSql(text: string): boolean {
  return text.replace(/--[^\n]*/g, '').replace(/\/\*[\s\S]*?\*\//g, '').trim() === '';
}

function isIdentifierChar(ch: string | undefined): boolean {
  return ch !== undefined && /[A-Za-z0-9_]/.test(ch);
}

/** Is the quote at `i` the start of an E'…' string (E directly before it, not ending a longer word)? */
function isEscapeStringPrefix(text: string, i: number): boolean {
  const e = text[i - 1];
  return (e === 'E' || e === 'e') && !isIdentifierChar(text[i - 2]);
}
