-- Undoes V0011, and what V0011 allowed: from this version on, a log-first open may drop the index of
-- idempotency keys too (store.CommitModeIndexes), or build it non-unique after a key was reused past the
-- retention window. Below it the code answers retries through that index, which must be there and unique:
-- it is built afresh, and store.DownStepChecks refuses this step when keys were used twice.
-- players_known is derived (one row per player with a deposit in the log); the index of every deposit it
-- replaced is built again from the log.

DROP INDEX IF EXISTS events_by_idem_key;
CREATE UNIQUE INDEX events_by_idem_key ON events (idem_key) WHERE idem_key IS NOT NULL;
DROP INDEX events_keyed;
CREATE INDEX events_deposits ON events (player_id) WHERE type = 1;
DROP TABLE players_known;
