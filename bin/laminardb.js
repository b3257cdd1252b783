#!/usr/bin/env node
// The laminardb command line (built code in dist/cjs; see lib/cli/main.ts).
'use strict';
const path = require('path');

let cli;
try {
  cli = require('../dist/cjs/cli/main.js');
} catch (error) {
  if (error && error.code === 'MODULE_NOT_FOUND' && String(error.message).includes(path.join('dist', 'cjs', 'cli', 'main.js'))) {
    process.stderr.write('laminardb: the package is not built (dist/ is missing): run `npm run build:ts`\n');
    process.exit(70);
  }
  throw error;
}

cli.main(process.argv.slice(2), { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr }).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`laminardb: internal error: ${error && error.stack ? error.stack : error}\n`);
    process.exitCode = 70;
  },
);
