// Starting a child process that runs TypeScript sources from a test.
//
// Tests run under tap's TypeScript loader (ts-node, which keeps the source's line structure);
// children start with tsx (esbuild: fast to start, but it emits other, whitespace-minified
// JavaScript for the same .ts file). Coverage from both cannot be combined: c8 merges the V8
// byte ranges of every process per source URL as if they were one script and keeps one source map
// per URL (whichever coverage file it reads last), so a tsx child's coverage file garbles the
// merged coverage of every .ts file it loaded (seen as files with only top-level lines covered).
// A tsx child therefore records no coverage; scripts/check-coverage.cjs fails a run where one did.

/** Node arguments that make a child process load TypeScript sources (before the script/-e). */
export const TS_CHILD_ARGS: readonly string[] = ['--import', 'tsx'];

/**
 * The environment for a child started with TS_CHILD_ARGS: this process's environment (plus
 * `extra`), with tap's per-process coverage recording turned off (@tapjs/processinfo reads this
 * variable in every process that inherits tap's NODE_OPTIONS).
 */
export function tsChildEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, ...extra, _TAPJS_PROCESSINFO_COVERAGE_: '0' };
}
