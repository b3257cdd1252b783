// open(path) through the public API: data and catalog survive close/reopen, the directory is
// created and locked.
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { open } from '../../lib/index.js';

t.test('a durable database keeps its catalog and rows across close and reopen', async (t) => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'laminar-api-durable-'));
  t.teardown(() => fs.rmSync(base, { recursive: true, force: true }));
  const dir = path.join(base, 'nested', 'data');
  {
    await using db = await open(dir);
    t.ok(fs.statSync(dir).isDirectory(), 'directory created');
    t.equal(db.path, dir);
    await db.execute(`CREATE TABLE person (id INT PRIMARY KEY, name VARCHAR NOT NULL, born TIMESTAMP);
      CREATE MATERIALIZED VIEW names AS SELECT name FROM person`);
    db.insert('person', [
      { id: 1, name: 'ann', born: '1990-05-06 00:00:00' },
      { id: 2, name: 'bob', born: null },
    ]);
    t.throws(() => db.insert('person', [{ id: 3, name: 'cy' }, { id: 4, name: null }]), { code: 'NOT_NULL_VIOLATION' });
    await db.execute("UPDATE person SET name = 'bo' WHERE id = 2");
    await db.flush();
    await t.rejects(open(dir), { name: 'StorageError', code: 'DATABASE_LOCKED' }, 'a second open of the same directory is refused');
  }
  await using again = await open({ path: dir });
  t.same(await again.query('SELECT id, name, born FROM person ORDER BY id'), [
    { id: 1, name: 'ann', born: new Date(Date.UTC(1990, 4, 6)) },
    { id: 2, name: 'bo', born: null },
  ]);
  t.same(await again.query('SELECT name FROM names ORDER BY name'), [{ name: 'ann' }, { name: 'bo' }], 'the view was rebuilt');
});
