// Why a checkpoint's operator states cannot be restored into the graph this build made from the
// same DDL. Operator states are matched to nodes by position and class only, so a planner change
// between builds (e.g. Nexmark q5's self-join becoming the fused HOP count + ties operator,
// lib/plan/optimizer/max-ties.ts) leaves states the new operators cannot read: recovery refuses,
// naming the view whose plan changed, instead of restoring them into the wrong operators.

import type { DataflowNode } from '../exec/runtime/dataflow.js';
import type { EngineState } from '../engine/state.js';

/** A checkpointed node as the image records it. */
export interface SavedNode {
  name: string | null;
  op: string;
}

const label = (name: string | null | undefined, op: string) => (name ? `${op} "${name}"` : op);

/** Undefined when `nodes` (this build's durable nodes, in graph order) match the image's node
 *  for node; else a message naming the first relation whose operators differ. */
export function graphMismatch(nodes: readonly DataflowNode[], saved: readonly SavedNode[], state: EngineState): string | undefined {
  const same = (n: DataflowNode, s: SavedNode) => (n.name ?? null) === s.name && n.op.constructor.name === s.op;
  let i = 0;
  while (i < nodes.length && i < saved.length && same(nodes[i]!, saved[i]!)) i++;
  if (i === nodes.length && i === saved.length) return undefined;
  const owner = ownerOf(nodes[Math.min(i, nodes.length - 1)], state);
  const now = nodes.slice(i, i + 6).map((n) => label(n.name, n.op.constructor.name));
  const was = saved.slice(i, i + 6).map((s) => label(s.name, s.op));
  const what = owner === undefined ? 'the operator graph' : `"${owner}"`;
  return (
    `${what} is planned differently by this build than by the one that wrote the checkpoint ` +
    `(from operator ${i + 1}: now ${now.join(', ') || 'nothing'}; checkpointed ${was.join(', ') || 'nothing'}; ` +
    `${nodes.length} operators now, ${saved.length} checkpointed), so its saved state cannot be restored. ` +
    `Open the directory with the build that wrote it, DROP the view and CHECKPOINT, then re-create the view with this build`
  );
}

/** The view (or table / source) whose graph holds `node`. */
function ownerOf(node: DataflowNode | undefined, state: EngineState): string | undefined {
  if (node === undefined) return undefined;
  for (const [name, sub] of state.subgraphs) if (sub.nodes.includes(node)) return name;
  for (const [name, store] of state.stores) if (store === node) return name;
  return undefined;
}
