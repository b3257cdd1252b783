-- A Nexmark pipeline for `laminardb run examples/pipelines/nexmark.sql`.
-- The three sources share one seeded generator (same seed, events, rates), so persons, auctions
-- and bids form one event stream and the join below finds its matches. 500,000 events, as fast
-- as the engine takes them; event time advances 100,000 events per second, so the stream covers
-- 5 s of event time. When the generator has finished, each source's watermark moves to the end
-- of time and the last windows close.
CREATE SOURCE person (
  id BIGINT, name VARCHAR, email_address VARCHAR, credit_card VARCHAR, city VARCHAR, state VARCHAR,
  date_time TIMESTAMP, extra VARCHAR,
  WATERMARK FOR date_time AS date_time - INTERVAL '4' SECOND
) WITH (connector = 'nexmark', nexmark.table = 'person', events = 500000, event_time_rate = 100000, seed = 42,
        retention = '1 minute');
CREATE SOURCE auction (
  id BIGINT, item_name VARCHAR, description VARCHAR, initial_bid BIGINT, reserve BIGINT,
  date_time TIMESTAMP, expires TIMESTAMP, seller BIGINT, category BIGINT, extra VARCHAR,
  WATERMARK FOR date_time AS date_time - INTERVAL '4' SECOND
) WITH (connector = 'nexmark', nexmark.table = 'auction', events = 500000, event_time_rate = 100000, seed = 42,
        retention = '1 minute');
CREATE SOURCE bid (
  auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, url VARCHAR, date_time TIMESTAMP,
  extra VARCHAR,
  WATERMARK FOR date_time AS date_time - INTERVAL '4' SECOND
) WITH (connector = 'nexmark', nexmark.table = 'bid', events = 500000, event_time_rate = 100000, seed = 42,
        retention = '1 minute');

-- Windowed aggregate: bids per 1-second tumbling window, emitted when the watermark closes it.
CREATE MATERIALIZED VIEW bids_per_second AS
  SELECT window_start, count(*) AS bids, max(price) AS max_price
  FROM TUMBLE(bid, date_time, INTERVAL '1' SECOND)
  GROUP BY window_start, window_end
  EMIT ON WINDOW CLOSE;

-- Join (Nexmark q3): sellers in OR / ID / CA with auctions in category 10.
CREATE MATERIALIZED VIEW local_sellers AS
  SELECT P.name, P.city, P.state, A.id AS auction
  FROM auction AS A JOIN person AS P ON A.seller = P.id
  WHERE A.category = 10 AND P.state IN ('OR', 'ID', 'CA');

-- Top-N: the 5 auctions with the most bids.
CREATE MATERIALIZED VIEW hot_auctions AS
  SELECT auction, count(*) AS bids, max(price) AS top_price
  FROM bid GROUP BY auction
  ORDER BY bids DESC LIMIT 5;
