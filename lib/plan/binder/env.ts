// What every part of the binder carries: the catalog, the statement's parameters, the CTEs in
// scope, and the enclosing query's scope when binding a subquery.

import type { Catalog } from '../catalog.js';
import type { LogicalPlan } from '../logical.js';
import type { Scope } from './scope.js';

export interface BindEnv {
  catalog: Catalog;
  params: readonly unknown[];
  /** WITH names visible here → their bound plans */
  ctes: Map<string, LogicalPlan>;
  /** the enclosing query's FROM scope (subqueries) */
  outer?: Scope;
  /** nesting depth of inlined views, to stop runaway recursion */
  viewDepth: number;
  /** collects the names of every relation the query reads (views too: catalog dependencies) */
  referenced?: Set<string>;
}

/** A bound query: the plan (columns named as the output) and, for a correlated subquery, the
 *  outer-side key expressions matching the plan's trailing `outerKeys.length` columns. */
export interface BoundQuery {
  plan: LogicalPlan;
  outerKeys: import('../bound.js').BoundExpr[];
}

export function childEnv(env: BindEnv, changes: Partial<BindEnv>): BindEnv {
  return { ...env, ctes: new Map(env.ctes), ...changes };
}
