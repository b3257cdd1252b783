// Trades to OHLC bars: open/high/low/close and volume per symbol per minute, with exact DECIMAL
// prices (returned as strings), read with `for await` over a subscription.
// Run: node examples/trades-ohlc.mjs
import { open } from 'laminardb';

const db = await open();
await db.execute(`
  CREATE SOURCE trades (symbol VARCHAR NOT NULL, price DECIMAL(12, 2) NOT NULL, qty INT NOT NULL,
                        ts TIMESTAMP NOT NULL, WATERMARK FOR ts AS ts - INTERVAL '5' SECOND);
  -- first_value / last_value take the first and last trade of the window in arrival order
  CREATE MATERIALIZED VIEW ohlc_1m AS
    SELECT symbol, window_start, first_value(price) AS open, max(price) AS high,
           min(price) AS low, last_value(price) AS close, sum(qty) AS volume
    FROM TUMBLE(trades, ts, INTERVAL '1' MINUTE)
    GROUP BY symbol, window_start, window_end
    EMIT ON WINDOW CLOSE;
`);

const bars = db.subscribe('ohlc_1m');
const printed = (async () => {
  for await (const { row } of bars) {
    const minute = row.window_start.toISOString().slice(11, 16);
    console.log(`${minute} ${row.symbol.padEnd(4)} O ${row.open} H ${row.high} L ${row.low} C ${row.close} V ${row.volume}`);
  }
})();

const t0 = Date.UTC(2024, 2, 15, 14, 30, 0);
const trades = [];
for (let i = 0; i < 180; i++) {
  // deterministic prices, one trade per second per symbol for three minutes: ACME rises, GLOB falls
  const acme = 101 + i * 0.03 + Math.sin(i / 3) * 0.4;
  const glob = 55 - i * 0.02 + Math.cos(i / 4) * 0.25;
  trades.push({ symbol: 'ACME', price: acme.toFixed(2), qty: 10 + (i % 7), ts: t0 + i * 1000 });
  trades.push({ symbol: 'GLOB', price: glob.toFixed(2), qty: 100 + (i % 3) * 50, ts: t0 + i * 1000 + 500 });
}
db.source('trades').insertMany(trades);
// nothing more will arrive: move the watermark past the last minute so its bar closes too
db.source('trades').advanceWatermark(t0 + 3 * 60_000);

await bars.drained();
await db.close(); // ends the subscription: the loop above finishes
await printed;
