-- The event log is the source of truth; every other table can be rebuilt from it.

CREATE TABLE ledger_meta (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- One row per event. The denormalised columns (game_id, player_id, bet_id, amount) exist for
-- history queries; the payload is authoritative and the audit checks that they agree with it.
CREATE TABLE events (
    seq       INTEGER PRIMARY KEY,
    ts        INTEGER NOT NULL,          -- microseconds since the epoch, UTC, assigned by the ledger
    type      INTEGER NOT NULL,          -- event type code (see docs/formats.md)
    game_id   TEXT,
    player_id TEXT,
    bet_id    TEXT,
    amount    INTEGER,                   -- deposit/withdrawal/funding amount, stake, or winnings
    idem_key  TEXT,                      -- client idempotency key, on the first event of a keyed submission
    payload   BLOB NOT NULL,             -- Smile, see schemas/events/
    hash      BLOB NOT NULL CHECK (length(hash) = 32)  -- SHA-256(previous hash || frame)
);

CREATE UNIQUE INDEX events_by_idem_key ON events (idem_key) WHERE idem_key IS NOT NULL;
CREATE INDEX events_by_game ON events (game_id, seq) WHERE game_id IS NOT NULL;
CREATE INDEX events_by_player ON events (player_id, seq) WHERE player_id IS NOT NULL;

-- (seq, hash) of the last committed batch, written in the same transaction as the batch.
CREATE TABLE ledger_head (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    seq        INTEGER NOT NULL,
    hash       BLOB NOT NULL,
    updated_ts INTEGER NOT NULL
);
