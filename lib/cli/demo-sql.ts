// The SQL of `laminardb demo`, embedded (tsc does not copy .sql files into dist/): the Nexmark
// sources of lib/nexmark/schema.sql and the live views the dashboard shows.

/**
 * The three Nexmark sources; watermarks allow 4 s of disorder (the generator is in order). The
 * sources keep only the last minute of event time for ad-hoc queries, so an open-ended run does
 * not grow without bound (retention never changes what the views already hold).
 */
export const DEMO_SCHEMA = `
CREATE SOURCE person (
  id BIGINT, name VARCHAR, email_address VARCHAR, credit_card VARCHAR, city VARCHAR, state VARCHAR,
  date_time TIMESTAMP, extra VARCHAR,
  WATERMARK FOR date_time AS date_time - INTERVAL '4' SECOND
) WITH (retention = '1 minute');
CREATE SOURCE auction (
  id BIGINT, item_name VARCHAR, description VARCHAR, initial_bid BIGINT, reserve BIGINT,
  date_time TIMESTAMP, expires TIMESTAMP, seller BIGINT, category BIGINT, extra VARCHAR,
  WATERMARK FOR date_time AS date_time - INTERVAL '4' SECOND
) WITH (retention = '1 minute');
CREATE SOURCE bid (
  auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, url VARCHAR, date_time TIMESTAMP,
  extra VARCHAR,
  WATERMARK FOR date_time AS date_time - INTERVAL '4' SECOND
) WITH (retention = '1 minute');`;

export interface DemoView {
  name: string;
  /** what the dashboard says the view is */
  title: string;
  sql: string;
}

export const DEMO_VIEWS: readonly DemoView[] = [
  {
    name: 'bids_per_second',
    title: 'windowed aggregate: bids per 1-second tumbling window (emitted when the watermark closes it)',
    sql: `CREATE MATERIALIZED VIEW bids_per_second AS
  SELECT window_start, count(*) AS bids, avg(price) AS avg_price, max(price) AS max_price
  FROM TUMBLE(bid, date_time, INTERVAL '1' SECOND)
  GROUP BY window_start, window_end
  EMIT ON WINDOW CLOSE`,
  },
  {
    name: 'local_sellers',
    title: 'join (Nexmark q3): sellers in OR/ID/CA with auctions in category 10',
    sql: `CREATE MATERIALIZED VIEW local_sellers AS
  SELECT P.name, P.city, P.state, A.id AS auction
  FROM auction AS A JOIN person AS P ON A.seller = P.id
  WHERE A.category = 10 AND P.state IN ('OR', 'ID', 'CA')`,
  },
  {
    name: 'hot_auctions',
    title: 'Top-N: the 5 auctions with the most bids',
    sql: `CREATE MATERIALIZED VIEW hot_auctions AS
  SELECT auction, count(*) AS bids, max(price) AS top_price
  FROM bid GROUP BY auction
  ORDER BY bids DESC LIMIT 5`,
  },
];
