-- Undoes V0010, and what V0010 allowed: from this version on, a log-first open may drop the
-- statement indexes and the idempotency keys' index (store.CommitModeIndexes, recorded in
-- ledger_meta). Below it every ledger has them, so they are built again from the log, and the
-- record goes with them. events_by_idem_key is built afresh because a log-first ledger may have
-- made it non-unique; store.DownStepChecks refuses this step when keys were used twice, which
-- the unique index of V0001 cannot hold.

DROP INDEX events_games_opened;
DROP INDEX events_deposits;
DROP INDEX IF EXISTS events_by_idem_key;
CREATE UNIQUE INDEX events_by_idem_key ON events (idem_key) WHERE idem_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS events_by_game ON events (game_id, seq) WHERE game_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS events_by_player ON events (player_id, seq) WHERE player_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS events_touching_house ON events (seq) WHERE type IN (3, 7);
CREATE INDEX IF NOT EXISTS events_touching_world ON events (seq) WHERE type IN (1, 2, 3);
DELETE FROM ledger_meta WHERE name = 'statement_indexes_dropped';
