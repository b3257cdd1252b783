// The engine's state and the planning pipeline every statement uses: bind → optimize →
// physical operators on the dataflow (attached for views, one-shot for queries and DML reads).

import type { Query } from '../sql/ast.js';
import type { Batch } from '../exec/batch.js';
import { Dataflow } from '../exec/runtime/dataflow.js';
import type { DataflowNode, Subgraph, SubgraphBuilder } from '../exec/runtime/dataflow.js';
import { rowAt, weightAt } from '../exec/runtime/batch-builder.js';
import type { Row } from '../types/value.js';
import { Catalog } from '../plan/catalog.js';
import type { BindEnv } from '../plan/binder/env.js';
import { bindQuery } from '../plan/binder/query.js';
import type { LogicalPlan } from '../plan/logical.js';
import { optimize } from '../plan/optimizer/optimize.js';
import { buildPhysical } from '../plan/physical.js';
import type { ExprCompiler, PhysicalContext, StreamNodeBuilder } from '../plan/physical.js';
import { CatalogError } from '../errors.js';
import type { LateRowRouter } from './late-rows.js';
import { IdleSources } from './idle-sources.js';
import type { LaminarError } from '../errors.js';

export class EngineState {
  readonly catalog = new Catalog();
  readonly flow = new Dataflow();
  /** store node (table / source / view store) of each relation that has one */
  readonly stores = new Map<string, DataflowNode>();
  /** the operators of each materialized view (removed on DROP) */
  readonly subgraphs = new Map<string, Subgraph>();
  /** SET options */
  readonly settings = new Map<string, string | number | boolean>();
  /** change taps attached to tables/sources for subscriptions (removed before a DROP) */
  readonly taps = new Map<string, Set<Subgraph>>();
  /** late-row side outputs of materialized views (lib/engine/late-rows.ts) */
  readonly lateRouters = new Map<string, LateRowRouter>();
  /** highest event time seen per source with a watermark */
  readonly maxEventTime = new Map<string, number>();
  /** sources marked idle, and idle_timeout per source (lib/engine/idle-sources.ts) */
  readonly idleSources = new IdleSources();

  /** per materialized view: expression errors that became NULL values (docs/expression-errors.md) */
  readonly expressionErrors = new Map<string, { count: number; code: string; message: string }>();
  /** told about each such error as it happens */
  expressionErrorListener?: (view: string, error: LaminarError) => void;

  constructor(
    readonly compiler: ExprCompiler,
    readonly stream?: StreamNodeBuilder,
    /** a compiler that turns runtime expression errors into NULLs and reports them */
    private readonly lenientCompiler?: (onError: (error: LaminarError) => void) => ExprCompiler,
  ) {}

  /** The compiler for a materialized view's operators: lenient, errors counted under `view`. */
  viewCompiler(view: string): ExprCompiler {
    if (!this.lenientCompiler) return this.compiler;
    return this.lenientCompiler((error) => {
      const entry = this.expressionErrors.get(view);
      if (entry) {
        entry.count++;
        entry.code = error.code;
        entry.message = error.message;
      } else this.expressionErrors.set(view, { count: 1, code: error.code, message: error.message });
      this.expressionErrorListener?.(view, error);
    });
  }

  env(params: readonly unknown[], referenced?: Set<string>): BindEnv {
    return { catalog: this.catalog, params, ctes: new Map(), viewDepth: 0, referenced };
  }

  /** Bind and optimize a query. `top`: a one-shot SELECT (ORDER BY sorts the output). */
  plan(query: Query, params: readonly unknown[], opts: { top: boolean; referenced?: Set<string> }): LogicalPlan {
    const bound = bindQuery(query, this.env(params, opts.referenced), { top: opts.top });
    return optimize(bound.plan);
  }

  /** `stream`: a streaming builder with a view's own options (default: the engine's) */
  physicalContext(builder: SubgraphBuilder, stream: StreamNodeBuilder | undefined = this.stream, compiler: ExprCompiler = this.compiler): PhysicalContext {
    return {
      builder,
      compiler,
      stream,
      storeNode: (relation) => {
        const node = this.stores.get(relation);
        if (!node) throw new CatalogError('UNKNOWN_OBJECT', `relation "${relation}" has no stored data`);
        return node;
      },
    };
  }

  /** Run a plan once over the current contents of its inputs. */
  run(plan: LogicalPlan): Row[] {
    const batch = this.flow.query((b) => buildPhysical(plan, this.physicalContext(b)), plan.schema.length);
    return rowsOf(batch);
  }
}

/** Rows of a consolidated batch (a row of weight n appears n times). */
export function rowsOf(batch: Batch): Row[] {
  const rows: Row[] = [];
  for (let i = 0; i < batch.length; i++) {
    const w = weightAt(batch, i);
    if (w <= 0) continue;
    const row = rowAt(batch, i);
    for (let k = 0; k < w; k++) rows.push(k === 0 ? row : row.slice());
  }
  return rows;
}
