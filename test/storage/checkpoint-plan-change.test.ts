// Upgrade safety: a checkpoint written by a build that planned a view differently. The fixture
// is a durable directory written by the build before the max-ties rewrite (c7b3ded~1): Nexmark
// q5's self-join checkpointed as Join + two aggregates, one more insert in the WAL. This build
// plans the same DDL as the fused HOP count + ties operator, so the saved operator states belong
// to operators that no longer exist. Opening must refuse with an error naming the view and the
// reason — never restore the states into the wrong operators, never crash.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import t from 'tap';
import { LaminarError } from '../../lib/errors.js';
import { graphMismatch } from '../../lib/storage/graph-mismatch.js';
import { Engine } from '../../lib/engine/engine.js';
import type { EngineState } from '../../lib/engine/state.js';
import { durableNodes } from '../../lib/storage/checkpoint.js';
import { openDurable, tempDir } from './helpers.js';

function unpack(dir: string): void {
  const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'q5-join-checkpoint.json'), 'utf8')) as { files: Record<string, string> };
  for (const [rel, data] of Object.entries(fixture.files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), zlib.gunzipSync(Buffer.from(data, 'base64')));
  }
}

const snapshotOf = (dir: string) =>
  fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name !== 'LOCK')
    .map((e) => {
      const p = path.join(e.parentPath, e.name);
      return `${path.relative(dir, p)}:${fs.readFileSync(p).toString('base64')}`;
    })
    .sort();

t.test("a checkpoint of the pre-rewrite q5 join: refused, naming the view and why", async (t) => {
  const dir = tempDir(t);
  unpack(dir);
  const before = snapshotOf(dir);
  for (let attempt = 1; attempt <= 2; attempt++) {
    const error = await openDurable(dir).then(
      () => undefined,
      (e: unknown) => e,
    );
    t.ok(error instanceof LaminarError, `attempt ${attempt}: open rejects with a LaminarError`);
    const e = error as LaminarError;
    t.equal(e.code, 'RECOVERY_FAILED', 'code');
    t.match(e.message, /"q5" is planned differently by this build/, 'names the view and the reason');
    t.match(e.message, /Join/, 'names the checkpointed operator');
    t.match(e.message, /HopCountTiesOperator/, 'names the operator this build runs');
    t.match(e.message, /DROP the view/, 'says what to do');
  }
  // the refused open changed nothing on disk (the older build can still open it) and let go of it
  t.same(snapshotOf(dir), before, 'directory unchanged');
});

t.test('graphMismatch: none for the same graph; the first differing relation otherwise', async (t) => {
  const engine = new Engine();
  engine.execute('CREATE SOURCE s (k BIGINT, ts TIMESTAMP, WATERMARK FOR ts AS ts)');
  engine.execute('CREATE MATERIALIZED VIEW v1 AS SELECT k, count(*) AS n FROM s GROUP BY k');
  engine.execute('CREATE MATERIALIZED VIEW v2 AS SELECT k FROM s WHERE k > 1');
  const state = (engine as unknown as { storageState(): EngineState }).storageState();
  const nodes = durableNodes(state);
  const saved = nodes.map((n) => ({ name: n.name ?? null, op: n.op.constructor.name }));
  t.equal(graphMismatch(nodes, saved, state), undefined, 'same graph');
  const v2First = nodes.findIndex((n) => state.subgraphs.get('v2')!.nodes.includes(n));
  t.ok(v2First > 0, 'v2 has nodes after v1');
  const changed = saved.map((s, i) => (i === v2First ? { ...s, op: 'Join' } : s));
  t.match(graphMismatch(nodes, changed, state), /^"v2" is planned differently.*checkpointed Join/, 'names v2, not v1');
  t.match(graphMismatch(nodes, saved.slice(0, -1), state), /operators now, /, 'a shorter checkpoint is a mismatch');
  t.match(graphMismatch(nodes, [...saved, { name: 'x', op: 'Join' }], state), /checkpointed Join "x"/, 'a longer checkpoint is a mismatch');
  engine.close();
});
