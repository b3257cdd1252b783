-- Pass-through: every bid, projected.
SELECT auction, bidder, price, date_time, extra FROM bid
