// Sink connectors: CREATE SINK … WITH (connector = 'file', …) driven by the epoch-commit
// protocol of lib/storage/sink-protocol.ts (docs/durability.md, "Exactly-once output").
export { FileSink, type FileSinkHandle } from './file-sink.js';
export { SinkDriver, fileSinkSpec, checkSinkStatements, formatChange, type SinkHost } from './driver.js';
export { MemorySinks } from './memory.js';
