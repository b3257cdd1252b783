// Click-stream sessionization (CommonJS): per-user sessions that end after 30 minutes without a
// click, with page counts and durations, then a parameterised query for one user.
// Run: node examples/clickstream-sessions.cjs
const { open } = require('laminardb');

async function main() {
  const db = await open();
  await db.execute(`
    CREATE SOURCE clicks (user_id VARCHAR NOT NULL, page VARCHAR NOT NULL, ts TIMESTAMP NOT NULL,
                          WATERMARK FOR ts AS ts - INTERVAL '1' MINUTE);
    CREATE MATERIALIZED VIEW sessions AS
      SELECT user_id, window_start AS started, window_end AS ended, count(*) AS pages,
             count(DISTINCT page) AS distinct_pages
      FROM SESSION(clicks, ts, INTERVAL '30' MINUTE)
      GROUP BY user_id, window_start, window_end
      EMIT ON WINDOW CLOSE;
  `);
  const hhmm = (d) => d.toISOString().slice(11, 16);
  db.subscribe('sessions', {
    onChange: ({ row }) => {
      // window_end is the last click + the 30-minute gap
      const minutes = (row.ended - row.started) / 60_000 - 30;
      console.log(`${row.user_id}: ${hhmm(row.started)}-${hhmm(row.ended)} ${row.pages} click${row.pages === 1 ? '' : 's'} on ${row.distinct_pages} page${row.distinct_pages === 1 ? '' : 's'}, active ${minutes} min`);
    },
  });

  const at = (h, m) => Date.UTC(2024, 3, 2, h, m);
  db.insert('clicks', [
    { user_id: 'ann', page: '/', ts: at(9, 0) },
    { user_id: 'bob', page: '/', ts: at(9, 5) },
    { user_id: 'ann', page: '/pricing', ts: at(9, 12) },
    { user_id: 'ann', page: '/', ts: at(9, 40) }, // within 30 min of 9:12: the same session
    { user_id: 'bob', page: '/docs', ts: at(9, 20) },
    { user_id: 'ann', page: '/signup', ts: at(11, 0) }, // a new session after a long pause
    { user_id: 'bob', page: '/docs', ts: at(12, 30) },
  ]);
  // the watermark (latest click - 1 min) is past 12:29: every session that ended by then is out

  const bob = await db.query('SELECT count(*) AS n FROM sessions WHERE user_id = $1', ['bob']);
  console.log(`closed sessions of bob so far: ${bob[0].n}`);
  await db.close();
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
