// Append-only logs (source stores, unkeyed view stores) merge runs of tiny batches, so a source
// fed one row per insert does not keep one batch per row; contents and order must not change.
import t from 'tap';
import { SourceStore } from '../../lib/exec/runtime/source-store.js';
import { compactLogTail, rowAt } from '../../lib/exec/runtime/batch-builder.js';
import { Engine } from '../../lib/engine/engine.js';
import type { Batch } from '../../lib/exec/batch.js';
import { batch, Capture } from './helpers.js';

const rowsOf = (batches: Batch[]) => batches.flatMap((b) => Array.from({ length: b.length }, (_, i) => rowAt(b, i)));

t.test('compactLogTail merges only a long enough run of small trailing chunks, in order', async (t) => {
  const big = batch(Array.from({ length: 500 }, (_, i) => [i, `r${i}`]));
  const log: Batch[] = [big];
  for (let i = 0; i < 63; i++) log.push(batch([[1000 + i, null]]));
  compactLogTail(log, 2);
  t.equal(log.length, 64, 'a run of 63 small chunks is left alone');
  log.push(batch([[2000, 'x'], [2001, 'y']]));
  compactLogTail(log, 2);
  t.equal(log.length, 2, 'the big chunk stays, the run of 64 becomes one chunk');
  t.equal(log[0], big, 'chunks before the run are untouched (same object)');
  t.same(rowAt(log[1], 0), [1000, null]);
  t.same(rowAt(log[1], 64), [2001, 'y']);
  t.equal(log[1].length, 65);
});

t.test('a source fed one row per step keeps few chunks and every row in order', async (t) => {
  const out = new Capture();
  const src = new SourceStore(out, 2);
  for (let i = 0; i < 5000; i++) {
    src.push(batch([[i, i % 3 === 0 ? null : `v${i}`]]), 0);
    src.flush();
  }
  const chunks = src.contents();
  t.ok(chunks.length < 100, `5000 rows in ${chunks.length} chunks`);
  const rows = rowsOf(chunks);
  t.equal(rows.length, 5000);
  t.ok(rows.every((r, i) => r[0] === i && r[1] === (i % 3 === 0 ? null : `v${i}`)), 'every row, in insertion order');
  t.equal(out.batches.length, 5000, 'downstream still got each batch as pushed');
  // the snapshot/restore round trip sees the same rows
  const copy = new SourceStore(new Capture(), 2);
  copy.restore(JSON.parse(JSON.stringify(src.snapshot())));
  t.same(rowsOf(copy.contents()), rows);
});

t.test('views over single-row inserts: contents, late back-fill and leaving append-only mode', async (t) => {
  const e = new Engine();
  t.teardown(() => e.close());
  e.execute('CREATE TABLE t (a INT, b VARCHAR)');
  e.execute('CREATE MATERIALIZED VIEW v AS SELECT a, b FROM t WHERE a % 2 = 0');
  let changes = 0;
  e.subscribe('v', (c) => {
    changes += c.length;
  });
  for (let i = 0; i < 1000; i++) e.insertRows('t', [[i, `s${i}`]]);
  t.equal(changes, 500, 'one change per even row');
  const count = (sql: string) => e.query(sql).rows[0]![0];
  t.equal(count('SELECT count(*) FROM v'), 500);
  // a view created afterwards is back-filled from the compacted logs
  e.execute('CREATE MATERIALIZED VIEW w AS SELECT sum(a) AS s FROM v');
  t.equal(count('SELECT s FROM w'), 249500);
  // a delete makes v leave its append-only log; the compacted rows must all be there
  e.execute('DELETE FROM t WHERE a = 998 OR a = 0');
  t.equal(count('SELECT count(*) FROM v'), 498);
  t.equal(count('SELECT s FROM w'), 249500 - 998);
  t.same(e.query('SELECT a, b FROM v ORDER BY a LIMIT 2').rows, [[2, 's2'], [4, 's4']]);
});
