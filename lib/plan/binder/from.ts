// Binding FROM items: relations (tables, sources, materialized views scanned; plain views and
// CTEs inlined), derived tables, joins (ON / USING / NATURAL, equi keys split from the residual)
// and the window table functions TUMBLE / HOP / CUMULATE / SESSION.

import { asofBoundOf, asofMode, type AsofBound } from './asof-bounds.js';
import { CatalogError, SqlTypeError, UnsupportedError } from '../../errors.js';
import type { SourcePosition } from '../../errors.js';
import type { Expr, JoinRef, NamedTableRef, TableFunctionArg, TableFunctionRef, TableRef } from '../../sql/ast.js';
import type { Interval } from '../../types/interval.js';
import { T } from '../../types/datatype.js';
import type { Value } from '../../types/value.js';
import type { BoundExpr } from '../bound.js';
import * as B from '../builders.js';
import type { AsofJoinNode, LogicalPlan, ScanNode, TemporalJoinNode, WindowTvfKind } from '../logical.js';
import { childEnv } from './env.js';
import type { BindEnv } from './env.js';
import { and, bindExpr } from './expr.js';
import { intervalMs } from './literals.js';
import { bindQuery, renameColumns } from './query.js';
import { Scope } from './scope.js';
import type { ScopeColumn } from './scope.js';
import { splitJoinCondition } from '../optimizer/join-keys.js';
import { bindBinaryOperator, castTo } from './typing.js';

export interface BoundFrom {
  plan: LogicalPlan;
  scope: Scope;
}

const MAX_VIEW_DEPTH = 32;

export function bindFrom(refs: TableRef[], env: BindEnv): BoundFrom {
  if (refs.length === 0) return { plan: B.values([[]], []), scope: Scope.empty(env.outer) };
  let acc = bindTableRef(refs[0]!, env);
  for (const r of refs.slice(1)) {
    const right = bindTableRef(r, env);
    checkDuplicateAliases(acc.scope, right.scope, r.pos);
    acc = { plan: B.join('inner', acc.plan, right.plan, [], []), scope: acc.scope.concat(right.scope) };
  }
  return { plan: acc.plan, scope: new Scope(acc.scope.columns, env.outer) };
}

function scopeOf(plan: LogicalPlan, table: string | undefined): Scope {
  // a FROM item with a unique key makes its other columns functionally dependent on that key
  const key = plan.props.uniqueKey;
  const unit = key && key.length > 0 ? { key } : undefined;
  return new Scope(
    plan.schema.map((f, i): ScopeColumn => ({ table, name: f.name, type: f.type, nullable: f.nullable, ...(unit ? { unit, unitPos: i } : {}) })),
  );
}

function checkDuplicateAliases(left: Scope, right: Scope, pos: SourcePosition): void {
  const names = new Set(left.columns.map((c) => c.table).filter((t): t is string => t !== undefined));
  for (const c of right.columns) {
    if (c.table !== undefined && names.has(c.table)) {
      throw new CatalogError('DUPLICATE_OBJECT', `table name "${c.table}" specified more than once`, pos);
    }
  }
}

function bindTableRef(ref: TableRef, env: BindEnv): BoundFrom {
  switch (ref.kind) {
    case 'table': {
      if (ref.systemTimeAsOf) throw new UnsupportedError('FOR SYSTEM_TIME AS OF is only supported on the right side of a JOIN', ref.pos);
      let plan = relationPlan(ref.name, env, ref.pos);
      if (ref.alias && plan.kind === 'scan') plan = { ...plan, alias: ref.alias };
      if (ref.columnAliases) plan = renameColumns(plan, ref.columnAliases, ref.pos);
      return { plan, scope: scopeOf(plan, ref.alias ?? ref.name) };
    }
    case 'subquery': {
      if (ref.lateral) throw new UnsupportedError('LATERAL subqueries are not supported', ref.pos);
      let plan = bindQuery(ref.query, childEnv(env, { outer: undefined })).plan;
      if (ref.columnAliases) plan = renameColumns(plan, ref.columnAliases, ref.pos);
      return { plan, scope: scopeOf(plan, ref.alias) };
    }
    case 'join':
      return bindJoin(ref, env);
    case 'table-function':
      return bindTableFunction(ref, env);
  }
}

/** A named relation: CTE, table/source/materialized view (scanned) or view (inlined). */
export function relationPlan(name: string, env: BindEnv, pos: SourcePosition): LogicalPlan {
  const cte = env.ctes.get(name);
  if (cte) return cte;
  const entry = env.catalog.requireRelation(name, pos);
  env.referenced?.add(entry.name);
  switch (entry.kind) {
    case 'table':
    case 'source':
    case 'materialized view': {
      const scan: ScanNode = {
        kind: 'scan',
        relation: entry.name,
        relationKind: entry.kind,
        schema: entry.columns.map((c) => ({ ...c })),
        props:
          entry.kind === 'materialized view'
            ? { appendOnly: entry.appendOnly, uniqueKey: entry.uniqueKey }
            : { appendOnly: entry.appendOnly, uniqueKey: entry.primaryKey, watermarkColumn: entry.watermark?.column },
      };
      return scan;
    }
    case 'view': {
      if (env.viewDepth >= MAX_VIEW_DEPTH) throw new CatalogError('INVALID_ARGUMENT', `view "${name}" nests too deeply`, pos);
      const plan = bindQuery(entry.query, { catalog: env.catalog, params: [], ctes: new Map(), viewDepth: env.viewDepth + 1, referenced: env.referenced }).plan;
      return entry.columnNames ? renameColumns(plan, entry.columnNames, pos) : plan;
    }
    case 'sink':
      throw new CatalogError('WRONG_OBJECT_KIND', `"${name}" is a sink and cannot be read`, pos);
  }
}

function bindJoin(ref: JoinRef, env: BindEnv): BoundFrom {
  const left = bindTableRef(ref.left, env);
  const temporal = ref.right.kind === 'table' && ref.right.systemTimeAsOf !== undefined;
  const right = bindTableRef(temporal ? { ...(ref.right as NamedTableRef), systemTimeAsOf: undefined } : ref.right, env);
  if (ref.asof || temporal) return bindStreamJoin(ref, left, right, temporal, env);
  checkDuplicateAliases(left.scope, right.scope, ref.pos);
  const lw = left.plan.schema.length;
  const kind = ref.type === 'CROSS' ? 'inner' : (ref.type.toLowerCase() as 'inner' | 'left' | 'right' | 'full');
  let scope = left.scope.concat(right.scope);
  const ctx = { scope, catalog: env.catalog, params: env.params, clause: 'JOIN conditions', referenced: env.referenced };

  let usingCols = ref.using;
  if (ref.natural) {
    const rightNames = new Set(right.scope.columns.filter((c) => !c.hidden).map((c) => c.name));
    usingCols = [...new Set(left.scope.columns.filter((c) => !c.hidden && rightNames.has(c.name)).map((c) => c.name))];
  }
  const conds: BoundExpr[] = [];
  const usingPairs: [number, number][] = [];
  if (usingCols) {
    for (const name of usingCols) {
      const li = left.scope.find(name, undefined, ref.pos);
      const ri = right.scope.find(name, undefined, ref.pos);
      if (li === undefined || ri === undefined) {
        throw new CatalogError('UNKNOWN_COLUMN', `column "${name}" specified in USING clause does not exist in ${li === undefined ? 'left' : 'right'} table`, ref.pos);
      }
      usingPairs.push([li, lw + ri]);
      const l: BoundExpr = { kind: 'column', index: li, type: scope.columns[li]!.type, name };
      const r: BoundExpr = { kind: 'column', index: lw + ri, type: scope.columns[lw + ri]!.type, name };
      conds.push(bindBinaryOperator('=', l, r, ref.pos));
    }
  } else if (ref.on) {
    const on = bindExpr(ref.on, ctx);
    if (on.type.id !== 'boolean' && on.type.id !== 'null') {
      throw new SqlTypeError('TYPE_MISMATCH', `argument of JOIN/ON must be type boolean, not type ${on.type.id}`, ref.on.pos);
    }
    conds.push(castTo(on, on.type));
  }
  const split = splitJoinCondition(and(conds), lw, scope.columns.length);
  let plan: LogicalPlan = B.join(kind, left.plan, right.plan, split.leftKeys, split.rightKeys, split.residual);

  if (usingPairs.length > 0) {
    const cols = scope.columns.map((c) => ({ ...c }));
    if (kind === 'full') {
      // the merged column is COALESCE(left, right), appended and visible; both sides hidden
      const exprs: BoundExpr[] = plan.schema.map((f, i) => ({ kind: 'column', index: i, type: f.type, name: f.name }));
      for (const [li, ri] of usingPairs) {
        const l = exprs[li]!;
        exprs.push({ kind: 'call', name: 'coalesce', args: [l, castTo(exprs[ri]!, l.type)], type: l.type });
        cols[li]!.hidden = true;
        cols[ri]!.hidden = true;
        cols.push({ name: cols[li]!.name, type: l.type, nullable: true });
      }
      plan = B.project(plan, exprs, cols.map((c) => c.name));
    } else {
      for (const [li, ri] of usingPairs) cols[kind === 'right' ? li : ri]!.hidden = true;
    }
    scope = new Scope(cols);
  }
  if (kind === 'left' || kind === 'full') scope.columns.slice(lw).forEach((c) => (c.nullable = true));
  return { plan, scope };
}


/** TUMBLE(t, ts, size [, offset]) / HOP(t, ts, slide, size [, offset]) / CUMULATE(t, ts, step, size)
 *  / SESSION(t, ts, gap) with positional or named (`size => …`) arguments. */
function bindTableFunction(ref: TableFunctionRef, env: BindEnv): BoundFrom {
  const name = ref.name.toLowerCase();
  if (name === 'generate_series' || name === 'unnest') return bindConstantSeries(ref, name, env);
  if (name !== 'tumble' && name !== 'hop' && name !== 'cumulate' && name !== 'session') {
    throw new UnsupportedError(`table function ${ref.name} is not supported`, ref.pos);
  }
  const tvf = name as WindowTvfKind;
  const [tableArg, timeArg, ...rest] = ref.args;
  if (!tableArg || !timeArg) throw new SqlTypeError('INVALID_ARGUMENT', `${ref.name} needs a table and a time column`, ref.pos);
  const tableName = tableArg.kind === 'table' ? tableArg.name : tableArg.kind === 'expr' && tableArg.expr.kind === 'column' ? tableArg.expr.name : undefined;
  if (!tableName) throw new SqlTypeError('INVALID_ARGUMENT', `the first argument of ${ref.name} must be a relation`, tableArg.pos);
  const input = relationPlan(tableName, env, tableArg.pos);
  const inputScope = scopeOf(input, tableName);
  const timeName =
    timeArg.kind === 'descriptor' ? timeArg.columns[0] : timeArg.kind === 'expr' && timeArg.expr.kind === 'column' ? timeArg.expr.name : undefined;
  if (!timeName) throw new SqlTypeError('INVALID_ARGUMENT', `the second argument of ${ref.name} must be a time column`, timeArg.pos);
  const timeColumn = inputScope.resolve(timeName, undefined, timeArg.pos);
  const tt = input.schema[timeColumn]!.type.id;
  if (tt !== 'timestamp' && tt !== 'timestamptz' && tt !== 'date') {
    throw new SqlTypeError('TYPE_MISMATCH', `the time column of ${ref.name} must be a timestamp, not ${tt}`, timeArg.pos);
  }
  const positional: Record<WindowTvfKind, string[]> = {
    tumble: ['size', 'offset'],
    hop: ['slide', 'size', 'offset'],
    cumulate: ['step', 'size', 'offset'],
    session: ['gap'],
  };
  const ms: Record<string, number> = {};
  rest.forEach((a, i) => {
    const key = (a.kind !== 'table' ? a.name : undefined) ?? positional[tvf][i];
    if (!key || !positional[tvf].includes(key)) throw new SqlTypeError('INVALID_ARGUMENT', `unexpected argument to ${ref.name}`, a.pos);
    ms[key] = intervalArg(a, env);
  });
  const need = positional[tvf].filter((k) => k !== 'offset');
  for (const k of need) {
    if (ms[k] === undefined) throw new SqlTypeError('INVALID_ARGUMENT', `${ref.name} needs a ${k} interval`, ref.pos);
    if (!(ms[k]! > 0)) throw new SqlTypeError('INVALID_ARGUMENT', `${ref.name} ${k} must be positive`, ref.pos);
  }
  if ((tvf === 'hop' || tvf === 'cumulate') && ms.size! % (ms.slide ?? ms.step)! !== 0) {
    throw new SqlTypeError('INVALID_ARGUMENT', `${ref.name} size must be a multiple of its ${tvf === 'hop' ? 'slide' : 'step'}`, ref.pos);
  }
  const plan = B.windowTvf(input, tvf, timeColumn, {
    sizeMs: ms.size ?? ms.gap!,
    slideMs: ms.slide,
    stepMs: ms.step,
    gapMs: ms.gap,
    offsetMs: ms.offset ?? 0,
  });
  let out: LogicalPlan = plan;
  if (ref.columnAliases) out = renameColumns(out, ref.columnAliases, ref.pos);
  return { plan: out, scope: scopeOf(out, ref.alias ?? tableName) };
}

function intervalArg(a: TableFunctionArg, env: BindEnv): number {
  if (a.kind !== 'expr') throw new SqlTypeError('INVALID_ARGUMENT', 'expected an INTERVAL', a.pos);
  const b = bindExpr(a.expr as Expr, { scope: Scope.empty(), catalog: env.catalog, params: env.params, clause: 'window arguments' });
  if (b.kind !== 'literal' || b.type.id !== 'interval' || b.value === null) {
    throw new SqlTypeError('INVALID_ARGUMENT', 'window sizes must be INTERVAL constants', a.pos);
  }
  return intervalMs(b.value as Interval, a.pos);
}

/**
 * `a ASOF [LEFT] JOIN b ON a.k = b.k AND a.ts >= b.ts` (one time inequality plus equi keys) and
 * `a JOIN t FOR SYSTEM_TIME AS OF a.ts ON a.k = t.k` (temporal lookup of a versioned table).
 */
function bindStreamJoin(ref: JoinRef, left: BoundFrom, right: BoundFrom, temporal: boolean, env: BindEnv): BoundFrom {
  const kind = ref.type === 'INNER' ? 'inner' : ref.type === 'LEFT' ? 'left' : undefined;
  const what = temporal ? 'FOR SYSTEM_TIME AS OF joins' : 'ASOF joins';
  if (!kind) throw new UnsupportedError(`${what} must be INNER or LEFT`, ref.pos);
  if (!ref.on) throw new SqlTypeError('INVALID_ARGUMENT', `${what} need an ON condition`, ref.pos);
  const lw = left.plan.schema.length;
  const scope = left.scope.concat(right.scope);
  const on = bindExpr(ref.on, { scope, catalog: env.catalog, params: env.params, clause: 'JOIN conditions', referenced: env.referenced });
  const split = splitJoinCondition(on, lw);
  if (split.leftKeys.length === 0) throw new UnsupportedError(`${what} need at least one equality between the two sides`, ref.pos);
  const schema = [...left.plan.schema, ...right.plan.schema.map((f) => (kind === 'left' ? { ...f, nullable: true } : f))];
  if (temporal) {
    const node: TemporalJoinNode = {
      kind: 'temporal-join',
      joinKind: kind,
      left: left.plan,
      right: right.plan,
      leftKeys: split.leftKeys,
      rightKeys: split.rightKeys,
      residual: split.residual,
      schema,
      props: { appendOnly: left.plan.props.appendOnly, watermarkColumn: left.plan.props.watermarkColumn },
    };
    return { plan: node, scope };
  }
  // exactly one inequality between a left column and a right column is the ASOF condition
  const FLIP: Record<string, '<=' | '<' | '>=' | '>'> = { '>=': '<=', '>': '<', '<=': '>=', '<': '>' };
  let asof: { leftTime: number; rightTime: number; op: AsofJoinNode['op'] } | undefined;
  const rest: BoundExpr[] = [];
  for (const c of split.residual ? conjunctsOf(split.residual) : []) {
    if (!asof && c.kind === 'call' && c.name in FLIP && c.args[0]!.kind === 'column' && c.args[1]!.kind === 'column') {
      const a = c.args[0].index;
      const b = c.args[1].index;
      // `left op right` means right FLIP(op) left
      if (a < lw && b >= lw) {
        asof = { leftTime: a, rightTime: b - lw, op: FLIP[c.name]! };
        continue;
      }
      if (a >= lw && b < lw) {
        asof = { leftTime: b, rightTime: a - lw, op: c.name as AsofJoinNode['op'] };
        continue;
      }
    }
    rest.push(c);
  }
  // tolerance / nearest bounds (lib/plan/binder/asof-bounds.ts) leave the residual
  const bounds: AsofBound[] = [];
  const others = rest.filter((c) => {
    const b = asofBoundOf(c, lw);
    if (b) bounds.push(b);
    return !b;
  });
  const mode = asofMode(asof, bounds, ref.pos);
  if (!mode) throw new UnsupportedError('ASOF JOIN needs one inequality (>=, >, <=, <) between a left and a right column, or a symmetric BETWEEN bound for nearest', ref.pos);
  rest.length = 0;
  rest.push(...others);
  const node: AsofJoinNode = {
    kind: 'asof-join',
    joinKind: kind,
    left: left.plan,
    right: right.plan,
    leftKeys: split.leftKeys,
    rightKeys: split.rightKeys,
    leftTimeColumn: mode.leftTime,
    rightTimeColumn: mode.rightTime,
    op: mode.op,
    ...(mode.nearest ? { nearest: true } : {}),
    ...(mode.toleranceMs !== undefined ? { toleranceMs: mode.toleranceMs } : {}),
    residual: and(rest),
    schema,
    props: { appendOnly: left.plan.props.appendOnly && right.plan.props.appendOnly, watermarkColumn: left.plan.props.watermarkColumn },
  };
  return { plan: node, scope };
}

function conjunctsOf(e: BoundExpr): BoundExpr[] {
  if (e.kind === 'call' && e.name === 'and') return [...conjunctsOf(e.args[0]!), ...conjunctsOf(e.args[1]!)];
  return [e];
}

/** `generate_series(start, stop [, step])` over integer constants and `unnest(array constant)`:
 *  a constant relation, evaluated at bind time. */
function bindConstantSeries(ref: TableFunctionRef, name: string, env: BindEnv): BoundFrom {
  const ctx = { scope: Scope.empty(), catalog: env.catalog, params: env.params, clause: name };
  const args = ref.args.map((a) => {
    if (a.kind !== 'expr') throw new SqlTypeError('INVALID_ARGUMENT', `${name} takes expressions`, a.pos);
    const b = bindExpr(a.expr, ctx);
    const constantArray = b.kind === 'call' && b.name === 'array' && b.args.every((x) => x.kind === 'literal');
    if (b.kind !== 'literal' && !(b.kind === 'cast' && b.expr.kind === 'literal') && !constantArray) {
      throw new UnsupportedError(`${name} arguments must be constants`, a.pos);
    }
    return b;
  });
  let plan: LogicalPlan;
  if (name === 'generate_series') {
    const nums = args.map((b) => (b.kind === 'literal' ? b.value : Number((b as { expr: { value: unknown } }).expr.value)));
    if (nums.length < 2 || nums.length > 3 || !nums.every((v) => typeof v === 'number' && Number.isInteger(v))) {
      throw new UnsupportedError('generate_series supports integer (start, stop [, step]) constants', ref.pos);
    }
    const [start, stop, step = 1] = nums as number[];
    if (step === 0) throw new SqlTypeError('INVALID_ARGUMENT', 'step size cannot equal zero', ref.pos);
    const rows: Value[][] = [];
    for (let v = start!; step > 0 ? v <= stop! : v >= stop!; v += step) {
      rows.push([v]);
      if (rows.length > 10_000_000) throw new SqlTypeError('INVALID_ARGUMENT', 'generate_series is limited to 10 million rows', ref.pos);
    }
    const type = args.some((a) => a.type.id === 'bigint') ? T.bigint : T.int;
    plan = B.values(rows, [B.field('generate_series', type, false)]);
  } else {
    const arr = args[0];
    if (args.length !== 1 || !arr || arr.type.id !== 'array' || (arr.kind !== 'literal' && arr.kind !== 'call')) {
      throw new UnsupportedError('unnest supports one constant array', ref.pos);
    }
    const elems: Value[] = arr.kind === 'call' ? arr.args.map((x) => (x as { value: Value }).value) : ((arr as { value: Value[] | null }).value ?? []);
    plan = B.values(elems.map((v) => [v]), [B.field('unnest', arr.type.element ?? T.varchar)]);
  }
  if (ref.columnAliases) plan = renameColumns(plan, ref.columnAliases, ref.pos);
  return { plan, scope: scopeOf(plan, ref.alias ?? name) };
}
