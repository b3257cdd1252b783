// EXPLAIN: the plan tree as text, one node per line, children indented by two spaces.

import { typeToSql } from '../types/datatype.js';
import type { Field } from '../types/datatype.js';
import type { Value } from '../types/value.js';
import type { AggregateCall, BoundExpr } from './bound.js';
import type { LogicalPlan, SortKey } from './logical.js';
import { planInputs } from './logical.js';

const INFIX = new Set(['+', '-', '*', '/', '%', '^', '||', '=', '<>', '<', '<=', '>', '>=', 'and', 'or', 'like', 'ilike']);

function literal(v: Value): string {
  if (v === null) return 'NULL';
  if (typeof v === 'string') return `'${v.replace(/'/g, "''")}'`;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'object' && v !== null && 'unscaled' in v) {
    const d = v as { unscaled: bigint; scale: number };
    const s = (d.unscaled < 0n ? -d.unscaled : d.unscaled).toString().padStart(d.scale + 1, '0');
    const body = d.scale > 0 ? `${s.slice(0, -d.scale)}.${s.slice(-d.scale)}` : s;
    return d.unscaled < 0n ? `-${body}` : body;
  }
  if (typeof v === 'object' && v !== null && 'months' in v) {
    const iv = v as { months: number; days: number; micros: number };
    return `INTERVAL '${iv.months} mons ${iv.days} days ${iv.micros / 1e6} secs'`;
  }
  return JSON.stringify(v);
}

/** An expression as text; columns print as `name#index` (#index alone when unnamed). */
export function exprText(e: BoundExpr, input?: readonly Field[]): string {
  switch (e.kind) {
    case 'column': {
      const name = e.name ?? input?.[e.index]?.name;
      return name ? `${name}#${e.index}` : `#${e.index}`;
    }
    case 'literal':
      return literal(e.value);
    case 'cast':
      return `${e.try ? 'TRY_CAST' : 'CAST'}(${exprText(e.expr, input)} AS ${typeToSql(e.type)})`;
    case 'case':
      return `CASE ${e.whens.map((w) => `WHEN ${exprText(w.when, input)} THEN ${exprText(w.then, input)}`).join(' ')} ELSE ${exprText(e.else, input)} END`;
    case 'call':
      if (INFIX.has(e.name) && e.args.length === 2) {
        return `(${exprText(e.args[0]!, input)} ${e.name.toUpperCase() === e.name ? e.name : e.name.toUpperCase()} ${exprText(e.args[1]!, input)})`;
      }
      if (e.name === 'not') return `NOT ${exprText(e.args[0]!, input)}`;
      if (e.name === 'neg') return `-${exprText(e.args[0]!, input)}`;
      return `${e.name}(${e.args.map((a) => exprText(a, input)).join(', ')})`;
    case 'udf':
      return `${e.name}(${e.args.map((a) => exprText(a, input)).join(', ')})`;
  }
}

function aggText(a: AggregateCall, input: readonly Field[]): string {
  const args = a.fn === 'count_star' ? '*' : a.args.map((x) => exprText(x, input)).join(', ');
  const fn = a.fn === 'count_star' ? 'count' : a.fn;
  return `${fn}(${a.distinct ? 'DISTINCT ' : ''}${args})${a.filter ? ` FILTER (WHERE ${exprText(a.filter, input)})` : ''}`;
}

function keysText(keys: SortKey[], input: readonly Field[]): string {
  return keys.map((k) => `${exprText(k.expr, input)}${k.desc ? ' DESC' : ''}${k.nullsFirst !== k.desc ? (k.nullsFirst ? ' NULLS FIRST' : ' NULLS LAST') : ''}`).join(', ');
}

function nodeLine(p: LogicalPlan): string {
  switch (p.kind) {
    case 'scan':
      return `Scan ${p.relation}${p.alias && p.alias !== p.relation ? ` AS ${p.alias}` : ''} (${p.relationKind}) [${p.schema.map((f) => f.name).join(', ')}]`;
    case 'values':
      return `Values ${p.rows.length} row(s) [${p.schema.map((f) => f.name).join(', ')}]`;
    case 'project':
      return `Project ${p.exprs.map((e, i) => {
        const t = exprText(e, p.input.schema);
        const name = p.schema[i]!.name;
        return e.kind === 'column' && (e.name ?? p.input.schema[e.index]?.name) === name ? t : `${t} AS ${name}`;
      }).join(', ')}`;
    case 'filter':
      return `Filter ${exprText(p.predicate, p.input.schema)}`;
    case 'aggregate':
      return `Aggregate group=[${p.groupBy.map((g) => exprText(g, p.input.schema)).join(', ')}] aggs=[${p.aggregates.map((a) => aggText(a, p.input.schema)).join(', ')}]${p.emit === 'window-close' ? ' emit=on-window-close' : ''}`;
    case 'join': {
      const combined = [...p.left.schema, ...p.right.schema];
      const keys = p.leftKeys.map((k, i) => `${exprText(k, p.left.schema)} = ${exprText(p.rightKeys[i]!, p.right.schema)}`);
      return `Join ${p.joinKind}${keys.length > 0 ? ` keys=[${keys.join(', ')}]` : ' (no keys)'}${p.residual ? ` residual=${exprText(p.residual, combined)}` : ''}`;
    }
    case 'distinct':
      return 'Distinct';
    case 'union-all':
      return `UnionAll ${p.inputs.length} inputs`;
    case 'top-n':
      return `TopN limit=${p.limit}${p.offset ? ` offset=${p.offset}` : ''}${p.partitionBy.length > 0 ? ` partition=[${p.partitionBy.map((e) => exprText(e, p.input.schema)).join(', ')}]` : ''} order=[${keysText(p.order, p.input.schema)}]${p.rankOutput ? ` rank=${p.rankOutput.fn}` : ''}`;
    case 'over-window':
      return `OverWindow partition=[${p.partitionBy.map((e) => exprText(e, p.input.schema)).join(', ')}] order=[${keysText(p.order, p.input.schema)}] calls=[${p.calls.map((c) => `${c.fn}(${c.args.map((a) => exprText(a, p.input.schema)).join(', ')})`).join(', ')}]`;
    case 'sort':
      return `Sort ${keysText(p.keys, p.input.schema)}`;
    case 'limit':
      return `Limit ${p.limit ?? 'ALL'}${p.offset ? ` offset=${p.offset}` : ''}`;
    case 'window-tvf':
      return `WindowTvf ${p.tvf.toUpperCase()} time=${p.input.schema[p.timeColumn]!.name} size=${p.sizeMs}ms${p.slideMs ? ` slide=${p.slideMs}ms` : ''}${p.stepMs ? ` step=${p.stepMs}ms` : ''}${p.gapMs ? ` gap=${p.gapMs}ms` : ''}${p.offsetMs ? ` offset=${p.offsetMs}ms` : ''}`;
    case 'interval-join':
      return `IntervalJoin ${p.joinKind} [${p.lowerMs}ms, ${p.upperMs}ms]${p.extremumRows ? ` as window ${p.extremumRows.kind} rows` : ''}`;
    case 'asof-join':
      return `AsofJoin ${p.joinKind} right.time ${p.op} left.time`;
    case 'temporal-join':
      return `TemporalJoin ${p.joinKind}`;
    case 'dedup':
      return `Dedup keep=${p.keep} keys=[${p.keys.map((k) => exprText(k, p.input.schema)).join(', ')}]`;
  }
}

/**
 * A subplan shared by several consumers (lib/plan/optimizer/share-subplans.ts) is printed once,
 * tagged `[shared #n]`; its other consumers show `Shared #n` in its place.
 */
export function explainLines(plan: LogicalPlan, depth = 0, out: string[] = [], labels: Map<LogicalPlan, number> = sharedLabels(plan), printed = new Set<LogicalPlan>()): string[] {
  const label = labels.get(plan);
  const pad = '  '.repeat(depth);
  if (label !== undefined && printed.has(plan)) {
    out.push(`${pad}Shared #${label}`);
    return out;
  }
  printed.add(plan);
  out.push(`${pad}${nodeLine(plan)}${label !== undefined ? ` [shared #${label}]` : ''}`);
  for (const c of planInputs(plan)) explainLines(c, depth + 1, out, labels, printed);
  return out;
}

/** Plan objects reached along more than one path, numbered in print order. Scans are not
 *  labelled: every scan of a relation reads the same store anyway. */
function sharedLabels(plan: LogicalPlan): Map<LogicalPlan, number> {
  const seen = new Set<LogicalPlan>();
  const labels = new Map<LogicalPlan, number>();
  const walk = (p: LogicalPlan): void => {
    if (seen.has(p)) {
      if (p.kind !== 'scan' && !labels.has(p)) labels.set(p, labels.size + 1);
      return;
    }
    seen.add(p);
    for (const c of planInputs(p)) walk(c);
  };
  walk(plan);
  return labels;
}

export function explain(plan: LogicalPlan): string {
  return explainLines(plan).join('\n');
}

/** One line describing the output schema (EXPLAIN VERBOSE). */
export function schemaLine(plan: LogicalPlan): string {
  return `Output: ${plan.schema.map((f) => `${f.name} ${typeToSql(f.type)}${f.nullable ? '' : ' NOT NULL'}`).join(', ')}`;
}
