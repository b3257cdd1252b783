// scripts/check-coverage.cjs: the check that refuses coverage totals c8 would compute wrongly.
import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const SCRIPT = path.resolve(__dirname, '../../scripts/check-coverage.cjs');

interface Proc {
  uuid: string;
  argv: string[];
  execArgv?: string[];
  /** source file (relative to the root) → line lengths of the code the process generated for it */
  scripts: Record<string, number[] | null>;
}

function fixture(t: Test, procs: Proc[], tapLog?: string): { root: string; log?: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'laminar-covcheck-'));
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  fs.mkdirSync(path.join(root, '.tap', 'coverage'), { recursive: true });
  fs.mkdirSync(path.join(root, '.tap', 'processinfo'), { recursive: true });
  for (const p of procs) {
    const result = [];
    const cache: Record<string, unknown> = {};
    for (const [file, lineLengths] of Object.entries(p.scripts)) {
      const url = `file://${path.join(root, file)}`;
      result.push({ scriptId: '1', url, functions: [{ functionName: '', ranges: [{ startOffset: 0, endOffset: 10, count: 1 }], isBlockCoverage: true }] });
      if (lineLengths) cache[url] = { lineLengths, data: { version: 3, sources: [file], mappings: 'AAAA' } };
    }
    fs.writeFileSync(path.join(root, '.tap', 'coverage', `${p.uuid}.json`), JSON.stringify({ result, 'source-map-cache': cache }));
    const argv = [process.execPath, ...p.argv.map((a) => (a.startsWith('test/') ? path.join(root, a) : a))];
    fs.writeFileSync(path.join(root, '.tap', 'processinfo', `${p.uuid}.json`), JSON.stringify({ uuid: p.uuid, argv, execArgv: p.execArgv ?? ['--import=x/@tapjs/typescript/import.mjs'] }));
  }
  if (tapLog === undefined) return { root };
  const log = path.join(root, 'tap.log');
  fs.writeFileSync(log, tapLog);
  return { root, log };
}

function check(root: string, log?: string): { status: number | null; out: string } {
  const args = [SCRIPT, '--root', root, ...(log ? ['--tap-log', log] : [])];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
  return { status: r.status, out: r.stdout + r.stderr };
}

const TS_NODE = { 'lib/a.ts': [10, 20, 30], 'lib/b.ts': [5, 5] };

t.test('consistent coverage passes', async (t) => {
  const { root, log } = fixture(
    t,
    [
      { uuid: 'aaaaaaaa-1', argv: ['test/x.test.ts'], scripts: TS_NODE },
      { uuid: 'bbbbbbbb-2', argv: ['test/y.test.ts'], scripts: { 'lib/a.ts': [10, 20, 30] } },
      { uuid: 'cccccccc-3', argv: ['dist/cli.js'], scripts: { 'dist/cli.js': [1, 2] } },
    ],
    'ok 1 - test/x.test.ts # time=1ms\nnot ok 2 - test/y.test.ts # time=1ms\n',
  );
  const r = check(root, log);
  t.equal(r.status, 0, r.out);
  t.match(r.out, /3 coverage files consistent/);
});

t.test('a source file run as different generated code by two processes fails, naming both', async (t) => {
  const { root } = fixture(t, [
    { uuid: 'aaaaaaaa-1', argv: ['test/x.test.ts'], scripts: TS_NODE },
    { uuid: 'bbbbbbbb-2', argv: ['test/child.ts', 'arg'], execArgv: ['--import', 'tsx'], scripts: { 'lib/a.ts': [600], 'lib/b.ts': [5, 5] } },
  ]);
  const r = check(root);
  t.equal(r.status, 1, r.out);
  t.match(r.out, /lib\/a\.ts: run as 2 different generated scripts/);
  t.match(r.out, /@tapjs\/typescript test\/x\.test\.ts → 3 lines of generated code/);
  t.match(r.out, /tsx test\/child\.ts arg → 1 lines of generated code/);
  t.notMatch(r.out, /lib\/b\.ts/, 'a file both ran alike is not reported');
});

t.test('a TypeScript file without a source map fails (its ranges would be read as TypeScript offsets)', async (t) => {
  const { root } = fixture(t, [{ uuid: 'aaaaaaaa-1', argv: ['test/x.test.ts'], scripts: { 'lib/a.ts': null } }]);
  const r = check(root);
  t.equal(r.status, 1);
  t.match(r.out, /lib\/a\.ts: .*no source map/);
});

t.test('test files of the run without coverage fail (.tap deleted during the run)', async (t) => {
  const { root, log } = fixture(t, [{ uuid: 'aaaaaaaa-1', argv: ['test/x.test.ts'], scripts: TS_NODE }], 'ok 1 - test/x.test.ts\nok 2 - test/gone.test.ts # time=5ms\n# Subtest: test/gone.test.ts\n');
  const r = check(root, log);
  t.equal(r.status, 1, r.out);
  t.match(r.out, /1 of 2 test files left no coverage \(test\/gone\.test\.ts\)/);
});

t.test('no coverage at all fails; bad arguments exit 2', async (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'laminar-covcheck-'));
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  const r = check(root);
  t.equal(r.status, 1);
  t.match(r.out, /no coverage files/);
  const bad = spawnSync(process.execPath, [SCRIPT, '--bogus'], { encoding: 'utf8' });
  t.equal(bad.status, 2);
  t.match(bad.stderr, /unknown or incomplete argument '--bogus'/);
});
