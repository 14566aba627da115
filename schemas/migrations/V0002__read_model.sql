-- The persisted read model: projections of the event log, updated in the same transaction as
-- each batch (one upsert per row the batch touched). Everything here can be rebuilt from
-- events; ledger_head.read_model_seq says up to which seq it is current, and a ledger whose read
-- model lags its log (e.g. right after this migration) rebuilds it at open.

ALTER TABLE ledger_head ADD COLUMN read_model_seq INTEGER NOT NULL DEFAULT 0;

CREATE TABLE balances (
    account     TEXT PRIMARY KEY,        -- player:<id>, house, escrow:<game>, world
    balance     INTEGER NOT NULL,
    updated_seq INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE games (
    game_id    TEXT PRIMARY KEY,
    table_id   TEXT NOT NULL,
    open       INTEGER NOT NULL,         -- 1 open, 0 closed
    opened_seq INTEGER NOT NULL,
    closed_seq INTEGER NOT NULL,         -- 0 while open
    rolls      INTEGER NOT NULL,
    last_die1  INTEGER NOT NULL,         -- 0 before the first roll
    last_die2  INTEGER NOT NULL,
    point      INTEGER NOT NULL,         -- the puck: 0 when off (come-out), else 4, 5, 6, 8, 9 or 10
    open_bets  INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX games_by_table ON games (table_id, opened_seq);
CREATE INDEX games_open ON games (open) WHERE open = 1;

-- Every bet ever placed, open or settled.
CREATE TABLE bets (
    game_id     TEXT NOT NULL,
    bet_id      TEXT NOT NULL,
    player      TEXT NOT NULL,
    bet_type    TEXT NOT NULL,
    point       INTEGER,                 -- null unless the bet names a number
    amount      INTEGER NOT NULL,
    placed_seq  INTEGER NOT NULL,
    settled_seq INTEGER NOT NULL,        -- 0 while open
    outcome     TEXT,                    -- WIN, LOSE, PUSH, VOID; null while open
    winnings    INTEGER NOT NULL,
    PRIMARY KEY (game_id, bet_id)
) WITHOUT ROWID;

CREATE INDEX bets_by_player ON bets (player, placed_seq);
CREATE INDEX bets_by_game ON bets (game_id, placed_seq);

CREATE TABLE player_stats (
    player        TEXT PRIMARY KEY,
    wagered       INTEGER NOT NULL,
    won           INTEGER NOT NULL,
    lost          INTEGER NOT NULL,
    bets_placed   INTEGER NOT NULL,
    bets_settled  INTEGER NOT NULL
) WITHOUT ROWID;

-- One row per posting: an account's statement, with the balance after each movement.
CREATE TABLE postings (
    account       TEXT NOT NULL,
    seq           INTEGER NOT NULL,
    delta         INTEGER NOT NULL,
    balance_after INTEGER NOT NULL,
    PRIMARY KEY (account, seq)
) WITHOUT ROWID;
