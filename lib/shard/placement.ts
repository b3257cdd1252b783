// Which shard holds which rows (docs/thread-per-core.md, "The partitioning rule").
//
// Every table/source is either PARTITIONED by one of its columns (each row goes to shard
// hash(value) % N) or SINGLE (every row goes to shard 0). A materialized view is partitioned
// when each stateful operator in its plan is keyed by a column that traces back, unchanged, to
// the partition column of every relation under it; then equal keys meet on one shard and the
// view's rows are disjoint across shards. Anything else (a global aggregate, ORDER BY … LIMIT,
// a key computed by an expression, outer-join padding, constant rows) makes the view SINGLE:
// it runs on shard 0 and every relation it reads is single too, so shard 0 sees all its input.
import type { Catalog } from '../plan/catalog.js';
import type { LogicalPlan } from '../plan/logical.js';
import type { BoundExpr } from '../plan/bound.js';
import { scannedRelations } from '../plan/logical.js';

export type Placement = { mode: 'single' } | { mode: 'partitioned'; column: number };

/** A base relation's column. */
interface Origin {
  rel: string;
  col: number;
}

export interface PlacementResult {
  /** tables and sources */
  relations: Map<string, Placement>;
  /** materialized views: true when partitioned (each shard holds a disjoint part) */
  views: Map<string, boolean>;
}

interface ViewAnalysis {
  /** a stateful operator that cannot be partitioned */
  single: boolean;
  /** per base relation: the columns it may be partitioned by (intersection over operators) */
  candidates: Map<string, Set<number>>;
  /** every base relation the view reads, through other materialized views */
  bases: Set<string>;
}

export class PlacementAnalyzer {
  constructor(private readonly catalog: Catalog) {}

  /**
   * Decides placements. `forced` holds relations whose rows already sit on the shards (their
   * placement cannot change any more); the result may contradict them — the caller checks.
   */
  decide(forced: ReadonlyMap<string, Placement>): PlacementResult {
    const bases: string[] = [];
    const views: { name: string; a: ViewAnalysis }[] = [];
    for (const entry of this.catalog.relations()) {
      if (entry.kind === 'table' || entry.kind === 'source') bases.push(entry.name);
      else if (entry.kind === 'materialized view' || entry.kind === 'sink') views.push({ name: entry.name, a: this.analyzeView(entry.plan) });
    }
    const single = new Set<string>();
    const candidates = new Map<string, Set<number> | undefined>();
    for (const b of bases) {
      const entry = this.catalog.relation(b)!;
      const pk = entry.kind === 'table' || entry.kind === 'source' ? entry.primaryKey : undefined;
      const f = forced.get(b);
      if (f?.mode === 'single') single.add(b);
      let set: Set<number> | undefined = f?.mode === 'partitioned' ? new Set([f.column]) : undefined;
      // an upsert must reach the shard holding the old row: the key column must be in the primary key
      if (pk && pk.length > 0) set = intersect(set, new Set(pk));
      candidates.set(b, set);
    }
    for (const { a } of views) {
      for (const [rel, cols] of a.candidates) candidates.set(rel, intersect(candidates.get(rel), cols));
    }
    for (const [rel, set] of candidates) if (set !== undefined && set.size === 0) single.add(rel);
    // a single view needs all of its input on shard 0; a single input makes its readers single
    const singleViews = new Set<string>();
    for (let changed = true; changed; ) {
      changed = false;
      for (const { name, a } of views) {
        if (singleViews.has(name)) continue;
        if (a.single || [...a.bases].some((b) => single.has(b))) {
          singleViews.add(name);
          for (const b of a.bases) single.add(b);
          changed = true;
        }
      }
    }
    const relations = new Map<string, Placement>();
    for (const b of bases) {
      if (single.has(b)) {
        relations.set(b, { mode: 'single' });
        continue;
      }
      const set = candidates.get(b);
      // unconstrained (only stateless readers, or none yet): the first column spreads the rows
      const column = set === undefined ? 0 : Math.min(...set);
      relations.set(b, { mode: 'partitioned', column });
    }
    const viewModes = new Map<string, boolean>();
    for (const { name } of views) viewModes.set(name, !singleViews.has(name));
    return { relations, views: viewModes };
  }

  /** Base relations a materialized view reads (through other materialized views). */
  basesOf(plan: LogicalPlan, into = new Set<string>()): Set<string> {
    for (const rel of scannedRelations(plan)) {
      const entry = this.catalog.relation(rel);
      if (entry?.kind === 'materialized view') this.basesOf(entry.plan, into);
      else into.add(rel);
    }
    return into;
  }

  private analyzeView(plan: LogicalPlan): ViewAnalysis {
    const a: ViewAnalysis = { single: false, candidates: new Map(), bases: this.basesOf(plan) };
    this.visit(plan, a);
    return a;
  }

  /** Applies the key requirements of `plan`'s stateful operators (and those of upstream views' plans are theirs). */
  private visit(plan: LogicalPlan, a: ViewAnalysis): void {
    switch (plan.kind) {
      case 'scan':
        return;
      case 'values':
        // constant rows would be produced once per shard
        a.single = true;
        return;
      case 'project':
      case 'filter':
        return this.visit(plan.input, a);
      case 'window-tvf':
        if (plan.tvf === 'session') this.keyedBy(plan.input, plan.partitionBy ?? [], a);
        return this.visit(plan.input, a);
      case 'aggregate':
        this.keyedBy(plan.input, plan.groupBy, a);
        return this.visit(plan.input, a);
      case 'distinct':
        this.keyedBy(plan.input, plan.schema.map((f, index) => ({ kind: 'column', index, type: f.type })), a);
        return this.visit(plan.input, a);
      case 'dedup':
        this.keyedBy(plan.input, plan.keys, a);
        return this.visit(plan.input, a);
      case 'top-n':
      case 'over-window':
        this.keyedBy(plan.input, plan.partitionBy, a);
        return this.visit(plan.input, a);
      case 'sort':
      case 'limit':
        a.single = true;
        return this.visit(plan.input, a);
      case 'union-all':
        for (const input of plan.inputs) this.visit(input, a);
        return;
      case 'join':
      case 'interval-join':
      case 'asof-join':
      case 'temporal-join':
        this.joinKeyed(plan.left, plan.right, plan.leftKeys, plan.rightKeys, a);
        this.visit(plan.left, a);
        return this.visit(plan.right, a);
    }
  }

  /** The operator groups by `keys` (over `input`): one plain-column key must be the partition column. */
  private keyedBy(input: LogicalPlan, keys: readonly BoundExpr[], a: ViewAnalysis): void {
    const alternatives: Origin[][] = [];
    for (const k of keys) {
      if (k.kind !== 'column') continue;
      const origins = this.trace(input, k.index);
      if (origins && consistent(origins)) alternatives.push(origins);
    }
    this.require(alternatives, a);
  }

  /** Equi-join: both sides partitioned by the same key pair (the first plain-column pair). */
  private joinKeyed(left: LogicalPlan, right: LogicalPlan, leftKeys: readonly BoundExpr[], rightKeys: readonly BoundExpr[], a: ViewAnalysis): void {
    const alternatives: Origin[][] = [];
    for (let i = 0; i < leftKeys.length; i++) {
      const l = leftKeys[i]!;
      const r = rightKeys[i]!;
      if (l.kind !== 'column' || r.kind !== 'column' || l.type.id !== r.type.id) continue;
      const lo = this.trace(left, l.index);
      const ro = this.trace(right, r.index);
      if (lo && ro && consistent([...lo, ...ro])) alternatives.push([...lo, ...ro]);
    }
    this.require(alternatives, a);
  }

  private require(alternatives: Origin[][], a: ViewAnalysis): void {
    if (alternatives.length === 0) {
      a.single = true;
      return;
    }
    const rels = new Set(alternatives.flat().map((o) => o.rel));
    // several relations: the choices of one alternative go together, so take exactly one
    const chosen = rels.size > 1 ? [alternatives[0]!] : alternatives;
    const perRel = new Map<string, Set<number>>();
    for (const alt of chosen) {
      for (const o of alt) {
        const set = perRel.get(o.rel) ?? new Set();
        set.add(o.col);
        perRel.set(o.rel, set);
      }
    }
    for (const [rel, cols] of perRel) a.candidates.set(rel, intersect(a.candidates.get(rel), cols)!);
  }

  /**
   * The base-relation columns whose value output column `col` of `plan` always equals (for every
   * output row, on the shard that produced it); undefined when there is none.
   */
  trace(plan: LogicalPlan, col: number): Origin[] | undefined {
    switch (plan.kind) {
      case 'scan': {
        const entry = this.catalog.relation(plan.relation);
        if (!entry) return undefined;
        if (entry.kind === 'materialized view') return this.trace(entry.plan, col);
        return [{ rel: entry.name, col }];
      }
      case 'values':
        return undefined;
      case 'project': {
        const e = plan.exprs[col];
        return e?.kind === 'column' ? this.trace(plan.input, e.index) : undefined;
      }
      case 'filter':
      case 'distinct':
      case 'dedup':
      case 'sort':
      case 'limit':
        return this.trace(plan.input, col);
      case 'top-n':
      case 'over-window':
      case 'window-tvf':
        return col < plan.input.schema.length ? this.trace(plan.input, col) : undefined;
      case 'aggregate': {
        const g = plan.groupBy[col];
        return g?.kind === 'column' ? this.trace(plan.input, g.index) : undefined;
      }
      case 'union-all': {
        const all: Origin[] = [];
        for (const input of plan.inputs) {
          const o = this.trace(input, col);
          if (!o) return undefined;
          all.push(...o);
        }
        return all;
      }
      case 'join':
      case 'interval-join':
      case 'asof-join':
      case 'temporal-join': {
        const leftWidth = plan.left.schema.length;
        const kind = plan.joinKind;
        // padded (NULL) columns of an outer join do not carry the key
        const leftOk = kind !== 'right' && kind !== 'full';
        const rightOk = kind === 'inner' || kind === 'right';
        if (col < leftWidth) return leftOk ? this.trace(plan.left, col) : undefined;
        if (plan.kind === 'join' && kind !== 'inner' && kind !== 'right' && kind !== 'full') return undefined;
        return rightOk ? this.trace(plan.right, col - leftWidth) : undefined;
      }
    }
  }
}

/** One relation may appear several times (self-join, union of itself) only with the same column. */
function consistent(origins: Origin[]): boolean {
  const seen = new Map<string, number>();
  for (const o of origins) {
    const c = seen.get(o.rel);
    if (c !== undefined && c !== o.col) return false;
    seen.set(o.rel, o.col);
  }
  return true;
}

function intersect(a: Set<number> | undefined, b: Set<number> | undefined): Set<number> | undefined {
  if (a === undefined) return b === undefined ? undefined : new Set(b);
  if (b === undefined) return a;
  return new Set([...a].filter((x) => b.has(x)));
}
