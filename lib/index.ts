// Public entry point of laminardb. types/index.d.ts documents exactly these exports.
import { native } from './native/binding.js';

export { open, type OpenOptions } from './api/open.js';
export { Database, type DatabaseSettings } from './api/database.js';
export { Subscription, type Change, type ChangePosition, type SubscribeOptions, type OverflowPolicy } from './api/subscription.js';
export { RelationHandle, TableHandle, SourceHandle } from './api/handles.js';
export type { ExecuteResult, StatementResult, ColumnDescription, RelationDescription } from './api/results.js';
export type { FunctionSignature } from './api/udf.js';
export type { ConnectorStatus } from './connectors/manager.js';
export {
  DataStream,
  KeyedStream,
  WindowedStream,
  Pipeline,
  OutputTag,
  tumble,
  hop,
  session,
  type SinkOptions,
  type StreamOptions,
  type WindowSpec,
  type WindowResult,
  type StreamKey,
  type ProcessFunction,
  type ProcessContext,
  type TimerInfo,
  type TimerService,
  type KeyedStateStore,
  type ValueState,
  type ListState,
  type MapState,
  type AggregatingState,
  type AggregateFunction,
  type PipelineSnapshot,
} from './stream-api/index.js';
export { LaminarDialect, type LaminarDialectConfig } from './kysely/dialect.js';
export { generateKyselyTypes, type CodegenOptions } from './kysely/codegen.js';
export {
  tumbleTable,
  hopTable,
  sessionTable,
  cumulateTable,
  createMaterializedView,
  type WindowInterval,
  type WindowOptions,
  type WindowedRow,
  type TimeColumnOf,
  type MaterializedViewOptions,
} from './kysely/streaming.js';
export {
  LaminarError,
  SqlError,
  SqlSyntaxError,
  CatalogError,
  SqlTypeError,
  UnsupportedError,
  SchemaError,
  ExecutionError,
  StorageError,
  ClosedError,
  type SourcePosition,
} from './errors.js';

export const version = '0.1.0';

/** ABI version of the loaded native addon (1 for this release). */
export function nativeAbiVersion(): number {
  return native().abiVersion as number;
}
