// Costs of the fused q5 operator off its per-row path, through SQL (docs/ARCHITECTURE.md, max-ties):
// closing windows after a burst of keys, then one-key windows (the entry scans), and single-row
// DELETEs lowering a count at the max. Run: npx tsx bench/nexmark/q5-costs.ts [join] ('join': the
// DELETE view written with + 0, which keeps the join plan; the burst part always runs the fused view).
import { open } from '../../lib/index.js';
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
async function closeAfterBurst(burst: number, windows: number) {
  const db = await open();
  await db.execute(`CREATE SOURCE bid (auction BIGINT, price BIGINT, date_time TIMESTAMP, WATERMARK FOR date_time AS date_time)`);
  await db.execute(`CREATE MATERIALIZED VIEW q5 WITH (allowed_lateness = '0 seconds') AS SELECT a.auction, a.num, a.ws FROM (
    SELECT auction, count(*) AS num, window_start AS ws FROM HOP(bid, date_time, INTERVAL '1' SECOND, INTERVAL '2' SECOND) GROUP BY window_start, auction) a
  JOIN (SELECT max(c.num) AS maxn, c.ws2 FROM (SELECT count(*) AS num, window_start AS ws2 FROM HOP(bid, date_time, INTERVAL '1' SECOND, INTERVAL '2' SECOND) GROUP BY auction, window_start) c GROUP BY c.ws2) m
  ON a.ws = m.ws2 AND a.num >= m.maxn`);
  const rows = Array.from({ length: burst }, (_, i) => ({ auction: i, price: 1, date_time: 500 }));
  db.insert('bid', rows);
  let t = cpu();
  db.insert('bid', [{ auction: 1, price: 1, date_time: 5_000 }]);
  const closeBurst = cpu() - t;
  t = cpu();
  for (let w = 0; w < windows; w++) db.insert('bid', [{ auction: w % 3, price: 1, date_time: 6_000 + w * 1000 }]);
  const later = cpu() - t;
  console.log(`burst ${burst} keys: closing their windows ${closeBurst.toFixed(1)} ms CPU; then ${windows} one-key windows: ${(later / windows * 1000).toFixed(1)} us CPU each`);
  await db.close();
}
async function deletes(keys: number, n: number) {
  const db = await open();
  await db.execute(`CREATE TABLE bid (auction BIGINT, price BIGINT, date_time TIMESTAMP)`);
  await db.execute(`CREATE MATERIALIZED VIEW q5 AS SELECT a.auction, a.num, a.ws FROM (
    SELECT auction, count(*) AS num, window_start AS ws FROM TUMBLE(bid, date_time, INTERVAL '10' SECOND) GROUP BY window_start, auction) a
  JOIN (SELECT max(c.num) AS maxn, c.ws2 FROM (SELECT count(*) AS num, window_start AS ws2 FROM TUMBLE(bid, date_time, INTERVAL '10' SECOND) GROUP BY auction, window_start) c GROUP BY c.ws2) m
  ON a.ws = m.ws2 AND a.num ${process.argv[2] === 'join' ? '+ 0' : ''} >= m.maxn`);
  // every key once, and n keys a second time (at the max, 2): deleting one of those lowers a count at the max
  const rows = Array.from({ length: keys }, (_, i) => ({ auction: i, price: 1, date_time: 500 }));
  for (let i = 0; i < n; i++) rows.push({ auction: i, price: 2 + i, date_time: 500 });
  db.insert('bid', rows);
  const t = cpu();
  for (let i = 0; i < n; i++) await db.execute(`DELETE FROM bid WHERE price = ${2 + i}`);
  const d = cpu() - t;
  console.log(`${process.argv[2] ?? 'fused'}: ${keys} keys, ${n} single-row DELETEs at the max: ${(d / n * 1000).toFixed(0)} us CPU each`);
  await db.close();
}
(async () => {
  for (const b of [10_000, 100_000]) await closeAfterBurst(b, 2000);
  for (const k of [10_000, 100_000]) await deletes(k, 200);
})();
