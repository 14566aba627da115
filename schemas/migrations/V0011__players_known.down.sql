-- Undoes V0011. players_known is derived (one row per player with a deposit in the log); the
-- index of every deposit it replaced is built again from the log.

DROP INDEX events_keyed;
CREATE INDEX events_deposits ON events (player_id) WHERE type = 1;
DROP TABLE players_known;
