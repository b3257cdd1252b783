// Event-time operators (ring 0): watermarks, window TVFs, windowed aggregation and Top-N, stream
// joins, dedup. lib/plan/physical-stream.ts maps the streaming logical nodes onto these.
export { NO_WATERMARK, WatermarkAssignerOperator, WatermarkCombiner, WatermarkGenerator } from './watermark.js';
export { forEachCumulateWindow, forEachHopWindow, tumbleStart } from './window-math.js';
export { WindowAssignOperator, type WindowAssignSpec } from './window-tvf.js';
export { SessionWindowOperator, type SessionWindowConfig } from './session-window.js';
export { WindowAggregateOperator, type WindowAggregateConfig, type WindowAggregateSpec } from './window-aggregate.js';
export { WindowTopNOperator, type WindowTopNConfig, type RankFunction } from './window-topn.js';
export { IntervalJoinOperator, type IntervalJoinConfig } from './interval-join.js';
export { AsofJoinOperator, type AsofJoinConfig, type AsofMatch } from './asof-join.js';
export { TemporalJoinOperator, type TemporalJoinConfig } from './temporal-join.js';
export { TtlJoinOperator, type TtlJoinConfig } from './ttl-join.js';
export { DedupOperator, type DedupConfig } from './dedup.js';
export { EventTimeUnionOperator } from './event-time-union.js';
export { FirstRowDedupOperator, type FirstRowDedupConfig } from './first-row-dedup.js';
export { streamAccumulator, type AccumulatorFactory, type StreamAccumulator } from './accumulators.js';
export { LateRows, type LatePolicy } from './late.js';
export { columnFn, keyFunction, type Key, type RowFn } from './rows.js';
