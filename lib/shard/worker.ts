// A shard: one Engine in a worker thread, fed by its SPSC ring (rows, watermarks, call markers)
// and answering through its MessagePort (replies, subscription changes, failures).
import { receiveMessageOnPort, workerData } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { Engine } from '../engine/engine.js';
import type { EngineChange, EngineSubscription } from '../engine/types.js';
import type { Column } from '../exec/batch.js';
import { SpscRing } from '../native/ring.js';
import { pinCurrentThread, setThreadName } from '../native/sys.js';
import { Reader } from './codec.js';
import { RecordKind, encodeChanges, packResults, serializeError, type ControlRequest, type ShardMessage, type WorkerData } from './protocol.js';

const data = workerData as WorkerData;
const port = data.port as unknown as MessagePort;
const ring = SpscRing.attach(data.ring);
const signal = new Int32Array(data.signal);
const engine = new Engine(data.options);
const subscriptions = new Map<number, EngineSubscription>();
/** changes produced while handling records, posted once per drained run of the ring */
const pendingChanges = new Map<number, EngineChange[]>();

if (data.cpu !== undefined) {
  try {
    pinCurrentThread(data.cpu);
  } catch {
    // pinning is an optimisation: a restricted affinity mask must not stop the shard
  }
}
try {
  setThreadName(`laminar-shard${data.shard}`);
} catch {
  // naming is cosmetic
}

function post(message: ShardMessage, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
}

function postChanges(): void {
  for (const [sub, changes] of pendingChanges) {
    const buf = encodeChanges(changes);
    post({ t: 'changes', sub, buf }, [buf]);
  }
  pendingChanges.clear();
}

function handleData(r: Reader): void {
  const name = r.str();
  const length = r.u32();
  const width = r.u32();
  const columns: Column[] = new Array(width);
  for (let i = 0; i < width; i++) columns[i] = r.column(length);
  try {
    engine.insertColumns(name, columns, length);
  } catch (error) {
    post({ t: 'error', error: serializeError(error) });
  }
}

function handleWatermark(r: Reader): void {
  const name = r.str();
  const ms = r.f64();
  try {
    engine.advanceWatermark(name, ms);
  } catch (error) {
    post({ t: 'error', error: serializeError(error) });
  }
}

function run(request: ControlRequest): unknown {
  switch (request.op) {
    case 'execute':
      return packResults(engine.execute(request.sql, request.params));
    case 'query':
      return packResults([{ command: 'SELECT', rowsAffected: 0, ...engine.query(request.sql, request.params) }]);
    case 'flush':
      engine.flush();
      return null;
    case 'subscribe': {
      const sub = request.sub;
      const listener = (changes: EngineChange[]): void => {
        const list = pendingChanges.get(sub);
        if (list) list.push(...changes);
        else pendingChanges.set(sub, changes.slice());
      };
      subscriptions.set(sub, engine.subscribe(request.name, listener, { snapshot: request.snapshot }));
      return null;
    }
    case 'unsubscribe':
      subscriptions.get(request.sub)?.close();
      subscriptions.delete(request.sub);
      pendingChanges.delete(request.sub);
      return null;
    case 'call': {
      const fn = (engine as unknown as Record<string, (...a: unknown[]) => unknown>)[request.method]!;
      return fn.apply(engine, request.args) ?? null;
    }
    case 'dump':
      return packResults([{ command: 'SELECT', rowsAffected: 0, ...engine.query(`SELECT * FROM "${request.name.replace(/"/g, '""')}"`) }]);
  }
}

function handleControl(r: Reader): void {
  const id = r.u32();
  const got = receiveMessageOnPort(port);
  if (!got) throw new Error(`shard ${data.shard}: call ${id} announced but its message is missing`);
  const request = got.message as ControlRequest;
  let reply: ShardMessage;
  try {
    reply = { t: 'reply', id, ok: true, result: run(request) };
  } catch (error) {
    reply = { t: 'reply', id, ok: false, error: serializeError(error) };
  }
  // changes caused by earlier records and by this call reach the main thread before the reply
  postChanges();
  post(reply);
}

function handle(bytes: Uint8Array): void {
  const r = new Reader(bytes);
  switch (r.u8() as RecordKind) {
    case RecordKind.Data:
      return handleData(r);
    case RecordKind.Watermark:
      return handleWatermark(r);
    case RecordKind.Control:
      return handleControl(r);
  }
}

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function loop(): Promise<void> {
  for (;;) {
    let handled = 0;
    for (let at = ring.peek(); at >= 0; at = ring.peek()) {
      // the record is decoded (and copied out) before its space is handed back
      handle(ring.bytes.subarray(at, at + ring.lastLength));
      ring.advance();
      if (++handled % 32 === 0) ring.release();
    }
    ring.release();
    if (handled > 0) postChanges();
    // let the engine's microtasks and timers run, then sleep until rows or a call arrive
    await yieldToLoop();
    if (ring.used === 0) ring.waitForData(handled > 0 ? 1 : 50);
  }
}

post({ t: 'ready' });
loop().catch((error: unknown) => {
  // a broken shard must not leave the main thread waiting: report, then stop the thread
  post({ t: 'error', error: serializeError(error) });
  process.exit(1);
});
