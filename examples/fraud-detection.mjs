// Fraud detection with the operator API: flag a card when a small charge (< $1) is followed, in
// event time, by a large one (> $500) within a minute. Events may arrive out of order (up to the
// source's 5-second watermark delay): the operator buffers them in keyed state and handles them
// in event-time order when the watermark passes. Alerts become a named stream SQL can read. The
// database is durable: halfway through it is checkpointed, closed and opened again, and the
// pipeline, declared again by the same code, goes on from where it was.
// Run: node examples/fraud-detection.mjs
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { open } from 'laminardb';

const MINUTE = 60_000;

class FraudDetector {
  process(tx, ctx) {
    const ts = tx.ts.getTime();
    const pending = ctx.state.map('pending'); // event time → transactions at that time
    const atTs = pending.get(ts);
    if (atTs) atTs.push(tx);
    else pending.put(ts, [tx]);
    ctx.timers.registerEventTimeTimer(ts); // fires once the watermark reaches ts
  }

  onTimer(timer, ctx) {
    const pending = ctx.state.map('pending');
    const smallAt = ctx.state.value('smallAt');
    for (const tx of pending.get(timer.time) ?? []) {
      const ts = tx.ts.getTime();
      const since = smallAt.value();
      if (tx.amount > 500 && since !== undefined && ts - since <= MINUTE) {
        ctx.emit({ card: ctx.key, amount: tx.amount, small_at: new Date(since), ts: tx.ts });
        smallAt.clear();
      }
      if (tx.amount < 1) smallAt.update(ts);
    }
    pending.remove(timer.time);
    // forget a small charge a minute later (keeps state bounded)
    const since = smallAt.value();
    if (since !== undefined && timer.time - since > MINUTE) smallAt.clear();
    else if (since !== undefined) ctx.timers.registerEventTimeTimer(since + MINUTE + 1);
  }
}

// The pipeline is declared by a function, so a restart declares it the same way again.
function declareDetector(db) {
  return db
    .stream('tx')
    .keyBy((tx) => tx.card)
    .process(new FraudDetector())
    .to('alerts', 'card VARCHAR, amount DOUBLE, small_at TIMESTAMP, ts TIMESTAMP, WATERMARK FOR ts AS ts', {
      onError: (e) => console.error('pipeline stopped:', e.message),
    });
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'laminardb-fraud-'));
let db = await open(dir); // a durable database
await db.execute(`CREATE SOURCE tx (card VARCHAR, amount DOUBLE, ts TIMESTAMP,
                                     WATERMARK FOR ts AS ts - INTERVAL '5' SECOND)`);
declareDetector(db);

// SQL over the operator's output
await db.execute(`CREATE MATERIALIZED VIEW alerts_per_card AS SELECT card, count(*) AS alerts FROM alerts GROUP BY card`);

const t0 = Date.parse('2024-03-01T12:00:00Z');
db.insert('tx', [
  { card: 'visa-1', amount: 0.5, ts: t0 },
  { card: 'visa-1', amount: 950, ts: t0 + 20_000 }, // small then large within a minute → alert
  { card: 'amex-7', amount: 700, ts: t0 + 3_000 }, // large without a small charge before it
  { card: 'amex-7', amount: 0.2, ts: t0 + 1_000 }, // …arrives later but is earlier in event time → alert
]);
// the pipeline's keyed state (visa-1's large charge still waits for the watermark) and timers
// are in the checkpoint, in the same cut as the SQL views
await db.execute('CHECKPOINT');
db.insert('tx', { card: 'mc-3', amount: 0.9, ts: t0 + 30_000 }); // after the checkpoint: in the log
await db.close(); // (or a crash)

// Restart: the same code declares the pipeline again; it continues from its checkpointed state
// and the log after the checkpoint, and writes on into the existing `alerts` stream.
db = await open(dir);
const pipeline = declareDetector(db);
db.insert('tx', { card: 'mc-3', amount: 800, ts: t0 + 120_000 }); // more than a minute later → no alert
db.advanceWatermark('tx', t0 + 10 * MINUTE); // end of input
await db.flush();

for (const a of await db.query('SELECT card, amount, small_at, ts FROM alerts ORDER BY ts')) {
  console.log(`ALERT ${a.card}: $${a.amount} at ${a.ts.toISOString()} after a small charge at ${a.small_at.toISOString()}`);
}
console.log(await db.query('SELECT card, alerts FROM alerts_per_card ORDER BY card'));
console.log('pipeline failed:', pipeline.failed);
await db.close();
fs.rmSync(dir, { recursive: true, force: true });
