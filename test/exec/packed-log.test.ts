// An append-only view keeps its DECIMAL columns packed (unscaled doubles + scale) once their
// step is over. Everything a user can read — queries, snapshot subscriptions, views back-filled
// from it, the rows left after it leaves append-only mode, a checkpoint read back after a
// restart — must give exactly the values that were computed, and the changes of the step itself
// still carry the original Decimals.
import t from 'tap';
import { ViewStore } from '../../lib/exec/runtime/view-store.js';
import { LogPacker, MIN_PACKED_ROWS, PackedBatch, packBatch } from '../../lib/exec/runtime/packed-log.js';
import { rowAt } from '../../lib/exec/runtime/batch-builder.js';
import { Engine } from '../../lib/engine/engine.js';
import { Decimal } from '../../lib/types/decimal.js';
import type { Batch } from '../../lib/exec/batch.js';
import type { EngineChange } from '../../lib/engine/types.js';
import type { Row, Value } from '../../lib/types/value.js';
import { batch, Capture } from './helpers.js';
import { openDurable, tempDir } from '../storage/helpers.js';

const MAX = Number.MAX_SAFE_INTEGER;

/** A value as a reader sees it: Decimals as text@scale (trailing zeros matter). */
function show(v: Value): unknown {
  return v instanceof Decimal ? `${v.toString()}@${v.scale}` : v;
}
const showRows = (rows: Row[]) => rows.map((r) => r.map(show));
const rowsOf = (batches: Batch[]) => batches.flatMap((b) => Array.from({ length: b.length }, (_, i) => rowAt(b, i)));

/** n rows [i, price or NULL, label]: prices of two scales and both signs. */
function priceRows(n: number, from = 0): Row[] {
  const rows: Row[] = [];
  for (let i = from; i < from + n; i++) {
    const price = i % 7 === 0 ? null : new Decimal((i % 2 === 0 ? 1 : -1) * i * 908, i % 5 === 0 ? 4 : 3);
    rows.push([i, price, `r${i}`]);
  }
  return rows;
}

t.test('a view store packs its retained Decimal columns after the step and reads them back exactly', async (t) => {
  const out = new Capture();
  const view = new ViewStore(out, 3);
  const delivered: EngineChange[] = [];
  view.subscribe((c) => delivered.push(...c));
  const rows = priceRows(1000);
  const pushed = batch(rows);
  view.push(pushed);
  view.flush();
  view.deliver();
  t.equal(out.batches[0], pushed, 'downstream got the batch as pushed');
  t.equal(delivered.length, 1000);
  t.equal(delivered[3]!.row[1], rows[3]![1], "the step's changes carry the original Decimal objects");
  const [kept] = view.contents();
  t.ok(kept instanceof PackedBatch, 'the retained batch is packed');
  t.equal((kept as PackedBatch).packedColumns, 1, 'only the DECIMAL column');
  t.same(showRows(rowsOf(view.contents())), showRows(rows), 'contents read back exactly');
  t.same(showRows(view.scan()), showRows(rows), 'scan reads back exactly');
  t.equal(kept!.columns, kept!.columns, 'one materialisation serves a whole synchronous read');
  t.equal(kept!.columns[0], pushed.columns[0], 'other columns are kept by reference');
  // a snapshot subscription reads the packed rows
  const initial: EngineChange[] = [];
  view.subscribe((c) => initial.push(...c), { snapshot: true });
  t.same(showRows(initial.map((c) => c.row)), showRows(rows));
  // restore from a snapshot: packed again at the next flush, values unchanged
  const copy = new ViewStore(new Capture(), 3);
  copy.restore(view.snapshot());
  copy.flush();
  t.ok(copy.contents()[0] instanceof PackedBatch, 'a restored log is packed too');
  t.same(showRows(copy.scan()), showRows(rows));
});

t.test('batches that cannot or need not be packed are kept as they were', async (t) => {
  const small = batch(priceRows(MIN_PACKED_ROWS - 1));
  t.equal(packBatch(small), small, 'a small chunk');
  const mixed = priceRows(300);
  mixed[150]![1] = 'text';
  const other = batch(mixed);
  t.equal(packBatch(other), other, 'a column that is not all Decimals and NULLs');
  const plain = batch(Array.from({ length: 300 }, (_, i) => [i, `s${i}`]));
  t.equal(packBatch(plain), plain, 'no DECIMAL column');
  const packed = packBatch(batch(priceRows(300)));
  t.equal(packBatch(packed), packed, 'packed once');
  // a Decimal column with values beyond 2^53 packs, the bigints kept aside
  const wide = priceRows(300);
  wide[150]![1] = new Decimal(BigInt(MAX) * 10n, 3);
  const withBig = packBatch(batch(wide));
  t.ok(withBig instanceof PackedBatch, 'a column holding an unscaled value beyond 2^53 packs');
  t.same(showRows(rowsOf([withBig])), showRows(wide));
});

t.test('the packer looks at each batch once and picks up small chunks merged later', async (t) => {
  const packer = new LogPacker();
  const log: Batch[] = [batch(priceRows(200))];
  packer.pack(log);
  t.ok(log[0] instanceof PackedBatch);
  const small = batch(priceRows(10, 200));
  log.push(small);
  packer.pack(log);
  t.equal(log[1], small, 'a small chunk stays');
  // the log merges its trailing small chunks (compactLogTail): the merged chunk is packed next
  log[1] = batch(priceRows(200, 200));
  packer.pack(log);
  t.ok(log[1] instanceof PackedBatch, 'a chunk merged in place of small ones is packed');
  t.same(showRows(rowsOf(log)), showRows(priceRows(400)));
  // a merge that shrinks the log below what was looked at leaves its chunk at the end
  log.push(batch(priceRows(5, 400)), batch(priceRows(5, 405)));
  packer.pack(log);
  log.splice(2, 2, batch(priceRows(140, 400)));
  packer.pack(log);
  t.ok(log[2] instanceof PackedBatch, 'the merged chunk at the end of a shorter log is packed');
  t.same(showRows(rowsOf(log)), showRows(priceRows(540)));
  // another log array (a restore) is looked at from its start
  const other: Batch[] = [batch(priceRows(150))];
  packer.pack(other);
  t.ok(other[0] instanceof PackedBatch);
  const empty: Batch[] = [];
  packer.pack(empty);
  packer.pack(empty);
  t.equal(empty.length, 0, 'an empty log is fine');
});

t.test('a view fed one row per step: merged chunks get packed, every row reads back in order', async (t) => {
  const view = new ViewStore(new Capture(), 3);
  const rows = priceRows(3000);
  for (const row of rows) {
    view.push(batch([row]));
    view.flush();
  }
  const chunks = view.contents();
  t.ok(chunks.length < 100, `3000 rows in ${chunks.length} chunks`);
  t.ok(chunks.some((b) => b instanceof PackedBatch), 'merged chunks of 128 rows or more are packed');
  t.same(showRows(rowsOf(chunks)), showRows(rows));
});

/** The rows a user reads back for `SELECT id, p, d FROM v ORDER BY id` as strings. */
function viewText(e: Engine): unknown[][] {
  return showRows(e.query('SELECT id, p, d FROM v ORDER BY id').rows);
}

t.test('SQL over a packed view: exact values, NULLs, bigints, back-fill, grouping, deletes', async (t) => {
  const e = new Engine();
  t.teardown(() => e.close());
  e.execute('CREATE TABLE t (id INT, price BIGINT, d DECIMAL)');
  e.execute('CREATE MATERIALIZED VIEW v AS SELECT id, 0.908 * price AS p, d FROM t');
  const rows: Row[] = [];
  const expected: unknown[][] = [];
  for (let id = 0; id < 600; id++) {
    // NULLs, negatives, zero, and prices whose product passes 2^53 (held as a bigint)
    const price = id % 11 === 0 ? null : id % 13 === 0 ? MAX - id : (id % 2 === 0 ? 1 : -1) * id * 1000;
    // the same value as 1.5 and as 1.50, and 2^53 - 1 thousandths against its bigint twin
    const d = id % 4 === 0 ? new Decimal(15, 1) : id % 4 === 1 ? new Decimal(150, 2) : id % 4 === 2 ? new Decimal(MAX, 3) : new Decimal(BigInt(MAX) * 10n, 4);
    rows.push([id, price, d]);
    const product = price === null ? null : `${(BigInt(price) * 908n < 0n ? '-' : '') + fmt3(BigInt(price) * 908n)}@3`;
    expected.push([id, product, show(d)]);
  }
  e.insertRows('t', rows);
  t.same(viewText(e), expected, 'query results');
  t.ok(
    (e.query('SELECT count(*) FROM v WHERE p > 8000000000000').rows[0]![0] as number) > 0,
    'some products are beyond 2^53 unscaled',
  );
  // GROUP BY and DISTINCT treat 1.5 = 1.50 and a compact value = its bigint twin (PostgreSQL)
  t.same(showRows(e.query('SELECT count(DISTINCT d) FROM v').rows), [[2]]);
  const groups = e.query('SELECT d, count(*) AS n FROM v GROUP BY d ORDER BY d').rows;
  t.same(groups.map((r) => [(r[0] as Decimal).equals(new Decimal(15, 1)) ? '1.5' : (r[0] as Decimal).normalize().toString(), r[1]]), [['1.5', 300], ['9007199254740.991', 300]]);
  t.same(showRows(e.query('SELECT count(*) FROM v WHERE d = 1.5').rows), [[300]]);
  // a view created afterwards is back-filled from the packed batches
  e.execute('CREATE MATERIALIZED VIEW g AS SELECT d, count(*) AS n, sum(p) AS s FROM v GROUP BY d');
  const sumOf = (want: (id: number) => boolean) => {
    let s = 0n;
    for (let id = 0; id < 600; id++) {
      const price = rows[id]![1] as number | null;
      if (want(id) && price !== null) s += BigInt(price) * 908n;
    }
    return `${(s < 0n ? '-' : '') + fmt3(s)}`;
  };
  const g = e.query('SELECT n, s FROM g ORDER BY d').rows;
  t.same(g.map((r) => [r[0], (r[1] as Decimal).toString()]), [[300, sumOf((id) => id % 4 < 2)], [300, sumOf((id) => id % 4 >= 2)]]);
  // a snapshot subscription reads the same rows
  const snap: Row[] = [];
  e.subscribe('v', (c) => snap.push(...c.map((x) => x.row)), { snapshot: true });
  t.same(showRows(snap).sort((a, b) => (a[0] as number) - (b[0] as number)), expected);
  // a delete makes the view leave its append-only log; the packed rows move into the keyed map
  e.execute('DELETE FROM t WHERE id % 3 = 0');
  t.same(viewText(e), expected.filter((r) => (r[0] as number) % 3 !== 0), 'rows after leaving append-only mode');
  e.insertRows('t', [[1000, 5, new Decimal(2, 0)]]);
  t.same(viewText(e).at(-1), [1000, '4.540@3', '2@0']);
});

/** |u| / 1000 as text with three decimals. */
function fmt3(u: bigint): string {
  const a = (u < 0n ? -u : u).toString().padStart(4, '0');
  return `${a.slice(0, -3)}.${a.slice(-3)}`;
}

t.test('a durable database reads a packed view back after a checkpoint and a restart', async (t) => {
  const dir = tempDir(t);
  const expected: Record<string, unknown>[] = [];
  {
    const { db } = await openDurable(dir);
    await db.execute('CREATE TABLE t (id INT, price BIGINT)');
    await db.execute('CREATE MATERIALIZED VIEW v AS SELECT id, 0.908 * price AS p FROM t');
    const rows: { id: number; price: number | null }[] = [];
    for (let id = 0; id < 500; id++) rows.push({ id, price: id % 9 === 0 ? null : id % 10 === 1 ? MAX - id : id * 100 + 5 });
    db.insert('t', rows);
    await db.flush();
    for (const r of rows) expected.push({ id: r.id, p: r.price === null ? null : (BigInt(r.price) * 908n < 0n ? '-' : '') + fmt3(BigInt(r.price) * 908n) });
    t.same(await db.query('SELECT id, p FROM v ORDER BY id'), expected, 'before the restart');
    await db.execute('CHECKPOINT');
    db.insert('t', [{ id: 500, price: 1 }]);
    expected.push({ id: 500, p: '0.908' });
    await db.close();
  }
  const { db, warnings } = await openDurable(dir);
  t.teardown(() => db.close());
  t.same(warnings, []);
  t.same(await db.query('SELECT id, p FROM v ORDER BY id'), expected, 'checkpoint + WAL read back exactly');
});
