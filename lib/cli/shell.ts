// The SQL shell: reads lines (a terminal or a piped script), gathers them into complete
// statements, runs them and prints psql-style results. Backslash commands describe the catalog.

import * as readline from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { Database } from '../api/database.js';
import { SqlError } from '../errors.js';
import { formatStatement, formatTable } from './format.js';
import { isBlankSql, isCompleteSql } from './sql-input.js';

export interface ShellOptions {
  db: Database;
  input: Readable;
  output: Writable;
  /** prompts, timing on, and errors do not stop the session */
  interactive: boolean;
  /** script name for error positions (file name or '<stdin>') */
  source?: string;
  /** where error lines go (default: output) */
  errors?: Writable;
}

const HELP = `Backslash commands:
  \\d            list tables, sources and views
  \\d NAME       describe one relation
  \\timing [on|off]  show how long each statement takes
  \\q            quit
  \\?            this help
SQL statements end with ';' and may span lines.`;

/** Runs the session to the end of input; resolves with the exit code (0, or 1 after an error in a script). */
export async function runShell(options: ShellOptions): Promise<number> {
  const { db, input, output, interactive } = options;
  const errors = options.errors ?? output;
  const source = options.source ?? '<stdin>';
  let timing = interactive;
  const rl = readline.createInterface({ input, output: interactive ? output : undefined, terminal: interactive, prompt: 'laminardb=> ' });
  let buffer = '';
  let bufferStartLine = 1;
  let lineNo = 0;
  const print = (text: string) => output.write(text + '\n');
  // Ctrl+C drops a half-typed statement, or leaves the shell at an empty prompt (as psql)
  rl.on('SIGINT', () => {
    if (buffer === '') {
      output.write('\n');
      rl.close();
      return;
    }
    buffer = '';
    output.write('^C\n');
    rl.setPrompt('laminardb=> ');
    rl.prompt();
  });
  if (interactive) {
    print('laminardb SQL shell. End statements with ";". \\? for help, \\q to quit.');
    rl.prompt();
  }
  try {
    for await (const line of rl) {
      lineNo++;
      if (buffer === '' && line.trim().startsWith('\\')) {
        const quit = await backslash(line.trim(), db, print, (on) => (timing = on ?? !timing), () => timing);
        if (quit) break;
      } else {
        if (buffer === '') bufferStartLine = lineNo;
        buffer += (buffer === '' ? '' : '\n') + line;
        if (isCompleteSql(buffer)) {
          const sql = buffer;
          buffer = '';
          const ok = await runSql(sql, db, print, timing, (e) => errors.write(errorLine(e, source, bufferStartLine) + '\n'));
          if (!ok && !interactive) return 1;
        }
      }
      if (interactive) {
        rl.setPrompt(buffer === '' ? 'laminardb=> ' : 'laminardb-> ');
        rl.prompt();
      }
    }
    if (!isBlankSql(buffer)) {
      // a last statement without ';' still runs, as in psql scripts
      const ok = await runSql(buffer, db, print, timing, (e) => errors.write(errorLine(e, source, bufferStartLine) + '\n'));
      if (!ok && !interactive) return 1;
    }
  } finally {
    rl.close();
  }
  return 0;
}

async function runSql(
  sql: string,
  db: Database,
  print: (s: string) => void,
  timing: boolean,
  onError: (e: unknown) => void,
): Promise<boolean> {
  const start = process.hrtime.bigint();
  try {
    const result = await db.execute(sql);
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    for (const s of result.statements) print(formatStatement(s));
    if (timing) print(`Time: ${ms.toFixed(3)} ms`);
    return true;
  } catch (e) {
    onError(e);
    return false;
  }
}

/** One line naming the problem: `source:line:column: message` for SQL errors. */
export function errorLine(e: unknown, source: string, firstLine = 1): string {
  if (e instanceof SqlError && e.line !== undefined) {
    const message = e.message.replace(/^line \d+, column \d+: /, '');
    return `${source}:${e.line + firstLine - 1}:${e.column}: ${e.name} (${e.code}): ${message}`;
  }
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return `${source}: ${e.name}${typeof code === 'string' ? ` (${code})` : ''}: ${e.message}`;
  }
  return `${source}: ${String(e)}`;
}

async function backslash(
  command: string,
  db: Database,
  print: (s: string) => void,
  setTiming: (on?: boolean) => boolean,
  timing: () => boolean,
): Promise<boolean> {
  const [cmd, ...args] = command.split(/\s+/);
  switch (cmd) {
    case '\\q':
      return true;
    case '\\?':
      print(HELP);
      return false;
    case '\\timing': {
      const arg = args[0]?.toLowerCase();
      setTiming(arg === undefined ? undefined : arg === 'on');
      print(`Timing is ${timing() ? 'on' : 'off'}.`);
      return false;
    }
    case '\\d':
    case '\\dt':
      try {
        if (args.length === 0) {
          const rows = db.relations().map((r) => ({ name: r.name, kind: r.kind, columns: r.columns.length }));
          print(formatTable([{ name: 'name', type: 'VARCHAR' }, { name: 'kind', type: 'VARCHAR' }, { name: 'columns', type: 'INT' }], rows));
        } else {
          const r = db.describe(args[0]!);
          const pk = new Set(r.primaryKey ?? []);
          print(`${r.kind} "${r.name}"${r.appendOnly && r.kind === 'table' ? ' (append only)' : ''}`);
          print(
            formatTable(
              [{ name: 'column', type: 'VARCHAR' }, { name: 'type', type: 'VARCHAR' }, { name: 'nullable', type: 'VARCHAR' }, { name: 'key', type: 'VARCHAR' }],
              r.columns.map((c) => ({ column: c.name, type: c.type, nullable: c.nullable ? 'yes' : 'no', key: pk.has(c.name) ? 'PK' : '' })),
            ),
          );
          if (r.watermark) print(`Watermark: ${r.watermark.column} - ${r.watermark.delayMs} ms`);
        }
      } catch (e) {
        print(errorLine(e, '\\d'));
      }
      return false;
    default:
      print(`unknown command ${cmd}; \\? lists the commands`);
      return false;
  }
}
