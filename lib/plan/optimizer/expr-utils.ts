// Helpers over bound expressions used by the optimizer and the binder: column sets, index
// remapping, conjunct splitting.

import { T } from '../../types/datatype.js';
import type { BoundExpr } from '../bound.js';

/** The input column indices an expression reads. */
export function columnsOf(e: BoundExpr, into: Set<number> = new Set()): Set<number> {
  switch (e.kind) {
    case 'column':
      into.add(e.index);
      break;
    case 'literal':
      break;
    case 'call':
    case 'udf':
      for (const a of e.args) columnsOf(a, into);
      break;
    case 'cast':
      columnsOf(e.expr, into);
      break;
    case 'case':
      for (const w of e.whens) {
        columnsOf(w.when, into);
        columnsOf(w.then, into);
      }
      columnsOf(e.else, into);
      break;
  }
  return into;
}

/** Rewrite every column reference through `map` (which returns the replacement expression). */
export function mapColumns(e: BoundExpr, map: (index: number, col: BoundExpr & { kind: 'column' }) => BoundExpr): BoundExpr {
  switch (e.kind) {
    case 'column':
      return map(e.index, e);
    case 'literal':
      return e;
    case 'call':
    case 'udf':
      return { ...e, args: e.args.map((a) => mapColumns(a, map)) };
    case 'cast':
      return { ...e, expr: mapColumns(e.expr, map) };
    case 'case':
      return {
        ...e,
        whens: e.whens.map((w) => ({ when: mapColumns(w.when, map), then: mapColumns(w.then, map) })),
        else: mapColumns(e.else, map),
      };
  }
}

export function shiftColumns(e: BoundExpr, delta: number): BoundExpr {
  return mapColumns(e, (i, c) => ({ ...c, index: i + delta }));
}

export function conjuncts(e: BoundExpr | undefined): BoundExpr[] {
  if (!e) return [];
  if (e.kind === 'call' && e.name === 'and') return [...conjuncts(e.args[0]), ...conjuncts(e.args[1])];
  return [e];
}

export function conjoin(parts: BoundExpr[]): BoundExpr | undefined {
  if (parts.length === 0) return undefined;
  return parts.reduce((a, b) => ({ kind: 'call', name: 'and', args: [a, b], type: T.boolean }));
}

/** True when the expression has no side effects and depends only on its inputs. */
export function isDeterministic(e: BoundExpr): boolean {
  switch (e.kind) {
    case 'column':
    case 'literal':
      return true;
    case 'udf':
      return false;
    case 'call':
      if (e.name === 'random' || e.name === 'now' || e.name === 'current_timestamp' || e.name === 'current_date' || e.name === 'localtimestamp') return false;
      return e.args.every(isDeterministic);
    case 'cast':
      return isDeterministic(e.expr);
    case 'case':
      return e.whens.every((w) => isDeterministic(w.when) && isDeterministic(w.then)) && isDeterministic(e.else);
  }
}
