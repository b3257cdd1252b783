// Binding whole queries: WITH, set operations, VALUES, and the query-level ORDER BY / LIMIT /
// OFFSET (Top-N inside views, Sort + Limit at the top of a one-shot SELECT).

import { SqlTypeError, UnsupportedError } from '../../errors.js';
import type { Expr, OrderItem, Query, SetExpr, ValuesClause } from '../../sql/ast.js';
import { T } from '../../types/datatype.js';
import type { Value } from '../../types/value.js';
import { Decimal } from '../../types/decimal.js';
import { Interval } from '../../types/interval.js';
import type { BoundExpr } from '../bound.js';
import * as B from '../builders.js';
import type { LogicalPlan, SortKey } from '../logical.js';
import { childEnv } from './env.js';
import type { BindEnv, BoundQuery } from './env.js';
import { bindExpr } from './expr.js';
import { Scope } from './scope.js';
import { bindSelect } from './select.js';
import { castTo, isUntypedString, unify } from './typing.js';

export interface QueryOptions {
  /** collect equality correlations with env.outer (subqueries) */
  correlated?: boolean;
  /** the statement's top query: ORDER BY becomes a Sort */
  top?: boolean;
}

export function bindQuery(q: Query, env: BindEnv, opts: QueryOptions = {}): BoundQuery {
  let e = env;
  if (q.with) {
    if (q.with.recursive) throw new UnsupportedError('WITH RECURSIVE is not supported', q.pos);
    e = childEnv(env, {});
    for (const cte of q.with.ctes) {
      const bound = bindQuery(cte.query, childEnv(e, { outer: undefined }));
      let plan = bound.plan;
      if (cte.columns) plan = renameColumns(plan, cte.columns, cte.pos);
      e.ctes.set(cte.name, plan);
    }
  }
  const limit = constantInt(q.limit, 'LIMIT', e);
  const offset = constantInt(q.offset, 'OFFSET', e) ?? 0;
  const wantsOrder = q.orderBy.length > 0 && (opts.top || limit !== undefined || q.offset !== undefined);

  if (q.body.kind === 'select') {
    const sel = bindSelect(q.body, e, { correlated: opts.correlated, orderBy: wantsOrder ? q.orderBy : [] });
    let plan = sel.plan;
    plan = applyOrderLimit(plan, sel.sortKeys, limit, offset, opts.top === true);
    const keep = [...Array(sel.visible).keys(), ...sel.outerKeys.map((_, i) => sel.visible + sel.hidden + i)];
    if (keep.length !== plan.schema.length) plan = B.projectColumns(plan, keep);
    return { plan, outerKeys: sel.outerKeys };
  }
  if (opts.correlated && e.outer) {
    // set operations and VALUES cannot see the outer query's columns
    e = childEnv(e, { outer: undefined });
  }
  let plan = bindSetExpr(q.body, e);
  const keys = wantsOrder ? outputOrderKeys(plan, q.orderBy, e) : [];
  plan = applyOrderLimit(plan, keys, limit, offset, opts.top === true);
  return { plan, outerKeys: [] };
}

function applyOrderLimit(plan: LogicalPlan, keys: SortKey[], limit: number | undefined, offset: number, top: boolean): LogicalPlan {
  if (limit !== undefined) {
    // Top-N keeps a maintained result in views; the one-shot top query sorts it too
    const t = B.topN(plan, [], keys, limit, offset);
    return top && keys.length > 0 ? B.sort(t, keys) : t;
  }
  if (offset > 0) {
    if (!top) throw new UnsupportedError('OFFSET without LIMIT is only supported at the top of a SELECT');
    return B.limit(keys.length > 0 ? B.sort(plan, keys) : plan, undefined, offset);
  }
  if (top && keys.length > 0) return B.sort(plan, keys);
  return plan;
}

function constantInt(e: Expr | undefined, what: string, env: BindEnv): number | undefined {
  if (!e) return undefined;
  const b = bindExpr(e, { scope: Scope.empty(), catalog: env.catalog, params: env.params, clause: what });
  if (b.kind === 'literal' && b.value === null) return undefined; // LIMIT NULL / LIMIT ALL
  const v = b.kind === 'literal' ? (typeof b.value === 'string' && isUntypedString(b) ? Number(b.value) : b.value) : undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    throw new SqlTypeError('INVALID_ARGUMENT', `${what} must be a non-negative integer constant`, e.pos);
  }
  return v;
}

/** ORDER BY over a set operation's output: ordinals, output names, or expressions over them. */
function outputOrderKeys(plan: LogicalPlan, items: OrderItem[], env: BindEnv): SortKey[] {
  const scope = new Scope(plan.schema.map((f) => ({ name: f.name, type: f.type, nullable: f.nullable })));
  return items.map((item) => {
    let expr: BoundExpr;
    if (item.expr.kind === 'number' && item.expr.integer) {
      const n = Number(item.expr.text);
      if (n < 1 || n > plan.schema.length) {
        throw new SqlTypeError('INVALID_ARGUMENT', `ORDER BY position ${n} is not in select list`, item.expr.pos);
      }
      expr = { kind: 'column', index: n - 1, type: plan.schema[n - 1]!.type, name: plan.schema[n - 1]!.name };
    } else {
      expr = bindExpr(item.expr, { scope, catalog: env.catalog, params: env.params, clause: 'ORDER BY', referenced: env.referenced });
    }
    return sortKey(expr, item);
  });
}

export function sortKey(expr: BoundExpr, item: OrderItem): SortKey {
  return { expr, desc: item.desc, nullsFirst: item.nullsFirst ?? item.desc };
}

export function bindSetExpr(s: SetExpr, env: BindEnv): LogicalPlan {
  switch (s.kind) {
    case 'query':
      return bindQuery(s, env).plan;
    case 'select': {
      const sel = bindSelect(s, env, {});
      return sel.plan;
    }
    case 'values':
      return bindValues(s, env);
    case 'set-op': {
      if (s.op !== 'UNION') {
        // rows are compared NULL-safely, as set operations do: (is_null(c), coalesce(c, zero))
        const [l, r] = unifyInputs([bindSetExpr(s.left, env), bindSetExpr(s.right, env)], s.pos);
        const kind = s.op === 'INTERSECT' ? 'semi' : 'anti';
        if (!s.all) return B.distinct(B.join(kind, l!, r!, nullSafeKeys(l!, s.pos), nullSafeKeys(r!, s.pos)));
        return bindSetOpAll(kind, l!, r!, s.pos);
      }
      const [l, r] = unifyInputs([bindSetExpr(s.left, env), bindSetExpr(s.right, env)], s.pos);
      const inputs = [...flattenUnion(l!), ...flattenUnion(r!)];
      const u = B.unionAll(inputs, l!.schema.map((f, i) => ({ ...f, nullable: inputs.some((p) => p.schema[i]!.nullable) })));
      return s.all ? u : B.distinct(u);
    }
  }
}

/**
 * INTERSECT ALL / EXCEPT ALL. Each copy of a row is numbered within its group of equal rows
 * (ROW_NUMBER over a partition by every column), so the k-th copy on the left matches the k-th
 * copy on the right: a semi join keeps min(l, r) copies, an anti join max(l - r, 0). Both are
 * maintained incrementally by the existing over-window and join operators.
 */
function bindSetOpAll(kind: 'semi' | 'anti', l: LogicalPlan, r: LogicalPlan, pos: import('../../errors.js').SourcePosition): LogicalPlan {
  const number = (p: LogicalPlan): LogicalPlan => {
    const partition: BoundExpr[] = p.schema.map((f, i) => ({ kind: 'column', index: i, type: f.type, name: f.name }));
    const call = { fn: 'row_number', args: [], frame: { mode: 'rows' as const }, distinct: false, type: T.bigint };
    return B.overWindow(p, partition, [], [call], ['__copy_number']);
  };
  const ln = number(l);
  const rn = number(r);
  const matched = B.join(kind, ln, rn, nullSafeKeys(ln, pos), nullSafeKeys(rn, pos));
  return B.projectColumns(matched, l.schema.map((_, i) => i), l.schema.map((f) => f.name));
}

function flattenUnion(p: LogicalPlan): LogicalPlan[] {
  return p.kind === 'union-all' ? p.inputs : [p];
}

/** Cast the inputs of a UNION / VALUES to common column types. */
function unifyInputs(plans: LogicalPlan[], pos: import('../../errors.js').SourcePosition): LogicalPlan[] {
  const width = plans[0]!.schema.length;
  for (const p of plans) {
    if (p.schema.length !== width) {
      throw new SqlTypeError('TYPE_MISMATCH', `each UNION query must have the same number of columns (${width} vs ${p.schema.length})`, pos);
    }
  }
  const types = plans[0]!.schema.map((_, c) => {
    const cols: BoundExpr[] = plans.map((p) => ({ kind: 'column', index: c, type: p.schema[c]!.type }));
    return unify(cols, 'UNION', pos).type;
  });
  return plans.map((p) => {
    if (p.schema.every((f, c) => f.type.id === types[c]!.id)) return p;
    const exprs = p.schema.map((f, c) => castTo({ kind: 'column', index: c, type: f.type, name: f.name }, types[c]!));
    return B.project(p, exprs, plans[0]!.schema.map((f) => f.name));
  });
}

/** VALUES: constant rows go into one Values node; rows with expressions become projections. */
function bindValues(v: ValuesClause, env: BindEnv): LogicalPlan {
  const width = v.rows[0]?.length ?? 0;
  const ctx = { scope: Scope.empty(), catalog: env.catalog, params: env.params, clause: 'VALUES', referenced: env.referenced };
  const rows = v.rows.map((r) => {
    if (r.length !== width) throw new SqlTypeError('TYPE_MISMATCH', 'VALUES lists must all be the same length', v.pos);
    return r.map((x) => bindExpr(x, ctx));
  });
  const names = Array.from({ length: width }, (_, i) => `column${i + 1}`);
  const types = names.map((_, c) => unify(rows.map((r) => r[c]!), 'VALUES', v.pos).type);
  const constRows: Value[][] = [];
  const exprRows: BoundExpr[][] = [];
  for (const r of rows) {
    const cast = r.map((x, c) => castTo(x, types[c]!));
    if (cast.every((x) => x.kind === 'literal')) constRows.push(cast.map((x) => (x as { value: Value }).value));
    else exprRows.push(cast);
  }
  const schema = names.map((n, c) => B.field(n, types[c]!.id === 'null' ? T.varchar : types[c]!, true));
  const parts: LogicalPlan[] = [];
  if (constRows.length > 0) parts.push(B.values(constRows, schema));
  const one = B.values([[]], []);
  for (const r of exprRows) parts.push(B.project(one, r, names));
  return parts.length === 1 ? parts[0]! : B.unionAll(parts, schema);
}

/** Apply `(a, b, …)` column aliases of a CTE / derived table / view. */
export function renameColumns(plan: LogicalPlan, names: string[], pos: import('../../errors.js').SourcePosition): LogicalPlan {
  if (names.length > plan.schema.length) {
    throw new SqlTypeError('TYPE_MISMATCH', `${names.length} column aliases given but the query has ${plan.schema.length} columns`, pos);
  }
  const all = plan.schema.map((f, i) => names[i] ?? f.name);
  return B.projectColumns(plan, plan.schema.map((_, i) => i), all);
}

function zeroOf(t: import('../../types/datatype.js').DataType, pos: import('../../errors.js').SourcePosition): Value {
  switch (t.id) {
    case 'boolean':
      return false;
    case 'varchar':
      return '';
    case 'decimal':
      return new Decimal(0n, 0);
    case 'interval':
      return new Interval(0, 0, 0);
    case 'smallint':
    case 'int':
    case 'bigint':
    case 'real':
    case 'double':
    case 'timestamp':
    case 'timestamptz':
    case 'date':
    case 'null':
      return 0;
    default:
      throw new UnsupportedError(`INTERSECT / EXCEPT over ${t.id} columns is not supported`, pos);
  }
}

function nullSafeKeys(plan: LogicalPlan, pos: import('../../errors.js').SourcePosition): BoundExpr[] {
  return plan.schema.flatMap((f, i): BoundExpr[] => {
    const col: BoundExpr = { kind: 'column', index: i, type: f.type, name: f.name };
    const type = f.type.id === 'null' ? T.int : f.type;
    return [
      { kind: 'call', name: 'is_null', args: [col], type: T.boolean },
      { kind: 'call', name: 'coalesce', args: [castTo(col, type), { kind: 'literal', value: zeroOf(type, pos), type }], type },
    ];
  });
}
