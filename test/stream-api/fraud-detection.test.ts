// The proof: a keyed process function with timers flags a card when a small charge is
// followed (in event time) by a large one within a minute. Events arrive out of order (bounded
// by the watermark delay); the operator buffers them in keyed state until the watermark passes
// and handles them in event-time order. Checked against an expectation computed by hand-written
// code over the same generated stream, in one run and with a restart from a snapshot midway.
import t from 'tap';
import * as v8 from 'node:v8';
import { open, type PipelineSnapshot } from '../../lib/index.js';
import { FraudDetector, SMALL, expected, generate, sortAlerts, type Alert, type Tx } from './fraud-fixture.js';

async function database() {
  const db = await open();
  await db.execute(`CREATE SOURCE tx (card VARCHAR, amount DOUBLE, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '5' SECOND)`);
  return db;
}

function detector(db: Awaited<ReturnType<typeof database>>, alerts: Alert[], restore?: PipelineSnapshot) {
  return db
    .stream<Tx>('tx')
    .keyBy((tx) => tx.card)
    .process(new FraudDetector())
    .forEach((a) => alerts.push(...a), { restore });
}

const txs = generate(4000, 42);
const want = expected(txs);

t.test('the generated stream is out of order and exercises the rule', async (t) => {
  let inversions = 0;
  for (let i = 1; i < txs.length; i++) if (txs[i]!.ts < txs[i - 1]!.ts) inversions++;
  t.ok(inversions > 500, `${inversions} out-of-order arrivals`);
  t.ok(want.length > 20, `${want.length} expected alerts`);
  // some small charges are followed by a large one more than a minute later: not alerts
  t.ok(txs.filter((x) => x.amount < SMALL).length > want.length);
});

t.test('one run, in batches of 37: alerts equal the hand computation', async (t) => {
  const db = await database();
  const alerts: Alert[] = [];
  const p = detector(db, alerts);
  for (let i = 0; i < txs.length; i += 37) db.insert('tx', txs.slice(i, i + 37));
  db.advanceWatermark('tx', Date.UTC(2030, 0, 1)); // end of input: everything is final
  t.same(sortAlerts(alerts), want);
  t.equal(p.failed, false);
  t.equal(p.stateSize(), 0, 'every buffered event handled, every small-charge flag expired');
  await db.close();
});

t.test('a restart from a snapshot midway gives the same alerts', async (t) => {
  const half = 2003;
  const db1 = await database();
  const alerts: Alert[] = [];
  const p1 = detector(db1, alerts);
  for (let i = 0; i < half; i += 50) db1.insert('tx', txs.slice(i, Math.min(i + 50, half)));
  // the checkpoint travels as bytes (structured clone), as the durability layer stores it
  const saved = v8.serialize(p1.snapshot());
  t.ok(p1.stateSize() > 0, 'buffered events and timers were in flight at the snapshot');
  await db1.close();

  const db2 = await database();
  detector(db2, alerts, v8.deserialize(saved) as PipelineSnapshot);
  for (let i = half; i < txs.length; i += 50) db2.insert('tx', txs.slice(i, i + 50));
  db2.advanceWatermark('tx', Date.UTC(2030, 0, 1));
  t.same(sortAlerts(alerts), want);
  await db2.close();
});

t.test('a large charge more than a minute after the small one, or on another card, raises nothing', async (t) => {
  const db = await database();
  const alerts: Alert[] = [];
  detector(db, alerts);
  const t0 = Date.UTC(2024, 0, 1);
  db.insert('tx', [
    { card: 'x', amount: 0.5, ts: t0 },
    { card: 'x', amount: 900, ts: t0 + 30_000 },
    { card: 'y', amount: 900, ts: t0 + 30_000 },
    { card: 'x', amount: 0.1, ts: t0 + 40_000 },
    { card: 'x', amount: 999, ts: t0 + 200_000 }, // > a minute after the last small charge
  ]);
  db.advanceWatermark('tx', t0 + 1_000_000);
  t.same(alerts, [{ card: 'x', smallAt: t0, largeAt: t0 + 30_000, amount: 900 }]);
  await db.close();
});
