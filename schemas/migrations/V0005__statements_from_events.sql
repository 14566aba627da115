-- An account's statement is read from the events instead of a postings table. A postings row per
-- posting, keyed by account, made every batch dirty one page per account it touched: most of the
-- writer's commit time went into those scattered pages, and the events already hold every posting
-- in their payloads. Player and escrow statements use the existing indexes by player and by game;
-- the house and the world, which take part in most events of a few types, get partial indexes
-- by seq, which a batch only appends to.
DROP TABLE postings;
-- the house: chips funded (HOUSE_FUNDED = 3) and settlements (BET_SETTLED = 7)
CREATE INDEX events_touching_house ON events (seq) WHERE type IN (3, 7);
-- the world: deposits (1), withdrawals (2) and house funding (3)
CREATE INDEX events_touching_world ON events (seq) WHERE type IN (1, 2, 3);
