-- The log-first commit (issue #12): with the read model out of the durable transaction, the
-- writer keeps a snapshot of its in-memory state (non-zero balances, open games and their bets;
-- projection.StateSnapshot) every so often and at close, in the same transaction as a batch. An
-- open loads the newest snapshot and folds the log after it. Only the newest two are kept.

CREATE TABLE state_snapshots (
    seq      INTEGER PRIMARY KEY,     -- the state after this event
    last_ts  INTEGER NOT NULL,        -- the timestamp of that event, microseconds
    digest   INTEGER NOT NULL,        -- the StateDigest of the state; the bytes must hash to it
    state    BLOB NOT NULL            -- StateSnapshot format (docs/formats.md)
);
