// The dataflow runtime of ring 0: graph and steps, stores, one-shot queries.
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
export { WatermarkMerger } from './watermark.js';
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
