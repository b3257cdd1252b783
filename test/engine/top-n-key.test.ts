// ROW_NUMBER Top-N views are keyed by (partition columns, row number), or by the partition
// columns alone when at most one row per partition is kept: the key shows as the view's
// primary key, and a row replaced at a rank reaches subscribers as one 'update'.
import t from 'tap';
import type { EngineChange } from '../../lib/engine/types.js';
import { bag, engineWith, plainRows, rowsOf } from './helpers.js';

const setup = () => engineWith('CREATE TABLE bid (auction BIGINT, bidder BIGINT, price BIGINT)');

t.test('top 2 per partition: keyed by (partition, row number)', async (t) => {
  const e = setup();
  e.execute(`CREATE MATERIALIZED VIEW top2 AS SELECT * FROM (
    SELECT auction, bidder, price, ROW_NUMBER() OVER (PARTITION BY auction ORDER BY price DESC) AS rn FROM bid) x WHERE rn <= 2`);
  t.same(e.relation('top2')!.primaryKey, ['auction', 'rn']);
  e.execute('INSERT INTO bid VALUES (1, 10, 100), (1, 11, 50), (2, 12, 70)');
  const seen: EngineChange[] = [];
  e.subscribe('top2', (c) => seen.push(...c));
  e.execute('INSERT INTO bid VALUES (1, 13, 80)');
  t.same(
    seen.map((c) => [c.op, plainRows([c.row])[0], c.old && plainRows([c.old])[0]]),
    [['update', [1, 13, 80, 2], [1, 11, 50, 2]]],
    'the new second row replaces the old one at rank 2',
  );
  t.same(bag(rowsOf(e, 'SELECT * FROM top2')), bag([[1, 10, 100, 1], [1, 13, 80, 2], [2, 12, 70, 1]]));
  e.execute('DELETE FROM bid WHERE price = 100');
  t.same(bag(rowsOf(e, 'SELECT * FROM top2')), bag([[1, 13, 80, 1], [1, 11, 50, 2], [2, 12, 70, 1]]), 'deletes inside the top promote the next row');
});

t.test('dedup (row number 1) keyed by the partition columns, also after the rank is projected away', async (t) => {
  const e = setup();
  e.execute(`CREATE MATERIALIZED VIEW latest AS SELECT auction, bidder, price FROM (
    SELECT *, ROW_NUMBER() OVER (PARTITION BY bidder, auction ORDER BY price DESC) AS rn FROM bid) x WHERE rn = 1`);
  t.same([...e.relation('latest')!.primaryKey!].sort(), ['auction', 'bidder']);
  e.execute('INSERT INTO bid VALUES (1, 10, 5), (1, 10, 7), (1, NULL, 3), (1, NULL, 4)');
  t.same(bag(rowsOf(e, 'SELECT * FROM latest')), bag([[1, 10, 7], [1, null, 4]]), 'NULL partitions group together');
});

t.test('RANK and expression partitions give no key (ties, or no column to name)', async (t) => {
  const e = setup();
  e.execute(`CREATE MATERIALIZED VIEW r AS SELECT * FROM (
    SELECT auction, price, RANK() OVER (PARTITION BY auction ORDER BY price DESC) AS rk FROM bid) x WHERE rk <= 1`);
  t.equal(e.relation('r')!.primaryKey, undefined);
  e.execute(`CREATE MATERIALIZED VIEW ex AS SELECT * FROM (
    SELECT auction, price, ROW_NUMBER() OVER (PARTITION BY auction % 2 ORDER BY price DESC) AS rn FROM bid) x WHERE rn <= 1`);
  t.equal(e.relation('ex')!.primaryKey, undefined);
  e.execute('INSERT INTO bid VALUES (1, 1, 9), (1, 2, 9), (2, 3, 8), (3, 4, 1)');
  t.same(bag(rowsOf(e, 'SELECT * FROM r')), bag([[1, 9, 1], [1, 9, 1], [2, 8, 1], [3, 1, 1]]), 'ties at rank 1 are all kept');
  t.same(bag(rowsOf(e, 'SELECT * FROM ex')), bag([[1, 9, 1], [2, 8, 1]]));
});
