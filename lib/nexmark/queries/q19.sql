-- Top 10 bids of each auction.
SELECT * FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY auction ORDER BY price DESC) AS rank_number
  FROM bid
) AS T
WHERE rank_number <= 10
