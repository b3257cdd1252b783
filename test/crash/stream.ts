// The deterministic stream and schema shared by the crash child and its parent test.
export const BATCH_ROWS = 20;
export const AUCTIONS = 10;

export const VIEWS: Record<string, string> = {
  per_auction: 'SELECT auction, count(*) AS n, sum(price) AS total, max(price) AS top FROM bids GROUP BY auction',
  per_category: 'SELECT a.category, count(*) AS n, sum(b.price) AS total FROM bids b JOIN auctions a ON b.auction = a.id GROUP BY a.category',
  per_window: "SELECT window_start, auction, count(*) AS n FROM TUMBLE(bids, ts, INTERVAL '10' SECOND) GROUP BY window_start, window_end, auction",
};

export const SCHEMA: string[] = [
  'CREATE TABLE auctions (id INT, category INT, PRIMARY KEY (id))',
  `INSERT INTO auctions VALUES ${Array.from({ length: AUCTIONS }, (_, i) => `(${i}, ${i % 3})`).join(', ')}`,
  "CREATE SOURCE bids (batch INT, seq INT, auction INT, price BIGINT, note VARCHAR, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '5' SECOND)",
  ...Object.entries(VIEWS).map(([name, sql]) => `CREATE MATERIALIZED VIEW ${name} AS ${sql}`),
];

/** Rows of batch `b`: a pure function of b, so any process can recompute what was sent. */
export function batchRows(b: number): Array<Record<string, unknown>> {
  const rows = [];
  for (let j = 0; j < BATCH_ROWS; j++) {
    const x = (b * 7919 + j * 104729) % 1000003;
    rows.push({
      batch: b,
      seq: j,
      auction: x % AUCTIONS,
      price: 100 + (x % 9973),
      note: j % 4 === 0 ? null : `n${x % 97}`,
      ts: 1_700_000_000_000 + b * 1000 + j * 10,
    });
  }
  return rows;
}

export function auctionUpdate(b: number): { id: number; category: number } {
  return { id: b % AUCTIONS, category: (b * 31) % 5 };
}
