// The file connector: CSV and JSON lines read once to the end, exactly, with clear errors.
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { open, type Database } from '../../lib/index.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'laminar-file-'));
t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, text);
  return p;
}

async function settled(db: Database, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (db.connectors().some((c) => c.state === 'running' || c.state === 'paused')) {
    if (Date.now() > until) throw new Error('connectors still running');
    await new Promise((r) => setTimeout(r, 5));
  }
}

t.test('CSV with a header: quotes, NULLs, CRLF, blank lines, columns in any order or missing', async (t) => {
  const csv = file('people.csv', 'name,id,ts\r\n"Smith, Anna",1,2024-01-01 00:00:00\r\n,2,2024-01-01 00:00:01\r\n\r\n"",3,\r\n"say ""hi""",4,2024-01-01 00:00:03\r\n');
  const db = await open();
  t.teardown(() => db.close());
  await db.execute(`CREATE SOURCE p (id INT NOT NULL, name VARCHAR, score DOUBLE, ts TIMESTAMP) WITH (connector = 'file', path = '${csv}')`);
  await settled(db);
  t.match(db.connectors(), [{ source: 'p', connector: 'file', state: 'finished', rows: 4, position: 4, limit: undefined }]);
  t.same(await db.query('SELECT id, name, score, ts FROM p'), [
    { id: 1, name: 'Smith, Anna', score: null, ts: new Date('2024-01-01T00:00:00Z') },
    { id: 2, name: null, score: null, ts: new Date('2024-01-01T00:00:01Z') },
    { id: 3, name: '', score: null, ts: null },
    { id: 4, name: 'say "hi"', score: null, ts: new Date('2024-01-01T00:00:03Z') },
  ]);
});

t.test('CSV without a header, another delimiter, FORMAT PLAIN ENCODE CSV; types cast from text', async (t) => {
  const csv = file('plain.txt', '1;true;2.5;12.30\n2;false;-1e3;0.01\n');
  const db = await open();
  t.teardown(() => db.close());
  await db.execute(`CREATE SOURCE s (id BIGINT, ok BOOLEAN, x DOUBLE, d DECIMAL(10, 2))
    WITH (connector = 'file', path = '${csv}', csv.header = false, csv.delimiter = ';') FORMAT PLAIN ENCODE CSV`);
  await settled(db);
  t.same(await db.query('SELECT * FROM s'), [
    { id: 1, ok: true, x: 2.5, d: '12.30' },
    { id: 2, ok: false, x: -1000, d: '0.01' },
  ]);
});

t.test('JSON lines go through db.insert validation; a large file with multi-byte text crosses read blocks intact', async (t) => {
  const lines: string[] = [];
  for (let i = 0; i < 30_000; i++) lines.push(JSON.stringify({ id: i, label: `é€${i}🙂`.repeat(3), ts: 1_704_067_200_000 + i }));
  const jsonl = file('big.jsonl', lines.join('\n') + '\n');
  t.ok(fs.statSync(jsonl).size > 2 * (1 << 20), 'bigger than two read blocks');
  const db = await open();
  t.teardown(() => db.close());
  await db.execute(`CREATE SOURCE j (id INT, label VARCHAR, ts TIMESTAMP, WATERMARK FOR ts AS ts) WITH (connector = 'file', path = '${jsonl}', batch_size = 5000)`);
  await settled(db);
  t.same(await db.query('SELECT count(*) AS n, count(DISTINCT id) AS ids, sum(length(label)) AS chars FROM j'), [
    { n: 30_000, ids: 30_000, chars: lines.reduce((a, _l, i) => a + [...`é€${i}🙂`.repeat(3)].length, 0) },
  ]);
  t.same(await db.query('SELECT label FROM j WHERE id = 29999'), [{ label: 'é€29999🙂é€29999🙂é€29999🙂' }]);
  t.equal(db.connectors()[0]!.batches, 6);
});

t.test('bad data at run time stops the source with an error naming file, line and column; earlier batches stay', async (t) => {
  const cases: [string, string, string, RegExp, number][] = [
    ['bad.csv', 'id,v\n1,2\n2,x\n', '(id INT, v INT)', /bad\.csv:3: column "v": .*x/, 1],
    ['notnull.csv', 'id,v\n1,3\n1,\n', '(id INT, v INT NOT NULL)', /notnull\.csv:3: column "v" is NOT NULL but the field is empty/, 1],
    ['count.csv', '1,2\n1,2,3\n', '(id INT, v INT)', /count\.csv:2: 3 fields, but "s" has 2 columns/, 1],
    ['quote.csv', 'id,v\n1,"open\n', '(id INT, v VARCHAR)', /quote\.csv:2: unterminated quoted field/, 0],
    ['bad.jsonl', '{"id": 1}\n{"id": 2, "nope": 3}\n', '(id INT)', /bad\.jsonl:2: .*"nope"/, 1],
    ['broken.jsonl', '{"id": 1}\n{"id": \n', '(id INT)', /broken\.jsonl:2: not a JSON value/, 1],
    ['array.jsonl', '[1]\n', '(id INT)', /array\.jsonl:1: each line must be a JSON object/, 0],
  ];
  for (const [name, text, columns, message, before] of cases) {
    const errors: Error[] = [];
    const db = await open({ onConnectorError: (e) => errors.push(e) });
    const header = name === 'count.csv' ? ', csv.header = false' : '';
    await db.execute(`CREATE SOURCE s ${columns} WITH (connector = 'file', path = '${file(name, text)}', batch_size = 1${header})`);
    await settled(db);
    const [status] = db.connectors();
    t.equal(status!.state, 'failed', name);
    t.match(status!.error?.message, message, name);
    t.equal(errors.length, 1, `${name}: reported once`);
    t.same(await db.query('SELECT count(*) AS n FROM s'), [{ n: before }], `${name}: the rows before the bad one were inserted`);
    await db.close();
  }
});

t.test('option errors at CREATE name the option; nothing is created', async (t) => {
  const csv = file('h.csv', 'id,extra\n1,2\n');
  const db = await open();
  t.teardown(() => db.close());
  const cases: [string, RegExp][] = [
    [`CREATE SOURCE s (id INT) WITH (connector = 'file')`, /connector 'file' needs option path/],
    [`CREATE SOURCE s (id INT) WITH (connector = 'file', path = '${path.join(tmp, 'none.csv')}')`, /option 'path': no file .*none\.csv/],
    [`CREATE SOURCE s (id INT) WITH (connector = 'file', path = '${tmp}')`, /is not a file/],
    [`CREATE SOURCE s (id INT) WITH (connector = 'file', path = '${file('data.txt', '1\n')}')`, /cannot tell the file's format from its name: give format = 'json' or 'csv'/],
    [`CREATE SOURCE s (id INT) WITH (connector = 'file', path = '${csv}')`, /the CSV header names "extra", which is not a column \(columns: id\)/],
    [`CREATE SOURCE s (id INT, extra INT) WITH (connector = 'file', path = '${csv}', format = 'xml')`, /option 'format' must be one of 'json', 'csv', 'plain', got 'xml'/],
    [`CREATE SOURCE s (id INT, extra INT) WITH (connector = 'file', path = '${csv}', csv.delimiter = '::')`, /option 'csv.delimiter' must be one character/],
    [`CREATE SOURCE s (id INT, extra INT) WITH (connector = 'file', path = '${csv}', csv.header = 'maybe')`, /option 'csv.header' must be true or false/],
    [`CREATE SOURCE s (id INT) WITH (connector = 'file', path = '${csv}', format = 'json', csv.header = true)`, /csv options do not apply to a JSON file/],
    [`CREATE SOURCE s (id INT, extra INT) WITH (connector = 'file', path = '${csv}', follow = true)`, /unknown option 'follow' for connector 'file'/],
    [`CREATE SOURCE s (b BYTEA) WITH (connector = 'file', path = '${csv}', csv.header = false)`, /cannot read CSV text into column "b" of type BYTEA/],
  ];
  for (const [sql, message] of cases) {
    await t.rejects(db.execute(sql), { code: 'INVALID_OPTION', message }, message.source);
    t.same(db.relations(), []);
  }
});

t.test('durable: a file source resumes at its row after reopen, every row exactly once; EOWC windows close at the end', async (t) => {
  const rows: string[] = ['id,ts'];
  for (let i = 1; i <= 4000; i++) rows.push(`${i},${new Date(Date.UTC(2024, 0, 1) + i * 10).toISOString()}`);
  const csv = file('events.csv', rows.join('\n'));
  const dir = path.join(tmp, 'db');
  let db = await open(dir);
  await db.execute(`CREATE SOURCE e (id INT, ts TIMESTAMP, WATERMARK FOR ts AS ts) WITH (connector = 'file', path = '${csv}', rows_per_second = 8000);
    CREATE MATERIALIZED VIEW w AS SELECT window_start, count(*) AS n FROM TUMBLE(e, ts, INTERVAL '10' SECOND) GROUP BY window_start, window_end EMIT ON WINDOW CLOSE`);
  while (db.connectors()[0]!.rows < 400) await new Promise((r) => setTimeout(r, 5));
  await db.close();
  db = await open(dir);
  t.teardown(() => db.close());
  await settled(db);
  t.same(await db.query('SELECT count(*) AS n, count(DISTINCT id) AS ids, max(id) AS hi FROM e'), [{ n: 4000, ids: 4000, hi: 4000 }]);
  t.same(await db.query('SELECT sum(n) AS n, count(*) AS windows FROM w'), [{ n: 4000, windows: 5 }]);
});

t.test('durable: a file gone since does not stop the database from opening', async (t) => {
  const done = file('done.csv', 'id\n1\n2\n');
  const partial = file('partial.csv', ['id', ...Array.from({ length: 3000 }, (_v, i) => String(i + 1))].join('\n'));
  const dir = path.join(tmp, 'gone');
  let db = await open(dir);
  await db.execute(`CREATE SOURCE a (id INT) WITH (connector = 'file', path = '${done}');
    CREATE SOURCE b (id INT) WITH (connector = 'file', path = '${partial}', rows_per_second = 5000)`);
  while (db.connectors()[1]!.rows < 100) await new Promise((r) => setTimeout(r, 5));
  t.equal(db.connectors()[0]!.state, 'finished');
  await db.close();
  fs.rmSync(done);
  fs.rmSync(partial);
  const errors: { error: Error; source: string }[] = [];
  db = await open({ path: dir, onConnectorError: (error, source) => errors.push({ error, source }) });
  t.teardown(() => db.close());
  await settled(db);
  t.match(db.connectors(), [
    { source: 'a', state: 'finished', error: undefined },
    { source: 'b', state: 'failed', error: { code: 'CONNECTOR_FAILED', message: /source "b" stopped: cannot read .*partial\.csv: no such file/ } },
  ]);
  t.same(errors.map((e) => e.source), ['b']);
  t.same(await db.query('SELECT (SELECT count(*) FROM a) AS a, (SELECT count(*) FROM b) > 0 AS b'), [{ a: 2, b: true }]);
  // creating a source on a missing file is still an error at CREATE
  await t.rejects(db.execute(`CREATE SOURCE c (id INT) WITH (connector = 'file', path = '${done}')`), { code: 'INVALID_OPTION', message: /option 'path': no file/ });
});
