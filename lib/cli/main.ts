// The `laminardb` command line: a SQL shell, script runner and Kysely type generator over the
// library. Every failure ends with one clear error line on stderr and a non-zero exit code.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { open } from '../api/open.js';
import type { Database } from '../api/database.js';
import { generateKyselyTypes } from '../kysely/codegen.js';
import { errorLine, runShell } from './shell.js';
import { DEMO_USAGE, runDemo } from './demo.js';
import { RUN_USAGE, runPipeline } from './run.js';

export const USAGE = `Usage: laminardb <command> [options]

Commands:
  sql [path]                 SQL shell on a database (in memory without a path). With piped
                             input it runs the script and stops at the first error.
  run <file.sql> [--db path] [--interval ms] [--duration s]
                             Run a SQL script, printing each statement's result; while source
                             connectors produce, keep running and print throughput.
  codegen [--db path] [--schema file.sql]... [--out file.ts] [--bigint]
                             Write the Kysely DB interface for the catalog (of the database at
                             --db, after running the --schema scripts) to --out or stdout.
  demo [--events N] [--plain]
                             Nexmark events into live views of an in-memory database, shown
                             updating with events/s and latency (see laminardb demo --help).
  help, --help, -h           This help; laminardb <command> --help for one command.
  version, --version, -v     The package version.

Shell commands: \\d, \\d NAME, \\timing, \\q, \\?`;

/** `laminardb <command> --help` */
const COMMAND_USAGE: Record<string, string> = {
  sql: `Usage: laminardb sql [path]

An interactive SQL shell on the database at path (in memory without one): statements end with
';' and may span lines; results print as aligned tables. Shell commands: \\d (list relations),
\\d NAME (describe one), \\timing [on|off], \\q, \\?. With piped input it runs the script and
stops at the first error (exit code 1).`,
  run: RUN_USAGE,
  codegen: `Usage: laminardb codegen [--db path] [--schema file.sql]... [--out file.ts] [--bigint]

Writes TypeScript types for Kysely (one interface per relation and the DB interface) from the
catalog of the database at --db, after running the --schema scripts, to --out or stdout.
--bigint types BIGINT columns as bigint (for open({ bigint: true })).`,
  demo: DEMO_USAGE,
};

export interface CliIo {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: Writable;
  stderr: Writable;
}

class UsageError extends Error {}

interface Parsed {
  positional: string[];
  flags: Map<string, string[]>;
}

function parseArgs(args: readonly string[], valued: readonly string[], booleans: readonly string[]): Parsed {
  const positional: string[] = [];
  const flags = new Map<string, string[]>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a.startsWith('--')) {
      const [name, inline] = a.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
      if (booleans.includes(name)) {
        flags.set(name, ['true']);
      } else if (valued.includes(name)) {
        const value = inline ?? args[++i];
        if (value === undefined) throw new UsageError(`option --${name} needs a value`);
        flags.set(name, [...(flags.get(name) ?? []), value]);
      } else {
        throw new UsageError(`unknown option ${a}`);
      }
    } else {
      positional.push(a);
    }
  }
  return { positional, flags };
}

/** Runs the CLI; resolves with the process exit code. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  const fail = (message: string, code = 1) => {
    io.stderr.write(`laminardb: ${message}\n`);
    return code;
  };
  let db: Database | undefined;
  if (command !== undefined && COMMAND_USAGE[command] !== undefined && (rest.includes('--help') || rest.includes('-h'))) {
    io.stdout.write(COMMAND_USAGE[command] + '\n');
    return 0;
  }
  try {
    switch (command) {
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        // asked for: stdout and success; no command at all: a usage error
        (command === undefined ? io.stderr : io.stdout).write(USAGE + '\n');
        return command === undefined ? 2 : 0;
      case 'version':
      case '--version':
      case '-v': {
        io.stdout.write(packageVersion() + '\n');
        return 0;
      }
      case 'sql': {
        const { positional } = parseArgs(rest, [], []);
        if (positional.length > 1) throw new UsageError('sql takes at most one database path');
        db = await open(positional[0]);
        const interactive = io.stdin.isTTY === true;
        return await runShell({ db, input: io.stdin as unknown as Readable, output: io.stdout, errors: io.stderr, interactive });
      }
      case 'run': {
        const { positional, flags } = parseArgs(rest, ['db', 'interval', 'duration'], []);
        if (positional.length !== 1) throw new UsageError('run needs exactly one SQL file');
        const file = positional[0]!;
        const intervalMs = flags.has('interval') ? positiveInteger(flags, 'interval') : 1000;
        const durationS = flags.has('duration') ? positiveNumber(flags, 'duration') : undefined;
        const text = readScript(file);
        const failures: { error: Error; source: string }[] = [];
        // connectors start once the whole file has run, so sources sharing a generator line up
        db = await open({ path: flags.get('db')?.[0], startConnectors: false, onConnectorError: (error, source) => failures.push({ error, source }) });
        const abort = new AbortController();
        const stop = () => abort.abort();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        try {
          return await runPipeline({ db, file, text, intervalMs, durationS, stdout: io.stdout, stderr: io.stderr, signal: abort.signal, failures });
        } finally {
          process.removeListener('SIGINT', stop);
          process.removeListener('SIGTERM', stop);
        }
      }
      case 'demo': {
        const { positional, flags } = parseArgs(rest, ['events', 'batch', 'event-rate', 'refresh'], ['plain']);
        if (positional.length > 0) throw new UsageError(`demo takes no positional arguments (got ${positional.join(' ')})`);
        const dashboard = !flags.has('plain') && (io.stdout as { isTTY?: boolean }).isTTY === true;
        const events = flags.has('events') ? positiveInteger(flags, 'events') : undefined;
        const abort = new AbortController();
        const stop = () => abort.abort();
        process.once('SIGINT', stop);
        try {
          const summary = await runDemo(
            {
              events,
              batch: flags.has('batch') ? positiveInteger(flags, 'batch') : 1024,
              eventRate: flags.has('event-rate') ? positiveInteger(flags, 'event-rate') : 10_000,
              refreshMs: flags.has('refresh') ? positiveInteger(flags, 'refresh') : dashboard ? 250 : 1000,
              dashboard,
            },
            io.stdout,
            abort.signal,
          );
          io.stdout.write(
            `${summary.events} events in ${summary.seconds.toFixed(2)} s: ${Math.round(summary.eventsPerSecond)} events/s ` +
              `(${Math.round(summary.engineEventsPerSecond)} events/s inside the engine); ` +
              `latency p50 ${formatMs(summary.latencyP50Ms)} p99 ${formatMs(summary.latencyP99Ms)}; view changes: ` +
              Object.entries(summary.changes)
                .map(([k, v]) => `${k} ${v}`)
                .join(', ') +
              '\n',
          );
          return 0;
        } finally {
          process.removeListener('SIGINT', stop);
        }
      }
      case 'codegen': {
        const { positional, flags } = parseArgs(rest, ['db', 'schema', 'out'], ['bigint']);
        if (positional.length > 0) throw new UsageError(`codegen takes no positional arguments (got ${positional.join(' ')})`);
        db = await open(flags.get('db')?.[0]);
        for (const file of flags.get('schema') ?? []) {
          try {
            await db.execute(readScript(file));
          } catch (e) {
            io.stderr.write(errorLine(e, file) + '\n');
            return 1;
          }
        }
        const source = generateKyselyTypes(db.relations(), { bigint: flags.has('bigint') });
        const out = flags.get('out')?.[0];
        if (out) fs.writeFileSync(out, source);
        else io.stdout.write(source);
        return 0;
      }
      default:
        return fail(`unknown command "${command}" (see laminardb --help)`, 2);
    }
  } catch (e) {
    if (e instanceof UsageError) return fail(`${e.message} (see laminardb --help)`, 2);
    return fail(errorLine(e, command ?? 'laminardb').replace(/^[^:]*: /, 'error: '));
  } finally {
    await db?.close();
  }
}

function formatMs(ms: number | undefined): string {
  return ms === undefined ? '-' : `${ms.toFixed(3)} ms`;
}

function positiveInteger(flags: Map<string, string[]>, name: string): number {
  const text = flags.get(name)![0]!;
  const n = Number(text.replace(/_/g, ''));
  if (!/^[0-9_]+$/.test(text) || !Number.isSafeInteger(n) || n < 1) throw new UsageError(`--${name} needs a positive integer, got "${text}"`);
  return n;
}

function positiveNumber(flags: Map<string, string[]>, name: string): number {
  const text = flags.get(name)![0]!;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} needs a positive number, got "${text}"`);
  return n;
}

function readScript(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
}

/** The version in laminardb's package.json (found upwards from this file: lib/ or dist/cjs/). */
function packageVersion(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'laminardb') return pkg.version ?? 'unknown';
    }
    if (path.dirname(dir) === dir) return 'unknown';
  }
}
