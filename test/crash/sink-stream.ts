// The deterministic stream of the sink crash test, shared by its child and the parent.
import { open, type Database } from '../../lib/index.js';

export const SINK_FILE = 'out.jsonl';

// one execute call: after a crash the whole schema (sink included) exists or none of it
export const SINK_SCHEMA = [
  'CREATE TABLE src (batch INT, grp INT, v BIGINT, note VARCHAR)',
  // HAVING makes groups enter and leave: the sink sees inserts, updates and deletes
  'CREATE MATERIALIZED VIEW totals AS SELECT grp, count(*) AS n, sum(v) AS s, max(note) AS top FROM src GROUP BY grp HAVING count(*) % 4 <> 3',
  `CREATE SINK out FROM totals WITH (connector = 'file', path = '${SINK_FILE}', format = 'jsonl')`,
].join(';\n');

/** Rows of batch `b`: a pure function of b. One insert call per batch = one log record. */
export function sinkBatch(b: number): Array<Record<string, unknown>> {
  const rows = [];
  const n = 1 + (b % 7);
  for (let j = 0; j < n; j++) {
    const x = (b * 7919 + j * 104729) % 1000003;
    rows.push({ batch: b, grp: x % 9, v: (x % 1000) - 300, note: j % 3 === 0 ? null : `n${x % 53}` });
  }
  return rows;
}

/** The sink's lines for batches 0..last run uninterrupted in memory (what the file must hold). */
export async function referenceLines(last: number): Promise<string[]> {
  const db: Database = await open();
  await db.execute(SINK_SCHEMA.split(';\n').filter((s) => !s.startsWith('CREATE SINK')).join(';\n'));
  const lines: string[] = [];
  db.subscribe('totals', {
    onChange: (c) => lines.push(JSON.stringify(c.old === undefined ? { op: c.op, row: c.row } : { op: c.op, row: c.row, old: c.old })),
  });
  for (let b = 0; b <= last; b++) {
    db.insert('src', sinkBatch(b));
    if (b % 5 === 4) await db.flush();
  }
  await db.close();
  return lines;
}
