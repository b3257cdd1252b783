// Binding one SELECT block: FROM → WHERE → GROUP BY / aggregates → HAVING → window functions →
// select list → DISTINCT / DISTINCT ON, with ORDER BY expressions resolved against output
// aliases, ordinals or input expressions (added as hidden trailing columns).

import { SqlTypeError, UnsupportedError } from '../../errors.js';
import type { Expr, FunctionCall, OrderItem, Select } from '../../sql/ast.js';
import { T } from '../../types/datatype.js';
import type { AggregateCall, BoundExpr } from '../bound.js';
import * as B from '../builders.js';
import type { FrameSpec, LogicalPlan, OverWindowCall, SortKey } from '../logical.js';
import type { BindEnv } from './env.js';
import { bindExpr, containsAggregate, exprKey, outputName, walkExpr } from './expr.js';
import type { ExprContext } from './expr.js';
import { bindFrom } from './from.js';
import { sortKey } from './query.js';
import { Scope } from './scope.js';
import type { ScopeColumn } from './scope.js';
import { PlanHost, bindWhere, splitCorrelation } from './subquery.js';
import { RANKING_FUNCTIONS, aggregateResultType, castTo, isAggregateName } from './typing.js';

export interface SelectOptions {
  correlated?: boolean;
  /** query-level ORDER BY to resolve here (only when it matters: LIMIT or top query) */
  orderBy?: OrderItem[];
}

export interface BoundSelect {
  /** columns: visible outputs ++ hidden sort columns ++ correlation key columns */
  plan: LogicalPlan;
  visible: number;
  hidden: number;
  sortKeys: SortKey[];
  outerKeys: BoundExpr[];
}

export function bindSelect(sel: Select, env: BindEnv, opts: SelectOptions): BoundSelect {
  const from = bindFrom(sel.from, env);
  const host = new PlanHost(from.plan, new Scope(from.scope.columns, env.outer), env);

  // correlated subquery: pull `inner = outer` conjuncts out as join keys
  let where = sel.where;
  let innerKeyAsts: Expr[] = [];
  let outerKeys: BoundExpr[] = [];
  if (opts.correlated && env.outer && where) {
    const split = splitCorrelation(where, host.scope, env);
    where = split.rest;
    innerKeyAsts = split.innerKeys;
    outerKeys = split.outerKeys;
  }
  if (where) bindWhere(where, host);

  const items = expandItems(sel, host.scope);
  const orderBy = opts.orderBy ?? [];
  const aggregating =
    sel.groupBy.length > 0 ||
    items.some((i) => containsAggregate(i.expr)) ||
    (sel.having !== undefined) ||
    orderBy.some((o) => containsAggregate(o.expr));

  let ctxFor: (clause: string) => ExprContext = (clause) => host.context(clause);

  // (without aggregation, correlation keys are bound in the FROM scope like any expression)
  if (aggregating) ctxFor = bindAggregation(sel, items, orderBy, innerKeyAsts, host, env);

  const windowed = items.some((i) => hasWindowCall(i.expr)) || orderBy.some((o) => hasWindowCall(o.expr));
  const windowCols = windowed ? bindWindowCalls(items, orderBy, host, ctxFor) : new Map<Expr, number>();
  const baseCtx = ctxFor;
  if (windowed) {
    ctxFor = (clause) => {
      const inner = baseCtx(clause);
      return {
        ...inner,
        scope: host.scope,
        intercept: (x) => {
          const col = windowCols.get(x);
          if (col !== undefined) return { kind: 'column', index: col, type: host.scope.columns[col]!.type };
          return inner.intercept?.(x);
        },
      };
    };
  }

  // select list (bound against the current plan: FROM, aggregate output or window output)
  const selectCtx = ctxFor('SELECT');
  const fromCols = from.scope.columns;
  const exprs = items.map((i): BoundExpr =>
    i.index !== undefined && !aggregating
      ? { kind: 'column', index: i.index, type: fromCols[i.index]!.type, name: i.name }
      : bindExpr(i.expr, selectCtx),
  );
  const names = items.map((i) => i.name);

  // ORDER BY: output alias / ordinal → that output; otherwise an expression (hidden column)
  const sortKeys: SortKey[] = [];
  const hiddenExprs: BoundExpr[] = [];
  for (const o of orderBy) {
    const idx = resolveOutputReference(o.expr, names, items.length);
    if (idx !== undefined) {
      sortKeys.push(sortKey({ kind: 'column', index: idx, type: exprs[idx]!.type, name: names[idx] }, o));
      continue;
    }
    const bound = bindExpr(o.expr, ctxFor('ORDER BY'));
    const same = exprs.findIndex((x) => exprKey(x) === exprKey(bound));
    if (same >= 0) {
      sortKeys.push(sortKey({ kind: 'column', index: same, type: bound.type, name: names[same] }, o));
      continue;
    }
    if (sel.distinct) {
      throw new SqlTypeError('GROUPING_ERROR', 'for SELECT DISTINCT, ORDER BY expressions must appear in select list', o.expr.pos);
    }
    hiddenExprs.push(bound);
    sortKeys.push(sortKey({ kind: 'column', index: items.length + hiddenExprs.length - 1, type: bound.type }, o));
  }

  // correlation keys (bound in the FROM scope; with aggregation they are group columns)
  const keyExprs = innerKeyAsts.map((k) => bindExpr(k, ctxFor('WHERE')));
  let plan: LogicalPlan = B.project(
    host.plan,
    [...exprs, ...hiddenExprs, ...keyExprs],
    [...names, ...hiddenExprs.map(() => '?sort?'), ...keyExprs.map((_, i) => `?key${i}?`)],
  );

  if (sel.distinctOn) {
    const onCtx = ctxFor('DISTINCT ON');
    const partition = sel.distinctOn.map((d) => {
      const idx = resolveOutputReference(d, names, items.length);
      if (idx !== undefined) return { kind: 'column', index: idx, type: exprs[idx]!.type } as BoundExpr;
      const b = bindExpr(d, onCtx);
      const same = exprs.findIndex((x) => exprKey(x) === exprKey(b));
      if (same < 0) throw new UnsupportedError('DISTINCT ON expressions must appear in the select list', d.pos);
      return { kind: 'column', index: same, type: b.type } as BoundExpr;
    });
    plan = B.topN(plan, partition, sortKeys, 1, 0);
  } else if (sel.distinct) {
    if (keyExprs.length > 0) throw new UnsupportedError('SELECT DISTINCT in a correlated subquery is not supported', sel.pos);
    plan = B.distinct(plan);
  }
  if (sel.qualify) throw new UnsupportedError('QUALIFY is not supported', sel.qualify.pos);
  return { plan, visible: items.length, hidden: hiddenExprs.length, sortKeys, outerKeys };
}

interface Item {
  expr: Expr;
  name: string;
  /** for `*` expansions: the FROM-scope column (names may repeat across derived tables) */
  index?: number;
}

/** Expand `*` / `t.*` into column references, name every item as PostgreSQL does. */
function expandItems(sel: Select, scope: Scope): Item[] {
  const out: Item[] = [];
  for (const item of sel.items) {
    if (item.kind === 'star') {
      if (sel.from.length === 0) throw new SqlTypeError('INVALID_ARGUMENT', 'SELECT * with no tables specified is not valid', item.pos);
      for (const i of scope.star(item.table, item.pos)) {
        const c = scope.columns[i]!;
        out.push({ expr: { kind: 'column', table: c.table, name: c.name, pos: item.pos }, name: c.name, index: i });
      }
    } else {
      out.push({ expr: item.expr, name: item.alias ?? outputName(item.expr) });
    }
  }
  return out;
}

/** `ORDER BY 2` or `ORDER BY alias` (a bare name that is an output alias). */
function resolveOutputReference(e: Expr, names: string[], count: number): number | undefined {
  if (e.kind === 'number' && e.integer) {
    const n = Number(e.text);
    if (n < 1 || n > count) throw new SqlTypeError('INVALID_ARGUMENT', `position ${n} is not in select list`, e.pos);
    return n - 1;
  }
  if (e.kind === 'column' && e.table === undefined) {
    const matches = names.flatMap((n, i) => (n === e.name ? [i] : []));
    if (matches.length === 1) return matches[0];
  }
  return undefined;
}

/**
 * GROUP BY + aggregates: plan an Aggregate node and return a context factory binding
 * expressions over its output (group expressions and aggregate calls become column refs).
 */
function bindAggregation(
  sel: Select,
  items: Item[],
  orderBy: OrderItem[],
  innerKeyAsts: Expr[],
  host: PlanHost,
  env: BindEnv,
): (clause: string) => ExprContext {
  const fromCtx = host.context('GROUP BY');
  // GROUP BY ordinal / output alias / expression; correlation keys join the grouping
  const groupAsts: Expr[] = sel.groupBy.map((g) => {
    if (g.kind === 'number' && g.integer) {
      const n = Number(g.text);
      if (n < 1 || n > items.length) throw new SqlTypeError('INVALID_ARGUMENT', `GROUP BY position ${n} is not in select list`, g.pos);
      return items[n - 1]!.expr;
    }
    if (g.kind === 'column' && g.table === undefined && host.scope.find(g.name, undefined, g.pos) === undefined) {
      const it = items.find((i) => i.name === g.name);
      if (it) return it.expr;
    }
    return g;
  });
  groupAsts.push(...innerKeyAsts);
  groupAsts.push(...functionallyDependent(groupAsts, [...items.map((i) => i.expr), ...(sel.having ? [sel.having] : []), ...orderBy.map((o) => o.expr)], host.scope));
  const groupExprs: BoundExpr[] = [];
  const groupNames: string[] = [];
  const groupIndex = new Map<string, number>();
  for (const g of groupAsts) {
    if (containsAggregate(g)) throw new SqlTypeError('GROUPING_ERROR', 'aggregate functions are not allowed in GROUP BY', g.pos);
    const b = bindExpr(g, fromCtx);
    const k = exprKey(b);
    if (groupIndex.has(k)) continue;
    groupIndex.set(k, groupExprs.length);
    groupExprs.push(b);
    groupNames.push(g.kind === 'column' ? g.name : '?column?');
  }

  // collect aggregate calls (deduplicated) from the select list, HAVING and ORDER BY
  const aggCalls: AggregateCall[] = [];
  const aggNames: string[] = [];
  const aggIndex = new Map<string, number>();
  const aggOf = new Map<Expr, number>();
  const collect = (e: Expr): void =>
    walkExpr(e, (x) => {
      if (x.kind === 'call' && !x.over && isAggregateName(x.name)) {
        const call = bindAggregateCall(x, fromCtx);
        const k = exprKey(call as unknown as BoundExpr);
        let i = aggIndex.get(k);
        if (i === undefined) {
          i = aggCalls.length;
          aggIndex.set(k, i);
          aggCalls.push(call);
          aggNames.push(x.name);
        }
        aggOf.set(x, i);
        return false;
      }
      return true;
    });
  items.forEach((i) => collect(i.expr));
  if (sel.having) collect(sel.having);
  orderBy.forEach((o) => collect(o.expr));

  const agg = B.aggregate(host.plan, groupExprs, groupNames, aggCalls, aggNames);
  const fromScope = host.scope;
  const aggScopeCols: ScopeColumn[] = agg.schema.map((f) => ({ name: f.name, type: f.type, nullable: f.nullable }));
  host.replace(agg, new Scope(aggScopeCols, env.outer));

  const intercept = (x: Expr): BoundExpr | undefined => {
    const a = aggOf.get(x);
    if (a !== undefined) return { kind: 'column', index: groupExprs.length + a, type: aggCalls[a]!.type, name: aggNames[a] };
    if (x.kind === 'call' && x.over) return undefined;
    if (x.kind === 'scalar-subquery' || x.kind === 'exists' || x.kind === 'in-subquery') return undefined;
    // an expression equal to a GROUP BY expression is that group column
    let bound: BoundExpr | undefined;
    try {
      if (!containsAggregate(x)) bound = bindExpr(x, { ...fromCtx, scope: fromScope, subqueries: undefined });
    } catch {
      bound = undefined;
    }
    if (bound) {
      const gi = groupIndex.get(exprKey(bound));
      if (gi !== undefined) return { kind: 'column', index: gi, type: bound.type, name: groupNames[gi] };
    }
    if (x.kind === 'column') {
      throw new SqlTypeError(
        'GROUPING_ERROR',
        `column "${x.table ? `${x.table}.` : ''}${x.name}" must appear in the GROUP BY clause or be used in an aggregate function`,
        x.pos,
      );
    }
    return undefined;
  };
  const ctxFor = (clause: string): ExprContext => ({ ...host.context(clause), intercept });
  if (sel.having) {
    const pred = bindExpr(sel.having, ctxFor('HAVING'));
    if (pred.type.id !== 'boolean' && pred.type.id !== 'null') {
      throw new SqlTypeError('TYPE_MISMATCH', `argument of HAVING must be type boolean, not type ${pred.type.id}`, sel.having.pos);
    }
    host.filter(pred);
  }
  return ctxFor;
}

/**
 * Columns referenced outside aggregates that are not grouped but whose FROM item's unique key is
 * fully grouped (PostgreSQL's functional dependency on a primary key): they join the grouping,
 * which changes no group.
 */
function functionallyDependent(groupAsts: Expr[], used: Expr[], scope: Scope): Expr[] {
  const index = (e: Expr): number | undefined => {
    if (e.kind !== 'column') return undefined;
    try {
      return scope.find(e.name, e.table, e.pos);
    } catch {
      return undefined;
    }
  };
  const grouped = new Set(groupAsts.map(index).filter((i): i is number => i !== undefined));
  const keyGrouped = (unit: { key: number[] }): boolean =>
    unit.key.every((k) => [...grouped].some((g) => scope.columns[g]!.unit === unit && scope.columns[g]!.unitPos === k));
  const extra: Expr[] = [];
  for (const e of used) {
    walkExpr(e, (x) => {
      if (x.kind === 'call' && !x.over && isAggregateName(x.name)) return false;
      const i = index(x);
      if (i === undefined || grouped.has(i)) return true;
      const unit = scope.columns[i]!.unit;
      if (unit && keyGrouped(unit)) {
        grouped.add(i);
        extra.push(x);
      }
      return true;
    });
  }
  return extra;
}

function bindAggregateCall(x: FunctionCall, ctx: ExprContext): AggregateCall {
  const inner: ExprContext = { ...ctx, clause: 'aggregate function calls', subqueries: undefined };
  for (const a of x.args) {
    if (containsAggregate(a)) throw new SqlTypeError('GROUPING_ERROR', 'aggregate function calls cannot be nested', a.pos);
  }
  if (x.star) {
    if (x.name !== 'count') throw new SqlTypeError('TYPE_MISMATCH', `${x.name}(*) is not valid`, x.pos);
    return { fn: 'count_star', args: [], distinct: false, type: T.bigint, ...(x.filter ? { filter: bindExpr(x.filter, inner) } : {}) };
  }
  const args = x.args.map((a) => bindExpr(a, inner));
  if (args.length === 0) throw new SqlTypeError('TYPE_MISMATCH', `function ${x.name}() requires an argument`, x.pos);
  const { fn, type } = aggregateResultType(x.name, args, x.pos);
  const call: AggregateCall = { fn, args, distinct: x.distinct, type };
  if (fn === 'string_agg' && args[1]) call.args = [castTo(args[0]!, T.varchar), castTo(args[1], T.varchar)];
  if (x.filter) call.filter = bindExpr(x.filter, inner);
  if (x.orderBy && x.orderBy.length > 0) {
    call.orderBy = x.orderBy.map((o) => ({ expr: bindExpr(o.expr, inner), desc: o.desc, nullsFirst: o.nullsFirst ?? o.desc }));
    // DISTINCT keeps one entry per argument value, so it can only be ordered by that value (PostgreSQL's rule)
    const argText = JSON.stringify(call.args[0]);
    if (x.distinct && call.orderBy.some((o) => JSON.stringify(o.expr) !== argText && JSON.stringify(castTo(o.expr, call.args[0]!.type)) !== argText)) {
      throw new SqlTypeError('INVALID_ARGUMENT', 'in an aggregate with DISTINCT, ORDER BY expressions must appear in argument list', x.orderBy[0]!.expr.pos);
    }
  }
  return call;
}

function hasWindowCall(e: Expr): boolean {
  let found = false;
  walkExpr(e, (x) => {
    if (x.kind === 'call' && x.over) found = true;
    return !found;
  });
  return found;
}

/**
 * Plan window function calls: one OverWindow node per distinct (PARTITION BY, ORDER BY),
 * stacked; returns where each call's result column lives.
 */
function bindWindowCalls(items: Item[], orderBy: OrderItem[], host: PlanHost, ctxFor: (c: string) => ExprContext): Map<Expr, number> {
  const calls: FunctionCall[] = [];
  const gather = (e: Expr): void =>
    walkExpr(e, (x) => {
      if (x.kind === 'call' && x.over) {
        calls.push(x);
        return false;
      }
      return true;
    });
  items.forEach((i) => gather(i.expr));
  orderBy.forEach((o) => gather(o.expr));
  const ctx = ctxFor('window function calls');
  const groups = new Map<string, { partition: BoundExpr[]; order: SortKey[]; calls: { ast: FunctionCall; call: OverWindowCall }[] }>();
  for (const c of calls) {
    const spec = c.over!;
    if (spec.name) throw new UnsupportedError('named windows (OVER w) are not supported', spec.pos);
    const partition = spec.partitionBy.map((p) => bindExpr(p, ctx));
    const order = spec.orderBy.map((o) => sortKey(bindExpr(o.expr, ctx), o));
    const args = c.args.map((a) => bindExpr(a, ctx));
    const call = windowCall(c, args, order.length > 0);
    const k = exprKey({ kind: 'call', name: 'spec', args: [...partition, ...order.map((o) => o.expr)], type: T.null }) + order.map((o) => `${o.desc}${o.nullsFirst}`).join();
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { partition, order, calls: [] }));
    g.calls.push({ ast: c, call });
  }
  const where = new Map<Expr, number>();
  for (const g of groups.values()) {
    const base = host.plan.schema.length;
    const node = B.overWindow(host.plan, g.partition, g.order, g.calls.map((c) => c.call), g.calls.map((c) => c.ast.name));
    g.calls.forEach((c, i) => where.set(c.ast, base + i));
    const cols: ScopeColumn[] = [...host.scope.columns, ...g.calls.map((c) => ({ name: c.ast.name, type: c.call.type, nullable: true }))];
    host.replace(node, new Scope(cols, host.scope.outer));
  }
  return where;
}

function windowCall(c: FunctionCall, args: BoundExpr[], ordered: boolean): OverWindowCall {
  const frame = frameOf(c, ordered);
  if (c.name === 'row_number' || c.name === 'rank' || c.name === 'dense_rank') {
    return { fn: c.name, args: [], frame, distinct: false, type: T.bigint };
  }
  if (c.name === 'lag' || c.name === 'lead') {
    return { fn: c.name, args, frame, distinct: false, type: args[0]?.type ?? T.null };
  }
  if (RANKING_FUNCTIONS.has(c.name)) throw new UnsupportedError(`window function ${c.name} is not supported`, c.pos);
  if (c.star && c.name === 'count') return { fn: 'count_star', args: [], frame, distinct: false, type: T.bigint };
  if (!isAggregateName(c.name)) throw new UnsupportedError(`${c.name} is not a window or aggregate function`, c.pos);
  const { fn, type } = aggregateResultType(c.name, args, c.pos);
  return { fn, args, frame, distinct: c.distinct, type };
}

/** The frame of a window call; the SQL default is RANGE UNBOUNDED PRECEDING .. CURRENT ROW when
 *  ordered, the whole partition otherwise. */
function frameOf(c: FunctionCall, ordered: boolean): FrameSpec {
  const f = c.over?.frame;
  if (!f) return ordered ? { mode: 'range', following: 0 } : { mode: 'rows' };
  const offset = (b: typeof f.start): number | undefined => {
    if (b.kind === 'current-row') return 0;
    if (b.kind === 'preceding' || b.kind === 'following') {
      if (b.offset.kind !== 'number' || !b.offset.integer) throw new UnsupportedError('frame offsets must be integer constants', c.pos);
      return Number(b.offset.text);
    }
    return undefined;
  };
  const spec: FrameSpec = { mode: f.mode === 'ROWS' ? 'rows' : 'range' };
  if (f.start.kind === 'following' || f.end.kind === 'preceding') throw new UnsupportedError('this window frame is not supported', c.pos);
  const p = offset(f.start);
  const q = offset(f.end);
  if (p !== undefined) spec.preceding = p;
  if (q !== undefined) spec.following = q;
  return spec;
}
