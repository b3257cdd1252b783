// Prints the native source files named in the given list files (one path per line, '#' comments).
'use strict';
const fs = require('fs');
const path = require('path');
const root = path.join(__dirname, '..');
const out = [];
for (const list of process.argv.slice(2)) {
  for (const line of fs.readFileSync(path.join(root, list), 'utf8').split('\n')) {
    const file = line.replace(/#.*/, '').trim();
    if (file) out.push(file);
  }
}
process.stdout.write(out.join(' ') + '\n');
