// Durable change positions: every change of a durable database carries its position, and
// subscribe(view, { from }) after a restart delivers exactly the changes after it (checked
// against the full change sequence of an uninterrupted run), then continues live.
import t, { type Test } from 'tap';
import { StorageError } from '../../lib/errors.js';
import { open } from '../../lib/api/open.js';
import type { Database } from '../../lib/api/database.js';
import type { Change } from '../../lib/api/subscription.js';
import * as fs from 'node:fs';
import { readSegment, writeSegment } from '../../lib/storage/changelog-segment.js';
import type { EngineChange } from '../../lib/engine/types.js';
import { openDurable, tempDir } from './helpers.js';

/** Asserts fn throws a StorageError with `code`. */
function throwsStorage(t: Test, fn: () => unknown, code: string, message: RegExp, what: string): void {
  try {
    fn();
    t.ok(false, `${what}: did not throw`);
  } catch (e) {
    t.ok(e instanceof StorageError && e.code === code && message.test(e.message), `${what}: ${(e as Error).message}`);
  }
}

type Seen = { op: string; row: unknown; old?: unknown; position: { lsn: number; index: number } };

const CHANGELOG = { changelog: { views: ['totals', 'acct'] } };

async function schema(db: Database): Promise<void> {
  await db.execute('CREATE TABLE acct (id INT, owner VARCHAR, amount DECIMAL(10,2), PRIMARY KEY (id))');
  await db.execute('CREATE MATERIALIZED VIEW totals AS SELECT owner, count(*) AS n, sum(amount) AS total FROM acct GROUP BY owner');
}

/** Step i of a deterministic workload: inserts, updates, deletes, flushes and checkpoints. */
async function step(db: Database, i: number): Promise<void> {
  const owner = ['ann', 'bob', 'cy', null][i % 4];
  db.insert('acct', [
    { id: i, owner, amount: `${i}.25` },
    { id: 1000 + i, owner: 'bob', amount: i % 3 },
  ]);
  if (i % 3 === 1) await db.execute('UPDATE acct SET amount = amount + 1 WHERE id = $1', [i - 1]);
  if (i % 5 === 2) await db.execute('DELETE FROM acct WHERE id = $1', [1000 + i - 2]);
  if (i % 9 === 8) await db.execute("DELETE FROM acct WHERE owner = 'cy'");
  if (i % 4 === 3) await db.flush();
  if (i % 6 === 5) await db.execute('CHECKPOINT');
}

const STEPS = 36;

function record(into: Seen[]): (c: Change) => void {
  return (c) => {
    t.ok(c.position, 'every change of a durable database has a position');
    into.push({ op: c.op, row: c.row, ...(c.old ? { old: c.old } : {}), position: c.position! });
  };
}

/** The uninterrupted run: every change of `totals`, in order. */
async function reference(t: Test): Promise<{ dir: string; all: Seen[] }> {
  const dir = tempDir(t);
  const { db } = await openDurable(dir, CHANGELOG);
  await schema(db);
  const all: Seen[] = [];
  db.subscribe('totals', { onChange: record(all) });
  for (let i = 0; i < STEPS; i++) await step(db, i);
  await db.flush();
  await db.close();
  return { dir, all };
}

t.test('positions grow strictly and are absent in memory', async (t) => {
  const { all } = await reference(t);
  t.ok(all.length > 50, `the workload produces changes (${all.length})`);
  t.ok(all.some((c) => c.op === 'update') && all.some((c) => c.op === 'delete'), 'updates and deletes among them');
  for (let i = 1; i < all.length; i++) {
    const a = all[i - 1]!.position;
    const b = all[i]!.position;
    if (!(b.lsn > a.lsn || (b.lsn === a.lsn && b.index === a.index + 1)) || (b.lsn > a.lsn && b.index !== 0)) {
      t.fail(`positions out of order at ${i}: ${JSON.stringify(a)} then ${JSON.stringify(b)}`);
      return;
    }
  }
  const mem = await open();
  await schema(mem);
  const seen: Change[] = [];
  mem.subscribe('totals', { onChange: (c) => seen.push(c) });
  mem.insert('acct', [{ id: 1, owner: 'a', amount: 1 }]);
  t.equal(seen.length, 1);
  t.equal(seen[0]!.position, undefined, 'an in-memory database has no durable positions');
  t.throws(() => mem.subscribe('totals', { from: { lsn: 1, index: 0 } }), { code: 'INVALID_ARGUMENT' });
  await mem.close();
});

t.test('after a restart, resuming from every position delivers exactly the rest, then continues live', async (t) => {
  const { dir, all } = await reference(t);
  const { db } = await openDurable(dir, CHANGELOG);
  // every position, the start, and the last one
  for (let k = -1; k < all.length; k++) {
    const from = k < 0 ? { lsn: 0, index: 0 } : all[k]!.position;
    const got: Seen[] = [];
    const sub = db.subscribe('totals', { from, onChange: record(got) });
    if (JSON.stringify(got) !== JSON.stringify(all.slice(k + 1))) {
      t.same(got, all.slice(k + 1), `resume after change ${k} (${JSON.stringify(from)})`);
      return;
    }
    sub.close();
  }
  t.pass(`${all.length + 1} resume points each delivered exactly the changes after them`);
  // iterated subscriptions catch up too, and then receive live changes with continuing positions
  const sub = db.subscribe('totals', { from: all[all.length - 5]!.position });
  db.insert('acct', [{ id: 5000, owner: 'zed', amount: 1 }]);
  const it = sub[Symbol.asyncIterator]();
  const next: Change[] = [];
  for (let i = 0; i < 5; i++) next.push((await it.next()).value as Change);
  t.same(next.map((c) => c.position), all.slice(-4).map((c) => c.position).concat([next[4]!.position!]));
  t.same(next[4]!.row, { owner: 'zed', n: 1, total: '1.00' });
  t.ok(next[4]!.position!.lsn > all[all.length - 1]!.position.lsn, 'live positions continue after the recovered ones');
  sub.close();
  await db.close();
});

t.test('a consumer that restarts at many points sees the uninterrupted sequence exactly once', async (t) => {
  const { all } = await reference(t);
  // restart after different numbers of steps; the consumer resumes from the last position it stored
  for (const cut of [0, 1, 5, 6, 11, 17, 23, 30, 35]) {
    const dir = tempDir(t);
    let { db } = await openDurable(dir, CHANGELOG);
    await schema(db);
    const got: Seen[] = [];
    db.subscribe('totals', { onChange: record(got) });
    for (let i = 0; i < cut; i++) await step(db, i);
    await db.flush();
    await db.close();
    ({ db } = await openDurable(dir, CHANGELOG));
    const last = got[got.length - 1]?.position ?? { lsn: 0, index: 0 };
    db.subscribe('totals', { from: last, onChange: record(got) });
    for (let i = cut; i < STEPS; i++) await step(db, i);
    await db.flush();
    await db.close();
    // the restart's own FLUSH record shifts later LSNs: compare the changes, and the positions' order
    const strip = (xs: Seen[]) => xs.map(({ position: _p, ...c }) => c);
    t.same(strip(got), strip(all), `restart after step ${cut}: ${got.length} changes, none missing, none repeated`);
    t.ok(got.every((c, i) => i === 0 || c.position.lsn > got[i - 1]!.position.lsn || c.position.index === got[i - 1]!.position.index + 1), 'positions grow');
  }
});

t.test('a table keeps a changelog too; a view without one cannot resume', async (t) => {
  const dir = tempDir(t);
  let { db } = await openDurable(dir, { changelog: { views: ['acct'] } });
  await schema(db);
  const seen: Seen[] = [];
  db.subscribe('acct', { onChange: record(seen) });
  for (let i = 0; i < 8; i++) await step(db, i);
  await db.close();
  ({ db } = await openDurable(dir, { changelog: { views: ['acct'] } }));
  const again: Seen[] = [];
  db.subscribe('acct', { from: seen[3]!.position, onChange: record(again) });
  t.same(again, seen.slice(4));
  t.throws(() => db.subscribe('totals', { from: seen[0]!.position }), { code: 'INVALID_ARGUMENT', message: /keeps no changelog/ });
  t.throws(() => db.subscribe('acct', { from: seen[0]!.position, snapshot: true }), { code: 'INVALID_ARGUMENT' });
  t.throws(() => db.subscribe('acct', { from: { lsn: -1, index: 0 } }), { code: 'INVALID_ARGUMENT' });
  throwsStorage(t, () => db.subscribe('acct', { from: { lsn: 10_000_000, index: 0 } }), 'POSITION_AHEAD', /after the end of the log/, 'a position after the log');
  await db.close();
});

t.test('retention: positions older than the retained epochs fail with POSITION_EXPIRED', async (t) => {
  const dir = tempDir(t);
  const opts = { changelog: { views: ['totals'], retainCheckpoints: 2 } };
  let { db } = await openDurable(dir, opts);
  await schema(db);
  const all: Seen[] = [];
  db.subscribe('totals', { onChange: record(all) });
  const marks: number[] = [];
  for (let i = 0; i < 5; i++) {
    db.insert('acct', [{ id: i, owner: `o${i}`, amount: 1 }]);
    await db.execute('CHECKPOINT');
    marks.push(all.length);
  }
  await db.close();
  ({ db } = await openDurable(dir, opts));
  // retained: the last 2 epochs (changes 3 and 4); resuming after change 2 is the oldest point
  const rest: Seen[] = [];
  db.subscribe('totals', { from: all[2]!.position, onChange: record(rest) });
  t.same(rest, all.slice(3));
  for (const k of [0, 1]) {
    throwsStorage(t, () => db.subscribe('totals', { from: all[k]!.position }), 'POSITION_EXPIRED', /older than the retained changelog/, `after change ${k}`);
  }
  throwsStorage(t, () => db.subscribe('totals', { from: { lsn: 0, index: 0 } }), 'POSITION_EXPIRED', /older/, 'the start');
  await db.close();
});

t.test('open rejects a malformed changelog option', async (t) => {
  const dir = tempDir(t);
  await t.rejects(openDurable(dir, { changelog: { views: 'totals' } }), { code: 'INVALID_ARGUMENT' });
  await t.rejects(openDurable(dir, { changelog: { views: ['v'], retainCheckpoints: 0 } }), { code: 'INVALID_ARGUMENT' });
});

t.test('inserts made from inside a subscriber callback get the positions replay gives them', async (t) => {
  const dir = tempDir(t);
  let { db } = await openDurable(dir, CHANGELOG);
  await schema(db);
  // the first subscriber reacts to some changes by inserting: its insert runs as a later step,
  // while later listeners (another tap of the table, the view) still receive the current step's
  let next = 10_000;
  db.subscribe('acct', {
    onChange: (c) => {
      if (c.op === 'insert' && (c.row as { id: number }).id % 3 === 0 && next < 10_040) {
        db.insert('acct', [{ id: next++, owner: 'echo', amount: 1 }]);
      }
    },
  });
  const streams: Record<string, Seen[]> = { acct: [], totals: [] };
  db.subscribe('acct', { onChange: record(streams.acct!) });
  db.subscribe('totals', { onChange: record(streams.totals!) });
  for (let i = 0; i < 24; i++) await step(db, i);
  await db.flush();
  await db.close();
  t.ok(next > 10_000, `callbacks inserted (${next - 10_000} rows)`);
  ({ db } = await openDurable(dir, CHANGELOG));
  for (const [view, all] of Object.entries(streams)) {
    let ok = true;
    for (let k = 0; k < all.length && ok; k += 3) {
      const got: Seen[] = [];
      db.subscribe(view, { from: all[k]!.position, onChange: record(got) }).close();
      if (JSON.stringify(got) !== JSON.stringify(all.slice(k + 1))) {
        t.same(got, all.slice(k + 1), `${view}: resume after change ${k}`);
        ok = false;
      }
    }
    if (ok) t.pass(`${view}: every third of ${all.length} resume points matched`);
  }
  await db.close();
});

t.test('a damaged changelog segment: the database opens, the history before it is expired', async (t) => {
  const dir = tempDir(t);
  let { db } = await openDurable(dir, CHANGELOG);
  await schema(db);
  const all: Seen[] = [];
  db.subscribe('totals', { onChange: record(all) });
  for (let i = 0; i < 12; i++) await step(db, i);
  await db.execute('CHECKPOINT');
  const before = all.length;
  for (let i = 12; i < 16; i++) await step(db, i);
  await db.close();
  const folder = `${dir}/changelog`;
  const { readdirSync, readFileSync, writeFileSync } = fs;
  const newest = readdirSync(folder).sort((a, b) => parseInt(a) - parseInt(b)).pop()!;
  const bytes = readFileSync(`${folder}/${newest}`);
  bytes[bytes.length - 3] ^= 0x55;
  writeFileSync(`${folder}/${newest}`, bytes);
  const warnings: string[] = [];
  ({ db } = await openDurable(dir, { ...CHANGELOG, onWarning: (m: string) => warnings.push(m) }));
  t.match(warnings.join('\n'), /changelog segment .* is damaged.*dropped/s, 'a warning names the damage');
  throwsStorage(t, () => db.subscribe('totals', { from: all[1]!.position }), 'POSITION_EXPIRED', /older than the retained changelog/, 'a position in the lost history');
  const rest: Seen[] = [];
  db.subscribe('totals', { from: all[before]!.position, onChange: record(rest) });
  t.same(rest, all.slice(before + 1), 'changes after the last checkpoint are still there (replay recomputed them)');
  await db.close();
  ({ db } = await openDurable(dir, CHANGELOG));
  t.same(readdirSync(folder), [], 'the damaged segment is gone and the MANIFEST no longer names it');
  await db.close();
});

t.test("changelog '*' keeps every subscribable relation, including ones created later", async (t) => {
  const dir = tempDir(t);
  const opts = { changelog: { views: '*' as const } };
  let { db } = await openDurable(dir, opts);
  await schema(db);
  const streams: Record<string, Seen[]> = { acct: [], totals: [], late: [] };
  db.subscribe('acct', { onChange: record(streams.acct!) });
  db.subscribe('totals', { onChange: record(streams.totals!) });
  for (let i = 0; i < 6; i++) await step(db, i);
  await db.execute("CREATE MATERIALIZED VIEW late AS SELECT count(*) AS c FROM acct WHERE owner = 'ann'");
  db.subscribe('late', { onChange: record(streams.late!) });
  for (let i = 6; i < 14; i++) await step(db, i);
  await db.close();
  ({ db } = await openDurable(dir, opts));
  for (const [view, all] of Object.entries(streams)) {
    t.ok(all.length >= 2, `${view} changed (${all.length})`);
    const got: Seen[] = [];
    db.subscribe(view, { from: all[0]!.position, onChange: record(got) }).close();
    t.same(got, all.slice(1), `${view}: resumed exactly`);
  }
  await db.close();
});

t.test('changelog segments: multi-frame round trip, damage detected', async (t) => {
  const dir = tempDir(t);
  const changes: EngineChange[] = Array.from({ length: 40_000 }, (_, i): EngineChange =>
    i % 3 === 0
      ? { op: 'insert' as const, row: [i, `s${i}`, null], position: { lsn: 1 + Math.floor(i / 1000), index: i % 1000 } }
      : { op: 'update' as const, row: [i % 7, i * 3, i * 0.5], old: [i % 7, i * 3 - 3, null], position: { lsn: 1 + Math.floor(i / 1000), index: i % 1000 } },
  );
  const ref = { file: '3.clog', fromLsn: 0, toLsn: 40 };
  await writeSegment(dir, ref, { fromLsn: 0, toLsn: 40, views: { v: { before: { lsn: 0, index: 2 }, changes }, w: { before: null, changes: [] } } });
  const back = readSegment(dir, ref);
  t.same(back.views.v!.changes, changes, '40 000 changes (3 frames) come back equal');
  t.same(back.views.v!.before, { lsn: 0, index: 2 });
  t.same(back.views.w!.changes, []);
  t.throws(() => readSegment(dir, { ...ref, toLsn: 41 }), { code: 'CORRUPTION', message: /the MANIFEST says/ });
  const file = `${dir}/changelog/3.clog`;
  const bytes = fs.readFileSync(file);
  fs.writeFileSync(file, bytes.subarray(0, bytes.length - 100));
  t.throws(() => readSegment(dir, ref), { code: 'CORRUPTION', message: /damaged/ }, 'truncated');
  bytes[bytes.length >> 1] ^= 1;
  fs.writeFileSync(file, bytes);
  t.throws(() => readSegment(dir, ref), { code: 'CORRUPTION', message: /checksum/ }, 'flipped');
  fs.rmSync(file);
  t.throws(() => readSegment(dir, ref), { code: 'CORRUPTION', message: /cannot be read/ }, 'missing');
});
