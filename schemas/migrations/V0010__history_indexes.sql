-- The log-first commit (issue #12) takes the events' statement indexes (by game, by player, and
-- the house and world partial indexes of V0005) out of the durable transaction: with hundreds of
-- players and games they made each commit dirty one scattered leaf page per player and per game.
-- The views file serves statements instead. What the writer itself still asks the log about
-- (ingest.History) needs far less: whether a game id was ever opened, and whether a player ever
-- deposited (a player's first posting is always a deposit). These two narrow indexes answer that
-- and receive one entry per game opened and per deposit. Which of the statement indexes exist
-- depends on the commit mode a ledger is opened with (store.StatementIndexes).

-- open_game (GAME_OPENED = 4)
CREATE INDEX events_games_opened ON events (game_id) WHERE type = 4;
-- deposit (DEPOSITED = 1)
CREATE INDEX events_deposits ON events (player_id) WHERE type = 1;
