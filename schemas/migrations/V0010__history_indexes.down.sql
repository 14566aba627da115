-- Undoes V0010, and what V0010 allowed: from this version on, a log-first open may drop the four
-- statement indexes (recorded in ledger_meta). Below it every ledger has them, so they are built
-- again from the log, and the record goes with them. The idempotency keys' index is already there
-- and unique: V0011's down script saw to it.

DROP INDEX events_games_opened;
DROP INDEX events_deposits;
CREATE INDEX IF NOT EXISTS events_by_game ON events (game_id, seq) WHERE game_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS events_by_player ON events (player_id, seq) WHERE player_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS events_touching_house ON events (seq) WHERE type IN (3, 7);
CREATE INDEX IF NOT EXISTS events_touching_world ON events (seq) WHERE type IN (1, 2, 3);
DELETE FROM ledger_meta WHERE name = 'statement_indexes_dropped';
