// Hook for the operator API (lib/stream-api): attach a user pipeline's operators to the live
// dataflow, fed by `SELECT * FROM <relation>` for each input relation (tables, sources,
// materialized views and plain views alike — a view is planned inline, as SQL would).

import { CatalogError } from '../errors.js';
import type { SelectStatement } from '../sql/ast.js';
import { parse } from '../sql/parser.js';
import type { DataflowNode, Subgraph, SubgraphBuilder } from '../exec/runtime/dataflow.js';
import { buildPhysical } from '../plan/physical.js';
import type { EngineState } from './state.js';
import type { ColumnInfo } from './types.js';

export interface StreamInput {
  node: DataflowNode;
  columns: ColumnInfo[];
}

export type StreamAttachBuild = (builder: SubgraphBuilder, inputs: StreamInput[]) => void;

export function attachStream(s: EngineState, relations: readonly string[], build: StreamAttachBuild): Subgraph {
  const builder = s.flow.builder();
  const inputs: StreamInput[] = relations.map((name) => {
    if (!s.catalog.info(name)) throw new CatalogError('UNKNOWN_OBJECT', `stream input "${name}" does not exist`);
    const st = parse(`SELECT * FROM "${name.replace(/"/g, '""')}"`)[0] as SelectStatement;
    const plan = s.plan(st.query, [], { top: false });
    const node = buildPhysical(plan, s.physicalContext(builder));
    return { node, columns: plan.schema.map((f) => ({ name: f.name, type: f.type, nullable: f.nullable })) };
  });
  build(builder, inputs);
  return builder.commit();
}
