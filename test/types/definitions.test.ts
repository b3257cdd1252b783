// The hand-written public definitions (types/index.d.ts) type-check the inference tests in this
// folder, and declare exactly the runtime exports of lib/index.ts.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as api from '../../lib/index.js';
import * as errorsModule from '../../lib/errors.js';

const root = path.resolve(__dirname, '..', '..');

t.test('type tests compile (every @ts-expect-error is an error, every inference holds)', { timeout: 120_000 }, async (t) => {
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  let output = '';
  try {
    execFileSync(process.execPath, [tsc, '-p', path.join(__dirname, 'tsconfig.json')], { cwd: root, encoding: 'utf8', stdio: 'pipe' });
  } catch (e) {
    output = String((e as { stdout?: string }).stdout ?? e);
  }
  t.equal(output, '', 'tsc reports nothing');
});

t.test('types/index.d.ts declares every runtime export, and nothing that does not exist', async (t) => {
  const dts = fs.readFileSync(path.join(root, 'types', 'index.d.ts'), 'utf8');
  const declared = new Set<string>();
  for (const m of dts.matchAll(/^export declare (?:class|function|const|let) (\w+)/gm)) declared.add(m[1]!);
  const runtime = new Set(Object.keys(api).filter((k) => k !== 'default' && k !== '__esModule'));
  t.same([...runtime].filter((k) => !declared.has(k)).sort(), [], 'runtime exports missing from the definitions');
  t.same([...declared].filter((k) => !runtime.has(k)).sort(), [], 'declared values missing at run time');
});

t.test('every declared class and function has a doc comment', async (t) => {
  const dts = fs.readFileSync(path.join(root, 'types', 'index.d.ts'), 'utf8');
  const lines = dts.split('\n');
  const undocumented: string[] = [];
  lines.forEach((line, i) => {
    const m = /^export (?:declare (?:class|function|const)|interface|type) (\w+)/.exec(line);
    if (m && !/\*\/\s*$/.test(lines[i - 1] ?? '')) undocumented.push(m[1]!);
  });
  t.same(undocumented, []);
});

t.test('the exported version is the package version', async (t) => {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };
  t.equal(api.version, pkg.version);
});

t.test('every error class of lib/errors.ts is exported, and shared by identity', async (t) => {
  const classes = Object.entries(errorsModule).filter(([, v]) => typeof v === 'function' && (v as { prototype: unknown }).prototype instanceof Error);
  t.ok(classes.length >= 10);
  for (const [name, cls] of classes) t.equal((api as Record<string, unknown>)[name], cls, `${name} re-exported`);
});
