// Source connectors: a source declared WITH (connector = 'datagen' | 'nexmark', …) is fed by a
// producer running inside the database (docs/connectors.md).
export { ConnectorManager, type ConnectorStatus, type ConnectorManagerHost } from './manager.js';
export { planConnector, validateSourceConnector, SOURCE_CONNECTORS, type ConnectorPlan } from './registry.js';
export type { ProducerState } from './producer.js';
export { FileSink, SinkDriver, MemorySinks, fileSinkSpec, checkSinkStatements } from './sinks/index.js';
