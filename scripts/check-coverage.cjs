#!/usr/bin/env node
// Checks that the coverage tap collected (.tap/coverage, .tap/processinfo) can be trusted before
// its totals are: c8 merges the V8 byte ranges of all processes per source URL as if they came
// from one script and keeps one source map per URL, so
//   1. every process must have run a given .ts file as the same generated JavaScript (a child
//      started with another loader, e.g. tsx, garbles that file's merged coverage, and how badly
//      depends on the order the coverage files are read: runs of the same tests differ by 10+ %);
//   2. every test file the run reports must have left its coverage (another `tap` run in the same
//      tree deletes .tap/coverage and .tap/processinfo when it starts).
// Usage: node scripts/check-coverage.cjs [--root DIR] [--tap-log FILE]
// Exit 0 when both hold; 1 with one line per problem otherwise; 2 on bad usage.
'use strict';
const fs = require('fs');
const path = require('path');

function parseArgs(argv) {
  const options = { root: path.resolve(__dirname, '..'), tapLog: undefined };
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1];
    if (argv[i] === '--root' && value) options.root = path.resolve(argv[++i]);
    else if (argv[i] === '--tap-log' && value) options.tapLog = path.resolve(argv[++i]);
    else throw new Error(`unknown or incomplete argument '${argv[i]}' (use --root DIR, --tap-log FILE)`);
  }
  return options;
}

function readJsonDir(dir) {
  if (!fs.existsSync(dir)) return new Map();
  const out = new Map();
  for (const name of fs.readdirSync(dir)) {
    if (!name.endsWith('.json')) continue;
    out.set(name.slice(0, -'.json'.length), JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')));
  }
  return out;
}

/** What a process ran for one script: the generated text's line lengths stand for the text. */
function generatedShape(coverage, url) {
  const map = coverage['source-map-cache'] && coverage['source-map-cache'][url];
  if (!map) return 'no source map';
  return map.lineLengths ? `${map.lineLengths.length} lines/${map.lineLengths.join(',')}` : 'source map without line lengths';
}

/** A process by its TypeScript loader and its script, e.g. "tsx test/crash/ingest-child.ts". */
function describe(root, processInfo, uuid) {
  if (!processInfo) return `process ${uuid.slice(0, 8)}`;
  const loaders = processInfo.execArgv.join(' ').match(/tsx|ts-node|@tapjs\/typescript/g) || ['no TypeScript loader'];
  const script = processInfo.argv.slice(1).map((arg) => (arg.startsWith(root) ? path.relative(root, arg) : arg));
  return `${[...new Set(loaders)].join('+')} ${script.join(' ')}`.slice(0, 120);
}

/** Problem 1: one source file run as different generated code by different processes. */
function transpilationProblems(root, coverages, infos) {
  const lib = `file://${root}${path.sep}`;
  const shapes = new Map(); // url -> Map(shape -> first uuid)
  for (const [uuid, coverage] of coverages) {
    for (const script of coverage.result || []) {
      if (!script.url.startsWith(lib) || script.url.includes('/node_modules/') || !/\.[cm]?tsx?$/.test(script.url)) continue;
      const shape = generatedShape(coverage, script.url);
      if (!shapes.has(script.url)) shapes.set(script.url, new Map());
      const seen = shapes.get(script.url);
      if (!seen.has(shape)) seen.set(shape, uuid);
    }
  }
  const problems = [];
  for (const [url, seen] of shapes) {
    if (seen.size === 1 && !seen.has('no source map')) continue;
    const file = path.relative(root, new URL(url).pathname);
    const who = [...seen].map(([shape, uuid]) => `${describe(root, infos.get(uuid), uuid)} → ${shape.split("/")[0]} of generated code`);
    problems.push(`${file}: run as ${seen.size} different generated scripts, so its merged coverage is wrong: ${who.join('; ')}`);
  }
  return problems;
}

/** Problem 2: test files that passed through the run without coverage of their own. */
function missingTestCoverage(root, coverages, infos, tapLog) {
  const ran = new Set();
  for (const line of fs.readFileSync(tapLog, 'utf8').split('\n')) {
    const m = /^(?:not )?ok \d+ - (\S+\.test\.[cm]?[jt]s)\b/.exec(line);
    if (m) ran.add(path.resolve(root, m[1]));
  }
  const covered = new Set();
  for (const [uuid, info] of infos) if (coverages.has(uuid)) for (const arg of info.argv) covered.add(path.resolve(root, arg));
  const missing = [...ran].filter((file) => !covered.has(file)).map((file) => path.relative(root, file));
  if (missing.length === 0) return [];
  return [
    `${missing.length} of ${ran.size} test files left no coverage (${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}): ` +
      'was .tap/ deleted during the run (another `tap` run in this tree deletes it when it starts)?',
  ];
}

function main() {
  let options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`check-coverage: ${error.message}\n`);
    return 2;
  }
  const coverages = readJsonDir(path.join(options.root, '.tap', 'coverage'));
  const infos = readJsonDir(path.join(options.root, '.tap', 'processinfo'));
  const problems = transpilationProblems(options.root, coverages, infos);
  if (options.tapLog) problems.push(...missingTestCoverage(options.root, coverages, infos, options.tapLog));
  if (coverages.size === 0) problems.push(`no coverage files in ${path.join(options.root, '.tap', 'coverage')}`);
  const SHOWN = 8;
  for (const problem of problems.slice(0, SHOWN)) process.stdout.write(`coverage check: ${problem}\n`);
  if (problems.length > SHOWN) process.stdout.write(`coverage check: … and ${problems.length - SHOWN} more\n`);
  if (problems.length === 0) process.stdout.write(`coverage check: ${coverages.size} coverage files consistent\n`);
  return problems.length === 0 ? 0 : 1;
}

process.exitCode = main();
