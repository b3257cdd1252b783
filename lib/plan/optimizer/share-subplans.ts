// Common-subplan sharing: structurally identical subtrees of one plan become the same object, so
// the physical builder (lib/plan/physical.ts memoizes by object) builds them once and fans the
// operator's output out to every consumer. Nexmark q5 computes the same HOP count twice; shared,
// the window expansion and the count run once.
//
// An aggregate whose group keys are a permutation of an already-seen aggregate's (same input,
// same aggregate calls) is shared too, behind a Project that restores its column order.
// Subtrees with non-deterministic expressions (random(), now(), UDFs) are never shared: each
// occurrence must draw its own values.

import type { BoundExpr } from '../bound.js';
import * as B from '../builders.js';
import type { AggregateNode, LogicalPlan } from '../logical.js';
import { planInputs, withPlanInputs } from '../logical.js';
import { isDeterministic, mapColumns } from './expr-utils.js';

/** The plan with identical subtrees replaced by one shared object (a DAG). */
export function shareSubplans(plan: LogicalPlan): LogicalPlan {
  return new Sharer().visit(plan);
}

/** True when `plan` reaches some node object along two different paths. */
export function hasSharedSubplans(plan: LogicalPlan): boolean {
  return sharedNodes(plan).size > 0;
}

/** The node objects reached along more than one path from `plan`. */
export function sharedNodes(plan: LogicalPlan): Set<LogicalPlan> {
  const seen = new Set<LogicalPlan>();
  const shared = new Set<LogicalPlan>();
  const walk = (p: LogicalPlan): void => {
    if (seen.has(p)) {
      shared.add(p);
      return;
    }
    seen.add(p);
    for (const c of planInputs(p)) walk(c);
  };
  walk(plan);
  return shared;
}

/** `p` itself when its inputs are already `kids` (the memo keeps unchanged nodes shared). */
function withChildren(p: LogicalPlan, kids: LogicalPlan[]): LogicalPlan {
  return planInputs(p).every((c, i) => c === kids[i]) ? p : withPlanInputs(p, kids);
}

/** Marks a value the fingerprint cannot describe faithfully (functions, class instances). */
class Opaque extends Error {}

class Sharer {
  /** canonical node → its id (children are fingerprinted by id) */
  private readonly ids = new Map<LogicalPlan, number>();
  private readonly byPrint = new Map<string, LogicalPlan>();
  /** aggregates by their order-free key: the first one seen with that key */
  private readonly aggregates = new Map<string, AggregateNode>();
  private readonly memo = new Map<LogicalPlan, LogicalPlan>();

  visit(plan: LogicalPlan): LogicalPlan {
    const done = this.memo.get(plan);
    if (done) return done;
    const node = this.composed(withChildren(plan, planInputs(plan).map((c) => this.visit(c))));
    const out = this.canonical(node);
    this.memo.set(plan, out);
    return out;
  }

  /** Projects this pass put over a shared aggregate to reorder its columns */
  private readonly reorders = new Set<LogicalPlan>();

  /** A Project reading a reordering Project reads the shared aggregate directly. */
  private composed(node: LogicalPlan): LogicalPlan {
    if (node.kind !== 'project' || node.input.kind !== 'project' || !this.reorders.has(node.input)) return node;
    const inner = node.input;
    const exprs = node.exprs.map((e) => mapColumns(e, (i) => inner.exprs[i]!));
    const out = B.project(inner.input, exprs, node.schema.map((f) => f.name));
    out.schema = node.schema;
    if (!out.props.uniqueKey && node.props.uniqueKey) out.props.uniqueKey = node.props.uniqueKey;
    return out;
  }

  private canonical(node: LogicalPlan): LogicalPlan {
    if (!deterministicNode(node)) return node;
    let print: string;
    try {
      print = this.fingerprint(node);
    } catch (err) {
      if (err instanceof Opaque) return node;
      throw err;
    }
    const same = this.byPrint.get(print);
    if (same) return same;
    const permuted = node.kind === 'aggregate' ? this.permutedAggregate(node) : undefined;
    const result = permuted ?? node;
    this.byPrint.set(print, result);
    if (!this.ids.has(result)) this.ids.set(result, this.ids.size);
    return result;
  }

  /** A Project over an earlier aggregate that differs only in the order of its group keys. */
  private permutedAggregate(agg: AggregateNode): LogicalPlan | undefined {
    if (agg.emit !== 'changes') return undefined;
    const groupPrints = agg.groupBy.map((g) => this.exprPrint(g));
    const input = this.ids.get(agg.input);
    if (input === undefined) return undefined;
    const key = JSON.stringify([input, [...groupPrints].sort(), agg.aggregates.map((a) => this.exprPrint(a))]);
    const first = this.aggregates.get(key);
    if (!first) {
      if (new Set(groupPrints).size === groupPrints.length) this.aggregates.set(key, agg);
      return undefined;
    }
    const firstPrints = first.groupBy.map((g) => this.exprPrint(g));
    const order = groupPrints.map((p) => firstPrints.indexOf(p));
    const n = agg.groupBy.length;
    const exprs: BoundExpr[] = agg.schema.map((f, i) => {
      const from = i < n ? order[i]! : i;
      return { kind: 'column', index: from, type: first.schema[from]!.type, name: first.schema[from]!.name };
    });
    const project = B.project(first, exprs, agg.schema.map((f) => f.name));
    // the reordered output keeps the nullability the aggregate declared
    project.schema = agg.schema;
    this.reorders.add(project);
    return project;
  }

  private exprPrint(value: unknown): string {
    return JSON.stringify(value, printReplacer);
  }

  private fingerprint(node: LogicalPlan): string {
    const kids = planInputs(node);
    return JSON.stringify(node, (key, value: unknown) => {
      if (value !== null && typeof value === 'object' && value !== node && kids.includes(value as LogicalPlan)) {
        const id = this.ids.get(value as LogicalPlan);
        // an unshared child (opaque, non-deterministic) makes its parent unshareable too
        if (id === undefined) throw new Opaque();
        return `#plan${id}`;
      }
      return printReplacer(key, value);
    });
  }
}

function printReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function' || typeof value === 'symbol') throw new Opaque();
  if (typeof value === 'number' && !Number.isFinite(value)) return `#${value}`;
  if (value !== null && typeof value === 'object') {
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== Array.prototype && proto !== null) {
      if (value instanceof Date) return `#date${value.getTime()}`;
      throw new Opaque();
    }
  }
  return value;
}

/** The node's own expressions are deterministic (children were checked when visited). */
function deterministicNode(node: LogicalPlan): boolean {
  let ok = true;
  JSON.stringify(node, (key, value: unknown) => {
    if (!ok) return undefined;
    if (value !== node && value !== null && typeof value === 'object' && isPlanLike(value)) return undefined;
    if (isExprLike(value) && !isDeterministic(value)) ok = false;
    return typeof value === 'bigint' ? 0 : value;
  });
  return ok;
}

function isPlanLike(v: object): boolean {
  return 'props' in v && 'schema' in v && 'kind' in v;
}

function isExprLike(v: unknown): v is BoundExpr {
  if (v === null || typeof v !== 'object') return false;
  const k = (v as { kind?: unknown }).kind;
  return (k === 'udf' || k === 'call') && 'type' in v;
}
