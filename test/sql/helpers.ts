// Test helpers for the SQL front end: a compact S-expression rendering of expressions (so
// precedence tests read like the intended tree) and a pos-stripping copy for shape comparisons.

import type { Expr, FrameBound, Query, SetExpr, TableRef, WindowSpec } from '../../lib/sql/ast.js';
import { parseExpression } from '../../lib/sql/index.js';

/** Deep copy without `pos` (and without a statement's own `text` when asked), for t.same / t.match. */
export function strip<T>(node: T, dropStatementText = false): T {
  const copy = JSON.parse(JSON.stringify(node, (k, v) => (k === 'pos' ? undefined : v)));
  if (dropStatementText) delete copy.text;
  return copy;
}

function list(items: Expr[]): string {
  return items.map(sx).join(' ');
}

function frameBound(b: FrameBound): string {
  switch (b.kind) {
    case 'preceding': return `${sx(b.offset)} preceding`;
    case 'following': return `${sx(b.offset)} following`;
    default: return b.kind;
  }
}

function windowSpec(w: WindowSpec): string {
  const parts: string[] = [];
  if (w.name) parts.push(`name ${w.name}`);
  if (w.partitionBy.length) parts.push(`partition ${list(w.partitionBy)}`);
  if (w.orderBy.length) parts.push(`order ${w.orderBy.map((o) => sx(o.expr) + (o.desc ? ' desc' : '')).join(' ')}`);
  if (w.frame) parts.push(`${w.frame.mode.toLowerCase()} ${frameBound(w.frame.start)} .. ${frameBound(w.frame.end)}`);
  return `(over ${parts.join('; ')})`;
}

/** Short rendering of a query, enough to tell subqueries apart in expression tests. */
export function sq(q: Query): string {
  return setExpr(q.body);
}

function setExpr(b: SetExpr): string {
  switch (b.kind) {
    case 'select': {
      const from = b.from.map(tableRef).join(', ');
      const items = b.items.map((i) => (i.kind === 'star' ? '*' : sx(i.expr))).join(', ');
      return `select ${items}${from ? ` from ${from}` : ''}${b.where ? ` where ${sx(b.where)}` : ''}`;
    }
    case 'values': return `values ${b.rows.map((r) => `(${list(r)})`).join(' ')}`;
    case 'set-op': return `(${b.op.toLowerCase()}${b.all ? ' all' : ''} ${setExpr(b.left)} | ${setExpr(b.right)})`;
    case 'query': return `(${sq(b)})`;
  }
}

function tableRef(r: TableRef): string {
  switch (r.kind) {
    case 'table': return r.name + (r.alias ? ` ${r.alias}` : '');
    case 'subquery': return `(${sq(r.query)})${r.alias ? ` ${r.alias}` : ''}`;
    case 'join': return `(${r.type.toLowerCase()} ${tableRef(r.left)} ${tableRef(r.right)})`;
    case 'table-function': return `${r.name}(…)`;
  }
}

/** S-expression of an expression: `(+ 1 (* 2 3))`, `(is-not-null x)`, `(cast x INT)`. */
export function sx(e: Expr): string {
  switch (e.kind) {
    case 'number': return e.text;
    case 'string': return `'${e.value}'`;
    case 'boolean': return String(e.value);
    case 'null': return 'null';
    case 'typed-literal': return `(${e.type.name} '${e.value}')`;
    case 'interval': return `(interval '${e.value}'${e.unit ? ' ' + e.unit : ''}${e.toUnit ? ' to ' + e.toUnit : ''})`;
    case 'param': return `$${e.index}`;
    case 'column': return e.table ? `${e.table}.${e.name}` : e.name;
    case 'unary': return `(${e.op.toLowerCase()} ${sx(e.operand)})`;
    case 'binary': return `(${e.op.toLowerCase()} ${sx(e.left)} ${sx(e.right)}${e.escape ? ` escape ${sx(e.escape)}` : ''})`;
    case 'is': return `(is${e.not ? '-not' : ''}-${e.test.toLowerCase()} ${sx(e.expr)})`;
    case 'between': return `(${e.not ? 'not-' : ''}between${e.symmetric ? '-symmetric' : ''} ${sx(e.expr)} ${sx(e.low)} ${sx(e.high)})`;
    case 'in-list': return `(${e.not ? 'not-' : ''}in ${sx(e.expr)} [${list(e.list)}])`;
    case 'in-subquery': return `(${e.not ? 'not-' : ''}in ${sx(e.expr)} {${sq(e.query)}})`;
    case 'exists': return `(${e.not ? 'not-' : ''}exists {${sq(e.query)}})`;
    case 'scalar-subquery': return `{${sq(e.query)}}`;
    case 'quantified': {
      const subject = e.subject.kind === 'query' ? `{${sq(e.subject.query)}}` : sx(e.subject.expr);
      return `(${e.op.toLowerCase()} ${e.quantifier.toLowerCase()} ${sx(e.expr)} ${subject})`;
    }
    case 'case': {
      const parts = e.whens.map((w) => `(when ${sx(w.when)} ${sx(w.then)})`);
      return `(case${e.operand ? ' ' + sx(e.operand) : ''} ${parts.join(' ')}${e.else ? ` (else ${sx(e.else)})` : ''})`;
    }
    case 'cast': return `(${e.try ? 'try-cast' : 'cast'} ${sx(e.expr)} ${e.type.name}${e.type.params.length ? `(${e.type.params.join(',')})` : ''}${e.type.array ? '[]' : ''})`;
    case 'call': {
      let s = `(${e.name}${e.distinct ? ' distinct' : ''}${e.star ? ' *' : ''}${e.args.length ? ' ' + list(e.args) : ''}`;
      if (e.orderBy) s += ` order ${e.orderBy.map((o) => sx(o.expr) + (o.desc ? ' desc' : '')).join(' ')}`;
      if (e.filter) s += ` filter ${sx(e.filter)}`;
      if (e.over) s += ` ${windowSpec(e.over)}`;
      return s + ')';
    }
    case 'array': return `[${list(e.elements)}]`;
    case 'subscript': return `(at ${sx(e.expr)} ${sx(e.index)})`;
    case 'row': return `(row ${list(e.elements)})`;
  }
}

/** parseExpression then sx */
export function px(sql: string): string {
  return sx(parseExpression(sql));
}
