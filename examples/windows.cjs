// Event-time windows from CommonJS: one-minute tumbling counts, emitted when the watermark closes
// each window. Run: node examples/windows.cjs
const { open, SchemaError } = require('laminardb');

async function main() {
  const db = await open();
  await db.execute(`
    CREATE SOURCE clicks (user_id VARCHAR NOT NULL, url VARCHAR, ts TIMESTAMP NOT NULL,
                          WATERMARK FOR ts AS ts - INTERVAL '5' SECOND);
    CREATE MATERIALIZED VIEW clicks_per_minute AS
      SELECT window_start, user_id, count(*) AS clicks
      FROM TUMBLE(clicks, ts, INTERVAL '1' MINUTE)
      GROUP BY window_start, window_end, user_id
      EMIT ON WINDOW CLOSE;
  `);
  db.subscribe('clicks_per_minute', {
    onChange: ({ row }) => console.log(`${row.window_start.toISOString()} ${row.user_id}: ${row.clicks} clicks`),
  });

  const t0 = Date.UTC(2024, 0, 1, 9, 0, 0);
  db.insert('clicks', [
    { user_id: 'ann', url: '/a', ts: t0 + 1_000 },
    { user_id: 'bob', url: '/b', ts: t0 + 20_000 },
    { user_id: 'ann', url: '/c', ts: t0 + 59_000 },
  ]);
  // a bad row: nothing of this call is applied
  try {
    db.insert('clicks', [{ user_id: 'cy', ts: t0 + 61_000 }, { user_id: null, ts: t0 + 62_000 }]);
  } catch (e) {
    if (!(e instanceof SchemaError)) throw e;
    console.log(`rejected: ${e.code} in row ${e.rowIndex}, column ${e.column}`);
  }
  // the first minute closes once the watermark (max ts - 5 s) passes 09:01:00
  db.insert('clicks', { user_id: 'bob', url: '/d', ts: t0 + 66_000 });
  await db.close();
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
