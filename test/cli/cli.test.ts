// The CLI as a user runs it: main() with real streams over the real engine, plus the built
// bin/laminardb.js for exit codes.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureBuilt, root } from '../api/build-package.js';
import { runCli } from './run-cli.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'laminar-cli-'));
t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }));

t.test('--help and unknown commands', async (t) => {
  const help = await runCli(['--help']);
  t.equal(help.code, 0);
  t.match(help.out, /Usage: laminardb <command>/);
  const bad = await runCli(['frobnicate']);
  t.equal(bad.code, 2);
  t.equal(bad.err, 'laminardb: unknown command "frobnicate" (see laminardb --help)\n');
  const badOpt = await runCli(['run', 'x.sql', '--nope']);
  t.equal(badOpt.code, 2);
  t.match(badOpt.err, /^laminardb: unknown option --nope/);
});

t.test('sql with piped stdin runs a script: multi-line statements, tables, tags', async (t) => {
  const script = `CREATE TABLE t (
  id INT PRIMARY KEY,
  name VARCHAR
);
INSERT INTO t VALUES (1, 'a'), (20, NULL);
-- a comment line
SELECT id, name FROM t ORDER BY id;`;
  const r = await runCli(['sql'], { stdin: script });
  t.equal(r.err, '');
  t.equal(r.code, 0);
  t.equal(r.out, ['CREATE TABLE', 'INSERT 2', ' id | name', '----+------', '  1 | a', ' 20 |', '(2 rows)', ''].join('\n'));
});

t.test('a bad statement in a script: one error line with its position, non-zero exit, later statements not run', async (t) => {
  const r = await runCli(['sql'], { stdin: 'CREATE TABLE t (id INT);\nSELECT id\n  FROM t WHERE;\nINSERT INTO t VALUES (1);\n' });
  t.equal(r.code, 1);
  t.equal(r.out, 'CREATE TABLE\n');
  t.match(r.err, /^<stdin>:3:\d+: SqlSyntaxError \(SYNTAX_ERROR\): .+\n$/);
  t.equal(r.err.split('\n').length, 2, 'exactly one line');
});

t.test('run file.sql prints results; errors name the file and line', async (t) => {
  const good = path.join(tmp, 'good.sql');
  fs.writeFileSync(good, "CREATE TABLE t (id INT PRIMARY KEY);\nINSERT INTO t VALUES (7);\nSELECT count(*) FROM t;\n");
  const r = await runCli(['run', good]);
  t.equal(r.code, 0);
  t.match(r.out, /count\n-+\n +1\n\(1 row\)\n$/);
  const bad = path.join(tmp, 'bad.sql');
  fs.writeFileSync(bad, 'CREATE TABLE t (id INT);\n\nSELECT * FROM missing;\n');
  const e = await runCli(['run', bad]);
  t.equal(e.code, 1);
  t.match(e.err, new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:\\d+: CatalogError \\(UNKNOWN_OBJECT\\)`));
  const missing = await runCli(['run', path.join(tmp, 'nope.sql')]);
  t.equal(missing.code, 2);
  t.match(missing.err, /cannot read .*nope\.sql: no such file/);
});

t.test('interactive shell: prompts, \\d, \\timing, \\q', async (t) => {
  const input = ['CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR NOT NULL);', 'SELECT', '  1 AS one;', '\\d', '\\d t', '\\timing off', 'SELECT 2 AS two;', 'SELEC 3;', '\\q', 'SELECT 4;'].join('\n');
  const r = await runCli(['sql'], { stdin: input + '\n', stdinTty: true });
  t.equal(r.code, 0);
  t.match(r.out, /laminardb=> /);
  t.match(r.out, /laminardb-> /, 'continuation prompt for a multi-line statement');
  t.match(r.out, / one\n-----\n +1\n\(1 row\)\nTime: \d+\.\d{3} ms/);
  t.match(r.out, / t +\| table +\| +2/);
  t.match(r.out, /table "t"/);
  t.match(r.out, / id +\| INT +\| no +\| PK/);
  t.match(r.out, /Timing is off\./);
  t.match(r.out, / two\n-----\n +2\n\(1 row\)\n(?!Time)/);
  t.match(r.out + r.err, /SqlSyntaxError/, 'error reported, session continues');
  t.notMatch(r.out, /\b4\b\n\(1 row\)/, 'nothing runs after \\q');
});

t.test('codegen from schema scripts', async (t) => {
  const schema = path.join(tmp, 'schema.sql');
  fs.writeFileSync(schema, 'CREATE TABLE person (id INT PRIMARY KEY, name VARCHAR NOT NULL);');
  const out = path.join(tmp, 'db.ts');
  const r = await runCli(['codegen', '--schema', schema, '--out', out]);
  t.equal(r.code, 0, r.err);
  t.match(fs.readFileSync(out, 'utf8'), /export interface DB \{\n  person: Person;\n\}/);
  const bad = path.join(tmp, 'bad-schema.sql');
  fs.writeFileSync(bad, 'CREATE TABLE (');
  const e = await runCli(['codegen', '--schema', bad]);
  t.equal(e.code, 1);
  t.match(e.err, /bad-schema\.sql:1:\d+: SqlSyntaxError/);
});

t.test('a durable database across CLI sessions: sql, codegen --db, run --db', async (t) => {
  const dir = path.join(tmp, 'durable');
  const first = await runCli(['sql', dir], { stdin: "CREATE TABLE item (id INT PRIMARY KEY, label VARCHAR NOT NULL);\nINSERT INTO item VALUES (1, 'x');\n" });
  t.equal(first.code, 0, first.err);
  const types = await runCli(['codegen', '--db', dir]);
  t.equal(types.code, 0, types.err);
  t.match(types.out, /export interface Item \{\n  id: number;\n  label: string;\n\}/);
  const script = path.join(tmp, 'count.sql');
  fs.writeFileSync(script, 'SELECT count(*) AS n FROM item;');
  const r = await runCli(['run', script, '--db', dir]);
  t.equal(r.code, 0, r.err);
  t.match(r.out, / n\n---\n 1\n\(1 row\)/);
});

t.test('bin/laminardb.js exits non-zero with one error line', { timeout: 120_000 }, async (t) => {
  await ensureBuilt();
  const r = spawnSync(process.execPath, [path.join(root, 'bin', 'laminardb.js'), 'sql'], { input: 'SELECT FROM WHERE;\n', encoding: 'utf8' });
  t.equal(r.status, 1);
  t.match(r.stderr, /^<stdin>:1:\d+: SqlSyntaxError \(SYNTAX_ERROR\): .*\n$/);
  const v = spawnSync(process.execPath, [path.join(root, 'bin', 'laminardb.js'), '--version'], { encoding: 'utf8' });
  t.equal(v.stdout.trim(), JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).version);
});

t.test('--help after every command prints that command\'s usage and runs nothing', async (t) => {
  for (const command of ['sql', 'run', 'codegen', 'demo']) {
    const r = await runCli([command, '--help'], { stdin: 'SELECT 1;\n' });
    t.equal(r.code, 0, command);
    t.equal(r.err, '');
    t.match(r.out, new RegExp(`^Usage: laminardb ${command} `), command);
    t.notMatch(r.out, /\(1 row\)/, 'the piped script was not run');
  }
  const h = await runCli(['run', 'missing.sql', '-h']);
  t.equal(h.code, 0, '-h wins over a missing file');
});
