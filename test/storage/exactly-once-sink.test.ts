// The `file` sink: CREATE SINK … WITH (connector = 'file', path, format = 'jsonl') writes a view's
// changes exactly once through the epoch protocol (visible at checkpoints in a durable database,
// at FLUSH in memory), survives restarts and damaged checkpoints without repeating a line, and
// its commit is idempotent.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { StorageError } from '../../lib/errors.js';
import { open } from '../../lib/api/open.js';
import type { Database } from '../../lib/api/database.js';
import { FileSink } from '../../lib/connectors/sinks/file-sink.js';
import { WalWriter } from '../../lib/native/wal.js';
import { RecordEncoder } from '../../lib/storage/record.js';
import { FORMAT_VERSION, writeManifest } from '../../lib/storage/manifest.js';
import { openDurable, tempDir } from './helpers.js';

const SCHEMA = [
  'CREATE TABLE acct (id INT, owner VARCHAR, amount DECIMAL(10,2), PRIMARY KEY (id))',
  'CREATE MATERIALIZED VIEW totals AS SELECT owner, count(*) AS n, sum(amount) AS total FROM acct GROUP BY owner',
];

function lines(file: string): unknown[] {
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as unknown);
}

async function workload(db: Database, from: number, to: number): Promise<void> {
  for (let i = from; i < to; i++) {
    db.insert('acct', [{ id: i, owner: ['ann', 'bob', 'cy'][i % 3], amount: `${i}.50` }]);
    if (i % 4 === 3) await db.execute('UPDATE acct SET amount = amount + 1 WHERE id = $1', [i - 1]);
    if (i % 7 === 6) await db.execute("DELETE FROM acct WHERE owner = 'cy'");
  }
}

/** The view's change stream of an uninterrupted in-memory run, as the sink writes it. */
async function reference(to: number): Promise<unknown[]> {
  const db = await open();
  for (const s of SCHEMA) await db.execute(s);
  const out: unknown[] = [];
  db.subscribe('totals', { onChange: (c) => out.push(c.old === undefined ? { op: c.op, row: c.row } : { op: c.op, row: c.row, old: c.old }) });
  await workload(db, 0, to);
  await db.close();
  return out;
}

t.test('output appears at checkpoints, exactly once, and continues after a restart', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'out.jsonl');
  let { db } = await openDurable(dir, { checkpointIntervalMs: 0 });
  for (const s of SCHEMA) await db.execute(s);
  await db.execute("CREATE SINK out FROM totals WITH (connector = 'file', path = 'out.jsonl', format = 'jsonl')");
  await workload(db, 0, 10);
  await db.flush();
  t.same(lines(file), [], 'nothing is visible before the checkpoint that commits it (flush only makes the input durable)');
  await db.execute('CHECKPOINT');
  const ref10 = await reference(10);
  t.same(lines(file), ref10, 'the checkpoint committed the epoch: the view\'s changes with op/row/old, in order');
  t.ok(ref10.some((c) => (c as { op: string }).op === 'delete') && ref10.some((c) => (c as { op: string }).op === 'update'), 'deletes and updates are written');
  await db.execute('CHECKPOINT');
  t.same(lines(file), ref10, 'an empty epoch adds nothing');
  await workload(db, 10, 15);
  await db.close();
  t.same(lines(file), await reference(15), 'close() commits the last epoch');
  ({ db } = await openDurable(dir, { checkpointIntervalMs: 0 }));
  t.same(lines(file), await reference(15), 'reopening repeats nothing');
  await workload(db, 15, 22);
  await db.execute('CHECKPOINT');
  t.same(lines(file), await reference(22), 'and continues where it stopped');
  // enough output to spill to a staging file before the drop
  for (let i = 0; i < 40; i++) db.insert('acct', Array.from({ length: 500 }, (_, j) => ({ id: 100_000 + i * 500 + j, owner: `w${j}`, amount: 1 })));
  t.ok(fs.readdirSync(dir).some((f) => f.endsWith('.staging')), 'output was staged');
  await db.execute('DROP SINK out');
  t.same(fs.readdirSync(dir).filter((f) => f.endsWith('.staging')), [], 'DROP SINK discards the staged output');
  await workload(db, 22, 25);
  await db.close();
  t.same(lines(file), await reference(22), 'a dropped sink writes nothing more (and its uncommitted output is gone)');
  t.same(fs.readdirSync(dir).filter((f) => f.includes('staging')), [], 'no staging file is left');
});

t.test('a sink that cannot write: inserts go on, checkpoints fail, the next open writes everything once', async (t) => {
  const dir = tempDir(t);
  const sub = path.join(dir, 'sub');
  const file = path.join(sub, 'out.jsonl');
  const big = (db: Database) => {
    for (let i = 0; i < 40; i++) db.insert('acct', Array.from({ length: 500 }, (_, j) => ({ id: 100_000 + i * 500 + j, owner: `w${j}`, amount: 1 })));
  };
  const warnings: string[] = [];
  let { db } = await openDurable(dir, { checkpointIntervalMs: 0, onWarning: (m: string) => warnings.push(m) });
  for (const s of SCHEMA) await db.execute(s);
  await db.execute("CREATE SINK out FROM totals WITH (connector = 'file', path = 'sub/out.jsonl')");
  await workload(db, 0, 6);
  await db.execute('CHECKPOINT');
  const saved = fs.readFileSync(file);
  // the sink's directory becomes a file: every write to it fails
  fs.rmSync(sub, { recursive: true });
  fs.writeFileSync(sub, 'not a directory');
  await workload(db, 6, 10);
  await t.rejects(db.execute('CHECKPOINT'), { code: 'IO_ERROR' }, 'the checkpoint cannot stage the sink: it fails, nothing is committed');
  t.doesNotThrow(() => big(db), 'inserts are not failed by the sink (enough output to spill)');
  t.match(warnings.join('\n'), /sink "out" stopped/);
  await t.rejects(db.execute('CHECKPOINT'), { code: 'IO_ERROR' }, 'checkpoints keep failing while the sink is stopped');
  await db.close();
  fs.rmSync(sub);
  fs.mkdirSync(sub);
  fs.writeFileSync(file, saved);
  ({ db } = await openDurable(dir, { checkpointIntervalMs: 0 }));
  await db.close();
  const ref = await open();
  for (const s of SCHEMA) await ref.execute(s);
  const expected: unknown[] = [];
  ref.subscribe('totals', { onChange: (c) => expected.push(c.old === undefined ? { op: c.op, row: c.row } : { op: c.op, row: c.row, old: c.old }) });
  await workload(ref, 0, 10);
  big(ref);
  await ref.close();
  t.same(lines(file), expected, 'after reopening, the file holds every change exactly once');
});

t.test('a sink file removed outside the database: a warning, then output continues in a new file', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'out.jsonl');
  let { db } = await openDurable(dir, { checkpointIntervalMs: 0 });
  for (const s of SCHEMA) await db.execute(s);
  await db.execute("CREATE SINK out FROM totals WITH (connector = 'file', path = 'out.jsonl')");
  await workload(db, 0, 6);
  await db.close();
  t.ok(lines(file).length > 0);
  fs.rmSync(file);
  const warnings: string[] = [];
  ({ db } = await openDurable(dir, { checkpointIntervalMs: 0, onWarning: (m: string) => warnings.push(m) }));
  t.match(warnings.join('\n'), /sink "out".*appends from the file's current end/s);
  await workload(db, 6, 9);
  await db.close();
  t.same(lines(file), (await reference(9)).slice((await reference(6)).length), 'only the changes after the removal');
});

t.test('a sink created on a view with rows starts with them; values are JSON', async (t) => {
  const dir = tempDir(t);
  const { db } = await openDurable(dir, { checkpointIntervalMs: 0 });
  await db.execute('CREATE TABLE m (id BIGINT, at TIMESTAMP, note VARCHAR, ok BOOLEAN, b BYTEA, PRIMARY KEY (id))');
  db.insert('m', [{ id: 1, at: new Date(Date.UTC(2024, 0, 2, 3, 4, 5)), note: null, ok: true, b: new Uint8Array([104, 105]) }]);
  const sub = path.join(dir, 'nested', 'dir');
  await db.execute(`CREATE SINK s FROM m WITH (connector = 'file', path = '${sub}/m.jsonl')`);
  db.insert('m', [{ id: 2, at: null, note: 'x"y\n', ok: false, b: null }]);
  await db.close();
  t.same(lines(path.join(sub, 'm.jsonl')), [
    { op: 'insert', row: { id: 1, at: '2024-01-02T03:04:05.000Z', note: null, ok: true, b: 'aGk=' } },
    { op: 'insert', row: { id: 2, at: null, note: 'x"y\n', ok: false, b: null } },
  ]);
});

t.test('bad sink options are refused before anything is logged', async (t) => {
  const dir = tempDir(t);
  let { db } = await openDurable(dir);
  for (const s of SCHEMA) await db.execute(s);
  const bad: [string, RegExp][] = [
    ["CREATE SINK s FROM totals WITH (connector = 'file')", /needs path/],
    ["CREATE SINK s FROM totals WITH (connector = 'file', path = 'x', format = 'csv')", /format "csv" is not supported/],
    ["CREATE SINK s FROM totals WITH (connector = 'file', path = 'x', compression = 'gzip')", /unknown option "compression"/],
    ["CREATE SINK s AS SELECT owner FROM totals WITH (connector = 'file', path = 'x')", /use CREATE SINK s FROM <view>/],
  ];
  for (const [sql, message] of bad) await t.rejects(db.execute(sql), { code: 'INVALID_ARGUMENT', message }, sql);
  await db.close();
  ({ db } = await openDurable(dir));
  t.same(db.relations().map((r) => r.name).sort(), ['acct', 'totals'], 'no sink reached the catalog or the log');
  await db.close();
});

t.test('a file sink with bad options logged by an older version does not stop the database from opening', async (t) => {
  const dir = tempDir(t);
  const enc = new RecordEncoder();
  const wal = WalWriter.open(path.join(dir, 'wal'), { segmentBytes: 1 << 20 });
  wal.append(enc.execute(SCHEMA.join(';\n'), []).slice());
  wal.append(enc.execute("CREATE SINK old FROM totals WITH (connector = 'file')", []).slice());
  await wal.close();
  writeManifest(dir, { format: FORMAT_VERSION, walDir: 'wal', durableLsn: 0, epoch: 0, reason: 'test', writtenAt: '' });
  const { db, warnings } = await openDurable(dir);
  t.match(warnings.join('\n'), /sink "old" is not started: .*needs path/);
  t.same(db.relations().map((r) => r.name).sort(), ['acct', 'old', 'totals']);
  db.insert('acct', [{ id: 1, owner: 'a', amount: 1 }]);
  await db.close();
});

t.test('a damaged newest checkpoint: recovery from the previous one repeats no committed line', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'out.jsonl');
  let { db } = await openDurable(dir, { checkpointIntervalMs: 0, changelog: { views: ['totals'] } });
  for (const s of SCHEMA) await db.execute(s);
  await db.execute("CREATE SINK out FROM totals WITH (connector = 'file', path = 'out.jsonl')");
  const seen: { position?: { lsn: number; index: number } }[] = [];
  db.subscribe('totals', { onChange: (c) => seen.push(c) });
  await workload(db, 0, 6);
  await db.execute('CHECKPOINT');
  await workload(db, 6, 12);
  await db.execute('CHECKPOINT');
  await workload(db, 12, 14);
  await db.close(); // checkpoints: the sink's output was pending
  const checkpoints = fs.readdirSync(path.join(dir, 'checkpoints')).map(Number).sort((a, b) => a - b);
  const newest = path.join(dir, 'checkpoints', String(checkpoints[checkpoints.length - 1]), 'state.ckpt');
  const bytes = fs.readFileSync(newest);
  bytes[bytes.length >> 1] ^= 0xff;
  fs.writeFileSync(newest, bytes);
  t.same(lines(file), await reference(14), 'everything was committed before the damage');
  const warnings: string[] = [];
  ({ db } = await openDurable(dir, { checkpointIntervalMs: 0, changelog: { views: ['totals'] }, onWarning: (m: string) => warnings.push(m) }));
  t.match(warnings.join('\n'), /falling back|checkpoint/, 'recovery used the previous checkpoint');
  await workload(db, 14, 16);
  await db.close();
  t.same(lines(file), await reference(16), 'every change once, although replay recomputed changes the sink had committed');
  ({ db } = await openDurable(dir, { checkpointIntervalMs: 0, changelog: { views: ['totals'] } }));
  const again: unknown[] = [];
  db.subscribe('totals', { from: seen[3]!.position, onChange: (c) => again.push(c.old === undefined ? { op: c.op, row: c.row } : { op: c.op, row: c.row, old: c.old }) });
  t.same(again, (await reference(16)).slice(4), 'the changelog repeats nothing either');
  await db.close();
});

t.test('FileSink: commit is idempotent and recovery repairs an interrupted commit', async (t) => {
  const dir = tempDir(t);
  const target = path.join(dir, 'o.jsonl');
  const fmt = (c: { op: string; row: unknown[] }) => JSON.stringify([c.op, ...c.row]);
  const sink = new FileSink('o', target, fmt as never);
  sink.recover(undefined);
  t.equal(sink.preCommit(1), null, 'nothing staged: no handle');
  sink.write(1, [{ op: 'insert', row: [1] }, { op: 'insert', row: [2] }]);
  sink.write(2, [{ op: 'delete', row: [1] }]);
  const h1 = sink.preCommit(1)!;
  t.same(h1.files.length, 1, 'the epoch-1 handle names only epoch 1');
  t.equal(fs.existsSync(target), false, 'pre-committed data is not visible');
  sink.commit(1, h1);
  sink.commit(1, h1);
  t.equal(fs.readFileSync(target, 'utf8'), '["insert",1]\n["insert",2]\n', 'committing twice writes once');
  const h2 = sink.preCommit(2)!;
  t.equal(h2.base, fs.statSync(target).size);
  // a crash in the middle of the commit: part of the epoch appended
  fs.appendFileSync(target, '["del');
  const again = new FileSink('o', target, fmt as never);
  again.recover({ sink: 'o', epoch: 2, lsn: 9, handle: h2 });
  t.equal(fs.readFileSync(target, 'utf8'), '["insert",1]\n["insert",2]\n["delete",1]\n', 'recovery cut the torn part and committed the epoch');
  t.same(fs.readdirSync(dir).filter((f) => f.endsWith('.staging')), [], 'staged files are gone');
  again.recover({ sink: 'o', epoch: 2, lsn: 9, handle: h2 });
  t.equal(fs.readFileSync(target, 'utf8').split('\n').length, 4, 'recovering again changes nothing');
  // staged epochs no MANIFEST names are aborted
  again.write(3, [{ op: 'insert', row: [3] }]);
  again.preCommit(3);
  const third = new FileSink('o', target, fmt as never);
  third.recover({ sink: 'o', epoch: 2, lsn: 9, handle: h2 });
  t.same(fs.readdirSync(dir).filter((f) => f.endsWith('.staging')), [], 'an orphaned staged epoch is deleted');
  t.equal(fs.readFileSync(target, 'utf8').split('\n').length, 4, 'and never reaches the file');
  fs.truncateSync(target, 3);
  t.throws(() => new FileSink('o', target, fmt as never).recover({ sink: 'o', epoch: 2, lsn: 9, handle: h2 }), StorageError, 'a file cut below committed output is CORRUPTION');
  t.throws(() => new FileSink('o', target, fmt as never).recover({ sink: 'o', epoch: 2, lsn: 9, handle: { files: 'x' } }), { code: 'CORRUPTION' });
});

t.test('in memory: a file sink writes at FLUSH and close', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'mem.jsonl');
  const db = await open();
  for (const s of SCHEMA) await db.execute(s);
  await db.execute(`CREATE SINK out FROM totals WITH (connector = 'file', path = '${file}')`);
  await t.rejects(db.execute("CREATE SINK bad FROM totals WITH (connector = 'file')"), { code: 'INVALID_ARGUMENT' });
  await workload(db, 0, 5);
  t.same(lines(file), []);
  await db.flush();
  t.same(lines(file), await reference(5), 'flush() commits');
  await workload(db, 5, 8);
  await db.execute('FLUSH');
  t.same(lines(file), await reference(8), 'FLUSH commits');
  await workload(db, 8, 9);
  await db.close();
  t.same(lines(file), await reference(9), 'close commits');
});
