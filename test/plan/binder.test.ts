// Binder and optimizer at the plan level: name resolution, typing, output names, decorrelation
// shapes, push-down, key extraction, Top-N and interval-join rewrites, positioned errors.

import t from 'tap';
import { parse } from '../../lib/sql/parser.js';
import type { SelectStatement } from '../../lib/sql/ast.js';
import { Catalog } from '../../lib/plan/catalog.js';
import type { TableEntry } from '../../lib/plan/catalog.js';
import { bindQuery } from '../../lib/plan/binder/query.js';
import { optimize } from '../../lib/plan/optimizer/optimize.js';
import { explainLines } from '../../lib/plan/explain.js';
import type { LogicalPlan } from '../../lib/plan/logical.js';
import { scannedRelations } from '../../lib/plan/logical.js';
import { T } from '../../lib/types/datatype.js';
import type { DataType } from '../../lib/types/datatype.js';

function table(name: string, cols: [string, DataType, boolean?][], extra: Partial<TableEntry> = {}): TableEntry {
  return {
    kind: 'table',
    name,
    sql: '',
    dependsOn: [],
    columns: cols.map(([n, type, notNull]) => ({ name: n, type, nullable: !notNull })),
    appendOnly: false,
    defaults: cols.map(() => undefined),
    options: {},
    ...extra,
  };
}

const catalog = new Catalog();
catalog.addRelation(table('emp', [['id', T.int, true], ['dept', T.int], ['name', T.varchar], ['salary', T.decimal], ['hired', T.timestamp]], { primaryKey: [0] }));
catalog.addRelation(table('dept', [['id', T.int, true], ['title', T.varchar]], { primaryKey: [0] }));
catalog.addRelation(
  table('clicks', [['uid', T.int], ['ts', T.timestamp]], { kind: 'source', appendOnly: true, watermark: { column: 1, delayMs: 0 } }),
);
catalog.addRelation(
  table('views', [['uid', T.int], ['ts', T.timestamp]], { kind: 'source', appendOnly: true, watermark: { column: 1, delayMs: 0 } }),
);

function plan(sql: string, params: unknown[] = []): LogicalPlan {
  const st = parse(sql)[0] as SelectStatement;
  return optimize(bindQuery(st.query, { catalog, params, ctes: new Map(), viewDepth: 0 }, { top: true }).plan);
}
/** EXPLAIN text without column positions (pruning renumbers columns). */
const explain = (sql: string): string => explainLines(plan(sql)).join('\n').replace(/#\d+/g, '');
function error(sql: string): { code: string; line?: number; column?: number; message: string } {
  try {
    plan(sql);
  } catch (e) {
    return e as { code: string; line?: number; column?: number; message: string };
  }
  throw new Error(`no error: ${sql}`);
}

t.test('schemas: names, types, nullability', (t) => {
  const p = plan('SELECT e.id, name AS n, salary * 2, count(*) OVER (PARTITION BY dept) FROM emp e');
  t.same(p.schema.map((f) => [f.name, f.type.id, f.nullable]), [
    ['id', 'int', false],
    ['n', 'varchar', true],
    ['?column?', 'decimal', true],
    ['count', 'bigint', false],
  ]);
  const agg = plan('SELECT dept, count(*), sum(id), avg(id), max(name) FROM emp GROUP BY dept');
  t.same(agg.schema.map((f) => f.type.id), ['int', 'bigint', 'bigint', 'double', 'varchar'], 'avg(int) is double (see lib/functions/aggregates/types.ts)');
  t.same(agg.props.uniqueKey, [0], 'GROUP BY columns are the unique key');
  const j = plan('SELECT * FROM emp LEFT JOIN dept ON emp.dept = dept.id');
  t.same(j.schema.map((f) => f.nullable), [false, true, true, true, true, true, true], 'the outer side becomes nullable');
  t.same([...scannedRelations(j)].sort(), ['dept', 'emp']);
  t.end();
});

t.test('untyped literals and parameters take their context type', (t) => {
  const p = plan("SELECT id FROM emp WHERE hired > '2024-01-01' AND id = $1", ['7']);
  t.match(explainLines(p).join('\n'), /CAST\('2024-01-01' AS TIMESTAMP\)/);
  t.match(explainLines(p).join('\n'), /CAST\('7' AS INT\)/);
  t.match(error("SELECT id FROM emp WHERE hired > 5"), { code: 'TYPE_MISMATCH', column: 26 }, 'timestamp > int is a type error');
  t.end();
});

t.test('push-down and join keys', (t) => {
  const x = explain('SELECT e.name FROM emp e, dept d WHERE e.dept = d.id AND d.title = \'x\' AND e.salary > 10');
  t.match(x, /Join inner keys=\[dept = id\]/);
  t.match(x, /Filter \(salary > CAST\(10 AS DECIMAL\)\)\n\s+(Project .*\n\s+)?Scan emp/);
  t.match(x, /Filter \(title = 'x'\)\n\s+(Project .*\n\s+)?Scan dept/);
  t.notMatch(x, /no keys/);
  // a filter on the nullable side of a LEFT JOIN must stay above it
  const l = explain('SELECT e.id FROM emp e LEFT JOIN dept d ON e.dept = d.id WHERE d.title IS NULL');
  t.match(l, /Filter is_null\(title\)\n\s+Join left/);
  // ON conditions on the non-preserved side go into that input
  const on = explain("SELECT e.id FROM emp e LEFT JOIN dept d ON e.dept = d.id AND d.title = 'x'");
  t.match(on, /Join left keys=\[dept = id\]\n(\s+Project .*\n)?\s+Scan emp.*\n\s+Filter \(title = 'x'\)/);
  // HAVING on a group column moves below the aggregate
  const h = explain('SELECT dept, count(*) FROM emp GROUP BY dept HAVING dept > 3');
  t.match(h, /Aggregate .*\n\s+Filter \(dept > 3\)/);
  t.end();
});

t.test('subqueries become joins', (t) => {
  t.match(explain('SELECT id FROM emp WHERE dept IN (SELECT id FROM dept)'), /Join semi keys=\[dept = id\]/);
  t.match(explain('SELECT id FROM emp WHERE dept NOT IN (SELECT id FROM dept)'), /Join anti-null-aware keys=\[dept = id\]/);
  t.match(explain('SELECT id FROM emp e WHERE NOT EXISTS (SELECT 1 FROM dept d WHERE d.id = e.dept)'), /Join anti keys=\[dept = /);
  const scalar = explain('SELECT id, (SELECT max(salary) FROM emp i WHERE i.dept = o.dept) FROM emp o');
  t.match(scalar, /Join left keys=\[dept = /);
  t.match(scalar, /Aggregate group=\[dept\] aggs=\[max\(salary\)\]/, 'correlation keys become the subquery grouping');
  t.match(explain('SELECT id FROM emp WHERE salary > (SELECT avg(salary) FROM emp)'), /Join left \(no keys\)/);
  t.match(error('SELECT id FROM emp o WHERE EXISTS (SELECT 1 FROM dept d WHERE d.id > o.dept)'), { code: 'UNSUPPORTED' });
  t.end();
});

t.test('rank filters become Top-N; streaming joins are recognised', (t) => {
  const x = explain('SELECT * FROM (SELECT id, dept, row_number() OVER (PARTITION BY dept ORDER BY salary DESC) AS rn FROM emp) q WHERE rn <= 2');
  t.match(x, /TopN limit=2 partition=\[dept\] order=\[salary DESC\] rank=row_number/);
  t.notMatch(x, /OverWindow/);
  const r = explain('SELECT * FROM (SELECT id, rank() OVER (ORDER BY salary) AS r FROM emp) q WHERE r < 4 AND id > 1');
  t.match(r, /TopN limit=3 .* rank=rank/);
  const ij = explain("SELECT c.uid FROM clicks c JOIN views v ON c.uid = v.uid AND v.ts BETWEEN c.ts - INTERVAL '1' MINUTE AND c.ts");
  t.match(ij, /IntervalJoin inner \[-60000ms, 0ms\]/);
  t.match(explain('SELECT c.uid FROM clicks c JOIN views v ON c.uid = v.uid AND v.ts <= c.ts'), /Join inner/, 'one-sided bounds stay a regular join');
  t.match(explain('SELECT c.uid FROM clicks c ASOF JOIN views v ON c.uid = v.uid AND c.ts >= v.ts'), /AsofJoin inner right.time <= left.time/);
  t.match(explain('SELECT * FROM TUMBLE(clicks, ts, INTERVAL \'1\' MINUTE)'), /WindowTvf TUMBLE time=ts size=60000ms/);
  t.match(error('SELECT * FROM HOP(clicks, ts, INTERVAL \'7\' SECOND, INTERVAL \'1\' MINUTE)'), { code: 'INVALID_ARGUMENT' });
  t.end();
});

t.test('errors carry codes and positions', (t) => {
  t.match(error('SELECT idd FROM emp'), { code: 'UNKNOWN_COLUMN', line: 1, column: 8 });
  t.match(error('SELECT id FROM emp, dept'), { code: 'AMBIGUOUS_COLUMN', column: 8 });
  t.match(error('SELECT x.id FROM emp'), { code: 'UNKNOWN_OBJECT', column: 8 });
  t.match(error('SELECT * FROM emp e, emp e'), { code: 'DUPLICATE_OBJECT' });
  t.match(error("SELECT name + 1 FROM emp"), { code: 'TYPE_MISMATCH' });
  t.match(error('SELECT name FROM emp GROUP BY dept'), { code: 'GROUPING_ERROR', column: 8 });
  t.match(error('SELECT sum(count(*)) FROM emp'), { code: 'GROUPING_ERROR' });
  t.match(error('SELECT id FROM emp GROUP BY 9'), { code: 'INVALID_ARGUMENT' });
  t.match(error('SELECT * FROM emp JOIN dept USING (title)'), { code: 'UNKNOWN_COLUMN' });
  t.match(error('SELECT 1 FROM emp LIMIT -1'), { code: 'INVALID_ARGUMENT' });
  t.match(error('SELECT id FROM emp WHERE id IN (SELECT id, title FROM dept)'), { code: 'INVALID_ARGUMENT' });
  t.end();
});
