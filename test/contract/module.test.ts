// PRODUCT.md §2: `import { open } from 'laminardb'` (ESM) and `require('laminardb')` (CommonJS)
// both give the whole contract: subscriptions, async iteration, error classes with codes.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { ensureBuilt, root } from '../api/build-package.js';

t.before(ensureBuilt);

function node(args: string[]): unknown {
  return JSON.parse(execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim());
}

const script = `
  const db = await open();
  await db.execute("CREATE TABLE t (g VARCHAR, v INT); CREATE MATERIALIZED VIEW s AS SELECT g, sum(v) AS total FROM t GROUP BY g");
  const sub = db.subscribe('s', { snapshot: true });
  const changes = [];
  const reading = (async () => { for await (const c of sub) { changes.push(c); if (changes.length === 2) break; } })();
  db.insert('t', { g: 'x', v: 1 });
  db.insert('t', { g: 'x', v: 2 });
  await db.flush();
  await reading;
  let bad = null;
  try { db.insert('t', { g: 'x', v: 'nope' }); } catch (e) { bad = { schema: e instanceof SchemaError, base: e instanceof LaminarError, code: e.code, column: e.column }; }
  let syntax = null;
  try { await db.query('SELECT\\n  FROM'); } catch (e) { syntax = { cls: e instanceof SqlSyntaxError, line: e.line, column: e.column }; }
  await db.close();
  await db.close();
  console.log(JSON.stringify({ changes, bad, syntax }));
`;

const expected = {
  changes: [
    { op: 'insert', row: { g: 'x', total: 1 } },
    { op: 'update', row: { g: 'x', total: 3 }, old: { g: 'x', total: 1 } },
  ],
  bad: { schema: true, base: true, code: 'INVALID_VALUE', column: 'v' },
  syntax: { cls: true, line: 2, column: 3 },
};

t.test('CommonJS require', { timeout: 120_000 }, async (t) => {
  const names = 'open, SchemaError, LaminarError, SqlSyntaxError';
  t.same(node(['-e', `const { ${names} } = require('laminardb'); (async () => { ${script} })().catch((e) => { console.error(e); process.exit(1); });`]), expected);
});

t.test('ESM import', { timeout: 120_000 }, async (t) => {
  t.same(node(['--input-type=module', '-e', `import { open, SchemaError, LaminarError, SqlSyntaxError } from 'laminardb'; ${script}`]), expected);
});
