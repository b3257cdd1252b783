// When producers run: from CREATE (or startConnectors) until DROP or close; across a durable
// reopen they resume where they stopped; after close nothing keeps the process alive.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { open, ClosedError, type Database } from '../../lib/index.js';
import { NexmarkGenerator } from '../../lib/nexmark/generator.js';
import { TS_CHILD_ARGS, tsChildEnv } from '../helpers/ts-child.js';

const root = path.resolve(__dirname, '..', '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'laminar-connectors-'));
t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

const rowsOf = (db: Database, source: string) => db.connectors().find((c) => c.source === source)?.rows ?? -1;
const stateOf = (db: Database, source: string) => db.connectors().find((c) => c.source === source)?.state;

t.test('DROP SOURCE stops its producer; a new source of that name gets nothing from it', async (t) => {
  const db = await open();
  t.teardown(() => db.close());
  await db.execute(`CREATE SOURCE s (id BIGINT) WITH (connector = 'datagen', rows_per_second = 2000)`);
  await until('rows', () => rowsOf(db, 's') > 20);
  await db.execute('DROP SOURCE s');
  t.same(db.connectors(), []);
  await db.execute('CREATE SOURCE s (id BIGINT)');
  await sleep(150);
  t.same(await db.query('SELECT count(*) AS n FROM s'), [{ n: 0 }], 'no row arrived after the drop');
});

t.test('dropping one source of a shared nexmark generator leaves the others running', async (t) => {
  const db = await open();
  t.teardown(() => db.close());
  const schema = fs.readFileSync(path.join(root, 'lib', 'nexmark', 'schema.sql'), 'utf8');
  await db.execute(schema.replace(/(CREATE SOURCE (\w+) \([\s\S]*?\n\))/g, (_m, c: string, table: string) => `${c} WITH (connector = 'nexmark', nexmark.table = '${table}', events_per_second = 5000)`));
  await until('bids', () => rowsOf(db, 'bid') > 100);
  await db.execute('DROP SOURCE person');
  t.same(db.connectors().map((c) => c.source), ['auction', 'bid']);
  const before = rowsOf(db, 'bid');
  await until('more bids', () => rowsOf(db, 'bid') > before + 100);
  t.equal(stateOf(db, 'bid'), 'running');
});

t.test('startConnectors: false waits for db.startConnectors()', async (t) => {
  const db = await open({ startConnectors: false });
  t.teardown(() => db.close());
  await db.execute(`CREATE SOURCE s (id BIGINT) WITH (connector = 'datagen', number_of_rows = 100)`);
  await sleep(50);
  t.match(db.connectors(), [{ source: 's', state: 'paused', rows: 0 }]);
  db.startConnectors();
  await until('finished', () => stateOf(db, 's') === 'finished');
  t.same(await db.query('SELECT count(*) AS n FROM s'), [{ n: 100 }]);
  await t.rejects(open({ startConnectors: 'yes' as never }), { code: 'INVALID_ARGUMENT', message: /startConnectors must be a boolean/ });
  await t.rejects(open({ onConnectorError: 3 as never }), { code: 'INVALID_ARGUMENT', message: /onConnectorError must be a function/ });
});

t.test('close stops every producer; the closed database refuses connector calls', async (t) => {
  const db = await open();
  await db.execute(`CREATE SOURCE s (id BIGINT) WITH (connector = 'datagen')`);
  await until('rows', () => rowsOf(db, 's') > 0);
  await db.close();
  t.throws(() => db.connectors(), ClosedError);
  t.throws(() => db.startConnectors(), ClosedError);
});

t.test('an in-memory database with running connectors lets the process exit after close', async (t) => {
  const script = `
    const { open } = require(${JSON.stringify(path.join(root, 'lib', 'index.ts'))});
    (async () => {
      const db = await open();
      await db.execute("CREATE SOURCE a (id BIGINT) WITH (connector = 'datagen')");
      await db.execute("CREATE SOURCE b (id BIGINT) WITH (connector = 'datagen', rows_per_second = 10)");
      await new Promise((r) => setTimeout(r, 200));
      await db.close();
      console.log('closed', db.closed);
    })();`;
  const started = Date.now();
  const r = spawnSync(process.execPath, [...TS_CHILD_ARGS, '-e', script], { cwd: root, encoding: 'utf8', timeout: 20_000, env: tsChildEnv() });
  t.equal(r.signal, null, 'not killed by the timeout: nothing kept the process alive');
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stdout.trim(), 'closed true');
  t.ok(Date.now() - started < 20_000);
});

t.test('durable: a datagen source resumes after reopen without gaps or duplicates', async (t) => {
  const dir = path.join(tmp, 'datagen');
  let db = await open(dir);
  await db.execute(`CREATE SOURCE s (id BIGINT, v INT) WITH (connector = 'datagen', number_of_rows = 3000, rows_per_second = 4000, seed = 3,
    fields.id.kind = 'sequence')`);
  await until('some rows', () => rowsOf(db, 's') > 300);
  await db.close();
  const saved = JSON.parse(fs.readFileSync(path.join(dir, 'connector-offsets.json'), 'utf8')) as { sources: Record<string, { position: number }> };
  const stoppedAt = saved.sources['s']!.position;
  t.ok(stoppedAt > 300 && stoppedAt < 3000, `stopped part way (${stoppedAt})`);

  db = await open(dir); // recovered catalog: the producer starts again by itself
  t.same(await db.query('SELECT count(*) AS n FROM s'), [{ n: stoppedAt }], 'the recorded position is what is on disk');
  await until('finished', () => stateOf(db, 's') === 'finished');
  t.equal(rowsOf(db, 's'), 3000 - stoppedAt, 'only the rest was produced');
  t.same(await db.query('SELECT count(*) AS n, count(DISTINCT id) AS ids, min(id) AS lo, max(id) AS hi FROM s'), [{ n: 3000, ids: 3000, lo: 1, hi: 3000 }]);
  const values = await db.query<{ v: number }>('SELECT v FROM s ORDER BY id');
  await db.close();

  // the same rows as one uninterrupted in-memory run with the same seed
  const mem = await open();
  await mem.execute(`CREATE SOURCE s (id BIGINT, v INT) WITH (connector = 'datagen', number_of_rows = 3000, seed = 3, fields.id.kind = 'sequence')`);
  await until('finished', () => stateOf(mem, 's') === 'finished');
  t.same(await mem.query('SELECT v FROM s ORDER BY id'), values);
  await mem.close();

  db = await open(dir); // finished: nothing more
  await sleep(100);
  t.equal(stateOf(db, 's'), 'finished');
  t.same(await db.query('SELECT count(*) AS n FROM s'), [{ n: 3000 }]);
  await db.close();
});

t.test('durable: a shared nexmark generator resumes all its sources at one position', async (t) => {
  const dir = path.join(tmp, 'nexmark');
  const schema = fs.readFileSync(path.join(root, 'lib', 'nexmark', 'schema.sql'), 'utf8');
  let db = await open(dir);
  await db.execute(schema.replace(/(CREATE SOURCE (\w+) \([\s\S]*?\n\))/g, (_m, c: string, table: string) => `${c} WITH (connector = 'nexmark', nexmark.table = '${table}', events = 10000, events_per_second = 20000, seed = 5)`));
  await until('some events', () => (db.connectors()[0]?.position ?? 0) > 1000);
  await db.close();
  db = await open(dir);
  await until('finished', () => db.connectors().every((c) => c.state === 'finished'));
  const direct = new NexmarkGenerator({ seed: 5, eventsPerSecond: 20000 }).generate(0, 10000);
  t.same(await db.query('SELECT (SELECT count(*) FROM person) AS p, (SELECT count(*) FROM auction) AS a, (SELECT count(*) FROM bid) AS b'), [{ p: 200, a: 600, b: 9200 }]);
  const prices = (await db.query<{ price: number }>('SELECT price FROM bid')).map((r) => r.price);
  t.same(prices, Array.from(direct.bid.price), 'exactly the generator stream, no event twice or missing');
  await db.close();
});

t.test('a connector source dropped in a durable database forgets its position', async (t) => {
  const dir = path.join(tmp, 'dropped');
  let db = await open(dir);
  await db.execute(`CREATE SOURCE s (id BIGINT) WITH (connector = 'datagen', number_of_rows = 50, fields.id.kind = 'sequence')`);
  await until('finished', () => stateOf(db, 's') === 'finished');
  await db.execute('DROP SOURCE s');
  await db.execute(`CREATE SOURCE s (id BIGINT) WITH (connector = 'datagen', number_of_rows = 50, fields.id.kind = 'sequence')`);
  await until('finished again', () => stateOf(db, 's') === 'finished');
  t.same(await db.query('SELECT count(*) AS n, max(id) AS hi FROM s'), [{ n: 50, hi: 50 }], 'the new source starts at its beginning');
  await db.close();
  db = await open(dir);
  await sleep(50);
  t.same(await db.query('SELECT count(*) AS n FROM s'), [{ n: 50 }]);
  await db.close();
});

t.test('an onConnectorError handler that throws does not break the producer machinery', async (t) => {
  const thrown = new Promise<Error>((resolve) => process.once('uncaughtException', resolve));
  const db = await open({
    onConnectorError: () => {
      throw new Error('handler bug');
    },
  });
  t.teardown(() => db.close());
  await db.execute(`CREATE SOURCE s (id SMALLINT) WITH (connector = 'datagen', fields.id.kind = 'sequence', fields.id.start = 32767)`);
  t.match(await thrown, { message: 'handler bug' }, 'the handler error is rethrown on its own');
  await until('failed', () => stateOf(db, 's') === 'failed');
  await db.execute('CREATE TABLE still_fine (a INT)');
  t.ok(db.relations().some((r) => r.name === 'still_fine'));
});
