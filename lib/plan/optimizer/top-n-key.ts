// The unique key a ROW_NUMBER Top-N gives its output. ROW_NUMBER numbers a partition's rows
// 1, 2, 3 …, so (partition columns, row number) identifies an output row, and with a limit of 1
// the partition columns alone do. A view keyed this way finds a changed row by that short key
// instead of encoding every column (and subscribers see a replaced row as one 'update').

import type { TopNNode } from '../logical.js';

/** Sets `node.props.uniqueKey` when the node numbers rows and its input gives no key; returns it. */
export function withRowNumberKey(node: TopNNode): TopNNode {
  if (node.props.uniqueKey || node.rankOutput?.fn !== 'row_number') return node;
  const cols: number[] = [];
  for (const e of node.partitionBy) {
    // an expression partition is not a column of the output
    if (e.kind !== 'column') return node;
    if (!cols.includes(e.index)) cols.push(e.index);
  }
  node.props.uniqueKey = node.limit <= 1 ? cols : [...cols, node.input.schema.length];
  return node;
}
