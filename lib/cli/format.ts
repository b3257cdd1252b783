// psql-style output: aligned tables, command tags, values as text.

import type { StatementResult } from '../api/results.js';

/** A user-facing value as shell text (NULL prints as an empty cell, like psql). */
export function formatCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) {
    if (Number.isNaN(v.getTime())) return 'invalid date';
    const iso = v.toISOString(); // 2024-01-02T03:04:05.006Z
    return iso.replace('T', ' ').replace(/\.000Z$|Z$/, '');
  }
  if (v instanceof Uint8Array) return '\\x' + Buffer.from(v).toString('hex');
  if (typeof v === 'object') return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x));
  return String(v);
}

const NUMERIC = /^(SMALLINT|INT|BIGINT|REAL|DOUBLE PRECISION|DECIMAL)/;

/** An aligned table with a header, a rule and a row count, numbers right-aligned. */
export function formatTable(columns: readonly { name: string; type: string }[], rows: readonly Record<string, unknown>[]): string {
  const names = columns.map((c) => c.name);
  const cells = rows.map((r) => names.map((name) => formatCell(r[name])));
  const widths = names.map((name, j) => Math.max(name.length, ...cells.map((row) => row[j]!.length)));
  const right = columns.map((c) => NUMERIC.test(c.type));
  const header = names.map((name, j) => ' ' + center(name, widths[j]!) + ' ').join('|');
  const rule = widths.map((w) => '-'.repeat(w + 2)).join('+');
  const body = cells.map((row) => row.map((cell, j) => ' ' + (right[j] ? cell.padStart(widths[j]!) : cell.padEnd(widths[j]!)) + ' ').join('|').trimEnd());
  const count = `(${rows.length} row${rows.length === 1 ? '' : 's'})`;
  return [header.trimEnd(), rule, ...body, count].join('\n');
}

function center(text: string, width: number): string {
  const left = Math.floor((width - text.length) / 2);
  return (' '.repeat(left) + text).padEnd(width);
}

/** What the shell prints for one executed statement. */
export function formatStatement(s: StatementResult): string {
  if (s.columns) return formatTable(s.columns, s.rows ?? []);
  if (/^(INSERT|UPDATE|DELETE)\b/.test(s.command)) return `${s.command} ${s.rowsAffected}`;
  return s.command;
}
