// The CLI in this process: main() with in-memory streams, as the CLI tests drive it.
import { PassThrough, Readable } from 'node:stream';
import { main } from '../../lib/cli/main.js';

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

export interface CliRunOptions {
  /** text on stdin (empty by default) */
  stdin?: string;
  /** present stdin as a terminal (interactive `sql`) */
  stdinTty?: boolean;
  /** present stdout as a terminal (live-refreshing `demo`) */
  stdoutTty?: boolean;
}

export async function runCli(args: string[], options: CliRunOptions = {}): Promise<CliRun> {
  const stdout = new PassThrough() as PassThrough & { isTTY?: boolean };
  if (options.stdoutTty) stdout.isTTY = true;
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const stdin = Readable.from([options.stdin ?? '']) as Readable & { isTTY?: boolean };
  if (options.stdinTty) stdin.isTTY = true;
  const code = await main(args, { stdin, stdout, stderr });
  return { code, out, err };
}
