-- The writer now keeps in memory only what it decides on: non-zero balances, and open games with
-- their bets. Closed games, accounts back at zero and player statistics stay in the read model
-- (the statistics are now added to per batch). The state digest stored with each batch covers
-- what memory holds, so digests stored before this version no longer apply: the read model is
-- marked as lagging, and the next open replays the log once and writes it and the digest afresh.

UPDATE ledger_head SET read_model_seq = 0;
