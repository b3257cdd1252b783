// The built package loads by name from CommonJS and ESM, sharing one module instance, and a
// user can open a database and run SQL through either entry.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { ensureBuilt, root } from './build-package.js';

function node(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

t.before(ensureBuilt);

const script = `
  const db = await open();
  await db.execute('CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR)');
  db.insert('t', [{ id: 2, name: 'b' }, { id: 1, name: 'a' }]);
  const rows = await db.query('SELECT name, id FROM t ORDER BY id');
  await db.close();
  let closed = 'no';
  try { db.insert('t', { id: 3 }); } catch (e) { closed = e instanceof ClosedError ? e.code : 'wrong class'; }
  console.log(JSON.stringify({ rows, closed }));
`;
const expected = { rows: [{ name: 'a', id: 1 }, { name: 'b', id: 2 }], closed: 'CLOSED' };

t.test('require("laminardb") works', { timeout: 60_000 }, async (t) => {
  const out = node(['-e', `const { open, ClosedError } = require('laminardb'); (async () => { ${script} })().catch((e) => { console.error(e); process.exit(1); });`]);
  t.same(JSON.parse(out), expected);
});

t.test('import { open } from "laminardb" works', { timeout: 60_000 }, async (t) => {
  const out = node(['--input-type=module', '-e', `import { open, ClosedError } from 'laminardb'; ${script}`]);
  t.same(JSON.parse(out), expected);
});

t.test('ESM and CommonJS share one module instance (instanceof works across them)', { timeout: 60_000 }, async (t) => {
  const out = node([
    '--input-type=module',
    '-e',
    `import { createRequire } from 'node:module';
     import * as esm from 'laminardb';
     const cjs = createRequire(import.meta.url)('laminardb');
     const names = Object.keys(cjs).filter((k) => k !== 'default');
     console.log(JSON.stringify({ same: names.every((k) => esm[k] === cjs[k]), missing: names.filter((k) => !(k in esm)), n: names.length }));`,
  ]);
  const r = JSON.parse(out);
  t.same(r.missing, []);
  t.equal(r.same, true);
  t.ok(r.n > 10, 'the full API is exported');
});
