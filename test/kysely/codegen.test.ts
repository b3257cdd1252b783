// generateKyselyTypes: the DB interface written by `laminardb codegen`, and it type-checks.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { generateKyselyTypes } from '../../lib/kysely/codegen.js';
import type { RelationDescription } from '../../lib/api/results.js';

const relations: RelationDescription[] = [
  {
    name: 'bid',
    kind: 'source',
    appendOnly: true,
    sql: '',
    columns: [
      { name: 'auction', type: 'BIGINT', nullable: false },
      { name: 'price', type: 'DECIMAL(10,2)', nullable: true },
      { name: 'date_time', type: 'TIMESTAMP', nullable: false },
      { name: 'tags', type: 'VARCHAR[]', nullable: true },
      { name: 'odd name', type: 'BOOLEAN', nullable: true },
    ],
  },
  { name: 'hot_items', kind: 'materialized view', appendOnly: false, sql: '', columns: [{ name: 'n', type: 'INT', nullable: false }] },
  { name: 'out', kind: 'sink', appendOnly: true, sql: '', columns: [{ name: 'n', type: 'INT', nullable: false }] },
];

t.test('one interface per relation (sinks excluded) and the DB map', async (t) => {
  const src = generateKyselyTypes(relations);
  t.match(src, /export interface Bid \{\n  auction: ColumnType<number, number \| bigint, number \| bigint>;/);
  t.match(src, /  price: ColumnType<string \| null, string \| number \| bigint \| null, string \| number \| bigint \| null>;/);
  t.match(src, /  date_time: ColumnType<Date, Date \| number \| string, Date \| number \| string>;/);
  t.match(src, /  tags: \(string \| null\)\[\] \| null;/);
  t.match(src, /  "odd name": boolean \| null;/);
  t.match(src, /export interface HotItems \{\n  n: number;\n\}/);
  t.match(src, /export interface DB \{\n  bid: Bid;\n  hot_items: HotItems;\n\}/);
  t.notMatch(src, /out/);
  t.match(generateKyselyTypes(relations, { bigint: true }), /auction: ColumnType<bigint, bigint \| number, bigint \| number>;/);
});

t.test('the generated file type-checks with Kysely and drives typed queries', { timeout: 120_000 }, async (t) => {
  const root = path.resolve(__dirname, '..', '..');
  const dir = fs.mkdtempSync(path.join(root, 'test', 'kysely', '.tmp-codegen-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(path.join(dir, 'db.ts'), generateKyselyTypes(relations));
  fs.writeFileSync(
    path.join(dir, 'use.ts'),
    `import type { Kysely } from 'kysely';
import type { DB } from './db.js';
export async function use(k: Kysely<DB>) {
  const rows = await k.selectFrom('bid').select(['auction', 'date_time']).execute();
  const a: number = rows[0]!.auction;
  const d: Date = rows[0]!.date_time;
  await k.insertInto('bid').values({ auction: 1, price: '1.50', date_time: '2024-01-01 00:00:00', tags: null, 'odd name': true }).execute();
  // @ts-expect-error price is exact text, not a boolean
  await k.insertInto('bid').values({ auction: 1, price: true, date_time: 0, tags: null, 'odd name': null }).execute();
  // @ts-expect-error no such table
  await k.selectFrom('nope').selectAll().execute();
  return [a, d];
}
`,
  );
  fs.writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({ extends: '../../../tsconfig.json', compilerOptions: { noEmit: true }, include: ['./*.ts'] }),
  );
  let output = '';
  try {
    execFileSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(dir, 'tsconfig.json')], {
      encoding: 'utf8',
      stdio: 'pipe',
    });
  } catch (e) {
    output = String((e as { stdout?: string }).stdout ?? e);
  }
  t.equal(output, '');
});
