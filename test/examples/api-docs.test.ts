// `npm run docs` (TypeDoc over types/index.d.ts) works offline and finds every public member
// documented: a new export without a doc comment fails here.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..', '..');

t.test('TypeDoc reference: no warnings, pages for the public API', { timeout: 180_000 }, async (t) => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'laminar-docs-'));
  t.teardown(() => fs.rmSync(out, { recursive: true, force: true }));
  const typedoc = path.join(root, 'node_modules', 'typedoc', 'bin', 'typedoc');
  const r = spawnSync(process.execPath, [typedoc, '--out', out, '--treatWarningsAsErrors', '--logLevel', 'Warn'], {
    cwd: root,
    encoding: 'utf8',
    // no proxy, no registry: the generator must not need the network
    env: { ...process.env, HTTP_PROXY: 'http://127.0.0.1:9', HTTPS_PROXY: 'http://127.0.0.1:9', NO_COLOR: '1' },
  });
  t.equal(r.status, 0, r.stdout + r.stderr);
  for (const page of ['index.html', 'functions/open.html', 'classes/Database.html', 'classes/Subscription.html', 'classes/SchemaError.html', 'interfaces/OpenOptions.html']) {
    t.ok(fs.existsSync(path.join(out, page)), page);
  }
  const database = fs.readFileSync(path.join(out, 'classes', 'Database.html'), 'utf8');
  for (const member of ['execute', 'query', 'insert', 'subscribe', 'flush', 'close', 'kysely', 'queryArrow']) t.match(database, `id="${member.toLowerCase()}"`, member);
});
