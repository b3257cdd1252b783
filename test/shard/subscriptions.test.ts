// Subscriptions over shards: each shard's changes of a partitioned view are disjoint by key, so
// the merged change stream folds to the same contents as the single engine's.
import t from 'tap';
import { canonical, openSharded, openSingle } from './helpers.js';
import type { Database } from '../../lib/api/database.js';

type Row = { k: number; n: number; s: number };

function follow(db: Database, view: string, snapshot = false): { state: Map<number, Row>; changes: string[] } {
  const state = new Map<number, Row>();
  const changes: string[] = [];
  db.subscribe<Row>(view, {
    snapshot,
    onChange: (c) => {
      changes.push(JSON.stringify(c));
      if (c.op === 'delete') state.delete(c.row.k);
      else {
        if (c.op === 'update' && c.old) state.delete(c.old.k);
        state.set(c.row.k, c.row);
      }
    },
  });
  return { state, changes };
}

t.test('changes of a partitioned view merge to the single engine\'s contents', async (t) => {
  const { db, engine } = await openSharded(2);
  const single = await openSingle();
  t.teardown(async () => {
    await db.close();
    await single.close();
  });
  for (const d of [db, single]) {
    await d.execute('CREATE TABLE ev (k INT, v INT)');
    await d.execute('CREATE MATERIALIZED VIEW by_k AS SELECT k, count(*) AS n, sum(v) AS s FROM ev GROUP BY k');
  }
  t.ok(engine.isPartitioned('by_k'));
  const sharded = follow(db, 'by_k');
  const reference = follow(single, 'by_k');
  for (let round = 0; round < 5; round++) {
    const batch = Array.from({ length: 200 }, (_, i) => ({ k: (i * 7 + round) % 23, v: i + round }));
    db.insert('ev', batch);
    single.insert('ev', batch);
    await db.flush();
    await single.flush();
  }
  t.strictSame(canonical([...sharded.state.values()]), canonical([...reference.state.values()]), 'folded changes equal');
  t.strictSame(canonical([...sharded.state.values()]), canonical(await db.query('SELECT * FROM by_k')), 'and equal the query result');
  // each insert call is one step per shard, like one step of the single engine: same change multiset
  t.strictSame(sharded.changes.slice().sort(), reference.changes.slice().sort(), 'the same changes, in shard-interleaved order');

  // a snapshot subscription starts from the merged contents of both shards
  const late = follow(db, 'by_k', true);
  await db.flush();
  t.equal(late.state.size, 23, 'snapshot holds every key from both shards');
  t.strictSame(canonical([...late.state.values()]), canonical([...reference.state.values()]));
});

t.test('iterated subscriptions, table changes and unsubscribe', async (t) => {
  const { db, engine } = await openSharded(2);
  t.teardown(() => db.close());
  await db.execute('CREATE SOURCE clicks (user_id INT, page VARCHAR)');
  await db.execute('CREATE MATERIALIZED VIEW per_user AS SELECT user_id, count(*) AS n FROM clicks GROUP BY user_id');
  t.ok(engine.isPartitioned('clicks'));
  const sub = db.subscribe<{ user_id: number; n: number }>('per_user');
  const raw = db.subscribe<{ user_id: number; page: string }>('clicks');
  db.insert('clicks', Array.from({ length: 40 }, (_, i) => ({ user_id: i % 4, page: `p${i}` })));
  await db.flush();
  const seen = new Map<number, number>();
  for await (const c of sub) {
    if (c.op !== 'delete') seen.set(c.row.user_id, c.row.n);
    if (seen.size === 4 && [...seen.values()].every((n) => n === 10)) break;
  }
  t.strictSame([...seen.entries()].sort(), [[0, 10], [1, 10], [2, 10], [3, 10]]);
  const pages: string[] = [];
  for await (const c of raw) {
    pages.push(c.row.page);
    if (pages.length === 40) break;
  }
  t.equal(new Set(pages).size, 40, 'every inserted row of the source arrives once, from its shard');
  // after unsubscribing, nothing more is delivered
  let after = 0;
  const s2 = db.subscribe('per_user', { onChange: () => after++ });
  s2.close();
  db.insert('clicks', [{ user_id: 9, page: 'x' }]);
  await db.flush();
  t.equal(after, 0);
});
