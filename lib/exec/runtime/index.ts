// The dataflow runtime of ring 0: graph and steps, stores, one-shot queries.
//
// Usage (what lib/engine does):
//   const df = new Dataflow();
//   const t = df.addRoot((out) => new TableStore(out, { columnNames, primaryKey }), 'orders');
//   const b = df.builder();                                   // a view's operators
//   const agg = b.add((out) => new HashAggregate(out, {...}), [t]);
//   const v = b.add((out) => new ViewStore(out, width, { uniqueKey }), [agg], 'totals');
//   const sub = b.commit();                                   // wires + back-fills from t
//   df.subscribe(v, (changes) => …, { snapshot: true });      // EngineChange[] once per step
//   df.push(t, batch);                                        // one step: propagate, flush, deliver
//   df.transaction(() => { df.push(…); df.advanceWatermark(…); });   // several pushes, one step
//   const rows = df.query((qb) => buildPlan(qb), width);      // one-shot SELECT over current contents
//   sub.remove();                                             // DROP (fails while others read it)
// Subgraphs may only read stores (TableStore, SourceStore, ViewStore): that is what back-fill
// replays. Pushes from subscriber callbacks are queued and run as later steps.
// Operator snapshots are structured-clone data (v8.serialize), not always JSON (Decimal, Map,
// bigint inside SQL-typed accumulator states).
export {
  Dataflow,
  DataflowNode,
  Subgraph,
  SubgraphBuilder,
  isMaterialized,
  type Materialized,
  type ChangeDeliverer,
  type OperatorFactory,
} from './dataflow.js';
export { TableStore, type TableStoreOptions } from './table-store.js';
export { SourceStore, type SourceRetention } from './source-store.js';
export { ViewStore, type ViewStoreOptions } from './view-store.js';
export { CollectorSink } from './collector.js';
export { ChangeFeed, type ChangeFeedOptions } from './change-feed.js';
export {
  BatchBuilder,
  batchFromRows,
  concatBatches,
  gather,
  rowAt,
  selectRows,
  weightAt,
} from './batch-builder.js';
export {
  compareNonNull,
  compareWithNulls,
  encodeRow,
  encodeValue,
  keyExtractor,
  keyOfValue,
  rowComparator,
  rowKeyExtractor,
  type Key,
  type RowComparator,
  type SortKey,
} from './values.js';
