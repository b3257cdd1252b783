-- User sessions: bids per bidder session with a 10-second gap.
SELECT B.bidder, count(*) AS bid_count, B.window_start AS starttime, B.window_end AS endtime
FROM SESSION(bid, date_time, INTERVAL '10' SECOND) AS B
GROUP BY B.bidder, B.window_start, B.window_end
