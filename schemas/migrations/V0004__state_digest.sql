-- The digest of the writer's in-memory projections (balances, games, bets of open games, player
-- records) at the head: a sum of 64-bit row hashes kept up to date with every batch. At open the
-- read model just loaded must hash to it, or it is rebuilt from the log; a flipped bit in a
-- projection table is then never served as a balance. Null: written before this column existed.
ALTER TABLE ledger_head ADD COLUMN state_digest INTEGER;
