// Quick start: a source, a continuously maintained view, a subscription, a query.
// Run: node examples/quickstart.mjs
import { open } from 'laminardb';

const db = await open();
await db.execute(`
  CREATE SOURCE bid (auction BIGINT NOT NULL, bidder BIGINT, price BIGINT NOT NULL, date_time TIMESTAMP NOT NULL,
                     WATERMARK FOR date_time AS date_time - INTERVAL '4' SECOND);
  CREATE MATERIALIZED VIEW top_price AS
    SELECT auction, max(price) AS top, count(*) AS bids FROM bid GROUP BY auction;
`);

// Iterate changes in the background; inserts stay synchronous.
const sub = db.subscribe('top_price');
const consumer = (async () => {
  for await (const change of sub) {
    const before = change.old ? ` (was ${change.old.top})` : '';
    console.log(`${change.op} auction ${change.row.auction}: top ${change.row.top}${before}`);
  }
})();

const bids = db.source('bid');
bids.insert({ auction: 1, bidder: 7, price: 100, date_time: '2024-05-01 12:00:00' });
bids.insertMany([
  { auction: 1, bidder: 8, price: 250, date_time: new Date(Date.UTC(2024, 4, 1, 12, 0, 1)) },
  { auction: 2, bidder: 7, price: 40, date_time: Date.UTC(2024, 4, 1, 12, 0, 2) },
]);

await sub.drained(); // the consumer has printed every change so far
console.table(await db.query('SELECT auction, top, bids FROM top_price ORDER BY auction'));
await db.close(); // ends the subscription: the loop above finishes
await consumer;
