// `laminardb run` with source connectors: as a child process (exit codes, signals, output) and
// in-process for argument errors.
import t from 'tap';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { open } from '../../lib/index.js';
import { TS_CHILD_ARGS, tsChildEnv } from '../helpers/ts-child.js';
import { runCli } from './run-cli.js';

const root = path.resolve(__dirname, '..', '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'laminar-run-'));
t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }));

function script(name: string, sql: string): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, sql);
  return file;
}

interface Child {
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string }>;
  /** resolves once stdout matches */
  waitFor(pattern: RegExp): Promise<void>;
  kill(signal: NodeJS.Signals): void;
}

/** The CLI in its own process (main() under tsx, as bin/laminardb.js calls it). */
function runChild(args: string[], timeoutMs = 60_000): Child {
  const entry = `require(${JSON.stringify(path.join(root, 'lib', 'cli', 'main.ts'))}).main(process.argv.slice(1), { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr }).then((c) => { process.exitCode = c; })`;
  const child = spawn(process.execPath, [...TS_CHILD_ARGS, '-e', entry, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: tsChildEnv() });
  let out = '';
  let err = '';
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  child.stdout.on('data', (d) => {
    out += d;
    for (const w of [...waiters]) if (w.pattern.test(out)) w.resolve();
  });
  child.stderr.on('data', (d) => (err += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string }>((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, out, err });
    }),
  );
  return {
    done,
    waitFor: (pattern) =>
      new Promise<void>((resolve, reject) => {
        if (pattern.test(out)) return resolve();
        waiters.push({ pattern, resolve });
        void done.then(() => reject(new Error(`exited before printing ${pattern}: ${out}\n${err}`)));
      }),
    kill: (signal) => child.kill(signal),
  };
}

t.test('the example pipeline runs to its end: progress lines, a summary with every source and view, exit 0', async (t) => {
  const r = await runChild(['run', 'examples/pipelines/nexmark.sql', '--interval', '200']).done;
  t.equal(r.code, 0, r.err);
  t.equal(r.err, '');
  const lines = r.out.trim().split('\n');
  t.same(lines.slice(0, 6), ['CREATE SOURCE', 'CREATE SOURCE', 'CREATE SOURCE', 'CREATE MATERIALIZED VIEW', 'CREATE MATERIALIZED VIEW', 'CREATE MATERIALIZED VIEW']);
  const summary = lines.at(-1)!;
  t.match(summary, /^finished in \d+\.\d\d s: 500,000 events \(person 10,000, auction 30,000, bid 460,000\), [\d,]+ events\/s; view changes: bids_per_second 5, local_sellers [\d,]+, hot_auctions [\d,]+; mean batch latency \d+\.\d{3} ms$/);
  for (const line of lines.slice(6, -1)) {
    t.match(line, /^\[\d+\.\d s\] events\/s: person [\d,]+, auction [\d,]+, bid [\d,]+ \| changes\/s: bids_per_second [\d,]+, local_sellers [\d,]+, hot_auctions [\d,]+ \| total [\d,]+ events, [\d,]+ changes/);
  }
});

t.test('SIGINT stops an unbounded pipeline cleanly; the durable database is consistent afterwards', async (t) => {
  const db = path.join(tmp, 'sigint-db');
  const file = script('unbounded.sql', `CREATE SOURCE s (id BIGINT, ts TIMESTAMP, WATERMARK FOR ts AS ts)
    WITH (connector = 'datagen', rows_per_second = 5000, fields.id.kind = 'sequence');
  CREATE MATERIALIZED VIEW c AS SELECT count(*) AS n FROM s;`);
  const child = runChild(['run', file, '--db', db, '--interval', '100']);
  await child.waitFor(/\[\d+\.\d s\] events\/s: s [\d,]+/);
  child.kill('SIGINT');
  const r = await child.done;
  t.equal(r.signal, null);
  t.equal(r.code, 0, r.err);
  t.match(r.out.trim().split('\n').at(-1), /^interrupted in \d+\.\d\d s: [\d,]+ events \(s [\d,]+\)/);
  const reopened = await open({ path: db, startConnectors: false });
  t.teardown(() => reopened.close());
  const [count] = await reopened.query<{ n: number; hi: number }>('SELECT count(*) AS n, max(id) AS hi FROM s');
  t.ok(count!.n > 0);
  t.equal(count!.hi, count!.n, 'a gap-free sequence');
  t.equal(reopened.connectors()[0]!.position, count!.n, 'the recorded position is exactly what is on disk');
  t.same(await reopened.query('SELECT n FROM c'), [{ n: count!.n }], 'the view agrees');
});

t.test('SIGTERM stops it the same way', async (t) => {
  const file = script('term.sql', `CREATE SOURCE s (id BIGINT) WITH (connector = 'datagen', rows_per_second = 2000);`);
  const child = runChild(['run', file, '--interval', '100']);
  await child.waitFor(/events\/s: s /);
  child.kill('SIGTERM');
  const r = await child.done;
  t.equal(r.signal, null);
  t.equal(r.code, 0, r.err);
  t.match(r.out.trim().split('\n').at(-1), /^interrupted in /);
});

t.test('--duration stops an unbounded pipeline', async (t) => {
  const file = script('duration.sql', `CREATE SOURCE s (id BIGINT) WITH (connector = 'datagen', rows_per_second = 1000);`);
  const r = await runChild(['run', file, '--duration', '0.5', '--interval', '100']).done;
  t.equal(r.code, 0, r.err);
  t.match(r.out.trim().split('\n').at(-1), /^stopped after 0\.5 s in 0\.\d\d s: [\d,]+ events \(s [\d,]+\), [\d,]+ events\/s/);
});

t.test('a connector failing at run time: the summary, then its error line, exit 1', async (t) => {
  const file = script('overflow.sql', `CREATE SOURCE s (id SMALLINT) WITH (connector = 'datagen', rows_per_second = 1000, fields.id.kind = 'sequence', fields.id.start = 32700);`);
  const r = await runChild(['run', file]).done;
  t.equal(r.code, 1);
  t.match(r.out.trim().split('\n').at(-1), /^failed in /);
  t.match(r.err, /^laminardb: error: the connector of source "s" stopped: datagen sequence of column "id" reached 327\d\d, outside the range of SMALLINT\n$/);
});

t.test('a bad connector option in the file: one error line with file:line:column, exit 1, nothing runs', async (t) => {
  const file = script('bad.sql', `CREATE TABLE ok (a INT);\nCREATE SOURCE s (id BIGINT)\n  WITH (connector = 'datagen', rows_per_secnd = 10);\n`);
  const r = await runChild(['run', file]).done;
  t.equal(r.code, 1);
  t.equal(r.out, 'CREATE TABLE\n');
  t.equal(r.err.split('\n').filter(Boolean).length, 1, 'one line');
  t.match(r.err, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:32: .*unknown option 'rows_per_secnd' for connector 'datagen'`));
});

t.test('without connectors run executes the script and exits as before', async (t) => {
  const file = script('plain.sql', `CREATE TABLE t (a INT); INSERT INTO t VALUES (1), (2); SELECT sum(a) AS s FROM t;`);
  const r = await runCli(['run', file]);
  t.equal(r.code, 0, r.err);
  t.match(r.out, /^CREATE TABLE\nINSERT 2\n/);
  t.match(r.out, /\b3\b/);
  t.notMatch(r.out, /events\/s|finished in/);
});

t.test('argument errors: one line, exit 2; --help describes connectors', async (t) => {
  const file = script('x.sql', 'SELECT 1;');
  for (const [args, message] of [
    [['run', file, '--interval', '0'], /^laminardb: --interval needs a positive integer, got "0"/],
    [['run', file, '--duration', 'soon'], /^laminardb: --duration needs a positive number, got "soon"/],
    [['run', file, '--duration', '-1'], /^laminardb: --duration needs a positive number/],
    [['run'], /^laminardb: run needs exactly one SQL file/],
    [['run', path.join(tmp, 'missing.sql')], /^laminardb: cannot read .*missing\.sql: no such file/],
  ] as [string[], RegExp][]) {
    const r = await runCli(args);
    t.equal(r.code, 2, args.join(' '));
    t.match(r.err, message);
    t.equal(r.err.split('\n').filter(Boolean).length, 1);
  }
  const help = await runCli(['run', '--help']);
  t.equal(help.code, 0);
  t.match(help.out, /--interval ms\] \[--duration s\]/);
  t.match(help.out, /connector = 'datagen'/);
  const top = await runCli(['--help']);
  t.match(top.out, /run <file\.sql> \[--db path\] \[--interval ms\] \[--duration s\]/);
});
