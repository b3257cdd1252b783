// Subquery decorrelation. IN / NOT IN / EXISTS / NOT EXISTS / ANY / ALL that are conjuncts of a
// WHERE become semi and anti joins (NOT IN: the null-aware anti join); inside other expressions
// (OR, CASE, the SELECT list) IN / = ANY / EXISTS become mark joins that append a boolean column
// (correlated IN: three marks, see correlatedIn); scalar subqueries become a
// LEFT join with the subquery's single row (uncorrelated) or with the subquery grouped by its
// correlation keys (correlated by equality). Correlation is only supported through equality
// conjuncts `inner = outer` in the subquery's WHERE; anything else is a clear UNSUPPORTED error.

import { SqlTypeError, UnsupportedError } from '../../errors.js';
import type { Expr, Query } from '../../sql/ast.js';
import { T } from '../../types/datatype.js';
import type { BoundExpr } from '../bound.js';
import * as B from '../builders.js';
import type { JoinKind, LogicalPlan } from '../logical.js';
import { SINGLE_VALUE_AGGREGATE } from '../../exec/operators/single-value.js';
import { childEnv } from './env.js';
import type { BindEnv, BoundQuery } from './env.js';
import { and, bindExpr, walkExpr } from './expr.js';
import type { ExprContext, SubqueryHost } from './expr.js';
import { bindQuery } from './query.js';
import { Scope } from './scope.js';
import { bindBinaryOperator, castTo, commonType } from './typing.js';

/** The plan being built for one query block, which subqueries join into. */
export class PlanHost implements SubqueryHost {
  constructor(
    public plan: LogicalPlan,
    public scope: Scope,
    readonly env: BindEnv,
  ) {}

  context(clause: string): ExprContext {
    return { scope: this.scope, catalog: this.env.catalog, params: this.env.params, clause, subqueries: this, referenced: this.env.referenced };
  }

  replace(plan: LogicalPlan, scope: Scope): void {
    this.plan = plan;
    this.scope = scope;
  }

  filter(predicate: BoundExpr): void {
    this.plan = B.filter(this.plan, predicate);
  }

  /** Drop columns appended by scalar subqueries, back to `width`. */
  truncate(width: number): void {
    if (this.plan.schema.length === width) return;
    this.plan = B.projectColumns(this.plan, [...Array(width).keys()]);
    this.scope = new Scope(this.scope.columns.slice(0, width), this.scope.outer);
  }

  bindSubquery(e: Expr & { kind: 'in-subquery' | 'exists' | 'scalar-subquery' | 'quantified' }, ctx?: ExprContext): BoundExpr {
    if (e.kind === 'exists') {
      const sub = bindQuery(e.query, childEnv(this.env, { outer: this.scope }), { correlated: true });
      const start = sub.plan.schema.length - sub.outerKeys.length;
      const { leftKeys, rightKeys } = keyPairs(sub.outerKeys, sub.plan, start, e.pos);
      return this.markJoin('mark-exists', sub.plan, leftKeys, rightKeys, e.not);
    }
    if (e.kind === 'in-subquery' || (e.kind === 'quantified' && e.quantifier !== 'ALL' && e.op === '=')) {
      const query = e.kind === 'in-subquery' ? e.query : (e.subject as { query: Query }).query;
      const sub = bindSub(query, this.scope, this.env, e.pos);
      const lhs = bindExpr(e.expr, ctx ?? this.context('expression'));
      const v: BoundExpr = { kind: 'column', index: 0, type: sub.plan.schema[0]!.type, name: sub.plan.schema[0]!.name };
      const t = commonType(lhs.type, v.type);
      if (!t) throw new SqlTypeError('TYPE_MISMATCH', `cannot compare ${lhs.type.id} with ${v.type.id} in IN (subquery)`, e.pos);
      const negate = e.kind === 'in-subquery' && e.not;
      if (sub.outerKeys.length > 0) return this.correlatedIn(castTo(lhs, t), castTo(v, t), sub, negate, e.pos);
      return this.markJoin('mark-in', sub.plan, [castTo(lhs, t)], [castTo(v, t)], negate);
    }
    if (e.kind !== 'scalar-subquery') {
      throw new UnsupportedError(
        `${e.quantifier} (subquery) is only supported as a top-level AND condition of WHERE`,
        e.pos,
      );
    }
    const sub = bindSub(e.query, this.scope, this.env, e.pos);
    sub.plan = atMostOneRowPerKey(sub.plan, sub.outerKeys.length);
    let leftKeys: BoundExpr[] = [];
    let rightKeys: BoundExpr[] = [];
    if (sub.outerKeys.length > 0) {
      ({ leftKeys, rightKeys } = keyPairs(sub.outerKeys, sub.plan, 1, e.pos));
    }
    const base = this.plan.schema.length;
    this.plan = B.join('left', this.plan, sub.plan, leftKeys, rightKeys);
    const cols = sub.plan.schema.map((f) => ({ name: f.name, type: f.type, nullable: true, hidden: true, table: '?subquery?' }));
    this.scope = new Scope([...this.scope.columns, ...cols], this.scope.outer);
    const value: BoundExpr = { kind: 'column', index: base, type: sub.plan.schema[0]!.type, name: sub.plan.schema[0]!.name };
    // a correlated count() over no matching rows is 0, not NULL
    if (sub.outerKeys.length > 0 && isCountQuery(e.query)) {
      return { kind: 'call', name: 'coalesce', args: [value, { kind: 'literal', value: 0, type: value.type }], type: value.type };
    }
    return value;
  }

  /**
   * `x IN (correlated subquery)` as a value. Over the group G of subquery rows whose correlation
   * keys match the outer row: TRUE if some value in G equals x; else NULL if G holds a NULL value
   * or x is NULL and G is not empty; else FALSE. Three mark joins keep the three facts per outer
   * row (the single-key mark-in only tracks NULLs over the whole right side).
   */
  private correlatedIn(x: BoundExpr, v: BoundExpr, sub: BoundQuery, negate: boolean, pos: import('../../errors.js').SourcePosition): BoundExpr {
    const corr = keyPairs(sub.outerKeys, sub.plan, 1, pos);
    const hit = this.markJoin('mark-exists', sub.plan, [x, ...corr.leftKeys], [v, ...corr.rightKeys], false);
    const nonEmpty = this.markJoin('mark-exists', sub.plan, corr.leftKeys, corr.rightKeys, false);
    const nullValues = B.filter(sub.plan, { kind: 'call', name: 'is_null', args: [v], type: T.boolean });
    const hasNull = this.markJoin('mark-exists', nullValues, corr.leftKeys, corr.rightKeys, false);
    const xIsNull: BoundExpr = { kind: 'call', name: 'is_null', args: [x], type: T.boolean };
    const unknown: BoundExpr = { kind: 'call', name: 'or', args: [hasNull, { kind: 'call', name: 'and', args: [xIsNull, nonEmpty], type: T.boolean }], type: T.boolean };
    const value: BoundExpr = {
      kind: 'case',
      whens: [
        { when: hit, then: { kind: 'literal', value: true, type: T.boolean } },
        { when: unknown, then: { kind: 'literal', value: null, type: T.boolean } },
      ],
      else: { kind: 'literal', value: false, type: T.boolean },
      type: T.boolean,
    };
    return negate ? { kind: 'call', name: 'not', args: [value], type: T.boolean } : value;
  }

  /** Join `sub` as a mark join: its boolean column is appended (hidden) and returned, negated for NOT. */
  private markJoin(kind: 'mark-exists' | 'mark-in', subPlan: LogicalPlan, leftKeys: BoundExpr[], rightKeys: BoundExpr[], negate: boolean): BoundExpr {
    const base = this.plan.schema.length;
    this.plan = B.join(kind, this.plan, subPlan, leftKeys, rightKeys);
    const markCol = { name: 'mark', type: T.boolean, nullable: kind === 'mark-in', hidden: true, table: '?subquery?' };
    this.scope = new Scope([...this.scope.columns, markCol], this.scope.outer);
    const value: BoundExpr = { kind: 'column', index: base, type: T.boolean, name: kind === 'mark-in' ? 'in' : 'exists' };
    return negate ? { kind: 'call', name: 'not', args: [value], type: T.boolean } : value;
  }
}

/**
 * A scalar subquery's plan [value, key…] with at most one row per correlation key: unless the
 * plan already guarantees it, group by the keys and take the single value (several rows → error).
 */
function atMostOneRowPerKey(plan: LogicalPlan, keyCount: number): LogicalPlan {
  const uk = plan.props.uniqueKey;
  if (uk && uk.every((i) => i >= 1 && i <= keyCount)) return plan;
  const keys: BoundExpr[] = [...Array(keyCount).keys()].map((i) => ({ kind: 'column', index: i + 1, type: plan.schema[i + 1]!.type }));
  const value: BoundExpr = { kind: 'column', index: 0, type: plan.schema[0]!.type };
  const agg = B.aggregate(
    plan,
    keys,
    plan.schema.slice(1).map((f) => f.name),
    [{ fn: SINGLE_VALUE_AGGREGATE, args: [value], distinct: false, type: value.type }],
    [plan.schema[0]!.name],
  );
  return B.projectColumns(agg, [keyCount, ...Array(keyCount).keys()]);
}

function isCountQuery(q: Query): boolean {
  const b = q.body;
  if (b.kind !== 'select' || b.items.length !== 1 || b.groupBy.length > 0) return false;
  const item = b.items[0]!;
  return item.kind === 'expr' && item.expr.kind === 'call' && item.expr.name === 'count' && !item.expr.over;
}

/** Bind a subquery with the outer scope visible; exactly one output column. */
function bindSub(q: Query, outer: Scope, env: BindEnv, pos: import('../../errors.js').SourcePosition): BoundQuery {
  const sub = bindQuery(q, childEnv(env, { outer }), { correlated: true });
  const width = sub.plan.schema.length - sub.outerKeys.length;
  if (width !== 1) throw new SqlTypeError('INVALID_ARGUMENT', `subquery must return only one column (it returns ${width})`, pos);
  return sub;
}

/** Join keys outer-expression ↔ subquery key column (the sub plan's columns from `start`). */
function keyPairs(outerKeys: BoundExpr[], subPlan: LogicalPlan, start: number, pos: import('../../errors.js').SourcePosition) {
  const leftKeys: BoundExpr[] = [];
  const rightKeys: BoundExpr[] = [];
  outerKeys.forEach((ok, i) => {
    const f = subPlan.schema[start + i]!;
    const rk: BoundExpr = { kind: 'column', index: start + i, type: f.type, name: f.name };
    const t = commonType(ok.type, rk.type);
    if (!t) throw new SqlTypeError('TYPE_MISMATCH', `cannot compare ${ok.type.id} with ${rk.type.id} in a correlated condition`, pos);
    leftKeys.push(castTo(ok, t));
    rightKeys.push(castTo(rk, t));
  });
  return { leftKeys, rightKeys };
}

export function splitConjuncts(e: Expr): Expr[] {
  if (e.kind === 'binary' && e.op === 'AND') return [...splitConjuncts(e.left), ...splitConjuncts(e.right)];
  return [e];
}

/** Bind a WHERE clause into the host: subquery conjuncts become semi/anti joins, the rest a filter. */
export function bindWhere(where: Expr, host: PlanHost): void {
  const width = host.plan.schema.length;
  const rest: BoundExpr[] = [];
  for (const c of splitConjuncts(where)) {
    if (bindSubqueryConjunct(c, false, host)) continue;
    const b = bindExpr(c, host.context('WHERE'));
    if (b.type.id !== 'boolean' && b.type.id !== 'null') {
      throw new SqlTypeError('TYPE_MISMATCH', `argument of WHERE must be type boolean, not type ${b.type.id}`, c.pos);
    }
    rest.push(castTo(b, T.boolean));
  }
  const pred = and(rest);
  if (pred) host.filter(pred);
  host.truncate(width);
}

/** IN / EXISTS / ANY / ALL conjunct → semi or anti join. Returns false if `c` is something else. */
function bindSubqueryConjunct(c: Expr, negated: boolean, host: PlanHost): boolean {
  if (c.kind === 'unary' && c.op === 'NOT') return bindSubqueryConjunct(c.operand, !negated, host);
  if (c.kind === 'exists') {
    const neg = negated !== c.not;
    const sub = bindQuery(c.query, childEnv(host.env, { outer: host.scope }), { correlated: true });
    const start = sub.plan.schema.length - sub.outerKeys.length;
    const { leftKeys, rightKeys } = keyPairs(sub.outerKeys, sub.plan, start, c.pos);
    host.plan = B.join(neg ? 'anti' : 'semi', host.plan, sub.plan, leftKeys, rightKeys);
    return true;
  }
  if (c.kind === 'in-subquery' || (c.kind === 'quantified' && c.subject.kind === 'query')) {
    const query = c.kind === 'in-subquery' ? c.query : (c.subject as { query: Query }).query;
    const sub = bindSub(query, host.scope, host.env, c.pos);
    const lhs = bindExpr(c.expr, host.context('WHERE'));
    const v: BoundExpr = { kind: 'column', index: 0, type: sub.plan.schema[0]!.type, name: sub.plan.schema[0]!.name };
    const corr = keyPairs(sub.outerKeys, sub.plan, 1, c.pos);
    let op: string;
    let all: boolean;
    if (c.kind === 'in-subquery') {
      op = '=';
      all = false;
      if (c.not) negated = !negated;
    } else {
      op = c.op;
      all = c.quantifier === 'ALL';
    }
    // x IN s ≡ x = ANY s; NOT (x = ANY s) ≡ x <> ALL s
    if (op === '=' && !all) {
      const t = commonType(lhs.type, v.type);
      if (!t) throw new SqlTypeError('TYPE_MISMATCH', `cannot compare ${lhs.type.id} with ${v.type.id} in IN (subquery)`, c.pos);
      const kind: JoinKind = negated ? 'anti-null-aware' : 'semi';
      host.plan = B.join(kind, host.plan, sub.plan, [castTo(lhs, t), ...corr.leftKeys], [castTo(v, t), ...corr.rightKeys]);
      return true;
    }
    if (op === 'LIKE' || op === 'ILIKE') throw new UnsupportedError(`${op} ${c.kind === 'quantified' ? c.quantifier : ''} (subquery) is not supported`, c.pos);
    // residual over left ++ right: the comparison with the subquery's value column
    const shifted: BoundExpr = { ...v, index: host.plan.schema.length };
    const cmp = bindBinaryOperator(op === '<>' ? '<>' : op, lhs, shifted, c.pos);
    // WHERE keeps a row only when the condition is TRUE:
    //   x op ANY s        ⇔ some row compares TRUE          → semi, residual cmp
    //   NOT (x op ANY s)  ⇔ every row compares FALSE        → anti, residual cmp IS NOT FALSE
    //   x op ALL s        ⇔ every row compares TRUE         → anti, residual cmp IS NOT TRUE
    //   NOT (x op ALL s)  ⇔ some row compares FALSE         → semi, residual cmp IS FALSE
    const test = (name: string): BoundExpr => ({ kind: 'call', name, args: [cmp], type: T.boolean });
    const [kind, residual]: [JoinKind, BoundExpr] = !all
      ? negated ? ['anti', test('is_not_false')] : ['semi', cmp]
      : negated ? ['semi', test('is_false')] : ['anti', test('is_not_true')];
    host.plan = B.join(kind, host.plan, sub.plan, corr.leftKeys, corr.rightKeys, residual);
    return true;
  }
  return false;
}

/**
 * Split a correlated subquery's WHERE into inner-only conjuncts and `inner = outer` equalities
 * (returned as key pairs: inner ASTs to bind in the subquery, outer expressions already bound).
 */
export function splitCorrelation(where: Expr, inner: Scope, env: BindEnv): { rest?: Expr; innerKeys: Expr[]; outerKeys: BoundExpr[] } {
  const outer = env.outer!;
  const rest: Expr[] = [];
  const innerKeys: Expr[] = [];
  const outerKeys: BoundExpr[] = [];
  const side = (e: Expr): 'inner' | 'outer' | 'mixed' | 'none' => {
    let sawInner = false;
    let sawOuter = false;
    collectRefs(e).forEach((r) => {
      if (inner.find(r.name, r.table, r.pos) !== undefined) sawInner = true;
      else if (outer.find(r.name, r.table, r.pos) !== undefined) sawOuter = true;
    });
    return sawInner && sawOuter ? 'mixed' : sawOuter ? 'outer' : sawInner ? 'inner' : 'none';
  };
  for (const c of splitConjuncts(where)) {
    const s = side(c);
    if (s === 'inner' || s === 'none') {
      rest.push(c);
      continue;
    }
    if (c.kind === 'binary' && c.op === '=') {
      const l = side(c.left);
      const r = side(c.right);
      const outerCtx: ExprContext = { scope: outer, catalog: env.catalog, params: env.params, clause: 'WHERE', referenced: env.referenced };
      if ((l === 'inner' || l === 'none') && r === 'outer') {
        innerKeys.push(c.left);
        outerKeys.push(bindExpr(c.right, outerCtx));
        continue;
      }
      if (l === 'outer' && (r === 'inner' || r === 'none')) {
        innerKeys.push(c.right);
        outerKeys.push(bindExpr(c.left, outerCtx));
        continue;
      }
    }
    if (s === 'outer') {
      rest.push(c); // references only the outer row: evaluated as a plain (unsupported) outer ref
      continue;
    }
    throw new UnsupportedError('correlated subquery conditions other than `inner = outer` equalities are not supported', c.pos);
  }
  const restExpr = rest.length === 0 ? undefined : rest.reduce((a, b): Expr => ({ kind: 'binary', op: 'AND', left: a, right: b, pos: a.pos }));
  return { rest: restExpr, innerKeys, outerKeys };
}

function collectRefs(e: Expr): (Expr & { kind: 'column' })[] {
  const out: (Expr & { kind: 'column' })[] = [];
  const visit = (x: Expr): boolean => {
    if (x.kind === 'column') out.push(x);
    return true;
  };
  walkExpr(e, visit);
  return out;
}
