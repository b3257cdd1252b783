-- Bids enriched with their auction, for auctions in category 10.
SELECT auction, bidder, price, channel, url, B.date_time AS date_time_b,
       item_name, description, initial_bid, reserve, A.date_time AS date_time_a, expires, seller, category
FROM bid B INNER JOIN auction A ON B.auction = A.id
WHERE A.category = 10
