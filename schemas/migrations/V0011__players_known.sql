-- Whether a player ever deposited (ingest.History: a player at zero is short of funds, not
-- unknown) was answered by an index of every deposit (V0010). On a deposit-heavy floor that index
-- made each commit dirty one leaf page per player who deposited, and the cost grew with the log
-- (issue #12, item 6: measured with tools/costs/KeyedLoad.java). One row per player is enough:
-- every deposit row the log appends does INSERT OR IGNORE here in the same transaction
-- (store.EventLog), which writes a page only for a player seen for the first time.

CREATE TABLE players_known (
    player_id TEXT PRIMARY KEY
) WITHOUT ROWID;

-- deposit (DEPOSITED = 1)
INSERT INTO players_known SELECT DISTINCT player_id FROM events WHERE type = 1 AND player_id IS NOT NULL;

DROP INDEX IF EXISTS events_deposits;

-- The log-first writer holds recent idempotency keys in memory and rebuilds them at open from the
-- log's tail (ingest.KeyWindow). This index finds the keyed rows of the tail without reading the
-- rest; it is on seq, so a commit only appends to its last page.
CREATE INDEX events_keyed ON events (seq) WHERE idem_key IS NOT NULL;
