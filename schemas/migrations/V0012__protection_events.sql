-- Player protection (issue #13): set_limits (LIMITS_SET = 9) and self_exclude (PLAYER_EXCLUDED = 10)
-- events. A state loaded without its protected players (from read-model rows, or from a snapshot
-- of the format before them) folds them from the log (projection.Protections); this index finds
-- those few events without reading the rest. It is on seq, so a commit only appends to its last
-- page, and only for these events.

CREATE INDEX events_protection ON events (seq) WHERE type IN (9, 10);
