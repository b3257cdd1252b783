// Knows when typed SQL is complete: the text ends with ';' outside string literals, quoted
// identifiers and comments. The shell uses it to accept multi-line statements.

/** True when `text` holds at least one statement and ends after a terminating ';'. */
export function isCompleteSql(text: string): boolean {
  let lastSignificant = '';
  let i = 0;
  const n = text.length;
  while (i < n) {
    const ch = text[i]!;
    if (ch === "'" || ch === '"') {
      const close = text.indexOf(ch, i + 1);
      if (close < 0) return false; // inside a literal: keep reading
      // a doubled quote is an escaped quote: the scan continues after it either way
      i = close + 1;
      lastSignificant = ch;
      continue;
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
