// The shard pool under the sharded engine: rows and calls reach a shard in order, and a failure
// a shard hits while applying rows (asynchronously) is reported by the next call.
import t from 'tap';
import { ShardPool } from '../../lib/shard/shard-pool.js';
import { CatalogError } from '../../lib/errors.js';
import { unpackResults } from '../../lib/shard/protocol.js';
import type { Column } from '../../lib/exec/batch.js';

t.test('rows before a call are applied before it; a failed insert surfaces at the next call', async (t) => {
  const pool = new ShardPool(2, {}, [undefined, undefined]);
  t.teardown(() => pool.close());
  pool.call({ op: 'execute', sql: 'CREATE TABLE t (a INT, b VARCHAR)', params: [] });
  pool.writeRows(1, 't', [new Int32Array([1, 2, 3]) as unknown as Column, ['x', null, 'z']], 3);
  pool.writeRows(1, 't', [[4], ['w']], 1);
  pool.publish();
  const [res] = pool.call({ op: 'query', sql: 'SELECT a, b FROM t ORDER BY a', params: [] }, [1]) as unknown[][];
  t.strictSame(unpackResults(res!)[0]!.rows, [[1, 'x'], [2, null], [3, 'z'], [4, 'w']]);
  const [empty] = pool.call({ op: 'query', sql: 'SELECT count(*) FROM t', params: [] }, [0]) as unknown[][];
  t.strictSame(unpackResults(empty!)[0]!.rows, [[0]], 'shard 0 got none of them');

  // rows for a relation the shard does not know: the shard reports, the pool throws once
  pool.writeRows(0, 'missing', [[1]], 1);
  pool.publish();
  pool.call({ op: 'flush' });
  let failure: unknown;
  try {
    pool.throwFailures();
  } catch (error) {
    failure = error;
  }
  t.ok(failure instanceof CatalogError, 'the shard\'s error class');
  t.match((failure as Error).message, /missing/);
  t.equal((failure as { shard: number }).shard, 0);
  t.doesNotThrow(() => pool.throwFailures(), 'reported once');

  // a failing call rejects with the shard's error and the shard keeps working
  t.throws(() => pool.call({ op: 'query', sql: 'SELECT * FROM nope', params: [] }, [1]), CatalogError);
  t.strictSame(pool.call({ op: 'flush' }), [null, null]);
});

t.test('a large batch is split to fit the ring records', async (t) => {
  const pool = new ShardPool(1, {}, [undefined]);
  t.teardown(() => pool.close());
  pool.call({ op: 'execute', sql: 'CREATE TABLE big (s VARCHAR)', params: [] });
  const n = 600;
  const value = 'y'.repeat(60_000); // 36 MB in all: more than half the 32 MiB ring
  pool.writeRows(0, 'big', [Array.from({ length: n }, () => value)], n);
  pool.publish();
  const [res] = pool.call({ op: 'query', sql: 'SELECT count(*), min(length(s)) FROM big', params: [] }) as unknown[][];
  t.strictSame(unpackResults(res!)[0]!.rows, [[n, 60_000]]);
});
