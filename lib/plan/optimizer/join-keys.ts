// Splitting a join condition (over left ++ right) into equi-join keys and a residual predicate.

import type { BoundExpr } from '../bound.js';
import { columnsOf, conjoin, conjuncts, isDeterministic, shiftColumns } from './expr-utils.js';

export interface SplitCondition {
  leftKeys: BoundExpr[];
  /** over the right input's own columns */
  rightKeys: BoundExpr[];
  residual?: BoundExpr;
}

function side(e: BoundExpr, leftWidth: number): 'left' | 'right' | 'both' | 'none' {
  let l = false;
  let r = false;
  for (const c of columnsOf(e)) {
    if (c < leftWidth) l = true;
    else r = true;
  }
  return l && r ? 'both' : l ? 'left' : r ? 'right' : 'none';
}

export function splitJoinCondition(cond: BoundExpr | undefined, leftWidth: number, _width?: number): SplitCondition {
  const leftKeys: BoundExpr[] = [];
  const rightKeys: BoundExpr[] = [];
  const rest: BoundExpr[] = [];
  for (const c of conjuncts(cond)) {
    if (c.kind === 'call' && c.name === '=' && isDeterministic(c)) {
      const [a, b] = c.args as [BoundExpr, BoundExpr];
      const sa = side(a, leftWidth);
      const sb = side(b, leftWidth);
      if (sa === 'left' && sb === 'right') {
        leftKeys.push(a);
        rightKeys.push(shiftColumns(b, -leftWidth));
        continue;
      }
      if (sa === 'right' && sb === 'left') {
        leftKeys.push(b);
        rightKeys.push(shiftColumns(a, -leftWidth));
        continue;
      }
    }
    rest.push(c);
  }
  return { leftKeys, rightKeys, residual: conjoin(rest) };
}
