// Apache Arrow in and out: a columnar RecordBatch goes straight into a source, a query comes back
// as an Arrow Table. Run: node examples/arrow.mjs   (needs: npm install apache-arrow)
import { open } from 'laminardb';
import { makeVector, Table } from 'apache-arrow';

const db = await open();
await db.execute(`
  CREATE SOURCE reading (sensor INT NOT NULL, value DOUBLE NOT NULL, ts TIMESTAMP NOT NULL);
  CREATE MATERIALIZED VIEW avg_by_sensor AS SELECT sensor, avg(value) AS mean, count(*) AS n FROM reading GROUP BY sensor;
`);
const n = 100_000;
const sensor = new Int32Array(n);
const value = new Float64Array(n);
const ts = new Float64Array(n);
for (let i = 0; i < n; i++) {
  sensor[i] = i % 4;
  value[i] = (i % 4) * 10 + (i % 7) / 7;
  ts[i] = Date.UTC(2024, 0, 1) + i;
}
// Int32 and Float64 columns without nulls are handed to the engine without copying
db.insert('reading', new Table({ sensor: makeVector(sensor), value: makeVector(value), ts: makeVector(ts) }).batches[0]);
const table = await db.queryArrow('SELECT sensor, mean, n FROM avg_by_sensor ORDER BY sensor');
console.log(table.schema.fields.map((f) => `${f.name}: ${f.type}`).join(', '));
for (const row of table) console.log(row.toJSON());
await db.close();
