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

DROP INDEX events_deposits;
