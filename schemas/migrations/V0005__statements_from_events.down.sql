-- Undoes V0005: the house and world indexes go and the postings table comes back, empty. Its rows
-- are the postings in the events' payloads, so the read model is marked as lagging and the next
-- open of code of that version writes them again from the log.

DROP INDEX events_touching_house;
DROP INDEX events_touching_world;
CREATE TABLE postings (
    account       TEXT NOT NULL,
    seq           INTEGER NOT NULL,
    delta         INTEGER NOT NULL,
    balance_after INTEGER NOT NULL,
    PRIMARY KEY (account, seq)
) WITHOUT ROWID;
UPDATE ledger_head SET read_model_seq = 0;
